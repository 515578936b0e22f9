"""Sets of document numbers as Python integers (one bit per document), cached per index segment.

Counting the hits of a query and its facet values is then a few big-integer ANDs and popcounts,
done in C, instead of a Python loop over every matching document. Bitmaps of a segment are
cached by segment, so after an index update only the new, small segment is read again.
"""

import heapq
import time
from bisect import bisect_left
from array import array
from collections import OrderedDict
from itertools import islice

from whoosh import query as whoosh_query
from whoosh.idsets import DocIdSet
from whoosh.matching import FilterMatcher

CACHE_BYTES = 128 * 1024 * 1024  # per process, unless the connection's CACHE_MB says otherwise
# Fewer hits than a term's postings by this factor: look each hit up instead of walking the postings.
LOOKUP_RATIO = 16
POSTINGS_PER_BLOCK = 128  # Whoosh's W3 codec: postings are read a block of this many at a time


def bitmap_of(docnums, size) -> int:
    buffer = bytearray((size + 7) // 8)
    for docnum in docnums:
        buffer[docnum >> 3] |= 1 << (docnum & 7)
    return int.from_bytes(buffer, "little")


def docnums_of(bits: int):
    """The document numbers in a bitmap, in order: a search for "1" in its binary digits (in C),
    so the Python loop runs once per document, not once per bit."""
    digits = bin(bits)[:1:-1]  # least significant bit first, without "0b"
    position = digits.find("1")
    while position >= 0:
        yield position
        position = digits.find("1", position + 1)


def leaf_matcher(matcher):
    """A term's matcher without Whoosh's deletion filter (callers apply deletions themselves), and
    whether it reads its postings a block at a time (Whoosh's W3 codec), which lets callers do so too."""
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    return matcher, hasattr(matcher, "_read_ids") and hasattr(matcher, "_atend")


def leaf_postings(matcher):
    """(document numbers, term frequencies) of a term's postings, read a block at a time."""
    matcher, by_block = leaf_matcher(matcher)
    ids, weights = array("I"), array("f")
    if by_block:
        while not matcher._atend:
            matcher._read_ids()
            matcher._read_weights()
            ids.fromlist(list(matcher._ids))
            weights.fromlist(list(matcher._weights))
            matcher._next_block()
    else:
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
    return ids, weights


def term_score(idf, tf, norm, scale, length, K1):
    """One term's BM25F score in one document, Whoosh's formula; `norm` and `scale` are the length terms
    `Bitmaps.weighted_terms` works out once per term."""
    return idf * tf * (K1 + 1) / (tf + norm + scale * length)


class TimeBudget:
    """The time one search may take. Loops over terms stop when it has run out, and keep what
    they found so far."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.ran_out = False

    def spent(self):
        self.ran_out = self.ran_out or time.monotonic() > self.deadline
        return self.ran_out


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
    """Per-segment data read from the index (term bitmaps, postings, field lengths), kept across the searchers
    of one index; the least recently used go first when it is full. Whoosh leaves out of a segment's postings
    the documents deleted when they are read, and deletions only grow within an index, so an entry may hold
    documents deleted since (the live bitmap removes them) but never lacks one that is live; a searcher on other
    files starts a new cache (the backend's `_close_searcher`)."""

    def __init__(self, max_bytes=CACHE_BYTES):
        self.entries = OrderedDict()
        self.max_bytes = max_bytes
        self.bytes = 0

    def __contains__(self, key):
        return key in self.entries

    def get(self, key, compute):
        if key in self.entries:
            self.entries.move_to_end(key)
            return self.entries[key][0]
        value = compute()
        size = size_of(value)
        self.entries[key] = (value, size)
        self.bytes += size
        while self.bytes > self.max_bytes and len(self.entries) > 1:
            self.bytes -= self.entries.popitem(last=False)[1][1]
        return value


def size_of(value) -> int:
    """Approximate bytes held by a cached bitmap, array, term or tuple of them."""
    if isinstance(value, bytes):
        return len(value) + 33
    if isinstance(value, int):
        return value.bit_length() // 8 + 32
    if isinstance(value, array):
        return value.itemsize * len(value) + 64
    return sum(size_of(item) for item in value) + 56


class Bitmaps:
    """Bitmaps over one searcher's documents, built from per-segment bitmaps."""

    def __init__(self, searcher, cache: SegmentCache, phrase_pairs):
        self.searcher = searcher
        self.cache = cache
        self.phrase_pairs = phrase_pairs  # words -> [(pair term the index holds, index of its second word)]
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
        for segment in self.segments:
            reader, offset, key, live = segment

            def compute(segment=segment):
                # From the cached postings, so ranking the same term later reads nothing again.
                return bitmap_of(self.postings(segment, fieldname, text)[0], segment[0].doc_count_all())
            bits |= (self.cache.get((key, fieldname, text), compute) & live) << offset
        return bits

    def lexicon(self, fieldname):
        """Every term of a field in any segment, sorted; each segment's list is cached, so after a save only the
        new segment's terms are read (Whoosh's merged lexicon walks every segment's terms again)."""
        terms = set()
        for reader, offset, key, live in self.segments:
            def compute(reader=reader):
                return tuple(reader.lexicon(fieldname)) if fieldname in reader.indexed_field_names() else ()
            terms.update(self.cache.get((key, "lexicon", fieldname), compute))
        return sorted(terms)

    def count_among(self, fieldname, text, hits) -> int:
        """How many of `hits` (live documents) hold a term. For a term of a few documents, such as the paragraphs
        of one statement, the cache keeps a bitmap of the term's span of each segment only, from its first
        document: a bitmap as wide as the segment for every statement ever shown would fill it as the index grows."""
        btext = text if isinstance(text, bytes) else self.searcher.schema[fieldname].to_bytes(text)
        count = 0
        for segment in self.segments:
            offset, key = segment[1], segment[2]

            def compute(segment=segment):
                ids = self.postings(segment, fieldname, btext)[0]
                return (ids[0], bitmap_of((docnum - ids[0] for docnum in ids), ids[-1] - ids[0] + 1)) if ids else (0, 0)
            first, span = self.cache.get((key, "span", fieldname, btext), compute)
            if span:
                count += ((hits >> (offset + first)) & span).bit_count()
        return count

    def has_term(self, fieldname, text) -> bool:
        """Whether a term's bitmap is already cached for every segment."""
        return all((key, fieldname, text) in self.cache for reader, offset, key, live in self.segments)

    def lengths(self, fieldname):
        """Per segment, the field length of every document (as Whoosh's scorer reads it)."""
        result = []
        for reader, offset, key, live in self.segments:
            def compute(reader=reader):
                # Whoosh answers None for a document with no words in the field (it never matches a term).
                return array("d", (reader.doc_field_length(d, fieldname, 1) or 0 for d in range(reader.doc_count_all())))
            result.append(self.cache.get((key, "lengths", fieldname), compute))
        return result

    def postings(self, segment, fieldname, btext):
        """(document numbers, term frequencies) of a term in one segment, cached."""
        reader, offset, key, live = segment

        def compute():
            if (fieldname, btext) not in reader:
                return array("I"), array("f")
            return leaf_postings(reader.postings(fieldname, btext))
        return self.cache.get((key, "postings", fieldname, btext), compute)

    def rank(self, terms, hits, limit, budget=None, B=0.75, K1=1.2):
        """The `limit` best hits by BM25F, Whoosh's own formula, summed over the query's terms:
        (-score, docnum) pairs. Postings are read as arrays, which is several times faster than
        Whoosh's matchers for frequent terms; when the hits are few next to a term's postings,
        each hit is looked up in them instead of walking them all. When the time budget runs out,
        the terms read so far give the scores, and hits no term scored yet fill the page. A query that
        scores one term (a word, or a phrase ranked by its rarest word) reads that term's postings in ranking
        order instead (`best_of_one_term`), which gives the same hits in the same order."""
        weighted = self.weighted_terms(terms, B, K1)
        if len(weighted) == 1 and not (budget is not None and budget.spent()) and self.dense_in(hits, weighted[0]):
            return self.best_of_one_term(weighted[0], hits, limit, K1)
        return self.scored(weighted, hits, limit, budget, K1)

    def weighted_terms(self, terms, B=0.75, K1=1.2):
        """(term, idf × boost, BM25 length terms, field lengths per segment) of the terms the index holds."""
        searcher = self.searcher
        weighted = []
        for fieldname, text, boost in terms:
            btext = text if isinstance(text, bytes) else searcher.schema[fieldname].to_bytes(text)
            if searcher.doc_frequency(fieldname, btext):
                scale = K1 * B / (searcher.avg_field_length(fieldname) or 1)
                weighted.append(((fieldname, btext), searcher.idf(fieldname, btext) * boost, K1 * (1 - B), scale,
                                 self.lengths(fieldname)))
        return weighted

    def scored(self, weighted, hits, limit, budget=None, K1=1.2):
        """`rank` by scoring every hit in every weighted term's postings."""
        scores = {}
        get = scores.get
        for number, segment in enumerate(self.segments):
            reader, offset, key, live = segment
            local = (hits >> offset) & live
            if not local:
                continue
            hit_count, hit_list, allowed = local.bit_count(), None, None
            for (fieldname, btext), idf, norm, scale, lengths_by_segment in weighted:
                if budget is not None and budget.spent():
                    break
                ids, weights = self.postings(segment, fieldname, btext)
                lengths = lengths_by_segment[number]
                if hit_count * LOOKUP_RATIO < len(ids):
                    hit_list = hit_list or list(docnums_of(local))
                    found = ((docnum, bisect_left(ids, docnum)) for docnum in hit_list)
                    matches = ((docnum, weights[i]) for docnum, i in found if i < len(ids) and ids[i] == docnum)
                else:
                    allowed = allowed or local.to_bytes((reader.doc_count_all() + 7) // 8, "little")
                    matches = ((docnum, tf) for docnum, tf in zip(ids, weights)
                               if allowed[docnum >> 3] >> (docnum & 7) & 1)
                for docnum, tf in matches:
                    scores[docnum + offset] = get(docnum + offset, 0.0) + term_score(idf, tf, norm, scale,
                                                                                    lengths[docnum], K1)
        if budget is not None and budget.ran_out:
            for docnum in islice(docnums_of(hits), limit):
                scores.setdefault(docnum, 0.0)
        return heapq.nsmallest(limit, ((-score, docnum) for docnum, score in scores.items()))

    def dense_in(self, hits, term):
        """Whether the hits are many next to the term's postings in every segment (as for a query of that term
        alone), so that its postings in ranking order reach `limit` hits soon."""
        (fieldname, btext), *_ = term
        for segment in self.segments:
            reader, offset, key, live = segment
            hit_count = ((hits >> offset) & live).bit_count()
            if hit_count and hit_count * LOOKUP_RATIO < len(self.postings(segment, fieldname, btext)[0]):
                return False
        return True

    def best_of_one_term(self, term, hits, limit, K1):
        """`rank` for a query that scores one term. Each segment's postings of the term are kept in ranking
        order, so the best hits are the first hits of that order, read `limit` at most, instead of scoring
        and sorting every posting for each page."""
        (fieldname, btext), idf, norm, scale, lengths_by_segment = term
        walks = []
        for number, segment in enumerate(self.segments):
            reader, offset, key, live = segment
            local = (hits >> offset) & live
            if not local:
                continue
            ids, weights = self.postings(segment, fieldname, btext)
            lengths = lengths_by_segment[number]
            allowed = local.to_bytes((reader.doc_count_all() + 7) // 8, "little")

            def walk(ids=ids, weights=weights, lengths=lengths, allowed=allowed, offset=offset,
                     order=self.ranked_postings(number, segment, term, K1)):
                for i in order:
                    docnum = ids[i]
                    if allowed[docnum >> 3] >> (docnum & 7) & 1:
                        yield -term_score(idf, weights[i], norm, scale, lengths[docnum], K1), docnum + offset
            walks.append(walk())
        return list(islice(heapq.merge(*walks), limit))

    def ranked_postings(self, number, segment, term, K1):
        """The positions of a term's postings in one segment, best first by the BM25F score `rank` computes,
        ties in document order (4 bytes a posting; the scores of the few hits read are computed again). The
        order depends on the whole index (the term's idf, the average field length): they are part of the key."""
        (fieldname, btext), idf, norm, scale, lengths_by_segment = term
        reader, offset, key, live = segment

        def compute():
            ids, weights = self.postings(segment, fieldname, btext)
            lengths = lengths_by_segment[number]
            negated = [-term_score(idf, tf, norm, scale, lengths[docnum], K1) for docnum, tf in zip(ids, weights)]
            # Postings are in document order and the sort is stable: ties stay in document order.
            return array("I", sorted(range(len(ids)), key=negated.__getitem__))
        return self.cache.get((key, "ranked", fieldname, btext, idf, norm, scale, K1), compute)

    def generic(self, query) -> int:
        return bitmap_of(self.searcher.docs_for_query(query), self.size)

    def of(self, query, budget=None) -> int:
        """The documents matching a Whoosh query. Once the time budget has run out, the alternatives
        of an OR not read yet are left out and phrases are checked no further."""
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
                if budget is not None and budget.spent():
                    break
                bits |= self.of(child, budget)
            return bits
        if type(query) is whoosh_query.And:
            bits = self.all
            for child in query.subqueries:
                bits &= self.of(child, budget)
                if not bits:
                    break
            return bits
        if type(query) is whoosh_query.Not:
            return self.all & ~self.of(query.query, budget)
        if type(query) is whoosh_query.AndNot:
            return self.of(query.a, budget) & ~self.of(query.b, budget)
        if type(query) is whoosh_query.AndMaybe:
            return self.of(query.a, budget)
        if type(query) is whoosh_query.Every:
            return self.all
        if isinstance(query, whoosh_query.Phrase):
            return self.phrase(query, budget)
        return self.generic(query)

    def phrase(self, query, budget=None):
        """Only documents with every word (and every indexed pair of common words) can hold the
        phrase: word positions are checked in those alone, and a two-word pair needs no check.
        Terms narrow the candidates rarest first; once the candidates are fewer than a term's
        posting blocks, checking that term's positions in them costs less than its bitmap."""
        field, words = query.fieldname, list(query.words)
        pairs = [pair for pair, _ in self.phrase_pairs(words)] if query.slop <= 1 else []
        if len(words) == 2 and pairs:  # the pair term stands exactly where the two words do
            return self.of(whoosh_query.Term(field, pairs[0]))
        to_bytes = self.searcher.schema[field].to_bytes
        terms = sorted({to_bytes(term) for term in [*pairs, *words]}, key=lambda t: self.searcher.doc_frequency(field, t))
        candidates = self.all
        for number, term in enumerate(terms):
            if number and not self.has_term(field, term) and \
                    candidates.bit_count() * POSTINGS_PER_BLOCK < self.searcher.doc_frequency(field, term):
                break
            candidates &= self.term(field, term)
            if not candidates:
                return 0
        if len(words) == 1:
            return candidates
        return self.verify_phrase(field, words, query.slop, candidates, budget)

    def verify_phrase(self, field, words, slop, candidates, budget=None):
        """The candidates in which the words stand in order. Terms are read rarest first, and each
        one only in the posting blocks that still hold a candidate, so a common word's long list is
        mostly skipped. Where two adjacent words are indexed as a pair, the pair's short posting
        list is read instead of the words' long ones."""
        terms = self.position_terms(words) if slop <= 1 else [(word, i) for i, word in enumerate(words)]
        found = []
        for reader, offset, key, live in self.segments:
            if budget is not None and budget.spent():
                break
            remaining = list(docnums_of((candidates >> offset) & live))
            if not remaining:
                continue
            texts = [(self.searcher.schema[field].to_bytes(term), index) for term, index in terms]
            if any((field, text) not in reader for text, _ in texts):
                continue
            if slop <= 1:
                # {docnum: where the phrase could start}, narrowed by each term's positions
                starts = None
                for text, index in sorted(texts, key=lambda item: reader.doc_frequency(field, item[0])):
                    positions = candidate_positions(reader.postings(field, text), remaining)
                    shifted = {docnum: {p - index for p in positions[docnum]} for docnum in remaining if docnum in positions}
                    starts = shifted if starts is None else {docnum: s & starts[docnum] for docnum, s in shifted.items()}
                    remaining = [docnum for docnum in remaining if starts.get(docnum)]
                    if not remaining:
                        break
                found.extend(docnum + offset for docnum in remaining)
            else:
                per_term = [candidate_positions(reader.postings(field, text), remaining) for text, _ in texts]
                found.extend(docnum + offset for docnum in remaining
                             if all(docnum in positions for positions in per_term)
                             and phrase_in([positions[docnum] for positions in per_term], slop))
        return bitmap_of(found, self.size)

    def position_terms(self, words):
        """(term, index of the word whose position it has): pair terms where indexed, else words."""
        terms = self.phrase_pairs(words)  # a pair is indexed at its second word's position
        covered = {i for _, second in terms for i in (second - 1, second)}
        terms += [(word, i) for i, word in enumerate(words) if i not in covered]
        return terms


def candidate_positions(matcher, docnums):
    """{docnum: positions} of a term for `docnums` (sorted, within the matcher's segment). A block
    is decoded only when its range, known from its header, holds one of them."""
    matcher, by_block = leaf_matcher(matcher)
    wanted = set(docnums)
    result = {}
    if not by_block:
        while matcher.is_active():
            if matcher.id() in wanted:
                result[matcher.id()] = matcher.value_as("positions")
            matcher.next()
        return result
    decode = matcher.format.decode_positions
    next_wanted, count = 0, len(docnums)
    while not matcher._atend and next_wanted < count:
        last_in_block = matcher._maxid
        if docnums[next_wanted] <= last_in_block:
            matcher._read_ids()
            ids = matcher._ids
            inside = [i for i, docnum in enumerate(ids) if docnum in wanted]
            if inside:
                matcher._read_values()
                values = matcher._values
                for i in inside:
                    result[ids[i]] = decode(values[i])
            while next_wanted < count and docnums[next_wanted] <= last_in_block:
                next_wanted += 1
        matcher._next_block()
    return result


def phrase_in(positions, slop):
    """Whether words occur in order, each within `slop` positions of the one before."""
    def follows(index, position):
        if index == len(positions):
            return True
        return any(position < p <= position + slop and follows(index + 1, p) for p in positions[index])
    return any(follows(1, start) for start in positions[0])
