"""The alignment agrees with the one read by hand on the shared editions of the Summit and the Dialogue
(tests/data/editions/alignments.json: pairs of printed paragraph numbers, the new and the dropped)."""

import json

from archive.compare import UNCHANGED, compare, passages_of_document

from .conftest import EDITIONS

ALIGNMENTS = json.loads((EDITIONS / "alignments.json").read_text())
# The share of paragraphs whose partner (or absence of one) must agree with the hand-made alignment.
REQUIRED_AGREEMENT = 0.95


def decisions(pairs, added, dropped):
    """Every paragraph's fate: ("a", n) → its partner's number in b or None, and ("b", n) likewise."""
    fate = {("a", str(a)): str(b) for a, b, *_ in pairs}
    fate.update({("b", str(b)): str(a) for a, b, *_ in pairs})
    fate.update({("a", str(a)): None for a in dropped})
    fate.update({("b", str(b)): None for b in added})
    return fate


def ours(editions, entry):
    old, new = editions[entry["a"]], editions[entry["b"]]
    comparison = compare(passages_of_document(old), passages_of_document(new))
    pairs = [(row.old.label, row.new.label, row.status) for row in comparison.rows if row.old and row.new]
    added = [row.new.label for row in comparison.rows if row.old is None]
    dropped = [row.old.label for row in comparison.rows if row.new is None]
    return pairs, added, dropped


def test_the_alignment_of_every_pair_of_editions_agrees_with_the_hand_made_one(editions, capsys):
    agreed = total = statuses_agreed = statuses = 0
    report = []
    for entry in ALIGNMENTS:
        expected = decisions(entry["pairs"], entry["added"], entry["dropped"])
        pairs, added, dropped = ours(editions, entry)
        found = decisions(pairs, added, dropped)
        same = sum(found.get(key, "missing") == partner for key, partner in expected.items())
        agreed, total = agreed + same, total + len(expected)
        expected_status = {(str(a), str(b)): status for a, b, status in entry["pairs"]}
        for a, b, status in pairs:
            if (a, b) in expected_status:
                statuses += 1
                statuses_agreed += (status == UNCHANGED) == (expected_status[a, b] == UNCHANGED)
        report.append(f"{entry['a']} → {entry['b']}: {same}/{len(expected)}"
                      + "".join(f"\n   {key}: expected {partner}, found {found.get(key, 'missing')}"
                                for key, partner in expected.items() if found.get(key, "missing") != partner))
    with capsys.disabled():
        print("\nAlignment agreement:", f"{agreed}/{total} = {agreed / total:.1%};",
              f"unchanged or not: {statuses_agreed}/{statuses}", *report, sep="\n")
    assert agreed / total >= REQUIRED_AGREEMENT, "\n".join(report)
    assert statuses_agreed == statuses
