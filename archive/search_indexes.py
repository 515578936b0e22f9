import re
import time

from haystack import indexes

from .models import Paragraph, Topic

TOPIC_CACHE_SECONDS = 2


class ParagraphIndex(indexes.SearchIndex, indexes.Indexable):
    """One search document per paragraph; facets and display fields are copied in so hits need no queries."""

    text = indexes.CharField(document=True, model_attr="text")
    title = indexes.CharField(model_attr="document__title")
    document_id = indexes.CharField(model_attr="document_id")
    date = indexes.CharField(null=True)  # YYYYMMDD: sorts and ranges as text
    year = indexes.FacetCharField()
    series = indexes.FacetCharField(model_attr="document__meeting__series__name")
    kind = indexes.FacetCharField(model_attr="document__kind")
    chair_country = indexes.FacetCharField(model_attr="document__meeting__chair_country")
    mode = indexes.FacetCharField()
    topics = indexes.MultiValueField()

    # Stored only, for rendering a hit.
    label = indexes.CharField(model_attr="label", indexed=False)
    anchor = indexes.CharField(model_attr="anchor", indexed=False)
    paragraph_url = indexes.CharField(indexed=False)
    document_title = indexes.CharField(model_attr="document__title", indexed=False)
    document_url = indexes.CharField(indexed=False)
    meeting_title = indexes.CharField(model_attr="document__meeting__title", indexed=False)
    meeting_url = indexes.CharField(indexed=False)

    _topics = (float("-inf"), [])

    def get_model(self):
        return Paragraph

    def index_queryset(self, using=None):
        return Paragraph.objects.select_related("document__meeting__series").order_by("document_id", "position")

    def prepare_date(self, paragraph):
        day = paragraph.document.meeting.start_date
        return f"{day:%Y%m%d}" if day else None

    def prepare_year(self, paragraph):
        return str(paragraph.document.year or "")

    def prepare_mode(self, paragraph):
        return paragraph.document.meeting.get_mode_display()

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

    def prepare_paragraph_url(self, paragraph):
        return paragraph.get_absolute_url()

    def prepare_document_url(self, paragraph):
        return paragraph.document.get_absolute_url()

    def prepare_meeting_url(self, paragraph):
        return paragraph.document.meeting.get_absolute_url()
