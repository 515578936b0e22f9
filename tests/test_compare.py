"""Compare two editions of a statement, or two versions of one, and follow a paragraph through the editions."""

import re
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from archive.compare import (DROPPED, NEW, REWORDED, UNCHANGED, Passage, compare, one_side, neighbour_editions,
                             paragraph_history, passages_of_document, word_changes)
from archive.ingest.save import import_statement
from archive.search.indexing import process_pending

from .conftest import add_statement

DATA = Path(__file__).resolve().parent / "data" / "compare"


def passages(*texts):
    return [Passage(position, text, number=str(position)) for position, text in enumerate(texts, start=1)]


def statement_passages(name):
    """The numbered paragraphs of a statement under tests/data/compare, as passages."""
    blocks = (DATA / name).read_text().split("\n\n")[1:]
    return passages(*(re.sub(r"^\d+\. ", "", block.strip()) for block in blocks))


# 22nd → 23rd (tests/data/compare): ¶6 moved up to ¶2 unchanged; ¶4 split into ¶5 and ¶6; ¶5 dropped; ¶7 new.
SUMMIT_ALIGNMENT = {1: 1, 6: 2, 2: 3, 3: 4, 4: 6, 7: 8}


def test_paragraphs_are_aligned_by_their_words_not_their_numbers():
    comparison = compare(statement_passages("summit-22.txt"), statement_passages("summit-23.txt"))
    assert comparison.pairs == SUMMIT_ALIGNMENT
    assert comparison.summary == "2 paragraphs unchanged, 4 reworded, 2 new, 1 dropped"
    moved = [(row.old.label, row.new.label) for row in comparison.rows if row.moved]
    assert moved == [("6", "2")]
    status = {(row.old and row.old.label, row.new and row.new.label): row.status for row in comparison.rows}
    assert status[("6", "2")] == status[("3", "4")] == UNCHANGED
    assert status[("1", "1")] == status[("4", "6")] == REWORDED
    assert status[("5", None)] == DROPPED and status[(None, "7")] == NEW


def test_the_part_split_off_a_paragraph_is_new_and_names_the_paragraph_it_came_from():
    comparison = compare(statement_passages("summit-22.txt"), statement_passages("summit-23.txt"))
    split_off = next(row for row in comparison.rows if row.new and row.new.label == "5")
    assert split_off.status == NEW and split_off.part_of.label == "4"
    added = next(row for row in comparison.rows if row.new and row.new.label == "7")
    assert added.part_of is None


def test_a_dropped_paragraph_is_shown_after_the_paragraph_that_preceded_it():
    rows = compare(statement_passages("summit-22.txt"), statement_passages("summit-23.txt")).rows
    dropped = next(index for index, row in enumerate(rows) if row.status == DROPPED)
    assert rows[dropped - 1].old.label == "4"


def test_paragraphs_merged_into_one_leave_the_smaller_as_dropped_inside_the_merged_one():
    old = passages("We met in Jakarta on the first day of the month.",
                   "We thanked the hosts for their warm hospitality during our stay.",
                   "We asked our ministers to meet again next year in Seoul.")
    new = passages("We met in Jakarta on the first day of the month and thanked the hosts for their warm "
                   "hospitality during our stay.",
                   "We asked our ministers to meet again next year in Seoul.")
    comparison = compare(old, new)
    assert comparison.pairs in ({1: 1, 3: 2}, {2: 1, 3: 2})
    dropped = comparison.of_status(DROPPED)
    assert len(dropped) == 1 and dropped[0].part_of.label == "1"


def test_two_unrelated_texts_share_no_paragraph():
    comparison = compare(passages("Fisheries quotas were set for the coming season."),
                         passages("A new embassy building opened downtown."))
    assert comparison.pairs == {} and comparison.summary == "0 paragraphs unchanged, 0 reworded, 1 new, 1 dropped"


def test_of_two_like_paragraphs_each_keeps_its_own_partner_in_order():
    text = "We welcomed the progress of the Plan of Action and its annual review by senior officials."
    comparison = compare(passages(text, text), passages(text, text))
    assert comparison.pairs == {1: 1, 2: 2} and not any(row.moved for row in comparison.rows)


def test_word_changes_mark_what_was_taken_out_and_put_in():
    changes = word_changes("The Summit was held in Hanoi on 12 November.",
                           "The Summit was held in Bandar Seri Begawan on 26 October.")
    assert [(c.kind, c.text) for c in changes if c.kind != "equal"] == [
        ("delete", "Hanoi"), ("insert", "Bandar Seri Begawan"), ("delete", "12 November"), ("insert", "26 October")]


words = st.lists(st.sampled_from(["ASEAN", "Korea", "fund", "we", "noted", ",", "2021", "(", ")", "peace", "é"]),
                 max_size=30)


@given(words, words)
def test_each_side_of_a_difference_reads_as_its_own_text(old_words, new_words):
    old, new = " ".join(old_words), " ".join(new_words)
    changes = word_changes(old, new)
    assert "".join(c.text + c.space for c in one_side(changes, "insert")) == old
    assert "".join(c.text + c.space for c in one_side(changes, "delete")) == new


# With the archive: the seeds' 21st Summit, and the 22nd and 23rd of tests/data/compare.

@pytest.fixture
def editions(seeds):
    return {
        21: seeds["summit"],
        22: add_statement((DATA / "summit-22.txt").read_text(), "summit-22.txt"),
        23: add_statement((DATA / "summit-23.txt").read_text(), "summit-23.txt"),
    }


def test_editions_of_one_series_know_their_neighbours(editions):
    assert neighbour_editions(editions[22]) == (editions[21], editions[23])
    assert neighbour_editions(editions[21])[0] is None
    assert neighbour_editions(editions[23])[1] is None


def test_the_document_page_offers_the_previous_edition_to_compare(editions, client):
    page = client.get(editions[22].get_absolute_url()).content.decode()
    compare_url = f"/compare/?a={editions[21].slug}&amp;b={editions[22].slug}"
    assert "Compare with the previous edition" in page and compare_url in page
    assert editions[23].get_absolute_url() in page and 'rel="next"' in page
    first = client.get(editions[21].get_absolute_url()).content.decode()
    assert "Compare with the previous edition" not in first
    paragraph = editions[22].paragraphs.first()
    assert f"/paragraphs/{paragraph.pk}/history/" in page


def test_the_compare_page_shows_the_summary_and_the_marked_words(editions, client):
    response = client.get("/compare/", {"a": editions[22].slug, "b": editions[23].slug})
    page = response.content.decode()
    assert response.status_code == 200
    assert "2 paragraphs unchanged, 4 reworded, 2 new, 1 dropped" in page
    assert re.search(r"<del><span class=\"visually-hidden\">\[deleted: </span>by videoconference", page)
    assert re.search(r"<ins><span class=\"visually-hidden\">\[inserted: </span>in Phnom Penh", page)
    assert page.count("<details>") == 2  # the unchanged paragraphs, folded
    # Not the lists of every statement again (most of the page at 50,000 paragraphs), a link to them.
    assert "<select" not in page and '<a href="/compare/">Compare other texts</a>' in page


def test_the_compare_page_escapes_what_the_statements_say(seeds, client):
    hostile = "Chairman's Statement of the 24th ASEAN-ROK Summit\n\n1. We noted <script>alert(1)</script> & more.\n"
    other = add_statement(hostile, "hostile.txt")
    page = client.get("/compare/", {"a": seeds["summit"].slug, "b": other.slug}).content.decode()
    assert "<script>alert" not in page


@pytest.mark.parametrize("params", [
    {"a": "no-such-statement", "b": "no-such-either"},
    {"a": "x" * 300},
    {"b": ""},
    {"a": "../../etc/passwd", "b": "%00"},
])
def test_a_bad_choice_of_statements_gives_a_form_and_a_note_not_an_error(seeds, client, params):
    response = client.get("/compare/", params)
    assert response.status_code == 400
    page = response.content.decode()
    assert "could not be compared" in page and '<form class="compare-form"' in page


def test_without_parameters_the_compare_page_is_a_form_to_choose_two_statements(seeds, client):
    response = client.get("/compare/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Compare statements" in page and seeds["summit"].slug in page and "could not be compared" not in page


def test_two_versions_of_one_statement_are_compared(editions, client):
    changed = (DATA / "summit-22.txt").read_text().replace("every year", "twice a year") + \
        "\n8. We tasked our Ministers to follow up on these decisions.\n"
    assert import_statement(changed.encode(), "summit-22.txt").status == "version"
    process_pending()
    document = editions[22]
    page = client.get(document.get_absolute_url()).content.decode()
    assert f"/compare/?a={document.slug}&amp;av=1&amp;b={document.slug}&amp;bv=2" in page
    response = client.get("/compare/", {"a": document.slug, "av": 1, "b": document.slug, "bv": 2})
    assert response.status_code == 200
    text = response.content.decode()
    assert "6 paragraphs unchanged, 1 reworded, 1 new, 0 dropped" in text
    assert re.search(r"<ins><span class=\"visually-hidden\">\[inserted: </span>twice", text)
    missing = client.get("/compare/", {"a": document.slug, "av": 7, "b": document.slug})
    assert missing.status_code == 400 and "has no version 7" in missing.content.decode()


def test_a_paragraph_is_followed_through_every_edition_of_its_series(editions, client):
    carried = editions[22].paragraphs.get(number="6")  # the South China Sea, kept in the 23rd as ¶2
    history = paragraph_history(carried)
    meetings = [echo.meeting for echo in history.in_series]
    assert meetings == [editions[n].meeting for n in (21, 22, 23)]
    later = history.in_series[2]
    assert later.carried and later.unchanged and later.paragraph.number == "2"
    assert history.last == editions[23].meeting

    dropped = editions[22].paragraphs.get(number="5")  # the ASEAN-Korea Centre, gone from the 23rd
    history = paragraph_history(dropped)
    assert not history.in_series[2].carried and history.last == editions[22].meeting

    page = client.get(f"/paragraphs/{carried.pk}/history/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "This passage in other editions" in text and editions[23].meeting.title in text


def test_the_history_shows_the_words_that_changed_from_the_older_edition(editions, client):
    reworded = editions[23].paragraphs.get(number="8")
    history = paragraph_history(reworded)
    earlier = next(echo for echo in history.in_series if echo.meeting == editions[22].meeting)
    assert earlier.earlier and earlier.paragraph.number == "7"
    assert [c.text for c in earlier.changes if c.kind == "delete"] == ["and"]
    assert history.first == editions[22].meeting or history.first == editions[21].meeting
    page = client.get(f"/paragraphs/{reworded.pk}/history/").content.decode()
    assert "science and technology" in page and "<ins>" in page


def test_an_unknown_paragraph_has_no_history_page(seeds, client):
    assert client.get("/paragraphs/999999999/history/").status_code == 404


def test_passages_of_a_document_keep_their_printed_numbers(seeds):
    labels = [passage.label for passage in passages_of_document(seeds["summit"])]
    assert labels[:3] == ["1", "2", "3"] and len(labels) == seeds["summit"].paragraphs.count()


def test_any_parameters_of_the_compare_page_give_a_page_not_a_server_error(editions, client):
    from hypothesis import HealthCheck, settings

    from .test_fuzz_parameters import VALUES, fetch

    slugs = st.sampled_from([document.slug for document in editions.values()])
    params = st.dictionaries(st.sampled_from(["a", "b", "av", "bv"]),
                             st.lists(st.one_of(VALUES, slugs, st.integers(-3, 3).map(str)), min_size=1, max_size=2),
                             max_size=4)

    @settings(max_examples=150, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(params)
    def check(asked):
        assert fetch(client, "/compare/", asked).status_code in (200, 400)

    check()


DIALOGUE = """Press Release of the 30th ASEAN-ROK Dialogue

1. The 30th ASEAN-ROK Dialogue was held in Seoul on 3 June 2023.

2. We appreciated the contributions of the ASEAN-Korea Cooperation Fund to narrowing the development gap among ASEAN Member States and its projects in every Member State.

3. The meeting exchanged views on the preparations for the next Summit.
"""


def test_a_passage_repeated_by_another_series_is_listed_below_its_own_series(editions, client):
    dialogue = add_statement(DIALOGUE, "dialogue-30.txt")
    assert dialogue.meeting.series != editions[22].meeting.series
    fund = editions[22].paragraphs.get(number="3")
    page = client.get(f"/paragraphs/{fund.pk}/history/").content.decode()
    in_series, elsewhere = page.split("In other series")
    assert dialogue.meeting.title in elsewhere and dialogue.meeting.title not in in_series
    assert "in every Member State" in elsewhere and "<ins>" in elsewhere
