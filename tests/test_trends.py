"""Trends: a phrase's matching paragraphs per 1,000 paragraphs of each year, overall and per series, with its
first and last use; the chart, CSV and JSON; the same filters as the search; friendly answers to bad input."""

import csv
import io
import json
import re
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from archive.models import AliasGroup

from .test_fuzz_parameters import QUERIES, fetch
from .trend_statements import (  # noqa: F401
    DIALOGUE, EDITION_PHRASES, PARAGRAPHS, SUMMIT, edition_paragraph, trend_statements)

FUND = "ASEAN-Korea Cooperation Fund"
POLICY = '"New Southern Policy"'


def trend_json(client, **params):
    response = client.get("/trends/data.json", params)
    assert response.status_code == 200
    return response.json()


def line(data, phrase, series=None):
    return next(item for item in data["lines"] if item["phrase"] == phrase and item["series"] == series)


def rates(item):
    return {point["year"]: point["per_1000_paragraphs"] for point in item["points"]}


def test_the_rate_is_per_thousand_paragraphs_of_the_year(client, trend_statements):
    data = trend_json(client, q=FUND)
    fund = line(data, FUND)
    assert data["years"] == ["2019", "2020", "2021"]
    assert {p["year"]: p["all_paragraphs"] for p in fund["points"]} == PARAGRAPHS
    # 1 of 4, 2 of 10 (one as "AKCF", found through the alias group), 1 of 8: most often in 2020, densest in 2019.
    assert {p["year"]: p["matching_paragraphs"] for p in fund["points"]} == {"2019": 1, "2020": 2, "2021": 1}
    assert rates(fund) == {"2019": 250.0, "2020": 200.0, "2021": 125.0}
    assert fund["matching_paragraphs"] == 4


def test_several_phrases_are_compared_overall_and_per_series(client, trend_statements):
    data = trend_json(client, q=[FUND, POLICY])
    assert rates(line(data, POLICY)) == {"2019": 0.0, "2020": 300.0, "2021": 0.0}
    # Per series, against the paragraphs of that series in that year (the 2020 Summit has 5, the Dialogue 5).
    assert rates(line(data, POLICY, SUMMIT))["2020"] == 400.0
    assert rates(line(data, POLICY, DIALOGUE))["2020"] == 200.0
    assert rates(line(data, POLICY, DIALOGUE))["2019"] is None  # no Dialogue in 2019: no rate, not 0
    assert rates(line(data, FUND, SUMMIT)) == {"2019": 250.0, "2020": 400.0, "2021": 125.0}
    assert not any(item["phrase"] == FUND and item["series"] == DIALOGUE for item in data["lines"])


def test_first_and_last_use_overall_and_per_series(client, trend_statements):
    data = trend_json(client, q=[FUND, POLICY])
    fund = line(data, FUND)
    assert (fund["first_use"]["meeting"], fund["first_use"]["date"]) == ("20th ASEAN-ROK Summit", "2019-11-03")
    assert fund["first_use"]["paragraph_url"].endswith("#p2")
    assert (fund["last_use"]["meeting"], fund["last_use"]["date"]) == ("22nd ASEAN-ROK Summit", "2021-10-26")
    policy = line(data, POLICY)
    assert policy["first_use"]["meeting"] == "25th ASEAN-ROK Dialogue"  # June 2020, before the November Summit
    assert policy["last_use"]["meeting"] == "21st ASEAN-ROK Summit"
    in_summits = line(data, POLICY, SUMMIT)
    assert in_summits["first_use"]["meeting"] == in_summits["last_use"]["meeting"] == "21st ASEAN-ROK Summit"


def test_the_page_shows_the_chart_the_table_and_the_uses(client, trend_statements):
    page = client.get("/trends/", {"q": [FUND, POLICY]})
    html = page.content.decode()
    assert page.status_code == 200
    assert '<img src="/trends/chart.svg?q=' in html and "alt=\"Line chart of the paragraphs matching" in html
    assert "<td>250.00</td>" in html and "<td>300.00</td>" in html  # the table of numbers under the chart
    first = trend_statements["summit-2019"]
    assert f'href="{first.get_absolute_url()}?q=ASEAN-Korea%20Cooperation%20Fund#p2"' in html
    assert "/trends/data.csv?" in html and "/trends/data.json?" in html


def test_the_chart_is_svg_without_scripts_naming_each_phrase(client, trend_statements):
    response = client.get("/trends/chart.svg", {"q": [FUND, POLICY]})
    assert response["Content-Type"].startswith("image/svg+xml")
    svg = ElementTree.fromstring(response.content)
    assert not svg.findall(".//{http://www.w3.org/2000/svg}script")
    assert FUND in response.content.decode() and "New Southern Policy" in response.content.decode()
    by_series = client.get("/trends/series-chart.svg", {"q": POLICY}).content.decode()
    assert f"({SUMMIT})" in by_series and f"({DIALOGUE})" in by_series


def test_csv_has_a_row_per_phrase_series_and_year(client, trend_statements):
    response = client.get("/trends/data.csv", {"q": [FUND, POLICY]})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    overall = {(r["phrase"], r["year"]): r for r in rows if not r["series"]}
    assert overall[FUND, "2019"]["per_1000_paragraphs"] == "250.0"
    assert overall[POLICY, "2020"]["matching_paragraphs"] == "3"
    assert overall[POLICY, "2020"]["all_paragraphs"] == "10"
    assert {(r["phrase"], r["series"]) for r in rows if r["series"]} == {(FUND, SUMMIT), (POLICY, SUMMIT),
                                                                        (POLICY, DIALOGUE)}
    assert len(rows) == 3 * 5  # three years of five lines


def test_the_same_filters_as_search(client, trend_statements):
    summits = trend_json(client, q=POLICY, series=SUMMIT)
    assert summits["filters"] == {"series": [SUMMIT]}
    # Only Summit paragraphs, in the counts and in the rates: 2 of the 5 paragraphs of 2020.
    assert rates(line(summits, POLICY)) == {"2019": 0.0, "2020": 400.0, "2021": 0.0}
    since_2020 = trend_json(client, q=FUND, **{"from": "2020-01-01"})
    assert since_2020["years"] == ["2020", "2021"]
    assert line(since_2020, FUND)["first_use"]["meeting"] == "21st ASEAN-ROK Summit"
    one_year = trend_json(client, q=FUND, year="2021")
    assert one_year["years"] == ["2021"] and rates(line(one_year, FUND)) == {"2021": 125.0}


def test_search_results_link_to_the_phrase_over_time(client, trend_statements):
    html = client.get("/search/", {"q": FUND, "series": SUMMIT}).content.decode()
    assert "See this phrase over time" in html
    assert 'href="/trends/?q=ASEAN-Korea+Cooperation+Fund&amp;series=ASEAN-ROK+Summit"' in html


@pytest.mark.parametrize("params", [
    {}, {"q": ""}, {"q": "   "}, {"q": "AND OR"}, {"q": FUND, "from": "2020-13-45"}, {"q": FUND, "year": "abc"},
    {"q": FUND, "sort": "sideways", "page": "-3", "per_page": "x"}, {"q": ['"unbalanced', "((", FUND]},
    {"q": [f"word{n}" for n in range(9)]}, {"q": "x" * 5000}, {"q": FUND, "document": "no-such-statement"},
])
def test_bad_or_empty_parameters_get_the_form_with_a_note(client, trend_statements, params):
    page = client.get("/trends/", params)
    assert page.status_code == 200
    assert 'name="q"' in page.content.decode()


def test_notes_say_what_was_left_out(client, trend_statements):
    html = client.get("/trends/", {"q": ["AND OR", FUND], "from": "someday"}).content.decode()
    assert "“AND OR” has no words to look for" in html
    assert "could not be used, so it was ignored" in html
    assert "<td>250.00</td>" in html
    many = client.get("/trends/", {"q": [f"word{n}" for n in range(7)]}).content.decode()
    assert "At most 5 phrases are compared at once" in many
    assert "Enter a word or phrase" in client.get("/trends/", {"q": ""}).content.decode()
    assert "No paragraphs match the filters chosen" in client.get("/trends/", {"q": FUND, "year": "1900"}).content.decode()


def test_data_without_a_phrase_is_a_400_with_a_note(client, trend_statements):
    response = client.get("/trends/data.json", {"from": "2020-01-01"})
    assert response.status_code == 400 and "Enter a word or phrase" in response.json()["error"]
    assert client.get("/trends/data.csv").status_code == 400
    assert client.get("/trends/chart.svg", {"q": "AND"}).status_code == 400


def test_a_phrase_is_shown_escaped_never_as_markup(client, trend_statements):
    hostile = '<script>alert(1)</script> fund'
    html = client.get("/trends/", {"q": hostile}).content.decode()
    assert "<script>alert(1)</script>" not in html
    svg = client.get("/trends/chart.svg", {"q": hostile}).content
    assert not ElementTree.fromstring(svg).findall(".//{http://www.w3.org/2000/svg}script")
    assert json.loads(client.get("/trends/data.json", {"q": hostile}).content)["lines"][0]["phrase"]


def uses_in_editions(editions, names):
    """(first, last) paragraph containing any of `names` (as words, any case): the first of the earliest
    edition, the last of the latest, read from the stored text."""
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(name) for name in names) + r")(?!\w)", re.I)
    uses = [paragraph for document in sorted(editions.values(), key=lambda d: d.meeting.start_date)
            for paragraph in document.paragraphs.order_by("position") if pattern.search(paragraph.text)]
    return uses[0], uses[-1]


@pytest.mark.parametrize("tracked", [p for p in EDITION_PHRASES if p["pattern"] == p["phrase"]],
                         ids=lambda p: p["phrase"])
def test_first_and_last_use_in_the_editions_set(client, editions, tracked):
    """Against phrases.json, written from the texts: the first use is the earliest edition's first matching
    paragraph, the last use the latest edition's last one. A phrase with other names (an alias group: AKCF,
    NSP) is found by them too, so its uses are those of any of its names."""
    phrase = tracked["phrase"]
    data = trend_json(client, q=f'"{phrase}"')
    overall = data["lines"][0]
    group = next((g.name_list() for g in AliasGroup.objects.all() if phrase in g.name_list()), [phrase])
    expected = uses_in_editions(editions, group)
    if group == [phrase]:
        assert expected == tuple(edition_paragraph(editions, tracked[use]) for use in ("first", "last"))
    for use, paragraph in zip(("first_use", "last_use"), expected):
        assert overall[use]["paragraph_url"].endswith(paragraph.get_absolute_url()), (use, phrase)
    assert overall["first_use"]["paragraph_url"].endswith(edition_paragraph(editions, tracked["first"]).get_absolute_url())
    by_series = {item["series"] for item in data["lines"] if item["series"]}
    assert by_series == {editions[name].meeting.series.name for name in tracked["editions"]}


TREND_ENDPOINTS = ["/trends/", "/trends/chart.svg", "/trends/series-chart.svg", "/trends/data.csv", "/trends/data.json",
                   "/commitments/", "/commitments/asean-korea-cooperation-fund/",
                   "/commitments/asean-korea-cooperation-fund/chart.svg"]


def test_any_parameters_give_no_server_error(client, trend_statements):
    @settings(max_examples=150, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(path=st.sampled_from(TREND_ENDPOINTS), params=QUERIES)
    def check(path, params):
        response = fetch(client, path, params)
        assert response.status_code in (200, 400)

    check()


def test_a_filtered_trend_links_to_the_same_phrases_without_filters(client, trend_statements):
    html = client.get("/trends/", {"q": [FUND, POLICY], "series": SUMMIT, "from": "2020-01-01"}).content.decode()
    assert "Only paragraphs with series ASEAN-ROK Summit, from 1 January 2020" in html
    assert 'href="?q=ASEAN-Korea+Cooperation+Fund&amp;q=%22New+Southern+Policy%22">Without the filters</a>' in html
    assert "Without the filters" not in client.get("/trends/", {"q": FUND}).content.decode()


def test_a_year_without_paragraphs_keeps_its_place_without_a_rate(client, editions):
    """The editions set has statements of 2018 and of 2020 onwards: 2019 is on the axis, with no rate."""
    data = trend_json(client, q="AKCF")
    assert data["years"][:3] == ["2018", "2019", "2020"]
    points = {point["year"]: point for point in data["lines"][0]["points"]}
    assert points["2019"]["all_paragraphs"] == 0 and points["2019"]["per_1000_paragraphs"] is None
    html = client.get("/trends/", {"q": "AKCF"}).content.decode()
    assert '<th scope="row">2018</th>' in html and '<th scope="row">2019</th>' not in html
