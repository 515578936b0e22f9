from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.backup import BackupError, import_archive
from archive.search.indexing import rebuild_index


class Command(BaseCommand):
    help = ("Restore a backup made by export_archive into an archive without meetings or documents, "
            "then rebuild the search index.")

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The backup folder")

    def handle(self, path, **options):
        try:
            counts = import_archive(path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Imported from {path}: " + ", ".join(f"{count} {name}" for name, count in counts.items()) + ".")
        self.stdout.write(f"Rebuilt the search index: {rebuild_index()} paragraphs.")
