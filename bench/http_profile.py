"""Where a page's time goes: cProfile of a few requests per page, in one process, through Django's test client,
against a corpus kept by bench/http_bench.py.

    .venv/bin/python bench/http_profile.py --data var/bench-http/50000 --pages search,document --requests 5

For each page: the time per request, the SQL queries it sends, and its own time (cProfile's tottime) split into
template rendering, database, the search engine (our engine and Whoosh), the rest of search (service, haystack)
and everything else (views, middleware, Django's request handling). A built-in function (a regular expression,
sqlite3's execute) and the standard library (heapq, copy, re) count for the part that calls them most. Then the functions with the most time. Writes
results/http-profile.txt.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
from pathlib import Path
from time import perf_counter

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent / "archive"
sys.path.insert(0, str(BENCH))

DEFAULT_PAGES = "search,search-filtered,search-page-2,api-json,trends,compare,document,home,cite"
TOP_FUNCTIONS = 14
MS = 1000

# (part, substrings of a function's file name); the first that matches wins.
PARTS = [
    ("templates", ("django/template/", "archive/templatetags/", "markupsafe", "django/utils/html.py",
                   "django/utils/safestring.py", "django/forms/boundfield.py", "django/forms/widgets.py",
                   "django/forms/renderers.py")),
    ("sanitizing (bleach)", ("/bleach/", "archive/sanitize.py")),
    ("citations (citeproc, rispy)", ("/citeproc/", "/rispy/", "/lxml/")),
    ("database (SQL and the ORM)", ("django/db/", "sqlite3")),
    ("search engine", ("archive/search/engine/", "/whoosh/")),
    ("search service", ("archive/search/", "/haystack/")),
]
OTHER = "other (views, middleware, Django)"
STDLIB = os.path.dirname(os.__file__) + "/"


def part_of(function, stats, seen=()):
    filename, _, name = function
    if "sqlite3" in name or "sqlite3" in filename:
        return "database (SQL and the ORM)"
    if filename == "~" or (filename.startswith(STDLIB) and "site-packages" not in filename):  # a built-in or the standard library: the part of its heaviest caller
        callers = stats.stats[function][4]
        heaviest = max(callers, key=lambda caller: callers[caller][3], default=None)
        if heaviest is None or heaviest in seen:
            return OTHER
        return part_of(heaviest, stats, seen + (function,))
    for part, needles in PARTS:
        if any(needle in filename for needle in needles):
            return part
    return OTHER


def profile_page(client, name, path, requests):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def load():
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code, body

    status, body = load()  # once unmeasured: opens the searcher, fills per-process caches
    profiler = cProfile.Profile()
    with CaptureQueriesContext(connection) as queries:
        started = perf_counter()
        profiler.enable()
        for _ in range(requests):
            load()
        profiler.disable()
        elapsed = perf_counter() - started
    stats = pstats.Stats(profiler)
    parts = {}
    for function, (_, _, tottime, _, _) in stats.stats.items():
        part = part_of(function, stats)
        parts[part] = parts.get(part, 0) + tottime
    total = sum(parts.values())
    lines = [f"== {name}: {path}  (status {status}, {len(body):,} bytes)",
             f"   {elapsed / requests * MS:.0f} ms a request profiled, {len(queries) / requests:.0f} SQL queries a request"]
    for part, seconds in sorted(parts.items(), key=lambda item: -item[1]):
        lines.append(f"   {part:36} {seconds / total:6.1%}  {seconds / requests * MS:7.1f} ms")
    top = ""
    # by own time, everything; by cumulative time, the project's own functions (the middleware chain would fill it)
    for order, restriction in (("tottime", ""), ("cumulative", str(PROJECT) + "/(?!middleware)")):
        buffer = io.StringIO()
        stats.stream = buffer
        stats.sort_stats(order).print_stats(restriction, TOP_FUNCTIONS)
        body = buffer.getvalue().strip()
        top += f"   sorted by {order}:\n" + (body[body.find("ncalls") - 3:] if "ncalls" in body else body) + "\n\n"
    return "\n".join(lines) + "\n\n" + top, {"ms": elapsed / requests * MS, "queries": len(queries) / requests,
                                              "parts": {part: seconds / total for part, seconds in parts.items()}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="a data folder built by http_bench.py")
    parser.add_argument("--pages", default=DEFAULT_PAGES, help="comma-separated page names (default: %(default)s)")
    parser.add_argument("--requests", type=int, default=5, help="profiled requests per page")
    parser.add_argument("--out", default=str(BENCH / "results" / "http-profile.txt"))
    args = parser.parse_args(argv)
    data_dir = Path(args.data).resolve()
    for limit in ("SEARCH", "EXPORT", "LOGIN"):
        os.environ[f"ARCHIVE_RATELIMIT_{limit}"] = "off"
    import whoosh_side

    whoosh_side.setup(data_dir)
    from django.test import Client

    import http_bench

    paths = http_bench.choose_pages()["paths"]
    client = Client(HTTP_HOST="127.0.0.1")
    reports, summary = [], []
    for name in args.pages.split(","):
        report, figures = profile_page(client, name, paths[name], args.requests)
        reports.append(report)
        parts = ", ".join(f"{part} {share:.0%}" for part, share in sorted(figures["parts"].items(), key=lambda i: -i[1]))
        summary.append(f"{name:16} {figures['ms']:7.0f} ms {figures['queries']:5.0f} queries   {parts}")
        print(summary[-1], flush=True)
    header = (f"cProfile of {args.requests} requests per page through Django's test client, in one process, "
              f"on {data_dir.name} paragraphs ({data_dir})\n\n")
    Path(args.out).write_text(header + "\n".join(summary) + "\n\n" + "\n\n".join(reports))
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
