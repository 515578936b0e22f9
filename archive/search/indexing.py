"""The single path from the database to the search index.

Every change to a meeting, document or paragraph records the affected documents in
`PendingIndexUpdate`, in the same transaction as the change. After the transaction
commits, `process_pending` applies the queue under the index lock: it reads the queue,
re-reads those documents from the database, rewrites their paragraphs in the index in
one commit, and only then marks the rows applied. A failed or interrupted run leaves the
rows in place for the next one, so no update or delete is ever dropped.

A full rebuild writes a new index beside the live one without holding the lock, then, under
the lock, replays every change recorded since it started and swaps the new index in. It deletes
only the queue rows it covered: one committed during its last step stays for `process_pending`.
A change whose process died before applying it is applied by the next search or worker start.
"""

import ctypes
import functools
import json
import logging
import os
import shutil
import signal
from multiprocessing.util import register_after_fork

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from haystack import connections
from haystack.signals import BaseSignalProcessor

from .engine.storage import index_lock, writer_options

log = logging.getLogger(__name__)
REBUILD_PROCESSES = 2
PR_SET_PDEATHSIG = 1  # Linux's prctl option: the signal a process gets when its parent dies


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


def rebuild_marker(backend):
    return f"{backend.path}.rebuilding"


def running_rebuild(backend):
    """The process id of a rebuild that is still running (in any process), or None."""
    try:
        with open(rebuild_marker(backend)) as handle:
            pid = json.load(handle)["pid"]
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError, KeyError):
        return None


def remove_leftovers(backend):
    """Remove what a killed rebuild left (its unfinished index folder, its marker); returns their names."""
    pid = running_rebuild(backend)
    leftovers = backend.unused_builds(keep_pid=pid)
    for folder in leftovers:
        shutil.rmtree(folder, ignore_errors=True)
    marker = rebuild_marker(backend)
    if pid is None and os.path.exists(marker):
        os.unlink(marker)
        leftovers.append(marker)
    return [os.path.basename(path) for path in leftovers]


def die_with_parent(parent_pid, _writer):
    """Run in each indexing process of a rebuild as it starts: the kernel kills it when the rebuild
    dies, so a killed rebuild leaves no indexing process behind."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the rebuild died before the line above
        os._exit(1)


def process_pending():
    """Apply every queued index update; returns the number of documents re-indexed."""
    from ..models import PendingIndexUpdate

    if not PendingIndexUpdate.objects.filter(applied=False).exists():
        return 0
    backend = get_backend()
    search_index = paragraph_index()
    with index_lock(backend.path):
        pending = list(PendingIndexUpdate.objects.filter(applied=False).values_list("pk", "document_id"))
        if not pending:
            return 0
        document_ids = {document_id for _, document_id in pending}
        paragraphs = search_index.index_queryset().filter(document_id__in=document_ids)
        backend.replace_documents(search_index, document_ids, paragraphs)
        applied = PendingIndexUpdate.objects.filter(pk__lte=max(pk for pk, _ in pending))
        if running_rebuild(backend):
            applied.filter(pk__in=[pk for pk, _ in pending]).update(applied=True)
        else:
            applied.filter(applied=True).delete()
            PendingIndexUpdate.objects.filter(pk__in=[pk for pk, _ in pending]).delete()
    return len(document_ids)


def search_view(view):
    """A view that searches. It first applies any change still queued (a worker killed between its
    commit and its index update leaves one; when there is none this costs one indexed query). Then
    all its searches answer from one searcher, so a CSV export read in chunks is one consistent list
    even when the index is committed or swapped meanwhile."""
    @functools.wraps(view)
    def searching(request, *args, **kwargs):
        process_pending_quietly()
        with get_backend().one_searcher():
            return view(request, *args, **kwargs)
    return searching


def process_pending_quietly():
    """After a commit: apply the queue, but never fail the request that made the change."""
    try:
        process_pending()
    except Exception:
        log.exception("Search index update failed; the changes stay queued for the next run")


def rebuild_index(progress=None):
    """Build a new index from the database beside the live one and swap it in; returns the paragraph count."""
    from ..models import PendingIndexUpdate

    backend = get_backend()
    search_index = paragraph_index()
    remove_leftovers(backend)
    marker = rebuild_marker(backend)
    with open(marker, "w") as handle:
        json.dump({"pid": os.getpid()}, handle)
    try:
        # Changes queued so far are committed, so the database read below holds them.
        covered = set(PendingIndexUpdate.objects.values_list("pk", flat=True))
        index, folder = backend.new_build()
        paragraphs = search_index.index_queryset()
        count = paragraphs.count()
        rows = paragraphs.iterator(chunk_size=2000)
        # One indexing process per core, each writing a segment of its own.
        writer = index.writer(procs=min(REBUILD_PROCESSES, os.cpu_count() or 1), limitmb=settings.ARCHIVE_INDEX_BUILD_MB,
                              multisegment=True, **writer_options())
        register_after_fork(writer, functools.partial(die_with_parent, os.getpid()))
        try:
            for paragraph in progress(rows, count) if progress else rows:
                fields = backend.prepare(search_index, paragraph)
                if fields:
                    writer.add_document(**fields)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        with index_lock(backend.path):
            # Changes queued while the new index was being built, read once: a change committed
            # after this read stays queued for the next `process_pending`.
            later = [(pk, document_id) for pk, document_id in PendingIndexUpdate.objects.values_list("pk", "document_id")
                     if pk not in covered]
            document_ids = {document_id for _, document_id in later}
            if document_ids:
                with backend.writer(index) as late_writer:
                    backend.write_documents(late_writer, search_index, document_ids,
                                            search_index.index_queryset().filter(document_id__in=document_ids))
            backend.swap_in(folder)
            delete_queue_rows(covered | {pk for pk, _ in later})
            os.unlink(marker)  # under the lock: later runs of `process_pending` delete what they apply
    finally:
        if os.path.exists(marker):
            os.unlink(marker)
    return count


def delete_queue_rows(pks):
    from ..models import PendingIndexUpdate

    pks = sorted(pks)
    for start in range(0, len(pks), 500):
        PendingIndexUpdate.objects.filter(pk__in=pks[start:start + 500]).delete()


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
        from ..models import Document, Meeting, MeetingSeries, Paragraph, Topic

        return [MeetingSeries, Meeting, Document, Paragraph, Topic]

    def handle_change(self, sender, instance, **kwargs):
        from ..models import Document, Meeting, MeetingSeries, Paragraph, Topic

        documents = Document.objects.all()
        if isinstance(instance, Paragraph):
            document_ids = [instance.document_id]
        elif isinstance(instance, Document):
            document_ids = [instance.pk]
        elif isinstance(instance, Meeting):
            document_ids = documents.filter(meeting_id=instance.pk).values_list("pk", flat=True)
        elif isinstance(instance, MeetingSeries):
            document_ids = documents.filter(meeting__series_id=instance.pk).values_list("pk", flat=True)
        elif isinstance(instance, Topic):  # a topic rule can change any paragraph's topics
            paragraph_index().forget_topics()
            document_ids = documents.values_list("pk", flat=True)
        else:
            return
        enqueue_documents(list(document_ids))
