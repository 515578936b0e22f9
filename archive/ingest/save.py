"""One atomic save: a parsed statement becomes a meeting, a document, its paragraphs and their links."""

import datetime
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify

from ..models import Document, DocumentSource, Meeting, MeetingSeries, Paragraph
from ..search.indexing import enqueue_documents
from . import ParsedStatement, parse_document
from .errors import IngestError
from .metadata import MeetingInfo, SeriesCatalogue
from .structure import assign_anchors

# Paragraph text this similar (Jaccard of word 5-grams) is the same statement from another publisher.
DUPLICATE_SIMILARITY = 0.8
NO_MEETING = (
    "no meeting of a known series (such as “21st ASEAN-ROK Summit”) is named in the title or text; "
    "choose the meeting, or add its series in the admin"
)


@dataclass
class ImportResult:
    document: Document
    status: str  # "imported", "updated" or "duplicate" (recorded as another source of `document`)
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
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(self.data)
        return str(relative)


def read_original(stored_file: str) -> bytes:
    """The bytes of a kept original, given its path under ARCHIVE_DATA_DIR."""
    path = settings.DATA_DIR / stored_file
    if not stored_file or not path.is_file():
        raise IngestError("the original file is not in the archive's file store")
    return path.read_bytes()


def series_catalogue() -> SeriesCatalogue:
    return SeriesCatalogue({series.name: series.alias_list() for series in MeetingSeries.objects.all()})


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


def resolve_meeting(info: MeetingInfo, from_mention=False) -> Meeting:
    """Find the meeting by series and ordinal (or date), creating it or filling in what it lacks."""
    meeting = find_existing_meeting(info)
    if meeting is None:
        meeting = Meeting(series=MeetingSeries.objects.get(name=info.series), title=info.title,
                          slug=unique_slug(Meeting, info.title), known_only_from_mentions=from_mention)
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


def shingles(texts) -> set:
    words = re.findall(r"\w+", " ".join(texts).lower())
    return {" ".join(words[i:i + 5]) for i in range(max(1, len(words) - 4))}


def find_duplicate(meeting: Meeting, texts: list[str]) -> Document | None:
    """A document of this meeting whose paragraphs are nearly the same text."""
    new = shingles(texts)
    for document in meeting.documents.prefetch_related("paragraphs"):
        old = shingles(p.text for p in document.paragraphs.all())
        if new and old and len(new & old) / len(new | old) >= DUPLICATE_SIMILARITY:
            return document
    return None


def add_source(document: Document, original: Original, format: str) -> DocumentSource:
    source, _ = DocumentSource.objects.update_or_create(name=original.name, defaults={
        "document": document, "url": original.url, "checksum": original.checksum, "stored_file": original.store(),
        "format": format, "retrieved_on": original.retrieved_on or datetime.date.today(),
    })
    return source


@transaction.atomic
def save_statement(parsed: ParsedStatement, original: Original, meeting: Meeting | None = None) -> ImportResult:
    """Save a parsed statement in `meeting` when given, else in the meeting its text names."""
    metadata = parsed.metadata
    if meeting is None:
        if metadata.meeting is None:
            raise IngestError(NO_MEETING)
        meeting = resolve_meeting(metadata.meeting)
    texts = [paragraph.text for paragraph in parsed.paragraphs]
    source = DocumentSource.objects.filter(name=original.name).select_related("document").first()
    document = source.document if source else None
    if document is None:
        duplicate = find_duplicate(meeting, texts)
        if duplicate is not None:
            add_source(duplicate, original, parsed.format)
            return ImportResult(duplicate, "duplicate", parsed.notes)
        document = Document()
    status = "updated" if document.pk else "imported"
    document.meeting = meeting
    document.title = metadata.title
    document.kind = metadata.kind
    document.published_on = metadata.published_on
    document.summary = metadata.summary
    document.attachment_name = parsed.attachment_name
    document.raw_text = parsed.text
    document.extraction = metadata.provenance
    if not document.slug:
        document.slug = unique_slug(Document, document.title)
    document.save()
    add_source(document, original, parsed.format)
    document.paragraphs.all().delete()
    numbers = [paragraph.number for paragraph in parsed.paragraphs]
    saved = Paragraph.objects.bulk_create(
        Paragraph(document=document, position=position, number=number, anchor=anchor, text=text,
                  heading=paragraph.heading)
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
    enqueue_documents([document.pk])
    return ImportResult(document, status, parsed.notes)


def import_statement(data: bytes, name: str, url: str = "", meeting: Meeting | None = None) -> ImportResult:
    """Read, parse and save one statement file; raises IngestError with the reason, having saved nothing."""
    if len(name) > 255:
        raise IngestError("the file name is longer than 255 characters")
    parsed = parse_document(data, name, series_catalogue(), settings.ARCHIVE_MAX_UPLOAD_BYTES)
    return save_statement(parsed, Original(name, data, url), meeting)


def reparse(document: Document) -> ImportResult:
    """Run the importer again on the stored original of a document's first source."""
    source = document.primary_source
    if source is None:
        raise IngestError("this document has no stored original to re-parse")
    original = Original(source.name, read_original(source.stored_file), source.url, source.retrieved_on)
    parsed = parse_document(original.data, source.name, series_catalogue(), settings.ARCHIVE_MAX_UPLOAD_BYTES)
    # A document filed by hand under a meeting its text does not name stays there.
    return save_statement(parsed, original, document.meeting if parsed.metadata.meeting is None else None)
