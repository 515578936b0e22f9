import io
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from archive.ingest.save import import_statement
from archive.models import Document, Meeting, MeetingSeries
from archive.search.indexing import get_backend, newest_entry, process_pending, report_node, write_position
from archive.search_indexes import ParagraphIndex

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SUMMIT_SEED = "003_5f11476294925706.txt"
DIALOGUE_SEED = "000_931a6d2c2293319e.txt"


TEST_SEARCH_SECONDS = 10
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
    # Tests run side by side on every core: a search is given more time than a server's one second, so that
    # the machine's load never cuts one short (the test of the budget sets its own).
    os.environ["ARCHIVE_SEARCH_SECONDS"] = str(TEST_SEARCH_SECONDS)
    settings.ARCHIVE_SEARCH_SECONDS = TEST_SEARCH_SECONDS


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


def pytest_collection_modifyitems(items):
    # Tests that start servers or processes are timed against each other's load: one worker runs them all.
    for item in items:
        if item.get_closest_marker("subprocess"):
            item.add_marker(pytest.mark.xdist_group("subprocess"))


@pytest.fixture
def search_index(db):
    backend = get_backend()
    backend.clear()
    # Topic rules are kept for a few seconds; a test that changed them was rolled back without a signal
    ParagraphIndex.forget_topics()
    return backend


def run_import(*args):
    out = io.StringIO()
    call_command("import_statements", *map(str, args), stdout=out, stderr=io.StringIO())
    return out.getvalue()


# What an import writes: a snapshot holds these rows and the index built from them.
SNAPSHOT_MODELS = ["archive.MeetingSeries", "archive.Meeting", "archive.Document", "archive.DocumentSource",
                   "archive.DocumentVersion", "archive.Paragraph"]


class Snapshots:
    """Archives imported through the real save path and indexed once per session, then restored for
    each test that asks for one: its rows loaded into the test's transaction (rolled back after it,
    as always) and a copy of its index swapped in. Every test still starts from a fresh archive."""

    def __init__(self, folder):
        self.folder = folder
        self.made = {}

    def restore(self, name, build):
        """The archive `build()` makes (it returns {key: document}), as {key: document}."""
        if name not in self.made:
            self.made[name] = self.make(name, build)
        rows, index, documents = self.made[name]
        call_command("loaddata", str(rows), verbosity=0)
        backend = get_backend()
        # A name never used before: a searcher open on an earlier copy of the same name would be kept.
        copy = f"{backend.path}-build-snapshot-{name}-{uuid.uuid4().hex}"
        shutil.copytree(index, copy)
        write_position(copy, newest_entry())  # the index holds what loaddata's saves logged
        backend.swap_in(copy)
        report_node(newest_entry())
        return {key: Document.objects.get(pk=pk) for key, pk in documents.items()}

    def make(self, name, build):
        with transaction.atomic():  # rolled back: the test that asked restores it like any other
            get_backend().clear()
            # Built from an empty archive, whatever the asking test had loaded before.
            Document.objects.all().delete()
            Meeting.objects.all().delete()
            MeetingSeries.objects.filter(known_only_from_mentions=True).delete()
            documents = build()
            rows = self.folder / f"{name}.json"
            call_command("dumpdata", *SNAPSHOT_MODELS, output=str(rows), verbosity=0)
            # Indexed as they will be restored: the dump keeps times to the millisecond only.
            call_command("loaddata", str(rows), verbosity=0)
            # Every logged change is applied: a position left by an earlier test may name ids that its
            # rolled-back transaction gave out again.
            write_position(os.path.realpath(get_backend().path), 0)
            process_pending()
            index = self.folder / f"{name}-index"
            shutil.copytree(os.path.realpath(get_backend().path), index)
            transaction.set_rollback(True)
        get_backend().clear()
        return rows, index, {key: document.pk for key, document in documents.items()}


@pytest.fixture(scope="session")
def snapshots(tmp_path_factory):
    return Snapshots(tmp_path_factory.mktemp("snapshots"))


def seed_documents():
    run_import(SEEDS)
    return {
        "summit": Document.objects.get(sources__name=SUMMIT_SEED),
        "dialogue": Document.objects.get(sources__name=DIALOGUE_SEED),
    }


@pytest.fixture
def seeds(search_index, snapshots):
    """Both seed statements imported and indexed through the normal save path."""
    return snapshots.restore("seeds", seed_documents)


@pytest.fixture
def three_statements(search_index, snapshots):
    """The seeds and the 22nd Summit (2021), whose paragraph 2 has "South", "China" and "Sea" apart."""
    return snapshots.restore("three statements",
                             lambda: {**seed_documents(), "scattered": add_statement(SCATTERED_WORDS, "scattered.txt")})


def seeded_archive(folder):
    """The environment of a new archive in `folder` (database, the seeds imported and indexed, an editor)."""
    from .test_index_under_load import manage

    env = own_database({**os.environ, "ARCHIVE_DATA_DIR": str(folder),
                        "DJANGO_SUPERUSER_PASSWORD": "a-long-test-password"})
    env.pop("DJANGO_SETTINGS_MODULE", None)
    manage(env, "migrate", "--noinput")
    manage(env, "import_statements", "seeds/")
    manage(env, "createsuperuser", "--noinput", "--username", "editor", "--email", "editor@example.org")
    return env


@pytest.fixture(scope="session")
def seeded_data_dir(tmp_path_factory):
    """A data folder with its SQLite database set up once, for `archive_env` to copy."""
    folder = tmp_path_factory.mktemp("seeded") / "data"
    seeded_archive(folder)
    return folder


@pytest.fixture
def archive_env(seeded_data_dir, tmp_path):
    """The environment of an archive of its own for manage.py and gunicorn: a copy of `seeded_data_dir` or,
    when the suite runs on PostgreSQL, a database of its own seeded the same way."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return seeded_archive(tmp_path / "data")
    shutil.copytree(seeded_data_dir, tmp_path / "data", symlinks=True)
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(tmp_path / "data"), "DJANGO_SUPERUSER_PASSWORD": "a-long-test-password"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


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


EDITIONS = Path(__file__).resolve().parent / "data" / "editions"


def editions_file_name(document):
    """A statement's name in tests/data/editions: its file name, under "seeds/" for a seed."""
    name = document.sources.get().name
    return f"seeds/{name}" if (SEEDS / name).exists() else name


def import_editions():
    run_import(SEEDS, EDITIONS)
    return {editions_file_name(document): document for document in Document.objects.all()}


@pytest.fixture
def editions(search_index, snapshots):
    """The seeds and the editions set (several editions of the ASEAN-ROK Summit and Dialogue; see
    tests/data/editions/README.md) imported and indexed, as {file name as in alignments.json: document}."""
    return snapshots.restore("editions", import_editions)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for every browser test of a worker."""
    from .browser import chromium

    with chromium() as driver:
        yield driver


@pytest.fixture
def site(live_server, django_db_serialized_rollback, snapshots):
    """The seeds and the editions set in a live archive, for the browser: its URL."""
    snapshots.restore("editions", import_editions)
    return live_server.url
