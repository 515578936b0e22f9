from django.core.management.base import BaseCommand
from tqdm import tqdm

from archive.models import Paragraph
from archive.search.indexing import enqueue_documents, get_backend, process_pending, rebuild_index


class Command(BaseCommand):
    help = "Compare the search index with the database and repair any difference (or rebuild it all)."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Rebuild the whole index from the database")

    def handle(self, rebuild=False, **options):
        backend = get_backend()
        outdated = not backend.schema_is_current()
        if rebuild or outdated or (backend.document_count() == 0 and Paragraph.objects.exists()):
            if outdated and not rebuild:
                self.stdout.write("The search index was built by an earlier version of the archive.")
            count = rebuild_index(progress=self.progress)
            self.stdout.write(f"Rebuilt the search index: {count} paragraphs.")
            return
        applied = process_pending()
        if applied:
            self.stdout.write(f"Applied queued index updates for {applied} documents.")
        in_database = dict(Paragraph.objects.values_list("pk", "document_id"))
        in_index = backend.indexed_paragraphs()
        missing = in_database.keys() - in_index.keys()
        extra = in_index.keys() - in_database.keys()
        if not missing and not extra:
            self.stdout.write(f"Search index matches the database: {len(in_index)} paragraphs.")
            return
        stale_documents = {in_database[pk] for pk in missing} | {in_index[pk] for pk in extra}
        enqueue_documents(stale_documents)
        process_pending()
        self.stdout.write(
            f"Repaired the search index: {len(missing)} paragraphs added, {len(extra)} removed, "
            f"{len(stale_documents)} documents re-indexed."
        )

    def progress(self, iterable, total):
        return tqdm(iterable, total=total, desc="Indexing", unit="paragraph", file=self.stderr)
