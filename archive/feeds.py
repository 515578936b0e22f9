"""A saved search as an Atom feed (RFC 4287): the paragraphs that entered the archive last, so a feed
reader alerts on new ones, even of old meetings. Without parameters: everything new; with `series=`:
one meeting series; with any search parameters: that search."""

import datetime

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.feedgenerator import Atom1Feed

from .forms import search_request
from .search import service
from .search.indexing import search_view

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


@method_decorator(search_view, name="__call__")
class SearchFeed(Feed):
    feed_type = PlainTextAtom1Feed
    author_name = "ASEAN–ROK Archive"

    def get_object(self, request):
        self.request = request
        return search_request(request).replace(sort="added", page=1, everything=True)

    def title(self, query):
        asked = [query.q.strip(), *(value for values in query.filters.values() for value in values)]
        if query.document is not None:
            asked.append(query.document.title)
        return f"ASEAN–ROK Archive: {', '.join(part for part in asked if part) or 'everything new'}"

    def subtitle(self, query):
        return " ".join(["Paragraphs matching this search, newest in the archive first.", *query.notes])

    def link(self, query):
        return f"{reverse('archive:search')}?{self.request.GET.urlencode()}"

    def feed_url(self, query):
        """rel="self": this feed with its parameters, so a reader subscribes to the search itself."""
        return f"{reverse('archive:search-feed')}?{self.request.GET.urlencode()}"

    def items(self, query):
        return list(service.iter_hits(query, FEED_ITEMS))

    def item_title(self, hit):
        return f"{hit.document_title}, paragraph {hit.label}"

    def item_description(self, hit):
        return hit.text

    def item_extra_kwargs(self, hit):
        absolute = self.request.build_absolute_uri
        return {"related": [(absolute(hit.document_url), hit.document_title), (absolute(hit.meeting_url), hit.meeting_title)]}

    def item_link(self, hit):
        return hit.paragraph_url

    def item_guid(self, hit):
        """The paragraph's absolute address: the same for as long as the paragraph is in its statement."""
        return self.request.build_absolute_uri(hit.paragraph_url)

    def item_categories(self, hit):
        return [hit.series, hit.kind]

    def item_pubdate(self, hit):
        return hit.added.replace(tzinfo=datetime.timezone.utc)

    def item_updateddate(self, hit):
        return hit.added.replace(tzinfo=datetime.timezone.utc)
