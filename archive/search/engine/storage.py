"""Index storage and its lifecycle: one writer at a time (a file lock), our codec, a full build beside
the live index swapped in atomically (a symlink), and the schema version each index folder records.

Every write takes one file lock (`index_lock`) and a Whoosh writer that waits, so no update or
delete is dropped when several processes write; a full rebuild is built beside the live index and
swapped in atomically, so search works throughout. The version is a fingerprint of the schema and
of the analysis (its code and word lists): any change to either makes check_index rebuild.

A write never merges segments: Whoosh's default policy merged small segments inside the commit, so every
ninth save or so of a statement took seconds instead of a fraction of one. Each save adds a small segment;
`merge_small_segments` merges small segments into one: the smallest of them in a background thread once there
are more than `MERGE_AT_SEGMENTS`, all of them in check_index. It writes the merged segment without the index
lock, beside the index, and holds the lock only to carry over the deletions made meanwhile and to commit the
new segment list.
"""

import copy
import fcntl
import hashlib
import inspect
import json
import logging
import os
import secrets
import shutil
import threading
import time
from contextlib import contextmanager

from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader, W3PostingsWriter, W3Segment
from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex
from whoosh.reading import MultiReader, SegmentReader
from whoosh.util import IDCHARS
from whoosh.writing import NO_MERGE, SegmentWriter

from . import analysis

log = logging.getLogger(__name__)

WRITER_TIMEOUT_SECONDS = 60
VERSION_FILE = "schema_version"
SEGMENT_ID_LENGTH = 16  # as Whoosh makes them: 16 of 36 characters, about 82 bits
# More segments than this and the process that wrote the last one merges the small ones in the background.
MERGE_AT_SEGMENTS = 10
# A segment holding less than this share of the index's documents is small: merged with the other small ones.
# The large ones (a rebuild writes one per indexing process) are left alone, so searchers keep their readers.
SMALL_SEGMENT_SHARE = 0.1
# A block of fewer postings is written uncompressed: zlib saves a few bytes at most (a one-posting block grows),
# and most terms (rare words, pairs) have a block this small: compressing each was a tenth of a rebuild.
COMPRESS_FROM_POSTINGS = 8


class ColumnsOpenedReader(W3PerDocReader):
    """A segment's per-document columns (stored fields, field lengths, dates), all opened with the
    segment. Whoosh opens them on first use, but a commit that merges the segment away, or a rebuild
    swapped in, deletes its files while a searcher may still be answering a request from it."""

    def __init__(self, storage, segment):
        super().__init__(storage, segment)
        prefix = segment.make_filename(".")
        for name in segment.list_files(storage):  # MAIN_<segment>.<field>.col
            if name.endswith(W3Codec.COLUMN_EXT):
                fieldname = name[len(prefix):-len(W3Codec.COLUMN_EXT)]
                self._colfiles[fieldname] = self._get_column_file(fieldname)
        if "_stored" not in self._colfiles and self._doccount:
            # Deleted just before they could be opened: Whoosh opens the index again on an IOError.
            raise FileNotFoundError(f"the columns of segment {segment.segment_id()} are gone")

    def has_column(self, fieldname):
        return fieldname in self._colfiles


class PostingsWriter(W3PostingsWriter):
    """Whoosh's postings writer, which compresses only blocks of at least `COMPRESS_FROM_POSTINGS` postings.
    Each block records whether it is compressed, so readers need no change."""

    def _write_block(self, last=False):
        compression = self._compression
        if len(self._ids) < COMPRESS_FROM_POSTINGS:
            self._compression = 0
        try:
            super()._write_block(last)
        finally:
            self._compression = compression


class Codec(W3Codec):
    """Whoosh's own codec without per-block field-length statistics: looking up every posting's
    field length was a seventh of a rebuild. Whoosh's scorer then bounds a block's score from its
    weights alone, which is looser but still safe; our own ranking reads the real lengths."""

    length_stats = False

    def per_document_reader(self, storage, segment):
        return ColumnsOpenedReader(storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        return PostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids, compression=self._compression,
                              inlinelimit=self._inlinelimit)

    def new_segment(self, storage, indexname):
        """A segment whose id is drawn from the system's randomness. Whoosh draws it from the `random` module,
        whose state a program may seed: two indexes then made segments of the same id, and a reader or a
        bitmap cached for one segment was served for the other."""
        return W3Segment(self, indexname, segid="".join(secrets.choice(IDCHARS) for _ in range(SEGMENT_ID_LENGTH)))


def reader_with_deletions(reader, segment, generation):
    """An open segment reader answering with `segment`'s deletions (those in the index now): a copy sharing its
    open files and what it loaded, so the reader it was copied from is left as it was."""
    copied = copy.copy(reader)
    copied._segment, copied._gen = segment, generation
    copied._perdoc = copy.copy(reader._perdoc)
    copied._perdoc._segment = segment
    return copied


class Index(FileIndex):
    """Whoosh's file index, whose refreshed readers keep the open reader of every segment still in the index.
    Whoosh's own refresh looks readers up by segment id in a table it keys by generation, so it reopened every
    segment after each save: the next search in each process read again what the readers of the unchanged
    (large) segments had loaded. A kept reader gets the segment's current deletions."""

    @classmethod
    def _reader(cls, storage, schema, segments, generation, reuse=None):
        if not reuse or not segments:
            return super()._reader(storage, schema, segments, generation)
        open_readers = {reader.segment().segment_id(): reader for reader, _ in reuse.leaf_readers()
                        if isinstance(reader, SegmentReader)}
        readers, opened = [], []
        try:
            for segment in segments:
                kept = open_readers.pop(segment.segment_id(), None)
                if kept is None:
                    opened.append(SegmentReader(storage, schema, segment, generation=generation))
                    readers.append(opened[-1])
                else:
                    readers.append(reader_with_deletions(kept, segment, generation))
        except BaseException:  # Whoosh retries when a file was deleted under it: the kept readers stay open
            for reader in opened:
                reader.close()
            raise
        for reader in open_readers.values():  # segments merged away or replaced by a rebuild
            reader.close()
        return readers[0] if len(readers) == 1 else MultiReader(readers, generation=generation)


def writer_options():
    """Options for every index writer: our codec, and each part of a segment in a file of its own.
    Whoosh opens a part of a compound segment file by copying it into memory, so after every save
    the reopened searcher copied most of the index again."""
    return {"codec": Codec(), "compound": False}


_lock_depth = threading.local()
_merging_here = threading.Lock()  # one background merge per process


@contextmanager
def index_lock(index_path):
    """One writer at a time across processes; re-entrant within a thread."""
    depth = getattr(_lock_depth, "value", 0)
    if depth:
        _lock_depth.value = depth + 1
        try:
            yield
        finally:
            _lock_depth.value -= 1
        return
    os.makedirs(os.path.dirname(os.path.abspath(index_path)), exist_ok=True)
    with open(f"{index_path}.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        _lock_depth.value = 1
        try:
            yield
        finally:
            _lock_depth.value = 0
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def merge_lock(index_path):
    """One merge at a time across processes, without waiting: yields whether this one may merge."""
    os.makedirs(os.path.dirname(os.path.abspath(index_path)), exist_ok=True)
    with open(f"{index_path}.merge.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def small_segments(segments):
    total = sum(segment.doc_count_all() for segment in segments)
    return [segment for segment in segments if segment.doc_count_all() < total * SMALL_SEGMENT_SHARE]


def smallest_to_merge(segments):
    """The small segments a background merge takes: the smallest ones, up to the largest that holds no more
    documents than the smaller ones together (two at least). A merged segment is then merged again only once
    as many documents have been saved since, so a document is rewritten a few times, not at every merge."""
    ordered = sorted(small_segments(segments), key=lambda segment: segment.doc_count_all())
    end, smaller = 2, 0
    for position, segment in enumerate(ordered):
        if position >= 2 and segment.doc_count_all() <= smaller:
            end = position + 1
        smaller += segment.doc_count_all()
    return ordered[:end] if len(ordered) >= 2 else []


def write_merged(storage, schema, sources, folder):
    """Write one segment holding the live documents of `sources` (segments of the index in `storage`) into
    `folder`, an empty folder outside the index, and return it. Takes no lock: the sources are only read."""
    target = FileStorage(folder).create_index(schema)
    writer = SegmentWriter(target, _lk=False, **writer_options())
    try:
        for segment in sources:
            reader = SegmentReader(storage, schema, segment)
            try:
                writer.add_reader(reader)
            finally:
                reader.close()
        merged = writer._finalize_segment()
    except BaseException:
        writer.cancel()
        raise
    writer._finish()  # removes the writer's temporary files; the merged segment is committed by the caller
    return merged


def carry_deletions(sources, current, merged):
    """Delete from `merged` the documents deleted from its sources since they were read: the merge wrote each
    source's documents that were live then, in order. `current` maps segment ids to the segments as they are now."""
    start = 0
    for source in sources:
        live = [docnum for docnum in range(source.doc_count_all()) if not source.is_deleted(docnum)]
        since = set(current[source.segment_id()].deleted_docs()) - set(source.deleted_docs())
        if since:
            position = {docnum: start + offset for offset, docnum in enumerate(live)}
            for docnum in since:
                merged.delete_document(position[docnum])
        start += len(live)


def schema_version(schema, pairs):
    """A fingerprint of what the index holds: every field's kind and options, the analyzers' parts,
    the pair words and the analysis code."""
    fields = []
    for name, field in sorted(schema.items()):
        analyzer = getattr(field, "analyzer", None)
        parts = [type(part).__name__ for part in getattr(analyzer, "items", [analyzer] if analyzer else [])]
        fields.append([name, type(field).__name__, field.stored, field.scorable, getattr(field, "unique", False),
                       type(field.column_type).__name__ if field.column_type else None,
                       getattr(field, "phrase", None), parts])
    described = json.dumps(fields) + pairs.fingerprint() + inspect.getsource(analysis)
    return hashlib.sha256(described.encode()).hexdigest()[:16]


class IndexStorage:
    """The storage half of the backend: writes under the lock, rebuild folders, swaps and versions."""

    @contextmanager
    def writer(self, index=None):
        if not self.setup_complete:
            self.setup()
        with index_lock(self.path):
            target = index or self.storage.open_index(schema=self.schema)
            writer = target.writer(timeout=WRITER_TIMEOUT_SECONDS, **writer_options())
            try:
                yield writer
            except BaseException:
                writer.cancel()
                raise
            writer.commit(mergetype=NO_MERGE)

    # Merges, never inside a write

    def segment_count(self):
        return len(self.storage.open_index(schema=self.schema)._segments())

    def merge_in_background(self):
        """After a write: when the index has more than MERGE_AT_SEGMENTS segments, merge the small ones in a
        thread of this process (unless one is merging already); returns the thread, or None."""
        if self.segment_count() <= MERGE_AT_SEGMENTS or not _merging_here.acquire(blocking=False):
            return None

        def merge():
            try:
                self.merge_small_segments(choose=smallest_to_merge)
            except Exception:
                log.exception("Merging the search index's small segments failed; the next write tries again")
            finally:
                _merging_here.release()

        thread = threading.Thread(target=merge, name="index-merge", daemon=True)
        thread.start()
        return thread

    def merge_small_segments(self, choose=small_segments):
        """Merge the index's small segments (those `choose` picks) into one; returns how many were merged (0
        when fewer than two are picked, when another process is merging, or when the index changed under the
        merge in a way that makes it useless: a rebuild swapped in, or another merge). Searchers keep reading
        the old segments' files."""
        if not self.setup_complete:
            self.setup()
        with merge_lock(self.path) as allowed:
            if not allowed:
                return 0
            index_folder = os.path.realpath(self.path)
            storage = FileStorage(index_folder)
            sources = choose(storage.open_index(schema=self.schema)._segments())
            if len(sources) < 2:
                return 0
            parent, base = os.path.split(os.path.abspath(self.path))
            for name in os.listdir(parent):  # a merge killed half-way leaves its folder; merges are one at a time
                if name.startswith(f"{base}-merge-"):
                    shutil.rmtree(os.path.join(parent, name), ignore_errors=True)
            folder = os.path.join(parent, f"{base}-merge-{os.getpid()}")
            os.makedirs(folder)
            try:
                merged = write_merged(storage, self.schema, sources, folder)
                return self.commit_merged(index_folder, sources, merged, folder)
            finally:
                shutil.rmtree(folder, ignore_errors=True)

    def commit_merged(self, index_folder, sources, merged, folder):
        """Under the index lock: move the merged segment's files into the index and commit the segment list with
        it in place of its sources, with the deletions made meanwhile."""
        with index_lock(self.path):
            if os.path.realpath(self.path) != index_folder:
                return 0
            writer = FileStorage(index_folder).open_index(schema=self.schema).writer(
                timeout=WRITER_TIMEOUT_SECONDS, **writer_options())
            current = {segment.segment_id(): segment for segment in writer.segments}
            if any(source.segment_id() not in current for source in sources):
                writer.cancel()
                return 0
            try:
                carry_deletions(sources, current, merged)
                for name in merged.list_files(FileStorage(folder)):
                    os.replace(os.path.join(folder, name), os.path.join(index_folder, name))
            except BaseException:
                writer.cancel()
                raise
            merged_ids = {source.segment_id() for source in sources}
            writer.commit(mergetype=lambda _writer, segments: [
                segment for segment in segments if segment.segment_id() not in merged_ids] + [merged])
        return len(sources)

    def clear(self, models=None, commit=True):
        if not self.setup_complete:
            self.setup()
        with index_lock(self.path):
            self.delete_index()

    def delete_index(self):
        target = os.path.realpath(self.path)
        if os.path.islink(self.path):
            os.unlink(self.path)
        if os.path.exists(target):
            shutil.rmtree(target)
        self._close_searcher()
        self.setup()

    # Rebuilds beside the live index

    def schema_version_file(self, folder=None):
        return os.path.join(folder or os.path.realpath(self.path), VERSION_FILE)

    def mark_schema_version(self, folder):
        with open(self.schema_version_file(folder), "w") as handle:
            handle.write(self.schema_version)

    def recorded_version(self):
        """The schema version the live index was built with, or None."""
        try:
            with open(self.schema_version_file()) as handle:
                return handle.read().strip()
        except FileNotFoundError:
            return None

    def schema_is_current(self):
        """Whether the live index was built with this version of the schema and analysis."""
        if not self.setup_complete:
            self.setup()
        return self.recorded_version() == self.schema_version

    def new_build(self):
        """A fresh, empty index in a folder beside the live one."""
        if not self.setup_complete:
            self.setup()
        parent, base = os.path.split(os.path.abspath(self.path))
        folder = os.path.join(parent, f"{base}-build-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}")
        os.makedirs(folder)
        self.mark_schema_version(folder)
        return FileStorage(folder).create_index(self.schema), folder

    def unused_builds(self, keep_pid=None):
        """Index folders beside the live one that no search reads: left by a killed rebuild, or by
        one killed just after its swap. A running rebuild's folder (`keep_pid`'s) is not among them."""
        parent, base = os.path.split(os.path.abspath(self.path))
        live = os.path.realpath(self.path)
        return [os.path.join(parent, name) for name in sorted(os.listdir(parent))
                if name.startswith(f"{base}-build-") and os.path.join(parent, name) != live
                and not (keep_pid and name.endswith(f"-{keep_pid}"))]

    def swap_in(self, folder):
        """Make `folder` the live index in one atomic rename; searches in flight keep their files."""
        old = os.path.realpath(self.path)
        if os.path.isdir(self.path) and not os.path.islink(self.path):
            os.rename(self.path, f"{self.path}-build-legacy")
            old = f"{self.path}-build-legacy"
        link = f"{self.path}.swap"
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(os.path.basename(folder), link)
        os.replace(link, self.path)
        if old != os.path.realpath(self.path) and os.path.isdir(old):
            shutil.rmtree(old, ignore_errors=True)

    # Reading

