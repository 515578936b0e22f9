"""Relevance set: the exact paragraphs each kind of query returns, through the real Whoosh index."""

import csv
import io
import re
import urllib.parse
import xml.etree.ElementTree as ET

import pytest

from archive.models import Paragraph

from .conftest import add_statement

BUSAN = """Chairman's Statement of the 20th ASEAN-ROK Summit

1. The 20th ASEAN-ROK Summit was held in Busan, Republic of Korea on 25 November 2019, chaired by the Prime Minister of Thailand.

2. The ASEAN-Korea Cooperation Fund supported the Mekong projects.

3. Cooperating funds were pooled by the partners.

4. We met in Hà Nội with H.E. Nguyễn Xuân Phúc.

5. The Plan of Action for 2016-2020 was reviewed.

6. We noted the Indo-Pacific outlook and Moon Jae-in's New Southern Policy.

7. We welcomed the chairman’s report on the South China Sea.

8. South of the China coast, the Sea was calm.

9. 우리는 한국과 아세안의 협력을 환영했다.

10. The Republic of Korea welcomed the APT cooperation.

11. Viet Nam hosted the ministers.
"""

JAKARTA = """Joint Statement of the 29th ASEAN-ROK Dialogue

1. The 29th ASEAN-ROK Dialogue was held in Jakarta, Indonesia on 12 May 2023, chaired by the Permanent Secretary of Indonesia.

2. The ROK and Vietnam discussed the AKFTA.

3. Hanoi will host the next meeting on the New Southern Policy.

4. The ASEAN Plus Three process and the South Korea delegation.
"""


@pytest.fixture
def corpus(search_index, snapshots):
    return snapshots.restore("busan and jakarta",
                             lambda: {"A": add_statement(BUSAN, "busan.txt"), "B": add_statement(JAKARTA, "jakarta.txt")})


def found(client, query, **params):
    data = client.get("/api/search/", {"q": query, "per_page": 100, **params}).json()
    assert data["count"] == len(data["results"])
    return {("A" if "busan" in r["document_url"] or "20th" in r["meeting"] else "B") + r["paragraph_number"]
            for r in data["results"]}


@pytest.mark.parametrize("query, expected", [
    ('"cooperation fund"', {"A2"}),
    ("cooperation fund", {"A2", "A3"}),
    ('"Plan of Action"', {"A5"}),
    ("Nguyen Xuan Phuc", {"A4"}),
    ("Nguyễn Xuân Phúc", {"A4"}),
    ("2016-2020", {"A5"}),
    ("2016", {"A5"}),
    ("Indo-Pacific", {"A6"}),
    ("Pacific", {"A6"}),
    ("Moon Jae-in", {"A6"}),
    ("Jae-in", {"A6"}),
    ("chairman's report", {"A7"}),
    ("chairman’s report", {"A7"}),
    ('"South China Sea"', {"A7"}),
    ("South China Sea", {"A7", "A8"}),
    ('"South Sea"~3', {"A7"}),
    ("한국과", {"A9"}),
    ("협력을", {"A9"}),
    ("coop*", {"A2", "A3", "A10"}),
    ("welcomed NOT Korea", {"A7"}),
    ("welcomed -Korea", {"A7"}),
    ("(Mekong OR Busan) AND projects", {"A2"}),
    ("series:dialogue AND Hanoi", {"B3"}),
    ("title:dialogue", {"B1", "B2", "B3", "B4"}),
    ("country:Thailand AND ministers", {"A1", "A11"}),
    ("year:2023 AND Policy", {"B3"}),
    ("year:[2015 TO 2020] AND Policy", {"A6"}),
    ("date:2023-05-12 AND Policy", {"B3"}),
    ("date:2019-11 AND Policy", {"A6"}),
    ("date:[2019-01-01 TO 2023-12-31] AND Policy", {"A6", "B3"}),
    ("date:[2020-01-01 TO 2023-05-11] AND Policy", set()),
])
def test_query_returns_exactly_these_paragraphs(client, corpus, query, expected):
    assert found(client, query) == expected


@pytest.mark.parametrize("query, expected, also", [
    ("ROK", {"A1", "A2", "A10", "B1", "B2", "B4"}, "Republic of Korea"),
    ("Vietnam", {"A11", "B2"}, "Viet Nam"),
    ('"Viet Nam"', {"A11", "B2"}, "Vietnam"),
    ("Ha Noi", {"A4", "B3"}, "Hanoi"),
    ("APT", {"A10", "B4"}, "ASEAN Plus Three"),
    ("NSP", {"A6", "B3"}, "New Southern Policy"),
    ("AKCF", {"A2"}, "ASEAN-Korea Cooperation Fund"),
])
def test_aliases_widen_the_search_and_the_page_says_so(client, corpus, query, expected, also):
    assert found(client, query) == expected
    page = client.get("/search/", {"q": query}).content.decode()
    assert "also searched as" in page and also in page


def test_the_alias_list_is_editable(client, corpus, django_db_blocker):
    from archive.models import AliasGroup

    assert found(client, "Mekong") == {"A2"}
    AliasGroup.objects.create(names="Mekong\nBusan")
    assert found(client, "Mekong") == {"A1", "A2"}


def test_date_range_and_multi_value_facets(client, corpus):
    assert found(client, "Policy", **{"from": "2020-01-01"}) == {"B3"}
    assert found(client, "Policy", to="2019-12-31") == {"A6"}
    assert found(client, "Policy", year=["2019", "2023"]) == {"A6", "B3"}
    data = client.get("/api/search/", {"q": "Policy", "year": "2019"}).json()
    # The year facet still shows 2023 (its own choice does not hide it), the series facet follows the choice.
    assert {f["value"]: f["count"] for f in data["facets"]["year"]} == {"2019": 1, "2023": 1}
    assert data["facets"]["series"] == [{"value": "ASEAN-ROK Summit", "count": 1}]


def test_topic_facet_from_editable_rules(client, corpus, django_capture_on_commit_callbacks):
    from archive.models import Topic
    from archive.search.indexing import process_pending

    data = client.get("/api/search/", {"q": "South"}).json()
    assert {"value": "Maritime and South China Sea", "count": 1} in data["facets"]["topics"]
    with django_capture_on_commit_callbacks(execute=True):
        Topic.objects.create(name="Mekong", keywords="Mekong")
    process_pending()
    assert found(client, "projects", topics="Mekong") == {"A2"}


def test_search_within_one_statement(client, corpus):
    assert found(client, "Policy", document=corpus["B"].slug) == {"B3"}
    page = client.get(corpus["A"].get_absolute_url()).content.decode()
    assert f'name="document" value="{corpus["A"].slug}"' in page


def test_results_are_grouped_by_statement_with_more_matches_counted(client, corpus):
    page = client.get("/search/", {"q": "the", "per_page": 2, "sort": "oldest"}).content.decode()
    assert page.count('class="group"') == 1
    assert "more matches in this statement" in page


def test_similar_passages_come_from_other_statements(client, corpus):
    paragraph = Paragraph.objects.get(document=corpus["A"], number="6")
    page = client.get(f"/paragraphs/{paragraph.pk}/similar/").content.decode()
    assert "Similar passages in other statements" in page
    assert "29th ASEAN-ROK Dialogue" in page and "Hanoi will host" in page
    assert "Moon Jae-in" not in page.split("</blockquote>")[1]


def test_csv_has_every_hit(client, corpus):
    response = client.get("/api/search.csv", {"q": "the"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode())))
    assert len(rows) == client.get("/api/search/", {"q": "the"}).json()["count"] > 10
    assert rows[0]["paragraph_url"].startswith("http://testserver/documents/")


def test_atom_feed_lists_newest_matches(client, corpus):
    response = client.get("/search/feed/", {"q": "Policy"})
    assert response["Content-Type"].startswith("application/atom+xml")
    entries = ET.fromstring(response.content).findall("{http://www.w3.org/2005/Atom}entry")
    titles = [entry.find("{http://www.w3.org/2005/Atom}title").text for entry in entries]
    assert titles == ["Joint Statement of the 29th ASEAN-ROK Dialogue, paragraph 3",
                      "Chairman's Statement of the 20th ASEAN-ROK Summit, paragraph 6"]


def test_help_page_explains_the_query_language(client, db):
    page = client.get("/search/help/").content.decode()
    for example in ['"South China Sea"', "pandemic NOT vaccine", "cyber*", "year:[2015 TO 2020]", "series:dialogue"]:
        assert f"<code>{example}</code>" in page


def test_zero_results_page_offers_a_way_out(client, corpus):
    page = client.get("/search/", {"q": "Mekong", "year": "2023"}).content.decode()
    assert "No paragraphs match" in page and "Search the whole archive without filters" in page
    assert "Did you mean" in client.get("/search/", {"q": "Mekongg"}).content.decode()


def test_a_phrase_of_common_words_is_checked_word_by_word(client, corpus):
    # Every adjacent pair of "republic of asean" occurs in paragraph 2 (each pair is indexed as one
    # term), but only paragraph 3 has the phrase itself.
    add_statement("Press Release of the 30th ASEAN-ROK Dialogue\n\n1. The 30th ASEAN-ROK Dialogue was held on 2 May 2024."
                  "\n\n2. The Republic of Chile wrote to the leaders of ASEAN.\n\n3. No Republic of ASEAN exists.\n",
                  "decoy.txt")
    texts = [r["text"] for r in client.get("/api/search/", {"q": '"republic of asean"'}).json()["results"]]
    assert texts == ["No Republic of ASEAN exists."]
    assert client.get("/api/search/", {"q": '"leaders of asean"'}).json()["count"] == 1


@pytest.mark.parametrize("query, params, suggestion", [
    ("cooperatoin", {}, "cooperation"),
    ("Mekongg", {}, "Mekong"),
    ("Cooperatng", {}, "Cooperating"),
    ('"Cooperation Fund" Mekongg', {}, '"Cooperation Fund" Mekong'),  # the phrase kept as typed
    ("Mekongg country:Thailand", {}, "Mekong country:Thailand"),  # and the field
    ("Mekongg", {"year": "2023"}, None),  # "Mekong" finds nothing in 2023 either: not proposed
    ("Hanoi projects", {}, None),  # both words are known (Hanoi widened by its aliases): nothing to correct
    ("Mekongg AND (projcts OR zzzzzzzz)", {}, "Mekong AND (projects OR zzzzzzzz)"),  # operators kept
])
def test_did_you_mean_proposes_printed_words_that_find_something(client, corpus, query, params, suggestion):
    data = client.get("/api/search/", {"q": query, **params}).json()
    assert data["count"] == 0
    assert data["spelling_suggestion"] == suggestion
    if suggestion:
        assert client.get("/api/search/", {"q": suggestion, **params}).json()["count"] > 0
        page = client.get("/search/", {"q": query, **params}).content.decode()
        assert f"Did you mean <a href=\"?q={urllib.parse.quote(suggestion)}\">" in page


def test_did_you_mean_never_offers_a_stem_or_a_pair_term(client, corpus):
    printed = {word.lower() for text in Paragraph.objects.values_list("text", flat=True) for word in re.findall(r"\w+", text)}
    for typo in ["Cooperr", "Cooperatoin", "Peninsla", "Pacifc", "Ministrs", "Policyy", "Hanio", "Mekon"]:
        suggestion = client.get("/api/search/", {"q": typo}).json()["spelling_suggestion"]
        assert suggestion is None or suggestion.lower() in printed, (typo, suggestion)
    assert client.get("/api/search/", {"q": "Cooperatoin"}).json()["spelling_suggestion"] == "Cooperation"
