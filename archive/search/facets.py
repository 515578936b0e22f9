"""The facets: values a search can be filtered by and counted over. Adding a facet is one entry here;
the search index gets its field from it, the page, JSON and help their label, the query language
its `query_names` (`series:dialogue`)."""

from dataclasses import dataclass
from typing import Callable

from .engine import fields


@dataclass(frozen=True)
class Facet:
    name: str  # the parameter, the index field and the JSON key
    label: str
    # A document's value; None when each paragraph has its own (ParagraphIndex.prepare_<name>).
    of_document: Callable | None = None
    query_names: tuple = ()
    many: bool = False  # a paragraph may have several values
    few_values: bool = False  # ranges and prefixes over it need no bound
    newest_first: bool = False  # values listed in reverse order (years), not by count

    def index_field(self):
        kind = fields.FacetMultiValueField if self.many else fields.FacetField
        return kind(query_names=self.query_names, few_values=self.few_values)


FACETS = [
    Facet("year", "Year", lambda document: str(document.year or ""), few_values=True, newest_first=True),
    Facet("series", "Meeting series", lambda document: document.meeting.series.name, query_names=("series",)),
    Facet("kind", "Document type", lambda document: document.kind, query_names=("kind", "type")),
    Facet("chair_country", "Chair country", lambda document: document.meeting.chair_country,
          query_names=("country", "chair")),
    Facet("topics", "Topic", many=True),
    Facet("mode", "Format", lambda document: document.meeting.get_mode_display()),
]
FACET_LABELS = {facet.name: facet.label for facet in FACETS}
