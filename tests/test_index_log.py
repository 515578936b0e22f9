"""The index change log: entries stay when applied, each server's index records how far it has followed them,
and old entries are deleted only when every live server has them."""

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from archive.models import IndexChange, IndexNode
from archive.search.indexing import (
    IndexBehindLog, get_backend, newest_entry, process_pending, prune_log, pruned_through, read_position, write_position,
)
from archive.search.service import SearchRequest, search_page


def check_index():
    out = io.StringIO()
    call_command("check_index", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def age_every_entry(days):
    IndexChange.objects.update(created_at=timezone.now() - timedelta(days=days))


def test_a_save_appends_to_the_log_and_this_server_records_the_entry_it_applied(seeds, django_capture_on_commit_callbacks):
    before = newest_entry()
    paragraph = seeds["summit"].paragraphs.first()
    with django_capture_on_commit_callbacks(execute=True):
        paragraph.text = "Okapis were sighted near the secretariat."
        paragraph.save()
    entry = IndexChange.objects.get(pk__gt=before)
    assert entry.document_id == seeds["summit"].pk
    assert read_position(get_backend()) == entry.pk
    assert IndexNode.objects.get(name=settings.ARCHIVE_NODE_NAME).position == entry.pk
    assert search_page(SearchRequest(q="okapi")).count == 1


def test_old_entries_are_deleted_only_when_every_live_server_has_applied_them(seeds):
    newest = newest_entry()
    oldest = IndexChange.objects.order_by("pk").first().pk
    age_every_entry(days=settings.ARCHIVE_INDEX_LOG_DAYS + 1)
    lagging = IndexNode.objects.create(name="lagging", position=oldest - 1, seen_at=timezone.now())
    assert prune_log() == 0  # a live server still needs every entry
    lagging.seen_at = timezone.now() - timedelta(days=settings.ARCHIVE_INDEX_LOG_DAYS + 1)
    lagging.save()
    assert prune_log() > 0  # not seen for as long: not waited for
    assert list(IndexChange.objects.values_list("pk", flat=True)) == [newest]  # the newest always stays
    assert pruned_through() == newest - 1


def test_recent_entries_stay_even_when_every_server_has_them(seeds):
    assert prune_log() == 0
    assert IndexChange.objects.count() > 1


def test_a_server_that_missed_deleted_entries_is_rebuilt_by_check_index(seeds, django_capture_on_commit_callbacks):
    backend = get_backend()
    age_every_entry(days=settings.ARCHIVE_INDEX_LOG_DAYS + 1)
    with django_capture_on_commit_callbacks(execute=True):  # one more change, so that all before it can go
        seeds["dialogue"].paragraphs.first().save()
    age_every_entry(days=settings.ARCHIVE_INDEX_LOG_DAYS + 1)
    assert prune_log() > 0
    # As if this server had been away: its index is at an entry before the deleted ones.
    write_position(backend.path, 0)
    with pytest.raises(IndexBehindLog):
        process_pending()
    output = check_index()
    assert "misses changes whose index log entries were deleted" in output and "Rebuilt the search index" in output
    assert read_position(backend) == newest_entry()
    assert "Search index matches the database: 32 paragraphs" in check_index()
