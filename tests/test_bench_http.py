"""`make bench-http` measures every page over HTTP: a short run on a tiny corpus, on loopback only."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess

ROOT = Path(__file__).resolve().parent.parent
TINY_CORPUS = 300          # paragraphs: enough for every kind of page to have something to show
RUN_TIMEOUT_SECONDS = 600  # bounds the whole run (corpus, index, gunicorn, about twenty one-second loads)
EVERY_PAGE = {"static", "trivial", "home", "meetings", "meeting", "document", "search", "search-and",
              "search-phrase", "search-filtered", "search-page-2", "api-json", "api-csv", "feed", "compare",
              "trends", "commitment", "cite", "mix", "save-searchable"}
EDITS = 3  # timed saves of the save-searchable page
PAGES_THAT_MAY_BE_MISSING = {"series"}  # added on another branch: until then it answers 404 and is skipped


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench-http")
    completed = subprocess.run(
        [sys.executable, "bench/http_bench.py", "--scales", str(TINY_CORPUS), "--data", str(folder / "data"),
         "--results", str(folder / "results"), "--seconds", "1", "--warmup", "0", "--connections", "2",
         "--edits", str(EDITS)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=RUN_TIMEOUT_SECONDS)
    assert completed.returncode == 0, completed.stdout[-4000:]
    return folder, completed.stdout


def test_every_page_is_measured_with_requests_answered_and_no_errors(bench_run):
    folder, _ = bench_run
    data = json.loads((folder / "results" / "http.json").read_text())
    (result,) = data["results"]
    assert result["corpus"]["paragraphs"] == TINY_CORPUS
    pages = {row["page"]: row for row in result["pages"]}
    assert EVERY_PAGE <= pages.keys(), f"missing: {EVERY_PAGE - pages.keys()}"
    assert set(result["skipped"]) <= PAGES_THAT_MAY_BE_MISSING
    for name, row in pages.items():
        assert row["req_per_s"] > 0, name
        assert row["requests"] > 0, name
        assert row["errors"] == 0, (name, row["statuses"])
        assert row["p50_ms"] <= row["p99_ms"], name
    for name in EVERY_PAGE - {"mix", "save-searchable"}:
        assert pages[name]["first_status"] == 200, name
        assert pages[name]["size_bytes"] > 0, name


def test_the_run_records_the_machine_memory_targets_and_draws_a_chart(bench_run):
    folder, output = bench_run
    data = json.loads((folder / "results" / "http.json").read_text())
    assert data["machine"]["cores"] >= 1 and len(data["machine"]["loadavg_start"]) == 3
    (result,) = data["results"]
    assert len(result["worker_rss_mb_after"]) == result["workers"]
    assert all(mb > 0 for mb in result["worker_rss_mb_after"])
    assert {target["page"] for target in result["targets"]} >= {"search", "document", "home", "meetings"}
    assert "targets of issue 13" in output
    svg = (folder / "results" / "http.svg").read_text()
    assert svg.startswith("<?xml") or "<svg" in svg[:500]
    assert "document" in svg and "search-phrase" in svg


def test_a_second_run_reuses_the_corpus_it_built(bench_run):
    folder, _ = bench_run
    completed = subprocess.run(
        [sys.executable, "bench/http_bench.py", "--scales", str(TINY_CORPUS), "--data", str(folder / "data"),
         "--results", str(folder / "again"), "--seconds", "1", "--warmup", "0", "--connections", "2",
         "--pages", "trivial,document"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=RUN_TIMEOUT_SECONDS)
    assert completed.returncode == 0, completed.stdout[-4000:]
    assert "(reused)" in completed.stdout
    (result,) = json.loads((folder / "again" / "http.json").read_text())["results"]
    assert [row["page"] for row in result["pages"]] == ["trivial", "document"]


def test_a_folder_it_did_not_build_is_refused_and_left_as_it_was(tmp_path):
    archive_data = tmp_path / "var"
    archive_data.mkdir()
    (archive_data / "archive.sqlite3").write_bytes(b"a real archive")
    completed = subprocess.run(
        [sys.executable, "bench/http_bench.py", "--scales", str(TINY_CORPUS), "--data", str(archive_data),
         "--results", str(tmp_path / "results"), "--seconds", "1"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=RUN_TIMEOUT_SECONDS)
    assert completed.returncode != 0
    assert "not a benchmark corpus" in completed.stdout
    assert (archive_data / "archive.sqlite3").read_bytes() == b"a real archive"


def test_saves_are_timed_until_searchable_over_http_while_the_search_page_is_loaded(bench_run):
    folder, output = bench_run
    (result,) = json.loads((folder / "results" / "http.json").read_text())["results"]
    row = {row["page"]: row for row in result["pages"]}["save-searchable"]
    assert row["paths"] == ["/search/?q=cooperation"] and row["requests"] > 0 and row["errors"] == 0
    saves = row["save_searchable"]
    assert saves["edits"] == len(saves["samples"]) == EDITS
    assert 0 < saves["p50_ms"] <= saves["p95_ms"] <= saves["max_ms"]
    for sample in saves["samples"]:
        assert 0 < sample["save_ms"] < sample["total_ms"] and sample["searches"] >= 1
    assert [target["target"] for target in result["targets"] if target["page"] == "save-searchable"] == [
        "a save searchable ≤ 1 s (p95, while searches run)"]
    assert "save → searchable over 3 edits" in output


def test_the_edited_paragraphs_get_their_text_back(bench_run):
    folder, _ = bench_run
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(folder / "data")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DATABASE_URL", None)  # the benchmark's own SQLite database, as the benchmark runs it
    found = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from archive.models import Paragraph; print(Paragraph.objects.filter(text__contains='qzx').count())"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, check=True, timeout=RUN_TIMEOUT_SECONDS).stdout
    assert found.split()[-1] == "0"
