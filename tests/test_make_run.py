"""`make run` on a fresh data folder: sets everything up and serves the archive with gunicorn."""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_SECONDS = 300


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


def wait_until_serving(process, url, log):
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"make run exited with {process.returncode}:\n{log.read_text()}")
        try:
            return fetch(url)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise AssertionError(f"nothing served at {url} after {START_TIMEOUT_SECONDS} s:\n{log.read_text()}")


def stop(process):
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def test_make_run_serves_both_seeds_searchable_and_a_second_run_keeps_edits(tmp_path):
    port = free_port()
    data_dir = tmp_path / "data"
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(data_dir), "PORT": str(port)}
    env.pop("DATABASE_URL", None)  # `make run` on one machine: SQLite in the data folder
    log = tmp_path / "make-run.log"
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        process = subprocess.Popen(["make", "run"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        status, home = wait_until_serving(process, base + "/", log)
        assert status == 200
        assert "Chairman’s Statement of the 21st ASEAN-Republic of Korea Summit" in home
        assert "Press Release: 24th ASEAN-ROK Dialogue" in home
        status, results = fetch(base + "/api/search/?q=%22South+China+Sea%22")
        data = json.loads(results)
        assert data["count"] == 2
        assert {f["value"] for f in data["facets"]["series"]} == {"ASEAN-ROK Summit", "ASEAN-ROK Dialogue"}
        status, page = fetch(base + "/search/?q=%22South+China+Sea%22&series=ASEAN-ROK+Summit")
        assert "1 paragraph found" in page and "<mark>South China Sea</mark>" in page
        # Longer than gunicorn's default request line (4094 bytes): the archive's own page, not a bare 414.
        status, page = fetch(base + "/search/?q=" + urllib.parse.quote_plus("Korea " * 1200))
        assert status == 200 and "has been shortened" in page and "paragraphs found" in page
        status, css = fetch(base + "/static/archive/style.css")
        assert status == 200 and ".paragraph" in css
    finally:
        stop(process)
    assert (data_dir / "archive.sqlite3").exists() and (data_dir / "whoosh_index").is_dir()

    with sqlite3.connect(data_dir / "archive.sqlite3") as db:
        db.execute("UPDATE archive_document SET title = 'Edited in the admin' WHERE kind = 'Press Release'")
    second = subprocess.run(["make", "setup"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Nothing to import." in second.stdout
    # The title was changed behind the index queue's back: check_index finds its paragraphs stale.
    assert "Repaired the search index: 0 paragraphs added, 0 removed," in second.stdout
    assert "1 documents re-indexed" in second.stdout
    with sqlite3.connect(data_dir / "archive.sqlite3") as db:
        titles = {row[0] for row in db.execute("SELECT title FROM archive_document")}
    assert "Edited in the admin" in titles and len(titles) == 2
