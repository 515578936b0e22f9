"""Benchmark the archive's search (Whoosh through the site's code) against SQLite FTS5.

    .venv/bin/python bench/run.py --scales 1000,10000,50000,200000

The parent copies the project's code into a temporary folder once (so every scale runs the same
code while the checkout is edited), then runs each scale in its own subprocess
(`--one-scale N --out FILE --project COPY`) with its own fresh data folder (ARCHIVE_DATA_DIR is
set before django.setup()). It collects the results, prints a table per scale and writes
bench/results/latest.json and bench/results/latency.svg. See bench/README.md.
"""

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from time import perf_counter

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
sys.path.insert(0, str(BENCH))

import report  # noqa: E402
import whoosh_side  # noqa: E402  (imports nothing from Django or the project at module level)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1000,10000,50000,200000",
                        help="comma-separated corpus sizes in paragraphs (default: %(default)s)")
    parser.add_argument("--updates", type=int, default=20, help="single-paragraph edits timed per scale")
    parser.add_argument("--profile", action="store_true",
                        help="also cProfile the results page for a few queries; writes results/profile-N.txt")
    parser.add_argument("--keep", action="store_true", help="keep each scale's temporary data folder")
    parser.add_argument("--results", default=str(RESULTS),
                        help="folder for latest.json, latency.svg and profiles (default: %(default)s)")
    parser.add_argument("--report", action="store_true",
                        help="only print the tables of results/latest.json again and redraw results/latency.svg")
    parser.add_argument("--one-scale", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--project", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# The child: one scale, in a process of its own


def timed(fn, *args):
    start = perf_counter()
    value = fn(*args)
    return (perf_counter() - start) * 1000, value


def one_scale(n, out, args):
    data_dir = Path(tempfile.mkdtemp(prefix=f"archive-bench-{n}-"))
    print(f"[{n:,}] data folder {data_dir}", file=sys.stderr, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `finally` removes the data folder
    load_before = os.getloadavg()
    try:
        project = Path(args.project or BENCH.parent)
        import whoosh_side
        whoosh_side.setup(data_dir, project)  # before anything imports the project's models

        import corpus as corpus_mod
        import queries as queries_mod
        from django.conf import settings
        from fts5_side import Fts5
        from tqdm import tqdm

        corpus_mod.use_project(project)
        result = {"scale": n, "data_dir": str(data_dir), "loadavg_before": load_before,
                  "code": whoosh_side.code_fingerprint(project)}

        # 1. corpus
        start = perf_counter()
        corpus = corpus_mod.generate(n)
        generate_seconds = perf_counter() - start
        start = perf_counter()
        documents = corpus_mod.load_into_django(corpus)
        insert_seconds = perf_counter() - start
        df = corpus_mod.document_frequencies(corpus.paragraphs)
        result["corpus"] = {
            "paragraphs": n, "documents": documents, "meetings": len(corpus.meetings),
            "words": sum(len(text.split()) for _, _, text in corpus.paragraphs),
            "distinct_words": len(df), "cooperation_share": df["cooperation"] / n,
            "generate_seconds": generate_seconds, "insert_seconds": insert_seconds,
            "seed": corpus_mod.SEED,
        }

        # 2. builds
        result["build"] = {"whoosh": whoosh_side.build()}
        fts = Fts5(data_dir / "fts5.sqlite3", whoosh_side.site_facets())
        result["build"]["fts5"] = fts.build(settings.DATABASES["default"]["NAME"], whoosh_side.mode_labels(),
                                            whoosh_side.topic_patterns())
        result["build"]["ratio"] = result["build"]["whoosh"]["seconds"] / result["build"]["fts5"]["seconds"]
        result["facets"] = {"site": whoosh_side.site_facets(), "fts5_mirrors": fts.facets,
                            "fts5_not_mirrored": fts.not_mirrored}

        # queries are chosen before the edits, from the corpus as generated
        warmup, measured = queries_mod.choose(
            corpus, df, lambda words: fts.count("para_exact", '"' + " ".join(words) + '"'), corpus_mod.SEED)

        # 3. single-update latency
        samples = whoosh_side.update_latency(args.updates, random.Random(f"updates-{n}"))
        totals = [s["total_ms"] for s in samples]
        result["update"] = {
            "n": len(samples), "p50_ms": report.percentile(totals, 50), "p95_ms": report.percentile(totals, 95),
            "save_commit_index_p50_ms": statistics.median(s["save_commit_index_ms"] for s in samples),
            "search_p50_ms": statistics.median(s["search_ms"] for s in samples),
            "first_page_p50_ms": statistics.median(s["first_page_ms"] for s in samples),
            "samples": samples, **{f"{k}_after": v for k, v in whoosh_side.index_facts().items()},
        }

        # 4.–5. queries
        series_rng = random.Random(f"series-{n}")
        names = sorted({m["series"] for m in corpus.meetings})
        plan = []
        for q in measured:  # the filter is a series the query has hits in, as a click on a facet value would be
            shown = [value for value, _ in fts.facet_counts(q.fts5_table, q.fts5).get("series", [])]
            plan.append((q, series_rng.choice(shown or names)))
        cache_size = whoosh_side.query_cache_size()
        result["query_cache_size"] = cache_size
        if cache_size and cache_size >= len(plan):
            result["warning"] = (f"the backend caches {cache_size} match sets, more than the {len(plan)} queries of a "
                                 "pass: page and filtered timings include cache hits")
            print(f"[{n:,}] WARNING: {result['warning']}", file=sys.stderr)
        for q in warmup:
            for measure in report.MEASURES:
                run_one(measure, q, names[0], fts)
        rows = [{**q.as_dict(), "fts5_match": q.fts5, "fts5_table": q.fts5_table, "series": series,
                 "whoosh": {}, "fts5": {}} for q, series in plan]
        # One pass per measure, so a query's match set, cached by the backend, has left its cache
        # (hundreds of other queries later) before the next measure runs it again.
        for measure in report.MEASURES:
            for row, (q, series) in zip(tqdm(rows, desc=f"Queries ({measure})", unit="query", mininterval=1), plan):
                for engine, (ms, count) in run_one(measure, q, series, fts).items():
                    row[engine][f"{measure}_ms"], row[engine][f"{measure}_count"] = ms, count
        result["queries"] = rows
        result["summary"] = report.summarize(rows)
        result["loadavg_after"] = os.getloadavg()

        if args.profile:
            result["profile_file"] = str(profile(n, warmup, result["code"]["combined"]))
        Path(out).write_text(json.dumps(result, default=str))
    finally:
        if args.keep:
            print(f"[{n:,}] kept {data_dir}", file=sys.stderr)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def run_one(measure, q, series, fts):
    """{engine: (ms, hit count)} for one measure of one query: Whoosh first, then FTS5."""
    import whoosh_side

    whoosh_fn = {"bare": whoosh_side.bare, "page": whoosh_side.page, "filtered": whoosh_side.filtered}[measure]
    fts_fn = {"bare": fts.bare, "page": fts.page, "filtered": fts.filtered}[measure]
    extra = (series,) if measure == "filtered" else ()
    return {"whoosh": timed(whoosh_fn, q.whoosh, *extra), "fts5": timed(fts_fn, q.fts5_table, q.fts5, *extra)}


def profile(n, queries, code):
    """cProfile of a results page (relevance) for queries not measured, so not in the backend's cache."""
    from archive.search.service import SearchRequest

    path = RESULTS / f"profile-{n}.txt"
    buffer = io.StringIO()
    buffer.write(f"cProfile of archive.search.service.search_page(SearchRequest(q=q, per_page=10)) at N={n:,}, "
                 f"project code {code}\n\n")
    profiler = cProfile.Profile()
    for q in queries:
        start = perf_counter()
        profiler.enable()
        whoosh_side.rendered(SearchRequest(q=q.whoosh, per_page=10))
        profiler.disable()
        buffer.write(f"{q.type:7} {q.band:18} {q.whoosh!r:40} {1000 * (perf_counter() - start):9.1f} ms (profiled)\n")
    for order in ("cumulative", "tottime"):
        buffer.write(f"\n--- sorted by {order} ---\n")
        stats = pstats.Stats(profiler, stream=buffer)
        stats.strip_dirs().sort_stats(order).print_stats(45)
    path.write_text(buffer.getvalue())
    return path


# The parent


def snapshot(target):
    """Copy the project's code and data files, so every scale runs the same code even while the
    checkout is being edited; the copy's `archive/settings.py` takes BASE_DIR from its own place."""
    root = BENCH.parent
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("archive", "fixtures", "seeds", "templates", "static"):
        if (root / name).is_dir():
            shutil.copytree(root / name, target / name, ignore=ignore)
    shutil.copy2(root / "manage.py", target / "manage.py")
    return target


def machine_info():
    import django
    import whoosh

    try:
        from importlib.metadata import version
        haystack_version = version("django-haystack")
    except Exception:
        haystack_version = None
    cpu_model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(), "cpu_model": cpu_model, "platform": platform.platform(),
        "python": platform.python_version(), "django": django.get_version(), "haystack": haystack_version,
        "whoosh": ".".join(map(str, whoosh.__version__)), "sqlite": sqlite3.sqlite_version,
    }


def main(argv=None):
    global RESULTS
    args = parse_args(argv)
    RESULTS = Path(args.results).resolve()
    if args.one_scale:
        one_scale(args.one_scale, args.out, args)
        return 0
    if args.report:
        results = json.loads((RESULTS / "latest.json").read_text())["results"]
        for result in results:
            print("\n" + report.scale_table(result) + "\n")
        print(report.markdown_summary(results))
        (RESULTS / "latency.svg").write_text(report.latency_svg(results))
        return 0
    scales = [int(s.replace("_", "")) for s in args.scales.split(",") if s.strip()]
    RESULTS.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results, failures = [], {}
    machine = machine_info()

    def write(pending):
        data = {"machine": machine, "scales": scales, "pending": pending, "failures": failures, "results": results}
        (RESULTS / "latest.json").write_text(json.dumps(data, indent=1, default=str))
        if results:
            (RESULTS / "latency.svg").write_text(report.latency_svg(results))

    with tempfile.TemporaryDirectory(prefix="archive-bench-") as tmp:
        project = snapshot(Path(tmp) / "project")
        machine["code"] = whoosh_side.code_fingerprint(project)
        print(f"Benchmarking a frozen copy of the project: code {machine['code']['combined']}", flush=True)
        for i, n in enumerate(scales):
            out = Path(tmp) / f"{n}.json"
            command = [sys.executable, str(Path(__file__).resolve()), "--one-scale", str(n), "--out", str(out),
                       "--project", str(project), "--updates", str(args.updates), "--results", str(RESULTS)] + \
                      (["--profile"] if args.profile else []) + (["--keep"] if args.keep else [])
            start = perf_counter()
            child = subprocess.Popen(command, cwd=BENCH.parent)
            try:
                code = child.wait()
            except BaseException:  # Ctrl-C or SIGTERM: stop the child too (it removes its data folder)
                child.terminate()
                child.wait()
                raise
            if code != 0 or not out.exists():
                failures[n] = f"exit code {code}"
                print(f"\n!!! scale {n:,} failed ({failures[n]}); continuing", file=sys.stderr)
            else:
                result = json.loads(out.read_text())
                result["wall_seconds"] = perf_counter() - start
                results.append(result)
                print("\n" + report.scale_table(result) + "\n", flush=True)
            write(pending=scales[i + 1:])  # after every scale, so a long run leaves results behind
    machine["checkout_code_at_end"] = whoosh_side.code_fingerprint()["combined"]
    write(pending=[])
    if results:
        print(report.markdown_summary(results))
    if machine["checkout_code_at_end"] != machine["code"]["combined"]:
        print(f"\nNote: the checkout's code changed during the run (now {machine['checkout_code_at_end']}); "
              f"every scale ran the frozen copy {machine['code']['combined']}.")
    print(f"\nWrote {RESULTS / 'latest.json'}" + (f" and {RESULTS / 'latency.svg'}" if results else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
