"""Several app servers on one PostgreSQL: searches per second with 1, 2 and 3 nodes, and the delay from a save
on one node to its visibility on another.

    .venv/bin/python bench/nodes.py [--paragraphs 10000] [--seconds 15] [--clients 6] [--edits 40]

Starts a throw-away PostgreSQL cluster (tests/postgres.py), loads the seeds and a synthetic corpus
(bench/corpus.py), starts three gunicorn nodes on loopback ports, each with its own data folder and index,
and measures through HTTP, as a proxy in front of them would see it. Writes results/nodes.json.
"""

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import shutil
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The tests' helpers import the archive's models; this process itself only drives the nodes over HTTP.
DRIVER_DIR = tempfile.mkdtemp(prefix="archive-bench-driver-")
os.environ["ARCHIVE_DATA_DIR"] = DRIVER_DIR
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
django.setup()

from tests.postgres import Cluster  # noqa: E402
from tests.test_index_under_load import AdminSession, django_shell, manage  # noqa: E402
from tests.test_several_nodes import Node  # noqa: E402

QUERIES = ["cooperation", '"South China Sea"', "maritime security", "trade AND investment", "Korea NOT Japan",
           "year:[2010 TO 2015] cooperation", "connectivity", '"Plan of Action"', "digital economy", "culture"]


def load_corpus(env, paragraphs):
    manage(env, "migrate", "--noinput")
    manage(env, "createsuperuser", "--noinput", "--username", "editor", "--email", "editor@example.org")
    try:
        django_shell(env, (
            "import sys; sys.path.insert(0, 'bench')\n"
            "import corpus\n"
            f"corpus.load_into_django(corpus.generate({paragraphs}, progress=False), progress=False)\n"))
    except subprocess.CalledProcessError as error:
        sys.exit(f"Loading the corpus failed:\n{error.stderr}")


def searches_per_second(nodes, clients, seconds):
    """`clients` threads, each searching in turn on the nodes (as a round-robin proxy would) for `seconds`."""
    done, latencies, errors = [0] * clients, [], []

    def client(number):
        deadline = time.monotonic() + seconds
        i = number
        while time.monotonic() < deadline:
            node = nodes[i % len(nodes)]
            query = QUERIES[i % len(QUERIES)]
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(f"{node.base}/api/search/?q={urllib.parse.quote(query)}", timeout=60) as r:
                    r.read()
            except OSError as error:
                errors.append(repr(error))
            latencies.append(time.perf_counter() - start)
            done[number] += 1
            i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {"nodes": len(nodes), "searches": sum(done), "per_second": sum(done) / elapsed, "errors": len(errors),
            "p50_ms": statistics.median(latencies) * 1000,
            "p95_ms": statistics.quantiles(latencies, n=20)[-1] * 1000}


def save_to_visible(writer, reader, env, edits):
    """Edit a paragraph through `writer`'s admin, then search for its new word on `reader` until it is found."""
    paragraphs = json.loads(django_shell(env, (
        "import json; from archive.models import Paragraph\n"
        f"print(json.dumps(list(Paragraph.objects.order_by('pk').values('pk', 'document_id', 'position', 'number', "
        f"'anchor')[:{edits}])))\n")).splitlines()[-1])
    session = AdminSession(writer.base)
    from_start, from_return, polls = [], [], []
    for number, paragraph in enumerate(paragraphs):
        word = f"okapi{number}x{secrets.token_hex(3)}"
        path = f"/admin/archive/paragraph/{paragraph['pk']}/change/"
        session.get(path)  # the form, as an editor opens it (and a CSRF token), before the clock starts
        start = time.perf_counter()
        session.post(path, {
            "document": paragraph["document_id"], "position": paragraph["position"], "number": paragraph["number"],
            "anchor": paragraph["anchor"], "heading": "", "text": f"An edited paragraph with the word {word}."})
        returned = time.perf_counter()
        tries = 0
        while reader.count(word) != 1:
            tries += 1
            if time.perf_counter() - start > 60:
                raise RuntimeError(f"{word} not visible on {reader.name} after 60 s")
        visible = time.perf_counter()
        from_start.append(visible - start)
        from_return.append(visible - returned)
        polls.append(tries + 1)

    def summary(values):
        return {"p50_ms": statistics.median(values) * 1000, "p95_ms": statistics.quantiles(values, n=20)[-1] * 1000}

    return {"edits": len(paragraphs), "from_save_start": summary(from_start), "from_save_return": summary(from_return),
            "searches_until_visible": {"max": max(polls), "mean": statistics.mean(polls)}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=10000, help="size of the synthetic corpus")
    parser.add_argument("--seconds", type=float, default=15, help="length of each searches-per-second run")
    parser.add_argument("--clients", type=int, default=6, help="concurrent search clients")
    parser.add_argument("--edits", type=int, default=40, help="edits timed for save-to-visible")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "nodes.json")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="archive-bench-nodes-"))
    loadavg_before = os.getloadavg()
    with Cluster() as cluster:
        env = {**os.environ, "DATABASE_URL": cluster.create_database("bench"), "SECRET_KEY": secrets.token_urlsafe(50),
               "DJANGO_SUPERUSER_PASSWORD": "a-long-test-password", "ARCHIVE_RATELIMIT_SEARCH": "off",
               "ARCHIVE_RATELIMIT_EXPORT": "off", "ARCHIVE_RATELIMIT_LOGIN": "off"}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        nodes = [Node(f"node{number}", env, folder) for number in (1, 2, 3)]
        try:
            print(f"Loading {args.paragraphs} paragraphs into PostgreSQL …", flush=True)
            load_corpus(nodes[0].env, args.paragraphs)
            for node in nodes:
                started = time.monotonic()
                node.start()
                print(f"{node.name}: index built and serving in {time.monotonic() - started:.1f} s", flush=True)
            for node in nodes:  # warm each worker's searcher
                for query in QUERIES:
                    node.count(query)
            throughput = []
            for count in (1, 2, 3):
                result = searches_per_second(nodes[:count], args.clients, args.seconds)
                throughput.append(result)
                print(f"{count} node(s): {result['per_second']:.1f} searches/s, p50 {result['p50_ms']:.0f} ms, "
                      f"p95 {result['p95_ms']:.0f} ms, {result['errors']} errors", flush=True)
            visibility = save_to_visible(nodes[0], nodes[1], nodes[0].env, args.edits)
            print(f"save on node1 to visible on node2 ({visibility['edits']} edits): from the save's start "
                  f"p50 {visibility['from_save_start']['p50_ms']:.0f} ms, p95 {visibility['from_save_start']['p95_ms']:.0f} ms; "
                  f"after the save returned p50 {visibility['from_save_return']['p50_ms']:.0f} ms, "
                  f"p95 {visibility['from_save_return']['p95_ms']:.0f} ms; at most "
                  f"{visibility['searches_until_visible']['max']} search(es) needed", flush=True)
        finally:
            for node in nodes:
                node.stop()
            shutil.rmtree(folder, ignore_errors=True)
            shutil.rmtree(DRIVER_DIR, ignore_errors=True)
    result = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpu_count": os.cpu_count(), "paragraphs": args.paragraphs,
              "clients": args.clients, "seconds": args.seconds, "workers_per_node": 2, "throughput": throughput,
              "save_to_visible": visibility, "loadavg_before": loadavg_before, "loadavg_after": os.getloadavg()}
    args.out.write_text(json.dumps(result, indent=1))
    print(f"Results in {args.out}")


if __name__ == "__main__":
    main()
