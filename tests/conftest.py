import io
import tempfile
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


def pytest_configure(config):
    # A real Whoosh index and the originals' store in a throwaway folder; haystack reads this dict when it
    # first connects.
    data_dir = Path(tempfile.mkdtemp(prefix="archive-test-"))
    settings.HAYSTACK_CONNECTIONS["default"]["PATH"] = str(data_dir / "index")
    settings.DATA_DIR = data_dir


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
