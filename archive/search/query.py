"""From a user's request to a page of search results: query clean-up, filters, facets, paging."""

import math
import re
from dataclasses import dataclass, field

from django.utils.safestring import mark_safe
from haystack.query import SearchQuerySet

from .backend import facet_narrow

MAX_QUERY_LENGTH = 500
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
# Facets shown with counts, in order, and their labels.
FACETS = {"year": "Year", "series": "Meeting series", "kind": "Document type", "chair_country": "Chair"}
SORTS = {"relevance": None, "newest": "-date", "oldest": "date"}


@dataclass
class SearchPage:
    query: str
    filters: dict
    sort: str
    number: int
    per_page: int
    count: int = 0
    hits: list = field(default_factory=list)
    facets: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    suggestion: str | None = None

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


def clean_query(text: str) -> tuple[str, list[str]]:
    """Make any input parseable: shorten it, balance quotes and brackets; say what was changed."""
    notes = []
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_LENGTH:
        text = text[:MAX_QUERY_LENGTH].rsplit(" ", 1)[0]
        notes.append(f"Your search was longer than {MAX_QUERY_LENGTH} characters and has been shortened.")
    if text.count('"') % 2:
        last = text.rfind('"')
        text = text[:last] + text[last + 1:]
        notes.append("A quotation mark had no partner, so it was ignored.")
    depth, kept = 0, []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                continue
            depth -= 1
        kept.append(char)
    balanced = "".join(kept)
    for _ in range(depth):
        index = balanced.rfind("(")
        balanced = balanced[:index] + balanced[index + 1:]
    if balanced != text:
        notes.append("Unmatched brackets were ignored.")
    text = balanced.strip()
    if text and not re.search(r"\w", re.sub(r"\b(AND|OR|NOT|TO)\b", "", text)):
        notes.append("The search has only operators (AND, OR, NOT) and no words to look for.")
        text = ""
    return text, notes


def parse_filters(params) -> dict:
    return {name: sorted(set(v for v in params.getlist(name) if v)) for name in FACETS if params.getlist(name)}


def run_search(query: str, filters: dict, sort: str, page_number: int, per_page: int) -> SearchPage:
    query, notes = clean_query(query)
    sort = sort if sort in SORTS else "relevance"
    page = SearchPage(query=query, filters=filters, sort=sort, number=max(1, page_number),
                      per_page=min(max(1, per_page), MAX_PER_PAGE), notes=notes)
    if not query:
        return page
    sqs = SearchQuerySet().raw_search(query).highlight()
    for name in FACETS:
        sqs = sqs.facet(name)
    for name, values in filters.items():
        sqs = sqs.narrow(facet_narrow(name, values))
    if SORTS[sort]:
        sqs = sqs.order_by(SORTS[sort])
    start = (page.number - 1) * page.per_page
    hits = list(sqs[start:start + page.per_page])
    page.count = sqs.count()
    if page.count and not hits and page.number > 1:
        page.number = page.num_pages
        start = (page.number - 1) * page.per_page
        hits = list(sqs[start:start + page.per_page])
    for hit in hits:
        # The backend builds snippets with sanitize_html; only <mark> survives.
        hit.snippet = mark_safe(hit.highlighted)
    page.hits = hits
    page.facets = facet_values(sqs.facet_counts().get("fields", {}))
    page.suggestion = sqs.spelling_suggestion() if not page.count else None
    return page


def facet_values(fields: dict) -> dict:
    facets = {}
    for name in FACETS:
        values = fields.get(name, [])
        if name == "year":
            values = sorted(values, reverse=True)
        facets[name] = values
    return facets
