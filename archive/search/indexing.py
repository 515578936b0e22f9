"""The single path from the database to each app server's search index.

The database keeps an ordered log of index changes (`IndexChange`): every change to a meeting series,
meeting, document, paragraph or topic appends the documents it touches, in the same transaction as the
change. A transaction locks the log's one row (`IndexLog`) before its first change and keeps the lock
until it ends, so entries are committed in the order of their ids: once entry N is visible, every entry
before it is committed or never will be. (SQLite runs one write transaction at a time anyway.)

Each app server (node) keeps its own Whoosh index under its ARCHIVE_DATA_DIR, with the id of the last entry
applied to it in the index folder (`log_position`). `process_pending` applies the newer entries, a chunk at a
time under the node's index lock: it re-reads those documents from the database, rewrites their paragraphs
in one commit (which merges no segments: engine.storage), and only then records the new position; an
interrupted run leaves the position where it was, so nothing is ever dropped. It runs after every commit that appended to the log (in a background
thread for a change that touches many statements), when a worker starts, and before every search (one
chunk at most; one indexed query when nothing is new), so a change saved on one node is searchable on
every node at once. A change logs each statement it touches once (`one_entry_per_document`). Applied entries stay: `prune_log` deletes those older than ARCHIVE_INDEX_LOG_DAYS that every live
node has applied. A node whose position is older than the deleted part (a node away for longer) must be
rebuilt; so must a node whose index is new, once the log has been pruned (`check_index` does both).

A full rebuild notes the newest entry, writes a new index from the database beside the live one without
holding the lock, then, under the lock, replays the entries after the one it noted, records the position
and swaps the new index in. A killed rebuild leaves the live index as it was.
"""

import ctypes
import functools
import json
import logging
import os
import shutil
import signal
import threading
import time
from contextlib import ContextDecorator
from datetime import timedelta

from django.conf import settings
from django.db import connections as databases
from django.db import transaction
from django.db.models import Max, Q
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.utils import timezone
from haystack import connections
from haystack.signals import BaseSignalProcessor

from ..pages import new_revision
from .engine.build import build_segments
from .engine.storage import index_lock, writer_options

log = logging.getLogger(__name__)
REBUILD_PROCESSES = 2
READ_CHUNK = 2000  # paragraphs read from the database at a time
MEGABYTE = 1024 * 1024
PR_SET_PDEATHSIG = 1  # Linux's prctl option: the signal a process gets when its parent dies
POSITION_FILE = "log_position"
PRUNE_EVERY_SECONDS = 3600
# Log entries applied under one hold of the index lock, in one index commit.
CHUNK_ENTRIES = 50
_last_prune = 0.0


class IndexBehindLog(Exception):
    """The node's index misses changes whose log entries were deleted: only a rebuild can bring it up to date."""


def get_backend():
    return connections["default"].get_backend()


def paragraph_index():
    from ..models import Paragraph

    return connections["default"].get_unified_index().get_index(Paragraph)


def lock_log():
    """Lock the log's row until the current transaction ends (a no-op on SQLite, whose writes are serialized)."""
    from ..models import IndexLog

    IndexLog.objects.select_for_update().get_or_create(pk=1)


_batch = threading.local()


class one_entry_per_document(ContextDecorator):
    """Inside it, the documents that saves and deletes touch are collected and each is logged once, when it
    is left without an error; use it inside the transaction that makes the changes, so the entries are
    committed with them. (Without it, every saved or deleted row appends its document again: a re-parse of
    a 22-paragraph statement appended 25 entries.)"""

    def __enter__(self):
        depth = getattr(_batch, "depth", 0)
        if not depth:
            _batch.documents, _batch.background = set(), False
        _batch.depth = depth + 1
        return self

    def __exit__(self, error_type, error, traceback):
        _batch.depth -= 1
        if _batch.depth:
            return False
        documents, background = _batch.documents, _batch.background
        _batch.documents = None
        if error_type is None:
            enqueue_documents(documents, background=background)
        return False


def queued_for_background():
    """How many statements the current `one_entry_per_document` will re-index in the background (0 outside one,
    or when it re-indexes them at once)."""
    documents = getattr(_batch, "documents", None)
    return len(documents) if documents is not None and _batch.background else 0


def enqueue_documents(document_ids, background=False):
    """Append these documents to the change log, in the current transaction. Once it commits, this node
    applies them: at once, or in a background thread when `background` (a change that touches many
    statements, such as a series renamed, must not hold up the request that made it)."""
    from ..models import IndexChange

    if getattr(_batch, "documents", None) is not None:
        _batch.documents.update(document_ids)
        _batch.background |= background
        return
    document_ids = sorted(set(document_ids))
    if not document_ids:
        return
    with transaction.atomic():
        lock_log()
        IndexChange.objects.bulk_create(IndexChange(document_id=pk) for pk in document_ids)
        new_revision()
    transaction.on_commit(apply_in_background if background else process_pending_quietly)


def apply_in_background():
    threading.Thread(target=catch_up, name="index-catch-up", daemon=True).start()


def catch_up():
    """A background thread's run of the queue; the thread's own database connection is closed at the end."""
    try:
        process_pending_quietly()
    finally:
        databases.close_all()


def read_position(backend, folder=None):
    """The last log entry applied to the index in `folder` (the live one by default); 0 for a new index."""
    try:
        with open(os.path.join(folder or os.path.realpath(backend.path), POSITION_FILE)) as handle:
            return int(handle.read())
    except (FileNotFoundError, ValueError):
        return 0


def write_position(folder, position):
    temporary = os.path.join(folder, f".{POSITION_FILE}.{os.getpid()}")
    with open(temporary, "w") as handle:
        handle.write(str(position))
    os.replace(temporary, os.path.join(folder, POSITION_FILE))


def pruned_through():
    from ..models import IndexLog

    return IndexLog.objects.filter(pk=1).values_list("pruned_through", flat=True).first() or 0


def newest_entry():
    """The id of the newest log entry (or of the last one deleted, when none is left)."""
    from ..models import IndexChange

    return max(IndexChange.objects.aggregate(newest=Max("pk"))["newest"] or 0, pruned_through())


def unapplied_entries(backend=None):
    """The log entries this node's index has not applied yet."""
    from ..models import IndexChange

    return IndexChange.objects.filter(pk__gt=read_position(backend or get_backend()))


def report_node(position, rebuild_from=None):
    """Record in the database how far this node's index has followed the log (for check_index and pruning)."""
    from ..models import IndexNode

    IndexNode.objects.update_or_create(name=settings.ARCHIVE_NODE_NAME, defaults={
        "position": position, "rebuild_from": rebuild_from, "seen_at": timezone.now()})


def prune_log():
    """Delete the log entries older than ARCHIVE_INDEX_LOG_DAYS that every live node (one seen within that
    time) has applied and no running rebuild still needs; the newest entry always stays. Returns how many."""
    from ..models import IndexChange, IndexLog, IndexNode

    cutoff = timezone.now() - timedelta(days=settings.ARCHIVE_INDEX_LOG_DAYS)
    with transaction.atomic():
        log, _ = IndexLog.objects.select_for_update().get_or_create(pk=1)
        live = IndexNode.objects.filter(seen_at__gte=cutoff).values_list("position", "rebuild_from")
        needed = [position if rebuild_from is None else min(position, rebuild_from) for position, rebuild_from in live]
        newest = IndexChange.objects.aggregate(newest=Max("pk"))["newest"]
        if not needed or newest is None:
            return 0
        old = IndexChange.objects.filter(pk__lte=min(needed + [newest - 1]), created_at__lt=cutoff)
        last = old.aggregate(last=Max("pk"))["last"]
        if last is None:
            return 0
        deleted, _ = old.delete()
        log.pruned_through = max(log.pruned_through, last)
        log.save(update_fields=["pruned_through"])
    return deleted


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


def die_with_parent(parent_pid, _process):
    """Run in each indexing process of a rebuild as it starts: the kernel kills it when the rebuild
    dies, so a killed rebuild leaves no indexing process behind."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the rebuild died before the line above
        os._exit(1)


def process_pending(most=None):
    """Apply the log entries this node's index has not applied yet, `CHUNK_ENTRIES` at a time (the index lock
    is let go between chunks, so a search waits for one chunk at most, never for a long re-index); only the
    first `most` entries when given. Returns the number of documents re-indexed."""
    from ..models import IndexChange

    backend = get_backend()
    search_index = paragraph_index()
    applied, done = set(), 0
    while most is None or done < most:
        if not IndexChange.objects.filter(pk__gt=read_position(backend)).exists():
            break
        with index_lock(backend.path):
            position = read_position(backend)
            if position < pruned_through():
                raise IndexBehindLog(f"this node's index (at log entry {position}) misses changes whose log entries "
                                     f"were deleted (up to {pruned_through()}); run `manage.py check_index` to "
                                     "rebuild it")
            size = CHUNK_ENTRIES if most is None else min(CHUNK_ENTRIES, most - done)
            entries = list(IndexChange.objects.filter(pk__gt=position).order_by("pk")
                           .values_list("pk", "document_id")[:size])
            if not entries:
                break
            document_ids = {document_id for _, document_id in entries}
            paragraphs = search_index.index_queryset().filter(document_id__in=document_ids)
            backend.replace_documents(search_index, document_ids, paragraphs)
            position = entries[-1][0]
            write_position(os.path.realpath(backend.path), position)
            report_node(position)
        applied |= document_ids
        done += len(entries)
    if applied:
        backend.merge_in_background()
        prune_now_and_then()
    return len(applied)


def prune_now_and_then():
    global _last_prune
    if time.monotonic() - _last_prune > PRUNE_EVERY_SECONDS:
        _last_prune = time.monotonic()
        prune_log()


def search_view(view):
    """A view that searches. It first applies any change still queued (a worker killed between its
    commit and its index update leaves one; when there is none this costs one indexed query). Then
    all its searches answer from one searcher, so a CSV export read in chunks is one consistent list
    even when the index is committed or swapped meanwhile."""
    @functools.wraps(view)
    def searching(request, *args, **kwargs):
        process_pending_quietly(most=CHUNK_ENTRIES)
        with get_backend().one_searcher():
            return view(request, *args, **kwargs)
    return searching


def process_pending_quietly(most=None):
    """After a commit: apply the queue, but never fail the request that made the change."""
    try:
        process_pending(most)
    except Exception:
        log.exception("Search index update failed; the changes stay queued for the next run")


def start_node():
    """When a worker starts: apply what a worker killed between its commit and its index update left, and
    what other nodes changed meanwhile; and record that this node is live."""
    process_pending_quietly()
    try:
        report_node(read_position(get_backend()))
    except Exception:
        log.exception("Could not record this node's position in the index log")


def rebuild_parts(search_index, number):
    """The paragraphs to index in `number` querysets of about equal size, each a run of them in index order
    (so the new index holds the paragraphs in that order), and how many paragraphs in all."""
    paragraphs = search_index.index_queryset()
    total = paragraphs.count()
    keys = paragraphs.values_list("document_id", "position")
    bounds = [None, *(keys[total * part // number] for part in range(1, number) if total), None]

    def at_or_after(bound):
        document_id, position = bound
        return Q(document_id__gt=document_id) | Q(document_id=document_id, position__gte=position)

    parts = []
    for first, after_last in zip(bounds, bounds[1:]):
        part = paragraphs if first is None else paragraphs.filter(at_or_after(first))
        parts.append(part if after_last is None else part.exclude(at_or_after(after_last)))
    return parts, total


def prepared_paragraphs(backend, search_index, paragraphs):
    """The index fields of each paragraph, read from the database a chunk at a time."""
    for paragraph in paragraphs.iterator(chunk_size=READ_CHUNK):
        fields = backend.prepare(search_index, paragraph)
        if fields:
            yield fields


def rebuild_index(progress=None):
    """Build a new index from the database beside the live one and swap it in; returns the paragraph count."""
    from ..models import IndexChange

    backend = get_backend()
    search_index = paragraph_index()
    remove_leftovers(backend)
    marker = rebuild_marker(backend)
    with open(marker, "w") as handle:
        json.dump({"pid": os.getpid()}, handle)
    try:
        # Entries are committed in the order of their ids, so the database read below holds every change up
        # to `start`; later ones are replayed. Until the swap, pruning keeps every entry after `start`.
        start = newest_entry()
        report_node(read_position(backend), rebuild_from=start)
        index, folder = backend.new_build()
        parts, count = rebuild_parts(search_index, min(REBUILD_PROCESSES, os.cpu_count() or 1))
        # Each part is indexed by a process of its own; this one reads the database and prepares the fields.
        build_segments(index, [prepared_paragraphs(backend, search_index, paragraphs) for paragraphs in parts],
                       limit_bytes=settings.ARCHIVE_INDEX_BUILD_MB * MEGABYTE, options=writer_options(),
                       started=functools.partial(die_with_parent, os.getpid()),
                       progress=(lambda documents: progress(documents, count)) if progress else None)
        with index_lock(backend.path):
            # Changes logged while the new index was being built, read once: a change committed after this
            # read is applied by the next `process_pending`.
            later = list(IndexChange.objects.filter(pk__gt=start).values_list("pk", "document_id"))
            document_ids = {document_id for _, document_id in later}
            if document_ids:
                with backend.writer(index) as late_writer:
                    backend.write_documents(late_writer, search_index, document_ids,
                                            search_index.index_queryset().filter(document_id__in=document_ids))
            position = max([start] + [pk for pk, _ in later])
            write_position(folder, position)
            backend.swap_in(folder)
            os.unlink(marker)
            report_node(position)
    finally:
        if os.path.exists(marker):
            os.unlink(marker)
    return count


class QueuedSignalProcessor(BaseSignalProcessor):
    """Queues the documents touched by any save or delete of the archive's models."""

    def setup(self):
        for sender in self.senders():
            pre_save.connect(self.lock_before_change, sender=sender)
            pre_delete.connect(self.lock_before_change, sender=sender)
            post_save.connect(self.handle_change, sender=sender)
            post_delete.connect(self.handle_change, sender=sender)

    def teardown(self):
        for sender in self.senders():
            pre_save.disconnect(self.lock_before_change, sender=sender)
            pre_delete.disconnect(self.lock_before_change, sender=sender)
            post_save.disconnect(self.handle_change, sender=sender)
            post_delete.disconnect(self.handle_change, sender=sender)

    @staticmethod
    def lock_before_change(sender, instance, **kwargs):
        """Take the log's lock before the transaction's first change rather than after it: two transactions
        that change the same rows then wait for each other instead of deadlocking."""
        if transaction.get_connection().in_atomic_block:
            lock_log()

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
            enqueue_documents(documents.filter(meeting__series_id=instance.pk).values_list("pk", flat=True),
                              background=True)
            return
        elif isinstance(instance, Topic):  # a topic rule can change any paragraph's topics
            paragraph_index().forget_topics()
            enqueue_documents(documents.values_list("pk", flat=True), background=True)
            return
        else:
            return
        enqueue_documents(list(document_ids))
