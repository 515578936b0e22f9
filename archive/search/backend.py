"""Everything Whoosh: schema and analyzers, searching, facets, highlighting and index writes.

A subclass of haystack's Whoosh backend. What it changes, and why:
- the text analyzer folds case and Latin accents and stems with porter2 (the stock one
  stems `running` to `runn` and leaves `Nguyễn` apart from `Nguyen`); stop words are kept so
  that phrases such as "Plan of Action" stay exact;
- facet fields are whole, untokenised ID columns, so facet values are real values
  ("ASEAN-ROK Summit"), counted by Whoosh with `FieldFacet`;
- one searcher per process is kept open and reopened only when the index changes;
- snippets are highlighted with the field's own analyzer, as `<mark>`, and sanitized;
- spelling suggestions are made only when a query finds nothing, for unknown words only;
- every write takes one file lock (`index_lock`) and a blocking Whoosh writer, so no update
  or delete is dropped when several processes write.
"""

import fcntl
import json
import os
import threading
from contextlib import contextmanager

from django.utils.encoding import force_str
from haystack.backends import BaseEngine
from haystack.backends.whoosh_backend import WhooshSearchBackend, WhooshSearchQuery
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.exceptions import SkipDocument
from haystack.fields import FacetField
from haystack.models import SearchResult
from whoosh import highlight as whoosh_highlight
from whoosh import query as whoosh_query
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter
from whoosh.fields import DATETIME, ID as WHOOSH_ID, NUMERIC, STORED, TEXT, Schema
from whoosh.lang.porter2 import stem
from whoosh.qparser import QueryParser
from whoosh.sorting import Count, FieldFacet
from whoosh.support.charset import accent_map

from ..sanitize import sanitize_html

WRITER_TIMEOUT_SECONDS = 60
SNIPPET_CHARS = 320


def text_analyzer():
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | StemFilter(stemfn=stem)


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
    """A narrow query for `SearchQuerySet.narrow`: documents whose `field` is any of `values`."""
    return f"{field}:{json.dumps(list(values))}"


class ArchiveWhooshBackend(WhooshSearchBackend):
    def __init__(self, connection_alias, **connection_options):
        super().__init__(connection_alias, **connection_options)
        self._searcher = None
        self._searcher_signature = None

    # Schema

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
                schema[name] = TEXT(stored=True, analyzer=text_analyzer(), spelling=True)
            elif isinstance(field, FacetField):
                schema[name] = WHOOSH_ID(stored=True, sortable=True)
            elif not field.indexed:
                schema[name] = STORED()
            elif field.field_type in ("date", "datetime"):
                schema[name] = DATETIME(stored=True, sortable=True)
            elif field.field_type == "integer":
                schema[name] = NUMERIC(stored=True, numtype=int, bits=64)
            else:
                schema[name] = TEXT(stored=True, analyzer=text_analyzer())
        return content_field_name, Schema(**schema)

    def setup(self):
        super().setup()
        self.parser = QueryParser(self.content_field_name, schema=self.schema)

    # Writes: all under index_lock, with a Whoosh writer that waits instead of failing.

    @contextmanager
    def writer(self):
        if not self.setup_complete:
            self.setup()
        with index_lock(self.path):
            self.index = self.index.refresh()
            writer = self.index.writer(timeout=WRITER_TIMEOUT_SECONDS)
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
            if value is not None and value != "" and key in self.schema
        }

    def replace_documents(self, search_index, document_ids, paragraphs):
        """Drop every indexed paragraph of these documents, then index `paragraphs`, in one commit."""
        with self.writer() as writer:
            for document_id in document_ids:
                writer.delete_by_term("document_id", int(document_id))
            for paragraph in paragraphs:
                fields = self.prepare(search_index, paragraph)
                if fields:
                    writer.add_document(**fields)

    def update(self, index, iterable, commit=True):
        with self.writer() as writer:
            for obj in iterable:
                fields = self.prepare(index, obj)
                if fields:
                    writer.update_document(**fields)

    def remove(self, obj_or_string, commit=True):
        from haystack.utils import get_identifier

        with self.writer() as writer:
            writer.delete_by_term(ID, get_identifier(obj_or_string))

    def clear(self, models=None, commit=True):
        if not self.setup_complete:
            self.setup()
        with index_lock(self.path):
            self.delete_index()

    def document_count(self):
        return self.current_searcher().doc_count()

    def indexed_paragraphs(self):
        """{paragraph id: document id} for everything in the index."""
        searcher = self.current_searcher()
        return {int(fields[DJANGO_ID]): fields["document_id"] for fields in searcher.all_stored_fields()}

    # Reading

    def _index_signature(self):
        try:
            return tuple(
                sorted((name, os.stat(os.path.join(self.path, name)).st_mtime_ns)
                       for name in os.listdir(self.path) if name.endswith(".toc"))
            )
        except FileNotFoundError:
            return None

    def current_searcher(self):
        """The process's long-lived searcher, reopened when the index on disk has changed."""
        if not self.setup_complete:
            self.setup()
        signature = self._index_signature()
        if self._searcher is None or signature != self._searcher_signature:
            if self._searcher is not None:
                self._searcher.close()
            self.index = self.storage.open_index(schema=self.schema)
            self._searcher = self.index.searcher()
            self._searcher_signature = signature
        return self._searcher

    def parse(self, query_string):
        if not self.setup_complete:
            self.setup()
        return self.parser.parse(force_str(query_string))

    def narrow_filter(self, narrow_queries):
        filters = []
        for narrow in narrow_queries or ():
            field, _, values = narrow.partition(":")
            filters.append(whoosh_query.Or([whoosh_query.Term(field, value) for value in json.loads(values)]))
        return whoosh_query.And(filters) if filters else None

    def search(self, query_string, sort_by=None, start_offset=0, end_offset=None, fields="",
               highlight=False, facets=None, narrow_queries=None, spelling_query=None,
               result_class=None, **kwargs):
        empty = {"results": [], "hits": 0, "facets": {"fields": {}, "dates": {}, "queries": {}},
                 "spelling_suggestion": None}
        query_string = force_str(query_string).strip()
        if not query_string:
            return empty
        query = self.parse(query_string)
        if query is None or query is whoosh_query.NullQuery:
            return empty
        searcher = self.current_searcher()
        page_num, page_length = self.calculate_page(start_offset, end_offset)
        sort_field, reverse = None, False
        if sort_by:
            sort_field = sort_by[0].lstrip("-")
            reverse = sort_by[0].startswith("-")
        page = searcher.search_page(
            query, page_num, pagelen=page_length, filter=self.narrow_filter(narrow_queries),
            groupedby={name: FieldFacet(name, maptype=Count) for name in facets or ()} or None,
            sortedby=sort_field, reverse=reverse,
        )
        facet_counts = {"fields": {}, "dates": {}, "queries": {}}
        for name in facets or ():
            groups = page.results.groups(name)
            groups.pop(None, None)
            facet_counts["fields"][name] = sorted(groups.items(), key=lambda item: (-item[1], item[0]))
        hits = page.total
        results = []
        if page.pagenum == page_num:
            terms = self.query_terms(query) if highlight else set()
            for offset, hit in enumerate(page):
                stored = dict(hit.fields())
                stored.pop(DJANGO_CT, None)
                stored.pop(ID, None)
                pk = stored.pop(DJANGO_ID)
                if highlight:
                    stored["highlighted"] = self.snippet(stored.get(self.content_field_name, ""), terms)
                results.append(SearchResult("archive", "paragraph", pk, page.score(offset) or 0, **stored))
        suggestion = None
        if hits == 0:
            suggestion = self.create_spelling_suggestion(spelling_query or query_string)
        return {"results": results, "hits": hits, "facets": facet_counts, "spelling_suggestion": suggestion}

    def query_terms(self, query):
        return {text for fieldname, text in query.all_terms() if fieldname == self.content_field_name}

    def _highlight(self, text, terms, fragmenter, top):
        analyzer = self.schema[self.content_field_name].analyzer
        formatter = whoosh_highlight.HtmlFormatter(tagname="mark", between=" … ")
        marked = whoosh_highlight.highlight(text, terms, analyzer, fragmenter, formatter, top=top)
        return sanitize_html(marked) if marked else ""

    def snippet(self, text, terms):
        """A sanitized keyword-in-context excerpt with `<mark>`ed matches."""
        fragmenter = whoosh_highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=90)
        marked = self._highlight(text, terms, fragmenter, top=2) if terms else ""
        if marked:
            return marked
        excerpt = text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"
        return sanitize_html(excerpt)

    def highlight_whole(self, text, query_string):
        """The whole text, sanitized, with the words of `query_string` `<mark>`ed."""
        query = self.parse(query_string) if query_string else None
        terms = self.query_terms(query) if query is not None else set()
        marked = self._highlight(text, terms, whoosh_highlight.WholeFragmenter(), top=1) if terms else ""
        return marked or sanitize_html(text, tags=())

    def create_spelling_suggestion(self, query_string):
        """Corrections for the words the index does not know; None when there is nothing to correct."""
        searcher = self.current_searcher()
        corrector = searcher.corrector(self.content_field_name)
        analyzer = self.schema[self.content_field_name].analyzer
        words, changed = [], False
        for word in force_str(query_string).split():
            bare = word.strip('"()*?~^')
            if not bare or bare.upper() in self.RESERVED_WORDS or ":" in bare:
                words.append(word)
                continue
            tokens = [token.text for token in analyzer(bare)]
            known = all(searcher.doc_frequency(self.content_field_name, token) for token in tokens)
            suggestions = [] if known else corrector.suggest(bare.lower(), limit=1)
            if suggestions:
                words.append(word.replace(bare, suggestions[0]))
                changed = True
            else:
                words.append(word)
        return " ".join(words) if changed else None


class ArchiveWhooshEngine(BaseEngine):
    backend = ArchiveWhooshBackend
    query = WhooshSearchQuery
