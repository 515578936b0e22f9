import random
import re

import pytest
from django.utils.html import escape

from archive.models import Document, Paragraph
from archive.search.indexing import enqueue_documents, process_pending



@pytest.fixture
def corpus(three_statements):
    return three_statements


def api(client, **params):
    response = client.get("/api/search/", params)
    assert response.status_code == 200
    return response.json()


def hit_keys(data):
    return {(r["document_title"], r["paragraph_number"]) for r in data["results"]}


def test_quoted_phrase_finds_only_paragraphs_with_the_words_together(client, corpus):
    data = api(client, q='"South China Sea"')
    assert hit_keys(data) == {
        ("Chairman’s Statement of the 21st ASEAN-Republic of Korea Summit", "22"),
        ("Press Release: 24th ASEAN-ROK Dialogue", "9"),
    }
    # The same words unquoted also find the paragraph where they stand apart.
    assert ("Chairman's Statement of the 22nd ASEAN-ROK Summit", "2") in hit_keys(api(client, q="South China Sea"))


def test_results_link_to_the_paragraph_anchor_and_highlight_the_match(client, corpus):
    data = api(client, q='"Korean Peninsula"', series="ASEAN-ROK Summit")
    (hit,) = data["results"]
    assert hit["paragraph_url"].endswith(corpus["summit"].get_absolute_url() + "#p21")
    assert hit["date"] == "2020-11-12"
    assert hit["meeting"] == "21st ASEAN-ROK Summit"
    assert "<mark>Korean Peninsula</mark>" in hit["snippet"]
    page = client.get(hit["paragraph_url"].split("#")[0])
    assert 'id="p21"' in page.content.decode()


def test_accents_fold_and_stems_match(client, corpus):
    assert hit_keys(api(client, q="Nguyen Xuan Phuc")) == {
        ("Chairman’s Statement of the 21st ASEAN-Republic of Korea Summit", "1")}
    assert api(client, q="cooperate")["count"] == api(client, q="cooperation")["count"] > 0


def test_facet_counts_come_from_the_index_and_narrow_when_chosen(client, corpus):
    data = api(client, q="cooperation")
    series = {f["value"]: f["count"] for f in data["facets"]["series"]}
    expected_summit = sum("cooperation" in t.lower() for t in corpus["summit"].paragraphs.values_list("text", flat=True))
    expected_dialogue = sum("cooperation" in t.lower() for t in corpus["dialogue"].paragraphs.values_list("text", flat=True))
    assert series["ASEAN-ROK Dialogue"] == expected_dialogue == 3
    assert series["ASEAN-ROK Summit"] == expected_summit + 1  # the test statement's paragraph 3 says "cooperating"
    assert {f["value"]: f["count"] for f in data["facets"]["year"]} == {"2020": expected_summit + 3, "2021": 1}
    assert {f["value"] for f in data["facets"]["kind"]} == {"Chairman's Statement", "Press Release"}

    narrowed = api(client, q="cooperation", series="ASEAN-ROK Dialogue")
    assert narrowed["count"] == 3
    assert {r["series"] for r in narrowed["results"]} == {"ASEAN-ROK Dialogue"}
    # A facet's own choice does not hide its other values; the other facets follow the filter.
    assert {f["value"]: f["count"] for f in narrowed["facets"]["series"]} == series
    assert narrowed["facets"]["kind"] == [{"value": "Press Release", "count": 3}]
    both = api(client, q="cooperation", year=["2020", "2021"])
    assert both["count"] == data["count"]


def test_facet_links_on_the_page_narrow_the_results(client, corpus):
    page = client.get("/search/", {"q": "cooperation"}).content.decode()
    assert "ASEAN-ROK Dialogue</a> <span class=\"count\">3</span>" in page
    narrowed = client.get("/search/", {"q": "cooperation", "series": "ASEAN-ROK Dialogue"}).content.decode()
    assert "3 paragraphs found" in narrowed
    assert "Remove filter" in narrowed


def test_paging_and_per_page_limit(client, corpus):
    first = api(client, q="ASEAN", per_page=5)
    second = api(client, q="ASEAN", per_page=5, page=2)
    assert first["count"] == second["count"] > 10
    assert len(first["results"]) == len(second["results"]) == 5
    assert not {r["paragraph_url"] for r in first["results"]} & {r["paragraph_url"] for r in second["results"]}
    assert api(client, q="ASEAN", per_page=1000)["per_page"] == 100
    assert api(client, q="ASEAN", per_page="x", page="y")["page"] == 1


def test_sort_newest_puts_the_latest_meeting_first(client, corpus):
    data = api(client, q="ASEAN", sort="newest", per_page=100)
    dates = [r["date"] for r in data["results"]]
    assert dates == sorted(dates, reverse=True) and dates[0] == "2021-10-26"


@pytest.mark.parametrize("query", ['"unbalanced', "AND OR", "(((", "x" * 2000, 'title:"', "*", "NOT", "a" * 300 + " OR (" * 50, "~~~^^^", "year:[2015", "year:[2015 TO", "title:", "*:*", "ROK~", "-", "NOT NOT", "a AND", "series:[a TO", "country:\\"])
def test_malformed_queries_get_a_friendly_answer(client, corpus, query):
    page = client.get("/search/", {"q": query})
    assert page.status_code == 200
    data = api(client, q=query)
    # The page answers as the JSON does: the hits it counts, or no match, and every note it has.
    shown = page.content.decode()
    assert (f"{data['count']} paragraph" in shown) if data["count"] else ("No paragraphs match" in shown or not data["query"])
    assert all(escape(note) in shown for note in data["notes"])


def test_malformed_queries_say_how_they_were_read(client, corpus):
    assert "quotation mark had no partner" in client.get("/search/", {"q": '"South China'}).content.decode()
    assert api(client, q='"South China')["count"] >= 2
    assert "shortened" in api(client, q="ASEAN " * 400)["notes"][0]
    assert "no words" in api(client, q="AND OR")["notes"][0]


def test_misspelling_gets_a_suggestion_only_when_nothing_is_found(client, corpus):
    assert api(client, q="cooperatoin")["spelling_suggestion"] == "cooperation"
    assert api(client, q="cooperation")["spelling_suggestion"] is None


def test_deleted_documents_leave_the_index(client, corpus, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Document.objects.get(pk=corpus["scattered"].pk).delete()
    assert api(client, q="Begawan")["count"] == 0
    assert api(client, q='"South China Sea"')["count"] == 2


@pytest.mark.parametrize("lookup_ratio", [0, 10**9], ids=["hits-looked-up", "postings-walked"])
@pytest.mark.parametrize("series", [None, "ASEAN-ROK Summit"])
@pytest.mark.parametrize("query", ["cooperation", "ASEAN AND ROK", "welcomed OR noted", "regional cooperation"])
def test_ranking_matches_whoosh_bm25(corpus, query, series, lookup_ratio, monkeypatch):
    """The array-based ranking gives Whoosh's own BM25F scores and order, with or without a
    facet filter, whether it looks each hit up in the postings or walks them."""
    from archive.search.engine import bitmaps
    from archive.search.engine.backend import ranking_query, scoring_terms
    from archive.search.indexing import get_backend

    monkeypatch.setattr(bitmaps, "LOOKUP_RATIO", lookup_ratio)
    backend = get_backend()
    searcher = backend.current_searcher()
    parsed = backend.parse(query)
    hits = backend.docset(parsed)
    if series:
        hits &= backend.value_sets("series")[series]
    ranking = ranking_query(parsed, searcher.reader(), backend.pairs)
    ours = [(docnum, -negative) for negative, docnum in backend.bitmaps().rank(scoring_terms(ranking), hits, 10)]
    theirs = [(hit.docnum, hit.score) for hit in searcher.search(ranking, limit=10, filter=bitmaps.BitmapSet(hits))]
    assert ours and len(ours) == len(theirs)
    assert [d for d, _ in ours] == [d for d, _ in theirs]
    assert all(abs(a - b) < 1e-6 for (_, a), (_, b) in zip(ours, theirs))


@pytest.mark.parametrize("limit", [1, 3, 10, 1000])
def test_a_term_read_in_ranking_order_ranks_as_scoring_every_posting(corpus, limit):
    """A one-term query reads the term's postings kept in ranking order: every word of the index, alone and
    narrowed to a series, gives the same hits, scores and order (ties too) as scoring every posting."""
    from archive.search.indexing import get_backend

    backend = get_backend()
    bitmaps = backend.bitmaps()
    field = backend.content_field_name
    summit = backend.value_sets("series")["ASEAN-ROK Summit"]
    words = list(backend.current_searcher().reader().lexicon(field))
    assert len(words) > 100
    for word in words:
        term = bitmaps.weighted_terms([(field, word, 1.0)])
        hits = bitmaps.term(field, word)
        for allowed in (hits, hits & summit):
            if allowed:
                assert bitmaps.best_of_one_term(term[0], allowed, limit, 1.2) == bitmaps.scored(term, allowed, limit)


PHRASE_VOCABULARY = ["the"] * 30 + ["of"] * 20 + ["and"] * 15 + ["cooperation"] * 10 + ["asean"] * 8 + \
    ["maritime"] * 4 + ["digital"] * 3 + ["fund"] * 3 + ["peninsula", "zephyr", "quorum", "lantern"]


def words_in_order(words, positions_of, slop):
    """Whether `words` occur in order, each within `slop` positions after the one before."""
    def follows(index, position):
        return index == len(words) or any(
            position < p <= position + slop and follows(index + 1, p) for p in positions_of.get(words[index], ()))
    return any(follows(1, start) for start in positions_of.get(words[0], ()))


def test_phrases_across_many_posting_blocks_match_a_plain_scan(client, corpus, django_capture_on_commit_callbacks):
    """Phrases over posting lists many blocks long, in several segments with deleted documents,
    find exactly the paragraphs a plain scan of the text finds."""
    rng = random.Random(4)
    texts = []
    for document in (corpus["summit"], corpus["dialogue"]):  # one index commit (one segment) each
        paragraphs = Paragraph.objects.bulk_create(
            Paragraph(document=document, position=1000 + i, anchor=f"g{i}",
                      text=" ".join(rng.choice(PHRASE_VOCABULARY) for _ in range(30))) for i in range(700))
        texts += [paragraph.text for paragraph in paragraphs]
        enqueue_documents([document.pk])
        process_pending()
    with django_capture_on_commit_callbacks(execute=True):  # deletions in older segments
        for paragraph in Paragraph.objects.filter(anchor__startswith="g")[::7]:
            paragraph.delete()
    positions = {}  # {paragraph: {word: positions}} over every paragraph, the seeds' too, as Whoosh tokenizes
    for pk, text in Paragraph.objects.values_list("pk", "text"):
        for position, word in enumerate(re.findall(r"\w+(?:\.?\w+)*", text.lower())):
            positions.setdefault(pk, {}).setdefault(word, []).append(position)
    phrases = [["zephyr", "the"], ["the", "of", "the"], ["cooperation", "asean", "and"], ["of", "the", "and"],
               ["maritime", "the", "fund"], ["the", "the", "the", "the"], ["asean", "peninsula"], ["quorum", "of"]]
    for _ in range(12):
        words = rng.choice(texts).split()
        start = rng.randrange(len(words) - 4)
        phrases.append(words[start:start + rng.choice([2, 3, 4])])
    for words in phrases:
        expected = sum(words_in_order(words, found, 1) for found in positions.values())
        assert api(client, q='"' + " ".join(words) + '"', per_page=1)["count"] == expected, words
    for words in (["zephyr", "cooperation"], ["the", "fund", "of"], ["lantern", "asean"]):
        expected = sum(words_in_order(words, found, 3) for found in positions.values())
        assert api(client, q='"' + " ".join(words) + '"~3', per_page=1)["count"] == expected, words
