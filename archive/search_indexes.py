import datetime
import hashlib
import json
import re
import time

from haystack import indexes
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.utils import get_identifier, get_model_ct

from .models import Paragraph, Topic
from .search.engine.fields import DateKeyField, KeyField
from .search.facets import FACETS

TOPIC_CACHE_SECONDS = 2


def content_checksum(prepared):
    content = {name: value for name, value in prepared.items() if name != "checksum"}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


# One field per facet of the registry (archive/search/facets.py).
FacetFields = type("FacetFields", (indexes.SearchIndex,), {facet.name: facet.index_field() for facet in FACETS})


class ParagraphIndex(FacetFields, indexes.Indexable):
    """One search document per paragraph; facets and display fields are copied in so hits need no queries."""

    text = indexes.CharField(document=True, model_attr="text")
    # Fields every paragraph of a document shares: see `document_fields`.
    title = indexes.CharField(stored=False)
    document_id = KeyField(group=True)  # a statement's hits are counted together
    date = DateKeyField(null=True, sortable=True, few_values=True)  # the meeting's, YYYYMMDD: one term per meeting
    added = DateKeyField(sortable=True)  # when the paragraph entered the archive (UTC), YYYYMMDDHHMMSSffffff

    # Stored only, for rendering a hit.
    label = indexes.CharField(model_attr="label", indexed=False)
    anchor = indexes.CharField(model_attr="anchor", indexed=False)
    paragraph_url = indexes.CharField(indexed=False)
    document_title = indexes.CharField(indexed=False)
    document_url = indexes.CharField(indexed=False)
    meeting_title = indexes.CharField(indexed=False)
    meeting_url = indexes.CharField(indexed=False)
    # Of everything above: `check_index` compares it with the database's to find stale paragraphs.
    checksum = indexes.CharField(indexed=False)

    _topics = (float("-inf"), [])
    _document_fields = (None, {})

    def __init__(self):
        super().__init__()
        self.content_type = get_model_ct(Paragraph)
        # (index field name, the function that gives a paragraph's value) of each field; None for a field with
        # nothing to give it one (no method, model attribute, template or default), whose value is None
        self.value_preparers = [
            (field.index_fieldname, getattr(self, f"prepare_{name}", None) or (
                field.prepare if field.use_template or field.model_attr is not None or field.has_default() else None))
            for name, field in self.fields.items()]

    def get_model(self):
        return Paragraph

    def index_queryset(self, using=None):
        # Prefetched, not joined: the paragraphs of a document then share one document object.
        return Paragraph.objects.prefetch_related("document__meeting__series").order_by("document_id", "position")

    def prepare(self, paragraph):
        """What haystack's `SearchIndex.prepare` gives, worked out faster: it asks a field with a `prepare_<name>`
        method for its value twice and looks the method up by name for every paragraph."""
        prepared = self.prepared_data = {
            ID: get_identifier(paragraph), DJANGO_CT: self.content_type, DJANGO_ID: str(paragraph.pk)}
        for index_fieldname, prepare_value in self.value_preparers:
            prepared[index_fieldname] = prepare_value(paragraph) if prepare_value else None
        prepared.update(self.document_fields(paragraph))
        prepared["checksum"] = content_checksum(prepared)
        return prepared

    def document_fields(self, paragraph):
        """The fields a paragraph takes from its document and meeting, worked out once per
        document object rather than once per paragraph."""
        document = paragraph.document
        if self._document_fields[0] is not document:
            meeting = document.meeting
            day = meeting.start_date
            self._document_fields = (document, {
                "title": document.title,
                "document_title": document.title,
                "document_id": str(document.pk),
                "date": f"{day:%Y%m%d}" if day else None,
                **{facet.name: facet.of_document(document) for facet in FACETS if facet.of_document},
                "document_url": document.get_absolute_url(),
                "meeting_title": meeting.title,
                "meeting_url": meeting.get_absolute_url(),
            })
        return self._document_fields[1]

    def prepare_topics(self, paragraph):
        text = paragraph.text.lower()
        return [name for name, pattern in self.topic_patterns() if pattern.search(text)]

    @classmethod
    def topic_patterns(cls):
        """Topic rules, re-read at most every few seconds so edits in the admin apply quickly."""
        loaded_at, patterns = cls._topics
        if time.monotonic() - loaded_at > TOPIC_CACHE_SECONDS:
            patterns = [
                (topic.name, re.compile(r"(?<!\w)(?:" + "|".join(re.escape(k.lower()) for k in topic.keyword_list())
                                        + r")(?!\w)"))
                for topic in Topic.objects.all() if topic.keyword_list()
            ]
            cls._topics = (time.monotonic(), patterns)
        return patterns

    @classmethod
    def forget_topics(cls):
        cls._topics = (float("-inf"), [])

    def prepare_added(self, paragraph):
        return f"{paragraph.added_at.astimezone(datetime.timezone.utc):%Y%m%d%H%M%S%f}"

    def prepare_paragraph_url(self, paragraph):
        # Paragraph.get_absolute_url, with the document's URL worked out once per document.
        return f"{self.document_fields(paragraph)['document_url']}#{paragraph.anchor}"
