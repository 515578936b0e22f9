"""Several app servers on one PostgreSQL: each keeps its own search index, which follows the database's index log.

Real processes: a PostgreSQL cluster of this test's own, and gunicorn nodes on loopback ports, each with its own
data folder (index, originals' copies, cache).
"""

import html
import json
import os
import re
import secrets
import signal
import subprocess
import threading
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from .postgres import Cluster
from .test_index_under_load import PYTHON, ROOT, AdminSession, django_shell, manage
from .test_make_run import free_port, stop

UPLOAD_URL = "/admin/archive/document/upload/"
WORKERS = 2
UPLOADS_PER_NODE = 4
QUERIES = ["ASEAN", '"South China Sea"', "cooperation AND Korea", "year:[2015 TO 2020]", "maritime OR okapi*",
           "kind:press", "series:summit"]


class Node:
    """One app server: `check_index` builds or checks its index, then gunicorn serves it."""

    def __init__(self, name, env, folder):
        self.name = name
        self.env = {**env, "ARCHIVE_DATA_DIR": str(folder / name), "ARCHIVE_NODE_NAME": name}
        self.log = folder / f"{name}.log"
        self.process = None
        self.base = None
        self.started_with = ""

    def start(self):
        self.started_with = self.check_index()
        port = free_port()
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [str(Path(PYTHON).parent / "gunicorn"), "archive.wsgi:application", "--bind", f"127.0.0.1:{port}",
                 "--workers", str(WORKERS), "--timeout", "120"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/", timeout=10)
                return self
            except OSError:
                time.sleep(0.3)
        raise AssertionError(f"{self.name} did not start:\n{self.log.read_text()}")

    def check_index(self, *args):
        return manage(self.env, "check_index", *args).stdout

    def indexed_paragraphs(self):
        """The paragraph count check_index finds in this node's index, having found it equal to the database."""
        output = self.check_index()
        found = re.search(r"Search index matches the database: (\d+) paragraphs", output)
        assert found, f"{self.name}: {output}"
        return int(found.group(1))

    def search(self, query, **params):
        url = f"{self.base}/api/search/?" + urllib.parse.urlencode({"q": query, "per_page": 100, **params})
        with urllib.request.urlopen(url, timeout=60) as response:
            return json.load(response)

    def count(self, query):
        return self.search(query)["count"]

    def pages(self, path):
        """The page at `path`, asked for as many times as a kept copy could answer it (one per worker, and
        more), so that a stale copy in any worker would show."""
        texts = []
        for _ in range(WORKERS * 2):
            with urllib.request.urlopen(self.base + path, timeout=60) as response:
                texts.append(response.read().decode())
        return texts

    def every_page_shows(self, path, text):
        return all(text in page for page in self.pages(path))

    def no_page_shows(self, path, text):
        return not any(text in page for page in self.pages(path))

    def hits(self, query):
        """Every hit (as paragraph addresses, less this node's host), and the facet counts."""
        first = self.search(query)
        results = first["results"] + [hit for page in range(2, first["num_pages"] + 1)
                                      for hit in self.search(query, page=page)["results"]]
        return first["count"], {hit["paragraph_url"].removeprefix(self.base) for hit in results}, first["facets"]

    def stop(self):
        if self.process and self.process.poll() is None:
            stop(self.process)


def ordinal(n):
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def statement(number, marker):
    """A statement of its own meeting (the `number`th ASEAN-ROK Summit), with `marker` in its paragraphs."""
    return (f"Chairman's Statement of the {ordinal(number)} ASEAN-ROK Summit\n\n"
            f"1. The {ordinal(number)} ASEAN-ROK Summit was held in Seoul on 4 November 2019.\n\n"
            f"2. The leaders welcomed the {marker} programme for regional cooperation.\n\n"
            f"3. They agreed that the {marker} programme would report to the next Summit.\n")


def upload(session, text, name):
    """Paste a statement into the admin's upload form and save it as reviewed; returns the page after saving."""
    review = session.post(UPLOAD_URL, {"text": text, "name": name})
    data = {}
    for tag in re.findall(r"<input[^>]*>", review):
        attributes = dict(re.findall(r'(\w+)="([^"]*)"', tag))
        if "name" not in attributes or attributes["name"] == "csrfmiddlewaretoken":
            continue
        if attributes.get("type") in ("checkbox", "radio") and "checked" not in tag:
            continue  # as a browser sends the form
        default = "on" if attributes.get("type") == "checkbox" else ""
        data[attributes["name"]] = html.unescape(attributes.get("value", default))
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', review, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', options) or re.search(r'<option value="([^"]*)"',
                                                                                            options)
        data[name] = html.unescape(chosen.group(1)) if chosen else ""
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', review, re.S):
        data[name] = html.unescape(text.strip("\n"))
    assert data.get("count") == "1" and "f0-stored_file" in data, review
    data.update({"f0-kind": "", "f0-meeting": ""})  # as read from the text
    return session.post(UPLOAD_URL, data)


@pytest.fixture(scope="module")
def cluster():
    with Cluster() as cluster:
        yield cluster


@pytest.fixture(scope="module")
def nodes(cluster, tmp_path_factory):
    """Three nodes on one new database holding the seed statements; more can be added to the list."""
    folder = tmp_path_factory.mktemp("nodes")
    env = {**os.environ, "DATABASE_URL": cluster.create_database(f"nodes_{uuid.uuid4().hex[:8]}"),
           "SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_SUPERUSER_PASSWORD": "a-long-test-password"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    started = [Node(f"node{number}", env, folder) for number in (1, 2, 3)]
    manage(started[0].env, "migrate", "--noinput")
    manage(started[0].env, "import_statements", "seeds/")
    manage(started[0].env, "createsuperuser", "--noinput", "--username", "editor", "--email", "editor@example.org")
    try:
        for node in started:
            node.start()
        yield started
    finally:
        for node in started:
            node.stop()


def test_a_save_on_one_node_is_found_on_every_other_the_moment_it_returns(nodes):
    first, second, third = nodes[:3]
    assert all(node.no_page_shows("/documents/", "31st ASEAN-ROK Summit") for node in nodes)  # now kept
    page = upload(AdminSession(first.base), statement(31, "zebrafish"), "zebrafish.txt")
    assert "Saved “Chairman" in page
    assert [node.count("zebrafish") for node in nodes] == [2, 2, 2]
    assert all(node.every_page_shows("/documents/", "31st ASEAN-ROK Summit") for node in nodes)

    # An edit through the second node.
    paragraph = json.loads(django_shell(first.env, (
        "import json; from archive.models import Paragraph\n"
        "p = Paragraph.objects.get(text__contains='zebrafish programme for regional')\n"
        "print(json.dumps({'pk': p.pk, 'document': p.document_id, 'position': p.position, 'number': p.number, "
        "'anchor': p.anchor}))\n")).splitlines()[-1])
    AdminSession(second.base).post(f"/admin/archive/paragraph/{paragraph['pk']}/change/", {
        "document": paragraph["document"], "position": paragraph["position"], "number": paragraph["number"],
        "anchor": paragraph["anchor"], "heading": "", "text": "The leaders welcomed the okapi programme."})
    assert [(node.count("okapi"), node.count("zebrafish")) for node in nodes] == [(1, 1)] * 3
    document_url = json.loads(django_shell(first.env, (
        "import json; from archive.models import Document\n"
        f"print(json.dumps(Document.objects.get(pk={paragraph['document']}).get_absolute_url()))\n")).splitlines()[-1])
    assert all(node.every_page_shows(document_url, "okapi programme") for node in nodes)

    # The original was received by the first node only; the third re-parses it from the database.
    page = AdminSession(third.base).post("/admin/archive/document/", {
        "action": "reparse_documents", "_selected_action": [paragraph["document"]]})
    assert "Re-parsed" in page
    assert [(node.count("okapi"), node.count("zebrafish")) for node in nodes] == [(0, 2)] * 3

    # A delete through the third node.
    AdminSession(third.base).post(f"/admin/archive/document/{paragraph['document']}/delete/", {"post": "yes"})
    assert [node.count("zebrafish") for node in nodes] == [0, 0, 0]
    assert [node.count('"South China Sea"') for node in nodes] == [2, 2, 2]
    assert all(node.no_page_shows("/documents/", "31st ASEAN-ROK Summit") for node in nodes)


def test_a_fresh_node_replacing_a_killed_one_holds_the_same_index(nodes):
    os.killpg(nodes[1].process.pid, signal.SIGKILL)
    nodes[1].process.wait(timeout=30)
    # Changes the killed node never sees.
    upload(AdminSession(nodes[0].base), statement(32, "pangolin"), "pangolin.txt")
    fourth = Node("node4", nodes[0].env, Path(nodes[0].env["ARCHIVE_DATA_DIR"]).parent)
    assert not Path(fourth.env["ARCHIVE_DATA_DIR"]).exists()
    nodes[1] = fourth
    fourth.start()
    assert "Rebuilt the search index" in fourth.started_with
    counts = [node.indexed_paragraphs() for node in nodes]
    assert counts[0] > 30 and counts == [counts[0]] * 3
    for query in QUERIES + ["pangolin"]:
        answers = [node.hits(query) for node in nodes]
        assert answers[0][0] > 0, query
        assert answers[1] == answers[0] and answers[2] == answers[0], query
    report = fourth.check_index()
    assert "Server node4 (this server): at entry" in report and "Server node1: at entry" in report


def test_concurrent_uploads_through_every_node_lose_nothing(nodes):
    errors = []

    def uploader(index, node):
        try:
            session = AdminSession(node.base)
            for number in range(UPLOADS_PER_NODE):
                marker = f"marker{index}x{number}q"
                page = upload(session, statement(40 + index * UPLOADS_PER_NODE + number, marker), f"{marker}.txt")
                if "Saved “" not in page:
                    errors.append(f"{marker}: not saved")
                elif any(other.count(marker) != 2 for other in nodes):
                    errors.append(f"{marker}: not found on every node when the save returned")
        except Exception as error:  # reported below; a thread must not die silently
            errors.append(repr(error))

    threads = [threading.Thread(target=uploader, args=(index, node)) for index, node in enumerate(nodes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors
    in_database = int(django_shell(nodes[0].env, (
        "from archive.models import Paragraph; print(Paragraph.objects.count())")).split()[-1])
    assert [node.indexed_paragraphs() for node in nodes] == [in_database] * len(nodes)
    for index in range(len(nodes)):
        for number in range(UPLOADS_PER_NODE):
            assert [node.count(f"marker{index}x{number}q") for node in nodes] == [2] * len(nodes)
