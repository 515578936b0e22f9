"""What a change writes to the index log: one entry per statement it touches, and a change that touches many
statements (a series renamed, a topic edited) is applied in the background, not inside the admin's request."""

import io
import time

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from archive.ingest.save import import_statement
from archive.models import Document, IndexChange, MeetingSeries
from archive.search.indexing import get_backend, newest_entry, read_position
from archive.search.service import SearchRequest, counts

from .conftest import SCATTERED_WORDS, SEEDS, run_import

# How long a background re-index of a few statements may take before the test gives up (a bound, not a target).
CATCH_UP_SECONDS = 60


@pytest.fixture
def archive(transactional_db, django_db_serialized_rollback):
    get_backend().clear()
    run_import(SEEDS)
    return import_statement(SCATTERED_WORDS.encode(), "scattered.txt").document


@pytest.fixture
def admin_client(client, archive):
    client.force_login(User.objects.create_superuser("editor", "editor@example.org", "a-long-test-password"))
    return client


def entries_after(position):
    return list(IndexChange.objects.filter(pk__gt=position).values_list("document_id", flat=True))


def wait_until_applied():
    deadline = time.monotonic() + CATCH_UP_SECONDS
    while read_position(get_backend()) < newest_entry():
        assert time.monotonic() < deadline, "the background re-index did not finish"
        time.sleep(0.1)


def test_a_changed_text_of_a_statement_writes_one_log_entry(archive):
    before = newest_entry()
    changed = SCATTERED_WORDS.replace("open Sea", "open ocean") + "\n3. A paragraph added in the corrected text.\n"
    result = import_statement(changed.encode(), "scattered.txt")
    assert result.status == "version"
    assert entries_after(before) == [archive.pk]


def test_an_admin_edit_of_several_paragraphs_writes_one_log_entry(admin_client, archive):
    url = f"/admin/archive/document/{archive.pk}/change/"
    page = admin_client.get(url)
    data = {}
    for bound in [*page.context["adminform"].form, *(f for inline in page.context["inline_admin_formsets"]
                                                     for f in inline.formset.management_form)]:
        data[bound.html_name] = "" if bound.value() is None else bound.value()
    for inline in page.context["inline_admin_formsets"]:
        for form in inline.formset.forms:
            for bound in form:
                value = bound.value()
                if value is not None and value is not False:
                    data[bound.html_name] = value
    paragraphs = [name for name in data if name.startswith("paragraphs-") and name.endswith("-text")]
    assert len(paragraphs) >= 2
    for name in paragraphs:
        data[name] = data[name] + " Edited by the admin."
    before = newest_entry()
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert entries_after(before) == [archive.pk]
    assert archive.paragraphs.filter(text__endswith="Edited by the admin.").count() == len(paragraphs)


def test_a_renamed_series_is_reindexed_in_the_background_and_check_index_reports_it_done(admin_client, archive):
    series = archive.meeting.series
    statements = Document.objects.filter(meeting__series=series).count()
    before = newest_entry()
    response = admin_client.post(f"/admin/archive/meetingseries/{series.pk}/change/",
                                 {"name": "ASEAN-Korea Leaders' Summit", "slug": series.slug, "aliases": series.aliases},
                                 follow=True)
    assert response.status_code == 200
    assert f"Re-indexing {statements} statement" in response.content.decode()
    assert sorted(entries_after(before)) == sorted(Document.objects.filter(meeting__series=series)
                                                   .values_list("pk", flat=True))
    wait_until_applied()
    assert dict(counts(SearchRequest(everything=True), names=("series",))["series"]).get(
        "ASEAN-Korea Leaders' Summit") == archive.meeting.series.meetings.filter(
        documents__isnull=False).values("documents__paragraphs").count()
    out = io.StringIO()
    call_command("check_index", stdout=out, stderr=io.StringIO())
    assert "0 entries behind" in out.getvalue()
    assert "Search index matches the database" in out.getvalue()
    assert MeetingSeries.objects.get(pk=series.pk).name == "ASEAN-Korea Leaders' Summit"
