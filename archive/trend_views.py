"""Trends of phrases over the years (page, chart, CSV, JSON) and the commitments' pages. The numbers come from
archive.trends, which asks the search service."""

import csv
from itertools import groupby
from urllib.parse import urlencode

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from . import trends
from .api import hit_row, spreadsheet_safe
from .forms import search_request
from .models import Commitment
from .pages import archive_page
from .ratelimits import limited
from .search import service
from .search.indexing import search_view

TIMELINE_PER_PAGE = 100  # paragraphs on one page of a commitment's timeline
PER_LABEL = f"{trends.PER_PARAGRAPHS:,}"
NO_PHRASE = "Enter a word or phrase to see how often it appears each year."


def table(lines, years):
    """The numbers under a chart: a row per year that has paragraphs, each line's point in it."""
    rows = [(year, lines[0].points[index].paragraphs, [item.points[index] for item in lines])
            for index, year in enumerate(years) if lines[0].points[index].paragraphs]
    return {"lines": lines, "rows": rows}


def asked_trend(request, **options):
    """(the request's filters as a SearchRequest, the trend of its `q` phrases or None, notes)."""
    asked = search_request(request)
    phrases, notes = trends.read_phrases(request.GET.getlist("q"))
    trend = trends.build(asked, phrases, **options) if phrases else None
    return asked, trend, [*asked.notes, *notes]


@limited("ARCHIVE_RATELIMIT_SEARCH")
@require_GET
@archive_page
@search_view
def trend_page(request):
    asked, trend, notes = asked_trend(request)
    context = {"asked": asked, "trend": trend, "notes": notes, "params": request.GET.urlencode(),
               "phrases": [item.label for item in trend.lines] if trend else [],
               "max_phrases": trends.MAX_PHRASES, "per": PER_LABEL}
    if asked.filters or asked.date_from or asked.date_to or asked.document:
        context["unfiltered"] = urlencode([("q", phrase) for phrase in context["phrases"]])
    if trend:
        context["overall"] = table(trend.lines, trend.years)
        context["series_tables"] = [
            {"series": series, **table(list(lines), trend.years)}
            for series, lines in groupby(sorted(trend.by_series, key=lambda item: item.series),
                                         key=lambda item: item.series)]
    elif "q" in request.GET:
        context["notes"].append(NO_PHRASE)
    return render(request, "archive/trends.html", context)


def svg_response(svg):
    return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")


# The chart's style sheet is inline in its SVG (which has no script, and runs none shown as an image).
chart_styles = csp_update({"style-src": [UNSAFE_INLINE]})


@limited("ARCHIVE_RATELIMIT_SEARCH")
@require_GET
@chart_styles
@archive_page
@search_view
def trend_chart(request, by_series=False):
    asked, trend, _ = asked_trend(request, by_series=by_series, uses=False)
    if trend is None:
        return HttpResponse(NO_PHRASE, status=400, content_type="text/plain; charset=utf-8")
    title = f"Paragraphs per {trends.PER_PARAGRAPHS:,} of each year" + (", by meeting series" if by_series else "")
    return svg_response(trends.chart_svg(trend.by_series if by_series else trend.lines, trend.years, title))


@limited("ARCHIVE_RATELIMIT_SEARCH")
@require_GET
@archive_page
@search_view
def trend_json(request):
    asked, trend, notes = asked_trend(request)
    if trend is None:
        return JsonResponse({"error": NO_PHRASE, "notes": notes}, status=400)

    def use(hit):
        return hit_row(request, hit) if hit else None

    return JsonResponse({
        "per": trends.PER_PARAGRAPHS,
        "filters": asked.filters,
        "from": asked.date_from.isoformat() if asked.date_from else None,
        "to": asked.date_to.isoformat() if asked.date_to else None,
        "notes": notes,
        "years": trend.years,
        "lines": [
            {"phrase": item.label, "series": item.series or None, "matching_paragraphs": item.matches,
             "first_use": use(item.first), "last_use": use(item.last),
             "points": [{"year": point.year, "matching_paragraphs": point.matches,
                         "all_paragraphs": point.paragraphs, "per_1000_paragraphs": point.per_thousand}
                        for point in item.points]}
            for item in [*trend.lines, *trend.by_series]
        ],
    })


@limited("ARCHIVE_RATELIMIT_SEARCH")
@require_GET
@archive_page
@search_view
def trend_csv(request):
    """A row per phrase, series (empty: all together) and year. UTF-8 with a byte order mark."""
    _, trend, notes = asked_trend(request, uses=False)
    if trend is None:
        return HttpResponse(" ".join([*notes, NO_PHRASE]), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="asean-rok-archive-trends.csv"'
    response.write("\ufeff")  # the byte order mark tells spreadsheet programs the file is UTF-8
    writer = csv.DictWriter(response, fieldnames=trends.CSV_COLUMNS)
    writer.writeheader()
    for row in trends.rows(trend):
        writer.writerow({name: spreadsheet_safe(value) for name, value in row.items()})
    return response


@require_GET
@archive_page
@search_view
def commitment_list(request):
    commitments = list(Commitment.objects.all())
    for commitment in commitments:
        commitment.mentions = service.hit_count(service.SearchRequest(q=commitment.query()))
    return render(request, "archive/commitment_list.html", {"commitments": commitments})


def commitment_trend(commitment, **options):
    return trends.build(service.SearchRequest(), [commitment.query()], labels=[commitment.name],
                        by_series=False, **options)


@require_GET
@archive_page
@search_view
def commitment_detail(request, slug):
    """A commitment's first and latest mention, its mentions per year, and its timeline a page at a time (a
    commitment named in every statement must not make a page that grows with the archive)."""
    commitment = get_object_or_404(Commitment, slug=slug)
    query = commitment.query()
    trend = commitment_trend(commitment) if query else None
    page = None
    if query:
        asked = search_request(request)  # only its page number (and the notes on it) are used
        page = service.search_page(service.SearchRequest(q=query, sort="oldest", page=asked.page,
                                                         per_page=TIMELINE_PER_PAGE, notes=asked.notes))
    hits = page.hits if page else []
    timeline = [{"meeting": items[0], "hits": items}
                for _, items in ((key, list(group)) for key, group in groupby(hits, key=lambda hit: hit.meeting_url))]
    return render(request, "archive/commitment_detail.html", {
        "commitment": commitment, "search_query": query, "trend": trend, "timeline": timeline,
        "count": page.count if page else 0, "page": page, "per": PER_LABEL,
        "counts": table(trend.lines, trend.years) if trend else None,
    })


@require_GET
@chart_styles
@archive_page
@search_view
def commitment_chart(request, slug):
    commitment = get_object_or_404(Commitment, slug=slug)
    trend = commitment_trend(commitment, uses=False)
    return svg_response(trends.chart_svg(trend.lines, trend.years,
                                         f"Paragraphs per {trends.PER_PARAGRAPHS:,} of each year"))
