"""One atomic save: a parsed statement becomes a meeting, a document and its paragraphs."""

from dataclasses import dataclass

from django.db import transaction
from django.utils.text import slugify

from ..models import Document, Meeting, MeetingSeries, Paragraph
from ..sanitize import plain_text
from ..search.indexing import enqueue_documents
from . import ParsedStatement, parse_statement
from .errors import IngestError
from .metadata import SeriesCatalogue
from .readers import read_upload


@dataclass
class ImportResult:
    document: Document
    created: bool


def series_catalogue() -> SeriesCatalogue:
    return SeriesCatalogue({series.name: series.alias_list() for series in MeetingSeries.objects.all()})


def unique_slug(model, base: str, exclude_pk=None) -> str:
    base = slugify(base)[:180] or "untitled"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def save_meeting(info) -> Meeting:
    """Find the meeting by series and ordinal (or date), filling in what it does not know yet."""
    series = MeetingSeries.objects.get(name=info.series)
    if info.ordinal is not None:
        meeting = Meeting.objects.filter(series=series, ordinal=info.ordinal).first()
    else:
        meeting = Meeting.objects.filter(series=series, ordinal=None, start_date=info.start_date).first()
    if meeting is None:
        meeting = Meeting(series=series, ordinal=info.ordinal, title=info.title)
        meeting.slug = unique_slug(Meeting, info.title)
    for name in ("start_date", "end_date", "city", "country", "mode", "chair", "chair_country", "co_chairs"):
        if not getattr(meeting, name) and getattr(info, name):
            setattr(meeting, name, getattr(info, name))
    meeting.save()
    return meeting


NO_MEETING = (
    "no meeting of a known series (such as “21st ASEAN-ROK Summit”) is named in the title or text; "
    "choose the meeting, or add its series in the admin"
)


@transaction.atomic
def save_statement(parsed: ParsedStatement, source_name: str, raw_text: str, source_url: str = "",
                   meeting: Meeting | None = None) -> ImportResult:
    """Save a parsed statement, in `meeting` when given, else in the meeting its text names."""
    metadata = parsed.metadata
    if meeting is None:
        if metadata.meeting is None:
            raise IngestError(NO_MEETING)
        meeting = save_meeting(metadata.meeting)
    document = Document.objects.filter(source_name=source_name).first()
    created = document is None
    if created:
        document = Document(source_name=source_name)
    document.meeting = meeting
    document.title = plain_text(metadata.title)
    document.kind = metadata.kind
    document.published_on = metadata.published_on
    document.summary = plain_text(metadata.summary)
    document.attachment_name = plain_text(parsed.attachment_name)
    document.raw_text = raw_text
    document.source_url = source_url or document.source_url
    if not document.slug:
        document.slug = unique_slug(Document, document.title)
    document.save()
    document.paragraphs.all().delete()
    Paragraph.objects.bulk_create(
        Paragraph(document=document, position=position, number=number, text=plain_text(text))
        for position, (number, text) in enumerate(parsed.paragraphs, start=1)
    )
    enqueue_documents([document.pk])
    return ImportResult(document, created)


def import_statement(data: bytes, source_name: str, max_bytes: int, source_url: str = "",
                     meeting: Meeting | None = None) -> ImportResult:
    """Read, parse and save one statement; raises IngestError with the reason, having saved nothing."""
    if len(source_name) > 255:
        raise IngestError("the file name is longer than 255 characters")
    text = read_upload(data, source_name, max_bytes)
    parsed = parse_statement(text, series_catalogue())
    return save_statement(parsed, source_name, text, source_url, meeting)
