"""Sets of document numbers as Python integers (one bit per document), cached per index segment.

Counting the hits of a query and its facet values is then a few big-integer ANDs and popcounts,
done in C, instead of a Python loop over every matching document. Bitmaps of a segment are
cached by segment, so after an index update only the new, small segment is read again.
"""

from collections import OrderedDict

from whoosh import query as whoosh_query
from whoosh.idsets import DocIdSet
from whoosh.matching import FilterMatcher

CACHE_ENTRIES = 4000


def bitmap_of(docnums, size) -> int:
    buffer = bytearray((size + 7) // 8)
    for docnum in docnums:
        buffer[docnum >> 3] |= 1 << (docnum & 7)
    return int.from_bytes(buffer, "little")


def docnums_of(bits: int):
    """The document numbers in a bitmap, in order."""
    data = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    for index, byte in enumerate(data):
        if byte:
            base = index << 3
            for bit in range(8):
                if byte >> bit & 1:
                    yield base + bit


def leaf_docnums(matcher):
    """Document numbers of a term's postings, a whole block at a time where Whoosh allows it."""
    if isinstance(matcher, FilterMatcher):  # deletions are handled by the caller
        matcher = matcher.child
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_atend"):
        while not matcher._atend:
            matcher._read_ids()
            yield from matcher._ids
            matcher._next_block()
    else:
        yield from matcher.all_ids()


class BitmapSet(DocIdSet):
    """A bitmap as a Whoosh filter: only membership is asked for while collecting hits."""

    def __init__(self, bits):
        self.bits = bits

    def __contains__(self, docnum):
        return bool(self.bits >> docnum & 1)

    def __len__(self):
        return self.bits.bit_count()

    def __iter__(self):
        return docnums_of(self.bits)


class SegmentCache:
    """Raw (deletions not applied) term bitmaps per segment, kept across searchers."""

    def __init__(self):
        self.entries = OrderedDict()

    def get(self, key, compute):
        if key in self.entries:
            self.entries.move_to_end(key)
            return self.entries[key]
        value = self.entries[key] = compute()
        if len(self.entries) > CACHE_ENTRIES:
            self.entries.popitem(last=False)
        return value


class Bitmaps:
    """Bitmaps over one searcher's documents, built from per-segment bitmaps."""

    def __init__(self, searcher, cache: SegmentCache):
        self.searcher = searcher
        self.cache = cache
        self.size = searcher.doc_count_all()
        subsearchers = searcher.subsearchers or [(searcher, 0)]
        self.segments = []
        for subsearcher, offset in subsearchers:
            reader = subsearcher.reader()
            segment = reader.segment() if hasattr(reader, "segment") else None
            key = segment.segment_id() if segment is not None else id(reader)
            deleted = segment.deleted_docs() if segment is not None and reader.has_deletions() else ()
            live = ((1 << reader.doc_count_all()) - 1) & ~bitmap_of(deleted, reader.doc_count_all())
            self.segments.append((reader, offset, key, live))
        self.all = 0
        for reader, offset, key, live in self.segments:
            self.all |= live << offset

    def term(self, fieldname, text) -> int:
        bits = 0
        for reader, offset, key, live in self.segments:
            def compute(reader=reader):
                if (fieldname, text) not in reader:
                    return 0
                return bitmap_of(leaf_docnums(reader.postings(fieldname, text)), reader.doc_count_all())
            bits |= (self.cache.get((key, fieldname, text), compute) & live) << offset
        return bits

    def generic(self, query) -> int:
        return bitmap_of(self.searcher.docs_for_query(query), self.size)

    def of(self, query) -> int:
        """The documents matching a Whoosh query."""
        if query is whoosh_query.NullQuery:
            return 0
        if type(query) is whoosh_query.Term:
            text = query.text
            if not isinstance(text, bytes):
                text = self.searcher.schema[query.fieldname].to_bytes(text)
            return self.term(query.fieldname, text)
        if type(query) is whoosh_query.Or:
            bits = 0
            for child in query.subqueries:
                bits |= self.of(child)
            return bits
        if type(query) is whoosh_query.And:
            bits = self.all
            for child in query.subqueries:
                bits &= self.of(child)
                if not bits:
                    break
            return bits
        if type(query) is whoosh_query.Not:
            return self.all & ~self.of(query.query)
        if type(query) is whoosh_query.AndNot:
            return self.of(query.a) & ~self.of(query.b)
        if type(query) is whoosh_query.AndMaybe:
            return self.of(query.a)
        if type(query) is whoosh_query.Every:
            return self.all
        if isinstance(query, whoosh_query.Phrase):
            # Only documents with every word can hold the phrase: check positions in those alone.
            candidates = self.all
            for word in query.words:
                candidates &= self.of(whoosh_query.Term(query.fieldname, word))
                if not candidates:
                    return 0
            if len(query.words) == 1:
                return candidates
            return bitmap_of((d for d in self.searcher.docs_for_query(query) if candidates >> d & 1), self.size)
        return self.generic(query)
