"""A saved search as an Atom feed (RFC 4287): the paragraphs that entered the archive last, so a feed
reader alerts on new ones, even of old meetings. Without parameters: everything new; with `series=`:
one meeting series; with any search parameters: that search."""

import datetime
from typing import NamedTuple

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.feedgenerator import Atom1Feed

from .forms import search_request
from .pages import archive_page
from .search import service
from .search.indexing import search_view
from .search.service import SearchRequest

FEED_ITEMS = 50


class PlainTextAtom1Feed(Atom1Feed):
    """Atom whose entry summaries are plain text (type="text"): a feed reader shows a paragraph's
    text as it is and never runs markup from it. Django's own feed marks them type="html"."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"] is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})
        for url, title in item.get("related", ()):  # the statement and the meeting
            handler.addQuickElement("link", "", {"rel": "related", "href": url, "title": title})


class Subscription(NamedTuple):
    request: HttpRequest
    asked: SearchRequest


@method_decorator(archive_page, name="__call__")
@method_decorator(search_view, name="__call__")
class SearchFeed(Feed):
    feed_type = PlainTextAtom1Feed
    author_name = "ASEAN–ROK Archive"

    def get_object(self, request):
        return Subscription(request, search_request(request).replace(sort="added", page=1, everything=True))

    def title(self, subscription):
        asked = subscription.asked
        parts = [asked.q.strip(), *(value for values in asked.filters.values() for value in values)]
        if asked.document is not None:
            parts.append(asked.document.title)
        return f"ASEAN–ROK Archive: {', '.join(part for part in parts if part) or 'everything new'}"

    def subtitle(self, subscription):
        return " ".join(["Paragraphs matching this search, newest in the archive first.", *subscription.asked.notes])

    def link(self, subscription):
        return f"{reverse('archive:search')}?{subscription.request.GET.urlencode()}"

    def feed_url(self, subscription):
        """rel="self": this feed with its parameters, so a reader subscribes to the search itself."""
        return f"{reverse('archive:search-feed')}?{subscription.request.GET.urlencode()}"

    def items(self, subscription):
        hits = list(service.iter_hits(subscription.asked, FEED_ITEMS))
        absolute = subscription.request.build_absolute_uri
        for hit in hits:
            hit.related = [(absolute(hit.document_url), hit.document_title), (absolute(hit.meeting_url), hit.meeting_title)]
        return hits

    def item_title(self, hit):
        return f"{hit.document_title}, paragraph {hit.label}"

    def item_description(self, hit):
        return hit.text

    def item_link(self, hit):
        """Also the entry's id (made absolute): the same for as long as the paragraph is in its statement."""
        return hit.paragraph_url

    def item_extra_kwargs(self, hit):
        return {"related": hit.related}

    def item_categories(self, hit):
        return [hit.series, hit.kind]

    def item_pubdate(self, hit):
        return hit.added.replace(tzinfo=datetime.timezone.utc)

    def item_updateddate(self, hit):
        return hit.added.replace(tzinfo=datetime.timezone.utc)
