"""Search stays fresh and complete under concurrent saves from several gunicorn workers, and through rebuilds."""

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from .test_make_run import free_port, stop

pytestmark = pytest.mark.subprocess

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
WRITERS = 3
EDITS_PER_WRITER = 8


def manage(env, *args, **kwargs):
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=True, **kwargs)


def django_shell(env, code):
    return manage(env, "shell", "--no-imports", "-c", code).stdout


@contextmanager
def serving(env, log_folder, workers, timeout, first_path="/"):
    """gunicorn on a free loopback port, as `make run` starts it, until the block ends; yields its address.
    The first request (`first_path`) is the one waited for."""
    port = free_port()
    log = (log_folder / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "archive.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--timeout", str(timeout)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + first_path, timeout=30)
            break
        except OSError:
            time.sleep(0.3)
    else:
        stop(process)
        raise AssertionError("gunicorn did not start")
    try:
        yield base
    finally:
        stop(process)


@pytest.fixture
def gunicorn(archive_env, tmp_path):
    with serving(archive_env, tmp_path, workers=3, timeout=60) as base:
        yield base


class AdminSession:
    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.post("/admin/login/", {"username": "editor", "password": "a-long-test-password", "next": "/admin/"})

    def get(self, path):
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.read().decode()

    def post(self, path, data):
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.get(path)).group(1)
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}, doseq=True).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        with self.opener.open(request, timeout=60) as response:
            return response.read().decode()


def search_count(base, query):
    with urllib.request.urlopen(f"{base}/api/search/?q={urllib.parse.quote(query)}", timeout=60) as response:
        return json.load(response)["count"]


def test_concurrent_admin_saves_are_searchable_when_each_save_returns(archive_env, gunicorn):
    paragraphs = json.loads(django_shell(archive_env, (
        "import json; from archive.models import Paragraph; "
        "print(json.dumps(list(Paragraph.objects.values('pk', 'document_id', 'position', 'number', 'anchor'))))")))
    stale, errors = [], []

    def writer(number):
        try:
            session = AdminSession(gunicorn)
            mine = paragraphs[number::WRITERS][:EDITS_PER_WRITER]
            for edit, paragraph in enumerate(mine):
                word = f"zebra{number}x{edit}q"
                session.post(f"/admin/archive/paragraph/{paragraph['pk']}/change/", {
                    "document": paragraph["document_id"], "position": paragraph["position"],
                    "number": paragraph["number"], "anchor": paragraph["anchor"], "heading": "",
                    "text": f"A paragraph rewritten with the marker {word} by writer {number}.",
                })
                if search_count(gunicorn, word) != 1:  # must be searchable the moment the save returns
                    stale.append(word)
        except Exception as error:  # reported below; a thread must not die silently
            errors.append(repr(error))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not errors and not stale
    for number in range(WRITERS):
        for edit in range(EDITS_PER_WRITER):
            assert search_count(gunicorn, f"zebra{number}x{edit}q") == 1

    # Deletes from two workers at once are never lost either.
    sessions = [AdminSession(gunicorn) for _ in range(2)]
    documents = json.loads(django_shell(archive_env, (
        "import json; from archive.models import Document; print(json.dumps(list(Document.objects.values_list('pk', flat=True))))")))
    threads = [threading.Thread(target=session.post, args=(f"/admin/archive/document/{pk}/delete/", {"post": "yes"}))
               for session, pk in zip(sessions, documents)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert search_count(gunicorn, "ASEAN") == 0
    assert "matches the database: 0 paragraphs" in manage(archive_env, "check_index").stdout


def test_check_index_repairs_drift(archive_env):
    # Make the index drift: drop a document from it behind the queue's back.
    django_shell(archive_env, (
        "from archive.search.indexing import get_backend\n"
        "from archive.models import Document\n"
        "backend = get_backend()\n"
        "with backend.writer() as w: w.delete_by_term('document_id', str(Document.objects.first().pk))\n"))
    output = manage(archive_env, "check_index").stdout
    assert "Repaired the search index" in output
    assert "matches the database: 32 paragraphs" in manage(archive_env, "check_index").stdout


def test_search_keeps_working_through_a_rebuild_killed_half_way(archive_env, tmp_path):
    django_shell(archive_env, (
        "from archive.models import Document, Paragraph\n"
        "document = Document.objects.first()\n"
        "Paragraph.objects.bulk_create(Paragraph(document=document, position=100 + i, anchor=f'x{i}', "
        "text=f'Filler paragraph {i} about regional cooperation and maritime security.') for i in range(6000))\n"))
    rebuild = subprocess.Popen([PYTHON, "manage.py", "check_index", "--rebuild"], cwd=ROOT, env=archive_env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    data_dir = Path(archive_env["ARCHIVE_DATA_DIR"])
    deadline = time.monotonic() + 60
    while not list(data_dir.glob("whoosh_index-build-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    # Mid-rebuild: the live index still answers.
    assert "South China Sea" in django_shell(archive_env, (
        "from archive.search.service import SearchRequest, search_page\n"
        "print(search_page(SearchRequest(q='\"South China Sea\"')).hits[0].text)"))
    os.killpg(rebuild.pid, signal.SIGKILL)
    rebuild.wait(timeout=30)
    # After the kill: still the old, complete index (the rebuild was never swapped in).
    output = django_shell(archive_env, (
        "from archive.search.service import SearchRequest, search_page\n"
        "print(search_page(SearchRequest(q='\"South China Sea\"')).count)"))
    assert output.strip().endswith("2")
    # A new rebuild cleans up and completes; the filler is then searchable.
    manage(archive_env, "check_index", "--rebuild")
    assert len(list(data_dir.glob("whoosh_index-build-*"))) == 1  # the live one only
    assert "6000" in django_shell(archive_env, (
        "from archive.search.service import SearchRequest, search_page\nprint(search_page(SearchRequest(q='Filler')).count)"))


CSV_ROUNDS = 40
EDITS_DURING_EXPORTS = 40


def csv_rows(base, query):
    with urllib.request.urlopen(f"{base}/api/search.csv?q={urllib.parse.quote(query)}", timeout=120) as response:
        return response.read().decode().count("\n") - 1  # less the header


def test_csv_exports_finish_while_the_index_is_committed_and_swapped(archive_env, gunicorn):
    django_shell(archive_env, (
        "from archive.models import Document, Paragraph\n"
        "document = Document.objects.first()\n"
        "Paragraph.objects.bulk_create(Paragraph(document=document, position=100 + i, anchor=f'x{i}', "
        "text=f'Filler paragraph {i} about regional cooperation and maritime security.') for i in range(6000))\n"))
    manage(archive_env, "check_index", "--rebuild")
    # Edits to the other statement: each is one commit of a small segment, merged with others now and then.
    editor = subprocess.Popen([PYTHON, "manage.py", "shell", "--no-imports", "-c", (
        "from archive.models import Document\n"
        "paragraphs = list(Document.objects.last().paragraphs.all())\n"
        f"for edit in range({EDITS_DURING_EXPORTS}):\n"
        "    paragraph = paragraphs[edit % len(paragraphs)]\n"
        "    paragraph.text = f'Filler edit {edit} of this paragraph.'\n"
        "    paragraph.save()\n")], cwd=ROOT, env=archive_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    rebuild = subprocess.Popen([PYTHON, "manage.py", "check_index", "--rebuild"], cwd=ROOT, env=archive_env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    tried, failed = 0, []
    while tried < CSV_ROUNDS and (tried < 3 or editor.poll() is None or rebuild.poll() is None):
        tried += 1
        try:
            rows = csv_rows(gunicorn, "filler")
            if rows != 5000:
                failed.append(f"{rows} rows")
        except OSError as error:  # an HTTP 500 among them
            failed.append(repr(error))
    assert editor.wait(timeout=300) == 0, editor.stdout.read()
    assert rebuild.wait(timeout=300) == 0, rebuild.stdout.read()
    print(f"CSV exports during commits and a swap: {tried} tried, {len(failed)} failed")
    assert not failed, failed
    assert tried >= 3


def test_a_change_left_queued_by_a_killed_worker_is_applied_when_a_worker_starts(archive_env, request):
    # The change and its queue row are committed, but the worker died before applying them.
    django_shell(archive_env, (
        "from archive.models import IndexChange, Paragraph\n"
        "paragraph = Paragraph.objects.first()\n"
        "Paragraph.objects.filter(pk=paragraph.pk).update(text='Okapis were sighted near the secretariat.')\n"
        "IndexChange.objects.create(document_id=paragraph.document_id)\n"))
    base = request.getfixturevalue("gunicorn")  # started, and asked for the home page only
    assert django_shell(archive_env, (
        "from archive.search.indexing import unapplied_entries\nprint(unapplied_entries().count())")).strip() == "0"
    assert search_count(base, "okapi") == 1


EDITS_DURING_REBUILDS = 400
REBUILDS_DURING_EDITS = 3


def test_edits_saved_while_rebuilds_swap_are_never_lost(archive_env):
    # Many one-paragraph statements, each edited once by one of several writers: a lost edit is not
    # healed by a later one.
    django_shell(archive_env, (
        "from archive.models import Document, Paragraph\n"
        "first = Document.objects.first()\n"
        "Paragraph.objects.bulk_create(Paragraph(document=first, position=100 + i, anchor=f'x{i}', "
        "text=f'Filler paragraph {i} about regional cooperation and maritime security.') for i in range(3000))\n"
        "documents = Document.objects.bulk_create(Document(meeting=first.meeting, title=f'Note {i}', kind='Note', "
        f"slug=f'note-{{i}}') for i in range({EDITS_DURING_REBUILDS}))\n"
        "Paragraph.objects.bulk_create(Paragraph(document=d, position=1, anchor='p1', text='Unedited.') "
        "for d in documents)\n"))
    manage(archive_env, "check_index", "--rebuild")
    editors = [subprocess.Popen([PYTHON, "manage.py", "shell", "--no-imports", "-c", (
        "from archive.models import Paragraph\n"
        f"for paragraph in Paragraph.objects.filter(document__kind='Note')[{number}::{WRITERS}]:\n"
        "    paragraph.text = f'Marker okapi{paragraph.pk}q in this paragraph.'\n"
        "    paragraph.save()\n")], cwd=ROOT, env=archive_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for number in range(WRITERS)]
    rebuilds = 0
    while rebuilds < REBUILDS_DURING_EDITS and any(editor.poll() is None for editor in editors):
        manage(archive_env, "check_index", "--rebuild")
        rebuilds += 1
    for editor in editors:
        assert editor.wait(timeout=300) == 0, editor.stdout.read()
    lost = json.loads(django_shell(archive_env, (
        "import json\n"
        "from archive.models import Paragraph\n"
        "from archive.search.service import SearchRequest, search_page\n"
        "lost = [p.text for p in Paragraph.objects.filter(document__kind='Note')\n"
        "        if search_page(SearchRequest(q=p.text.split()[1])).count != 1]\n"
        "print(json.dumps(lost))\n")).splitlines()[-1])
    print(f"Edits during {rebuilds} rebuilds: {EDITS_DURING_REBUILDS} tried, {len(lost)} lost")
    assert rebuilds >= 2 and not lost
    assert "matches the database" in manage(archive_env, "check_index").stdout


def children_of(pid):
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def alive(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_killed_rebuild_takes_its_indexing_processes_with_it_and_check_index_cleans_up(archive_env):
    django_shell(archive_env, (
        "from archive.models import Document, Paragraph\n"
        "document = Document.objects.first()\n"
        "Paragraph.objects.bulk_create(Paragraph(document=document, position=100 + i, anchor=f'x{i}', "
        "text=f'Filler paragraph {i} about regional cooperation and maritime security.') for i in range(6000))\n"))
    rebuild = subprocess.Popen([PYTHON, "manage.py", "check_index", "--rebuild"], cwd=ROOT, env=archive_env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(children_of(rebuild.pid)) < min(2, os.cpu_count()) and time.monotonic() < deadline:
        time.sleep(0.05)
    children = children_of(rebuild.pid)
    assert children, "the rebuild started no indexing process"
    rebuild.kill()  # the rebuild alone, as the OOM killer would
    rebuild.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(alive(child) for child in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    print(f"Indexing processes of the killed rebuild: {len(children)} started, "
          f"{sum(alive(child) for child in children)} left running")
    assert not any(alive(child) for child in children)
    data_dir = Path(archive_env["ARCHIVE_DATA_DIR"])
    assert len(list(data_dir.glob("whoosh_index-build-*"))) == 1  # beside the live index
    output = manage(archive_env, "check_index").stdout
    assert "Removed what an interrupted rebuild left: whoosh_index-build-" in output
    assert "whoosh_index.rebuilding" in output
    assert not list(data_dir.glob("whoosh_index-build-*")) and not (data_dir / "whoosh_index.rebuilding").exists()
    assert "Removed" not in manage(archive_env, "check_index").stdout
