"""A search answers from the index as it was when the request began, whatever is committed or swapped meanwhile."""

from haystack.query import SearchQuerySet

from archive.models import IndexChange
from archive.search.indexing import get_backend, rebuild_index, unapplied_entries


def hits(query, sort=None):
    results = SearchQuerySet().raw_search(query)
    return list(results.order_by(sort) if sort else results)


def test_a_request_keeps_its_searcher_through_a_commit_and_a_swap(seeds, django_capture_on_commit_callbacks):
    backend = get_backend()
    paragraph = seeds["summit"].paragraphs.first()
    with backend.one_searcher():  # as in a request
        before = [hit.pk for hit in hits("ASEAN")]
        with django_capture_on_commit_callbacks(execute=True):
            paragraph.text += " Zebras were sighted."
            paragraph.save()
        rebuild_index()  # swaps a new index in and deletes the folder of the old one
        assert hits("zebra") == []
        # Dates are a column this searcher has not read yet: it was opened with the searcher.
        newest = hits("ASEAN", "-date")
        assert sorted(hit.pk for hit in newest) == sorted(before)
        dates = [hit.date for hit in newest if hit.date]
        assert dates == sorted(dates, reverse=True) and dates
    assert [hit.pk for hit in hits("zebra")] == [str(paragraph.pk)]


def test_a_change_left_queued_by_a_killed_worker_is_found_by_the_next_search(client, seeds):
    paragraph = seeds["dialogue"].paragraphs.first()
    # Saved with its queue row; the test's transaction never commits, so nothing applies the row,
    # as when a worker is killed between its commit and its index update.
    paragraph.text = "Okapis were sighted near the secretariat."
    paragraph.save()
    assert unapplied_entries().count() == 1
    response = client.get("/api/search/", {"q": "okapi"})
    assert [hit["paragraph_url"] for hit in response.json()["results"]] == [
        f"http://testserver{paragraph.get_absolute_url()}"]
    assert not unapplied_entries().exists()
    assert IndexChange.objects.filter(document_id=paragraph.document_id).exists()  # applied, and kept for other servers
