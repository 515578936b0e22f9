"""Search results as data: JSON (one page) and CSV (every hit, up to a cap). Documented in README.md."""

import csv

from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from .search.indexing import search_view
from .ratelimits import limited
from .search.query import build_queryset, prepare_query
from .views import parse_day, parse_filters, search_page_from

CSV_MAX_ROWS = 5000
CSV_CHUNK = 500
CSV_COLUMNS = ["document_title", "document_url", "kind", "meeting", "series", "date", "paragraph_number",
               "paragraph_url", "text"]
# A cell starting with one of these is a formula to a spreadsheet program (`=HYPERLINK(...)`).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A CSV cell a spreadsheet program shows as text: a leading ' keeps it from being read as a formula."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def hit_row(request, hit):
    def absolute(url):
        return request.build_absolute_uri(url) if url else None

    return {
        "document_title": hit.document_title,
        "document_url": absolute(hit.document_url),
        "kind": hit.kind,
        "meeting": hit.meeting_title,
        "meeting_url": absolute(hit.meeting_url),
        "series": hit.series,
        "date": hit.date.date().isoformat() if hit.date else None,
        "paragraph_number": hit.label,
        "paragraph_url": absolute(hit.paragraph_url),
        "text": hit.text,
    }


@limited("ARCHIVE_RATELIMIT_SEARCH")
@require_GET
@search_view
def search_json(request):
    page = search_page_from(request)
    return JsonResponse({
        "query": page.query,
        "count": page.count,
        "page": page.number,
        "per_page": page.per_page,
        "num_pages": page.num_pages,
        "sort": page.sort,
        "filters": page.filters,
        "notes": page.notes,
        "aliases": [{"searched": name, "also": others} for name, others in page.aliases],
        "spelling_suggestion": page.suggestion,
        "results": [
            {**hit_row(request, hit), "snippet": str(hit.snippet), "score": hit.score,
             "matches_in_document": hit.document_matches}
            for hit in page.hits
        ],
        "facets": {
            name: [{"value": value, "count": count} for value, count in values]
            for name, values in page.facets.items()
        },
    })


@limited("ARCHIVE_RATELIMIT_SEARCH")
@limited("ARCHIVE_RATELIMIT_EXPORT")
@require_GET
@search_view
def search_csv(request):
    """Every hit of a search, up to CSV_MAX_ROWS, in the order asked for."""
    _, query, _, _ = prepare_query(request.GET.get("q", ""))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="asean-rok-archive-search.csv"'
    response.write("\ufeff")  # the byte order mark tells spreadsheet programs the file is UTF-8
    writer = csv.DictWriter(response, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    if not query:
        return response
    sqs = build_queryset(query, parse_filters(request.GET), request.GET.get("sort", "relevance"),
                         parse_day(request.GET.get("from")), parse_day(request.GET.get("to")))
    for start in range(0, CSV_MAX_ROWS, CSV_CHUNK):
        hits = list(sqs[start:start + CSV_CHUNK])
        for hit in hits:
            writer.writerow({name: spreadsheet_safe(value) for name, value in hit_row(request, hit).items()})
        if len(hits) < CSV_CHUNK:
            break
    return response
