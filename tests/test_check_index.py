"""`check_index` finds and repairs every difference between the search index and the database, text included."""

import io

from django.core.management import call_command
from whoosh.fields import ID

from archive.models import Document, Paragraph
from archive.search.engine.analysis import PairTerms
from archive.search.engine.storage import schema_version
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


def test_the_schema_version_follows_the_schema_and_the_word_lists(search_index):
    search_index.setup()
    version = schema_version(search_index.schema, search_index.pairs)
    assert version == search_index.schema_version == search_index.recorded_version()
    wider = search_index.schema.copy()
    wider.add("region", ID(stored=True))  # a facet added to the registry adds its field
    assert schema_version(wider, search_index.pairs) != version
    more_common = PairTerms(search_index.pairs.common | {"okapi"}, search_index.pairs.with_any)
    assert schema_version(search_index.schema, more_common) != version
