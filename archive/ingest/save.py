"""One atomic save: a parsed statement becomes a meeting, a document, its paragraphs and their links."""

import datetime
import difflib
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from ..models import Document, DocumentSource, DocumentVersion, Meeting, MeetingSeries, OriginalFile, Paragraph
from ..search.indexing import enqueue_documents, one_entry_per_document
from . import ParsedStatement, parse_document
from .corrections import apply_correction, apply_corrections, describe, words
from .errors import IngestError
from .mentions import find_mentions
from .metadata import MeetingInfo, SeriesCatalogue
from .structure import ParsedParagraph, assign_anchors

# Two paragraphs this similar (share of their words in the same order) are one text with small changes.
SAME_PARAGRAPH = 0.9
# A text is a version of a stored document when this share of its paragraphs (or of the stored
# document's) is found in the other; when all of its paragraphs are, it is another copy (a source).
SHARED_FOR_VERSION = 0.6
# Fields of a document the admin can correct; a correction survives re-parsing.
CORRECTABLE_FIELDS = ("title", "kind", "published_on")
# Fields of a meeting an import fills in; one the admin corrected (Meeting.corrections) is never changed.
MEETING_FIELDS = ("start_date", "end_date", "city", "country", "mode", "chair", "chair_country", "co_chairs")
NO_MEETING = (
    "no meeting of a known series (such as “21st ASEAN-ROK Summit”) is named in the title or text; "
    "choose the meeting, or add its series in the admin"
)


@dataclass
class ImportResult:
    document: Document
    # "imported"; "updated" (the same file read again); "version" (a changed text of `document`, kept as its
    # newest version); or "duplicate" (the same text, or part of it, recorded as another source of `document`)
    status: str
    notes: list[str]  # the reader's warnings, see ParsedStatement.notes
    # The admin's paragraph edits (Document.paragraph_corrections) that no longer apply to this text.
    unapplied: list[dict] = field(default_factory=list)


@dataclass
class Original:
    """A file as received, kept with its checksum in the database (so that every app server can read it) and
    under this server's ARCHIVE_DATA_DIR/originals."""

    name: str
    data: bytes
    url: str = ""
    retrieved_on: datetime.date | None = None

    @property
    def checksum(self):
        return hashlib.sha256(self.data).hexdigest()

    def store(self) -> str:
        suffix = Path(self.name).suffix.lower()[:10] if re.fullmatch(r"\.\w{1,9}", Path(self.name).suffix) else ""
        relative = Path("originals") / self.checksum[:2] / f"{self.checksum}{suffix}"
        path = settings.DATA_DIR / relative
        if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != self.checksum:
            write_atomically(path, self.data)
        if not OriginalFile.objects.filter(checksum=self.checksum).exists():
            # The same file stored at once through another server: one row is kept.
            OriginalFile.objects.bulk_create([OriginalFile(checksum=self.checksum, data=self.data)],
                                             ignore_conflicts=True)
        return str(relative)


def write_atomically(path: Path, data: bytes):
    """Write to a temporary file, flush it to disk and rename it, so a crash never leaves a file cut short."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def read_original(stored_file: str, checksum: str = "") -> bytes:
    """The bytes of a kept original, given its path under ARCHIVE_DATA_DIR (whose name holds its checksum), checked
    against its checksum. Read from this server's folder; when the file is not there (it was received by another
    server) or is damaged, from the database, and then kept in the folder again."""
    checksum = checksum or Path(stored_file).stem
    path = settings.DATA_DIR / stored_file
    if stored_file and path.is_file():
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() == checksum:
            return data
    kept = OriginalFile.objects.filter(checksum=checksum).first() if stored_file else None
    if kept is None:
        if stored_file and path.is_file():
            raise IngestError("the stored original does not match its checksum (damaged or cut short); upload it again")
        raise IngestError("the original file is not in the archive's file store")
    data = bytes(kept.data)
    if hashlib.sha256(data).hexdigest() != checksum:
        raise IngestError("the stored original does not match its checksum (damaged or cut short); upload it again")
    write_atomically(path, data)
    return data


def series_catalogue() -> SeriesCatalogue:
    every = list(MeetingSeries.objects.all())
    return SeriesCatalogue({series.name: series.alias_list() for series in every},
                           {series.name for series in every if series.known_only_from_mentions})


def unique_slug(model, base: str, exclude_pk=None) -> str:
    base = slugify(base)[:180] or "untitled"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def find_existing_meeting(info: MeetingInfo) -> Meeting | None:
    """The archive's meeting of this series with this ordinal or, failing that, held on this date."""
    meetings = Meeting.objects.filter(series__name=info.series)
    meeting = None
    if info.ordinal is not None:
        meeting = meetings.filter(ordinal=info.ordinal).first()
    if meeting is None and info.start_date is not None:
        same_or_no_ordinal = Q(ordinal=None) | Q(ordinal=info.ordinal) if info.ordinal else Q()
        meeting = meetings.filter(same_or_no_ordinal, start_date=info.start_date).first()
    return meeting


def series_named(name: str) -> MeetingSeries:
    """The series of this name; a series the archive does not hold yet (named by a mention) is created,
    marked as known only from mentions."""
    series = MeetingSeries.objects.filter(name=name).first()
    if series is None:
        series = MeetingSeries.objects.create(name=name, slug=unique_slug(MeetingSeries, name),
                                              known_only_from_mentions=True)
    return series


def resolve_meeting(info: MeetingInfo, from_mention=False) -> Meeting:
    """Find the meeting by series and ordinal (or date), creating it or filling in what it lacks (never a
    field an admin corrected)."""
    meeting = find_existing_meeting(info)
    if meeting is None:
        meeting = Meeting(series=series_named(info.series), title=info.title,
                          slug=unique_slug(Meeting, info.title), known_only_from_mentions=from_mention)
    if not from_mention and meeting.series.known_only_from_mentions:  # a statement of its own: a series now
        meeting.series.known_only_from_mentions = False
        meeting.series.save(update_fields=["known_only_from_mentions"])
    if not from_mention and meeting.known_only_from_mentions:
        # Its own statement completes a meeting that was known only from mentions.
        meeting.known_only_from_mentions = False
        if info.ordinal and not meeting.ordinal and not {"title", "ordinal"} & set(meeting.corrections):
            meeting.title = info.title
    if meeting.ordinal is None and info.ordinal is not None and "ordinal" not in meeting.corrections:
        meeting.ordinal = info.ordinal
    for name in MEETING_FIELDS:
        if not getattr(meeting, name) and getattr(info, name) and name not in meeting.corrections:
            setattr(meeting, name, getattr(info, name))
    meeting.save()
    return meeting


def shared_paragraphs(texts: list[str], others: list[str]) -> int:
    """How many of `texts` have a nearly identical paragraph (SAME_PARAGRAPH) among `others`."""
    candidates = [words(other) for other in others]
    shared = 0
    for text in texts:
        mine = words(text)
        matcher = difflib.SequenceMatcher(None, b=mine, autojunk=False)  # b is the side it indexes
        for other in candidates:
            matcher.set_seq1(other)
            if matcher.real_quick_ratio() >= SAME_PARAGRAPH and matcher.quick_ratio() >= SAME_PARAGRAPH \
                    and matcher.ratio() >= SAME_PARAGRAPH:
                shared += 1
                break
    return shared


def relation(texts: list[str], stored: list[str]) -> str | None:
    """"version" when `texts` is the stored text changed (most of the stored paragraphs are in it, and it
    adds or rewords some); "copy" when it is the same text or part of it (its paragraphs are in the stored
    text, perhaps with small changes: a stub, a partial copy); else None (another text)."""
    if not texts or not stored:
        return None
    new_in_stored = shared_paragraphs(texts, stored)
    if new_in_stored == len(texts):
        return "copy"
    if shared_paragraphs(stored, texts) >= SHARED_FOR_VERSION * len(stored):
        return "version"
    if new_in_stored >= SHARED_FOR_VERSION * len(texts):
        return "copy"
    return None


def find_related(meeting: Meeting, texts: list[str], first: Document | None = None):
    """(document, "copy" or "version") for the document of this meeting whose text this one repeats or
    revises (`first` is tried first), else (None, None)."""
    documents = list(meeting.documents.prefetch_related("paragraphs"))
    if first is not None and first in documents:
        documents.remove(first)
        documents.insert(0, first)
    for document in documents:
        found = relation(texts, [paragraph.text for paragraph in document.paragraphs.all()])
        if found:
            return document, found
    return None, None


def find_duplicate(meeting: Meeting, texts: list[str]) -> Document | None:
    """A document of this meeting whose text this one repeats (whole or in part)."""
    document, found = find_related(meeting, texts)
    return document if found == "copy" else None


def add_source(document: Document, original: Original, format: str) -> DocumentSource:
    source = document.sources.filter(checksum=original.checksum, name=original.name).first() or DocumentSource(
        document=document, name=original.name, checksum=original.checksum)
    source.url = original.url or source.url
    source.stored_file = original.store()
    source.format = format
    source.retrieved_on = original.retrieved_on or source.retrieved_on or datetime.date.today()
    source.save()
    return source


def paragraph_snapshot(document: Document) -> list[dict]:
    return [{"number": p.number, "heading": p.heading, "text": p.text, "anchor": p.anchor}
            for p in document.paragraphs.all()]


def record_version(document: Document, source: DocumentSource | None, label: str) -> DocumentVersion:
    """Keep the document's current paragraphs as a version read from `source` (replacing that source's), or
    as a new version when there is no source (an edit in the admin)."""
    version = document.versions.filter(source=source).first() if source else None
    if version is None:
        number = (document.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        version = DocumentVersion(document=document, number=number, label=label, source=source)
    version.published_on = document.published_on
    version.paragraphs = paragraph_snapshot(document)
    version.save()
    return version


def apply_edits(parsed: ParsedStatement, corrections: list[dict]) -> list[dict]:
    """Make the admin's edits of the paragraph split (see `corrections`) in a parse, and find again the meetings
    its paragraphs mention; returns the edits that no longer apply."""
    if not corrections:
        return []
    unapplied = apply_corrections(parsed.paragraphs, corrections)
    parsed.mentions = find_mentions([p.text for p in parsed.paragraphs], series_catalogue(), parsed.metadata.meeting)
    return unapplied


@transaction.atomic
@one_entry_per_document()
def save_statement(parsed: ParsedStatement, original: Original, meeting: Meeting | None = None,
                   document: Document | None = None, keep_paragraphs=False, edits: list[dict] = ()) -> ImportResult:
    """Save a parsed statement in `meeting` when given, else in the meeting its text names; into `document`
    when given (a re-parse of one of its originals), keeping its paragraphs as they are if `keep_paragraphs`.

    A document is matched by its meeting and its text, never by its file name alone: the same text (or part
    of it) becomes another source, a changed text a new version, another text a new document. The admin's
    edits of an existing document's paragraphs are applied again to the new text, then `edits` (made while
    reviewing the upload), which are recorded with them.
    """
    metadata = parsed.metadata
    if meeting is None:
        if metadata.meeting is None:
            raise IngestError(NO_MEETING)
        meeting = resolve_meeting(metadata.meeting)
    texts = [paragraph.text for paragraph in parsed.paragraphs]
    same_file = None if document else DocumentSource.objects.filter(
        checksum=original.checksum, name=original.name, document__meeting=meeting).select_related("document").first()
    if document is not None or same_file is not None:  # the same file read again: re-parse it in place
        document, status = document or same_file.document, "updated"
    else:
        same_name = DocumentSource.objects.filter(name=original.name, document__meeting=meeting).first()
        document, found = find_related(meeting, texts, same_name.document if same_name else None)
        if found == "copy":
            add_source(document, original, parsed.format)
            return ImportResult(document, "duplicate", parsed.notes)
        if document is not None and not document.versions.exists() and document.primary_source:
            record_version(document, document.primary_source, "as issued")
        status = "version" if document is not None else "imported"
        document = document or Document()
    document.paragraph_corrections = [*document.paragraph_corrections,
                                      *(edit for edit in edits if edit not in document.paragraph_corrections)]
    fill_document(document, parsed, meeting)
    source = add_source(document, original, parsed.format)
    unapplied = []
    if not keep_paragraphs:
        unapplied = apply_edits(parsed, document.paragraph_corrections)
        save_paragraphs(document, parsed.paragraphs, parsed.mentions, meeting)
    record_version(document, source, "as issued" if status == "imported" else
                   "corrected" if same_file is None and DocumentSource.objects.filter(
                       document=document, name=original.name).count() > 1 else "changed text")
    enqueue_documents([document.pk])
    notes = parsed.notes + [f"this paragraph edit no longer applies: {describe(edit)}" for edit in unapplied]
    return ImportResult(document, status, notes, unapplied)


def fill_document(document: Document, parsed: ParsedStatement, meeting: Meeting):
    """Set the document's fields from the parse, keeping every field an admin corrected."""
    metadata = parsed.metadata
    corrected = {name for name, how in (document.extraction or {}).items() if how == "corrected"}
    if "meeting" not in corrected or document.meeting_id is None:
        document.meeting = meeting
    values = {"title": metadata.title, "kind": metadata.kind, "published_on": metadata.published_on}
    for name, value in values.items():
        if name not in corrected or not document.pk:
            setattr(document, name, value)
    document.summary = metadata.summary
    document.attachment_name = parsed.attachment_name
    document.raw_text = parsed.text
    document.extraction = {**metadata.provenance, **{name: "corrected" for name in corrected}}
    if not document.slug:
        document.slug = unique_slug(Document, document.title)
    document.save()


def stable_anchors(document: Document, paragraphs: list[ParsedParagraph]) -> list[str]:
    """assign_anchors' ids, except that a paragraph saved before with the same number and text keeps its
    anchor: links to the paragraphs an edit or a re-parse did not change still find them."""
    kept = {}
    for number, text, anchor in document.paragraphs.values_list("number", "text", "anchor"):
        kept.setdefault((number, text), []).append(anchor)
    anchors = [kept[key].pop(0) if kept.get(key) else None for key in ((p.number, p.text) for p in paragraphs)]
    used = set(filter(None, anchors))
    for index, fresh in enumerate(assign_anchors([p.number for p in paragraphs])):
        if anchors[index] is None:
            candidate, n = fresh, 2
            while candidate in used:
                candidate, n = f"{fresh}-{n}", n + 1
            used.add(candidate)
            anchors[index] = candidate
    return anchors


def save_paragraphs(document: Document, paragraphs: list[ParsedParagraph], mentions: list, meeting: Meeting):
    anchors = stable_anchors(document, paragraphs)
    # A text already in the archive keeps the time it arrived: search alerts announce only new text.
    added = dict(document.paragraphs.values_list("text", "added_at")) if document.pk else {}
    document.paragraphs.all().delete()
    now = timezone.now()
    saved = Paragraph.objects.bulk_create(
        Paragraph(document=document, position=position, number=paragraph.number, anchor=anchor,
                  text=paragraph.text, heading=paragraph.heading, added_at=added.get(paragraph.text, now))
        for position, (paragraph, anchor) in enumerate(zip(paragraphs, anchors), start=1)
    )
    for mention in mentions:
        mentioned = resolve_meeting(MeetingInfo(mention.series, mention.ordinal, mention.date), from_mention=True)
        if mention.special and mentioned.known_only_from_mentions and not mentioned.title.startswith("Special") \
                and "title" not in mentioned.corrections:
            mentioned.title = mention.title
            mentioned.save(update_fields=["title"])
        if mentioned != meeting:
            saved[mention.paragraph].mentions.add(mentioned)


@transaction.atomic
@one_entry_per_document()
def edit_paragraphs(document: Document, correction: dict) -> bool:
    """Apply one of the admin's edits of the paragraph split (see `corrections`), keep it for re-parses,
    re-index the document and keep the result as a new version; False, changing nothing, when it does not
    apply."""
    paragraphs = [ParsedParagraph(p.number, p.text, p.heading) for p in document.paragraphs.all()]
    if not apply_correction(paragraphs, correction):
        return False
    document.paragraph_corrections = [*document.paragraph_corrections, correction]
    document.save(update_fields=["paragraph_corrections"])
    meeting = document.meeting
    own = MeetingInfo(meeting.series.name, meeting.ordinal, meeting.start_date)
    save_paragraphs(document, paragraphs, find_mentions([p.text for p in paragraphs], series_catalogue(), own), meeting)
    record_version(document, None, "edited in the admin")
    enqueue_documents([document.pk])
    return True


def import_statement(data: bytes, name: str, url: str = "", meeting: Meeting | None = None) -> ImportResult:
    """Read, parse and save one statement file; raises IngestError with the reason, having saved nothing."""
    if len(name) > 255:
        raise IngestError("the file name is longer than 255 characters")
    parsed = parse_document(data, name, series_catalogue(), settings.ARCHIVE_MAX_UPLOAD_BYTES)
    return save_statement(parsed, Original(name, data, url), meeting)


@dataclass
class Reparse:
    """What re-parsing a document's stored original reads, before anything is saved."""

    document: Document
    original: Original
    parsed: ParsedStatement
    paragraphs: list[ParsedParagraph]  # the parse's paragraphs with the admin's edits applied again
    unapplied: list[dict]  # the admin's edits that no longer apply


@dataclass
class Change:
    """A field a re-parse would change."""

    name: str  # a field of the document (CORRECTABLE_FIELDS or "meeting"), of its meeting, or "paragraphs"
    current: object
    reparsed: object
    corrected: bool  # the admin set the current value: kept unless the change is accepted


def read_again(document: Document) -> Reparse:
    """Parse the stored original of the document's newest version again, saving nothing."""
    newest = document.versions.exclude(source=None).order_by("-number").select_related("source").first()
    source = newest.source if newest else document.primary_source
    if source is None:
        raise IngestError("this document has no stored original to re-parse")
    original = Original(source.name, read_original(source.stored_file, source.checksum), source.url,
                        source.retrieved_on)
    parsed = parse_document(original.data, source.name, series_catalogue(), settings.ARCHIVE_MAX_UPLOAD_BYTES)
    paragraphs = [ParsedParagraph(p.number, p.text, p.heading) for p in parsed.paragraphs]
    return Reparse(document, original, parsed, paragraphs, apply_corrections(paragraphs, document.paragraph_corrections))


def reparse_changes(reparse: Reparse) -> list[Change]:
    """What saving the re-parse would change, field by field: the document's fields, its meeting, the empty
    fields of its meeting the text fills (or a corrected one it reads otherwise) and its paragraphs."""
    document, metadata = reparse.document, reparse.parsed.metadata
    corrected = {name for name, how in document.extraction.items() if how == "corrected"}
    changes = [Change(name, getattr(document, name), getattr(metadata, name), name in corrected)
               for name in CORRECTABLE_FIELDS if getattr(document, name) != getattr(metadata, name)]
    info, meeting = metadata.meeting, document.meeting
    found = find_existing_meeting(info) if info else None
    if info and found != meeting:
        changes.append(Change("meeting", meeting, found or f"{info.title} (new)", "meeting" in corrected))
    elif info:
        for name in MEETING_FIELDS:
            current, reparsed = getattr(meeting, name), getattr(info, name)
            if reparsed and reparsed != current and (not current or name in meeting.corrections):
                changes.append(Change(name, current, reparsed, name in meeting.corrections))
    current = [(p.number, p.heading, p.text) for p in document.paragraphs.all()]
    if current != [(p.number, p.heading, p.text) for p in reparse.paragraphs]:
        changes.append(Change("paragraphs", len(current), len(reparse.paragraphs), False))
    return changes


@transaction.atomic
@one_entry_per_document()
def apply_reparse(reparse: Reparse, accepted: set[str]) -> ImportResult:
    """Save the re-parse, taking the changes named in `accepted`; a change not accepted keeps the current
    value, which counts from now on as the admin's correction."""
    document, meeting = reparse.document, reparse.document.meeting
    changes = {change.name: change for change in reparse_changes(reparse)}
    for name, change in changes.items():
        if name in MEETING_FIELDS and name in accepted:
            setattr(meeting, name, change.reparsed)
            meeting.corrections = [other for other in meeting.corrections if other != name]
        elif name in MEETING_FIELDS:
            meeting.corrections = sorted({*meeting.corrections, name})
        elif name in accepted:
            document.extraction.pop(name, None)
        elif name != "paragraphs":
            document.extraction[name] = "corrected"
    if changes.keys() & set(MEETING_FIELDS):
        meeting.save()
    parsed = reparse.parsed
    # A document filed by hand under a meeting (or under a meeting its text does not name) stays there.
    keep_meeting = parsed.metadata.meeting is None or document.extraction.get("meeting") == "corrected"
    return save_statement(parsed, reparse.original, meeting if keep_meeting else None, document=document,
                          keep_paragraphs="paragraphs" in changes and "paragraphs" not in accepted)


def reparse(document: Document) -> ImportResult:
    """Run the importer again on the stored original of the document's newest version, taking every change
    except to the fields the admin corrected."""
    again = read_again(document)
    return apply_reparse(again, {change.name for change in reparse_changes(again) if not change.corrected})
