"""Readers never lose text silently: scans are read by OCR, stray control characters and HTML that
swallows the page are repaired, and every repair or loss is a note for the admin."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from archive.ingest import IngestError, parse_document
from archive.ingest.readers import read_document
from archive.ingest.structure import parse_structure
from archive.models import Document

from .conftest import run_import
from .golden_builders import FIXED_DATE, SCANNED_BODY, SCANNED_TITLE, _set_font, build_scanned_pdf, scanned_page
from .test_admin_upload import UPLOAD_URL, admin_client, review_data  # noqa: F401 (a fixture)
from .test_ingest_golden import catalogue

STATEMENT = [
    "Chairman’s Statement of the 21st ASEAN-ROK Summit",
    "12 November 2020",
    "1. The 21st ASEAN-Republic of Korea (ROK) Summit was held via videoconference on 12 November 2020.",
    "2. We welcomed the ROK’s New Southern Policy Plus and its contribution to ASEAN Community building.",
    "3. We agreed to deepen cooperation in public health, trade and the digital economy.",
    "4. We looked forward to the 22nd ASEAN-ROK Summit in 2021.",
]


def parse(data, name):
    return parse_document(data, name, catalogue(), 20 * 1024 * 1024)


def numbered(parsed):
    return [(p.number, p.text) for p in parsed.paragraphs]


EXPECTED = [(line.split(". ", 1)[0], line.split(". ", 1)[1]) for line in STATEMENT[2:]]


def build_part_scanned_pdf(path):
    """Page 1 printed with a text layer (title, date, paragraphs 1-2); page 2 a scan of paragraphs 3-4."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.add_page()
    _set_font(pdf, 11)
    for line in STATEMENT[:4]:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
    pdf.add_page()
    pdf.image(scanned_page(STATEMENT[4:]), x=0, y=0, w=pdf.w, h=pdf.h)
    pdf.output(str(path))


# --- scanned PDFs -----------------------------------------------------------------------------

def test_pages_without_a_text_layer_are_read_by_ocr_and_the_rest_as_printed(tmp_path):
    path = tmp_path / "part-scanned.pdf"
    build_part_scanned_pdf(path)
    parsed = parse(path.read_bytes(), path.name)
    assert numbered(parsed) == EXPECTED
    assert parsed.metadata.meeting.ordinal == 21
    assert parsed.notes == ["Page 2 has no text layer: read with OCR, which can misread letters and numbers — "
                            "check the text against the original"]
    assert parsed.metadata.provenance["text"] == "ocr"
    assert set(parsed.metadata.provenance.values()) == {"ocr"}


def test_a_scan_is_refused_with_the_reason_when_ocr_is_not_installed(tmp_path, monkeypatch):
    path = tmp_path / "scanned.pdf"
    build_scanned_pdf(path)
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine without the tesseract program
    with pytest.raises(IngestError, match="OCR is not installed"):
        parse(path.read_bytes(), path.name)


def test_a_scan_is_refused_with_tesseracts_reason_when_ocr_fails(tmp_path, monkeypatch):
    path = tmp_path / "scanned.pdf"
    build_scanned_pdf(path)
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))  # tesseract without its English data
    with pytest.raises(IngestError, match="OCR failed on page 1: .*eng"):
        parse(path.read_bytes(), path.name)


def test_without_ocr_a_part_scanned_pdf_keeps_its_printed_pages_and_says_what_is_missing(tmp_path, monkeypatch):
    path = tmp_path / "part-scanned.pdf"
    build_part_scanned_pdf(path)
    monkeypatch.setenv("PATH", str(tmp_path))
    parsed = parse(path.read_bytes(), path.name)
    assert numbered(parsed) == EXPECTED[:2]
    assert parsed.notes == ["Page 2 has no text layer and OCR is not installed: any text there is not in the "
                            "import — check the original"]
    assert "ocr" not in parsed.metadata.provenance.values()


# --- stray control characters -----------------------------------------------------------------

def test_stray_control_characters_are_removed_with_a_note():
    text = "\n\n".join(STATEMENT).replace("Summit was", "Summit\x00 was").replace("health,", "health,\x1b\x07")
    parsed = parse(text.encode("utf-8"), "statement.txt")
    assert numbered(parsed) == EXPECTED
    assert parsed.notes == ["3 stray control characters (NUL, U+0007, ESC) removed from the text"]


def test_a_file_mostly_of_control_characters_is_still_refused_as_binary():
    with pytest.raises(IngestError, match="binary"):
        parse("\n\n".join(STATEMENT).encode("utf-8") + b"\x00\x01\x02\x03" * 40, "statement.txt")


def test_clean_text_has_no_notes():
    assert parse("\n\n".join(STATEMENT).encode("utf-8"), "statement.txt").notes == []


# --- HTML whose markup swallows the statement ---------------------------------------------------

def page(tag, after):
    """A statement page where `<tag>`, never closed, comes before paragraph 2 and `after` follows it."""
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{STATEMENT[0]}</title></head><body>"
            f"<h1>{STATEMENT[0]}</h1><p>{STATEMENT[1]}</p><p>{STATEMENT[2]}</p>"
            f"<form><{tag} name='comment'>{after}</body></html>").encode("utf-8")


@pytest.mark.parametrize("tag", ["textarea", "plaintext", "title", "xmp", "style", "script"])
def test_an_unclosed_element_before_the_statement_text_is_recovered_with_a_note(tag):
    parsed = parse(page(tag, "".join(f"<p>{line}</p>\n" for line in STATEMENT[3:])), "statement.html")
    assert numbered(parsed) == EXPECTED
    (note,) = parsed.notes
    assert note.startswith(f"an unclosed <{tag}> would have swallowed ")
    assert note.endswith(f"characters of text after it; they were read as if the <{tag}> had ended there — "
                         "check the text")


def test_an_unclosed_noscript_is_read_as_markup_so_nothing_is_lost_and_nothing_noted():
    parsed = parse(page("noscript", "".join(f"<p>{line}</p>" for line in STATEMENT[3:])), "statement.html")
    assert numbered(parsed) == EXPECTED
    assert parsed.notes == []


def test_an_unclosed_head_element_does_not_swallow_the_whole_page():
    body = "".join(f"<p>{line}</p>" for line in STATEMENT[1:])
    html = f"<html><head><textarea>{STATEMENT[0]}</head><body><h1>{STATEMENT[0]}</h1>{body}</body></html>"
    parsed = parse(html.encode("utf-8"), "statement.html")
    assert numbered(parsed) == EXPECTED
    assert parsed.notes[0].startswith("an unclosed <textarea> would have swallowed 4")


@pytest.mark.parametrize("declaration", [b"", b'<?xml version="1.0" encoding="utf-8"?>\n'])
def test_text_an_unclosed_element_swallowed_for_good_is_reported_with_its_length(declaration):
    lost = " ".join(STATEMENT[3:])
    parsed = parse(declaration + page("style", lost).replace(b"</body></html>", b""), "statement.html")
    assert numbered(parsed) == EXPECTED[:1]
    assert parsed.notes == [f"an unclosed <style> swallowed {len(lost):,} characters of text after it; "
                            "they are not in the import — check the original"]


@pytest.mark.parametrize("tag", ["xmp", "title"])
def test_text_inside_an_unclosed_element_that_was_read_anyway_gives_no_note(tag):
    parsed = parse(page(tag, " ".join(STATEMENT[3:])).replace(b"</body></html>", b""), "statement.html")
    assert numbered(parsed) == EXPECTED
    assert parsed.notes == []


def test_closed_scripts_styles_and_textareas_give_no_note():
    html = page("textarea", "a comment</textarea><script>var a = '<p>';</script><style>p {}</style>"
                + "".join(f"<p>{line}</p>" for line in STATEMENT[3:]))
    parsed = parse(html, "statement.html")
    assert numbered(parsed) == EXPECTED
    assert parsed.notes == []


# --- notes reach the admin and the import command -------------------------------------------------

def test_the_import_command_prints_the_notes(db, tmp_path):
    path = tmp_path / "statement.txt"
    path.write_bytes("\n\n".join(STATEMENT).replace("Summit was", "Summit\x00 was").encode("utf-8"))
    assert "note: 1 stray control character (NUL) removed from the text" in run_import(path)
    out = io.StringIO()
    call_command("import_statements", "--json", str(path), stdout=out, stderr=io.StringIO())
    (item,) = json.loads(out.getvalue())
    assert item["status"] == "updated"
    assert item["notes"] == ["1 stray control character (NUL) removed from the text"]


def test_a_scan_is_marked_from_ocr_on_the_review_and_document_pages(admin_client, tmp_path):  # noqa: F811
    path = tmp_path / "scanned.pdf"
    build_scanned_pdf(path)
    review = admin_client.post(UPLOAD_URL, {"files": [SimpleUploadedFile(path.name, path.read_bytes())]})
    page_text = review.content.decode()
    assert "Page 1 has no text layer: read with OCR" in page_text
    assert page_text.count("from OCR — check") >= 6  # the legend, the paragraphs and each field read
    saved = admin_client.post(UPLOAD_URL, review_data(review))
    document = Document.objects.get()
    assert saved.url == f"/admin/archive/document/{document.pk}/change/"
    assert document.title == SCANNED_TITLE
    assert document.paragraphs.first().text == SCANNED_BODY[1].removeprefix("1. ")
    change_page = admin_client.get(saved.url).content.decode()
    assert "text: <strong>from OCR — check</strong>" in change_page
    assert "meeting: <strong>from OCR — check</strong>" in change_page


def test_the_review_page_shows_the_notes(admin_client):  # noqa: F811
    text = "\n\n".join(STATEMENT).replace("Summit was", "Summit\x00 was").encode("utf-8")
    review = admin_client.post(UPLOAD_URL, {"files": [SimpleUploadedFile("statement.txt", text)]})
    assert '<li class="warning">1 stray control character (NUL) removed from the text</li>' in review.content.decode()


def test_agency_sign_offs_contacts_and_lone_email_lines_are_furniture():
    text = ("Leaders met by videoconference on 12 November 2020 for the 21st ASEAN-ROK Summit.\n\n"
            "They agreed to keep supply chains open through the pandemic.\n\n"
            "arete@korea.kr\n\n-- BERNAMA\n\nNext | Monthly exports rise for fourth month\n")
    structure = parse_structure(read_document(text.encode(), "report.txt", 10 ** 6))
    texts = [paragraph.text for paragraph in structure.paragraphs]
    assert texts == ["Leaders met by videoconference on 12 November 2020 for the 21st ASEAN-ROK Summit.",
                     "They agreed to keep supply chains open through the pandemic."]


def test_a_web_pages_byline_is_read():
    html = ("<html><head><title>Summit report</title></head><body><article><h1>Leaders meet in Jakarta</h1>"
            "<div class='byline'>By Ruth Abbey Gita-Carlos</div>"
            "<p>President Marcos joined the 24th ASEAN-Republic of Korea Summit in Jakarta on Wednesday with the other "
            "leaders of the region, who discussed trade, the digital economy and maritime cooperation at length.</p>"
            "</article></body></html>")
    assert "Gita-Carlos" in read_document(html.encode(), "report.html", 10 ** 6).byline


def test_a_boards_subject_line_left_out_by_the_extractor_is_the_pages_heading():
    html = ("<html><head><title>News | Centre</title></head><body><div class='sub-title'>News &amp; Media &gt; News</div>"
            "<section><h3 class='subject'>Centre hosts events for the ASEAN-Korea Commemorative Summit</h3>"
            "<ul class='info'><li>Posted: November 28th, 2019</li><li>Hits 2,310</li></ul><div class='cont'>"
            "<p>Leaders of the ten ASEAN Member States and President Moon Jae-in met in Busan on 26 November for the "
            "ASEAN-Korea Commemorative Summit, which marked thirty years of dialogue relations between them.</p>"
            "</div></section></body></html>")
    blocks = read_document(html.encode(), "news.html", 10 ** 6).blocks
    assert blocks[0].text == "Centre hosts events for the ASEAN-Korea Commemorative Summit"
    assert blocks[0].kind == "heading"
