"""The public archive as one zip of JSON lines, one file per model, streamed as it is written.

Each line is a row in Django's "jsonl" serialization ({"model", "pk", "fields"}), as `manage.py export_archive`
writes its backup (archive/backup.py), but with only the public fields: no original files' paths on the server,
no raw text before cleaning, no importer's notes or admin corrections, no users. A paragraph's `mentions` are
the ids of the meetings it names.
"""

import datetime
import io
import zipfile

from django.core import serializers

from .models import Document, DocumentSource, DocumentVersion, Meeting, MeetingSeries, Paragraph

# (file in the zip, model, its public fields), in an order that loads: each model after those it refers to.
PUBLIC_FILES = [
    ("meeting_series.jsonl", MeetingSeries, ["name", "slug", "aliases", "known_only_from_mentions"]),
    ("meetings.jsonl", Meeting, ["series", "ordinal", "title", "slug", "start_date", "end_date", "venue", "city",
                                 "country", "mode", "chair", "chair_country", "co_chairs", "known_only_from_mentions"]),
    ("documents.jsonl", Document, ["meeting", "title", "kind", "slug", "published_on", "summary", "attachment_name",
                                   "imported_at"]),
    ("document_sources.jsonl", DocumentSource, ["document", "name", "url", "checksum", "format", "retrieved_on"]),
    ("document_versions.jsonl", DocumentVersion, ["document", "number", "label", "source", "published_on",
                                                  "received_at", "paragraphs"]),
    ("paragraphs.jsonl", Paragraph, ["document", "position", "number", "anchor", "heading", "text", "mentions",
                                     "added_at"]),
]
ROWS_PER_CHUNK = 500  # rows read from the database, and written to the client, at a time
ZIP_NAME = "asean-rok-archive.zip"
README = """ASEAN-ROK Archive: the public archive, exported {moment}

One file per model, one JSON object a line, as Django's "jsonl" serializer writes them:
{{"model": "archive.<model>", "pk": <id>, "fields": {{...}}}}. Fields that refer to another row hold its id
(meetings.series, documents.meeting, document_sources.document, document_versions.document and .source,
paragraphs.document); paragraphs.mentions lists the ids of the meetings a paragraph names.

{files}
"""


class Chunks(io.RawIOBase):
    """A write-only stream that keeps what is written until it is taken: zipfile writes into it, the response
    sends each piece taken. It cannot seek, so zipfile writes each entry's sizes after its data."""

    def __init__(self):
        self.pieces = []

    def writable(self):
        return True

    def write(self, data):
        self.pieces.append(bytes(data))
        return len(data)

    def take(self):
        data = b"".join(self.pieces)
        self.pieces.clear()
        return data


def public_rows(model, fields):
    queryset = model.objects.order_by("pk")
    if "mentions" in fields:
        queryset = queryset.prefetch_related("mentions")
    return queryset.iterator(chunk_size=ROWS_PER_CHUNK)


def chunked(rows):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == ROWS_PER_CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def readme_text():
    files = "\n".join(f"{name}: {model._meta.verbose_name_plural}, fields {', '.join(fields)}"
                      for name, model, fields in PUBLIC_FILES)
    return README.format(moment=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"), files=files)


def stream_archive_zip():
    """The zip's bytes, piece by piece: README.txt, then each model's file."""
    sink = Chunks()
    serializer = serializers.get_serializer("jsonl")()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme_text())
        yield sink.take()
        for name, model, fields in PUBLIC_FILES:
            with archive.open(name, "w") as entry, io.TextIOWrapper(entry, encoding="utf-8", newline="\n") as text:
                for batch in chunked(public_rows(model, fields)):
                    serializer.serialize(batch, fields=fields, stream=text, ensure_ascii=False)
                    text.flush()
                    yield sink.take()
            yield sink.take()
    yield sink.take()
