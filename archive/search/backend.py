"""Everything Whoosh: schema and analyzers, the query language, searching, facets and index writes.

A subclass of haystack's Whoosh backend. What it changes, and why:
- `text` folds case and Latin accents (Hangul and other scripts are left whole) and stems with
  porter2 (the stock analyzer stems `running` to `runn`); `text_exact` is the same without
  stemming, and quoted phrases search it, so "cooperation fund" does not match "cooperating
  funds". Stop words are kept, so "Plan of Action" stays an exact phrase. A hyphenated word
  is searched as the phrase of its parts ("Indo-Pacific", "2016-2020").
- facet fields are whole, untokenised ID terms, so facet values are real values; counts are
  intersections of bitmaps of document numbers (archive.search.bitmaps), never rows counted in
  Python. Only the date is also a sortable column, for date order.
- one searcher per process is kept open and reopened only when the index on disk changes; a search
  (or a whole request, see `one_searcher`) answers from one searcher even if the index is committed or
  swapped meanwhile, and a searcher opens all its files at once, so files deleted by a merge or a swap
  stay readable to it.
- snippets mark exactly what matched (archive.search.highlight), sanitized.
- spelling suggestions only when a query finds nothing, for words the index does not know.
- every query's work is bounded: a wildcard needs MIN_WILDCARD_PREFIX letters before its `*` or `?`,
  wildcards and ranges expand to at most MAX_EXPANDED_TERMS words of the index in all, and a search
  stops reading postings after ARCHIVE_SEARCH_SECONDS; each of these is told to the user in a note.
- every write takes one file lock (`index_lock`) and a Whoosh writer that waits, so no update
  or delete is dropped when several processes write; a full rebuild is built beside the live
  index and swapped in atomically (a symlink), so search works throughout.
"""

import fcntl
import functools
import json
import os
import re
import shutil
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from itertools import islice

from django.conf import settings
from django.utils.encoding import force_str
from haystack.backends import BaseEngine
from haystack.backends.whoosh_backend import WhooshSearchBackend, WhooshSearchQuery
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.exceptions import SkipDocument
from haystack.fields import FacetField
from haystack.models import SearchResult
from haystack.utils import get_identifier
from whoosh import query as whoosh_query
from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader
from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StemFilter
from whoosh.fields import DATETIME, ID as WHOOSH_ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.lang.porter2 import stem
from whoosh.qparser import EveryPlugin, FieldAliasPlugin, PhrasePlugin, QueryParser, WildcardPlugin
from whoosh.support.charset import accent_map

from . import highlight as highlighting
from .bitmaps import Bitmaps, BitmapSet, SegmentCache, TimeBudget, docnums_of

WRITER_TIMEOUT_SECONDS = 60
SCHEMA_VERSION = "11"  # bump when the schema or analysis changes: check_index then rebuilds
STEM_MARK = "~"
PAIR_MARK = "^"
# Words so frequent that a phrase made of them would have to check word positions in most paragraphs.
# Each adjacent pair of them is also indexed as one term (`^of_the`), so such phrases are found directly.
# The most frequent of all are paired with any neighbour too (`^trade_and`): a phrase holding one of
# them then never reads that word's very long posting list.
PAIRED_WITH_ANY_WORD = frozenset("a an and as at by for in of on s the to we with asean korea rok cooperation including".split())
COMMON_WORDS = frozenset("""
a about across after against all also an and any are as at be been both but by can could for from further
had has have he her his i in into is it its made make may more most must new not of on one or other our out over
s said shall she should since so such than that the their them there these they this those through to towards
under up upon us very was we were which while who will with within would year years
asean asia korea korean rok republic leaders ministers meeting summit dialogue cooperation development
regional region plan action support partnership implementation member states community economic security
peace stability welcomed noted agreed looked forward including further strengthen enhance sides both
international mutual joint people centre center fund work progress
""".split())
# Fields the parser knows but that are never written: it rewrites them (see `rewrite`).
EXACT_FIELD = "text_exact"
FACET_QUERY_FIELDS = {"series_q": "series", "kind_q": "kind", "country_q": "chair_country"}
# Words a user may put before a colon, and the fields they search.
FIELD_ALIASES = {"series_q": ["series"], "kind_q": ["kind", "type"], "country_q": ["country", "chair"]}
DOCSET_CACHE_SIZE = 256
MAX_SPELLING_CORRECTIONS = 3  # unknown words per query that get a "did you mean"
# A wildcard with a shorter prefix would expand to a large part of the vocabulary (`*` to all of it).
MIN_WILDCARD_PREFIX = 3
MAX_EXPANDED_TERMS = 500  # words of the index that one query's wildcards and ranges may stand for, in all
# One term per meeting date: ranges and prefixes over them are bounded by the number of meetings.
MEETING_DATE_FIELDS = {"date", "year"}


@lru_cache(maxsize=200_000)
def stem_word(word):
    return stem(word)


def indexed_pair(first, second):
    """The pair term the index holds for two adjacent words, or None."""
    if first in PAIRED_WITH_ANY_WORD or second in PAIRED_WITH_ANY_WORD or (
            first in COMMON_WORDS and second in COMMON_WORDS):
        return f"{PAIR_MARK}{first}_{second}"
    return None


def phrase_pairs(words):
    """(pair term, index of its second word) for each adjacent pair of `words` the index holds."""
    pairs = (indexed_pair(first, second) for first, second in zip(words, words[1:]))
    return [(pair, second) for second, pair in enumerate(pairs, 1) if pair]


def hit_fields(stored):
    """(paragraph id, display fields) of a hit's stored fields; the date (YYYYMMDD) as a datetime,
    as haystack's date fields give it."""
    fields = {key: value for key, value in stored.items() if key not in (DJANGO_CT, DJANGO_ID, ID)}
    fields["date"] = datetime.strptime(fields["date"], "%Y%m%d") if fields.get("date") else None
    return stored[DJANGO_ID], fields


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


def ranking_query(query, reader):
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
            pairs = [pair for pair, _ in phrase_pairs(words)] if node.slop <= 1 else []
            terms = [*pairs, *words]
            return whoosh_query.Term(node.fieldname, min(terms, key=lambda t: reader.doc_frequency(node.fieldname, t)))
        return node
    return query.accept(unphrase) if not isinstance(query, whoosh_query.Not) else whoosh_query.Every()


class StemMarkFilter(Filter):
    """Indexes each word as written (folded) and, at the same position, its stem marked with "~"
    when the two differ: `cooperation` -> `cooperation`, `~cooper`. So one field answers both
    exact phrases ("cooperation fund" as written) and stemmed words (`cooperate` finds
    `cooperation` through `~cooper`). Adjacent words may also give a pair term (`indexed_pair`).
    Queries are analyzed without the marks, then rewritten."""

    is_morph = True

    def __call__(self, tokens):
        previous = None
        for token in tokens:
            yield token
            if token.mode == "query":
                continue
            word = token.text
            stemmed = stem_word(word)
            if stemmed != word:
                token.text = STEM_MARK + stemmed
                yield token
            pair = indexed_pair(previous, word) if previous else None
            if pair:
                token.text = pair
                yield token
            token.text = word
            previous = word


def exact_analyzer():
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def text_analyzer():
    return exact_analyzer() | StemMarkFilter()


def stemmed_analyzer():
    return exact_analyzer() | StemFilter(stemfn=stem)


# Fields whose Whoosh type is chosen by name; the rest follow the haystack field's type.
NAMED_FIELDS = {
    "title": lambda: TEXT(analyzer=stemmed_analyzer(), phrase=False),
    "topics": lambda: KEYWORD(stored=True, commas=True, lowercase=False, scorable=False),
    # Whole values as single terms: a NUMERIC or DATETIME field would index 16 terms per value.
    "document_id": lambda: WHOOSH_ID(stored=True),
    "date": lambda: WHOOSH_ID(stored=True, sortable=True),  # YYYYMMDD
}
QUERY_ONLY_FIELDS = {EXACT_FIELD: lambda: TEXT(analyzer=exact_analyzer(), multitoken_query="phrase"),
                     **{name: lambda: TEXT(analyzer=exact_analyzer(), multitoken_query="phrase")
                        for name in FACET_QUERY_FIELDS}}


def stem_terms(fieldname, word):
    """Every indexed form of a word that stems like `word`."""
    stemmed = stem_word(word)
    return whoosh_query.Or([whoosh_query.Term(fieldname, stemmed), whoosh_query.Term(fieldname, STEM_MARK + stemmed)])


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


class ArchiveCodec(W3Codec):
    """Whoosh's own codec without per-block field-length statistics: looking up every posting's
    field length was a seventh of a rebuild. Whoosh's scorer then bounds a block's score from its
    weights alone, which is looser but still safe; our own ranking reads the real lengths."""

    length_stats = False

    def per_document_reader(self, storage, segment):
        return ColumnsOpenedReader(storage, segment)


def writer_options():
    """Options for every index writer: our codec, and each part of a segment in a file of its own.
    Whoosh opens a part of a compound segment file by copying it into memory, so after every save
    the reopened searcher copied most of the index again."""
    return {"codec": ArchiveCodec(), "compound": False}


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


def facet_narrow(field, values):
    """A narrow query for `SearchQuerySet.narrow`: paragraphs whose `field` is any of `values`."""
    return f"{field}:{json.dumps(list(values))}"


def range_narrow(field, start=None, end=None):
    """A narrow query for paragraphs whose date `field` lies between `start` and `end` (inclusive)."""
    return f"{field}:{json.dumps({'from': start and start.isoformat(), 'to': end and end.isoformat()})}"


class ExactPhrasePlugin(PhrasePlugin):
    """Quoted phrases search the unstemmed field unless the user names another field."""

    class PhraseNode(PhrasePlugin.PhraseNode):
        def query(self, parser):
            if not self.fieldname or self.fieldname == parser.fieldname:
                self.set_fieldname(EXACT_FIELD, override=True)
            return super().query(parser)

    class PhraseTagger(PhrasePlugin.PhraseTagger):
        def create(self, parser, match):
            slop = int(match.group("slop")) if match.group("slop") else 1
            return ExactPhrasePlugin.PhraseNode(match.group("text"), match.start("text"), slop)


def on_one_searcher(method):
    """A backend method that reads the index more than once: all its reads see one searcher."""
    @functools.wraps(method)
    def pinned(self, *args, **kwargs):
        with self.one_searcher():
            return method(self, *args, **kwargs)
    return pinned


class StarWildcard(whoosh_query.Wildcard):
    """A bare `*` stays a wildcard: Whoosh would make it Every, which reads every posting of the
    field and swallows the other words of an AND. `rewrite` bounds it like any other wildcard."""

    def normalize(self):
        return self if self.text == "*" else super().normalize()


class StarWildcardPlugin(WildcardPlugin):
    class WildcardNode(WildcardPlugin.WildcardNode):
        qclass = StarWildcard

    nodetype = WildcardNode


class ArchiveWhooshBackend(WhooshSearchBackend):
    def __init__(self, connection_alias, **connection_options):
        super().__init__(connection_alias, **connection_options)
        self._searcher = None
        self._searcher_signature = None
        self._docsets = OrderedDict()
        self._value_sets = {}
        self._bitmaps = None
        self._date_order = {}
        self._segment_cache = SegmentCache()
        self._pins = 0

    # Schema and parser

    def build_schema(self, fields):
        schema = {
            ID: WHOOSH_ID(stored=True, unique=True),
            DJANGO_CT: WHOOSH_ID(stored=True),
            DJANGO_ID: WHOOSH_ID(stored=True),
        }
        content_field_name = ""
        for field in fields.values():
            name = field.index_fieldname
            if field.document:
                content_field_name = name
                schema[name] = TEXT(stored=True, analyzer=text_analyzer(), multitoken_query="phrase")
            elif name in NAMED_FIELDS:
                schema[name] = NAMED_FIELDS[name]()
            elif isinstance(field, FacetField):
                schema[name] = WHOOSH_ID(stored=True)
            elif not field.indexed:
                schema[name] = STORED()
            elif field.field_type in ("date", "datetime"):
                schema[name] = DATETIME(stored=True, sortable=True)
            else:
                schema[name] = TEXT(stored=True, analyzer=stemmed_analyzer())
        for name, make in QUERY_ONLY_FIELDS.items():
            schema[name] = make()
        return content_field_name, Schema(**schema)

    def setup(self):
        super().setup()
        if self.index.doc_count() == 0 and not os.path.exists(self.schema_version_file()):
            self.mark_schema_version(os.path.realpath(self.path))
        parser = QueryParser(self.content_field_name, schema=self.schema)
        parser.remove_plugin_class(PhrasePlugin)
        parser.remove_plugin_class(EveryPlugin)  # a bare `*` is a wildcard like any other, and bounded as one
        parser.remove_plugin_class(WildcardPlugin)
        parser.add_plugin(StarWildcardPlugin())
        parser.add_plugin(ExactPhrasePlugin())
        parser.add_plugin(FieldAliasPlugin(FIELD_ALIASES))
        self.parser = parser

    # Writes: all under index_lock, with a Whoosh writer that waits instead of failing.

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

    def prepare(self, search_index, obj):
        try:
            prepared = search_index.full_prepare(obj)
        except SkipDocument:
            return None
        prepared.pop("boost", None)
        return {
            key: self._from_python(value)
            for key, value in prepared.items()
            if value not in (None, "", []) and key in self.schema
        }

    def write_documents(self, writer, search_index, document_ids, paragraphs):
        for document_id in document_ids:
            writer.delete_by_term("document_id", str(document_id))
        for paragraph in paragraphs:
            fields = self.prepare(search_index, paragraph)
            if fields:
                writer.add_document(**fields)

    def replace_documents(self, search_index, document_ids, paragraphs):
        """Drop every indexed paragraph of these documents, then index `paragraphs`, in one commit."""
        with self.writer() as writer:
            self.write_documents(writer, search_index, document_ids, paragraphs)

    def update(self, index, iterable, commit=True):
        with self.writer() as writer:
            for obj in iterable:
                fields = self.prepare(index, obj)
                if fields:
                    writer.update_document(**fields)

    def remove(self, obj_or_string, commit=True):
        with self.writer() as writer:
            writer.delete_by_term(ID, get_identifier(obj_or_string))

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
        return os.path.join(folder or os.path.realpath(self.path), "archive_schema_version")

    def mark_schema_version(self, folder):
        with open(self.schema_version_file(folder), "w") as handle:
            handle.write(SCHEMA_VERSION)

    def schema_is_current(self):
        """Whether the live index was built with this version of the schema and analysis."""
        try:
            with open(self.schema_version_file()) as handle:
                return handle.read().strip() == SCHEMA_VERSION
        except FileNotFoundError:
            return False

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

    def _index_signature(self):
        try:
            folder = os.path.realpath(self.path)
            return folder, tuple(sorted(
                (name, os.stat(os.path.join(folder, name)).st_mtime_ns)
                for name in os.listdir(folder) if name.endswith(".toc")))
        except FileNotFoundError:
            return None

    def _close_searcher(self):
        if self._searcher is not None:
            self._searcher.close()
        self._searcher, self._searcher_signature = None, None
        self._reset_caches()

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
                self._segment_cache = SegmentCache()
        if self._searcher is None:
            if signature is None:
                self.setup()
                signature = self._index_signature()
            self.index = self.storage.open_index(schema=self.schema)
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
            self._bitmaps = Bitmaps(searcher, self._segment_cache, phrase_pairs)
        return self._bitmaps

    def document_count(self):
        return self.current_searcher().doc_count()

    def indexed_paragraphs(self):
        """{paragraph id: (document id, content checksum)} for everything in the index."""
        searcher = self.current_searcher()
        return {int(fields[DJANGO_ID]): (int(fields["document_id"]), fields.get("checksum"))
                for fields in searcher.all_stored_fields()}

    def parse(self, query_string, notes=None):
        """The Whoosh query for a query string, rewritten (see `rewrite`); how its work was bounded
        is added to `notes` as sentences for the user."""
        if not self.setup_complete:
            self.setup()
        return self.rewrite(self.parser.parse(force_str(query_string)), [] if notes is None else notes)

    def rewrite(self, query, notes):
        """Parsed query -> what the index holds: plain words match every form of their stem, quoted
        words only themselves; series:, kind: and country: become their facet values; wildcards and
        ranges become the words they match, within the bounds above."""
        text = self.content_field_name
        reader = self.current_searcher().reader()
        allowance = [MAX_EXPANDED_TERMS]  # words still allowed to wildcards and ranges of this query

        def note(sentence):
            if sentence not in notes:
                notes.append(sentence)

        def expand(node):
            field = text if node.fieldname == EXACT_FIELD else node.fieldname
            if isinstance(node, whoosh_query.TermRange):
                shown = f"[{node.start or ''} TO {node.end or ''}]"
            else:
                shown = node.text + ("*" if isinstance(node, whoosh_query.Prefix) else "")
                prefix = re.split(r"[*?\[]", node.text)[0]  # Whoosh's own wildcard characters
                if len(prefix) < MIN_WILDCARD_PREFIX:
                    rule = f"a wildcard needs at least {MIN_WILDCARD_PREFIX} letters before * or ?"
                    if not re.search(r"\w", prefix):
                        note(f"“{shown}” was left out: {rule}.")
                        return whoosh_query.NullQuery
                    note(f"“{shown}” was searched as the word “{prefix}”: {rule}.")
                    return stem_terms(field, prefix) if field == text else whoosh_query.Term(field, prefix)
            node = node.copy()
            node.fieldname = field
            words = list(islice(node.expanded_terms(reader), allowance[0] + 1))
            if len(words) > allowance[0]:
                if not allowance[0]:
                    note(f"“{shown}” was left out: the search already stands for {MAX_EXPANDED_TERMS} words "
                         "from wildcards and ranges.")
                    return whoosh_query.NullQuery
                note(f"“{shown}” matched more than {allowance[0]} words; only the first {allowance[0]} were searched.")
                words = words[:allowance[0]]
            allowance[0] -= len(words)
            terms = [whoosh_query.Term(field, reader.schema[field].from_bytes(word), boost=node.boost)
                     for _, word in words]
            return whoosh_query.Or(terms)  # none: matches nothing (a NullQuery would be left out of an AND)

        def fix(node):
            fieldname = getattr(node, "fieldname", None)
            if type(node) is whoosh_query.Term:
                if fieldname == text:
                    return stem_terms(text, node.text)
                if fieldname == EXACT_FIELD:
                    return whoosh_query.Term(text, node.text, boost=node.boost)
            if isinstance(node, whoosh_query.Phrase) and fieldname in (text, EXACT_FIELD):
                return whoosh_query.Phrase(text, node.words, slop=node.slop, boost=node.boost)
            if isinstance(node, (whoosh_query.Term, whoosh_query.Phrase)) and fieldname in FACET_QUERY_FIELDS:
                words = node.words if isinstance(node, whoosh_query.Phrase) else [node.text]
                return self.facet_value_query(FACET_QUERY_FIELDS[fieldname], words)
            if fieldname == "date" and isinstance(node, whoosh_query.TermRange):  # dates written 2020-06-26
                return whoosh_query.TermRange("date", node.start and node.start.replace("-", ""),
                                              node.end and node.end.replace("-", ""), node.startexcl, node.endexcl)
            if fieldname == "date" and type(node) is whoosh_query.Term:
                return whoosh_query.Prefix("date", node.text.replace("-", ""))  # 2020, 2020-06 or a day
            if isinstance(node, whoosh_query.MultiTerm) and fieldname not in MEETING_DATE_FIELDS:
                return expand(node)
            # What was left out (a NullQuery) leaves its AND, OR or NOT: `x *` searches x alone.
            if isinstance(node, whoosh_query.Not) and node.query is whoosh_query.NullQuery:
                return whoosh_query.NullQuery
            if type(node) in (whoosh_query.And, whoosh_query.Or) and whoosh_query.NullQuery in node.subqueries:
                kept = [child for child in node.subqueries if child is not whoosh_query.NullQuery]
                return type(node)(kept) if kept else whoosh_query.NullQuery
            return node

        return query.accept(fix) if query is not None else None

    def facet_value_query(self, field, words):
        """Paragraphs whose facet value contains all these words: `series:dialogue`."""
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
            reader = self.current_searcher().reader()
            values = list(reader.lexicon(field)) if field in reader.indexed_field_names() else []
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
            self._date_order[sort_by] = present + missing
        order = self._date_order[sort_by]
        if hits.bit_count() < len(order) // 8:  # few hits: sort just those
            if (sort_by, "rank") not in self._date_order:
                self._date_order[sort_by, "rank"] = {docnum: i for i, docnum in enumerate(order)}
            rank = self._date_order[sort_by, "rank"]
            return sorted(docnums_of(hits), key=lambda d: rank.get(d, len(rank)))[:limit]
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

    @on_one_searcher
    def search(self, query_string, sort_by=None, start_offset=0, end_offset=None, fields="",
               highlight=False, facets=None, narrow_queries=None, spelling_query=None,
               result_class=None, **kwargs):
        facets = list(facets or ())
        notes = []
        empty = {"results": [], "hits": 0, "facets": {"fields": {f: [] for f in facets}, "dates": {}, "queries": {}},
                 "spelling_suggestion": None, "notes": notes}
        query_string = force_str(query_string).strip()
        if not query_string:
            return empty
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
            else:
                ranking = ranking_query(query, searcher.reader())
                terms = scoring_terms(ranking)
                if terms is not None:
                    best = self.bitmaps().rank(terms, hits, end_offset, budget)
                    page = [(docnum, -negative) for negative, docnum in best[start_offset:end_offset]]
                else:
                    top = searcher.search(ranking, limit=end_offset, terms=False,
                                          filter=BitmapSet(hits) if filter_docs is not None or ranking != query else None)
                    page = [(hit.docnum, hit.score) for hit in top[start_offset:end_offset]]
            spec = highlighting.match_spec(query, searcher.reader()) if highlight else None
            for docnum, score in page:
                pk, stored = hit_fields(searcher.stored_fields(docnum))
                if spec is not None:
                    text = stored.get(self.content_field_name, "")
                    stored["highlighted"] = highlighting.snippet(text, self.spans(text, spec))
                document = self.docset(whoosh_query.Term("document_id", stored["document_id"]))
                stored["document_matches"] = (hits & document).bit_count()
                results.append(SearchResult("archive", "paragraph", pk, score or 0, **stored))
        suggestion = None
        if not hits:
            suggestion = self.create_spelling_suggestion(spelling_query or query_string)
        if budget.ran_out:
            notes.append(f"The search took longer than {budget.seconds:g} seconds and was stopped: "
                         "the results may be incomplete, and only partly in order of relevance.")
        return {"results": results, "hits": hits.bit_count(),
                "facets": {"fields": self.facet_counts(matched, narrows, facets, hits), "dates": {}, "queries": {}},
                "spelling_suggestion": suggestion, "notes": notes}

    def spans(self, text, spec):
        return highlighting.matched_spans(text, spec, self.schema[EXACT_FIELD].analyzer, stem_word)

    @on_one_searcher
    def highlight_whole(self, text, query_string):
        """The whole text, sanitized, with what `query_string` matched `<mark>`ed."""
        query = self.parse(query_string) if query_string else None
        if query is None or query is whoosh_query.NullQuery:
            return highlighting.whole(text, [])
        spec = highlighting.match_spec(query, self.current_searcher().reader())
        return highlighting.whole(text, self.spans(text, spec))

    @on_one_searcher
    def more_like_this(self, model_instance, additional_query_string=None, start_offset=0, end_offset=None,
                       models=None, limit_to_registered_models=None, result_class=None, **kwargs):
        """Paragraphs of other documents that share this one's key terms, most similar first."""
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
        same_document = whoosh_query.Term("document_id", searcher.stored_fields(docnum)["document_id"])
        limit = end_offset or 10
        top = searcher.search(query, limit=limit, mask=BitmapSet(self.docset(same_document)), terms=False)
        results = []
        for hit in top[start_offset or 0:limit]:
            pk, stored = hit_fields(hit.fields())
            results.append(SearchResult("archive", "paragraph", pk, hit.score or 0, **stored))
        return {"results": results, "hits": len(results)}

    def create_spelling_suggestion(self, query_string):
        """Corrections for the words the index does not know; None when there is nothing to correct.

        Only words sharing the unknown word's first letter are considered, and only the first few
        unknown words are corrected: a search through the whole vocabulary (a million terms at
        200,000 paragraphs) takes seconds per word."""
        searcher = self.current_searcher()
        corrector = searcher.corrector(self.content_field_name)
        analyzer = self.schema[EXACT_FIELD].analyzer
        words, changed, attempts = [], False, 0
        for word in force_str(query_string).split():
            bare = word.strip('"()*?~^-+')
            if not bare or bare.upper() in self.RESERVED_WORDS or ":" in bare or not bare.isalpha():
                words.append(word)
                continue
            tokens = [token.text for token in analyzer(bare)]
            known = all(searcher.doc_frequency(self.content_field_name, token) for token in tokens)
            suggestions = []
            if not known and attempts < MAX_SPELLING_CORRECTIONS:
                attempts += 1
                suggestions = corrector.suggest(tokens[0] if tokens else bare.lower(), limit=1, prefix=1)
            if suggestions:
                words.append(word.replace(bare, suggestions[0]))
                changed = True
            else:
                words.append(word)
        return " ".join(words) if changed else None


class ArchiveSearchQuery(WhooshSearchQuery):
    """Haystack's Whoosh query, which also keeps the backend's notes on how it bounded the search."""

    notes = ()

    def run(self, spelling_query=None, **kwargs):
        results = self.backend.search(self.build_query(), **{**self.build_params(spelling_query=spelling_query), **kwargs})
        self._results = results.get("results", [])
        self._hit_count = results.get("hits", 0)
        self._facet_counts = self.post_process_facets(results)
        self._spelling_suggestion = results.get("spelling_suggestion", None)
        self.notes = results.get("notes", [])


class ArchiveWhooshEngine(BaseEngine):
    backend = ArchiveWhooshBackend
    query = ArchiveSearchQuery
