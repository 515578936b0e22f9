"""`make bench-http` measures every page over HTTP: a short run on a tiny corpus, on loopback only."""

import json
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
              "trends", "commitment", "cite", "mix"}
PAGES_THAT_MAY_BE_MISSING = {"series"}  # added on another branch: until then it answers 404 and is skipped


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench-http")
    completed = subprocess.run(
        [sys.executable, "bench/http_bench.py", "--scales", str(TINY_CORPUS), "--data", str(folder / "data"),
         "--results", str(folder / "results"), "--seconds", "1", "--warmup", "0", "--connections", "2"],
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
    for name in EVERY_PAGE - {"mix"}:
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
