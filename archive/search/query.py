"""From a user's request to a page of search results: clean-up, aliases, filters, facets, paging."""

import datetime
import math
import re
from dataclasses import dataclass, field

from django.utils.safestring import mark_safe
from haystack.query import SearchQuerySet

from ..models import AliasGroup
from .backend import facet_narrow, range_narrow

MAX_QUERY_LENGTH = 500
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
# Facets shown with counts, in order, and their labels.
FACETS = {"year": "Year", "series": "Meeting series", "kind": "Document type", "chair_country": "Chair country",
          "topics": "Topic", "mode": "Format"}
SORTS = {"relevance": None, "newest": "-date", "oldest": "date"}
# A query split into: quoted phrases (with an optional ~N), field:value terms, brackets, and words.
QUERY_TOKEN = re.compile(r'[-+]?"[^"]*"(?:~\d+)?|\S+:(?:"[^"]*"|\[[^\]]*\]|\S+)|[()]|[^\s()"]+')
OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}
# `-word` excludes a word, `+word` requires it (as every word is required anyway).
NEGATION = {"-": "NOT ", "+": ""}


@dataclass
class SearchPage:
    query: str
    filters: dict
    sort: str
    number: int
    per_page: int
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    document: object = None
    count: int = 0
    hits: list = field(default_factory=list)
    groups: list = field(default_factory=list)
    facets: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    aliases: list = field(default_factory=list)
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
    text = " ".join(text.replace("“", '"').replace("”", '"').split())
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
    words = [token for token in QUERY_TOKEN.findall(text) if token not in "()" and token.upper() not in OPERATORS]
    if text and not any(re.search(r"\w", word) for word in words):
        notes.append("The search has only operators (AND, OR, NOT) or symbols and no words to look for.")
        text = ""
    return text, notes


def normalise_words(text: str) -> list[str]:
    return text.replace("’", "'").lower().split()


def alias_term(name: str) -> str:
    return name if re.fullmatch(r"\w+", name) else '"' + name.replace('"', "") + '"'


def expand_aliases(query: str, groups: list[list[str]]) -> tuple[str, list[tuple[str, list[str]]]]:
    """Widen every name of an alias group in the query to all the group's names; turn -word into NOT word.

    "ROK" becomes `(ROK OR "Republic of Korea" OR "South Korea" OR Korea)`; a quoted alias
    phrase is widened the same way. Returns the new query and, for the page, what was widened.
    """
    variants = sorted(((normalise_words(name), group) for group in groups for name in group),
                      key=lambda item: len(item[0]), reverse=True)
    tokens = QUERY_TOKEN.findall(query)
    out, widened, i = [], [], 0
    while i < len(tokens):
        token = tokens[i]
        sign = token[0] if token[0] in "+-" and len(token) > 1 else ""
        bare = token[len(sign):]
        match = None
        if bare.startswith('"') and bare.endswith('"'):
            phrase = normalise_words(bare.strip('"'))
            match = next(((1, group) for words, group in variants if words == phrase), None)
        elif ":" not in bare and bare.upper() not in OPERATORS and bare not in "()":
            for words, group in variants:
                window = [t.lower().replace("’", "'") for t in tokens[i:i + len(words)]]
                if window == words and (len(words) == 1 or not sign):
                    match = (len(words), group)
                    break
        if match:
            count, group = match
            out.append(NEGATION.get(sign, "") + "(" + " OR ".join(alias_term(name) for name in group) + ")")
            original = " ".join(tokens[i:i + count]).lstrip("+-").strip('"')
            widened.append((original, [name for name in group if name.lower() != original.lower()]))
            i += count
        else:
            out.append(NEGATION.get(sign, "") + bare if sign and bare[:1] not in "-+" else token)
            i += 1
    return " ".join(out), widened


def parse_filters(params) -> dict:
    return {name: sorted(set(v for v in params.getlist(name) if v)) for name in FACETS if params.getlist(name)}


def parse_day(value):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def build_queryset(query, filters, sort="relevance", date_from=None, date_to=None, document=None):
    """The haystack query for a cleaned, alias-widened query string and the chosen filters."""
    sqs = SearchQuerySet().raw_search(query)
    for name, values in filters.items():
        sqs = sqs.narrow(facet_narrow(name, values))
    if date_from or date_to:
        sqs = sqs.narrow(range_narrow("date", date_from, date_to))
    if document is not None:
        sqs = sqs.narrow(facet_narrow("document_id", [document.pk]))
    if SORTS.get(sort):
        sqs = sqs.order_by(SORTS[sort])
    return sqs


def prepare_query(text):
    """(the cleaned query to show, the query for the index, notes, widened aliases) for what the user typed."""
    cleaned, notes = clean_query(text)
    if not cleaned:
        return cleaned, cleaned, notes, []
    groups = [group.name_list() for group in AliasGroup.objects.all()]
    query, widened = expand_aliases(cleaned, groups)
    return cleaned, query, notes, widened


def run_search(query: str, filters: dict, sort: str, page_number: int, per_page: int,
               date_from=None, date_to=None, document=None) -> SearchPage:
    """One page of paragraph hits with facet counts, as the search page and the API show it."""
    cleaned, search_query, notes, widened = prepare_query(query)
    sort = sort if sort in SORTS else "relevance"
    page = SearchPage(query=cleaned, filters=filters, sort=sort, number=max(1, page_number), per_page=min(max(1, per_page), MAX_PER_PAGE),
                      date_from=date_from, date_to=date_to, document=document, notes=notes, aliases=widened)
    if not cleaned:
        return page
    start = (page.number - 1) * page.per_page
    try:
        sqs, hits = facetted_page(search_query, filters, sort, date_from, date_to, document, start, page.per_page)
    except Exception:  # the parser refused the syntax: search for the words alone
        words = " ".join(re.findall(r"\w+", cleaned))
        page.notes.append("Your search could not be read as written, so its words were searched for instead.")
        sqs, hits = facetted_page(words, filters, sort, date_from, date_to, document, start, page.per_page)
    page.notes.extend(sqs.query.notes)
    page.count = sqs.count()
    if page.count and not hits and page.number > 1:
        page.number = page.num_pages
        start = (page.number - 1) * page.per_page
        hits = list(sqs[start:start + page.per_page])
    for hit in hits:
        # The backend builds snippets with sanitize_html; only <mark> survives.
        hit.snippet = mark_safe(hit.highlighted)
    page.hits = hits
    page.groups = group_by_document(hits)
    page.facets = facet_values(sqs.facet_counts().get("fields", {}))
    page.suggestion = sqs.spelling_suggestion() if not page.count else None
    return page


def facetted_page(query, filters, sort, date_from, date_to, document, start, per_page):
    sqs = build_queryset(query, filters, sort, date_from, date_to, document).highlight()
    for name in FACETS:
        sqs = sqs.facet(name)
    return sqs, list(sqs[start:start + per_page])


def group_by_document(hits):
    """Hits of one page grouped by statement, in the order of each statement's best hit."""
    groups = {}
    for hit in hits:
        groups.setdefault(hit.document_id, []).append(hit)
    return [{"document_title": items[0].document_title, "document_url": items[0].document_url,
             "meeting_title": items[0].meeting_title, "meeting_url": items[0].meeting_url,
             "date": items[0].date, "kind": items[0].kind, "hits": items,
             "more": max(0, items[0].document_matches - len(items))}
            for items in groups.values()]


def facet_values(fields: dict) -> dict:
    facets = {}
    for name in FACETS:
        values = fields.get(name, [])
        if name == "year":
            values = sorted(values, reverse=True)
        facets[name] = values
    return facets
