"""The site's own search stack, driven exactly as the site drives it.

`setup(data_dir)` must run before anything imports Django models: it points
ARCHIVE_DATA_DIR at a fresh folder, then calls `django.setup()` and `migrate`.
"""

import os
import sys
import time
from pathlib import Path
from time import perf_counter

from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent


def setup(data_dir, project_dir=ROOT):
    """Django on the project in `project_dir` (a frozen copy of the checkout, see run.py)."""
    os.environ["ARCHIVE_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "archive.settings"
    os.environ.pop("DATABASE_URL", None)  # always the fresh SQLite file in data_dir, never a real database
    os.environ["DEBUG"] = "False"         # DEBUG=True would record every SQL query
    sys.path.insert(0, str(project_dir))
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    import archive

    assert Path(archive.__file__).resolve().is_relative_to(Path(project_dir).resolve()), archive.__file__
    data_dir = Path(data_dir).resolve()
    assert Path(settings.HAYSTACK_CONNECTIONS["default"]["PATH"]).is_relative_to(data_dir), \
        "the index must live in the benchmark's own data folder"
    assert Path(str(settings.DATABASES["default"]["NAME"])).is_relative_to(data_dir), \
        "the database must live in the benchmark's own data folder"
    call_command("migrate", verbosity=0, interactive=False)


def backend():
    from archive.search.indexing import get_backend

    return get_backend()


def build():
    """Time the site's full rebuild; returns seconds, paragraphs indexed and index facts."""
    from archive.search.indexing import rebuild_index

    def progress(iterable, total):
        return tqdm(iterable, total=total, desc="Whoosh rebuild_index", unit="para", mininterval=1)

    start = perf_counter()
    count = rebuild_index(progress=progress)
    seconds = perf_counter() - start
    return {"seconds": seconds, "paragraphs": count, **index_facts()}


def index_facts():
    b = backend()
    searcher = b.current_searcher()
    size = sum(f.stat().st_size for f in Path(b.path).iterdir() if f.is_file())
    return {"doc_count": searcher.doc_count(), "segments": len(b.index._segments()), "bytes": size}


# What the FTS5 reference needs to mirror the site


def site_facets():
    from archive.search.facets import FACETS

    return [facet.name for facet in FACETS]


def mode_labels():
    from archive.models import Meeting

    return {value: str(label) for value, label in Meeting.Mode.choices}


def topic_patterns():
    """The site's topic rules [(name, regex)], or [] if this version of the project has none."""
    from archive.search_indexes import ParagraphIndex

    return ParagraphIndex.topic_patterns() if hasattr(ParagraphIndex, "topic_patterns") else []


def query_cache_size():
    """How many per-query match sets the backend keeps (None if it keeps none)."""
    from archive.search.engine import backend as backend_module

    return getattr(backend_module, "DOCSET_CACHE_SIZE", None)


def code_fingerprint(project_dir=ROOT):
    """sha256 of the project's code and fixtures: results are only comparable when it matches."""
    import hashlib

    project_dir = Path(project_dir)
    files = sorted(f for pattern in ("archive/**/*.py", "fixtures/*.json") for f in project_dir.glob(pattern)
                   if "__pycache__" not in f.parts)
    digests = {str(f.relative_to(project_dir)): hashlib.sha256(f.read_bytes()).hexdigest()[:12] for f in files}
    combined = hashlib.sha256("".join(f"{k}{v}" for k, v in digests.items()).encode()).hexdigest()[:12]
    return {"combined": combined, "files": digests}


# Single-update latency


def unique_word(i):
    letters = "bcdfghjklmnpqrstvwxz"
    word = ""
    i += 1000
    while i:
        i, r = divmod(i, len(letters))
        word += letters[r]
    return f"qzx{word}vok"


def count_hits(q):
    from haystack.query import SearchQuerySet

    return SearchQuerySet().raw_search(q).count()


def update_latency(repeats, rng, timeout=120.0):
    """Edit one paragraph through the ORM, then search until the new word is found.

    The edit is made in `transaction.atomic()`, outside any other transaction, so its
    post_save signal enqueues the document and, on commit, the site's on-commit hook
    (`process_pending_quietly`) rewrites it in the index, as on the live site.
    """
    from django.db import connection, transaction

    from archive.models import Paragraph
    from archive.search.indexing import unapplied_entries

    assert connection.get_autocommit() and not connection.in_atomic_block, "on_commit hooks would not run"
    ids = list(Paragraph.objects.values_list("pk", flat=True))
    samples = []
    for i in range(repeats):
        word = unique_word(i)
        assert count_hits(word) == 0
        paragraph = Paragraph.objects.get(pk=rng.choice(ids))
        words = paragraph.text.rstrip(".").split()
        words[rng.randrange(len(words))] = word
        paragraph.text = " ".join(words) + "."
        with transaction.atomic():
            start = perf_counter()
            paragraph.save()
        committed = perf_counter()  # the on-commit hook has run when atomic() returns
        polls = 0
        while True:
            polls += 1
            found = count_hits(word)
            if found:
                break
            if perf_counter() - start > timeout:
                raise RuntimeError(f"update of paragraph {paragraph.pk} not searchable after {timeout} s")
            time.sleep(0.005)
        end = perf_counter()
        # The first results page after the edit: the searcher was reopened, so whatever the backend
        # caches per searcher (facet value sets, filter sets) is rebuilt by this one.
        first_page_ms, _ = timed_ms(page, word)
        if unapplied_entries().exists():
            raise RuntimeError("the on-commit hook left index log entries unapplied")
        samples.append({"total_ms": (end - start) * 1000, "save_commit_index_ms": (committed - start) * 1000,
                        "search_ms": (end - committed) * 1000, "first_page_ms": first_page_ms,
                        "polls": polls, "paragraph": paragraph.pk,
                        "document_paragraphs": Paragraph.objects.filter(document_id=paragraph.document_id).count()})
    return samples


def timed_ms(fn, *args):
    start = perf_counter()
    value = fn(*args)
    return (perf_counter() - start) * 1000, value


# The three measured operations


def bare(q):
    """The bare query: top 10 and the exact count, no facets, highlighting or filters."""
    from haystack.query import SearchQuerySet

    sqs = SearchQuerySet().raw_search(q)
    list(sqs[:10])
    return sqs.count()


def rendered(request):
    """The count of a results page, its snippets rendered with their marks as the page and JSON do."""
    from archive.sanitize import marked_html
    from archive.search.service import search_page

    page = search_page(request)
    for hit in page.hits:
        marked_html(hit.text, hit.spans, *hit.excerpt)
    return page.count


def page(q):
    """The results page exactly as the site builds it (ranked top 10, count, facets, snippets)."""
    from archive.search.service import SearchRequest

    return rendered(SearchRequest(q=q, per_page=10))


def filtered(q, series):
    """One series, newest first: what a click on a series facet and "newest" does."""
    from archive.search.service import SearchRequest

    return rendered(SearchRequest(q=q, filters={"series": [series]}, sort="newest", per_page=10))
