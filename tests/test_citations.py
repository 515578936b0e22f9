"""A reader cites one paragraph: every format names the document, meeting, paragraph number, date and permanent
URL; BibTeX and RIS read back in the parsers reference managers use; CSL-JSON is valid; the cite page and its
downloads work without JavaScript."""

import json

import bibtexparser
import pytest
import rispy
from citeproc.source.json import CiteProcJSON

from archive.citations import paragraph_citation
from archive.models import Paragraph

from .conftest import add_statement

BASE = "http://testserver"
UNDATED = """Press Release of the 25th ASEAN-ROK Dialogue on {Braces}

1. The participants met to review their cooperation.

2. They exchanged views on regional matters.

3. The participants agreed on a work plan, and reviewed "progress" made.
"""


@pytest.fixture
def paragraph(seeds):
    return Paragraph.objects.select_related("document__meeting").get(document=seeds["summit"], number="22")


def parsed_bibtex(text):
    """BibTeX read as a reference manager does: field values without their enclosing braces."""
    return bibtexparser.parse_string(text)


def permanent_url(paragraph):
    return BASE + paragraph.get_absolute_url()


def test_every_format_names_document_meeting_paragraph_date_and_url(paragraph):
    cited = paragraph_citation(paragraph, permanent_url(paragraph))
    document, meeting = paragraph.document, paragraph.document.meeting
    assert meeting.start_date.year == 2020
    for name in ("chicago", "apa", "bibtex", "ris", "csl_json", "quote"):
        text = getattr(cited, name)
        assert document.title in text, name
        assert meeting.title in text, name
        assert "22" in text.replace(permanent_url(paragraph), ""), name
        assert str(meeting.start_date.year) in text, name
        assert permanent_url(paragraph) in text, name
    assert "para. 22" in cited.chicago and "para. 22" in cited.apa
    assert cited.quote.startswith("“" + paragraph.text[:40])


def test_bibtex_parses_back(paragraph):
    cited = paragraph_citation(paragraph, permanent_url(paragraph))
    library = parsed_bibtex(cited.bibtex)
    assert not library.failed_blocks
    [entry] = library.entries
    assert entry.key == cited.key
    assert entry["title"] == paragraph.document.title
    assert entry["author"] == "{" + paragraph.document.meeting.title + "}"  # one corporate name
    assert entry["url"] == permanent_url(paragraph)
    assert entry["year"] == "2020"
    assert "Paragraph 22" in entry["note"]


def test_ris_parses_back(paragraph):
    cited = paragraph_citation(paragraph, permanent_url(paragraph))
    [record] = rispy.loads(cited.ris)
    assert record["title"] == paragraph.document.title
    assert record["authors"] == [paragraph.document.meeting.title]
    assert record["urls"] == [permanent_url(paragraph)]
    assert record["section"] == "Paragraph 22"
    assert record["year"] == "2020"


def test_csl_json_is_valid_and_renders(paragraph):
    cited = paragraph_citation(paragraph, permanent_url(paragraph))
    [item] = json.loads(cited.csl_json)
    assert set(item) >= {"id", "type", "title", "author", "issued", "URL"}
    assert item["issued"]["date-parts"][0][0] == 2020
    assert all(isinstance(part, int) for part in item["issued"]["date-parts"][0])
    assert item["author"] == [{"literal": paragraph.document.meeting.title}]
    source = CiteProcJSON([{key: value for key, value in item.items() if key != "section"}])
    assert item["id"] in source  # citeproc-py reads it as a reference


def test_a_statement_without_date_and_with_braces_still_cites(db, search_index):
    document = add_statement(UNDATED, "undated.txt")
    paragraph = document.paragraphs.get(number="3")
    cited = paragraph_citation(paragraph, BASE + paragraph.get_absolute_url())
    [entry] = parsed_bibtex(cited.bibtex).entries
    assert "Braces" in entry["title"] and "{" not in entry["title"]
    [record] = rispy.loads(cited.ris)
    assert record["section"] == "Paragraph 3"
    assert "para. 3" in cited.chicago


def test_cite_page_shows_every_format_and_downloads(client, paragraph):
    page = client.get(f"/paragraphs/{paragraph.pk}/cite/")
    assert page.status_code == 200
    html = page.content.decode()
    for label in ("Chicago", "APA", "BibTeX", "RIS", "CSL-JSON", "Quote with reference", "Permanent URL"):
        assert label in html
    assert html.count("readonly") >= 6
    assert permanent_url(paragraph) in html
    for suffix, content_type in (("bib", "application/x-bibtex"), ("ris", "application/x-research-info-systems"),
                                 ("json", "application/vnd.citationstyles.csl+json")):
        download = client.get(f"/paragraphs/{paragraph.pk}/cite.{suffix}")
        assert download.status_code == 200
        assert download["Content-Type"].startswith(content_type)
        assert f'.{suffix}"' in download["Content-Disposition"]
        assert paragraph.document.title in download.content.decode()


def test_document_page_links_each_paragraph_to_its_cite_page(client, paragraph):
    html = client.get(paragraph.document.get_absolute_url()).content.decode()
    assert f'href="/paragraphs/{paragraph.pk}/cite/"' in html
    assert "permalink-field" not in html


def test_unknown_paragraph_is_not_found(client, db):
    assert client.get("/paragraphs/999999999/cite/").status_code == 404
    assert client.get("/paragraphs/999999999/cite.bib").status_code == 404
