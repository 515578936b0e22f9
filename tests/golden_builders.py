"""Builders for the binary golden-file inputs in tests/data/ingest/.

PDF and DOCX inputs are not stored in the repository; each is written on demand by a function here.
`BUILDERS` maps the input's file name (e.g. "multipage.pdf") to a function taking the path to write;
the expected result is tests/data/ingest/<stem>.expected.json, as for the stored text inputs.

    from tests.golden_builders import BUILDERS
    path = tmp_path / name
    BUILDERS[name](path)

Needs fpdf2 (PDF; Pillow comes with it) and python-docx (DOCX). The PDF texts use curly quotes, so
the PDF builders print with the DejaVu Sans TTF (Debian's fonts-dejavu-core) and say so if it is missing.
"""

import datetime
import zipfile
from pathlib import Path

DEJAVU_CANDIDATES = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
]
FIXED_DATE = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


def _dejavu():
    font = next((path for path in DEJAVU_CANDIDATES if path.exists()), None)
    if font is None:
        # The expected texts contain curly quotes, which fpdf2's core (latin-1) fonts cannot print.
        raise RuntimeError("DejaVuSans.ttf not found; install Debian's fonts-dejavu-core to build the PDF inputs")
    return font


def _set_font(pdf, size):
    if "dejavu" not in pdf.fonts:
        pdf.add_font("DejaVu", fname=str(_dejavu()))
    pdf.set_font("DejaVu", size=size)


# ---------------------------------------------------------------------------------------------
# multipage.pdf: three pages, a running header (the title line at the top of every page),
# "Page N of M" footers, a sentence split across the page break between pages 1 and 2,
# and "imple-" / "mentation" hyphenated at a line end on page 2.

MULTIPAGE_TITLE = "Chairman’s Statement of the 20th ASEAN-ROK Summit"
# Each page: a list of paragraphs, each a list of printed lines (already wrapped, as laid out).
MULTIPAGE_PAGES = [
    [
        ["4 November 2019"],
        [
            "1. The 20th ASEAN-Republic of Korea (ROK) Summit was held in",
            "Bangkok, Thailand on 4 November 2019. The Summit was",
            "chaired by the Prime Minister of the Kingdom of Thailand and",
            "attended by the Heads of State/Government of ASEAN Member",
            "States and the President of the ROK.",
        ],
        [
            "2. We noted with satisfaction the development of ASEAN-ROK",
            "relations over the past thirty years and welcomed the ROK’s New",
            "Southern Policy, which places ASEAN at the centre of the ROK’s",
            "external relations.",
        ],
        [
            "3. We looked forward to the ASEAN-ROK Commemorative",
            "Summit to be held in Busan on 26 November 2019 to celebrate",
            "the 30th anniversary of dialogue relations, and to the adoption",
        ],
    ],
    [
        [
            "there of a joint vision statement to guide our partnership in the",
            "decade ahead.",
        ],
        [
            "4. We welcomed the significant progress achieved in the imple-",
            "mentation of the ASEAN-ROK Plan of Action (2016-2020) and",
            "agreed to strengthen cooperation in trade and investment,",
            "connectivity, smart cities and the Fourth Industrial Revolution.",
        ],
        [
            "5. We welcomed the outcomes of the 35th ASEAN Summit held",
            "on 3 November 2019 and of the 3rd RCEP Summit held on 4",
            "November 2019, and looked forward to the signing of the",
            "Regional Comprehensive Economic Partnership (RCEP)",
            "Agreement in 2020.",
        ],
    ],
    [
        [
            "6. We reaffirmed the importance of maintaining peace, security",
            "and stability on the Korean Peninsula and in the South China",
            "Sea, and of the peaceful resolution of disputes in accordance",
            "with international law.",
        ],
    ],
]


def build_multipage_pdf(path):
    from fpdf import FPDF

    class StatementPDF(FPDF):
        def header(self):
            _set_font(self, 9)
            self.set_y(10)
            self.cell(0, 5, MULTIPAGE_TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
            self.line(self.l_margin, 16, self.w - self.r_margin, 16)
            self.set_y(22)

        def footer(self):
            _set_font(self, 9)
            self.set_y(-14)
            self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")

    pdf = StatementPDF(format=(148, 210))  # A5
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_margins(16, 22, 16)
    pdf.set_auto_page_break(False)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for page in MULTIPAGE_PAGES:
        pdf.add_page()
        for paragraph in page:
            _set_font(pdf, 10)
            for line in paragraph:
                assert pdf.get_string_width(line) <= width, line
                pdf.cell(0, 5.5, line, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3.5)
    pdf.output(str(path))


# ---------------------------------------------------------------------------------------------
# no_text_layer.pdf: a "scanned" page of shapes and a picture only: no text operators, and nothing OCR can read.

def build_no_text_layer_pdf(path):
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    image = Image.new("L", (600, 800), color=245)
    draw = ImageDraw.Draw(image)
    # grey bars where lines of print would be on a scanned page
    for row in range(12):
        top = 120 + row * 48
        draw.rectangle([60, top, 540 - (row % 3) * 60, top + 14], fill=90)
    draw.ellipse([250, 20, 350, 100], outline=40, width=4)

    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.add_page()
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.6)
    pdf.rect(10, 10, 190, 277)
    pdf.line(10, 40, 200, 40)
    pdf.image(image, x=20, y=50, w=170)
    pdf.output(str(path))


# ---------------------------------------------------------------------------------------------
# scanned.pdf: a statement printed onto a 300-dpi page image (as a scanner makes it) and put in a PDF
# with no text layer: it is read by OCR.

SCANNED_TITLE = "Chairman’s Statement of the 19th ASEAN-Republic of Korea Summit"
SCANNED_BODY = [
    "Manila, 13 November 2017",
    "1. The 19th ASEAN-Republic of Korea (ROK) Summit was held in Manila, the Philippines on 13 November "
    "2017. The Summit was chaired by the President of the Republic of the Philippines.",
    "2. We welcomed the ROK’s New Southern Policy and its commitment to raise ASEAN-ROK relations to "
    "the level of its relations with the major powers.",
    "3. We noted the progress in the implementation of the ASEAN-ROK Plan of Action (2016-2020) and "
    "agreed to strengthen cooperation in trade, connectivity and people-to-people exchanges.",
    "4. We looked forward to the 20th ASEAN-ROK Summit in Singapore in 2018.",
]
SCAN_DPI = 300


def scanned_page(paragraphs, title=None):
    """An A4 page image at SCAN_DPI with the title centred and each paragraph wrapped, as a scanner gives it."""
    from PIL import Image, ImageDraw, ImageFont

    width, height, margin = int(8.27 * SCAN_DPI), int(11.69 * SCAN_DPI), int(SCAN_DPI)
    image = Image.new("L", (width, height), color=255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(_dejavu()), size=SCAN_DPI * 11 // 72)  # 11 pt
    line_height = int(font.size * 1.5)
    y = margin
    if title:
        bold = ImageFont.truetype(str(_dejavu()), size=SCAN_DPI * 13 // 72)
        draw.text(((width - draw.textlength(title, font=bold)) / 2, y), title, font=bold, fill=0)
        y += 2 * line_height
    for paragraph in paragraphs:
        line = ""
        for word in paragraph.split():
            if line and draw.textlength(f"{line} {word}", font=font) > width - 2 * margin:
                draw.text((margin, y), line, font=font, fill=0)
                line, y = word, y + line_height
            else:
                line = f"{line} {word}".strip()
        draw.text((margin, y), line, font=font, fill=0)
        y += 2 * line_height
    return image


def build_scanned_pdf(path):
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.add_page()
    pdf.image(scanned_page(SCANNED_BODY, SCANNED_TITLE), x=0, y=0, w=pdf.w, h=pdf.h)
    pdf.output(str(path))


# ---------------------------------------------------------------------------------------------
# DOCX builders

def _statement_docx(title, date, numbering=False):
    """A new Word document with fixed core properties, then its title (Title style) and date lines."""
    import docx

    document = docx.Document()
    props = document.core_properties
    props.title = title
    props.author = "ASEAN-ROK Archive tests"
    props.created = FIXED_DATE.replace(tzinfo=None)
    props.modified = FIXED_DATE.replace(tzinfo=None)
    props.last_modified_by = "ASEAN-ROK Archive tests"
    props.revision = 1
    if numbering:
        _add_statement_numbering(document)
    document.add_paragraph(title, style="Title")
    document.add_paragraph(date)
    return document


HEADINGS_TITLE = "Joint Declaration on the ASEAN-ROK Comprehensive Strategic Partnership"
# ("heading", text) or ("para", printed text with its number typed in)
HEADINGS_BODY = [
    ("para", "1. We, the Heads of State/Government of the Member States of ASEAN and the Republic of Korea (ROK), "
             "gathered at the 25th ASEAN-ROK Summit held in Vientiane, Lao PDR on 10 October 2024, hereby declare "
             "the establishment of the ASEAN-ROK Comprehensive Strategic Partnership."),
    ("heading", "Political-Security Cooperation"),
    ("para", "2. We will deepen strategic dialogue, including through regular meetings of Leaders and Ministers, and "
             "strengthen cooperation on maritime security, cybersecurity and transnational crime."),
    ("para", "3. We will support the ASEAN Outlook on the Indo-Pacific and the Korea-ASEAN Solidarity Initiative as "
             "mutually reinforcing frameworks."),
    ("heading", "Economic Cooperation"),
    ("para", "4. We will work towards the upgrade of the ASEAN-Korea Free Trade Area and promote cooperation on "
             "supply chains, critical minerals and the digital economy."),
    ("heading", "Socio-Cultural Cooperation"),
    ("para", "5. We will expand people-to-people exchanges, including through scholarships, youth exchanges and "
             "cultural cooperation."),
    ("para", "6. We task our Ministers to develop a new ASEAN-ROK Plan of Action for the period 2026-2030 and to "
             "report on its progress to the 26th ASEAN-ROK Summit."),
]


def build_headings_docx(path):
    """Title-styled title, a date paragraph, Heading 2 section headings, numbers typed as text."""
    document = _statement_docx(HEADINGS_TITLE, "10 October 2024")
    for kind, text in HEADINGS_BODY:
        if kind == "heading":
            document.add_heading(text, level=2)
        else:
            document.add_paragraph(text)
    document.save(str(path))


AUTONUMBER_TITLE = "Co-Chairs’ Statement of the 28th ASEAN-ROK Dialogue"
# ("heading", text) or (level, text): level 0 is numbered "1.", "2.", …; level 1 is lettered "(a)", "(b)", …
# by Word's automatic numbering (w:numPr); the numbers are not in the text.
AUTONUMBER_BODY = [
    (0, "The 28th ASEAN-ROK Dialogue was held in Seoul, Republic of Korea on 29 May 2024. The Dialogue was "
        "co-chaired by H.E. Nurul Huda Hashim, Secretary-General of the Ministry of Foreign Affairs of Malaysia, and "
        "H.E. Kang Seung-woo, Deputy Minister for Political Affairs of the Ministry of Foreign Affairs of the "
        "Republic of Korea."),
    ("heading", "Review of ASEAN-ROK Dialogue Relations"),
    (0, "Both sides welcomed the progress in the implementation of the decisions of the 24th ASEAN-ROK Summit held "
        "in Jakarta on 6 September 2023."),
    (0, "Both sides agreed to recommend to the Leaders the following deliverables for the 35th anniversary of "
        "dialogue relations:"),
    (1, "the establishment of the ASEAN-ROK Comprehensive Strategic Partnership;"),
    (1, "an ASEAN-Korea digital innovation flagship programme; and"),
    (1, "an expanded ASEAN-Korea scholarship programme."),
    ("heading", "Regional and International Issues"),
    (0, "Both sides exchanged views on the situation on the Korean Peninsula and reaffirmed their support for ASEAN "
        "Centrality."),
    (0, "Both sides agreed that the 29th ASEAN-ROK Dialogue will be held in an ASEAN Member State."),
]
AUTONUMBER_ABSTRACT_ID = "90"
AUTONUMBER_NUM_ID = "90"


def _add_statement_numbering(document):
    """A two-level list definition ("1." then "(a)") in numbering.xml, and a w:num pointing at it."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn

    numbering = document.part.numbering_part.element
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{AUTONUMBER_ABSTRACT_ID}">'
        '<w:nsid w:val="5A3C0E11"/>'
        '<w:multiLevelType w:val="multilevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/>'
        '<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="567" w:hanging="567"/></w:pPr></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="(%2)"/>'
        '<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="1134" w:hanging="567"/></w:pPr></w:lvl>'
        '</w:abstractNum>'
    )
    num = parse_xml(
        f'<w:num {nsdecls("w")} w:numId="{AUTONUMBER_NUM_ID}">'
        f'<w:abstractNumId w:val="{AUTONUMBER_ABSTRACT_ID}"/></w:num>'
    )
    # The schema wants every w:abstractNum before the first w:num.
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(num)


def _number_paragraph(paragraph, level):
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    p_pr = paragraph._p.get_or_add_pPr()
    num_pr = parse_xml(
        f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="{AUTONUMBER_NUM_ID}"/></w:numPr>'
    )
    # w:numPr comes right after w:pStyle (if any) and w:keepNext/w:keepLines/w:pageBreakBefore/…;
    # with only a style present, directly after it is valid.
    style = p_pr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}pStyle")
    if style is not None:
        style.addnext(num_pr)
    else:
        p_pr.insert(0, num_pr)


def build_autonumber_docx(path):
    """Numbered paragraphs whose numbers come from Word's automatic numbering (w:numPr), not the text."""
    document = _statement_docx(AUTONUMBER_TITLE, "30 May 2024", numbering=True)
    for kind, text in AUTONUMBER_BODY:
        if kind == "heading":
            document.add_heading(text, level=2)
        else:
            paragraph = document.add_paragraph(text, style="List Paragraph")
            _number_paragraph(paragraph, kind)
    document.save(str(path))


# ---------------------------------------------------------------------------------------------
# zip_bomb.docx: a well-formed .docx package whose word/document.xml inflates to 300 MiB of
# repeated bytes, stored in a few hundred KB with DEFLATE.

ZIP_BOMB_INFLATED_BYTES = 300 * 1024 * 1024

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '</Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/>'
    '</Relationships>'
)


def build_zip_bomb_docx(path):
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        '<w:p><w:r><w:t>Chairman\'s Statement of the 22nd ASEAN-ROK Summit</w:t></w:r></w:p>'
        '<w:p><w:r><w:t>1. The 22nd ASEAN-ROK Summit was held via videoconference on 26 October 2021.</w:t></w:r></w:p>'
        '<w:p><w:r><w:t>'
    ).encode()
    tail = b"</w:t></w:r></w:p></w:body></w:document>"
    chunk = b"A" * (1024 * 1024)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(zipfile.ZipInfo("[Content_Types].xml", (2024, 1, 1, 0, 0, 0)), _CONTENT_TYPES,
                         compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(zipfile.ZipInfo("_rels/.rels", (2024, 1, 1, 0, 0, 0)), _RELS,
                         compress_type=zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo("word/document.xml", (2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w") as member:
            member.write(head)
            remaining = ZIP_BOMB_INFLATED_BYTES - len(head) - len(tail)
            while remaining > 0:
                piece = chunk[: min(len(chunk), remaining)]
                member.write(piece)
                remaining -= len(piece)
            member.write(tail)


BUILDERS = {
    "multipage.pdf": build_multipage_pdf,
    "no_text_layer.pdf": build_no_text_layer_pdf,
    "scanned.pdf": build_scanned_pdf,
    "headings.docx": build_headings_docx,
    "autonumber.docx": build_autonumber_docx,
    "zip_bomb.docx": build_zip_bomb_docx,
}


def build_all(directory):
    """Write every built input into `directory` (a pathlib.Path or str); returns the paths written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in BUILDERS.items():
        path = directory / name
        build(path)
        written.append(path)
    return written


if __name__ == "__main__":  # python -m tests.golden_builders OUTDIR
    import sys

    for written_path in build_all(sys.argv[1] if len(sys.argv) > 1 else "golden-build"):
        print(written_path, written_path.stat().st_size)
