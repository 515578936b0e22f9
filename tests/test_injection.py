"""No script or formula injection: every payload of tests/data/xss_payloads.txt, entered wherever
a user or an admin can put text, comes out of every page, the JSON, the CSV and the Atom feed as
inert text."""

import csv
import html
import io
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import lxml.html
import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from archive.api import spreadsheet_safe
from archive.models import Document, Meeting, MeetingSeries, Paragraph
from archive.sanitize import marked_html, plain_text

from .conftest import add_statement

PAYLOADS = [line for line in (Path(__file__).parent / "data" / "xss_payloads.txt").read_text("utf-8").splitlines() if line]
MARKER = "zxqmarker"  # in every paragraph made from a payload, so one search finds them all
ATOM = "{http://www.w3.org/2005/Atom}"
# Elements that can run script or load content; none of the site's pages has any of them.
ACTIVE_TAGS = {"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "math", "img",
               "video", "audio", "source", "base", "template", "marquee", "noscript", "isindex", "keygen", "xss", "x"}
# The site's own SVG (its timelines) holds only these drawing elements: no script, foreignObject or animation.
SVG_DRAWING_TAGS = {"svg", "g", "line", "rect", "circle", "path", "text", "title", "desc", "a"}
URL_SCHEMES = re.compile(r"^(javascript|vbscript|data):", re.I)
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "background", "data", "poster", "xlink:href", "srcdoc", "content"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def test_there_are_over_a_hundred_payloads():
    assert len(PAYLOADS) > 100


def is_our_script(element):
    """One of the site's own static scripts, loaded by URL with nothing inline (the search facets' folding)."""
    return (set(element.attrib) <= {"src", "defer"} and element.get("src", "").startswith(settings.STATIC_URL)
            and not (element.text or "").strip() and len(element) == 0)


def assert_inert_html(content, where):
    """No element, attribute or URL of the page can run script."""
    root = lxml.html.document_fromstring(content)
    for element in root.iter():
        if not isinstance(element.tag, str):  # comments and processing instructions
            continue
        if element.tag == "script" and is_our_script(element):
            continue
        assert element.tag not in ACTIVE_TAGS, f"<{element.tag}> in {where}"
        if element.tag == "svg":
            drawn = {inner.tag for inner in element.iter() if isinstance(inner.tag, str)}
            assert drawn <= SVG_DRAWING_TAGS, f"{drawn - SVG_DRAWING_TAGS} in an <svg> in {where}"
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), f"{name}= in {where}"
            assert name.lower() != "style", f"style= in {where}"
            if name.lower() in URL_ATTRIBUTES:
                assert not URL_SCHEMES.match(re.sub(r"[\x00-\x20]", "", value)), f"{name}={value!r} in {where}"
        if element.tag == "meta":
            assert "http-equiv" not in element.attrib, where


def assert_snippet_only_marks(snippet, where):
    fragment = lxml.html.fragment_fromstring(snippet or "", create_parent="div")
    for element in fragment.iter():
        if isinstance(element.tag, str) and element is not fragment:
            assert element.tag == "mark" and not element.attrib, f"<{element.tag}> in a snippet of {where}"


def assert_plain_atom(content, where):
    feed = ET.fromstring(content)
    for entry in feed.iter(f"{ATOM}entry"):
        for name in ("title", "summary"):
            element = entry.find(ATOM + name)
            assert element.get("type", "text") == "text" and len(element) == 0, f"{name} of {where}"
    assert feed.find(ATOM + "title").get("type", "text") == "text"


def assert_no_formulas(content, where):
    assert content.startswith("\ufeff".encode()), f"no byte order mark in {where}"
    for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))):
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), f"{cell!r} in {where}"


def get(client, path, params=None):
    response = client.get(path, params or {})
    assert response.status_code == 200, (path, params)
    return response


@pytest.fixture
def payload_archive(search_index, django_capture_on_commit_callbacks, settings):
    """Each payload as an admin would enter it (meeting title, document title, paragraph text), and
    all of them in one uploaded .txt statement."""
    series = MeetingSeries.objects.get(slug="asean-rok-summit")
    with django_capture_on_commit_callbacks(execute=True):
        for number, payload in enumerate(PAYLOADS, 1):
            meeting = Meeting.objects.create(series=series, ordinal=1000 + number, title=f"{payload} {number}",
                                             slug=f"payload-{number}", start_date=date(2001, 1, 1) + timedelta(days=number))
            # `kind` holds 100 characters (PostgreSQL refuses more; SQLite would keep them).
            document = Document.objects.create(meeting=meeting, title=f"{payload} {number}", kind=payload[:100],
                                               slug=f"payload-document-{number}")
            Paragraph.objects.create(document=document, position=1, number=str(number), text=f"{payload} {MARKER}")
    add_statement("Chairman's Statement of the 23rd ASEAN-ROK Summit\n\n"
                  "1. The 23rd ASEAN-ROK Summit was held in Ha Noi, Viet Nam on 12 November 2020.\n\n"
                  + "\n\n".join(f"{number}. {payload} {MARKER}" for number, payload in enumerate(PAYLOADS, 2)),
                  "payloads.txt")
    return Document.objects.filter(paragraphs__text__contains=MARKER).distinct()


def test_stored_payloads_come_out_inert_everywhere(client, payload_archive, settings):
    pages = ["/", "/meetings/", "/meetings/2001/"]
    pages += [document.get_absolute_url() for document in payload_archive]
    pages += [document.meeting.get_absolute_url() for document in payload_archive]
    pages += [f"/paragraphs/{pk}/similar/" for pk in Paragraph.objects.filter(text__contains=MARKER).values_list("pk", flat=True)[:10]]
    for sort in ("relevance", "newest"):
        for number in (1, 2, 3):
            pages.append(f"/search/?q={MARKER}&per_page=100&sort={sort}&page={number}")
    for path in pages:
        content = get(client, path).content.decode()
        assert_inert_html(content, path)
        assert settings.SECRET_KEY not in content

    data = get(client, "/api/search/", {"q": MARKER, "per_page": 100}).json()
    assert data["count"] >= 2 * len(PAYLOADS) - 20  # some payloads are all markup and leave no text
    for hit in data["results"]:
        assert_snippet_only_marks(hit["snippet"], "the JSON")
    assert_plain_atom(get(client, "/search/feed/", {"q": MARKER}).content, "the feed")
    assert_no_formulas(get(client, "/api/search.csv", {"q": MARKER}).getvalue(), "the CSV")


def test_the_atom_summary_of_escaped_markup_is_text_not_html(client, search_index, django_capture_on_commit_callbacks):
    # Uploaded as .txt: the reader decodes the entities (ftfy), and the markup that gives is removed.
    uploaded = add_statement("Press Release: 25th ASEAN-ROK Dialogue\n\n1. The 25th ASEAN-ROK Dialogue was held in Seoul "
                             "on 2 May 2021.\n\n2. Quoted &lt;script&gt;alert(1)&lt;/script&gt; in the minutes.\n", "escaped.txt")
    # Entered in the admin: the entities stay as typed.
    with django_capture_on_commit_callbacks(execute=True):
        Paragraph.objects.create(document=uploaded, position=3, number="3",
                                 text="Typed &lt;b&gt;bold&lt;/b&gt; in the admin minutes.")
    feed = ET.fromstring(get(client, "/search/feed/", {"q": "minutes"}).content)
    summaries = {entry.find(ATOM + "summary").text: entry.find(ATOM + "summary").get("type")
                 for entry in feed.iter(f"{ATOM}entry")}
    assert summaries == {"Quoted  in the minutes.": "text", "Typed &lt;b&gt;bold&lt;/b&gt; in the admin minutes.": "text"}


def test_a_payload_in_the_query_or_the_filters_comes_out_inert(client, seeds, settings):
    document = seeds["summit"].get_absolute_url()
    for payload in PAYLOADS:
        for path, params in [("/search/", {"q": f"Korea {payload}"}), (document, {"q": payload}),
                             ("/search/", {"q": "Korea", "series": payload, "kind": payload, "year": payload,
                                           "topics": payload, "mode": payload, "chair_country": payload, "from": payload,
                                           "to": payload, "document": payload, "sort": payload, "page": payload,
                                           "per_page": payload})]:
            content = get(client, path, params).content.decode()
            assert_inert_html(content, f"{path} {params}")
            assert settings.SECRET_KEY not in content
        if payload.startswith(("{{", "{%")):  # template syntax is shown as typed, never evaluated
            page = lxml.html.document_fromstring(get(client, "/search/", {"q": payload}).content)
            assert page.get_element_by_id("search-q").get("value") == payload
        for hit in get(client, "/api/search/", {"q": f"Korea {payload}"}).json()["results"]:
            assert_snippet_only_marks(hit["snippet"], f"the JSON for {payload}")
        assert_plain_atom(get(client, "/search/feed/", {"q": payload}).content, f"the feed for {payload}")
        assert_no_formulas(get(client, "/api/search.csv", {"q": f"Korea OR {payload}"}).getvalue(), f"the CSV for {payload}")


@pytest.mark.parametrize("text, stored", [
    ("&lt;b&gt;bold&lt;/b&gt;", "&lt;b&gt;bold&lt;/b&gt;"),
    ("<b>bold</b>", "bold"),
    ("a < b & c > d", "a < b & c > d"),
    ("<<b>b>", ""),
    ("AT&amp;T", "AT&amp;T"),
    ("<script>alert(1)</script>text", "text"),
])
def test_plain_text_never_turns_escaped_text_into_markup(text, stored):
    assert plain_text(text) == stored
    assert plain_text(stored) == stored


@pytest.mark.parametrize("cell, safe", [
    ("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("1 = 1", "1 = 1"), ("", ""), (None, None),
])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(cell, safe):
    assert spreadsheet_safe(cell) == safe


@given(st.text(), st.lists(st.integers(0, 60), max_size=8))
def test_marked_text_has_no_markup_but_its_marks(text, cuts):
    cuts = sorted(cuts)
    spans = list(zip(cuts[::2], cuts[1::2]))  # in order, never overlapping
    marked = marked_html(text, spans)
    unmarked = re.sub(r"</?mark>", "", marked)
    assert "<" not in unmarked and ">" not in unmarked
    assert html.unescape(unmarked) == text
