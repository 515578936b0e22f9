"""One atomic save: a parsed statement becomes a meeting, a document, its paragraphs and their links."""

import datetime
import difflib
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from ..models import Document, DocumentSource, DocumentVersion, Meeting, MeetingSeries, Paragraph
from ..search.indexing import enqueue_documents
from . import ParsedStatement, parse_document
from .errors import IngestError
from .metadata import MeetingInfo, SeriesCatalogue
from .structure import assign_anchors

# Two paragraphs this similar (share of their words in the same order) are one text with small changes.
SAME_PARAGRAPH = 0.9
# A text is a version of a stored document when this share of its paragraphs (or of the stored
# document's) is found in the other; when all of its paragraphs are, it is another copy (a source).
SHARED_FOR_VERSION = 0.6
# Fields of a document the admin can correct; a correction survives re-parsing.
CORRECTABLE_FIELDS = ("title", "kind", "published_on")
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


@dataclass
class Original:
    """A file as received, kept under ARCHIVE_DATA_DIR/originals with its checksum."""

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
    """The bytes of a kept original, given its path under ARCHIVE_DATA_DIR; checked against its checksum."""
    path = settings.DATA_DIR / stored_file
    if not stored_file or not path.is_file():
        raise IngestError("the original file is not in the archive's file store")
    data = path.read_bytes()
    if checksum and hashlib.sha256(data).hexdigest() != checksum:
        raise IngestError("the stored original does not match its checksum (damaged or cut short); upload it again")
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
    """Find the meeting by series and ordinal (or date), creating it or filling in what it lacks."""
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
        if info.ordinal and not meeting.ordinal:
            meeting.title = info.title
    if meeting.ordinal is None and info.ordinal is not None:
        meeting.ordinal = info.ordinal
    for name in ("start_date", "end_date", "city", "country", "mode", "chair", "chair_country", "co_chairs"):
        if not getattr(meeting, name) and getattr(info, name):
            setattr(meeting, name, getattr(info, name))
    meeting.save()
    return meeting


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


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
    """"copy" when every paragraph of `texts` is in `stored` (the same text, or part of it, perhaps with small
    changes), "version" when most of either is in the other, else None (another text)."""
    if not texts or not stored:
        return None
    new_in_stored = shared_paragraphs(texts, stored)
    if new_in_stored == len(texts):
        return "copy"
    stored_in_new = shared_paragraphs(stored, texts)
    if new_in_stored >= SHARED_FOR_VERSION * len(texts) or stored_in_new >= SHARED_FOR_VERSION * len(stored):
        return "version"
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


def record_version(document: Document, source: DocumentSource, label: str) -> DocumentVersion:
    """Keep the document's current paragraphs as a version read from `source` (replacing that source's)."""
    version = document.versions.filter(source=source).first()
    if version is None:
        number = (document.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        version = DocumentVersion(document=document, number=number, label=label, source=source)
    version.published_on = document.published_on
    version.paragraphs = paragraph_snapshot(document)
    version.save()
    return version


@transaction.atomic
def save_statement(parsed: ParsedStatement, original: Original, meeting: Meeting | None = None,
                   document: Document | None = None) -> ImportResult:
    """Save a parsed statement in `meeting` when given, else in the meeting its text names; into `document`
    when given (a re-parse of one of its originals).

    A document is matched by its meeting and its text, never by its file name alone: the same text (or part
    of it) becomes another source, a changed text a new version, another text a new document.
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
    fill_document(document, parsed, meeting)
    source = add_source(document, original, parsed.format)
    save_paragraphs(document, parsed, meeting)
    record_version(document, source, "as issued" if status == "imported" else
                   "corrected" if same_file is None and DocumentSource.objects.filter(
                       document=document, name=original.name).count() > 1 else "changed text")
    enqueue_documents([document.pk])
    return ImportResult(document, status, parsed.notes)


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


def save_paragraphs(document: Document, parsed: ParsedStatement, meeting: Meeting):
    # A text already in the archive keeps the time it arrived: search alerts announce only new text.
    added = dict(document.paragraphs.values_list("text", "added_at")) if document.pk else {}
    document.paragraphs.all().delete()
    texts = [paragraph.text for paragraph in parsed.paragraphs]
    numbers = [paragraph.number for paragraph in parsed.paragraphs]
    now = timezone.now()
    saved = Paragraph.objects.bulk_create(
        Paragraph(document=document, position=position, number=number, anchor=anchor, text=text,
                  heading=paragraph.heading, added_at=added.get(text, now))
        for position, (paragraph, number, anchor, text) in enumerate(
            zip(parsed.paragraphs, numbers, assign_anchors(numbers), texts), start=1)
    )
    for mention in parsed.mentions:
        mentioned = resolve_meeting(MeetingInfo(mention.series, mention.ordinal, mention.date), from_mention=True)
        if mention.special and mentioned.known_only_from_mentions and not mentioned.title.startswith("Special"):
            mentioned.title = mention.title
            mentioned.save(update_fields=["title"])
        if mentioned != meeting:
            saved[mention.paragraph].mentions.add(mentioned)


def import_statement(data: bytes, name: str, url: str = "", meeting: Meeting | None = None) -> ImportResult:
    """Read, parse and save one statement file; raises IngestError with the reason, having saved nothing."""
    if len(name) > 255:
        raise IngestError("the file name is longer than 255 characters")
    parsed = parse_document(data, name, series_catalogue(), settings.ARCHIVE_MAX_UPLOAD_BYTES)
    return save_statement(parsed, Original(name, data, url), meeting)


def reparse(document: Document) -> ImportResult:
    """Run the importer again on the stored original of the document's newest version."""
    newest = document.versions.order_by("-number").select_related("source").first()
    source = newest.source if newest and newest.source else document.primary_source
    if source is None:
        raise IngestError("this document has no stored original to re-parse")
    original = Original(source.name, read_original(source.stored_file, source.checksum), source.url,
                        source.retrieved_on)
    parsed = parse_document(original.data, source.name, series_catalogue(), settings.ARCHIVE_MAX_UPLOAD_BYTES)
    # A document filed by hand under a meeting (or under a meeting its text does not name) stays there.
    keep_meeting = parsed.metadata.meeting is None or document.extraction.get("meeting") == "corrected"
    return save_statement(parsed, original, document.meeting if keep_meeting else None, document=document)
