"""Search results as data: JSON (one page) and CSV (every hit, up to a cap). Documented in README.md."""

import csv
import ctypes
import io

from django.http import JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from .forms import search_request
from .pages import conditional_page
from .ratelimits import limited
from .sanitize import marked_html
from .search import service
from .search.indexing import get_backend, search_view

CSV_MAX_ROWS = 5000
# The export is sent in pieces of about this many characters as its rows are read: a worker never holds the
# whole file (4.5 MB for 5,000 hits), and a piece is still large enough that sending it is not per row.
CSV_PIECE_CHARS = 64 * 1024
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
@conditional_page
@search_view
def search_json(request):
    page = service.search_page(search_request(request))
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
            {**hit_row(request, hit), "snippet": marked_html(hit.text, hit.spans, *hit.excerpt), "score": hit.score,
             "matches_in_document": hit.group_matches}
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
@conditional_page
@search_view
def search_csv(request):
    """Every hit of a search, up to CSV_MAX_ROWS, in the order asked for. UTF-8 with a byte order mark."""
    response = StreamingHttpResponse(csv_pieces(request, search_request(request)),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="asean-rok-archive-search.csv"'
    return response


def csv_pieces(request, asked):
    """The CSV file of a search, a piece at a time; then the memory it used goes back to the system."""
    yield from csv_file(request, asked)
    release_freed_memory()


def csv_file(request, asked):
    """The rows are read after the view has returned, so this holds its own searcher: the file is one
    consistent list even if the index changes while it is sent."""
    buffer = io.StringIO()
    buffer.write("\ufeff")  # the byte order mark tells spreadsheet programs the file is UTF-8
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    with get_backend().one_searcher():
        for hit in service.iter_hits(asked, CSV_MAX_ROWS):
            writer.writerow({name: spreadsheet_safe(value) for name, value in hit_row(request, hit).items()})
            if buffer.tell() >= CSV_PIECE_CHARS:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


def release_freed_memory():
    """Give the memory an export freed back to the system. The C allocator keeps freed heap pages for later
    (13 MB after a 5,000-row export at 50,000 paragraphs), so without this the worker would stay that much
    larger; glibc's malloc_trim returns them. Elsewhere than glibc it does nothing."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass
