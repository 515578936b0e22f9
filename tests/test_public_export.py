"""A researcher downloads the whole public archive from /export/archive.zip: one JSON-lines file per model whose
rows load back into an empty archive with the same counts, and nothing private in it."""

import io
import json
import zipfile

import pytest
from django.core import serializers
from django.test import override_settings

from archive.models import Document, DocumentSource, DocumentVersion, Meeting, MeetingSeries, Paragraph
from archive.public_export import PUBLIC_FILES

from .conftest import add_statement
from .test_api import MENTIONING

PRIVATE_FIELDS = {"stored_file", "raw_text", "extraction", "paragraph_corrections", "corrections", "password"}


def download(client):
    response = client.get("/export/archive.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


@pytest.fixture
def archive_with_mentions(seeds):
    add_statement(MENTIONING, "22nd-summit.txt")
    return seeds


def test_every_model_has_its_file_with_every_row(client, archive_with_mentions):
    archive = download(client)
    assert archive.testzip() is None
    assert set(archive.namelist()) == {"README.txt", *(name for name, _, _ in PUBLIC_FILES)}
    for name, model, fields in PUBLIC_FILES:
        rows = [json.loads(line) for line in archive.read(name).decode().splitlines()]
        assert len(rows) == model.objects.count() > 0, name
        assert [row["pk"] for row in rows] == list(model.objects.order_by("pk").values_list("pk", flat=True))
        assert all(set(row["fields"]) == set(fields) for row in rows), name
        assert not PRIVATE_FIELDS & set(rows[0]["fields"])
    readme = archive.read("README.txt").decode()
    assert all(name in readme for name, _, _ in PUBLIC_FILES)


def test_the_files_load_back_with_the_same_counts_and_mentions(client, archive_with_mentions):
    archive = download(client)
    counts = {model: model.objects.count() for _, model, _ in PUBLIC_FILES}
    mentions = sorted(Paragraph.mentions.through.objects.values_list("paragraph_id", "meeting_id"))
    assert mentions
    rows = [row for name, _, _ in PUBLIC_FILES
            for row in serializers.deserialize("jsonl", archive.read(name).decode().splitlines())]
    Paragraph.objects.all().delete()
    DocumentVersion.objects.all().delete()
    DocumentSource.objects.all().delete()
    Document.objects.all().delete()
    Meeting.objects.all().delete()
    MeetingSeries.objects.all().delete()
    for row in rows:
        if isinstance(row.object, DocumentSource):
            row.object.stored_file = ""  # not exported: where this server keeps the original
        row.save()
    assert {model: model.objects.count() for model in counts} == counts
    assert sorted(Paragraph.mentions.through.objects.values_list("paragraph_id", "meeting_id")) == mentions


def test_the_export_page_explains_and_links_the_zip(client, db):
    html = client.get("/export/").content.decode()
    assert 'href="/export/archive.zip"' in html
    assert all(name in html for name, _, _ in PUBLIC_FILES)


def test_the_zip_is_rate_limited_like_the_other_exports(client, db):
    with override_settings(ARCHIVE_RATELIMIT_EXPORT="1/m"):
        assert client.get("/export/archive.zip", REMOTE_ADDR="192.0.2.9").status_code == 200
        assert client.get("/export/archive.zip", REMOTE_ADDR="192.0.2.9").status_code == 429
