"""A researcher reads the archive as data: series, meetings and statements as JSON, every endpoint in one OpenAPI
schema at /api/schema/, each answer in the shape the schema says, and /api/search/ as it always was."""

import jsonschema
import pytest

from archive.models import Meeting, MeetingSeries

from .conftest import add_statement

ENDPOINTS = ["/api/series/", "/api/series/{slug}/", "/api/meetings/", "/api/meetings/{slug}/",
             "/api/documents/{slug}/", "/api/search/", "/api/search.csv"]
# The JSON contract of /api/search/ (tests/test_search*.py read these fields): no field added or taken away.
SEARCH_FIELDS = {"query", "count", "page", "per_page", "num_pages", "sort", "filters", "notes", "aliases",
                 "spelling_suggestion", "results", "facets"}
SEARCH_RESULT_FIELDS = {"document_title", "document_url", "kind", "meeting", "meeting_url", "series", "date",
                        "paragraph_number", "paragraph_url", "text", "snippet", "score", "matches_in_document"}
MENTIONING = """Chairman's Statement of the 22nd ASEAN-ROK Summit

1. The 22nd ASEAN-ROK Summit was held in Bandar Seri Begawan, Brunei Darussalam on 26 October 2021.

2. We recalled the outcomes of the 21st ASEAN-ROK Summit held on 12 November 2020.
"""


@pytest.fixture
def schema(client, db):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return response.json()


def assert_matches(schema, path, status, body):
    """`body` has the shape the OpenAPI schema gives the GET of `path` for `status`."""
    wanted = schema["paths"][path]["get"]["responses"][str(status)]["content"]["application/json"]["schema"]
    jsonschema.validate(body, {**wanted, "components": schema["components"]})


def test_the_schema_lists_every_endpoint(schema):
    assert schema["openapi"].startswith("3.")
    assert sorted(schema["paths"]) == sorted(ENDPOINTS)
    search_parameters = {p["name"] for p in schema["paths"]["/api/search/"]["get"]["parameters"]}
    assert {"q", "page", "per_page", "sort", "from", "to", "year", "series", "document"} <= search_parameters


def test_a_statement_with_its_metadata_sources_versions_and_paragraphs(client, schema, seeds):
    summit = seeds["summit"]
    body = client.get(f"/api/documents/{summit.slug}/").json()
    assert_matches(schema, "/api/documents/{slug}/", 200, body)
    assert body["title"] == summit.title and body["meeting"]["slug"] == summit.meeting.slug
    assert [p["position"] for p in body["paragraphs"]] == list(range(1, summit.paragraphs.count() + 1))
    paragraph = next(p for p in body["paragraphs"] if p["number"] == "22")
    assert paragraph["anchor"] == "p22" and paragraph["url"].endswith(f"{summit.get_absolute_url()}#p22")
    assert "South China Sea" in paragraph["text"]
    assert client.get(paragraph["cite_url"]).status_code == 200
    assert [s["name"] for s in body["sources"]] == [s.name for s in summit.sources.all()]
    assert [v["number"] for v in body["versions"]] == [1]
    assert "stored_file" not in body["sources"][0] and "raw_text" not in body


def test_paragraph_mentions_name_the_meetings(client, schema, seeds):
    later = add_statement(MENTIONING, "22nd-summit.txt")
    body = client.get(f"/api/documents/{later.slug}/").json()
    assert_matches(schema, "/api/documents/{slug}/", 200, body)
    mentions = {m["slug"] for p in body["paragraphs"] for m in p["mentions"]}
    assert seeds["summit"].meeting.slug in mentions


def test_meetings_and_their_list(client, schema, seeds):
    meeting = seeds["summit"].meeting
    body = client.get(f"/api/meetings/{meeting.slug}/").json()
    assert_matches(schema, "/api/meetings/{slug}/", 200, body)
    assert body["series"]["slug"] == meeting.series.slug and body["chair_country"] == meeting.chair_country
    assert [d["slug"] for d in body["documents"]] == [seeds["summit"].slug]
    assert client.get(body["documents"][0]["api_url"]).status_code == 200
    listed = client.get("/api/meetings/").json()
    assert_matches(schema, "/api/meetings/", 200, listed)
    assert {m["slug"] for m in listed} == set(Meeting.objects.values_list("slug", flat=True))


def test_series_and_their_list(client, schema, seeds):
    series = seeds["summit"].meeting.series
    body = client.get(f"/api/series/{series.slug}/").json()
    assert_matches(schema, "/api/series/{slug}/", 200, body)
    assert seeds["summit"].meeting.slug in [m["slug"] for m in body["meetings"]]
    listed = client.get("/api/series/").json()
    assert_matches(schema, "/api/series/", 200, listed)
    assert len(listed) == MeetingSeries.objects.count()
    assert next(s for s in listed if s["slug"] == series.slug)["meeting_count"] == series.meetings.count()


@pytest.mark.parametrize("path", ["/api/documents/no-such-statement/", "/api/meetings/no-such-meeting/",
                                  "/api/series/no-such-series/"])
def test_an_unknown_slug_is_not_found(client, schema, db, path):
    response = client.get(path)
    assert response.status_code == 404
    assert_matches(schema, path.rsplit("/", 2)[0] + "/{slug}/", 404, response.json())


def test_a_path_that_is_no_slug_is_not_found(client, db):
    assert client.get("/api/documents/%00%3Cb%3E/").status_code == 404


def test_search_keeps_its_contract_and_matches_the_schema(client, schema, seeds):
    body = client.get("/api/search/", {"q": "South China Sea", "series": "ASEAN-ROK Summit"}).json()
    assert set(body) == SEARCH_FIELDS
    assert body["count"] > 0 and all(set(result) == SEARCH_RESULT_FIELDS for result in body["results"])
    assert_matches(schema, "/api/search/", 200, body)
    assert_matches(schema, "/api/search/", 200, client.get("/api/search/", {"year": "not-a-year", "page": "x"}).json())


def test_search_over_its_limit_answers_as_the_schema_says(client, schema, db, settings):
    settings.ARCHIVE_RATELIMIT_SEARCH = "1/m"
    client.get("/api/search/", {"q": "ASEAN"}, REMOTE_ADDR="192.0.2.7")
    response = client.get("/api/search/", {"q": "ASEAN"}, REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 429
    assert_matches(schema, "/api/search/", 429, response.json())
