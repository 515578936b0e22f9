"""Any parameter, any path number: every public endpoint answers without a server error (hypothesis)."""

import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from archive.models import Paragraph

PARAMETERS = ["q", "year", "series", "kind", "chair_country", "topics", "mode", "from", "to", "document", "sort",
              "page", "per_page"]
NASTY = ["\x00", "a\x0bb", "\x1b[31m", "\x7f", "\ud800", "x\udfffy", "\ufffe", "9" * 400, "-1", "0",
         "-99999999999999999999", "1e309", "NaN", "inf", "x" * 10_000, "Korea " * 2000, " ", "",
         "2020-02-30", "99999-01-01", "*", "[a TO z]", "\u202e", "%00", "../../etc/passwd"]
VALUES = st.one_of(st.text(max_size=40), st.sampled_from(NASTY),
                   st.builds(lambda a, b: a + b, st.sampled_from(NASTY), st.text(max_size=10)))
QUERIES = st.dictionaries(st.sampled_from(PARAMETERS), st.lists(VALUES, min_size=1, max_size=3), max_size=6)
FUZZ = settings(max_examples=400, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def fetch(client, path, params):
    # Encoded by hand, so that lone surrogates reach the server as the bytes a client could send.
    query = urllib.parse.urlencode(params, doseq=True, encoding="utf-8", errors="surrogatepass")
    response = client.get(f"{path}?{query}")
    assert response.status_code < 500, (path, params)
    return response


@pytest.fixture
def endpoints(seeds):
    paragraph = Paragraph.objects.filter(document=seeds["summit"]).first()
    return ["/", "/search/", "/api/search/", "/api/search.csv", "/search/feed/", "/search/help/", "/meetings/",
            "/meetings/2020/", seeds["summit"].meeting.get_absolute_url(), seeds["summit"].get_absolute_url(),
            f"/paragraphs/{paragraph.pk}/similar/", f"/paragraphs/{paragraph.pk}/cite/",
            f"/paragraphs/{paragraph.pk}/cite.bib", "/export/", "/api/schema/", "/api/meetings/",
            f"/api/documents/{seeds['summit'].slug}/"]


def test_any_parameters_give_no_server_error(client, endpoints):
    @FUZZ
    @given(path=st.sampled_from(endpoints), params=QUERIES)
    def check(path, params):
        fetch(client, path, params)

    check()


def test_any_number_or_slug_in_a_path_gives_no_server_error(client, seeds):
    numbers = st.one_of(st.integers(min_value=0, max_value=10**30), st.sampled_from([0, 1, 9999, 10000, 2**63, 2**64]))
    slugs = st.from_regex(r"[-a-zA-Z0-9_]{1,300}", fullmatch=True)

    @FUZZ
    @given(number=numbers, slug=slugs)
    def check(number, slug):
        for path in (f"/meetings/{number}/", f"/paragraphs/{number}/similar/", f"/meetings/{slug}/",
                     f"/documents/{slug}/", f"/paragraphs/{number}/cite/", f"/paragraphs/{number}/cite.ris",
                     f"/api/documents/{slug}/", f"/api/meetings/{slug}/", f"/api/series/{slug}/"):
            fetch(client, path, {"q": slug})

    check()


def test_a_control_character_in_the_query_leaves_the_feed_well_formed(client, seeds):
    response = fetch(client, "/search/feed/", {"q": "Korea\x0b\x00 peninsula"})
    assert response.status_code == 200 and b"Korea" in response.content
