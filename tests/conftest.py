import io
import os
import tempfile
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from archive.ingest.save import import_statement
from archive.models import Document
from archive.search.indexing import get_backend, process_pending

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SUMMIT_SEED = "003_5f11476294925706.txt"
DIALOGUE_SEED = "000_931a6d2c2293319e.txt"


RATE_LIMITS = ("ARCHIVE_RATELIMIT_SEARCH", "ARCHIVE_RATELIMIT_EXPORT", "ARCHIVE_RATELIMIT_LOGIN")


def pytest_configure(config):
    # A real Whoosh index, cache and originals' store in a throwaway folder; haystack and Django's cache read
    # these dicts when they are first used.
    folder = Path(tempfile.mkdtemp(prefix="archive-test-"))
    settings.HAYSTACK_CONNECTIONS["default"]["PATH"] = str(folder / "index")
    settings.CACHES["default"]["LOCATION"] = str(folder / "cache")
    settings.DATA_DIR = folder
    # Rate limits are off, in this process and in the servers tests start, but where a test sets one.
    for name in RATE_LIMITS:
        os.environ[name] = "off"
        setattr(settings, name, None)


def own_database(env):
    """`env` for the processes a test starts on an archive of its own. A new ARCHIVE_DATA_DIR gives them a new
    SQLite database; when the suite runs on PostgreSQL (DATABASE_URL), this adds a new database of its cluster."""
    url = env.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return env
    import psycopg

    name = f"archive_{uuid.uuid4().hex[:12]}"
    server = url.rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return {**env, "DATABASE_URL": f"{server}/{name}"}


@pytest.fixture
def search_index(db):
    backend = get_backend()
    backend.clear()
    return backend


def run_import(*args):
    out = io.StringIO()
    call_command("import_statements", *map(str, args), stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def seeds(search_index, django_capture_on_commit_callbacks):
    """Both seed statements imported and indexed through the normal save path."""
    with django_capture_on_commit_callbacks(execute=True):
        run_import(SEEDS)
    return {
        "summit": Document.objects.get(sources__name=SUMMIT_SEED),
        "dialogue": Document.objects.get(sources__name=DIALOGUE_SEED),
    }


def add_statement(text, name):
    """Import a statement written by a test, and index it."""
    result = import_statement(text.encode("utf-8"), name)
    process_pending()
    return result.document


SCATTERED_WORDS = """Chairman's Statement of the 22nd ASEAN-ROK Summit

1. The 22nd ASEAN-ROK Summit was held in Bandar Seri Begawan, Brunei Darussalam on 26 October 2021.

2. Ships sailed south along the coast of China and out to the open Sea, we noted with interest.

3. We discussed cooperating funds and the next Plan of Action for 2021-2025.
"""
