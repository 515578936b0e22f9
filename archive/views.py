from itertools import groupby

from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from .models import Document, Meeting, MeetingSeries, Paragraph
from .search.indexing import get_backend
from .search.query import DEFAULT_PER_PAGE, FACETS, SORTS, parse_filters, run_search


def group_by_year(meetings):
    return [(year, list(items)) for year, items in groupby(meetings, key=lambda m: m.start_date.year if m.start_date else None)]


def meetings_with_counts():
    return Meeting.objects.select_related("series").prefetch_related("documents")


@require_GET
def home(request):
    return render(request, "archive/home.html", {
        "latest_documents": Document.objects.latest_first()[:10],
        "meetings_by_year": group_by_year(meetings_with_counts()),
        "series_list": MeetingSeries.objects.filter(meetings__isnull=False).distinct(),
    })


@require_GET
def meeting_list(request, year=None):
    meetings = meetings_with_counts()
    series = None
    if request.GET.get("series"):
        series = get_object_or_404(MeetingSeries, slug=request.GET["series"])
        meetings = meetings.filter(series=series)
    if year is not None:
        meetings = meetings.filter(start_date__year=year)
    return render(request, "archive/meeting_list.html", {
        "meetings_by_year": group_by_year(meetings),
        "series": series,
        "year": year,
        "series_list": MeetingSeries.objects.filter(meetings__isnull=False).distinct(),
        "years": Meeting.objects.dated().dates("start_date", "year", order="DESC"),
    })


@require_GET
def meeting_detail(request, slug):
    meeting = get_object_or_404(Meeting.objects.select_related("series"), slug=slug)
    mentioned_in = (Paragraph.objects.filter(mentions=meeting).select_related("document__meeting")
                    .order_by("-document__meeting__start_date", "document_id", "position"))
    mentions = Meeting.objects.filter(mentioned_in__document__meeting=meeting).distinct().order_by("start_date")
    return render(request, "archive/meeting_detail.html", {
        "meeting": meeting,
        "documents": meeting.documents.all(),
        "previous_meeting": meeting.previous_in_series(),
        "next_meeting": meeting.next_in_series(),
        "mentioned_in": mentioned_in,
        "mentions": mentions,
    })


@require_GET
def document_detail(request, slug):
    document = get_object_or_404(Document.objects.select_related("meeting__series"), slug=slug)
    query = request.GET.get("q", "").strip()[:500]
    paragraphs = list(document.paragraphs.prefetch_related("mentions"))
    backend = get_backend()
    for paragraph in paragraphs:
        # highlight_whole returns bleach-sanitized HTML in which only <mark> is left.
        paragraph.html = mark_safe(backend.highlight_whole(paragraph.text, query)) if query else None
    return render(request, "archive/document_detail.html", {
        "document": document,
        "meeting": document.meeting,
        "paragraphs": paragraphs,
        "sources": document.sources.all(),
        "query": query,
    })


def search_page_from(request):
    try:
        page_number = int(request.GET.get("page", 1))
    except ValueError:
        page_number = 1
    try:
        per_page = int(request.GET.get("per_page", DEFAULT_PER_PAGE))
    except ValueError:
        per_page = DEFAULT_PER_PAGE
    return run_search(request.GET.get("q", ""), parse_filters(request.GET), request.GET.get("sort", "relevance"), page_number, per_page)


def querystring(params, **changes):
    """The current query string with some parameters replaced (a list value sets them all)."""
    params = params.copy()
    for key, value in changes.items():
        params.setlist(key, value if isinstance(value, list) else [str(value)])
    return params.urlencode()


def facet_list(params, page):
    """Each facet value with its count and the link that toggles it as a filter."""
    params = params.copy()
    params.pop("page", None)
    facets = []
    for name, label in FACETS.items():
        selected = page.filters.get(name, [])
        values = []
        for value, count in page.facets.get(name, []):
            chosen = value in selected
            toggled = [v for v in selected if v != value] if chosen else [*selected, value]
            values.append({"value": value, "count": count, "selected": chosen,
                           "url": querystring(params, **{name: toggled})})
        facets.append({"name": name, "label": label, "values": values})
    return facets


@require_GET
def search(request):
    page = search_page_from(request) if "q" in request.GET else None
    context = {"page": page, "query": request.GET.get("q", ""), "sorts": list(SORTS)}
    if page:
        context.update(
            facet_list=facet_list(request.GET, page),
            previous_url=querystring(request.GET, page=page.number - 1),
            next_url=querystring(request.GET, page=page.number + 1),
        )
    return render(request, "archive/search.html", context)


@require_GET
def api_search(request):
    page = search_page_from(request)

    def absolute(url):
        return request.build_absolute_uri(url) if url else None

    return JsonResponse({
        "query": page.query,
        "count": page.count,
        "page": page.number,
        "per_page": page.per_page,
        "num_pages": page.num_pages,
        "sort": page.sort,
        "filters": page.filters,
        "notes": page.notes,
        "spelling_suggestion": page.suggestion,
        "results": [
            {
                "document_title": hit.document_title,
                "document_url": absolute(hit.document_url),
                "kind": hit.kind,
                "meeting": hit.meeting_title,
                "meeting_url": absolute(hit.meeting_url),
                "series": hit.series,
                "date": hit.date.date().isoformat() if hit.date else None,
                "paragraph_number": hit.label,
                "paragraph_url": absolute(hit.paragraph_url),
                "snippet": str(hit.snippet),
                "text": hit.text,
                "score": hit.score,
            }
            for hit in page.hits
        ],
        "facets": {
            name: [{"value": value, "count": count} for value, count in values]
            for name, values in page.facets.items()
        },
    })
