from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.backup import BackupError, export_archive


class Command(BaseCommand):
    help = "Back up the whole archive (every row as JSON and the original files, checksums verified) into a folder."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="An empty or new folder for the backup")

    def handle(self, path, **options):
        try:
            counts = export_archive(path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Exported to {path}: " + ", ".join(f"{count} {name}" for name, count in counts.items()) + ".")
