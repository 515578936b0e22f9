"""Pages kept rendered under the archive's revision: answered again without being rendered, revalidated
with an ETag, and never stale after a change, whichever way the change is written."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from archive.models import ArchiveRevision, Commitment, Paragraph
from archive.pages import current_revision
from archive.search.indexing import enqueue_documents, process_pending
from .conftest import add_statement

NEW_STATEMENT = """Press Release of the 29th ASEAN-ROK Dialogue

1. The 29th ASEAN-ROK Dialogue met in Luang Prabang, Lao PDR on 3 March 2024.

2. Participants agreed to share river charts between the Mekong ports.
"""


def queries_for(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    return response, len(queries)


@pytest.mark.parametrize("url", ["/", "/meetings/", "/series/", "/documents/"])
def test_a_page_asked_again_is_answered_without_being_rendered(client, seeds, url):
    first, rendering = queries_for(client, url)
    again, answering = queries_for(client, url)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert rendering > 1
    assert answering == 1  # the revision


def test_a_document_page_shows_an_edit_at_once(client, seeds):
    document = seeds["summit"]
    url = document.get_absolute_url()
    assert "kingfishers" not in client.get(url).content.decode()
    paragraph = document.paragraphs.order_by("position").first()
    paragraph.text = "Leaders welcomed the return of kingfishers to the riverbanks."
    paragraph.save()
    process_pending()
    assert "kingfishers" in client.get(url).content.decode()


def test_a_new_statement_is_on_the_pages_at_once(client, seeds):
    before = client.get("/documents/").content.decode()
    assert "29th ASEAN-ROK Dialogue" not in before
    add_statement(NEW_STATEMENT, "dialogue-29.txt")
    assert "29th ASEAN-ROK Dialogue" in client.get("/documents/").content.decode()


def test_bulk_writes_draw_a_revision_with_their_log_entry(seeds):
    """bulk_create sends no signal (the importer writes paragraphs with it): the entry it logs for the index
    draws the revision."""
    document = seeds["summit"]
    before = current_revision()
    Paragraph.objects.bulk_create([Paragraph(document=document, position=999, anchor="p999", text="Added in bulk.")])
    assert current_revision() == before
    enqueue_documents([document.pk])
    assert current_revision() != before


def test_a_mention_added_changes_the_revision(seeds):
    paragraph = Paragraph.objects.filter(document=seeds["summit"]).order_by("position").first()
    meeting = seeds["dialogue"].meeting
    paragraph.mentions.remove(meeting)
    before = current_revision()
    paragraph.mentions.add(meeting)
    assert current_revision() != before


def test_a_commitment_edited_changes_its_page(client, seeds):
    commitment = Commitment.objects.order_by("pk").first()
    url = commitment.get_absolute_url()
    assert client.get(url).status_code == 200
    commitment.description = "A renamed description of pelican migration."
    commitment.save()
    assert "pelican migration" in client.get(url).content.decode()


def test_a_rolled_back_change_never_lends_its_revision_to_another(seeds):
    start = current_revision()
    with transaction.atomic():
        Commitment.objects.order_by("pk").first().save()
        drawn_in_rolled_back = current_revision()
        transaction.set_rollback(True)
    assert current_revision() == start
    Commitment.objects.order_by("pk").first().save()
    assert current_revision() not in (start, drawn_in_rolled_back)


def test_a_client_holding_the_page_gets_not_modified(client, seeds):
    first = client.get("/")
    etag = first["ETag"]
    assert "no-cache" in first["Cache-Control"]
    again = client.get("/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    add_statement(NEW_STATEMENT, "dialogue-29.txt")
    changed = client.get("/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert "29th ASEAN-ROK Dialogue" in changed.content.decode()


def test_each_address_and_query_is_its_own_page(client, seeds, settings):
    settings.ALLOWED_HOSTS = ["testserver", "archive.example.org"]
    assert client.get("/documents/?sort=title").content != client.get("/documents/?sort=oldest").content
    url = f"/paragraphs/{seeds['summit'].paragraphs.order_by('position').first().pk}/cite/"
    assert b"http://testserver/" in client.get(url).content
    elsewhere = client.get(url, HTTP_HOST="archive.example.org").content
    assert b"http://archive.example.org/" in elsewhere
    assert b"http://testserver/" not in elsewhere


def test_search_results_are_rendered_each_time_but_revalidated(client, seeds):
    """Searches differ with every visitor: they are not kept, but a client holding one gets 304."""
    first, rendering = queries_for(client, "/search/?q=cooperation")
    again, answering = queries_for(client, "/search/?q=cooperation")
    assert answering > 1
    assert client.get("/search/?q=cooperation", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_the_revision_row_comes_back_when_it_is_missing(seeds):
    ArchiveRevision.objects.all().delete()
    assert current_revision() == ""
    Commitment.objects.order_by("pk").first().save()
    assert current_revision() != ""
