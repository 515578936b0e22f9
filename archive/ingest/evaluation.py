"""How well the importer reads a corpus of statements whose truth is known, field by field.

Each case is an input file and `NAME.truth.json` beside it (see tests/data/ingest/corpus/README.md).
`evaluate_corpus` imports every case into the current database through the normal save path (the
files other cases duplicate or revise first) and compares what was stored with the truth.
"""

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from ..models import Document, DocumentSource
from .errors import IngestError
from .readers import SUPPORTED_EXTENSIONS
from .save import import_statement

TRUTH_SUFFIX = ".truth.json"
# Report columns, in order: the field name and how it reads in the table.
FIELDS = [
    ("imported", "imported or refused"), ("series", "series"), ("ordinal", "ordinal"),
    ("held", "date held"), ("published_on", "date published"), ("kind", "kind"), ("title", "title"),
    ("city", "city"), ("country", "country"), ("mode", "mode"), ("chair", "chair"),
    ("chair_country", "chair country"), ("paragraph_count", "paragraph count"), ("numbers", "printed numbers"),
    ("headings", "headings"), ("furniture", "no furniture"), ("joined", "joined breaks"), ("mentions", "mentions"),
    ("duplicate", "duplicate source"),
]
# Fields of the document's own text: not scored for a file stored as another source of a document.
TEXT_FIELDS = {"published_on", "kind", "title", "paragraph_count", "numbers", "headings", "furniture", "joined",
               "mentions"}
# An extracted chair longer than this is a sentence, not a name.
CHAIR_MAX_CHARACTERS = 80
HONORIFICS = re.compile(
    r"\b(h\.?\s?e\.?|his|her|excellency|majesty|royal|highness|mr|ms|mrs|dr|samdech|akka moha sena padei techo"
    r"|sultan|haji|prime minister|president|minister)\b")


@dataclass
class CaseResult:
    name: str
    status: str
    reason: str = ""
    scores: dict = field(default_factory=dict)  # field -> True (right), False (wrong); absent when not scored
    got: dict = field(default_factory=dict)  # field -> what the importer stored, for the misses


def fold(text) -> str:
    """Case, accents, quotes, dashes and spacing folded, for comparing names and titles."""
    text = unicodedata.normalize("NFKD", str(text or ""))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"[‐-―−]", "-", text)
    return re.sub(r"\s+", " ", text).strip()


def squeeze(text) -> str:
    """Letters and digits only: "Ha Noi" and "Hanoi", "Nay Pyi Taw" and "Naypyitaw" compare equal."""
    return re.sub(r"[^0-9a-z]", "", fold(text))


def person_words(text) -> list[str]:
    """A person's name as words without honorifics: "Rodrigo Duterte" is within "Rodrigo Roa Duterte"."""
    return [squeeze(word) for word in HONORIFICS.sub(" ", fold(text)).split() if squeeze(word)]


def case_name(file_name: str) -> str:
    """A case as the truth names it, with or without the input's extension."""
    path = Path(file_name)
    return path.stem if path.suffix.lower() in SUPPORTED_EXTENSIONS else file_name


def load_cases(folder: Path):
    """(input path, truth) for every case, the files that others copy or revise first."""
    cases = []
    for truth_path in sorted(folder.glob(f"*{TRUTH_SUFFIX}")):
        name = truth_path.name.removesuffix(TRUTH_SUFFIX)
        inputs = [p for p in folder.glob(f"{name}.*") if p != truth_path and not p.name.endswith(".json")]
        if len(inputs) != 1:
            raise ValueError(f"{truth_path.name}: expected one input file beside it, found {len(inputs)}")
        cases.append((inputs[0], json.loads(truth_path.read_text(encoding="utf-8"))))
    return sorted(cases, key=lambda case: bool(case[1].get("duplicate_of") or case[1].get("version_of")))


def stored_fields(document: Document, version=None) -> dict:
    """What the archive holds for a document, with the paragraphs of `version` (an earlier text) when given."""
    meeting = document.meeting
    paragraphs = list(document.paragraphs.prefetch_related("mentions__series"))
    mentions = {(fold(m.series.name), m.ordinal, m.start_date.isoformat() if m.start_date else None)
                for paragraph in paragraphs for m in paragraph.mentions.all()}
    if version is not None:
        paragraphs = [SimpleNamespace(**row) for row in version.paragraphs]
    headings = []
    for paragraph in paragraphs:
        if paragraph.heading and paragraph.heading not in headings:
            headings.append(paragraph.heading)
    return {
        "series": meeting.series.name, "ordinal": meeting.ordinal,
        "held": [meeting.start_date and meeting.start_date.isoformat(), meeting.end_date and meeting.end_date.isoformat()],
        "published_on": document.published_on and document.published_on.isoformat(),
        "kind": document.kind, "title": document.title, "city": meeting.city, "country": meeting.country,
        "mode": meeting.mode, "chair": meeting.chair, "chair_country": meeting.chair_country,
        "paragraph_count": len(paragraphs), "numbers": [p.number for p in paragraphs], "headings": headings,
        "texts": [fold(p.text) for p in paragraphs] + [fold(h) for h in headings], "mentions": mentions,
    }


def same_mention(truth_mention, stored) -> bool:
    series, ordinal, date = fold(truth_mention["series"]), truth_mention.get("ordinal"), truth_mention.get("date")
    return any(s == series and (ordinal is None or o == ordinal) and (date is None or d == date or d is None)
               for s, o, d in stored)


def score(truth: dict, got: dict, documents_by_file: dict, name: str, copies_of: dict) -> tuple[dict, dict]:
    """(field -> right or wrong, field -> what was stored) for the fields the truth gives."""
    scores, shown = {}, {}

    def check(key, right, value):
        scores[key] = bool(right)
        if not right:
            shown[key] = value

    for key in ("series", "kind", "country", "chair_country", "mode"):
        if key in truth:
            check(key, fold(truth[key]) == fold(got[key]), got[key])
    for key in ("ordinal", "published_on", "paragraph_count", "numbers", "headings"):
        if key in truth:
            check(key, truth[key] == got[key] if key != "headings" else
                  [fold(h) for h in truth[key]] == [fold(h) for h in got[key]], got[key])
    if "start_date" in truth or "end_date" in truth:
        check("held", [truth.get("start_date"), truth.get("end_date")] == got["held"], got["held"])
    if "title" in truth and truth["title"] is not None:
        check("title", fold(truth["title"]) == fold(got["title"]), got["title"])
    if "city" in truth:
        check("city", squeeze(truth["city"]) == squeeze(got["city"]), got["city"])
    if "chair" in truth:
        chair = truth["chair"]
        right = (not got["chair"]) if not chair else (
            set(person_words(chair)) <= set(person_words(got["chair"])) and len(got["chair"]) <= CHAIR_MAX_CHARACTERS)
        check("chair", right, got["chair"])
    if "furniture" in truth:
        kept = [s for s in truth["furniture"] if any(fold(s) in text for text in got["texts"])]
        check("furniture", not kept, kept)
    if "joined" in truth:
        cut = [s for s in truth["joined"] if not any(fold(s) in text for text in got["texts"])]
        check("joined", not cut, cut)
    if "mentions" in truth:
        missing = [m for m in truth["mentions"] if not same_mention(m, got["mentions"])]
        extra = len(got["mentions"]) - (len(truth["mentions"]) - len(missing))
        check("mentions", not missing and extra <= 0, {"missing": missing, "extra": max(extra, 0)})
    if "duplicate_of" in truth or "version_of" in truth:
        other = case_name(truth.get("duplicate_of") or truth.get("version_of") or "")
        mine = documents_by_file.get(name)
        if other:
            check("duplicate", mine is not None and mine == documents_by_file.get(other), "a document of its own")
        else:  # its document holds no other file but those declared copies or versions of it
            merged = [f for f, doc in documents_by_file.items()
                      if f != name and doc == mine and f not in copies_of.get(name, ())]
            check("duplicate", not merged, f"merged with {merged}")
    return scores, shown


def evaluate_corpus(folder: Path, progress=lambda cases: cases) -> list[CaseResult]:
    """Import every case of `folder` into the current database and score it against its truth."""
    cases = load_cases(folder)
    results, documents_by_file = [], {}
    for path, truth in progress(cases):
        try:
            result = import_statement(path.read_bytes(), path.name)
        except IngestError as error:
            results.append(CaseResult(path.stem, "refused", str(error)))
        else:
            results.append(CaseResult(path.stem, result.status))
    for source in DocumentSource.objects.all():
        documents_by_file[Path(source.name).stem] = source.document_id
    copies_of = {}  # case -> the cases that declare themselves its copies or versions
    for path, truth in cases:
        other = case_name(truth.get("duplicate_of") or truth.get("version_of") or "")
        if other:
            copies_of.setdefault(other, set()).add(path.stem)
    for (path, truth), result in zip(cases, results):
        imported = result.status != "refused"
        expected = truth.get("imported", True)
        result.scores["imported"] = imported == expected
        if not result.scores["imported"]:
            result.got["imported"] = result.reason or result.status
        elif not expected and truth.get("reason"):
            result.scores["imported"] = truth["reason"].lower() in result.reason.lower()
            result.got["imported"] = result.reason
        if not imported or not expected:
            continue
        document = Document.objects.get(pk=documents_by_file[path.stem])
        # A file whose text a later version changed is compared with its own version's paragraphs.
        own = document.versions.filter(source__name=path.name).order_by("-number").first()
        newest = document.versions.order_by("-number").first()
        earlier = own if own is not None and own != newest else None
        scores, shown = score(truth, stored_fields(document, earlier), documents_by_file, path.stem, copies_of)
        if earlier is not None:
            scores.pop("title", None)
        if truth.get("duplicate_of"):
            scores = {key: value for key, value in scores.items() if key not in TEXT_FIELDS}
        result.scores.update(scores)
        result.got.update({key: value for key, value in shown.items() if key in scores})
    return results


def accuracy_rows(results: list[CaseResult]):
    """(label, right, scored, files that miss) for every field."""
    rows = []
    for key, label in FIELDS:
        scored = [r for r in results if key in r.scores]
        misses = [r.name for r in scored if not r.scores[key]]
        rows.append((label, len(scored) - len(misses), len(scored), misses))
    return rows
