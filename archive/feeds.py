"""A saved search as an Atom feed: the newest matching paragraphs, so a feed reader can alert on new ones."""

import datetime

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.feedgenerator import Atom1Feed

from .search.indexing import search_view
from .search.query import build_queryset, prepare_query
from .views import parse_filters

FEED_ITEMS = 50


class PlainTextAtom1Feed(Atom1Feed):
    """Atom whose entry summaries are plain text (type="text"): a feed reader shows a paragraph's
    text as it is and never runs markup from it. Django's own feed marks them type="html"."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"] is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})



@method_decorator(search_view, name="__call__")
class SearchFeed(Feed):
    feed_type = PlainTextAtom1Feed

    def get_object(self, request):
        return request

    def title(self, request):
        return f"ASEAN–ROK Archive: {request.GET.get('q', '').strip() or 'search'}"

    def subtitle(self, request):
        return "Newest paragraphs matching this search."

    def link(self, request):
        return f"{reverse('archive:search')}?{request.GET.urlencode()}"

    def items(self, request):
        _, query, _, _ = prepare_query(request.GET.get("q", ""))
        if not query:
            return []
        return list(build_queryset(query, parse_filters(request.GET), "newest")[:FEED_ITEMS])

    def item_title(self, hit):
        return f"{hit.document_title}, paragraph {hit.label}"

    def item_description(self, hit):
        return hit.text

    def item_link(self, hit):
        return hit.paragraph_url

    def item_guid(self, hit):
        return hit.paragraph_url

    def item_updateddate(self, hit):
        return hit.date.replace(tzinfo=datetime.timezone.utc) if hit.date else None
