"""Every page of the archive measured over HTTP, as visitors load it: gunicorn started as `make run` starts it,
driven on loopback by Debian's `wrk`, one page at a time and then a mix.

    .venv/bin/python bench/http_bench.py --scales 50000 [--seconds 10] [--connections 8]

For each scale a data folder (`var/bench-http/<N>/` unless --data is given) holds a synthetic corpus
(bench/corpus.py) and its index; it is built once and reused by later runs. Writes results/http.json and
results/http.svg and prints a table per scale with the targets of issue 13. See bench/README.md.
"""

import argparse
import datetime as dt
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
LUA_SCRIPT = BENCH / "http_load.lua"
sys.path.insert(0, str(BENCH))

READY_TIMEOUT_SECONDS = 120   # a worker's first request opens the index; a 200k index takes a while
PREFLIGHT_TIMEOUT_SECONDS = 120
WRK_TIMEOUT_SECONDS = 10      # a request slower than this counts as a timeout error
STOP_TIMEOUT_SECONDS = 15
IDLE_TIMEOUT_SECONDS = 120    # the longest wait for the workers to finish a slow page's queued requests
IDLE_SAMPLE_SECONDS = 0.3
CORPUS_MARKER = "bench-corpus.json"  # written once a data folder's corpus and index are complete
BUILDING_MARKER = "bench-corpus.building"  # there while this tool builds a folder: one left behind may be deleted

# The words searched for: "cooperation" is in about a third of the synthetic paragraphs (see corpus.py).
FREQUENT_WORD = "cooperation"
AND_QUERY = "cooperation AND maritime"
PHRASE_QUERY = '"strategic partnership"'
VARIED_WORDS = (50, 350)  # the ranks, by frequency, of the words search-varied asks for

# Requests per cycle of the mix: people open home, meeting and document pages far more often than they search.
MIX_WEIGHTS = {"home": 3, "meetings": 1, "series": 1, "meeting": 3, "document": 6, "search": 2, "search-and": 1,
               "search-phrase": 1, "search-filtered": 1, "search-page-2": 1, "api-json": 1, "api-csv": 1, "feed": 1,
               "compare": 1, "trends": 1, "commitment": 1, "cite": 1}
MIX_SEED = 13

# Save → searchable while searches run (issue 13): single-paragraph edits made as the admin makes them, in a
# process of their own, while wrk loads the frequent-word search; each edit's new word is searched for over HTTP.
SAVE_PAGE = "save-searchable"
SAVE_EDITS = 20
SAVE_TARGET_MS = 1000            # issue 13: p95 of save → searchable
SAVE_SEED = 17
SAVE_TIMEOUT_SECONDS = 60        # an edit not searchable after this fails the run
SAVE_POLL_SECONDS = 0.02         # between two searches for an edit's word
SAVE_PAUSE_SECONDS = 0.5         # between two edits, so that each one is made under the steady load
SAVE_LOAD_MAX_SECONDS = 1800     # wrk's bound while the edits run; it is stopped as soon as they are done

MS = 1000
LISTED_PATHS = 5  # the paths a page's result lists, when it cycles through more
MB = 1024 * 1024


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="50000", help="comma-separated corpus sizes in paragraphs (default: %(default)s)")
    parser.add_argument("--data", help="data folder for a single scale (default: var/bench-http/<N>/)")
    parser.add_argument("--seconds", type=int, default=10, help="measured seconds per page (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured seconds before each page (default: %(default)s)")
    parser.add_argument("--connections", type=int, default=8, help="open connections (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=1,
                        help="wrk threads; one drives 8 connections easily and leaves the cores to gunicorn")
    parser.add_argument("--workers", type=int, default=os.cpu_count(),
                        help="gunicorn workers (default: the number of cores, %(default)s)")
    parser.add_argument("--pages", help="comma-separated page names to measure (default: all, then the mix)")
    parser.add_argument("--results", default=str(RESULTS), help="folder for http.json and http.svg (default: %(default)s)")
    parser.add_argument("--edits", type=int, default=SAVE_EDITS,
                        help=f"single-paragraph edits timed by the {SAVE_PAGE} page (default: %(default)s)")
    parser.add_argument("--edit", help=argparse.SUPPRESS)  # the child that edits paragraphs of a data folder
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--prepare", help=argparse.SUPPRESS)  # the child that builds or reuses a data folder
    parser.add_argument("--scale", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# The child: build (or reuse) a scale's corpus and index, and choose the pages to measure


def prepare(data_dir, n):
    """Print, as JSON, the corpus's facts and the paths of the pages to measure."""
    import whoosh_side

    whoosh_side.setup(data_dir)  # Django on this data folder only, then migrate
    from django.core.management import call_command

    marker = data_dir / CORPUS_MARKER
    if not marker.exists():
        import corpus

        started = time.perf_counter()
        built = corpus.generate(n)
        documents = corpus.load_into_django(built)
        index = whoosh_side.build()
        marker.write_text(json.dumps({"paragraphs": n, "documents": documents, "meetings": len(built.meetings),
                                      "seed": corpus.SEED, "index": index,
                                      "build_seconds": time.perf_counter() - started}))
        (data_dir / BUILDING_MARKER).unlink(missing_ok=True)
    call_command("check_index", verbosity=0)  # as `make run` does before serving
    print("BENCH_JSON " + json.dumps({"corpus": json.loads(marker.read_text()), "pages": choose_pages()}))


def choose_pages():
    """{name: path}: one page of each kind, chosen the same way on every run of a corpus."""
    from django.db.models import Count
    from django.urls import reverse

    from archive.models import Commitment, Document, Meeting, MeetingSeries
    from archive.search import service

    def middle(queryset):
        return queryset[queryset.count() // 2]

    meeting = middle(Meeting.objects.order_by("pk"))
    document = middle(Document.objects.annotate(size=Count("paragraphs")).filter(size__gt=0).order_by("pk"))
    series = MeetingSeries.objects.annotate(size=Count("meetings__documents")).order_by("-size", "pk").first()
    earlier, later = Document.objects.filter(meeting__series=series).order_by("meeting__start_date", "pk")[:2]
    commitment = Commitment.objects.order_by("pk").first()

    def search(path, **params):
        return reverse(path) + "?" + urlencode(params)

    pages = {
        "static": "/static/archive/style.css",
        "trivial": reverse("archive:search-help"),
        "home": reverse("archive:home"),
        "meetings": reverse("archive:meeting-list"),
        "series": f"/series/{series.slug}/",  # another branch adds it; a 404 here is skipped with a note
        "meeting": meeting.get_absolute_url(),
        "document": document.get_absolute_url(),
        "search": search("archive:search", q=FREQUENT_WORD),
        "search-and": search("archive:search", q=AND_QUERY),
        "search-phrase": search("archive:search", q=PHRASE_QUERY),
        "search-filtered": search("archive:search", q=FREQUENT_WORD, series=series.name),
        "search-page-2": search("archive:search", q=FREQUENT_WORD, page=2),
        "api-json": search("archive:api-search", q=FREQUENT_WORD),
        "api-csv": search("archive:api-search-csv", q=FREQUENT_WORD),
        "feed": search("archive:search-feed", q=FREQUENT_WORD),
        "compare": search("archive:compare", a=earlier.slug, b=later.slug),
        "trends": search("archive:trends", q=FREQUENT_WORD),
        "cite": reverse("archive:cite-paragraph", args=[document.paragraphs.order_by("position").first().pk]),
    }
    if commitment:
        pages["commitment"] = commitment.get_absolute_url()
    # Every statement in turn: each process renders most of them for the first time (its kept pages do not
    # help), as when visitors spread over the whole archive.
    every_document = [d.get_absolute_url() for d in Document.objects.filter(paragraphs__isnull=False).distinct().order_by("pk")]
    pages["documents-all"] = every_document[0]
    hits = {q: service.search_page(service.SearchRequest(q=q)).count for q in (FREQUENT_WORD, AND_QUERY, PHRASE_QUERY)}
    varied = [search("archive:search", q=word) for word in varied_words()]
    pages["search-varied"] = varied[0]
    return {"paths": pages, "cycles": {"documents-all": every_document, "search-varied": varied}, "hits": hits}


def varied_words():
    """Words of the corpus from the 50th to the 350th most frequent: each worker searches most of them for the
    first time, as visitors asking for many different words make it do."""
    from archive.search.indexing import get_backend

    backend = get_backend()
    with backend.one_searcher():
        reader = backend.current_searcher().reader()
        frequent = reader.most_frequent_terms(backend.content_field_name, number=VARIED_WORDS[1])
    words = [term.decode() for _, term in frequent if term.isalpha()]
    return words[VARIED_WORDS[0]:]


# The child that saves: edits paragraphs of a data folder the way the admin does, and waits over HTTP until each
# edit is searchable


def edit_word(token, number):
    """A word of lower-case letters found in no paragraph: `token` differs on every run of a corpus."""
    return f"qzx{token}{''.join(chr(ord('a') + int(digit)) for digit in str(number))}vok"


def api_count(port, word):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=SAVE_TIMEOUT_SECONDS)
    try:
        connection.request("GET", "/api/search/?" + urlencode({"q": word}))
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"/api/search/ answered {response.status} for {word}")
        return json.loads(body)["count"]
    finally:
        connection.close()


def save_edits(data_dir, port, edits):
    """Print, as JSON, each edit's save → searchable times. It says READY once Django is up, then waits for a line
    on stdin (the load has started); each edit is a paragraph saved in `transaction.atomic()` and
    `one_entry_per_document()`, as the admin saves one, so its commit applies the index change in this process.
    The edited paragraphs get their text back at the end, untimed, so a reused corpus stays as it was."""
    import secrets

    import whoosh_side

    whoosh_side.setup(data_dir)
    from django.db import transaction

    from archive.models import Paragraph
    from archive.search.indexing import one_entry_per_document

    rng = random.Random(SAVE_SEED)
    ids = list(Paragraph.objects.order_by("pk").values_list("pk", flat=True))
    chosen = rng.sample(ids, min(edits, len(ids)))
    token = "".join(secrets.choice("bcdfghjklmnpqrstvwxz") for _ in range(6))
    print("READY", flush=True)
    sys.stdin.readline()
    samples, originals = [], {}
    try:
        for number, pk in enumerate(chosen):
            word = edit_word(token, number)
            if api_count(port, word):
                raise RuntimeError(f"{word} is already in the index")
            paragraph = Paragraph.objects.get(pk=pk)
            originals[pk] = paragraph.text
            words = paragraph.text.split()
            words.insert(rng.randrange(len(words) + 1), word)
            paragraph.text = " ".join(words)
            started = time.perf_counter()
            with transaction.atomic(), one_entry_per_document():
                paragraph.save()
            saved = time.perf_counter()  # the on-commit hook has written the index when atomic() returns
            searches = 1
            while not api_count(port, word):
                if time.perf_counter() - started > SAVE_TIMEOUT_SECONDS:
                    raise RuntimeError(f"the edit of paragraph {pk} was not searchable after {SAVE_TIMEOUT_SECONDS} s")
                time.sleep(SAVE_POLL_SECONDS)
                searches += 1
            found = time.perf_counter()
            samples.append({"paragraph": pk, "total_ms": (found - started) * MS, "save_ms": (saved - started) * MS,
                            "search_ms": (found - saved) * MS, "searches": searches})
            time.sleep(SAVE_PAUSE_SECONDS)
    finally:
        print("EDITS_DONE", flush=True)  # the parent stops the load here: restoring the texts is not measured
        for pk, text in originals.items():
            with transaction.atomic(), one_entry_per_document():
                paragraph = Paragraph.objects.get(pk=pk)
                paragraph.text = text
                paragraph.save()
    print("BENCH_JSON " + json.dumps({"samples": samples}), flush=True)


# The parent: gunicorn, wrk, results


def prepared(data_dir, n):
    """Run the child that builds or reuses `data_dir`; a folder it did not finish building is started afresh."""
    building = data_dir / BUILDING_MARKER
    if data_dir.exists() and not (data_dir / CORPUS_MARKER).exists():
        if building.exists():
            print(f"[{n:,}] {data_dir} was left half-built; building it again", flush=True)
            shutil.rmtree(data_dir)
        elif any(data_dir.iterdir()):  # never delete a folder this tool did not create, such as a real archive's
            sys.exit(f"{data_dir} holds files that are not a benchmark corpus: choose another --data folder")
    if not (data_dir / CORPUS_MARKER).exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        building.touch()
    print(f"[{n:,}] corpus and index in {data_dir}"
          + (" (reused)" if (data_dir / CORPUS_MARKER).exists() else " (building)"), flush=True)
    output = subprocess.run([sys.executable, __file__, "--prepare", str(data_dir), "--scale", str(n)],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True).stdout
    return bench_json(output)


def bench_json(output):
    for line in output.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise RuntimeError(f"no result in:\n{output[-2000:]}")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with `make run`'s options, on a data folder of its own; the access log goes to a file there."""

    def __init__(self, data_dir, workers):
        self.port = free_port()
        self.log = data_dir / "gunicorn.log"
        env = {**os.environ, "ARCHIVE_DATA_DIR": str(data_dir), "DEBUG": "False",
               # the rate limits would answer the load generator with 429s: the benchmark measures the pages
               "ARCHIVE_RATELIMIT_SEARCH": "off", "ARCHIVE_RATELIMIT_EXPORT": "off", "ARCHIVE_RATELIMIT_LOGIN": "off"}
        env.pop("DATABASE_URL", None)
        env.pop("DJANGO_SETTINGS_MODULE", None)
        gunicorn = Path(sys.executable).parent / "gunicorn"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(gunicorn), "archive.wsgi:application", "--bind", f"127.0.0.1:{self.port}", "--workers",
                 str(workers), "--access-logfile", "-", "--graceful-timeout", "5", "--limit-request-line", "8190"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.workers = workers

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def get(self, path, timeout):
        """(status, body bytes) of one GET, redirects not followed (as wrk does not follow them)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read(), response.getheader("Content-Type", "")
        finally:
            connection.close()

    def wait_ready(self, path):
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log}")
            try:
                if self.get(path, timeout=5)[0] == 200 and len(self.worker_pids()) == self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready after {READY_TIMEOUT_SECONDS} s; see {self.log}")

    def worker_pids(self):
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def worker_rss_mb(self):
        """{pid: VmRSS in MB} of each worker."""
        rss = {}
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        rss[pid] = int(line.split()[1]) * 1024 / MB
            except OSError:
                pass
        return rss

    def worker_cpu_ticks(self):
        ticks = 0
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime and stime
        return ticks

    def wait_idle(self):
        """Until the workers use no CPU: wrk leaves when its time is up, but a sync worker still answers every
        request queued before (a slow page's backlog), which would otherwise slow the next measurement."""
        deadline = time.monotonic() + IDLE_TIMEOUT_SECONDS
        before = self.worker_cpu_ticks()
        while time.monotonic() < deadline:
            time.sleep(IDLE_SAMPLE_SECONDS)
            now = self.worker_cpu_ticks()
            if now == before:
                return
            before = now

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def wrk_command(server, paths, seconds, args):
    return ["wrk", "--threads", str(args.threads), "--connections", str(args.connections),
            "--duration", f"{seconds}s", "--timeout", f"{WRK_TIMEOUT_SECONDS}s", "--script", str(LUA_SCRIPT),
            server.base, "--", *paths]


def wrk(server, paths, seconds, args):
    """wrk's figures for `seconds` of requests cycling through `paths`."""
    command = wrk_command(server, paths, seconds, args)
    return wrk_figures(subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True).stdout, args)


def wrk_figures(output, args):
    result = bench_json(output)
    seconds_run = result["duration_us"] / 1e6
    socket_errors = sum(v for k, v in result["errors"].items() if k != "status")
    # wrk forgets the requests still in flight when the time is up: with none finished, the page is too slow to
    # measure in this time, which the table says rather than showing 0 ms
    unfinished = args.connections if result["requests"] == 0 else 0
    return {"unfinished": unfinished, "requests": result["requests"], "seconds_run": seconds_run,
            "req_per_s": result["requests"] / seconds_run,
            "p50_ms": result["latency_us"]["p50"] / MS, "p90_ms": result["latency_us"]["p90"] / MS,
            "p99_ms": result["latency_us"]["p99"] / MS, "max_ms": result["latency_us"]["max"] / MS,
            "mean_ms": result["latency_us"]["mean"] / MS, "non_2xx": result["non_2xx"],
            "statuses": result["statuses"], "socket_errors": socket_errors,
            "errors": result["non_2xx"] + socket_errors + unfinished, "bytes_per_response": result["bytes"] / max(result["requests"], 1)}


def measure(server, name, paths, args):
    server.wait_idle()
    if args.warmup:
        wrk(server, paths, args.warmup, args)
        server.wait_idle()
    load = os.getloadavg()
    figures = wrk(server, paths, args.seconds, args)
    rss = server.worker_rss_mb()
    listed = paths if len(paths) <= LISTED_PATHS else [*paths[:LISTED_PATHS], f"… {len(paths):,} paths in all"]
    return {"page": name, "paths": listed, "seconds": args.seconds, **figures, "loadavg_before": load,
            "worker_rss_mb_after": max(rss.values(), default=None)}


def read_until(process, marker):
    """Lines of a child's output up to the one that is `marker`; its own time-outs bound the wait."""
    lines = []
    while True:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the editing process ended before {marker}:\n{''.join(lines)[-2000:]}")
        if line.strip() == marker:
            return lines
        lines.append(line)


def save_searchable(server, data_dir, search_path, args):
    """The search page's figures while `args.edits` single-paragraph edits are saved by another process, and each
    edit's time from the start of its save until a search over HTTP finds its new word."""
    editor = subprocess.Popen([sys.executable, __file__, "--edit", str(data_dir), "--port", str(server.port),
                               "--edits", str(args.edits)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    load = None
    try:
        read_until(editor, "READY")
        server.wait_idle()
        if args.warmup:
            wrk(server, [search_path], args.warmup, args)
            server.wait_idle()
        loadavg = os.getloadavg()
        load = subprocess.Popen(wrk_command(server, [search_path], SAVE_LOAD_MAX_SECONDS, args),
                                stdout=subprocess.PIPE, text=True)
        editor.stdin.write("go\n")
        editor.stdin.flush()
        read_until(editor, "EDITS_DONE")
        load.send_signal(signal.SIGINT)  # wrk stops and reports what it measured so far
        figures = wrk_figures(load.communicate(timeout=STOP_TIMEOUT_SECONDS)[0], args)
        samples = bench_json(editor.communicate(timeout=SAVE_TIMEOUT_SECONDS)[0])["samples"]
    finally:
        for process in (load, editor):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    if editor.returncode:
        raise RuntimeError(f"the editing process failed with {editor.returncode}")
    from report import percentile

    def summary(key):
        values = [sample[key] for sample in samples]
        return {"p50_ms": percentile(values, 50), "p95_ms": percentile(values, 95), "max_ms": max(values)}

    rss = server.worker_rss_mb()
    return {"page": SAVE_PAGE, "paths": [search_path], "seconds": figures["seconds_run"],
            **figures, "loadavg_before": loadavg, "worker_rss_mb_after": max(rss.values(), default=None),
            "save_searchable": {"edits": len(samples), "target_ms": SAVE_TARGET_MS, **summary("total_ms"),
                                "save": summary("save_ms"), "search_after_save": summary("search_ms"),
                                "samples": samples}}


def run_scale(n, data_dir, args):
    facts = prepared(data_dir, n)
    paths = facts["pages"]["paths"]
    wanted = args.pages.split(",") if args.pages else [*paths, "mix", SAVE_PAGE]
    unknown = set(wanted) - paths.keys() - {"mix", SAVE_PAGE}
    if unknown:
        sys.exit(f"no page named {', '.join(sorted(unknown))}: the pages are {', '.join(paths)}, mix and {SAVE_PAGE}")
    server = Server(data_dir, args.workers)
    result = {"scale": n, "data_dir": str(data_dir), "corpus": facts["corpus"], "hits": facts["pages"]["hits"],
              "workers": args.workers, "connections": args.connections, "pages": [], "skipped": {}, "loadavg_before": os.getloadavg()}
    try:
        server.wait_ready(paths["trivial"])
        rss = server.worker_rss_mb()
        result["worker_rss_mb_before"] = list(rss.values())
        measured = []
        for name in [name for name in wanted if name not in ("mix", SAVE_PAGE)]:
            server.wait_idle()
            started = time.perf_counter()
            status, body, content_type = server.get(paths[name], timeout=PREFLIGHT_TIMEOUT_SECONDS)
            first_ms = (time.perf_counter() - started) * MS
            if status == 404:
                result["skipped"][name] = f"{paths[name]} answers 404: this page is not in this checkout"
                print(f"[{n:,}] {name}: skipped, {result['skipped'][name]}", flush=True)
                continue
            row = measure(server, name, facts["pages"].get("cycles", {}).get(name, [paths[name]]), args)
            row.update({"first_status": status, "first_ms": first_ms, "size_bytes": len(body),
                        "content_type": content_type})
            result["pages"].append(row)
            measured.append(name)
            print(f"[{n:,}] {line(row)}", flush=True)
        if "mix" in wanted:
            rng = random.Random(MIX_SEED)
            mix = [paths[name] for name in measured for _ in range(MIX_WEIGHTS.get(name, 0))]
            rng.shuffle(mix)
            if mix:
                row = measure(server, "mix", mix, args)
                row["weights"] = {name: MIX_WEIGHTS[name] for name in measured if MIX_WEIGHTS.get(name)}
                result["pages"].append(row)
                print(f"[{n:,}] {line(row)}", flush=True)
        if SAVE_PAGE in wanted:
            row = save_searchable(server, data_dir, paths["search"], args)
            result["pages"].append(row)
            print(f"[{n:,}] {line(row)}", flush=True)
        result["worker_rss_mb_after"] = list(server.worker_rss_mb().values())
    finally:
        server.stop()
    result["loadavg_after"] = os.getloadavg()
    return result


# Targets of issue 13, judged on one run's figures


def targets(result, smaller=None):
    """[{target, figure, met}] for the pages of one scale; `smaller` is a smaller scale's result, if any."""
    pages = {row["page"]: row for row in result["pages"]}
    judged = []

    def judge(target, page, figure, met):
        if page in pages:
            judged.append({"target": target, "page": page, "figure": figure, "met": met})

    def rate(page, least):
        if page in pages:
            judge(f"{page}: ≥ {least} req/s", page, f"{pages[page]['req_per_s']:.1f} req/s",
                  pages[page]["req_per_s"] >= least)

    rate("search", 100)
    if "search" in pages:
        judge(f"search: p99 ≤ 200 ms at {result['connections']} connections", "search", f"p99 {pages['search']['p99_ms']:.0f} ms",
              pages["search"]["p99_ms"] <= 200)
    rate("search-phrase", 100)
    rate("api-json", 100)
    rate("document", 400)
    for page in ("home", "meetings"):
        if page in pages:
            judge(f"{page}: p50 ≤ 30 ms", page, f"p50 {pages[page]['p50_ms']:.0f} ms", pages[page]["p50_ms"] <= 30)
            if smaller:
                before = {row["page"]: row for row in smaller["pages"]}.get(page)
                if before:
                    grown = pages[page]["size_bytes"] / before["size_bytes"]
                    judge(f"{page}: size independent of the corpus", page,
                          f"{before['size_bytes'] / 1024:.0f} KB at {smaller['scale']:,}, "
                          f"{pages[page]['size_bytes'] / 1024:.0f} KB here", grown <= 1.1)
    if SAVE_PAGE in pages:
        saves = pages[SAVE_PAGE]["save_searchable"]
        judge(f"a save searchable ≤ {SAVE_TARGET_MS / MS:g} s (p95, while searches run)", SAVE_PAGE,
              f"p95 {saves['p95_ms']:.0f} ms", saves["p95_ms"] <= SAVE_TARGET_MS)
    after = result.get("worker_rss_mb_after") or []
    if after:
        judged.append({"target": "worker memory after load ≤ 150 MB", "page": None,
                       "figure": f"{max(after):.0f} MB (largest worker)", "met": max(after) <= 150})
    return judged


# Output


def line(row):
    size = f"{row['size_bytes'] / 1024:8.1f} KB" if "size_bytes" in row else " " * 11
    first = f"{row['first_ms']:8.0f}" if "first_ms" in row else " " * 8
    note = f"  none of {row['unfinished']} requests answered in {row['seconds']} s" if row["unfinished"] else ""
    if "save_searchable" in row:
        saves = row["save_searchable"]
        note += (f"\n{'':16} save → searchable over {saves['edits']} edits, during the search page's load: p50 "
                 f"{saves['p50_ms']:.0f}, p95 {saves['p95_ms']:.0f}, max {saves['max_ms']:.0f} ms (the save itself: "
                 f"p50 {saves['save']['p50_ms']:.0f}, p95 {saves['save']['p95_ms']:.0f} ms)")
    return (f"{row['page']:16} {row['req_per_s']:9.1f} {row['p50_ms']:9.1f} {row['p99_ms']:9.1f} "
            f"{row['errors']:7d} {size} {first} {row['worker_rss_mb_after'] or 0:8.0f}{note}")


def table(result):
    header = (f"{result['corpus']['paragraphs']:,} paragraphs, {result['workers']} workers, load "
              f"{' '.join(f'{x:.2f}' for x in result['loadavg_before'])} before, "
              f"{' '.join(f'{x:.2f}' for x in result['loadavg_after'])} after\n"
              f"{'page':16} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'errors':>7} {'size':>11} {'1st ms':>8} {'RSS MB':>8}")
    rows = [line(row) for row in result["pages"]]
    skipped = [f"{name}: skipped, {why}" for name, why in result["skipped"].items()]
    rss = (f"worker RSS before {', '.join(f'{x:.0f}' for x in result['worker_rss_mb_before'])} MB, "
           f"after {', '.join(f'{x:.0f}' for x in result['worker_rss_mb_after'])} MB")
    judged = [f"{'met    ' if t['met'] else 'NOT met'}  {t['target']:45} {t['figure']}" for t in result["targets"]]
    return "\n".join([header, *rows, *skipped, rss, "", "targets of issue 13:", *judged])


def chart(results):
    """Horizontal bars of req/s per page and scale (log scale: a static file is 100× a search)."""
    import pygal

    names = list(dict.fromkeys(row["page"] for result in results for row in result["pages"]))
    plot = pygal.HorizontalBar(logarithmic=True, height=120 + 40 * len(names) * len(results), legend_at_bottom=True,
                               title="Requests per second over HTTP (log scale; tooltips: p50 / p99)",
                               x_title="requests per second")
    plot.x_labels = names
    for result in results:
        rows = {row["page"]: row for row in result["pages"]}
        plot.add(f"{result['scale']:,} paragraphs", [
            {"value": rows[name]["req_per_s"], "label": f"p50 {rows[name]['p50_ms']:.0f} ms, p99 {rows[name]['p99_ms']:.0f} ms"}
            if name in rows else None for name in names])
    return plot.render(is_unicode=True)


def machine_info():
    import platform

    import whoosh_side

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), None)
    wrk_version = subprocess.run(["wrk", "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True).stdout.split("\n")[0]
    return {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "cores": os.cpu_count(),
            "cpu_model": cpu, "platform": platform.platform(), "python": platform.python_version(),
            "wrk": wrk_version, "code": whoosh_side.code_fingerprint()["combined"], "loadavg_start": os.getloadavg()}


def main(argv=None):
    args = parse_args(argv)
    if args.prepare:
        prepare(Path(args.prepare).resolve(), args.scale)
        return 0
    if args.edit:
        save_edits(Path(args.edit).resolve(), args.port, args.edits)
        return 0
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: `make bench-packages` installs Debian's wrk")
    scales = [int(s.replace("_", "")) for s in args.scales.split(",") if s.strip()]
    if args.data and len(scales) > 1:
        sys.exit("--data names one scale's folder: give a single scale with it")
    results_dir = Path(args.results).resolve()
    results_dir.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `finally` stops gunicorn
    machine = machine_info()
    settings = {key: getattr(args, key) for key in ("seconds", "warmup", "connections", "threads", "workers", "edits")}
    results = []
    for n in sorted(scales):
        data_dir = Path(args.data).resolve() if args.data else ROOT / "var" / "bench-http" / str(n)
        result = run_scale(n, data_dir, args)
        result["targets"] = targets(result, results[-1] if results else None)
        results.append(result)
        print("\n" + table(result) + "\n", flush=True)
        (results_dir / "http.json").write_text(json.dumps(
            {"machine": {**machine, "loadavg_end": os.getloadavg()}, "settings": settings, "results": results},
            indent=1))
        (results_dir / "http.svg").write_text(chart(results))
    print(f"Wrote {results_dir / 'http.json'} and {results_dir / 'http.svg'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
