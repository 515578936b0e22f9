"""Atom feeds people can trust as alerts: valid RFC 4287, permanent absolute ids, the search in rel="self",
entries in the order paragraphs entered the archive (so a new import of an old meeting alerts)."""

import re
import urllib.parse
import xml.etree.ElementTree as ET

import feedparser
import pytest

from .conftest import add_statement
from .test_search_language import BUSAN, JAKARTA

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
ABSOLUTE = re.compile(r"^(https?://[^/\s]+/\S*|tag:\S+)$")


def assert_valid_atom(content):
    """What RFC 4287 requires of a feed and its entries (section 4.1), checked element by element."""
    feed = ET.fromstring(content)
    assert feed.tag == f"{ATOM}feed"

    def one(element, name):
        found = element.findall(f"{ATOM}{name}")
        assert len(found) == 1, f"{element.tag} has {len(found)} atom:{name}"
        return found[0]

    assert ABSOLUTE.match(one(feed, "id").text)
    assert one(feed, "title").text
    assert RFC3339.match(one(feed, "updated").text)
    one(one(feed, "author"), "name")  # no entry has an author of its own, so the feed must
    for entry in feed.findall(f"{ATOM}entry"):
        assert ABSOLUTE.match(one(entry, "id").text)
        assert one(entry, "title").text
        assert RFC3339.match(one(entry, "updated").text)
        alternate = [link for link in entry.findall(f"{ATOM}link") if link.get("rel", "alternate") == "alternate"]
        assert len(alternate) == 1 and ABSOLUTE.match(alternate[0].get("href"))
        assert one(entry, "summary").get("type") == "text"
    parsed = feedparser.parse(content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


@pytest.fixture
def archive_later_filled(search_index):
    """The 2023 dialogue imported first, the 2019 summit (an older meeting) after it."""
    return {"new meeting": add_statement(JAKARTA, "jakarta.txt"), "old meeting": add_statement(BUSAN, "busan.txt")}


def feed(client, **params):
    response = client.get("/search/feed/", params)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    return assert_valid_atom(response.content)


def test_a_search_feed_is_valid_atom_with_permanent_absolute_ids(client, archive_later_filled):
    parsed = feed(client, q="Policy")
    assert [entry.id for entry in parsed.entries] == [
        "http://testserver" + archive_later_filled["old meeting"].get_absolute_url() + "#p6",
        "http://testserver" + archive_later_filled["new meeting"].get_absolute_url() + "#p3",
    ]
    self_link = next(link.href for link in parsed.feed.links if link.rel == "self")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(self_link).query) == {"q": ["Policy"]}
    assert self_link.startswith("http://testserver/search/feed/")


def test_a_new_import_of_an_old_meeting_comes_first_dated_by_its_arrival(client, archive_later_filled):
    parsed = feed(client, q="Policy")
    first, second = parsed.entries
    assert "20th ASEAN-ROK Summit" in first.title  # a 2019 meeting, imported after the 2023 one
    assert first.updated_parsed >= second.updated_parsed
    added = archive_later_filled["old meeting"].paragraphs.get(number="6").added_at
    assert first.updated.startswith(added.strftime("%Y-%m-%dT%H:%M:%S"))


def test_each_entry_names_its_statement_and_meeting(client, archive_later_filled):
    entry = feed(client, q="Busan").entries[0]
    related = {link.title: link.href for link in entry.links if link.rel == "related"}
    old = archive_later_filled["old meeting"]
    assert related == {old.title: "http://testserver" + old.get_absolute_url(),
                       old.meeting.title: "http://testserver" + old.meeting.get_absolute_url()}
    assert {tag.term for tag in entry.tags} == {"ASEAN-ROK Summit", "Chairman's Statement"}


def test_everything_new_and_one_series_have_feeds(client, archive_later_filled):
    everything = feed(client)
    assert everything.feed.title == "ASEAN–ROK Archive: everything new"
    # Every paragraph of both statements, the last import first; one import's in the statement's order.
    old, new = (archive_later_filled[name].get_absolute_url() for name in ("old meeting", "new meeting"))
    assert [entry.id.removeprefix("http://testserver") for entry in everything.entries] == \
        [f"{old}#p{n}" for n in range(1, 12)] + [f"{new}#p{n}" for n in range(1, 5)]
    dialogue = feed(client, series="ASEAN-ROK Dialogue")
    assert len(dialogue.entries) == 4
    assert all("29th ASEAN-ROK Dialogue" in entry.title for entry in dialogue.entries)


def test_a_reimport_keeps_the_arrival_of_unchanged_paragraphs(client, archive_later_filled):
    old = archive_later_filled["old meeting"]
    before = dict(old.paragraphs.values_list("number", "added_at"))
    add_statement(BUSAN.replace("11. Viet Nam hosted the ministers.", "11. Viet Nam hosted the ministers in Busan."),
                  "busan-corrected.txt")
    after = dict(old.paragraphs.values_list("number", "added_at"))
    assert {n: t for n, t in after.items() if n != "11"} == {n: t for n, t in before.items() if n != "11"}
    assert after["11"] > before["11"]
    assert feed(client, q="Busan").entries[0].id.endswith("#p11")


def test_the_home_and_a_series_page_offer_their_feeds(client, archive_later_filled):
    home = client.get("/").content.decode()
    assert '<link rel="alternate" type="application/atom+xml" title="Everything new in the archive" href="/search/feed/">' in home
    series = client.get("/meetings/", {"series": "asean-rok-dialogue"}).content.decode()
    href = re.search(r'<link rel="alternate" type="application/atom\+xml" [^>]*href="([^"]+)"', series).group(1)
    assert len(feed(client, **urllib.parse.parse_qs(urllib.parse.urlsplit(href.replace("&amp;", "&")).query)).entries) == 4
