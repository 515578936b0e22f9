"""One search request, read once: the page, the JSON, the CSV and the Atom feed agree on every parameter."""

import csv
import io
import re
import xml.etree.ElementTree as ET

import pytest
from django.utils.html import escape

from archive.api import CSV_MAX_ROWS
from archive.feeds import FEED_ITEMS
from archive.models import Paragraph
from archive.search import service
from archive.search.service import SearchRequest

ATOM = "{http://www.w3.org/2005/Atom}"


def page_count(client, params):
    page = client.get("/search/", params)
    assert page.status_code == 200
    shown = page.content.decode()
    found = re.search(r"(\d+) paragraphs? found", shown)
    assert found or "No paragraphs match" in shown, shown
    return int(found.group(1)) if found else 0, shown


def answers(client, params):
    """(page count, JSON, CSV rows, feed entries) for one request."""
    count, _ = page_count(client, params)
    data = client.get("/api/search/", params).json()
    response = client.get("/api/search.csv", params)
    content = response.getvalue()
    assert content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    entries = ET.fromstring(client.get("/search/feed/", params).content).findall(f"{ATOM}entry")
    return count, data, rows, entries


def some_value(client, facet):
    """A value of a facet with hits that are not all of the archive's hits for "ASEAN"."""
    values = client.get("/api/search/", {"q": "ASEAN"}).json()["facets"][facet]
    return values[-1]["value"]


@pytest.mark.parametrize("params", [
    {"q": "cooperation"},
    {"q": "ROK"},  # widened by its aliases
    {"q": '"South China Sea"'},
    {"q": "ASEAN", "year": ["2020", "2021"]},
    {"q": "ASEAN", "from": "2021-01-01"},
    {"q": "ASEAN", "to": "2020-12-31"},
    {"q": "ASEAN", "from": "2020-01-01", "to": "2020-12-31"},
    {"q": "the", "sort": "oldest", "per_page": 5, "page": 2},
    {"q": "the", "sort": "newest"},
    {"series": "ASEAN-ROK Summit"},  # no query: everything of a series
    {"kind": "Chairman's Statement", "year": "2021"},
    {"q": "year:abc ASEAN"},
    {"q": "foo:bar"},
    {"q": "ASEAN", "from": "2020-13-45"},
    {"q": "ASEAN", "per_page": "x", "page": "-3"},
])
def test_page_json_csv_and_feed_count_the_same_hits(client, three_statements, params):
    count, data, rows, entries = answers(client, params)
    assert count == data["count"]
    assert len(rows) == min(data["count"], CSV_MAX_ROWS)
    assert len(entries) == min(data["count"], FEED_ITEMS)
    # The JSON's page is that stretch of the CSV: the same hits in the same order.
    start = (data["page"] - 1) * data["per_page"]
    shown = [result["paragraph_url"] for result in data["results"]]
    assert [row["paragraph_url"] for row in rows[start:start + len(shown)]] == shown


@pytest.mark.parametrize("facet", ["series", "kind", "chair_country", "topics", "mode", "year"])
def test_every_facet_filter_is_applied_by_every_export(client, three_statements, facet):
    params = {"q": "ASEAN", facet: some_value(client, facet)}
    count, data, rows, entries = answers(client, params)
    everything = client.get("/api/search/", {"q": "ASEAN"}).json()["count"]
    assert 0 < count == data["count"] < everything
    assert len(rows) == count and len(entries) == min(count, FEED_ITEMS)


def test_a_search_within_one_statement_is_within_it_everywhere(client, three_statements):
    summit = three_statements["summit"]
    params = {"q": "ASEAN", "document": summit.slug}
    count, data, rows, entries = answers(client, params)
    assert 0 < count == data["count"] < client.get("/api/search/", {"q": "ASEAN"}).json()["count"]
    assert {row["document_url"] for row in rows} == {"http://testserver" + summit.get_absolute_url()}
    assert len(entries) == count


def test_an_unknown_field_is_searched_as_words_and_said(client, three_statements):
    data = client.get("/api/search/", {"q": "South:China"}).json()
    assert "“South:” is not something you can search by, so “South:China” was searched as words." in data["notes"]
    assert data["count"] == client.get("/api/search/", {"q": '"South China"'}).json()["count"] > 0


@pytest.mark.parametrize("params, said", [
    ({"q": "year:abc ASEAN"}, "Nothing in the archive has year “abc”, so “year:abc” was left out."),
    ({"q": "ASEAN", "from": "2020-13-45"}, "The date (from, written YYYY-MM-DD) “2020-13-45” could not be used, so it was ignored."),
    ({"q": "ASEAN", "page": "x"}, "The page number “x” could not be used, so it was ignored."),
    ({"q": "ASEAN", "sort": "loudest"}, "The order “loudest” could not be used, so it was ignored."),
    ({"q": "ASEAN", "document": "no-such-statement"}, "There is no statement “no-such-statement”, so the whole archive was searched."),
    ({"q": "ASEAN", "per_page": "500"}, "At most 100 results are shown per page."),
    ({"q": "ASEAN", "from": "2021-12-31", "to": "2020-01-01"}, "The dates were given latest first, so they were swapped."),
    ({"q": "series:nowhere ASEAN"}, "No value of series has the words “nowhere”, so “series:nowhere” was left out."),
])
def test_what_cannot_be_used_is_ignored_and_said(client, three_statements, params, said):
    data = client.get("/api/search/", params).json()
    assert said in data["notes"]
    # The rest of the request is answered as if the part were not there.
    assert data["count"] == client.get("/api/search/", {"q": "ASEAN"}).json()["count"] > 0
    assert escape(said) in page_count(client, params)[1]


def test_an_empty_query_with_filters_finds_everything_they_allow(client, three_statements):
    summits = Paragraph.objects.filter(document__meeting__series__name="ASEAN-ROK Summit").count()
    data = client.get("/api/search/", {"series": "ASEAN-ROK Summit", "per_page": 100}).json()
    assert data["count"] == summits == len(data["results"])
    assert data["sort"] == "newest" and data["results"][0]["date"] == "2021-10-26"
    count, page = page_count(client, {"kind": "Chairman's Statement", "year": "2021"})
    assert count == three_statements["scattered"].paragraphs.count() == 3


def test_nothing_asked_is_nothing_searched(client, three_statements):
    data = client.get("/api/search/").json()
    assert data["count"] == 0 and data["results"] == []
    assert "paragraphs found" not in client.get("/search/").content.decode()


def test_counts_per_year_and_series_are_the_requests_hits(three_statements):
    request = SearchRequest(q="ASEAN")
    total = service.search_page(request).count
    counts = service.counts(request)
    assert sum(count for _, count in counts["year"]) == sum(count for _, count in counts["series"]) == total
    narrowed = service.counts(request.replace(filters={"year": ["2021"]}))
    assert [value for value, _ in narrowed["year"]] == ["2021"]
    assert sum(count for _, count in narrowed["series"]) == service.search_page(request.replace(filters={"year": ["2021"]})).count


def test_the_document_page_marks_what_the_results_matched(client, three_statements):
    summit = three_statements["summit"]
    snippets = [r["snippet"] for r in client.get("/api/search/", {"q": "ROK", "document": summit.slug, "per_page": 100}).json()["results"]]
    assert any("<mark>Republic of Korea</mark>" in snippet for snippet in snippets)  # an alias of ROK
    page = client.get(summit.get_absolute_url(), {"q": "ROK"}).content.decode()
    assert "<mark>Republic of Korea</mark>" in page
    marked = {text for snippet in snippets for text in re.findall(r"<mark>(.*?)</mark>", snippet)}
    assert marked == set(re.findall(r"<mark>(.*?)</mark>", page))


def test_filters_that_leave_nothing_say_so_without_a_query(client, three_statements):
    count, page = page_count(client, {"series": "ASEAN-ROK Dialogue", "year": "2021"})
    assert count == 0
    assert "No paragraphs match with the filters chosen." in page


def test_the_facets_are_those_of_the_registry(client, three_statements):
    from archive.search.facets import FACETS
    from archive.search_indexes import ParagraphIndex

    assert list(client.get("/api/search/", {"q": "ASEAN"}).json()["facets"]) == [facet.name for facet in FACETS]
    assert {facet.name for facet in FACETS} <= set(ParagraphIndex.fields)
    page = client.get("/search/", {"q": "ASEAN"}).content.decode()
    assert [label for label in re.findall(r"<h2>([^<]+)</h2>", page) if label in {f.label for f in FACETS}] == \
        [facet.label for facet in FACETS]


@pytest.mark.parametrize("sort", ["relevance", "oldest", "newest"])
def test_every_hit_read_in_growing_chunks_comes_once_in_the_pages_order(three_statements, monkeypatch, sort):
    monkeypatch.setattr(service, "CHUNK", 2)  # reads of 2, 4, 8, … hits over the three statements' paragraphs
    asked = SearchRequest(q="ASEAN OR Korea", sort=sort)
    page = service.search_page(asked.replace(per_page=service.MAX_PER_PAGE))
    assert page.count > 14
    read = [hit.pk for hit in service.iter_hits(asked, service.MAX_PER_PAGE)]
    assert read == [hit.pk for hit in page.hits]
    assert [hit.pk for hit in service.iter_hits(asked, 7)] == read[:7]
