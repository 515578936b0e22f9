"""Golden files: each input under tests/data/ingest parses to the metadata and paragraphs next to it."""

import json
from pathlib import Path

import pytest

from archive.ingest import IngestError, parse_document
from archive.ingest.metadata import SeriesCatalogue

from .golden_builders import BUILDERS

DATA = Path(__file__).resolve().parent / "data" / "ingest"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CASES = sorted(path.name.removesuffix(".expected.json") for path in DATA.glob("*.expected.json"))


def catalogue():
    rows = json.loads((FIXTURES / "meeting_series.json").read_text(encoding="utf-8"))
    return SeriesCatalogue({row["fields"]["name"]: row["fields"]["aliases"].split("\n") if row["fields"]["aliases"] else []
                            for row in rows})


def input_file(name, tmp_path):
    """The case's input: stored next to its expected JSON, or built (PDF and Word) into tmp_path."""
    for built in BUILDERS:
        if built.rsplit(".", 1)[0] == name:
            path = tmp_path / built
            BUILDERS[built](path)
            return path
    (path,) = [p for p in DATA.glob(f"{name}.*") if not p.name.endswith(".expected.json")]
    return path


def as_json(parsed):
    metadata, meeting = parsed.metadata, parsed.metadata.meeting
    return {
        "title": metadata.title,
        "kind": metadata.kind,
        "published_on": metadata.published_on.isoformat() if metadata.published_on else None,
        "attachment_name": parsed.attachment_name,
        "meeting": meeting and {
            "series": meeting.series, "ordinal": meeting.ordinal,
            "start_date": meeting.start_date.isoformat() if meeting.start_date else None,
            "end_date": meeting.end_date.isoformat() if meeting.end_date else None,
            "city": meeting.city, "country": meeting.country, "mode": meeting.mode,
            "chair_country": meeting.chair_country,
        },
        "paragraphs": [{"number": p.number, "heading": p.heading, "text": p.text} for p in parsed.paragraphs],
        "mentions": [{"series": m.series, "ordinal": m.ordinal, "date": m.date.isoformat() if m.date else None}
                     for m in parsed.mentions],
    }


@pytest.mark.parametrize("name", CASES)
def test_golden_file(name, tmp_path):
    expected = json.loads((DATA / f"{name}.expected.json").read_text(encoding="utf-8"))
    path = input_file(name, tmp_path)
    data = path.read_bytes()
    if "error" in expected and expected["error"] != "no meeting":
        with pytest.raises(IngestError) as error:
            parse_document(data, path.name, catalogue(), 20 * 1024 * 1024)
        assert expected["error"] in str(error.value).lower()
        return
    parsed = parse_document(data, path.name, catalogue(), 20 * 1024 * 1024)
    if expected.get("error") == "no meeting":
        assert parsed.metadata.meeting is None  # the save step refuses it with that reason
        return
    actual = as_json(parsed)
    # Cases whose notes or field provenance matter (OCR, repairs) state them too.
    if "notes" in expected:
        actual["notes"] = parsed.notes
    if "extraction" in expected:
        actual["extraction"] = parsed.metadata.provenance
    assert actual["paragraphs"] == expected["paragraphs"]
    assert actual == expected


def test_a_file_over_the_size_limit_is_refused():
    with pytest.raises(IngestError, match="over the limit"):
        parse_document(b"x" * 2000, "big.txt", catalogue(), 1000)
