"""An import killed with SIGKILL half-way leaves every statement either whole or absent, the index matching
the database, and importing the folder again brings in the rest with nothing lost or doubled."""

import json
import signal
import subprocess
import time

import pytest

from .test_index_under_load import PYTHON, ROOT, django_shell, manage

pytestmark = pytest.mark.subprocess

STATEMENTS = 40
KILL_AFTER_DOCUMENTS = 5
WAIT_SECONDS = 120

COUNTS = (
    "import json; from archive.models import Document, Paragraph\n"
    "print(json.dumps({'documents': Document.objects.filter(kind='Joint Media Statement').count(),\n"
    "                  'partial': Document.objects.filter(kind='Joint Media Statement').exclude(paragraphs__number='3')"
    ".count()}))\n"
)


def test_a_killed_import_leaves_whole_statements_and_a_second_run_completes_it(archive_env, tmp_path):
    folder = tmp_path / "incoming"
    folder.mkdir()
    for number in range(STATEMENTS):
        ordinal = 100 + number
        (folder / f"statement-{number:02d}.txt").write_text(
            f"Joint Media Statement of the {ordinal}th AEM-ROK Consultation\n\n"
            f"1. The {ordinal}th AEM-ROK Consultation was held in Jakarta on 5 March 2031.\n\n"
            f"2. The Ministers reviewed trade and investment under the ASEAN-Korea Free Trade Area.\n\n"
            f"3. The Ministers noted the marker killedimport{number}q.\n", encoding="utf-8")
    importer = subprocess.Popen([PYTHON, "manage.py", "import_statements", str(folder)], cwd=ROOT, env=archive_env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and importer.poll() is None:
        if json.loads(django_shell(archive_env, COUNTS))["documents"] >= KILL_AFTER_DOCUMENTS:
            break
        time.sleep(0.2)
    importer.send_signal(signal.SIGKILL)
    importer.wait(timeout=30)

    counts = json.loads(django_shell(archive_env, COUNTS))
    print(f"Killed import: {counts['documents']} of {STATEMENTS} statements saved, {counts['partial']} partial")
    assert KILL_AFTER_DOCUMENTS <= counts["documents"] < STATEMENTS and counts["partial"] == 0
    assert "matches the database" in manage(archive_env, "check_index").stdout

    manage(archive_env, "import_statements", str(folder))
    counts = json.loads(django_shell(archive_env, COUNTS))
    assert counts == {"documents": STATEMENTS, "partial": 0}
    found = django_shell(archive_env, (
        "from archive.search.service import SearchRequest, search_page\n"
        f"print(sum(search_page(SearchRequest(q=f'killedimport{{n}}q')).count for n in range({STATEMENTS})))\n"))
    assert found.strip() == str(STATEMENTS)
    assert "matches the database" in manage(archive_env, "check_index").stdout
