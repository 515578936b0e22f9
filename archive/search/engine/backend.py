"""The engine: a haystack backend over Whoosh that knows no model, field or facet name of the app.

What the app's search index declares (engine.fields) tells it how to index and query each field.
Around Whoosh it changes, and why:
- the text is indexed as folded words, their marked stems and pair terms of frequent words
  (engine.analysis); quoted phrases search the words as written, so "cooperation fund" does not
  match "cooperating funds". A hyphenated word is searched as the phrase of its parts.
- facet fields are whole, untokenised ID terms, so facet values are real values; counts are
  intersections of bitmaps of document numbers (engine.bitmaps), never rows counted in Python.
  Sortable keys are also columns, to order hits by.
- one searcher per process is kept open and reopened only when the index on disk changes; a search
  (or a whole request, see `one_searcher`) answers from one searcher even if the index is committed or
  swapped meanwhile, and a searcher opens all its files at once, so files deleted by a merge or a swap
  stay readable to it.
- hits carry the spans (character offsets) of exactly what matched, and an excerpt around them
  (engine.highlight); rendering them is the app's.
- spelling suggestions for the words the index does not know (engine.spelling).
- every query's work is bounded (engine.language) and a search stops reading postings after
  ARCHIVE_SEARCH_SECONDS; each bound that applied is told to the user in a note.
- writes, rebuilds and swaps: engine.storage.
"""

import functools
import json
import os
from array import array
from collections import OrderedDict
from contextlib import contextmanager
from datetime import datetime
from itertools import islice

from django.conf import settings
from django.utils.encoding import force_str
from haystack.backends import BaseEngine
from haystack.backends.whoosh_backend import WhooshSearchBackend, WhooshSearchQuery
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.exceptions import SkipDocument
from haystack.fields import FacetField, MultiValueField
from haystack.models import SearchResult
from haystack.utils import get_identifier
from whoosh import query as whoosh_query
from whoosh.fields import ID as WHOOSH_ID, KEYWORD, STORED, TEXT, Schema

from . import highlight as highlighting
from . import spelling
from .analysis import PAIR_MARK, PairTerms, TextField, exact_analyzer, read_words, stem_word, stemmed_analyzer
from .bitmaps import CACHE_BYTES, Bitmaps, BitmapSet, SegmentCache, TimeBudget, docnums_of
from .fields import DateKeyField, KeyField
from .language import EXACT_FIELD, Language
from .storage import Index, IndexStorage, schema_version

DOCSET_CACHE_SIZE = 256
DOCNUM_TYPECODE = "I"  # an array of document numbers: unsigned, at least 32 bits
MEGABYTE = 1024 * 1024
# Year, month, day, hour, minute, second, microsecond of a date key (YYYYMMDD or YYYYMMDDHHMMSSffffff).
DATE_KEY_PARTS = [(0, 4), (4, 6), (6, 8), (8, 10), (10, 12), (12, 14), (14, 20)]


def stored_hit(stored, date_fields):
    """(app label, model name, id, display fields) of a hit's stored fields; date keys (YYYYMMDD or
    YYYYMMDDHHMMSSffffff) as datetimes, as haystack's date fields give them."""
    fields = {key: value for key, value in stored.items() if key not in (DJANGO_CT, DJANGO_ID, ID)}
    for name in date_fields:
        value = fields.get(name)
        # Sliced, not strptime'd: this runs for every hit of every page.
        parts = DATE_KEY_PARTS[:3] if len(value or "") == 8 else DATE_KEY_PARTS
        fields[name] = datetime(*(int(value[start:end]) for start, end in parts)) if value else None
    app_label, model_name = stored[DJANGO_CT].split(".")
    return app_label, model_name, stored[DJANGO_ID], fields


def scoring_terms(query):
    """(field, text, boost) of every term a ranking query scores, or None when it has other kinds
    of query (wildcards, ranges) that only Whoosh's matchers can score."""
    if type(query) is whoosh_query.Term:
        return [(query.fieldname, query.text, query.boost)]
    if type(query) in (whoosh_query.And, whoosh_query.Or):
        terms = []
        for child in query.subqueries:
            if isinstance(child, whoosh_query.Every):
                continue
            child_terms = scoring_terms(child)
            if child_terms is None:
                return None
            terms.extend(child_terms)
        return terms
    return None


def ranking_query(query, reader, pairs):
    """The query to rank hits by: a phrase is ranked by its rarest word or pair, as the hits
    already hold the phrase and reading the rarest postings is cheapest."""
    def unphrase(node):
        # Negations only narrow, and the hits already apply them; ranking by them would be wrong.
        if isinstance(node, whoosh_query.Not):
            return whoosh_query.Every()
        if isinstance(node, whoosh_query.AndNot):
            return node.a
        if isinstance(node, whoosh_query.And):
            kept = [child for child in node.subqueries if not isinstance(child, whoosh_query.Every)]
            return whoosh_query.And(kept) if kept else whoosh_query.Every()
        if isinstance(node, whoosh_query.Phrase):
            words = list(node.words)
            indexed_pairs = [pair for pair, _ in pairs.of_phrase(words)] if node.slop <= 1 else []
            terms = [*indexed_pairs, *words]
            return whoosh_query.Term(node.fieldname, min(terms, key=lambda t: reader.doc_frequency(node.fieldname, t)))
        return node
    return query.accept(unphrase) if not isinstance(query, whoosh_query.Not) else whoosh_query.Every()



def on_one_searcher(method):
    """A backend method that reads the index more than once: all its reads see one searcher."""
    @functools.wraps(method)
    def pinned(self, *args, **kwargs):
        with self.one_searcher():
            return method(self, *args, **kwargs)
    return pinned



class WhooshBackend(IndexStorage, WhooshSearchBackend):
    """Connection options besides haystack's: COMMON_WORDS and PAIRED_WITH_ANY_WORD, word-list files
    (engine.analysis.PairTerms); CACHE_MB, the most one process keeps of what it read from the index."""

    def __init__(self, connection_alias, **connection_options):
        super().__init__(connection_alias, **connection_options)
        self.pairs = PairTerms(*(read_words(connection_options[name]) if connection_options.get(name) else ()
                                 for name in ("COMMON_WORDS", "PAIRED_WITH_ANY_WORD")))
        self._searcher = None
        self._searcher_signature = None
        self._docsets = OrderedDict()
        self._value_sets = {}
        self._bitmaps = None
        self._date_order = {}
        self._exact_words = None
        self._cache_bytes = int(connection_options.get("CACHE_MB", CACHE_BYTES // MEGABYTE) * MEGABYTE)
        self._segment_cache = SegmentCache(self._cache_bytes)
        self._pins = 0

    # Schema and parser

    def build_schema(self, fields):
        schema = {
            ID: WHOOSH_ID(stored=True, unique=True),
            DJANGO_CT: WHOOSH_ID(stored=True),
            DJANGO_ID: WHOOSH_ID(stored=True),
            EXACT_FIELD: TEXT(analyzer=exact_analyzer(), multitoken_query="phrase"),
        }
        content_field_name = ""
        language = Language(text="")
        self.group_field = None
        for field in fields.values():
            name = field.index_fieldname
            if field.document:
                content_field_name = name
                schema[name] = TextField(self.pairs, stored=True, multitoken_query="phrase")
            elif not field.indexed:
                schema[name] = STORED()
            elif isinstance(field, FacetField) and isinstance(field, MultiValueField):
                schema[name] = KEYWORD(stored=True, commas=True, lowercase=False, scorable=False)
            elif isinstance(field, (FacetField, KeyField)):  # whole values
                schema[name] = WHOOSH_ID(stored=field.stored, sortable=getattr(field, "sortable", False))
            else:
                schema[name] = TEXT(stored=field.stored, analyzer=stemmed_analyzer(), phrase=False)
            if getattr(field, "query_names", ()):  # the facet's values found by their words
                language.facet_words[f"{name}_q"] = name
                language.query_names[f"{name}_q"] = field.query_names
                schema[f"{name}_q"] = TEXT(analyzer=exact_analyzer(), multitoken_query="phrase")
            if isinstance(field, DateKeyField):
                language.date_fields.add(name)
            if getattr(field, "few_values", False):
                language.few_values.add(name)
            if getattr(field, "group", False):
                self.group_field = name
        language.text = content_field_name
        self.language = language
        schema = Schema(**schema)
        self.schema_names = frozenset(schema.names())
        self.schema_version = schema_version(schema, self.pairs)
        return content_field_name, schema

    def setup(self):
        try:
            super().setup()
        except (AttributeError, ImportError):
            # An index written by an earlier version may name classes that are gone: it cannot be
            # opened, only rebuilt (check_index does so when the version differs).
            if self.recorded_version() == self.schema_version:
                raise
            self.setup_complete = True
        index = getattr(self, "index", None)
        if index is not None and index.doc_count() == 0 and not os.path.exists(self.schema_version_file()):
            self.mark_schema_version(os.path.realpath(self.path))
        self.parser = self.language.parser(self.schema)

    # Writes: all under the index lock (engine.storage), with a Whoosh writer that waits.

    def prepare(self, search_index, obj):
        try:
            prepared = search_index.full_prepare(obj)
        except SkipDocument:
            return None
        prepared.pop("boost", None)
        names = self.schema_names
        return {
            key: value if type(value) is str else self._from_python(value)  # most values are text already
            for key, value in prepared.items()
            if value not in (None, "", []) and key in names
        }

    def write_documents(self, writer, search_index, group_values, objects):
        """Delete every indexed object of these groups (values of the group field), then add `objects`."""
        for value in group_values:
            writer.delete_by_term(self.group_field, str(value))
        for obj in objects:
            fields = self.prepare(search_index, obj)
            if fields:
                writer.add_document(**fields)

    def replace_documents(self, search_index, group_values, objects):
        """Drop every indexed object of these groups, then index `objects`, in one commit."""
        with self.writer() as writer:
            self.write_documents(writer, search_index, group_values, objects)

    def update(self, index, iterable, commit=True):
        with self.writer() as writer:
            for obj in iterable:
                fields = self.prepare(index, obj)
                if fields:
                    writer.update_document(**fields)

    def remove(self, obj_or_string, commit=True):
        with self.writer() as writer:
            writer.delete_by_term(ID, get_identifier(obj_or_string))

    # Reading

    def _index_signature(self):
        try:
            folder = os.path.realpath(self.path)
            return folder, tuple(sorted(
                (name, os.stat(os.path.join(folder, name)).st_mtime_ns)
                for name in os.listdir(folder) if name.endswith(".toc")))
        except FileNotFoundError:
            return None

    def _close_searcher(self):
        """Close the searcher and forget every cache: the next searcher may read other files. (Segment caches
        are kept across refreshes only: a segment's cached postings leave out the documents deleted when they
        were read, and within one index deletions only grow.)"""
        if self._searcher is not None:
            self._searcher.close()
        self._searcher, self._searcher_signature = None, None
        self._reset_caches()
        self._segment_cache = SegmentCache(self._cache_bytes)

    def _reset_caches(self):
        self._docsets.clear()
        self._value_sets.clear()
        self._bitmaps = None
        self._date_order = {}

    def current_searcher(self):
        """The process's long-lived searcher, refreshed when the index on disk has changed.

        A refresh keeps the readers (and cached bitmaps) of segments that did not change; a
        rebuild swapped in under the same path is opened afresh. Inside `one_searcher` it is
        neither refreshed nor closed.
        """
        if self._pins and self._searcher is not None:
            return self._searcher
        if not self.setup_complete:
            self.setup()
        signature = self._index_signature()
        if self._searcher is not None and signature != self._searcher_signature:
            if signature is not None and signature[0] == self._searcher_signature[0]:
                self._searcher = self._searcher.refresh()
                self._searcher_signature = signature
                self._reset_caches()
            else:
                self._close_searcher()
        if self._searcher is None:
            if signature is None:
                self.setup()
                signature = self._index_signature()
            self.index = self.storage.open_index(schema=self.schema, indexclass=Index)
            self._searcher = self.index.searcher()
            self._searcher_signature = signature
        return self._searcher

    @contextmanager
    def one_searcher(self):
        """Every search inside answers from the searcher current when it began: a commit or a swap
        meanwhile is seen by the next search after it, and the searcher is not closed under it.
        (Each thread has its own backend, so a searcher is only ever used by one request.)"""
        self.current_searcher()
        self._pins += 1
        try:
            yield
        finally:
            self._pins -= 1

    def bitmaps(self):
        searcher = self.current_searcher()
        if self._bitmaps is None:
            self._bitmaps = Bitmaps(searcher, self._segment_cache, self.pairs.of_phrase)
        return self._bitmaps

    def document_count(self):
        return self.current_searcher().doc_count()

    def stored_by_id(self, *names):
        """{object id: (its stored `names`)} for everything in the index."""
        return {int(fields[DJANGO_ID]): tuple(fields.get(name) for name in names)
                for fields in self.current_searcher().all_stored_fields()}

    def parse(self, query_string, notes=None):
        """The Whoosh query for a query string, rewritten (engine.language); how its work was bounded
        is added to `notes` as sentences for the user. An empty query matches everything."""
        if not self.setup_complete:
            self.setup()
        query_string = force_str(query_string).strip()
        if not query_string:
            return whoosh_query.Every()
        notes = [] if notes is None else notes
        notes.extend(self.language.unknown_fields(query_string, self.schema))
        reader = self.current_searcher().reader()
        return self.language.rewrite(self.parser.parse(query_string), reader, self.facet_value_query, notes)

    def facet_value_query(self, field, words):
        """Objects whose facet value contains all these words: `series:dialogue`."""
        analyzer = self.schema[EXACT_FIELD].analyzer
        values = [value for value in self.value_sets(field)
                  if set(words) <= {token.text for token in analyzer(value)}]
        return whoosh_query.Or([whoosh_query.Term(field, value) for value in values]) if values else whoosh_query.NullQuery

    def docset(self, query, budget=None) -> int:
        """Bitmap of the documents matching `query`, cached for the life of the searcher (unless the
        time budget ran out while reading it, and it is incomplete)."""
        bitmaps = self.bitmaps()
        key = repr(query)
        if key in self._docsets:
            self._docsets.move_to_end(key)
            return self._docsets[key]
        bits = bitmaps.of(query, budget)
        if budget is None or not budget.ran_out:
            self._docsets[key] = bits
            if len(self._docsets) > DOCSET_CACHE_SIZE:
                self._docsets.popitem(last=False)
        return bits

    def value_sets(self, field):
        """{facet value: bitmap of its documents} for one facet field."""
        if field not in self._value_sets:
            bitmaps = self.bitmaps()
            values = bitmaps.lexicon(field)
            self._value_sets[field] = {
                (value.decode("utf-8") if isinstance(value, bytes) else value): bitmaps.term(field, value)
                for value in values
            }
        return self._value_sets[field]

    def ordered(self, hits, sort_by, limit):
        """The first `limit` hits in date order (newest first for "-date"), hits without a date last."""
        field = sort_by.lstrip("-")
        reverse = sort_by.startswith("-")
        if sort_by not in self._date_order:
            searcher = self.current_searcher()
            values = list(searcher.reader().column_reader(field)) if searcher.reader().has_column(field) else []
            present = [d for d, v in enumerate(values) if v]
            present.sort(key=lambda d: values[d], reverse=reverse)
            missing = [d for d, v in enumerate(values) if not v]
            # Kept for the searcher's life as machine integers: 4 bytes a document, not a Python int and a pointer.
            self._date_order[sort_by] = array(DOCNUM_TYPECODE, present + missing)
        order = self._date_order[sort_by]
        if hits.bit_count() < len(order) // 8:  # few hits: sort just those
            if (sort_by, "rank") not in self._date_order:
                rank = array(DOCNUM_TYPECODE, [0]) * len(order)
                for i, docnum in enumerate(order):
                    rank[docnum] = i
                self._date_order[sort_by, "rank"] = rank
            rank = self._date_order[sort_by, "rank"]
            return sorted(docnums_of(hits), key=lambda d: rank[d] if d < len(rank) else len(rank))[:limit]
        found = []
        for docnum in order:
            if hits >> docnum & 1:
                found.append(docnum)
                if len(found) == limit:
                    break
        return found

    def narrow_queries_by_field(self, narrow_queries):
        """{field: Whoosh query} from narrows made by `facet_narrow`, `range_narrow` or in query syntax."""
        by_field = {}
        for narrow in narrow_queries or ():
            field, _, payload = narrow.partition(":")
            try:
                values = json.loads(payload)
            except ValueError:
                by_field.setdefault("", []).append(self.parse(narrow))
                continue
            if isinstance(values, dict):  # a date range, inclusive
                start = values["from"].replace("-", "") if values.get("from") else None
                end = values["to"].replace("-", "") if values.get("to") else None
                by_field.setdefault(field, []).append(whoosh_query.TermRange(field, start, end))
            else:
                by_field.setdefault(field, []).append(whoosh_query.Or([whoosh_query.Term(field, str(v)) for v in values]))
        return {field: whoosh_query.And(queries) if len(queries) > 1 else queries[0] for field, queries in by_field.items()}

    def filter_docs(self, narrows, except_field=None):
        """Bitmap of the documents all narrows (but one facet's) allow; None when nothing narrows."""
        docs = None
        for field, narrow in narrows.items():
            if field != except_field:
                docs = self.docset(narrow) if docs is None else docs & self.docset(narrow)
        return docs

    def facet_counts(self, matched, narrows, facets, hits):
        counts = {}
        for field in facets:
            base = hits
            if field in narrows:  # a facet's own choice must not hide its other values
                others = self.filter_docs(narrows, except_field=field)
                base = matched if others is None else matched & others
            values = [(value, (base & docs).bit_count()) for value, docs in self.value_sets(field).items()]
            counts[field] = sorted(((v, c) for v, c in values if c), key=lambda item: (-item[1], item[0]))
        return counts


    def result(self, stored, score, **extra):
        app_label, model_name, pk, fields = stored_hit(stored, self.language.date_fields)
        return SearchResult(app_label, model_name, pk, score or 0, **fields, **extra)

    @on_one_searcher
    def search(self, query_string, sort_by=None, start_offset=0, end_offset=None, fields="",
               highlight=False, facets=None, narrow_queries=None, spelling_query=None,
               result_class=None, count_groups=True, **kwargs):
        """Haystack's search. Each hit also has `spans` (of what matched in the text) and `excerpt`
        (start, end) when `highlight`, and `group_matches`, the hits in its group (with a group field) when
        `count_groups`. An empty query matches every object the narrows allow."""
        facets = list(facets or ())
        notes = []
        empty = {"results": [], "hits": 0, "facets": {"fields": {f: [] for f in facets}, "dates": {}, "queries": {}},
                 "spelling_suggestion": None, "notes": notes}
        query = self.parse(query_string, notes)
        if query is None or query is whoosh_query.NullQuery:
            return empty
        searcher = self.current_searcher()
        narrows = self.narrow_queries_by_field(narrow_queries)
        budget = TimeBudget(settings.ARCHIVE_SEARCH_SECONDS)
        matched = self.docset(query, budget)
        filter_docs = self.filter_docs(narrows)
        hits = matched if filter_docs is None else matched & filter_docs
        start_offset = start_offset or 0
        end_offset = end_offset if end_offset is not None else start_offset + 20
        results = []
        if hits and end_offset > start_offset:
            if sort_by:
                page = [(docnum, 0) for docnum in self.ordered(hits, sort_by[0], end_offset)[start_offset:]]
            elif isinstance(query, whoosh_query.Every):  # nothing to rank by: index order
                page = [(docnum, 0) for docnum in islice(docnums_of(hits), start_offset, end_offset)]
            else:
                ranking = ranking_query(query, searcher.reader(), self.pairs)
                terms = scoring_terms(ranking)
                if terms is not None:
                    best = self.bitmaps().rank(terms, hits, end_offset, budget)
                    page = [(docnum, -negative) for negative, docnum in best[start_offset:end_offset]]
                else:
                    top = searcher.search(ranking, limit=end_offset, terms=False,
                                          filter=BitmapSet(hits) if filter_docs is not None or ranking != query else None)
                    page = [(hit.docnum, hit.score) for hit in top[start_offset:end_offset]]
            spec = highlighting.match_spec(query, searcher.reader(), self.content_field_name) if highlight else None
            for docnum, score in page:
                stored = searcher.stored_fields(docnum)
                extra = {}
                if spec is not None:
                    text = stored.get(self.content_field_name, "")
                    extra["spans"] = self.spans(text, spec)
                    extra["excerpt"] = highlighting.excerpt(text, extra["spans"])
                if self.group_field and count_groups:
                    extra["group_matches"] = self.bitmaps().count_among(self.group_field, stored[self.group_field], hits)
                results.append(self.result(stored, score, **extra))
        suggestion = None
        if not hits and spelling_query is not None:
            suggestion = spelling.suggestion(spelling_query, searcher.reader(), self.content_field_name,
                                             self.schema[EXACT_FIELD].analyzer)
        if budget.ran_out:
            notes.append(f"The search took longer than {budget.seconds:g} seconds and was stopped: "
                         "the results may be incomplete, and only partly in order of relevance.")
        return {"results": results, "hits": hits.bit_count(),
                "facets": {"fields": self.facet_counts(matched, narrows, facets, hits), "dates": {}, "queries": {}},
                "spelling_suggestion": suggestion, "notes": notes}

    def spans(self, text, spec):
        if self._exact_words is None:
            self._exact_words = highlighting.exact_words(self.schema[EXACT_FIELD].analyzer)
        return highlighting.matched_spans(text, spec, self._exact_words, stem_word)

    @on_one_searcher
    def highlight_spans(self, texts, query_string):
        """For each text, the spans of what `query_string` matches in it, as in search hits."""
        query = self.parse(query_string)
        if isinstance(query, whoosh_query.Every) or query is whoosh_query.NullQuery:
            return [[] for _ in texts]
        spec = highlighting.match_spec(query, self.current_searcher().reader(), self.content_field_name)
        return [self.spans(text, spec) for text in texts]

    @on_one_searcher
    def more_like_this(self, model_instance, additional_query_string=None, start_offset=0, end_offset=None,
                       models=None, limit_to_registered_models=None, result_class=None, **kwargs):
        """Objects of other groups that share this one's key terms, most similar first."""
        searcher = self.current_searcher()
        docnum = searcher.document_number(**{ID: get_identifier(model_instance)})
        if docnum is None:
            return {"results": [], "hits": 0}
        # Words and stems only: pair terms would make passages similar for sharing "of the".
        key_terms = [(term, weight) for term, weight in searcher.key_terms([docnum], self.content_field_name, numterms=60)
                     if not term.startswith(PAIR_MARK)][:15]
        if not key_terms:
            return {"results": [], "hits": 0}
        query = whoosh_query.Or([whoosh_query.Term(self.content_field_name, word, boost=weight)
                                 for word, weight in key_terms])
        mask = None
        if self.group_field:
            same_group = whoosh_query.Term(self.group_field, searcher.stored_fields(docnum)[self.group_field])
            mask = BitmapSet(self.docset(same_group))
        else:
            mask = BitmapSet(1 << docnum)
        limit = end_offset or 10
        top = searcher.search(query, limit=limit, mask=mask, terms=False)
        results = [self.result(hit.fields(), hit.score) for hit in top[start_offset or 0:limit]]
        return {"results": results, "hits": len(results)}


class SearchQuery(WhooshSearchQuery):
    """Haystack's Whoosh query, which also keeps the backend's notes on how it bounded the search, and may
    leave out the hits per group (`count_groups`: a long read of hits, such as an export, shows none)."""

    notes = ()
    count_groups = True

    def _clone(self, klass=None, using=None):
        clone = super()._clone(klass, using)
        clone.count_groups = self.count_groups
        return clone

    def build_params(self, spelling_query=None):
        return {**super().build_params(spelling_query), "count_groups": self.count_groups}

    def matching_all_fragment(self):
        return ""  # parsed as "everything"; a `*` typed by a user is a bounded wildcard

    def run(self, spelling_query=None, **kwargs):
        results = self.backend.search(self.build_query(), **{**self.build_params(spelling_query), **kwargs})
        self._results = results.get("results", [])
        self._hit_count = results.get("hits", 0)
        self._facet_counts = self.post_process_facets(results)
        self._spelling_suggestion = results.get("spelling_suggestion", None)
        self.notes = results.get("notes", [])


class Engine(BaseEngine):
    backend = WhooshBackend
    query = SearchQuery
