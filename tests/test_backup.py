"""export_archive and import_archive: a backup restores every row and every original file, byte for byte."""

import hashlib
import json
from pathlib import Path

import pytest

from .conftest import own_database
from .test_index_under_load import django_shell, manage

pytestmark = pytest.mark.subprocess

DUMP_EVERY_ROW = (
    "from django.core import serializers\n"
    "from archive.backup import MODELS\n"
    "print(serializers.serialize('json', [row for model in MODELS for row in model.objects.order_by('pk')], indent=1))\n"
)


def data_env(archive_env, folder):
    env = own_database({**archive_env, "ARCHIVE_DATA_DIR": str(folder)})
    manage(env, "migrate", "--noinput")
    return env


def originals(env):
    root = Path(env["ARCHIVE_DATA_DIR"])
    return {str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted((root / "originals").rglob("*")) if path.is_file()}


def test_a_backup_restores_every_row_and_file_into_an_empty_archive(archive_env, tmp_path):
    # Beyond the seeds: an edited topic and alias group, and a paragraph edited by hand.
    django_shell(archive_env, (
        "from archive.models import AliasGroup, Paragraph, Topic\n"
        "Topic.objects.create(name='Okapis', keywords='okapi\\nforest giraffe')\n"
        "AliasGroup.objects.filter(pk=AliasGroup.objects.first().pk).update(note='Edited by hand')\n"
        "paragraph = Paragraph.objects.first(); paragraph.text = 'An okapi, edited by hand.'; paragraph.save()\n"))
    backup = tmp_path / "backup"
    exported = manage(archive_env, "export_archive", str(backup)).stdout
    assert "2 documents" in exported and "original files" in exported
    restored = data_env(archive_env, tmp_path / "restored")
    imported = manage(restored, "import_archive", str(backup)).stdout
    assert "Rebuilt the search index: 32 paragraphs" in imported

    before = json.loads(django_shell(archive_env, DUMP_EVERY_ROW))
    after = json.loads(django_shell(restored, DUMP_EVERY_ROW))
    assert {row["model"] for row in before} >= {"archive.document", "archive.paragraph", "archive.documentsource",
                                                "archive.meeting", "archive.aliasgroup", "archive.topic", "archive.documentversion"}
    assert any(row["fields"]["mentions"] for row in before if row["model"] == "archive.paragraph")
    assert [(row["model"], row["pk"]) for row in after] == [(row["model"], row["pk"]) for row in before]
    for restored_row, row in zip(after, before):  # row by row, so that a failure names the differing fields
        assert restored_row == row
    assert originals(restored) == originals(archive_env) and originals(restored)
    assert "matches the database: 32 paragraphs" in manage(restored, "check_index").stdout
    assert "okapi" in django_shell(restored, (
        "from archive.search.service import SearchRequest, search_page\nprint(search_page(SearchRequest(q='okapi')).hits[0].text)"))


def test_a_backup_is_not_restored_over_an_archive_with_documents_or_from_a_damaged_copy(archive_env, tmp_path):
    backup = tmp_path / "backup"
    manage(archive_env, "export_archive", str(backup))
    with pytest.raises(Exception) as refused:
        manage(archive_env, "import_archive", str(backup))
    assert "restore into an empty one" in refused.value.stderr
    original = next(path for path in (backup / "originals").rglob("*") if path.is_file())
    original.write_bytes(original.read_bytes() + b"damage")
    restored = data_env(archive_env, tmp_path / "restored")
    with pytest.raises(Exception) as refused:
        manage(restored, "import_archive", str(backup))
    assert "does not match its SHA-256" in refused.value.stderr
    assert django_shell(restored, "from archive.models import Document\nprint(Document.objects.count())").strip() == "0"
