"""The single path from the database to the search index.

Every change to a meeting, document or paragraph records the affected documents in
`PendingIndexUpdate`, in the same transaction as the change. After the transaction
commits, `process_pending` applies the queue under the index lock: it reads the queue,
re-reads those documents from the database, rewrites their paragraphs in the index in
one commit, and only then deletes the queue rows it applied. A failed or interrupted run
leaves the rows in place for the next one, so no update or delete is ever dropped.
"""

import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from haystack import connections
from haystack.signals import BaseSignalProcessor

from .backend import index_lock

log = logging.getLogger(__name__)


def get_backend():
    return connections["default"].get_backend()


def paragraph_index():
    from ..models import Paragraph

    return connections["default"].get_unified_index().get_index(Paragraph)


def enqueue_documents(document_ids):
    """Record that these documents must be re-indexed; applied once the transaction commits."""
    from ..models import PendingIndexUpdate

    document_ids = sorted(set(document_ids))
    if not document_ids:
        return
    PendingIndexUpdate.objects.bulk_create(PendingIndexUpdate(document_id=pk) for pk in document_ids)
    transaction.on_commit(process_pending_quietly)


def process_pending():
    """Apply every queued index update; returns the number of documents re-indexed."""
    from ..models import PendingIndexUpdate

    if not PendingIndexUpdate.objects.exists():
        return 0
    backend = get_backend()
    search_index = paragraph_index()
    with index_lock(backend.path):
        pending = list(PendingIndexUpdate.objects.values_list("pk", "document_id"))
        if not pending:
            return 0
        document_ids = {document_id for _, document_id in pending}
        paragraphs = search_index.index_queryset().filter(document_id__in=document_ids)
        backend.replace_documents(search_index, document_ids, paragraphs)
        PendingIndexUpdate.objects.filter(pk__in=[pk for pk, _ in pending]).delete()
    return len(document_ids)


def process_pending_quietly():
    """After a commit: apply the queue, but never fail the request that made the change."""
    try:
        process_pending()
    except Exception:
        log.exception("Search index update failed; the changes stay queued for the next run")


def rebuild_index(progress=None):
    """Re-create the index from the database, document by document; returns the paragraph count."""
    from ..models import PendingIndexUpdate

    backend = get_backend()
    search_index = paragraph_index()
    with index_lock(backend.path):
        backend.clear()
        PendingIndexUpdate.objects.all().delete()
        paragraphs = search_index.index_queryset()
        count = paragraphs.count()
        with backend.writer() as writer:
            for paragraph in progress(paragraphs.iterator(), count) if progress else paragraphs.iterator():
                fields = backend.prepare(search_index, paragraph)
                if fields:
                    writer.add_document(**fields)
    return count


class QueuedSignalProcessor(BaseSignalProcessor):
    """Queues the documents touched by any save or delete of the archive's models."""

    def setup(self):
        for sender in self.senders():
            post_save.connect(self.handle_change, sender=sender)
            post_delete.connect(self.handle_change, sender=sender)

    def teardown(self):
        for sender in self.senders():
            post_save.disconnect(self.handle_change, sender=sender)
            post_delete.disconnect(self.handle_change, sender=sender)

    @staticmethod
    def senders():
        from ..models import Document, Meeting, MeetingSeries, Paragraph

        return [MeetingSeries, Meeting, Document, Paragraph]

    def handle_change(self, sender, instance, **kwargs):
        from ..models import Document, Meeting, MeetingSeries, Paragraph

        if isinstance(instance, Paragraph):
            document_ids = [instance.document_id]
        elif isinstance(instance, Document):
            document_ids = [instance.pk]
        elif isinstance(instance, Meeting):
            document_ids = list(Document.objects.filter(meeting_id=instance.pk).values_list("pk", flat=True))
        elif isinstance(instance, MeetingSeries):
            document_ids = list(Document.objects.filter(meeting__series_id=instance.pk).values_list("pk", flat=True))
        else:
            return
        enqueue_documents(document_ids)
