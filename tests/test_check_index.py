"""`check_index` finds and repairs every difference between the search index and the database, text included."""

import io

from django.core.management import call_command

from archive.models import Document, Paragraph
from archive.search.service import SearchRequest, search_page


def check_index(*args):
    out = io.StringIO()
    call_command("check_index", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_check_index_repairs_text_edited_behind_the_queue(seeds):
    paragraph = seeds["summit"].paragraphs.first()
    Paragraph.objects.filter(pk=paragraph.pk).update(text="Okapis were sighted near the secretariat.")
    assert search_page(SearchRequest(q="okapi")).count == 0
    assert "0 paragraphs added, 0 removed, 1 updated, 1 documents re-indexed" in check_index()
    assert search_page(SearchRequest(q="okapi")).count == 1
    assert "matches the database: 32 paragraphs" in check_index()


def test_check_index_repairs_a_document_edited_behind_the_queue(seeds):
    Document.objects.filter(pk=seeds["dialogue"].pk).update(kind="Joint Statement")
    output = check_index()
    assert f"{seeds['dialogue'].paragraphs.count()} updated, 1 documents re-indexed" in output
    assert search_page(SearchRequest(q="ASEAN", filters={"kind": ["Joint Statement"]})).count > 0
