"""A full build of an index, written by several processes at once, each a segment of its own.

Whoosh's own writer sends every posting through a general sorting pool: a tuple per posting, a sort of
all of them at the end, then one call per posting into the postings file. A build knows more: each
process receives its documents in order, so a term's postings arrive already in document order. Here
each term keeps its postings in a list as they come; at the end only the terms are sorted, and each
term's list is cut into the postings file's blocks directly. The files are Whoosh's own format, byte for
byte what its writer makes of the same documents.

`build_segments` farms batches of documents out to the processes: each part of the input goes to one
process, so each segment holds its part in the order given. A process whose postings outgrow its share
of memory closes its segment and starts another.
"""

import gc
import multiprocessing
import traceback
import zlib
from array import array
from itertools import islice
from pickle import dumps

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.system import _INT_SIZE as INT_SIZE
from whoosh.system import pack_int, pack_ushort
from whoosh.util.numlists import delta_encode
from whoosh.writing import SegmentWriter

from .storage import COMPRESS_FROM_POSTINGS

BATCH_DOCUMENTS = 200  # documents sent to a process at a time
# What one posting held in memory costs, roughly: a list slot for each of its three parts and its encoded
# positions; a term's own list, key and dictionary slot. Used to keep a process under its memory share.
POSTING_BYTES = 80
TERM_BYTES = 200


class BulkSegmentWriter(SegmentWriter):
    """Writes one new segment from documents added in order (never commits an index: see `build_segments`)."""

    def __init__(self, index, **options):
        super().__init__(index, _lk=False, **options)
        if (self.codec.length_stats or self.codec._inlinelimit > 1
                or any(field.vector or field.separate_spelling() for _, field in self.schema.items())):
            raise ValueError("a bulk build writes no field-length statistics, inlined postings, term vectors or "
                             "spelling fields")
        self.postings = {}  # (field name, term bytes): [docnum, weight, value, docnum, weight, value, …]
        self.posting_count = 0
        self.last_terms = {}  # field name: (value, its terms)

    def terms_of(self, name, field, value):
        """The field's terms for `value`. The paragraphs of a statement come one after another and share its
        title, date, series and so on: the last value's terms of each field are kept and given again."""
        last = self.last_terms.get(name)
        if last is None or last[0] != value:
            last = self.last_terms[name] = (value, list(field.index(value)))
        return last[1]

    def memory_estimate(self):
        return self.posting_count * POSTING_BYTES + len(self.postings) * TERM_BYTES

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
                scorable = field.scorable
                terms = 0
                for term, frequency, weight, encoded in self.terms_of(name, field, value):
                    key = (name, term)
                    term_postings = postings.get(key)
                    if term_postings is None:
                        term_postings = postings[key] = []
                    term_postings += (docnum, weight, encoded)
                    terms += 1
                    if scorable:
                        length += frequency
                self.posting_count += terms
            perdocwriter.add_field(name, field, value if field.stored else None, length)
            if field.column_type:
                perdocwriter.add_column_value(name, field.column_type, field.to_column_value(value))
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self):
        self.perdocwriter.close()
        fieldwriter = self.fieldwriter
        field_name = None
        for name, term in sorted(self.postings):
            if name != field_name:
                if field_name is not None:
                    fieldwriter.finish_field()
                fieldwriter.start_field(name, self.schema[name])
                field_name = name
                offset = fieldwriter._postfile.tell()  # then counted, not asked for each term
            offset += write_term(fieldwriter, term, self.postings[name, term], offset)
        if field_name is not None:
            fieldwriter.finish_field()
        fieldwriter.close()
        self.postings = {}

    def finish(self):
        """Write the segment's files; returns the segment."""
        return self._finalize_segment()


def write_term(fieldwriter, term, postings, start):
    """A term's postings (docnum, weight, value, … in document order) written at `start` in the postings file
    as Whoosh's W3 postings writer writes them one `add` at a time: full blocks of its block size, the last
    one shorter; then the term's entry. Returns the bytes written. Inlined: per term, the writer's dozen method
    calls and three file-position lookups were most of the time spent writing a segment."""
    writer = fieldwriter._postwriter
    block_size, level = writer._blocklimit * 3, writer._compression
    fixed_size = fieldwriter._format.fixed_value_size()
    terminfo = W3TermInfo()
    written = len(WHOOSH3_HEADER_MAGIC)
    pieces = [WHOOSH3_HEADER_MAGIC]
    if len(postings) == 3:  # most terms: a rare word or pair, in one paragraph
        docnum, weight, value = postings
        stored_weight = array("f", (weight,))[0]
        terminfo._weight, terminfo._df = stored_weight, 1
        terminfo._maxweight = max(terminfo._maxweight, weight)
        terminfo._minid = terminfo._maxid = docnum
        data = dumps(((docnum,), None if stored_weight == 1.0 else stored_weight,
                      minified_values([value] if value else [], fixed_size)), 2)
        info = dumps((1, docnum, max(0, weight), 0, 0, 0), 2)
        pieces += (pack_int(-len(info) - len(data)), info, data)
        written += INT_SIZE + len(info) + len(data)
        postings = ()
    last_start = len(postings) - 1 - (len(postings) - 1) % block_size
    for offset in range(0, len(postings), block_size):
        block = postings[offset:offset + block_size]
        docnums, weights = block[0::3], block[1::3]
        stored_weights = array("f", weights)
        max_weight = max(0, *weights)
        terminfo._weight += sum(stored_weights)
        terminfo._df += len(docnums)
        terminfo._maxweight = max(terminfo._maxweight, max_weight)
        if terminfo._minid is None:
            terminfo._minid = docnums[0]
        terminfo._maxid = docnums[-1]
        values = [value for value in block[2::3] if value]
        data = dumps((tuple(delta_encode(docnums)), minified_weights(stored_weights),
                      minified_values(values, fixed_size)), 2)
        compression = level if len(docnums) >= COMPRESS_FROM_POSTINGS else 0
        if compression:
            data = zlib.compress(data, compression)
        info = dumps((len(docnums), docnums[-1], max_weight, compression, 0, 0), 2)
        length = len(info) + len(data)
        pieces += (pack_int(-length if offset == last_start else length), info, data)
        written += INT_SIZE + length
    fieldwriter._postfile.write(b"".join(pieces))
    terminfo.set_extent(start, written)
    fieldwriter._tindex.add(pack_ushort(fieldwriter._fieldid) + term, terminfo.to_bytes())
    return written


def minified_weights(weights):
    """A block's weights as Whoosh's postings writer stores them."""
    if all(weight == 1.0 for weight in weights):
        return None
    if all(weight == weights[0] for weight in weights):
        return weights[0]
    return tuple(weights)


def minified_values(values, fixed_size):
    """A block's values as Whoosh's postings writer stores them."""
    if fixed_size is None or fixed_size < 0:
        return tuple(values)
    if fixed_size == 0:
        return None
    return b"".join(values)


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
