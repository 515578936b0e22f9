import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from archive.ingest.evaluation import accuracy_rows, evaluate_corpus
from archive.models import Document

DEFAULT_CORPUS = settings.BASE_DIR / "tests" / "data" / "ingest" / "corpus"


class Command(BaseCommand):
    help = ("Import a corpus of statements whose truth is known into an empty archive (a throw-away data folder) "
            "and print the importer's accuracy per field, with the files that miss.")

    def add_arguments(self, parser):
        parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS,
                            help="Folder of input files, each with NAME.truth.json beside it")
        parser.add_argument("--json", action="store_true", dest="as_json",
                            help="Print every case's scores and misses as JSON instead of the table")
        parser.add_argument("--in-place", action="store_true",
                            help="Import into the configured database itself (it must hold no documents)")

    def handle(self, corpus, as_json=False, in_place=False, **options):
        if not corpus.is_dir():
            raise CommandError(f"{corpus}: no such folder")
        if not in_place:
            return self.run_in_empty_archive(corpus, as_json)
        if Document.objects.exists():
            raise CommandError("the archive already holds documents; run without --in-place")
        results = evaluate_corpus(corpus, lambda cases: tqdm(cases, desc="Importing", unit="file", file=self.stderr))
        if as_json:
            self.stdout.write(json.dumps([result.__dict__ for result in results], indent=2, ensure_ascii=False,
                                         default=sorted))
            return
        rows = accuracy_rows(results)
        self.stdout.write(f"{len(results)} files in {corpus}\n")
        self.stdout.write(f"{'field':<20} {'right':>11} {'accuracy':>9}  files that miss")
        for label, right, scored, misses in rows:
            accuracy = f"{100 * right / scored:.0f} %" if scored else "-"
            self.stdout.write(f"{label:<20} {f'{right}/{scored}':>11} {accuracy:>9}  {', '.join(misses)}")
        total_right, total = sum(row[1] for row in rows), sum(row[2] for row in rows)
        self.stdout.write(f"{'all fields':<20} {f'{total_right}/{total}':>11} {100 * total_right / max(total, 1):>7.0f} %")

    def run_in_empty_archive(self, corpus, as_json):
        """Run this command again with --in-place against a new database and index in a temporary folder."""
        with tempfile.TemporaryDirectory(prefix="archive-ingest-report-") as data_dir:
            env = {**os.environ, "ARCHIVE_DATA_DIR": data_dir}
            env.pop("DATABASE_URL", None)
            manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
            subprocess.run([*manage, "migrate", "--verbosity", "0"], env=env, check=True)
            command = [*manage, "ingest_report", "--in-place", str(corpus.resolve()), *(["--json"] if as_json else [])]
            completed = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True)  # progress on stderr
            self.stdout.write(completed.stdout, ending="")
            if completed.returncode:
                raise CommandError("the report failed")
