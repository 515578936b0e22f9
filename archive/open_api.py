"""The open API (django-ninja): series, meetings and documents as JSON, and the OpenAPI schema at /api/schema/.

The search endpoints stay the plain views of archive/api.py (their JSON is a published contract); the schema
describes them too, from the pydantic models below, so one schema covers every endpoint under /api/.
"""

import datetime

from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import NinjaAPI, Schema

from .models import Document, Meeting, MeetingSeries, Paragraph
from .search.facets import FACETS
from .search.service import MAX_PER_PAGE, SORTS

SEARCH_PATH = "/api/search/"
SEARCH_CSV_PATH = "/api/search.csv"


# Series, meetings and documents -----------------------------------------------------------------------------

class SeriesRef(Schema):
    name: str
    slug: str
    api_url: str


class MeetingRef(Schema):
    slug: str
    title: str
    start_date: datetime.date | None
    url: str
    api_url: str


class DocumentRef(Schema):
    slug: str
    title: str
    kind: str
    published_on: datetime.date | None
    url: str
    api_url: str


class SeriesSummary(SeriesRef):
    meeting_count: int


class SeriesDetail(SeriesRef):
    aliases: list[str]
    known_only_from_mentions: bool
    meetings: list[MeetingRef]


class MeetingDetail(Schema):
    slug: str
    title: str
    url: str
    series: SeriesRef
    ordinal: int | None
    start_date: datetime.date | None
    end_date: datetime.date | None
    venue: str
    city: str
    country: str
    mode: str
    chair: str
    chair_country: str
    co_chairs: str
    known_only_from_mentions: bool
    previous_in_series: MeetingRef | None
    next_in_series: MeetingRef | None
    documents: list[DocumentRef]


class SourceOut(Schema):
    name: str
    url: str
    format: str
    checksum: str
    retrieved_on: datetime.date


class VersionOut(Schema):
    number: int
    label: str
    published_on: datetime.date | None
    received_at: datetime.datetime
    source: str | None
    url: str


class ParagraphOut(Schema):
    number: str
    position: int
    anchor: str
    heading: str
    text: str
    url: str
    cite_url: str
    mentions: list[MeetingRef]


class DocumentDetail(Schema):
    slug: str
    title: str
    display_title: str
    kind: str
    published_on: datetime.date | None
    summary: str
    attachment_name: str
    url: str
    meeting: MeetingRef
    series: SeriesRef
    sources: list[SourceOut]
    versions: list[VersionOut]
    paragraphs: list[ParagraphOut]


class NotFound(Schema):
    detail: str


# The search endpoints of archive/api.py, described ----------------------------------------------------------

class SearchResult(Schema):
    document_title: str
    document_url: str | None
    kind: str
    meeting: str
    meeting_url: str | None
    series: str
    date: str | None
    paragraph_number: str
    paragraph_url: str | None
    text: str
    snippet: str
    score: float | None
    matches_in_document: int | None


class AliasNote(Schema):
    searched: str
    also: list[str]


class FacetValue(Schema):
    value: str
    count: int


class SearchResponse(Schema):
    query: str
    count: int
    page: int
    per_page: int
    num_pages: int
    sort: str
    filters: dict[str, list[str]]
    notes: list[str]
    aliases: list[AliasNote]
    spelling_suggestion: str | None
    results: list[SearchResult]
    facets: dict[str, list[FacetValue]]


class RateLimited(Schema):
    error: str


def search_parameters():
    """The query parameters archive/forms.py reads; one that cannot be used is ignored with a note."""
    def parameter(name, schema, description):
        return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}

    return [
        parameter("q", {"type": "string"}, "The search, in the query language of /search/help/."),
        parameter("document", {"type": "string"}, "Search only the statement with this slug."),
        parameter("sort", {"type": "string", "enum": SORTS}, "The order; relevance when there is a query, else newest."),
        parameter("page", {"type": "integer", "minimum": 1}, "The page of results."),
        parameter("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}, "Results per page."),
        parameter("from", {"type": "string", "format": "date"}, "Meetings on or after this day (YYYY-MM-DD)."),
        parameter("to", {"type": "string", "format": "date"}, "Meetings on or before this day (YYYY-MM-DD)."),
        *(dict(parameter(facet.name, {"type": "array", "items": {"type": "string"}},
                         f"Only this {facet.label.lower()}; repeat for any of several."), explode=True)
          for facet in FACETS),
    ]


def component(schema_class):
    """A pydantic model's JSON schema, with the models it uses, as OpenAPI components."""
    schema = schema_class.model_json_schema(ref_template="#/components/schemas/{model}")
    nested = schema.pop("$defs", {})
    return {schema_class.__name__: schema, **nested}


def search_paths():
    too_many = {"description": "Too many requests from this address; retry after the Retry-After seconds.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RateLimited"}}}}
    return {
        SEARCH_PATH: {"get": {
            "operationId": "search",
            "summary": "Search the paragraphs",
            "description": "One page of hits with their facets and notes; the same search as the /search/ page.",
            "tags": ["search"],
            "parameters": search_parameters(),
            "responses": {
                "200": {"description": "A page of results",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SearchResponse"}}}},
                "429": too_many,
            },
        }},
        SEARCH_CSV_PATH: {"get": {
            "operationId": "search_csv",
            "summary": "Every hit of a search as CSV",
            "description": "UTF-8 with a byte order mark; the same parameters as /api/search/ (page and per_page "
                           "are not used).",
            "tags": ["search"],
            "parameters": search_parameters(),
            "responses": {
                "200": {"description": "One row per paragraph", "content": {"text/csv": {"schema": {"type": "string"}}}},
                "429": {"description": too_many["description"]},
            },
        }},
    }


class ArchiveAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["paths"].update(search_paths())
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(component(SearchResponse))
        components.update(component(RateLimited))
        return schema


api = ArchiveAPI(
    title="ASEAN–ROK Archive API",
    version="1",
    description="The archive's meeting series, meetings, statements and their paragraphs, and its search. "
                "Read-only, no key needed.",
    openapi_url="/schema/",
    docs_url=None,
    urls_namespace="api",
)


# Views --------------------------------------------------------------------------------------------------------

def series_ref(request, series):
    return {"name": series.name, "slug": series.slug,
            "api_url": request.build_absolute_uri(reverse("api:series", args=[series.slug]))}


def meeting_ref(request, meeting):
    return {"slug": meeting.slug, "title": meeting.title, "start_date": meeting.start_date,
            "url": request.build_absolute_uri(meeting.get_absolute_url()),
            "api_url": request.build_absolute_uri(reverse("api:meeting", args=[meeting.slug]))}


def document_ref(request, document):
    return {"slug": document.slug, "title": document.title, "kind": document.kind,
            "published_on": document.published_on, "url": request.build_absolute_uri(document.get_absolute_url()),
            "api_url": request.build_absolute_uri(reverse("api:document", args=[document.slug]))}


@api.get("/series/", response=list[SeriesSummary], url_name="series-list", tags=["archive"],
         summary="Every meeting series")
def series_list(request):
    return [{**series_ref(request, series), "meeting_count": series.meetings.count()}
            for series in MeetingSeries.objects.prefetch_related("meetings")]


@api.get("/series/{slug:slug}/", response={200: SeriesDetail, 404: NotFound}, url_name="series", tags=["archive"],
         summary="One meeting series and its meetings")
def series_detail(request, slug: str):
    series = get_object_or_404(MeetingSeries, slug=slug)
    return {**series_ref(request, series), "aliases": series.alias_list(),
            "known_only_from_mentions": series.known_only_from_mentions,
            "meetings": [meeting_ref(request, meeting) for meeting in series.meetings.order_by("start_date", "ordinal")]}


@api.get("/meetings/", response=list[MeetingRef], url_name="meeting-list", tags=["archive"],
         summary="Every meeting, newest first")
def meeting_list(request):
    return [meeting_ref(request, meeting) for meeting in Meeting.objects.all()]


@api.get("/meetings/{slug:slug}/", response={200: MeetingDetail, 404: NotFound}, url_name="meeting", tags=["archive"],
         summary="One meeting: where, when, who chaired it, and its statements")
def meeting_detail(request, slug: str):
    meeting = get_object_or_404(Meeting.objects.select_related("series"), slug=slug)
    neighbours = {name: (meeting_ref(request, other) if other else None)
                  for name, other in (("previous_in_series", meeting.previous_in_series()),
                                      ("next_in_series", meeting.next_in_series()))}
    return {
        **meeting_ref(request, meeting),
        **{name: getattr(meeting, name) for name in ("ordinal", "end_date", "venue", "city", "country", "mode",
                                                     "chair", "chair_country", "co_chairs", "known_only_from_mentions")},
        "series": series_ref(request, meeting.series),
        **neighbours,
        "documents": [document_ref(request, document) for document in meeting.documents.all()],
    }


def paragraph_out(request, paragraph: Paragraph):
    return {
        "number": paragraph.number, "position": paragraph.position, "anchor": paragraph.anchor,
        "heading": paragraph.heading, "text": paragraph.text,
        "url": request.build_absolute_uri(paragraph.get_absolute_url()),
        "cite_url": request.build_absolute_uri(reverse("archive:cite-paragraph", args=[paragraph.pk])),
        "mentions": [meeting_ref(request, meeting) for meeting in paragraph.mentions.all()],
    }


@api.get("/documents/{slug:slug}/", response={200: DocumentDetail, 404: NotFound}, url_name="document", tags=["archive"],
         summary="One statement: its metadata, sources, versions and paragraphs")
def document_detail(request, slug: str):
    document = get_object_or_404(Document.objects.select_related("meeting__series"), slug=slug)
    page_url = document.get_absolute_url()
    return {
        **document_ref(request, document),
        "display_title": document.display_title,
        "summary": document.summary,
        "attachment_name": document.attachment_name,
        "meeting": meeting_ref(request, document.meeting),
        "series": series_ref(request, document.meeting.series),
        "sources": list(document.sources.values("name", "url", "format", "checksum", "retrieved_on")),
        "versions": [{"number": version.number, "label": version.label, "published_on": version.published_on,
                      "received_at": version.received_at, "source": version.source.name if version.source else None,
                      "url": request.build_absolute_uri(f"{page_url}?version={version.number}")}
                     for version in document.versions.select_related("source")],
        "paragraphs": [paragraph_out(request, paragraph)
                       for paragraph in document.paragraphs.prefetch_related("mentions")],
    }
