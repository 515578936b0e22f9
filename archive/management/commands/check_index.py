from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.timesince import timesince
from haystack.constants import DJANGO_ID
from tqdm import tqdm

from archive.models import IndexChange, IndexNode, Paragraph
from archive.search.indexing import (
    enqueue_documents, get_backend, newest_entry, paragraph_index, process_pending, prune_log, pruned_through,
    read_position, rebuild_index, remove_leftovers, report_node,
)


class Command(BaseCommand):
    help = ("Compare this server's search index with the database, paragraph by paragraph and content by content, "
            "and repair any difference (or rebuild it all); then report how far every server's index has followed "
            "the index log, and delete the log entries all of them have applied and no longer need.")

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Rebuild the whole index from the database")

    def handle(self, rebuild=False, **options):
        backend = get_backend()
        leftovers = remove_leftovers(backend)
        if leftovers:
            self.stdout.write(f"Removed what an interrupted rebuild left: {', '.join(leftovers)}.")
        outdated = not backend.schema_is_current()
        behind = read_position(backend) < pruned_through()
        if rebuild or outdated or behind or (backend.document_count() == 0 and Paragraph.objects.exists()):
            if outdated and not rebuild:
                self.stdout.write("The search index was built by an earlier version of the archive.")
            elif behind and not rebuild:
                self.stdout.write("This server's index misses changes whose index log entries were deleted.")
            count = rebuild_index(progress=self.progress)
            self.stdout.write(f"Rebuilt the search index: {count} paragraphs.")
        else:
            self.compare(backend)
        self.report_log()

    def compare(self, backend):
        applied = process_pending()
        if applied:
            self.stdout.write(f"Applied queued index updates for {applied} documents.")
        merged = backend.merge_small_segments()
        if merged:
            self.stdout.write(f"Merged {merged} small index segments into one.")
        in_database = self.paragraphs_in_database(backend)
        in_index = {pk: (int(document_id), checksum)
                    for pk, (document_id, checksum) in backend.stored_by_id("document_id", "checksum").items()}
        missing = in_database.keys() - in_index.keys()
        extra = in_index.keys() - in_database.keys()
        changed = {pk for pk in in_database.keys() & in_index.keys() if in_database[pk] != in_index[pk]}
        report_node(read_position(backend))
        if not missing and not extra and not changed:
            self.stdout.write(f"Search index matches the database: {len(in_index)} paragraphs.")
            return
        stale_documents = ({in_database[pk][0] for pk in missing | changed}
                           | {in_index[pk][0] for pk in extra | changed})
        enqueue_documents(stale_documents)
        process_pending()
        self.stdout.write(
            f"Repaired the search index: {len(missing)} paragraphs added, {len(extra)} removed, "
            f"{len(changed)} updated, {len(stale_documents)} documents re-indexed."
        )

    def report_log(self):
        deleted = prune_log()
        oldest = IndexChange.objects.order_by("pk").values_list("pk", flat=True).first()
        kept = f"entries {oldest} to {newest_entry()}" if oldest else "no entries"
        self.stdout.write(f"Index log: {kept}, {deleted} deleted now, kept {settings.ARCHIVE_INDEX_LOG_DAYS:g} days "
                          f"after every live server has applied them.")
        now = timezone.now()
        for node in IndexNode.objects.all():
            this = " (this server)" if node.name == settings.ARCHIVE_NODE_NAME else ""
            lag = IndexChange.objects.filter(pk__gt=node.position).count()
            rebuilding = f", rebuilding from entry {node.rebuild_from}" if node.rebuild_from is not None else ""
            self.stdout.write(f"Server {node.name}{this}: at entry {node.position}, {lag} entries behind{rebuilding}, "
                              f"last seen {timesince(node.seen_at, now)} ago.")

    def paragraphs_in_database(self, backend):
        """{paragraph id: (document id, checksum of what the index should hold for it)}."""
        search_index = paragraph_index()
        paragraphs = search_index.index_queryset()
        prepared = (backend.prepare(search_index, paragraph)
                    for paragraph in paragraphs.iterator(chunk_size=2000))
        return {int(fields[DJANGO_ID]): (int(fields["document_id"]), fields["checksum"])
                for fields in self.progress(prepared, paragraphs.count(), "Comparing")}

    def progress(self, iterable, total, desc="Indexing"):
        return tqdm(iterable, total=total, desc=desc, unit="paragraph", file=self.stderr)
