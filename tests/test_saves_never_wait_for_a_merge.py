"""A save is searchable as soon as it returns, and never waits for segments to be merged: it commits a small
segment of its own; the small segments are merged into one beside the index (in the background past a bound,
and by check_index), and searches answer the same before and after."""

import io
import time

import pytest
from django.core.management import call_command

from whoosh.codec.whoosh3 import W3Segment

from archive.search import indexing
from archive.search.engine import storage
from archive.search.indexing import get_backend
from archive.search.service import SearchRequest, search_page

# How long a background merge of a few small segments may take before the test gives up (a bound, not a target).
MERGE_SECONDS = 60
MANY = 1000  # a bound on segments no test reaches: no background merge unless a test wants one
QUERIES = ["ASEAN", "cooperation", "Korea", "sea", '"open Sea"', "okapi", "zebra", "giraffe", "ibex"]


@pytest.fixture
def archive(three_statements, monkeypatch):
    monkeypatch.setattr(storage, "MERGE_AT_SEGMENTS", MANY)
    return three_statements


def segment_ids():
    return [segment.segment_id() for segment in get_backend().storage.open_index()._segments()]


def save(paragraph, text, capture):
    """Save a paragraph as the admin does: its commit applies the change to the index."""
    with capture(execute=True):
        paragraph.text = text
        paragraph.save()


def answers():
    """What the searches of QUERIES answer: the paragraphs found and the counts by year. (Not their order: the
    words of deleted paragraphs count in the ranking's statistics until a merge leaves them out, as in Whoosh.)"""
    results = {}
    for query in QUERIES:
        page = search_page(SearchRequest(q=query, per_page=50))
        results[query] = (sorted(hit.pk for hit in page.hits), page.count, page.facets.get("year"))
    return results


def edit_scattered(archive, capture, words):
    """One save per word, each a paragraph of the short 22nd Summit statement given that word."""
    paragraphs = list(archive["scattered"].paragraphs.order_by("position"))
    for number, word in enumerate(words):
        paragraph = paragraphs[number % len(paragraphs)]
        save(paragraph, f"{paragraph.text} Delegates spotted a {word}.", capture)


def test_each_save_adds_a_segment_and_rewrites_none_of_the_others(archive, django_capture_on_commit_callbacks):
    paragraph = archive["scattered"].paragraphs.order_by("position").last()
    for number in range(12):  # Whoosh's own policy merged small segments inside the ninth save or so
        before = segment_ids()
        word = f"okapi{'abcdefghijkl'[number]}"
        save(paragraph, f"{paragraph.text} An {word} was sighted.", django_capture_on_commit_callbacks)
        after = segment_ids()
        assert after[:len(before)] == before and len(after) == len(before) + 1
        assert [hit.pk for hit in search_page(SearchRequest(q=word)).hits] == [str(paragraph.pk)]


def test_small_segments_merge_into_one_and_every_search_answers_the_same(archive, django_capture_on_commit_callbacks):
    edit_scattered(archive, django_capture_on_commit_callbacks, ["okapi", "zebra", "giraffe", "ibex"])
    backend = get_backend()
    segments = backend.storage.open_index()._segments()
    small = storage.small_segments(segments)
    assert len(small) >= 4
    before = answers()
    assert before["okapi"][1] == before["ibex"][1] == 1

    assert backend.merge_small_segments() == len(small)

    after = backend.storage.open_index()._segments()
    kept = {segment.segment_id() for segment in segments} - {segment.segment_id() for segment in small}
    assert len(after) == len(kept) + 1 and kept <= {segment.segment_id() for segment in after}
    assert answers() == before
    # what was deleted from the merged segments (the earlier texts of the edited paragraphs) stays deleted
    assert backend.document_count() == sum(1 for _ in backend.current_searcher().all_stored_fields())
    assert backend.merge_small_segments() == 0  # one small segment left: nothing to merge


def test_a_save_made_while_a_merge_is_written_is_kept(archive, django_capture_on_commit_callbacks, monkeypatch):
    edit_scattered(archive, django_capture_on_commit_callbacks, ["okapi", "zebra", "giraffe"])
    paragraph = archive["scattered"].paragraphs.order_by("position").first()
    written = storage.write_merged

    def write_then_save(*args):
        merged = written(*args)
        # the merge holds no index lock while it writes: this save deletes a paragraph it has just copied
        save(paragraph, "Only ibexes remain in this paragraph.", django_capture_on_commit_callbacks)
        return merged

    monkeypatch.setattr(storage, "write_merged", write_then_save)
    assert get_backend().merge_small_segments() >= 3
    assert [hit.pk for hit in search_page(SearchRequest(q="ibex")).hits] == [str(paragraph.pk)]
    assert search_page(SearchRequest(q="okapi")).count == 0  # it was in the paragraph's earlier text
    assert [hit.pk for hit in search_page(SearchRequest(q="zebra")).hits] != [str(paragraph.pk)]
    found = [hit.pk for hit in search_page(SearchRequest(q="ASEAN OR ibex OR zebra OR giraffe", per_page=50)).hits]
    assert len(found) == len(set(found))  # no paragraph twice


def test_past_the_bound_a_save_returns_and_the_small_segments_are_merged_in_the_background(
        archive, django_capture_on_commit_callbacks, monkeypatch):
    bound = len(segment_ids()) + 2
    monkeypatch.setattr(storage, "MERGE_AT_SEGMENTS", bound)
    words = ["okapi", "zebra", "giraffe", "ibex"]
    edit_scattered(archive, django_capture_on_commit_callbacks, words)
    deadline = time.monotonic() + MERGE_SECONDS
    while len(segment_ids()) > bound:
        assert time.monotonic() < deadline, "the background merge did not finish"
        time.sleep(0.1)
    for word in words:
        assert search_page(SearchRequest(q=word)).count == 1


def test_check_index_merges_the_small_segments(archive, django_capture_on_commit_callbacks):
    edit_scattered(archive, django_capture_on_commit_callbacks, ["okapi", "zebra", "giraffe"])
    before = len(segment_ids())
    out = io.StringIO()
    call_command("check_index", stdout=out, stderr=io.StringIO())
    assert "Merged 3 small index segments into one." in out.getvalue()
    assert "Search index matches the database" in out.getvalue()
    assert len(segment_ids()) == before - 2


def test_after_a_save_the_searcher_keeps_the_readers_of_the_segments_it_did_not_change(
        archive, django_capture_on_commit_callbacks):
    backend = get_backend()
    summit = archive["summit"].paragraphs.order_by("position").first()
    assert search_page(SearchRequest(q="ASEAN")).count > 0  # the searcher is open and has read the index
    readers = {reader.segment().segment_id(): reader for reader, _ in backend.current_searcher().reader().leaf_readers()}
    old_text = summit.text
    save(summit, "Okapis were sighted near the secretariat.", django_capture_on_commit_callbacks)
    refreshed = {reader.segment().segment_id(): reader
                 for reader, _ in backend.current_searcher().reader().leaf_readers()}
    assert readers.keys() < refreshed.keys()
    for segment_id, reader in readers.items():
        assert refreshed[segment_id]._terms is reader._terms  # the same open files, nothing read again
    # the kept readers answer with the deletions made by the save
    assert [hit.pk for hit in search_page(SearchRequest(q="okapi")).hits] == [str(summit.pk)]
    first_words = " ".join(old_text.split()[:4])
    assert str(summit.pk) not in [hit.pk for hit in search_page(SearchRequest(q=f'"{first_words}"', per_page=50)).hits]
    assert indexing.unapplied_entries().count() == 0


def test_a_background_merge_takes_a_merged_segment_again_only_once_as_many_documents_were_saved_since():
    def segments(*sizes):
        return [W3Segment(storage.Codec(), "MAIN", doccount=size) for size in sizes]

    def chosen(found):
        return sorted(segment.doc_count_all() for segment in found)

    large = [25_000, 25_000]  # as a rebuild writes them: never merged in the background
    assert chosen(storage.smallest_to_merge(segments(*large, 200, *[20] * 9))) == [20] * 9
    assert chosen(storage.smallest_to_merge(segments(*large, 200, 180, *[20] * 9))) == [20] * 9 + [180, 200]
    assert chosen(storage.smallest_to_merge(segments(*large, 900, 30))) == [30, 900]  # two at least
    # saves of statements of different lengths: all of them, not just the two smallest
    assert chosen(storage.smallest_to_merge(segments(*large, 200, 40, 38, 30, 25, 20, 19, 12, 5))) == [
        5, 12, 19, 20, 25, 30, 38, 40]
    assert chosen(storage.small_segments(segments(*large, 200, 180, 20))) == [20, 180, 200]  # check_index: all


def test_after_a_save_the_facets_count_the_values_it_added_and_no_longer_the_ones_it_removed(
        archive, django_capture_on_commit_callbacks):
    statement = archive["dialogue"]
    old_kind = statement.kind
    before = dict(search_page(SearchRequest(q="ASEAN")).facets["kind"])
    with django_capture_on_commit_callbacks(execute=True):
        statement.kind = "Joint Communiqué"
        statement.save()
    after = dict(search_page(SearchRequest(q="ASEAN")).facets["kind"])
    moved = after["Joint Communiqué"]  # the statement's paragraphs that mention ASEAN
    assert moved == search_page(SearchRequest(q="ASEAN", filters={"kind": ["Joint Communiqué"]})).count > 0
    assert after.get(old_kind, 0) == before[old_kind] - moved
    assert sum(after.values()) == sum(before.values())
