"""Index storage and its lifecycle: one writer at a time (a file lock), our codec, a full build beside
the live index swapped in atomically (a symlink), and the schema version each index folder records.

Every write takes one file lock (`index_lock`) and a Whoosh writer that waits, so no update or
delete is dropped when several processes write; a full rebuild is built beside the live index and
swapped in atomically, so search works throughout. The version is a fingerprint of the schema and
of the analysis (its code and word lists): any change to either makes check_index rebuild.
"""

import fcntl
import hashlib
import inspect
import json
import os
import secrets
import shutil
import threading
import time
from contextlib import contextmanager

from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader, W3PostingsWriter, W3Segment
from whoosh.filedb.filestore import FileStorage
from whoosh.util import IDCHARS

from . import analysis

WRITER_TIMEOUT_SECONDS = 60
VERSION_FILE = "schema_version"
SEGMENT_ID_LENGTH = 16  # as Whoosh makes them: 16 of 36 characters, about 82 bits
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


def writer_options():
    """Options for every index writer: our codec, and each part of a segment in a file of its own.
    Whoosh opens a part of a compound segment file by copying it into memory, so after every save
    the reopened searcher copied most of the index again."""
    return {"codec": Codec(), "compound": False}


_lock_depth = threading.local()


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
            writer.commit()

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

