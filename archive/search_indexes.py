from haystack import indexes

from .models import Paragraph


class ParagraphIndex(indexes.SearchIndex, indexes.Indexable):
    """One search document per paragraph; facets and display fields are copied in so hits need no queries."""

    text = indexes.CharField(document=True, model_attr="text")
    title = indexes.CharField(model_attr="document__title")
    document_id = indexes.IntegerField(model_attr="document_id")
    date = indexes.DateField(model_attr="document__meeting__start_date", null=True)
    year = indexes.FacetCharField()
    series = indexes.FacetCharField(model_attr="document__meeting__series__name")
    kind = indexes.FacetCharField(model_attr="document__kind")
    chair_country = indexes.FacetCharField(model_attr="document__meeting__chair_country")
    mode = indexes.FacetCharField(model_attr="document__meeting__mode")

    # Stored only, for rendering a hit.
    label = indexes.CharField(model_attr="label", indexed=False)
    paragraph_url = indexes.CharField(indexed=False)
    document_title = indexes.CharField(model_attr="document__title", indexed=False)
    document_url = indexes.CharField(indexed=False)
    meeting_title = indexes.CharField(model_attr="document__meeting__title", indexed=False)
    meeting_url = indexes.CharField(indexed=False)

    def get_model(self):
        return Paragraph

    def index_queryset(self, using=None):
        return Paragraph.objects.select_related("document__meeting__series").order_by("document_id", "position")

    def prepare_year(self, paragraph):
        return str(paragraph.document.year or "")

    def prepare_paragraph_url(self, paragraph):
        return paragraph.get_absolute_url()

    def prepare_document_url(self, paragraph):
        return paragraph.document.get_absolute_url()

    def prepare_meeting_url(self, paragraph):
        return paragraph.document.meeting.get_absolute_url()
