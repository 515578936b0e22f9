"""A backup of the whole archive as a folder: every row as JSON (Django's serializer) and the original files.

    PATH/archive.json             meeting series, meetings, documents, sources, paragraphs (with their
                                  mentions), alias groups and topics, with their ids
    PATH/originals/xx/<sha256>.*  each original file, laid out as under ARCHIVE_DATA_DIR

Every original is checked against its source's SHA-256 when it is written and when it is read back.
"""

import hashlib
import shutil
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.db import transaction

from .ingest.errors import IngestError
from .ingest.save import Original, read_original
from .models import AliasGroup, Document, DocumentSource, DocumentVersion, Meeting, MeetingSeries, Paragraph, Topic

# In an order that loads: each model after those it refers to.
MODELS = [MeetingSeries, Meeting, Document, DocumentSource, DocumentVersion, Paragraph, AliasGroup, Topic]
DUMP = "archive.json"


class BackupError(Exception):
    pass


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def copy_checked(source: Path, target: Path, checksum: str):
    if not source.is_file():
        raise BackupError(f"{source} is missing")
    if sha256(source) != checksum:
        raise BackupError(f"{source} does not match its SHA-256 {checksum}")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    if sha256(target) != checksum:
        raise BackupError(f"{target} was not copied whole")


def originals(sources):
    """{stored file: checksum}, once per file (sources of the same bytes share one)."""
    files = {source.stored_file: source.checksum for source in sources}
    for stored_file in files:
        parts = Path(stored_file).parts
        if parts[:1] != ("originals",) or ".." in parts or Path(stored_file).is_absolute():
            raise BackupError(f"{stored_file!r} is not a path under originals/")
    return files


def export_archive(path: Path) -> dict:
    """Write the whole archive to the empty (or new) folder `path`; returns counts per model and of files."""
    if path.exists() and any(path.iterdir()):
        raise BackupError(f"{path} is not empty")
    path.mkdir(parents=True, exist_ok=True)
    with transaction.atomic():  # one consistent moment of the database
        querysets = {model: model.objects.order_by("pk") for model in MODELS}
        with (path / DUMP).open("w", encoding="utf-8") as handle:
            serializers.serialize("json", (row for queryset in querysets.values() for row in queryset.iterator()),
                                  indent=1, stream=handle)
        files = originals(DocumentSource.objects.all())
        counts = {model._meta.verbose_name_plural: queryset.count() for model, queryset in querysets.items()}
    for stored_file, checksum in files.items():
        try:  # a file received by another server is fetched from the database first
            read_original(stored_file, checksum)
        except IngestError as error:
            raise BackupError(f"{stored_file}: {error}") from error
        copy_checked(settings.DATA_DIR / stored_file, path / stored_file, checksum)
    counts["original files"] = len(files)
    return counts


def import_archive(path: Path) -> dict:
    """Load a backup made by `export_archive` into an archive that has no meetings or documents yet,
    replacing the series, alias groups and topics it starts with; returns counts per model and of files.
    The caller rebuilds the search index."""
    if not (path / DUMP).is_file():
        raise BackupError(f"{path} holds no {DUMP}")
    if Meeting.objects.exists() or Document.objects.exists():
        raise BackupError("the archive already has meetings or documents: restore into an empty one")
    with (path / DUMP).open(encoding="utf-8") as handle:
        rows = list(serializers.deserialize("json", handle))
    files = originals(row.object for row in rows if isinstance(row.object, DocumentSource))
    for stored_file, checksum in files.items():  # before anything is saved
        copy_checked(path / stored_file, settings.DATA_DIR / stored_file, checksum)
    counts = {model._meta.verbose_name_plural: 0 for model in MODELS}
    # The index is rebuilt afterwards: queueing every row for it one by one would only cost time.
    queue = apps.get_app_config("haystack").signal_processor
    queue.teardown()
    try:
        with transaction.atomic():
            for model in (Topic, AliasGroup, MeetingSeries):  # the ones a new database starts with
                model.objects.all().delete()
            for row in rows:
                row.save()
                counts[row.object._meta.verbose_name_plural] += 1
            for stored_file in files:  # readable from every server
                Original(stored_file, (settings.DATA_DIR / stored_file).read_bytes()).store()
    finally:
        queue.setup()
    counts["original files"] = len(files)
    return counts
