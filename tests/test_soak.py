"""A soak of the running archive: imports, edits and deletes from several processes and gunicorn workers at
once, a rebuild, and a worker killed with SIGKILL in the middle; afterwards nothing is lost and
`check_index`, comparing content, finds nothing to repair."""

import http.client
import json
import os
import signal
import subprocess
import threading
import time
import urllib.error

import pytest

from .test_index_under_load import (  # noqa: F401 (fixtures)
    PYTHON, ROOT, AdminSession, children_of, django_shell, gunicorn, manage, search_count,
)

pytestmark = pytest.mark.subprocess

IMPORTERS = 2
STATEMENTS_PER_IMPORTER = 4
EDITS = 10
SOAK_SECONDS = 240
TRIES = 3


def again_if_cut(action, *args):
    """A request the killed worker was serving is cut off; like a person, send it again."""
    for attempt in range(TRIES):
        try:
            return action(*args)
        except (ConnectionError, http.client.HTTPException, urllib.error.URLError):
            if attempt == TRIES - 1:
                raise


def statement(importer, number):
    ordinal = 40 + importer * STATEMENTS_PER_IMPORTER + number
    return (f"Joint Media Statement of the {ordinal}th AEM-ROK Consultation\n\n"
            f"1. The {ordinal}th AEM-ROK Consultation was held in Jakarta on 5 March 2030.\n\n"
            f"2. The Ministers welcomed the marker soakimport{importer}x{number}q in their deliberations.\n")


def test_imports_edits_deletes_a_rebuild_and_a_killed_worker_lose_nothing(archive_env, gunicorn, tmp_path):
    folders = []
    for importer in range(IMPORTERS):
        folder = tmp_path / f"incoming{importer}"
        folder.mkdir()
        for number in range(STATEMENTS_PER_IMPORTER):
            (folder / f"statement-{number}.txt").write_text(statement(importer, number), encoding="utf-8")
        folders.append(folder)
    paragraphs = json.loads(django_shell(archive_env, (
        "import json; from archive.models import Paragraph; "
        "print(json.dumps(list(Paragraph.objects.filter(document__sources__name__startswith='003')"
        ".values('pk', 'document_id', 'position', 'number', 'anchor'))))")))[:EDITS]
    dialogue = django_shell(archive_env, (
        "from archive.models import Document; print(Document.objects.get(sources__name__startswith='000').pk)")).strip()
    errors, stale = [], []

    def editor():
        try:
            session = again_if_cut(AdminSession, gunicorn)
            for edit, paragraph in enumerate(paragraphs):
                word = f"soakedit{edit}q"
                again_if_cut(session.post, f"/admin/archive/paragraph/{paragraph['pk']}/change/", {
                    "document": paragraph["document_id"], "position": paragraph["position"],
                    "number": paragraph["number"], "anchor": paragraph["anchor"], "heading": "",
                    "text": f"A paragraph edited during the soak, marked {word}.",
                })
                if again_if_cut(search_count, gunicorn, word) != 1:
                    stale.append(word)
        except Exception as error:  # reported below; a thread must not die silently
            errors.append(repr(error))

    def deleter():
        try:
            session = again_if_cut(AdminSession, gunicorn)
            again_if_cut(session.post, f"/admin/archive/document/{dialogue}/delete/", {"post": "yes"})
        except Exception as error:
            errors.append(repr(error))

    importers = [subprocess.Popen([PYTHON, "manage.py", "import_statements", str(folder)], cwd=ROOT, env=archive_env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for folder in folders]
    threads = [threading.Thread(target=editor), threading.Thread(target=deleter)]
    for thread in threads:
        thread.start()
    rebuild = subprocess.Popen([PYTHON, "manage.py", "check_index", "--rebuild"], cwd=ROOT, env=archive_env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    # One gunicorn worker is killed while the others serve; gunicorn starts another.
    master = int(subprocess.run(["pgrep", "-f", "-o", "gunicorn archive.wsgi"], capture_output=True, text=True,
                                env=archive_env).stdout.split()[0])
    workers = children_of(master)
    assert workers
    os.kill(workers[0], signal.SIGKILL)

    deadline = time.monotonic() + SOAK_SECONDS
    for process in [*importers, rebuild]:
        assert process.wait(timeout=max(1, deadline - time.monotonic())) == 0, process.stdout.read().decode()
    for thread in threads:
        thread.join(timeout=max(1, deadline - time.monotonic()))
    assert not errors and not stale

    imported = [f"soakimport{importer}x{number}q" for importer in range(IMPORTERS)
                for number in range(STATEMENTS_PER_IMPORTER)]
    lost = [word for word in imported + [f"soakedit{edit}q" for edit in range(len(paragraphs))]
            if search_count(gunicorn, word) != 1]
    still_found = search_count(gunicorn, '"24th ASEAN-ROK Dialogue"')
    print(f"Soak: {len(imported)} imports, {len(paragraphs)} edits, 1 delete, 1 rebuild, 1 worker killed; "
          f"{len(lost)} lost")
    assert not lost and still_found == 0
    report = manage(archive_env, "check_index").stdout
    assert "matches the database" in report and "Repaired" not in report
