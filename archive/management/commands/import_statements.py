import hashlib
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from archive.ingest import IngestError
from archive.ingest.readers import SUPPORTED_EXTENSIONS
from archive.ingest.save import import_statement
from archive.models import DocumentSource, Meeting


def statement_files(paths):
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_EXTENSIONS)
        elif path.is_file():
            yield path
        else:
            raise CommandError(f"{path}: no such file or folder")


def report(path, result=None, error=None):
    if error is not None:
        return {"file": str(path), "status": "failed", "reason": error, "notes": []}
    document = result.document
    meeting = document.meeting
    return {
        "file": str(path),
        "status": result.status,
        "reason": None,
        "notes": result.notes,
        "url": document.get_absolute_url(),
        "title": document.title,
        "kind": document.kind,
        "published_on": document.published_on.isoformat() if document.published_on else None,
        "paragraph_count": document.paragraphs.count(),
        "attachment_name": document.attachment_name or None,
        "sources": list(document.sources.values_list("name", flat=True)),
        "version": document.versions.count(),
        "mentions": [meeting.title for meeting in Meeting.objects.filter(mentioned_in__document=document).distinct()],
        "extraction": document.extraction,
        "meeting": {
            "series": meeting.series.name,
            "ordinal": meeting.ordinal,
            "title": meeting.title,
            "url": meeting.get_absolute_url(),
            "start_date": meeting.start_date.isoformat() if meeting.start_date else None,
            "end_date": meeting.end_date.isoformat() if meeting.end_date else None,
            "city": meeting.city or None,
            "country": meeting.country or None,
            "mode": meeting.mode or None,
            "chair": meeting.chair or None,
            "chair_country": meeting.chair_country or None,
        },
    }


class Command(BaseCommand):
    help = ("Import statements (.txt, .html, .pdf, .docx) from files or folders; the same file again is re-read, "
            "a changed text of a stored statement becomes its new version, a copy another source.")

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="Statement files, or folders to search for them")
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print a JSON report, one object per file")
        parser.add_argument(
            "--skip-existing", action="store_true",
            help="Leave files already in the archive untouched (keeps edits made in the admin)",
        )

    def handle(self, paths, as_json=False, skip_existing=False, **options):
        files = list(statement_files(paths))
        if skip_existing:
            known = set(DocumentSource.objects.values_list("checksum", flat=True))
            files = [f for f in files if hashlib.sha256(f.read_bytes()).hexdigest() not in known]
        reports = []
        for path in tqdm(files, desc="Importing", unit="file", disable=len(files) < 2, file=self.stderr):
            try:
                result = import_statement(path.read_bytes(), path.name)
            except (IngestError, OSError) as error:
                reports.append(report(path, error=str(error)))
            else:
                reports.append(report(path, result))
        if as_json:
            self.stdout.write(json.dumps(reports, indent=2, ensure_ascii=False))
        else:
            for item in reports:
                self.stdout.write(summary_line(item))
            if not reports:
                self.stdout.write("Nothing to import.")
        if any(item["status"] == "failed" for item in reports):
            raise CommandError(f"{sum(i['status'] == 'failed' for i in reports)} of {len(reports)} files failed")


def summary_line(item):
    if item["status"] == "failed":
        return f"failed    {item['file']}: {item['reason']}"
    if item["status"] == "duplicate":
        line = f"duplicate {item['file']}: the same text as {item['title']} {item['url']}; kept as another source"
    elif item["status"] == "version":
        line = (f"version   {item['file']}: a changed text of {item['title']} {item['url']}; "
                f"kept as its version {item['version']}")
    else:
        line = (f"{item['status']:<9} {item['file']}: {item['title']} ({item['kind']}, "
                f"{item['meeting']['title']}, {item['paragraph_count']} paragraphs) {item['url']}")
    return "".join([line, *(f"\n          note: {note}" for note in item["notes"])])
