"""A full build of an index, written by several processes at once, each a segment of its own.

Whoosh's own writer sends every posting through a general sorting pool: a tuple per posting, a sort of
all of them at the end, then one call per posting into the postings file. A build knows more: each
process receives its documents in order, so a term's postings arrive already in document order. Here
each term keeps its postings in a list as they come; at the end only the terms are sorted, and each
term's list is cut into the postings file's blocks directly. The files are Whoosh's own format, byte for
byte what its writer makes of the same documents, but for the pickle protocol of the postings blocks
(`POSTINGS_PROTOCOL`).

`build_segments` farms batches of documents out to the processes: each part of the input goes to one
process, so each segment holds its part in the order given. A process whose postings outgrow its share
of memory closes its segment and starts another.
"""

import gc
import multiprocessing
import struct
import traceback
import zlib
from array import array
from functools import partial
from hashlib import md5
from itertools import chain, islice, starmap
from operator import itemgetter, sub
from pickle import dumps

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.filedb.filetables import _pointer as hash_slot
from whoosh.filedb.filetables import md5_hash
from whoosh.system import _INT_SIZE as INT_SIZE
from whoosh.system import pack_int, pack_ushort
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

from .analysis import TextField
from .storage import COMPRESS_FROM_POSTINGS

BATCH_DOCUMENTS = 200  # documents sent to a process at a time
# What one posting held in memory costs, roughly: a list slot for each of its three parts and its encoded
# positions; a term's own list, key and dictionary slot. Used to keep a process under its memory share.
POSTING_BYTES = 80
TERM_BYTES = 200
WRITE_BYTES = 4 * 1024 * 1024  # postings gathered (with their terms' entries) before a write
HEADER_SIZE = len(WHOOSH3_HEADER_MAGIC) + INT_SIZE  # before a term's one block: the magic and the block's length
# A term's entry in the term table: W3TermInfo's fields (not inlined), then its postings' offset and length.
pack_term_info = struct.Struct(W3TermInfo._struct.format + "qi").pack
TERM_INFO_SIZE = struct.calcsize(W3TermInfo._struct.format + "qi")
NO_LENGTH = length_to_byte(0)  # no field-length statistics are written
pack_lengths = struct.Struct("!ii").pack  # before a term table entry: the lengths of its key and value
LENGTHS_SIZE = struct.calcsize("!ii")
EMPTY_SLOT = (0, 0)  # a free slot of a term table's hash table
# Whoosh's writer pickles a postings block with protocol 2, which has no opcode for bytes: each posting's
# positions go through a codecs call when written and read, and take three times their size before zlib.
# Protocol 3 pickles bytes as they are: a rebuild pickles and compresses in half the time, the postings file
# is half the size, and Whoosh's reader unpickles a block of any protocol.
POSTINGS_PROTOCOL = 3


class BulkSegmentWriter(SegmentWriter):
    """Writes one new segment from documents added in order (never commits an index: see `build_segments`)."""

    def __init__(self, index, **options):
        super().__init__(index, _lk=False, **options)
        if (self.codec.length_stats or self.codec._inlinelimit > 1
                or any(field.vector or field.separate_spelling() for _, field in self.schema.items())):
            raise ValueError("a bulk build writes no field-length statistics, inlined postings, term vectors or "
                             "spelling fields")
        # field name: {term: [docnum, weight, value, docnum, weight, value, …]}; a term is bytes, or for a text
        # field a string (strings sort as their UTF-8 bytes do), encoded when written
        self.postings = {}
        self.posting_count = 0
        self.term_count = 0
        self.last_terms = {}  # field name: (value, its terms, the field's length in them)
        table = self.fieldwriter._tindex
        table._write_hashes = partial(write_hash_tables, table)

    def terms_of(self, name, field, value):
        """The field's terms for `value`, and its length in them. The paragraphs of a statement come one after
        another and share its title, date, series and so on: the last value's terms of each field are kept and
        given again."""
        last = self.last_terms.get(name)
        if last is None or last[0] != value:
            terms = list(field.index(value))
            last = self.last_terms[name] = (value, terms, sum(map(itemgetter(1), terms)) if field.scorable else 0)
        return last[1], last[2]

    def memory_estimate(self):
        return self.posting_count * POSTING_BYTES + self.term_count * TERM_BYTES

    def add_document(self, **fields):
        self._check_state()
        schema, postings, perdocwriter, docnum = self.schema, self.postings, self.perdocwriter, self.docnum
        names = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, names)
        perdocwriter.start_doc(docnum)
        for name in names:
            value = fields[name]
            if value is None:
                continue
            field = schema[name]
            length = 0
            if field.indexed:
                field_postings = postings.get(name)
                if field_postings is None:
                    field_postings = postings[name] = {}
                terms_before = len(field_postings)
                if isinstance(field, TextField):
                    if not field.fast_path(value):
                        raise ValueError(f"a bulk build indexes the text field {name!r} from a string only")
                    terms, length = field.add_postings(field_postings, docnum, value)
                    self.posting_count += terms
                else:
                    terms, length = self.terms_of(name, field, value)
                    for term, _, weight, encoded in terms:
                        term_postings = field_postings.get(term)
                        if term_postings is None:
                            field_postings[term] = [docnum, weight, encoded]
                        else:
                            term_postings += (docnum, weight, encoded)
                    self.posting_count += len(terms)
                self.term_count += len(field_postings) - terms_before
            perdocwriter.add_field(name, field, value if field.stored else None, length)
            if field.column_type:
                perdocwriter.add_column_value(name, field.column_type, field.to_column_value(value))
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self):
        self.perdocwriter.close()
        fieldwriter = self.fieldwriter
        for name in sorted(self.postings):
            fieldwriter.start_field(name, self.schema[name])
            write_field(fieldwriter, self.postings[name])
            fieldwriter.finish_field()
        fieldwriter.close()
        self.postings = {}

    def finish(self):
        """Write the segment's files; returns the segment."""
        return self._finalize_segment()


def write_field(fieldwriter, field_postings):
    """Every term of the field just started, in order: its postings (docnum, weight, value, … in document order)
    as Whoosh's W3 postings writer writes them one `add` at a time, and its entry in the term table as the
    table's own `add` writes it. Written in large pieces: per term, the writers' dozen method calls, small
    writes and file-position lookups were most of the time spent writing a segment."""
    postfile, table = fieldwriter._postfile, fieldwriter._tindex
    postwriter = fieldwriter._postwriter
    block_size, level = postwriter._blocklimit * 3, postwriter._compression
    fixed_size = fieldwriter._format.fixed_value_size()
    one_value = ONE_VALUE[None if fixed_size is None or fixed_size < 0 else min(fixed_size, 1)]
    key_prefix = pack_ushort(fieldwriter._fieldid)
    key_hash = md5_low_bits if table.hashfn is md5_hash else table.hashfn
    buckets = table.buckets
    offset, entry_position = postfile.tell(), table.dbfile.tell()
    postings_pieces, entries, entry_positions = [], [], []
    pieces_size = 0
    for term in sorted(field_postings):
        postings = field_postings[term]
        if len(postings) == 3:  # most terms: a rare word or pair, in one paragraph
            docnum, weight, value = postings
            stored_weight = weight if weight == 1.0 else array("f", (weight,))[0]
            data = dumps(((docnum,), None if stored_weight == 1.0 else stored_weight, one_value(value)),
                         POSTINGS_PROTOCOL)
            max_weight = max(0, weight)
            info = dumps((1, docnum, max_weight, 0, 0, 0), POSTINGS_PROTOCOL)
            length = len(info) + len(data)
            postings_pieces += (WHOOSH3_HEADER_MAGIC, pack_int(-length), info, data)
            written = HEADER_SIZE + length
            info_bytes = pack_term_info(False, stored_weight, 1, 0, NO_LENGTH, max_weight, docnum, docnum,
                                        offset, written)
        else:
            written, info_bytes = encoded_postings(postings, block_size, level, fixed_size, offset,
                                                  postings_pieces)
        offset += written
        pieces_size += written
        key = key_prefix + (term.encode("utf-8") if type(term) is str else term)
        entries += (pack_lengths(len(key), TERM_INFO_SIZE), key, info_bytes)
        entry_positions.append(entry_position)
        key_number = key_hash(key)
        buckets[key_number & 255].append((key_number, entry_position))
        entry_position += LENGTHS_SIZE + len(key) + TERM_INFO_SIZE
        if pieces_size > WRITE_BYTES:
            write_pieces(postfile, postings_pieces, table, entries, entry_positions)
            postings_pieces, entries, entry_positions, pieces_size = [], [], [], 0
    write_pieces(postfile, postings_pieces, table, entries, entry_positions)
    if field_postings:
        table.lastkey = key


def write_pieces(postfile, postings_pieces, table, entries, entry_positions):
    """Postings and term table entries gathered by `write_field`, written."""
    postfile.write(b"".join(postings_pieces))
    table.dbfile.write(b"".join(entries))
    table.index.extend(entry_positions)


def encoded_postings(postings, block_size, level, fixed_size, start, pieces):
    """Appends to `pieces` a term's postings written at `start` in the postings file: full blocks of the
    writer's block size, the last one shorter. Returns the bytes written and the term's entry."""
    weight_sum, max_weight = 0, 0
    written = len(WHOOSH3_HEADER_MAGIC)
    pieces.append(WHOOSH3_HEADER_MAGIC)
    last_start = len(postings) - 1 - (len(postings) - 1) % block_size
    for offset in range(0, len(postings), block_size):
        block = postings[offset:offset + block_size] if last_start else postings  # most terms: one block
        docnums, weights = block[0::3], block[1::3]
        stored_weights = array("f", weights)
        block_max_weight = max(0, max(weights))
        weight_sum += sum(stored_weights)
        max_weight = max(max_weight, block_max_weight)
        values = list(filter(None, block[2::3]))
        gaps = tuple(map(sub, docnums, chain((0,), docnums)))  # Whoosh's `delta_encode`
        data = dumps((gaps, minified_weights(stored_weights), minified_values(values, fixed_size)), POSTINGS_PROTOCOL)
        compression = level if len(docnums) >= COMPRESS_FROM_POSTINGS else 0
        if compression:
            data = zlib.compress(data, compression)
        info = dumps((len(docnums), docnums[-1], block_max_weight, compression, 0, 0), POSTINGS_PROTOCOL)
        length = len(info) + len(data)
        pieces += (pack_int(-length if offset == last_start else length), info, data)
        written += INT_SIZE + length
    return written, pack_term_info(False, weight_sum, len(postings) // 3, 0, NO_LENGTH, max_weight, postings[0],
                                   postings[-3], start, written)


def write_hash_tables(table):
    """What `HashWriter._write_hashes` writes: each of the table's 256 buckets as an open-addressing hash
    table of (key hash, entry position) slots; the slots packed in one write per bucket rather than one each."""
    dbfile = table.dbfile
    position = dbfile.tell()
    for entries in table.buckets:
        slot_count = 2 * len(entries)
        table.directory.append((position, slot_count))
        slots = [None] * slot_count
        for entry in entries:
            slot = (entry[0] >> 8) % slot_count
            while slots[slot] is not None:
                slot = (slot + 1) % slot_count
            slots[slot] = entry
        dbfile.write(b"".join(starmap(hash_slot.pack, (EMPTY_SLOT if entry is None else entry for entry in slots))))
        position += slot_count * hash_slot.size


def md5_low_bits(key):
    """Whoosh's `md5_hash` of a term table key (the digest's low 32 bits), without its detour through hex."""
    return int.from_bytes(md5(key).digest()[-4:], "big")


def minified_weights(weights):
    """A block's weights (an array) as Whoosh's postings writer stores them."""
    if weights.count(1.0) == len(weights):
        return None
    if weights.count(weights[0]) == len(weights):
        return weights[0]
    return tuple(weights)


def minified_values(values, fixed_size):
    """A block's values as Whoosh's postings writer stores them."""
    if fixed_size is None or fixed_size < 0:
        return tuple(values)
    if fixed_size == 0:
        return None
    return b"".join(values)


# `minified_values` of one posting's value, by the format's value size: varying (None), none (0), fixed (1).
ONE_VALUE = {None: lambda value: (value,) if value else (), 0: lambda value: None, 1: lambda value: value or b""}


def write_part(index, batches, limit_bytes, options):
    """Index the documents of `batches` (lists of field dicts) into segments; returns the segments."""
    segments = []
    writer = None
    for batch in batches:
        for fields in batch:
            if writer is None:
                writer = BulkSegmentWriter(index, **options)
            writer.add_document(**fields)
        if writer is not None and writer.memory_estimate() > limit_bytes:
            segments.append(writer.finish())
            writer = None
    if writer is not None:
        segments.append(writer.finish())
    return segments


def build_segments(index, parts, limit_bytes, options, started=None, progress=None):
    """Index each of `parts` (iterables of field dicts) in a process of its own, and commit the new segments
    to `index` (which must be empty and not otherwise written meanwhile), in the order of `parts`.

    The calling process reads the parts, a batch from each in turn, and sends them; `started(process)` runs
    first in each new process. `progress(iterable)` wraps the stream of documents read. Each process keeps
    its postings under `limit_bytes`."""
    context = multiprocessing.get_context("fork")
    channels, processes = [], []
    try:
        for number in range(len(parts)):
            ours, theirs = context.Pipe()
            process = context.Process(target=_serve_part, args=(index, theirs, limit_bytes, options, started),
                                      name=f"index-build-{number}", daemon=True)
            process.start()
            theirs.close()
            channels.append(ours)
            processes.append(process)
        documents = _interleaved(parts)
        pending = [[] for _ in parts]
        for number, fields in progress(documents) if progress else documents:
            pending[number].append(fields)
            if len(pending[number]) == BATCH_DOCUMENTS:
                _send(channels[number], pending[number])
                pending[number] = []
        for channel, batch in zip(channels, pending):
            if batch:
                _send(channel, batch)
            _send(channel, None)
        segments = []
        for channel in channels:
            segments += _result(channel)
        for process in processes:
            process.join()
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join()
    writer = SegmentWriter(index, **options)
    writer._close_segment()
    writer._commit_toc(segments)
    writer._finish()


def _interleaved(parts):
    """(part number, item), a batch from each part in turn, so that every process has work throughout."""
    iterators = dict(enumerate(map(iter, parts)))
    while iterators:
        for number, iterator in list(iterators.items()):
            batch = list(islice(iterator, BATCH_DOCUMENTS))
            if len(batch) < BATCH_DOCUMENTS:
                del iterators[number]
            for item in batch:
                yield number, item


def _send(channel, batch):
    try:
        channel.send(batch)
    except (BrokenPipeError, ConnectionResetError):
        _result(channel)  # the process stopped: raise its error
        raise


def _result(channel):
    try:
        status, value = channel.recv()
    except EOFError:
        raise RuntimeError("an index build process died") from None
    if status == "error":
        raise RuntimeError(f"an index build process failed:\n{value}")
    return value


def _serve_part(index, channel, limit_bytes, options, started):
    # The postings are millions of lists that can hold no reference cycle, and the cycle collector would walk
    # all of them again each time they grew by a quarter. The process ends with the build.
    gc.disable()
    try:
        if started:
            started(multiprocessing.current_process())

        def batches():
            while (batch := channel.recv()) is not None:
                yield batch

        channel.send(("done", write_part(index, batches(), limit_bytes, options)))
    except BaseException:
        channel.send(("error", traceback.format_exc()))
    finally:
        channel.close()
