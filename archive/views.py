import calendar
import datetime
from itertools import groupby
from types import SimpleNamespace
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Max, Min
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from . import compare, timeline
from .forms import CompareForm, DocumentListForm, search_request
from .models import UNLISTED_DOCUMENT_FIELDS, Document, Meeting, MeetingSeries, Paragraph
from .pages import archive_page, conditional_page
from .public_export import PUBLIC_FILES, ZIP_NAME, stream_archive_zip
from .ratelimits import limited
from .search import service
from .search.facets import FACETS
from .search.indexing import search_view


# Every list of meetings or documents is cut into pages of this size: no page lists the whole archive.
MEETINGS_PER_PAGE = 25
DOCUMENTS_PER_PAGE = 25
EDITIONS_PER_PAGE = 50  # of a series; the longest real series have about thirty
# The home page shows this many of the newest documents and of the meetings known only from mentions.
LATEST_ADDITIONS = 8
MENTIONED_ONLY_ON_HOME = 5


def group_by_year(meetings):
    return [(year, list(items)) for year, items in groupby(meetings, key=lambda m: m.start_date.year if m.start_date else None)]


@require_GET
@archive_page
def home(request):
    per_year = list(Meeting.objects.per_year())
    coverage = Meeting.objects.coverage()
    return render(request, "archive/home.html", {
        "coverage": {**coverage, "statements": Document.objects.count()},
        "latest_documents": Document.objects.listed().latest_added()[:LATEST_ADDITIONS],
        "timeline": timeline.meetings_per_year(per_year),
        "per_year": per_year,
        "series_list": MeetingSeries.objects.with_edition_counts(),
        "mentioned_only": Meeting.objects.filter(known_only_from_mentions=True).select_related("series")
                                 .order_by("-start_date")[:MENTIONED_ONLY_ON_HOME],
        "mentioned_only_count": coverage["mentioned_only"],
    })


@require_GET
@archive_page
def meeting_list(request, year=None, month=None):
    """Meetings, newest first, a page at a time; with the year, the months of that year as a calendar."""
    meetings = Meeting.objects.with_documents()
    series = None
    if request.GET.get("series"):
        series = get_object_or_404(MeetingSeries, slug=request.GET["series"])
        meetings = meetings.filter(series=series)
    per_year = meetings.per_year()
    months = None
    if year is not None:
        months = month_grid(meetings.per_month(year))
        meetings = meetings.filter(start_date__year=year)
    if month is not None:
        meetings = meetings.filter(start_date__month=month)
    page = Paginator(meetings, MEETINGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "archive/meeting_list.html", {
        "meetings_by_year": group_by_year(page.object_list),
        "page": page,
        "previous_url": querystring(request.GET, page=page.number - 1),
        "next_url": querystring(request.GET, page=page.number + 1),
        "series": series,
        "year": year,
        "month": datetime.date(year, month, 1) if month else None,
        "months": months,
        "series_list": MeetingSeries.objects.filter(meetings__isnull=False).distinct(),
        "per_year": per_year,
    })


def month_grid(counts):
    """The twelve months of a year as [{number, name, held, mentioned_only}] for the calendar."""
    return [{"number": number, "name": calendar.month_name[number],
             "held": counts.get(number, (0, 0))[0], "mentioned_only": counts.get(number, (0, 0))[1]}
            for number in range(1, 13)]


@require_GET
@archive_page
def series_list(request):
    return render(request, "archive/series_list.html", {"series_list": MeetingSeries.objects.with_edition_counts()})


@require_GET
@archive_page
def series_detail(request, slug):
    series = get_object_or_404(MeetingSeries, slug=slug)
    meetings = series.meetings.with_documents().in_series_order()
    editions = meetings.filter(known_only_from_mentions=False)
    page = Paginator(editions, EDITIONS_PER_PAGE).get_page(request.GET.get("page"))
    mentioned_only = list(meetings.filter(
        pk__in=series.meetings.mentioned_only_by_page(EDITIONS_PER_PAGE).get(page.number, [])))
    return render(request, "archive/series_detail.html", {
        "series": series,
        "page": page,
        "years": editions.aggregate(first=Min("start_date__year"), last=Max("start_date__year")),
        "mentioned_only": mentioned_only,
        "timeline": timeline.editions([*page, *mentioned_only]),
        "previous_url": querystring(request.GET, page=page.number - 1),
        "next_url": querystring(request.GET, page=page.number + 1),
    })


@require_GET
@archive_page
def document_list(request):
    form = DocumentListForm(request.GET)
    documents = Document.objects.listed().filtered(**form.filters())
    documents = {"newest": documents.latest_first, "oldest": documents.oldest_first,
                 "title": documents.by_title}[form.chosen_sort()]()
    page = Paginator(documents, DOCUMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "archive/document_list.html", {
        "form": form, "notes": form.notes(), "page": page,
        "previous_url": querystring(request.GET, page=page.number - 1),
        "next_url": querystring(request.GET, page=page.number + 1),
    })


@require_GET
@archive_page
def meeting_detail(request, slug):
    meeting = get_object_or_404(Meeting.objects.select_related("series"), slug=slug)
    mentioned_in = (Paragraph.objects.filter(mentions=meeting).select_related("document__meeting")
                    .defer(*(f"document__{name}" for name in UNLISTED_DOCUMENT_FIELDS))
                    .order_by("-document__meeting__start_date", "document_id", "position"))
    mentions = Meeting.objects.filter(mentioned_in__document__meeting=meeting).distinct().order_by("start_date")
    return render(request, "archive/meeting_detail.html", {
        "meeting": meeting,
        "documents": meeting.documents.listed(),
        "previous_meeting": meeting.previous_in_series(),
        "next_meeting": meeting.next_in_series(),
        "mentioned_in": mentioned_in,
        "mentions": mentions,
    })


@require_GET
@archive_page
@search_view
def document_detail(request, slug):
    document = get_object_or_404(Document.objects.select_related("meeting__series"), slug=slug)
    asked = search_request(request)
    paragraphs = list(document.paragraphs.prefetch_related("mentions"))
    # What the search matched, read as in its results (aliases, folding, phrases): spans for the `marked` filter.
    for paragraph, spans in zip(paragraphs, service.highlight(asked, [p.text for p in paragraphs])):
        paragraph.spans = spans
    versions = list(document.versions.select_related("source"))
    shown = versions[-1] if versions else None
    version = request.GET.get("version", "")
    if version.isdigit() and versions and int(version) != versions[-1].number:
        shown = next((v for v in versions if v.number == int(version)), shown)
        if shown is not versions[-1]:  # an earlier text, shown as it was received
            paragraphs = [SimpleNamespace(**row, pk=None, position=position, spans=[])
                          for position, row in enumerate(shown.paragraphs, start=1)]
    previous_edition, next_edition = compare.neighbour_editions(document)
    return render(request, "archive/document_detail.html", {
        "document": document,
        "previous_edition": previous_edition,
        "next_edition": next_edition,
        "meeting": document.meeting,
        "paragraphs": paragraphs,
        "sources": document.sources.all(),
        "query": asked.q,
        "versions": versions,
        "shown_version": shown,
    })


def querystring(params, **changes):
    """The current query string with some parameters replaced (a list value sets them all), in the order of
    the parameters. Built from pairs rather than a copy of the QueryDict: a results page makes one for every
    facet value, and copying deep-copies every parameter."""
    changed = {key: value if isinstance(value, list) else [str(value)] for key, value in changes.items()}
    pairs = []
    for key, values in params.lists():
        pairs.extend((key, value) for value in changed.pop(key, values))
    for key, values in changed.items():
        pairs.extend((key, value) for value in values)
    return urlencode(pairs)


def facet_list(params, page):
    """Each facet value with its count and the link that toggles it as a filter."""
    params = params.copy()
    params.pop("page", None)
    facets = []
    for facet in FACETS:
        name = facet.name
        selected = page.filters.get(name, [])
        values = []
        for value, count in page.facets.get(name, []):
            chosen = value in selected
            toggled = [v for v in selected if v != value] if chosen else [*selected, value]
            values.append({"value": value, "count": count, "selected": chosen,
                           "url": querystring(params, **{name: toggled})})
        # A chosen value the results no longer contain must still be removable.
        for value in selected:
            if not any(v["value"] == value for v in values):
                values.append({"value": value, "count": 0, "selected": True,
                               "url": querystring(params, **{name: [v for v in selected if v != value]})})
        facets.append({"name": name, "label": facet.label, "values": values})
    return facets


@limited("ARCHIVE_RATELIMIT_SEARCH")
@require_GET
@conditional_page
@search_view
def search(request):
    asked = search_request(request)
    page = service.search_page(asked) if "q" in request.GET or not asked.is_empty() else None
    context = {"page": page, "query": request.GET.get("q", ""), "sorts": service.SORTS}
    if page:
        without_filters = request.GET.copy()
        for name in [*(facet.name for facet in FACETS), "from", "to", "page", "document"]:
            without_filters.pop(name, None)
        context.update(
            facet_list=facet_list(request.GET, page),
            previous_url=querystring(request.GET, page=page.number - 1),
            next_url=querystring(request.GET, page=page.number + 1),
            unfiltered_url=without_filters.urlencode(),
            current_params=request.GET.urlencode(),
        )
    return render(request, "archive/search.html", context)


@require_GET
@archive_page
def search_help(request):
    return render(request, "archive/search_help.html")


@require_GET
@archive_page
@search_view
def similar_paragraphs(request, pk):
    paragraph = get_object_or_404(Paragraph.objects.select_related("document__meeting"), pk=pk)
    return render(request, "archive/similar.html", {"paragraph": paragraph, "similar": service.similar(paragraph)})


# Candidates the search engine proposes for a paragraph's history in other series, before they are scored.
HISTORY_CANDIDATES = 30


@require_GET
@archive_page
def compare_statements(request):
    """Two statements (or two versions of one) side by side; without both, a form to choose them."""
    if "a" not in request.GET and "b" not in request.GET:
        return render(request, "archive/compare.html", {"form": CompareForm()})
    form = CompareForm(request.GET)
    if not form.is_valid():
        return render(request, "archive/compare.html", {"form": form}, status=400)
    old = compare.side(form.cleaned_data["a"], form.cleaned_data.get("a_version"))
    new = compare.side(form.cleaned_data["b"], form.cleaned_data.get("b_version"))
    return render(request, "archive/compare.html", {
        "form": form, "old": old, "new": new, "comparison": compare.compare(old.passages, new.passages)})


@require_GET
@archive_page
@search_view
def paragraph_history(request, pk):
    paragraph = get_object_or_404(Paragraph.objects.select_related("document__meeting__series"), pk=pk)
    candidates = [hit.pk for hit in service.similar(paragraph, limit=HISTORY_CANDIDATES)]
    return render(request, "archive/paragraph_history.html",
                  {"paragraph": paragraph, "history": compare.paragraph_history(paragraph, candidates)})


def cited_paragraph(request, pk):
    """The paragraph and its citations, the permanent URL on this site's host."""
    # The citation libraries (citeproc-py, bibtexparser, rispy) are imported by the first citation a worker
    # renders, not by every worker at startup.
    from .citations import paragraph_citation

    paragraph = get_object_or_404(Paragraph.objects.select_related("document__meeting__series"), pk=pk)
    return paragraph, paragraph_citation(paragraph, request.build_absolute_uri(paragraph.get_absolute_url()))


@require_GET
@archive_page
def cite_paragraph(request, pk):
    paragraph, citation = cited_paragraph(request, pk)
    return render(request, "archive/cite.html", {
        "paragraph": paragraph, "document": paragraph.document, "meeting": paragraph.document.meeting,
        "citation": citation, "downloads": CITATION_DOWNLOADS,
    })


# Download formats of a citation: (file suffix, attribute of ParagraphCitation, media type, label).
CITATION_DOWNLOADS = [
    ("bib", "bibtex", "application/x-bibtex; charset=utf-8", "BibTeX"),
    ("ris", "ris", "application/x-research-info-systems; charset=utf-8", "RIS"),
    ("json", "csl_json", "application/vnd.citationstyles.csl+json; charset=utf-8", "CSL-JSON"),
]


@require_GET
@archive_page
def cite_paragraph_file(request, pk, suffix):
    paragraph, citation = cited_paragraph(request, pk)
    attribute, content_type = next((a, t) for s, a, t, _ in CITATION_DOWNLOADS if s == suffix)
    response = HttpResponse(getattr(citation, attribute), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{citation.key}.{suffix}"'
    return response


@require_GET
@archive_page
def export_page(request):
    files = [(name, model._meta.verbose_name_plural, fields) for name, model, fields in PUBLIC_FILES]
    return render(request, "archive/export.html", {"files": files})


@limited("ARCHIVE_RATELIMIT_EXPORT")
@require_GET
def export_zip(request):
    response = StreamingHttpResponse(stream_archive_zip(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{ZIP_NAME}"'
    return response
