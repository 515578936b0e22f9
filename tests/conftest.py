import io
import os
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from archive.ingest.save import import_statement
from archive.models import Document, Meeting, MeetingSeries, PendingIndexUpdate
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


@pytest.fixture(scope="module")
def shared_seeds(django_db_setup, django_db_blocker):
    """Both seed statements and a third (the 22nd Summit, 2021), imported and indexed once for a whole
    module whose tests only read; everything they added is removed after the module. Tests take it
    through `read_only_seeds`, which also gives them the database."""
    with django_db_blocker.unblock():
        before = {model: set(model.objects.values_list("pk", flat=True)) for model in (Document, Meeting, MeetingSeries)}
        get_backend().clear()
        run_import(SEEDS)
        documents = {
            "summit": Document.objects.get(sources__name=SUMMIT_SEED),
            "dialogue": Document.objects.get(sources__name=DIALOGUE_SEED),
            "scattered": add_statement(SCATTERED_WORDS, "scattered.txt"),
        }
    yield documents
    with django_db_blocker.unblock():
        for model in (Document, Meeting, MeetingSeries):  # in this order: each protects the next
            model.objects.exclude(pk__in=before[model]).delete()
        PendingIndexUpdate.objects.all().delete()
        get_backend().clear()


@pytest.fixture
def read_only_seeds(db, shared_seeds):
    return shared_seeds


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
