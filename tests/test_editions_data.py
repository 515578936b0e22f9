"""The shared editions set (tests/data/editions) comes into the archive as written, and its truth files
(alignments.json, phrases.json) agree with what the importer stores."""

import datetime
import difflib
import json
import re

from .conftest import EDITIONS

ALIGNMENTS = json.loads((EDITIONS / "alignments.json").read_text(encoding="utf-8"))
PHRASES = json.loads((EDITIONS / "phrases.json").read_text(encoding="utf-8"))

# Every statement of the set and the seeds: series, ordinal, meeting date, chair (ASEAN co-chair for the Dialogue) and
# city: "" for a summit by videoconference; a press release's dateline city (the ASEAN Secretariat's) for a virtual Dialogue.
STATEMENTS = {
    "asean_rok_summit_20_2018.txt": ("ASEAN-ROK Summit", 20, datetime.date(2018, 11, 14), "Lee Hsien Loong", "Singapore"),
    "seeds/003_5f11476294925706.txt": ("ASEAN-ROK Summit", 21, datetime.date(2020, 11, 12), "Nguyễn Xuân Phúc", ""),
    "asean_rok_summit_22_2021.txt": ("ASEAN-ROK Summit", 22, datetime.date(2021, 10, 26), "Hassanal Bolkiah", ""),
    "asean_rok_summit_23_2022.txt": ("ASEAN-ROK Summit", 23, datetime.date(2022, 11, 11), "Hun Sen", "Phnom Penh"),
    "asean_rok_summit_24_2023.txt": ("ASEAN-ROK Summit", 24, datetime.date(2023, 9, 6), "Joko Widodo", "Jakarta"),
    "asean_rok_summit_25_2024.txt": ("ASEAN-ROK Summit", 25, datetime.date(2024, 10, 10), "Sonexay Siphandone", "Vientiane"),
    "asean_rok_summit_26_2025.txt": ("ASEAN-ROK Summit", 26, datetime.date(2025, 10, 27), "Anwar Ibrahim", "Kuala Lumpur"),
    "seeds/000_931a6d2c2293319e.txt": ("ASEAN-ROK Dialogue", 24, datetime.date(2020, 8, 26), "Emaleen Abd Rahman Teo", "Jakarta"),
    "asean_rok_dialogue_25_2021.txt": ("ASEAN-ROK Dialogue", 25, datetime.date(2021, 7, 6), "Emaleen Abd Rahman Teo", "Jakarta"),
    "asean_rok_dialogue_26_2022.txt": ("ASEAN-ROK Dialogue", 26, datetime.date(2022, 7, 1), "Vu Ho", "Seoul"),
    "asean_rok_dialogue_27_2023.txt": ("ASEAN-ROK Dialogue", 27, datetime.date(2023, 5, 16), "Vu Ho", "Hạ Long"),
}


def printed_numbers(document):
    """{paragraph number: text}: the printed number, or for an unnumbered press release the position."""
    return {int(p.number) if p.number else p.position: " ".join(p.text.split()) for p in document.paragraphs.all()}


def likeness(a, b):
    """How alike two paragraphs' word sequences are, from 0 to 1."""
    return difflib.SequenceMatcher(None, re.findall(r"\w+", a.lower()), re.findall(r"\w+", b.lower()),
                                   autojunk=False).ratio()


def test_every_statement_comes_in_with_its_meeting(editions):
    assert set(editions) == set(STATEMENTS)
    for name, (series, ordinal, date, chair, city) in STATEMENTS.items():
        meeting = editions[name].meeting
        assert (meeting.series.name, meeting.ordinal, meeting.start_date, meeting.chair, meeting.city) == (
            series, ordinal, date, chair, city), name


def test_summit_statements_are_numbered_from_one_without_gaps(editions):
    for name, document in editions.items():
        if STATEMENTS[name][0] == "ASEAN-ROK Summit":
            numbers = list(document.paragraphs.values_list("number", flat=True))
            assert numbers == [str(n) for n in range(1, len(numbers) + 1)], name


def test_alignments_chain_every_consecutive_pair_of_editions():
    by_series = {}
    for name, (series, ordinal, *_) in sorted(STATEMENTS.items(), key=lambda item: item[1][:2]):
        by_series.setdefault(series, []).append(name)
    consecutive = [(a, b) for names in by_series.values() for a, b in zip(names, names[1:])]
    assert sorted((entry["a"], entry["b"]) for entry in ALIGNMENTS) == sorted(consecutive)


def test_alignments_account_for_every_stored_paragraph_once(editions):
    for entry in ALIGNMENTS:
        a_numbers = [a for a, _, _ in entry["pairs"]] + entry["dropped"]
        b_numbers = [b for _, b, _ in entry["pairs"]] + entry["added"]
        assert sorted(a_numbers) == sorted(printed_numbers(editions[entry["a"]])), entry["a"]
        assert sorted(b_numbers) == sorted(printed_numbers(editions[entry["b"]])), entry["b"]


def test_unchanged_pairs_are_word_for_word_and_reworded_pairs_are_the_closest_match(editions):
    for entry in ALIGNMENTS:
        a_texts, b_texts = printed_numbers(editions[entry["a"]]), printed_numbers(editions[entry["b"]])
        for a, b, change in entry["pairs"]:
            assert change in ("unchanged", "reworded")
            if change == "unchanged":
                assert a_texts[a] == b_texts[b], (entry["a"], a, entry["b"], b)
            else:
                assert a_texts[a] != b_texts[b], (entry["a"], a, entry["b"], b)
                closest = max(b_texts, key=lambda number: likeness(a_texts[a], b_texts[number]))
                assert closest == b, (entry["a"], a, entry["b"], b, closest)


def test_phrases_first_and_last_use_match_the_stored_text(editions):
    in_order = sorted(editions.items(), key=lambda item: item[1].meeting.start_date)
    for phrase in PHRASES:
        uses = [(name, number) for name, document in in_order
                for number, text in sorted(printed_numbers(document).items())
                if re.search(phrase["pattern"], text)]
        assert uses, phrase["phrase"]
        assert {"file": uses[0][0], "paragraph": uses[0][1]} == phrase["first"], phrase["phrase"]
        assert {"file": uses[-1][0], "paragraph": uses[-1][1]} == phrase["last"], phrase["phrase"]
        assert list(dict.fromkeys(name for name, _ in uses)) == phrase["editions"], phrase["phrase"]
