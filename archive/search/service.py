"""One search request, one way to answer it: the search page, the JSON and CSV exports, the Atom feed,
document-page highlighting and similar passages all ask here.

A `SearchRequest` (made by archive.forms.SearchForm from a page's parameters) is read the same way
everywhere: its query cleaned and widened by the alias groups, its filters, dates and statement as
narrows, its order. An empty query with filters is a request too ("all Joint Statements of 2021").
"""

import dataclasses
import datetime
import math
import re
from dataclasses import dataclass, field

from haystack.query import SearchQuerySet

from ..models import AliasGroup, Document
from .engine.language import clean_query, facet_narrow, range_narrow, widen
from .facets import FACETS
from .indexing import get_backend

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
# Orders a request may ask for, and the index field each sorts by (None: by relevance).
ORDERS = {"relevance": None, "newest": "-date", "oldest": "date", "added": "-added"}
SORTS = ["relevance", "newest", "oldest"]  # the orders offered on the page; "added" is the feeds'
CHUNK = 500  # hits of the first read of `iter_hits`; each next read is twice the last, up to LARGEST_CHUNK
LARGEST_CHUNK = 1000  # the hits one read holds in memory (with their text) while they are written out
MAX_PER_STATEMENT = 5000  # more paragraphs than any statement has


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    filters: dict = field(default_factory=dict)  # {facet name: [values]}: values of one facet OR, facets AND
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    document: Document | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    notes: tuple = ()  # what was ignored in the parameters, for the user
    everything: bool = False  # with nothing else asked, every paragraph (the "everything new" feed)

    def is_empty(self):
        return not (self.q.strip() or self.filters or self.date_from or self.date_to or self.document)

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)


@dataclass
class Reading:
    """How a request's query is read: as shown to the user, as searched (aliases widened), and notes."""

    shown: str
    searched: str
    notes: list
    aliases: list  # [(name searched, [the other names of its group])]


@dataclass
class SearchPage:
    request: SearchRequest
    query: str = ""
    number: int = 1
    count: int = 0
    hits: list = field(default_factory=list)
    groups: list = field(default_factory=list)
    facets: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    aliases: list = field(default_factory=list)
    suggestion: str | None = None

    filters = property(lambda self: self.request.filters)
    date_from = property(lambda self: self.request.date_from)
    date_to = property(lambda self: self.request.date_to)
    document = property(lambda self: self.request.document)
    sort = property(lambda self: self.request.sort)
    per_page = property(lambda self: self.request.per_page)

    @property
    def num_pages(self):
        return max(1, math.ceil(self.count / self.per_page))

    @property
    def has_next(self):
        return self.number < self.num_pages

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def start_index(self):
        return (self.number - 1) * self.per_page + 1 if self.count else 0

    @property
    def end_index(self):
        return min(self.number * self.per_page, self.count)


def read_query(q):
    shown, notes = clean_query(q)
    if not shown:
        return Reading(shown, shown, notes, [])
    groups = [group.name_list() for group in AliasGroup.objects.all()]
    searched, aliases = widen(shown, groups)
    return Reading(shown, searched, notes, aliases)


def nothing_asked(request, reading):
    """No words to search for (or none left after cleaning) and no filter: there is nothing to answer."""
    return not reading.shown and request.replace(q="").is_empty() and not request.everything


def queryset(request, query):
    """The haystack query for a request, searching `query` (already read)."""
    sqs = SearchQuerySet().raw_search(query)
    for name, values in request.filters.items():
        sqs = sqs.narrow(facet_narrow(name, values))
    if request.date_from or request.date_to:
        sqs = sqs.narrow(range_narrow("date", request.date_from, request.date_to))
    if request.document is not None:
        sqs = sqs.narrow(facet_narrow("document_id", [request.document.pk]))
    if ORDERS.get(request.sort):
        sqs = sqs.order_by(ORDERS[request.sort])
    return sqs


def first_hits(request, reading, start, stop, prepare=lambda sqs: sqs):
    """(queryset, its hits start:stop). A query the parser refuses is searched for its words alone."""
    sqs = prepare(queryset(request, reading.searched))
    try:
        return sqs, list(sqs[start:stop])
    except Exception:  # the parser refused the syntax
        reading.searched = " ".join(re.findall(r"\w+", reading.shown))
        reading.notes.append("Your search could not be read as written, so its words were searched for instead.")
        sqs = prepare(queryset(request, reading.searched))
        return sqs, list(sqs[start:stop])


def search_page(request: SearchRequest) -> SearchPage:
    """One page of hits with facet counts, as the search page and the JSON show it."""
    reading = read_query(request.q)
    page = SearchPage(request=request, query=reading.shown, number=request.page,
                      notes=[*request.notes, *reading.notes], aliases=reading.aliases)
    if nothing_asked(request, reading):
        return page

    def prepare(sqs):
        sqs = sqs.highlight().set_spelling_query(reading.shown) if reading.shown else sqs.highlight()
        for facet in FACETS:
            sqs = sqs.facet(facet.name)
        return sqs

    start = (page.number - 1) * request.per_page
    sqs, hits = first_hits(request, reading, start, start + request.per_page, prepare)
    page.notes.extend(note for note in sqs.query.notes if note not in page.notes)
    page.count = sqs.count()
    if page.count and not hits and page.number > 1:
        page.number = page.num_pages
        start = (page.number - 1) * request.per_page
        hits = list(sqs[start:start + request.per_page])
    page.hits = hits
    page.groups = group_by_document(hits)
    page.facets = facet_values(sqs.facet_counts().get("fields", {}))
    if not page.count and reading.shown:
        suggestion = sqs.spelling_suggestion()
        # Proposed only when it finds something, with the same filters.
        if suggestion and queryset(request, read_query(suggestion).searched).count():
            page.suggestion = suggestion
    return page


def iter_hits(request: SearchRequest, limit):
    """Every hit of a request, in its order, up to `limit` (paging ignored). Read in chunks that double in
    size up to LARGEST_CHUNK: each read ranks every match again, so 5,000 hits cost 6 reads instead of 10, while
    memory holds one chunk at a time."""
    reading = read_query(request.q)
    if nothing_asked(request, reading):
        return
    size = min(CHUNK, limit)
    sqs, hits = first_hits(request, reading, 0, size, without_group_counts)
    start = 0
    while hits:
        yield from hits
        start += len(hits)
        if len(hits) < size or start >= limit:
            return
        size = min(size * 2, LARGEST_CHUNK, limit - start)
        # A fresh copy for each chunk: a search query set keeps every result it has read.
        hits = list(sqs.all()[start:start + size])


def without_group_counts(sqs):
    """The query set, its hits without `group_matches`: counting each hit's statement would cost a read of the
    statement's hits for every one of thousands of hits."""
    sqs = sqs.all()
    sqs.query.count_groups = False
    return sqs


def counts(request: SearchRequest, names=("year", "series")):
    """{facet name: [(value, hits of the request with that value)]}, most hits first."""
    reading = read_query(request.q)
    if nothing_asked(request, reading):
        return {name: [] for name in names}

    def prepare(sqs):
        for name in names:
            sqs = sqs.facet(name)
        return sqs

    sqs, _ = first_hits(request, reading, 0, 0, prepare)
    fields = sqs.facet_counts().get("fields", {})
    # A facet's counts leave out its own filter; the request's hits are those of its chosen values.
    return {name: [(value, count) for value, count in fields.get(name, [])
                   if name not in request.filters or value in request.filters[name]] for name in names}


def paragraph_counts(request: SearchRequest, names=("year",)):
    """`counts` of every paragraph the request's filters and dates allow, whatever its query: the
    denominators of a phrase's share of the paragraphs of each year."""
    return counts(request.replace(q="", everything=True), names)


def hit_count(request: SearchRequest) -> int:
    """How many paragraphs answer a request."""
    reading = read_query(request.q)
    if nothing_asked(request, reading):
        return 0
    sqs, _ = first_hits(request, reading, 0, 0)
    return sqs.count()


def first_and_last(request: SearchRequest):
    """(the earliest hit, the latest hit) of a request, each None when nothing matches: the first matching
    paragraph of the earliest statement by meeting date, and the last matching paragraph of the latest."""
    earliest = next(iter_hits(request.replace(sort="oldest"), 1), None)
    newest = next(iter_hits(request.replace(sort="newest"), 1), None)
    statement = Document.objects.filter(pk=newest.document_id).first() if newest else None
    if statement is None:
        return earliest, newest
    # Hits of one statement share its date, and come in the order of its paragraphs.
    in_statement = list(iter_hits(request.replace(document=statement, sort="oldest"), MAX_PER_STATEMENT))
    return earliest, (in_statement[-1] if in_statement else newest)


def highlight(request: SearchRequest, texts):
    """For each text, the spans of what the request's query matches in it, read as in the results."""
    reading = read_query(request.q)
    if not reading.shown:
        return [[] for _ in texts]
    return get_backend().highlight_spans(texts, reading.searched)


def similar(paragraph, limit=10):
    """Paragraphs of other statements most like this one."""
    return list(SearchQuerySet().more_like_this(paragraph)[:limit])


def group_by_document(hits):
    """Hits of one page grouped by statement, in the order of each statement's best hit."""
    groups = {}
    for hit in hits:
        groups.setdefault(hit.document_id, []).append(hit)
    return [{"document_title": items[0].document_title, "document_url": items[0].document_url,
             "document_slug": items[0].document_url.strip("/").rsplit("/", 1)[-1],
             "meeting_title": items[0].meeting_title, "meeting_url": items[0].meeting_url,
             "date": items[0].date, "kind": items[0].kind, "hits": items,
             "more": max(0, items[0].group_matches - len(items))}
            for items in groups.values()]


def facet_values(fields: dict) -> dict:
    facets = {}
    for facet in FACETS:
        values = fields.get(facet.name, [])
        facets[facet.name] = sorted(values, reverse=True) if facet.newest_first else values
    return facets
