"""Raw bytes to blocks of text: the first step of ingest, one reader per format.

Each reader returns `Block`s (a heading, a list item or a run of text) and the lines it
removed as page furniture. The format is told from the content, not the file name.
"""

import datetime
import html as htmllib
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field

from .errors import IngestError

SUPPORTED_EXTENSIONS = {".txt", ".text", ".html", ".htm", ".pdf", ".docx"}
# A .docx is a zip file; refuse archives that would expand beyond this (zip bombs).
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
TITLE_WORDS = re.compile(r"\b(statement|declaration|plan of action|press release|report|summit|meeting|dialogue)\b", re.I)
OCR_DPI = 300  # pages without a text layer are rendered at this resolution for OCR
PAGE_NUMBER_LINE = re.compile(r"^(page\s+)?\d{1,4}(\s*(/|of)\s*\d{1,4})?$|^-\s*\d{1,4}\s*-$", re.I)
# Control characters that have no place in text (ftfy's fix_text removes these); tabs, line ends and
# form feeds are kept.
STRAY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
CONTROL_NAMES = {"\x00": "NUL", "\x1b": "ESC", "\x7f": "DEL"}


@dataclass
class Block:
    text: str
    kind: str = "text"  # "text", "heading" or "item" (a list item)


@dataclass
class Reading:
    format: str
    blocks: list[Block] | None  # for HTML and Word; None when `text` is still to be split into blocks
    text: str = ""
    removed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # warnings for the admin: what was repaired or may be lost
    ocr: bool = False  # some of the text was read from page images by OCR, which can misread
    page_date: datetime.date | None = None  # the date a web page carries in its markup (its publication date)
    byline: str = ""  # the author a web page names ("By Sarah Kim"): a newspaper's or agency's report


def sniff_format(data: bytes) -> str:
    head = data[:2048].lstrip()
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx"
    lowered = head[:1024].lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in lowered or b"<html" in lowered:
        return "html"
    return "text"


def read_document(data: bytes, filename: str, max_bytes: int) -> Reading:
    """Read any supported statement file; raises IngestError saying why a file cannot be read."""
    if len(data) > max_bytes:
        raise IngestError(f"the file is {len(data):,} bytes, over the limit of {max_bytes:,}")
    if not data.strip():
        raise IngestError("the file is empty")
    kind = sniff_format(data)
    reader = {"pdf": read_pdf, "docx": read_docx, "html": read_html, "text": read_text}[kind]
    return reader(data)


def decode_text(data: bytes) -> tuple[str, list[str]]:
    """Decode text in any common encoding and repair mojibake left by an earlier wrong decoding.

    Returns the text and notes; stray control characters are removed with a note.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="replace")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = decode_legacy(data)
    if sum(not (c.isprintable() or c.isspace()) for c in text) > len(text) * 0.05:
        raise IngestError("the file looks binary, not text")
    notes = []
    stray = Counter(STRAY_CONTROL.findall(text))
    if stray:
        names = ", ".join(CONTROL_NAMES.get(c, f"U+{ord(c):04X}") for c in sorted(stray))
        notes.append(f"{stray.total():,} stray control character{'s' if stray.total() > 1 else ''} ({names}) "
                     "removed from the text")
    # Mojibake ("ROKâ€™s") is repaired, and the stray control characters removed; curly quotes stay as printed.
    # ftfy (with wcwidth) is imported by the first upload a process reads, not by every web worker at startup.
    import ftfy

    return ftfy.fix_text(text, uncurl_quotes=False, normalization="NFC"), notes


def decode_legacy(data: bytes) -> str:
    """Text that is not UTF-8: mostly-English text is taken as Windows-1252, else the detected encoding."""
    if sum(byte < 128 for byte in data) > len(data) * 0.9:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    import charset_normalizer  # as ftfy above: only a process that reads uploads needs it

    match = charset_normalizer.from_bytes(data).best()
    if match is None:
        raise IngestError("the file looks binary, not text")
    return str(match)


def read_text(data: bytes) -> Reading:
    text, notes = decode_text(data)
    return Reading("text", None, text, notes=notes)


def read_html(data: bytes) -> Reading:
    """The main text of a saved web page; menus, share buttons, scripts and footers are left out.

    An element whose content the parser takes as text, left open to the end of the file (an unclosed
    <textarea>, <title>, <script>, ...), would swallow the statement after it: it is read as ending where
    the markup after it begins, with a note, or the note says how much text was lost.
    """
    html, notes = decode_text(data)
    blocks, byline = html_blocks(html)
    unclosed = unclosed_element(html)
    if unclosed:
        tag, start, end = unclosed
        markup = MARKUP.search(html, end)
        if tag == "plaintext":  # it has no end tag: without it, what follows is read as the page it is
            repaired = html[:start] + html[end:]
        elif markup:  # the element ends where the markup after it begins
            repaired = html[:markup.start()] + f"</{tag}>" + html[markup.start():]
        elif tag not in ("script", "style"):  # only text follows it: the element ends at once
            repaired = html[:end] + f"</{tag}>" + html[end:]
        else:  # script or style code up to the end of the file is not text
            repaired = ""
        recovered = html_blocks(repaired)[0] if repaired else []
        kept = {block.text for block in blocks}
        gained = sum(len(block.text) for block in recovered if block.text not in kept)
        if gained:
            blocks = recovered
            notes.append(f"an unclosed <{tag}> would have swallowed {gained:,} characters of text after it; "
                         f"they were read as if the <{tag}> had ended there — check the text")
        elif swallowed := swallowed_text(html, tag, end, blocks):
            notes.append(f"an unclosed <{tag}> swallowed {swallowed:,} characters of text after it; "
                         "they are not in the import — check the original")
    if not blocks:
        raise IngestError("no statement text was found in the web page")
    return Reading("html", blocks, notes=notes, page_date=page_date(html), byline=byline)


# Elements whose content an HTML parser takes as text up to their end tag (<plaintext> has none).
SWALLOWING = re.compile(r"<!--.*?-->|<(textarea|plaintext|title|xmp|noscript|style|script)\b[^>]*>", re.I | re.S)
MARKUP = re.compile(r"<(?:[a-z][a-z0-9]*|/[a-z][a-z0-9]*|!--)[\s/>]", re.I)


def unclosed_element(html: str) -> tuple[str, int, int] | None:
    """(tag, start, end of its opening tag) for the first swallowing element that is never closed."""
    position = 0
    while match := SWALLOWING.search(html, position):
        position = match.end()
        if match[1] is None:  # a comment
            continue
        tag = match[1].lower()
        close = re.compile(rf"</{tag}[\s/>]", re.I).search(html, position)
        if close is None:
            return tag, match.start(), match.end()
        position = close.end()
    return None


def visible(markup: str) -> str:
    return " ".join(htmllib.unescape(re.sub(r"<[^>]*>", " ", markup)).split())


def swallowed_text(html: str, tag: str, end: int, blocks: list[Block]) -> int:
    """Characters of text the parser took as the unclosed element's content, up to the end of the file,
    that are not in `blocks` (what was read)."""
    import lxml.html

    tail = visible(html[end:])[-40:]
    parser = lxml.html.HTMLParser(encoding="utf-8")  # bytes: a string may not carry an XML encoding declaration
    elements = list(lxml.html.fromstring(html.encode("utf-8"), parser=parser).iter(tag))
    content = visible(elements[-1].text or "") if elements and not len(elements[-1]) else ""
    if not tail or not content.endswith(tail) or content in " ".join(block.text for block in blocks):
        return 0
    return len(content)


def html_blocks(html: str) -> tuple[list[Block], str]:
    """The page's text blocks and the author its byline names, if any."""
    import trafilatura
    from lxml import etree

    xml = trafilatura.extract(print_list_numbers(html), output_format="xml", include_comments=False,
                              include_tables=True, include_images=False, include_links=False, favor_recall=True,
                              with_metadata=True)
    if not xml:
        return [], ""
    root = etree.fromstring(xml.encode("utf-8"))
    blocks = []
    def is_layout_row(row):  # a table used to lay out the page: its paragraphs and lists are read one by one
        return any(cell.find(".//p") is not None or cell.find(".//list") is not None for cell in row)

    for element in root.iter("head", "p", "item", "row"):
        parent = element.getparent()
        if element.tag == "p" and parent is not None and (
                parent.tag == "item" or parent.tag == "cell" and not is_layout_row(parent.getparent())):
            continue
        if element.tag == "row" and is_layout_row(element):
            continue
        kind = {"head": "heading", "item": "item"}.get(element.tag, "text")
        # Lines broken with <br> are read as lines; the structure step joins those that continue a sentence.
        for line in line_texts(element) if kind == "text" else [" ".join("".join(element.itertext()).split())]:
            if line:
                blocks.append(Block(line, kind))
    title = root.get("title") or ""
    if title and blocks and not any(title in block.text for block in blocks[:3]):
        blocks.insert(0, Block(title, "heading"))
    subject = dropped_subject(html, blocks)
    if subject:
        blocks.insert(0, Block(subject, "heading"))
    return blocks, root.get("author") or ""


SUBJECT_MIN_WORDS = 4  # a page's heading shorter than this is a section's name ("News"), not a document's title


def dropped_subject(html: str, blocks: list[Block]) -> str:
    """A board's subject line (<h3 class="subject">) the extractor left out with the page chrome, when no heading
    opens the text it kept: the first <h1>-<h3> of the page long enough to be a title."""
    if any(block.kind == "heading" and len(block.text.split()) >= SUBJECT_MIN_WORDS for block in blocks[:3]):
        return ""
    import lxml.html
    from lxml import etree

    try:
        page = lxml.html.fromstring(html.encode("utf-8"))
    except (ValueError, etree.ParserError):  # markup lxml cannot read: nothing more to find
        return ""
    kept = " ".join(block.text for block in blocks)
    for heading in page.iter("h1", "h2", "h3"):
        text = " ".join(heading.text_content().split())
        if len(text.split()) >= SUBJECT_MIN_WORDS:
            return "" if text in kept else text
    return ""


def page_date(html: str) -> datetime.date | None:
    """The publication date a web page states in its markup (meta tags, <time>), as htmldate finds it; a
    date guessed from the page's text (a copyright year, say) is not taken."""
    import htmldate

    found = htmldate.find_date(html, extensive_search=False, original_date=True)
    try:
        return datetime.date.fromisoformat(found) if found else None
    except ValueError:
        return None


def line_texts(element) -> list[str]:
    """The text of an extracted element, split where the page broke the line (<lb/>, at any depth)."""
    parts = []

    def walk(node):
        parts.append("\n" if node.tag == "lb" else node.text or "")
        for child in node:
            walk(child)
            parts.append(child.tail or "")
    walk(element)
    return [" ".join(line.split()) for line in "".join(parts).split("\n")]


# A number standing alone in its own element, printed beside the paragraph it numbers ("1.", "(a)").
NUMBER_ALONE = re.compile(r"^\s*(?:\d{1,3}(?:\.\d{1,3})*[.)]?|\(?[a-z]\)|\(?[ivx]{1,5}\))\s*$")
LIST_MARKERS = {"a": "abcdefghijklmnopqrstuvwxyz", "A": "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def print_list_numbers(html: str) -> str:
    """The page with the numbers a browser would show written into the text: the items of numbered lists
    (<ol>, with `start` and `type`), and numbers set in an element of their own beside their paragraph."""
    import lxml.html

    try:
        root = lxml.html.fromstring(html.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (ValueError, lxml.etree.ParserError):
        return html
    for ordered in root.iter("ol"):
        kind = ordered.get("type") or ("a" if any(parent.tag == "ol" for parent in ordered.iterancestors()) else "1")
        try:
            number = int(ordered.get("start") or 1)
        except ValueError:
            number = 1
        for item in ordered:
            if item.tag != "li":
                continue
            label = f"({LIST_MARKERS[kind][(number - 1) % 26]})" if kind in LIST_MARKERS else \
                f"({roman(number).lower()})" if kind == "i" else f"{number}."
            item.text = f"{label} {item.text or ''}"
            number += 1
    for element in list(root.iter("div", "span", "td", "p", "dt", "strong", "b")):
        following = element.getnext()
        if following is not None and not len(element) and NUMBER_ALONE.match(element.text or "") \
                and (following.text_content() or "").strip():
            target = following
            while len(target) and not (target.text or "").strip() and target[0].tag in ("p", "div", "span"):
                target = target[0]
            target.text = f"{element.text.strip()} {target.text or ''}"
            element.drop_tree()
    return lxml.html.tostring(root, encoding="unicode")


def check_zip(data: bytes):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise IngestError("the file is a damaged zip/Word file") from None
    total = 0
    for info in archive.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > MAX_UNZIPPED_BYTES or (info.file_size > 10 * 1024 * 1024 and ratio > MAX_COMPRESSION_RATIO):
            raise IngestError("the Word file expands to far more than its size (a zip bomb?); refused")
    if "word/document.xml" not in archive.namelist():
        raise IngestError("unsupported file type: a zip file that is not a Word .docx document")


def read_docx(data: bytes) -> Reading:
    import docx

    check_zip(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:
        raise IngestError(f"the Word file cannot be opened ({error.__class__.__name__})") from None
    numbering = WordNumbering(document)
    blocks = []
    for paragraph in document.paragraphs:
        text = " ".join(paragraph.text.split())
        if not text:
            continue
        style = (paragraph.style.name or "").lower() if paragraph.style is not None else ""
        if style.startswith(("heading", "title")):
            blocks.append(Block(text, "heading"))
            continue
        label = numbering.label(paragraph)
        if label:
            text = f"{label} {text}"
        blocks.append(Block(text, "item" if style.startswith("list") and not label else "text"))
    for table in document.tables:
        for row in table.rows:
            cells = [" ".join(cell.text.split()) for cell in row.cells]
            if any(cells):
                blocks.append(Block(" | ".join(dict.fromkeys(c for c in cells if c)), "text"))
    return Reading("docx", blocks)


class WordNumbering:
    """Labels of Word's automatic numbering ("1.", "(a)"), which python-docx does not render."""

    FORMATS = {
        "decimal": str,
        "lowerLetter": lambda n: "abcdefghijklmnopqrstuvwxyz"[(n - 1) % 26],
        "upperLetter": lambda n: "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(n - 1) % 26],
        "lowerRoman": lambda n: roman(n).lower(),
        "upperRoman": lambda n: roman(n),
    }

    def __init__(self, document):
        self.levels = {}
        self.counters = Counter()
        from docx.opc.constants import RELATIONSHIP_TYPE

        try:
            # Asked for directly: python-docx's `numbering_part` would try to create a missing one.
            part = document.part.part_related_by(RELATIONSHIP_TYPE.NUMBERING)
        except KeyError:  # the file defines no numbering
            return
        ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
        root = part.element
        abstract = {}
        for node in root.findall("w:abstractNum", ns):
            levels = {}
            for level in node.findall("w:lvl", ns):
                fmt = level.find("w:numFmt", ns)
                text = level.find("w:lvlText", ns)
                levels[level.get(f"{{{ns['w']}}}ilvl")] = (
                    fmt.get(f"{{{ns['w']}}}val") if fmt is not None else "decimal",
                    text.get(f"{{{ns['w']}}}val") if text is not None else "%1.",
                )
            abstract[node.get(f"{{{ns['w']}}}abstractNumId")] = levels
        for node in root.findall("w:num", ns):
            ref = node.find("w:abstractNumId", ns)
            if ref is not None:
                self.levels[node.get(f"{{{ns['w']}}}numId")] = abstract.get(ref.get(f"{{{ns['w']}}}val"), {})

    @staticmethod
    def numbering_of(paragraph):
        """The paragraph's numbering properties: its own, else its style's (a "List Number" style numbers every
        paragraph of that style), else those of the style it is based on."""
        properties = paragraph._p.pPr
        if properties is not None and properties.numPr is not None:
            return properties.numPr
        style = paragraph.style
        while style is not None:
            style_properties = style.element.pPr
            if style_properties is not None and style_properties.numPr is not None:
                return style_properties.numPr
            style = style.base_style
        return None

    def label(self, paragraph):
        numbering = self.numbering_of(paragraph)
        if numbering is None or numbering.numId is None:
            return ""
        num_id = str(numbering.numId.val)
        level = str(numbering.ilvl.val) if numbering.ilvl is not None else "0"
        fmt, template = self.levels.get(num_id, {}).get(level, ("decimal", "%1."))
        if fmt == "bullet":
            return "•"
        self.counters[(num_id, level)] += 1
        for deeper in [key for key in self.counters if key[0] == num_id and key[1] > level]:
            del self.counters[deeper]
        label = template
        for depth in range(int(level) + 1):
            count = self.counters[(num_id, str(depth))] or 1
            depth_fmt = self.levels.get(num_id, {}).get(str(depth), ("decimal", ""))[0]
            label = label.replace(f"%{depth + 1}", self.FORMATS.get(depth_fmt, str)(count))
        return label.strip()


def roman(number: int) -> str:
    values = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
              (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for value, letters in values:
        while number >= value:
            out, number = out + letters, number - value
    return out


def read_pdf(data: bytes) -> Reading:
    """Text of a PDF, running headers, footers and page numbers removed; pages without a text layer
    (scans) are read with OCR."""
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as error:
        raise IngestError(f"the PDF cannot be opened ({error.__class__.__name__})") from None
    with pdf:
        pages = [page_lines(page) for page in pdf.pages]
    notes, scanned = [], [number for number, page in enumerate(pages) if not page]
    if scanned:
        try:
            for number, lines in zip(scanned, ocr_pages(data, scanned)):
                pages[number] = lines
        except OcrMissing:
            if len(scanned) == len(pages):
                raise IngestError("the PDF has no text layer (a scan?) and OCR is not installed "
                                  "(Debian's tesseract-ocr)") from None
            notes.append(f"{page_list(scanned)} no text layer and OCR is not installed: any text there is not "
                         "in the import — check the original")
        if not any(pages):
            raise IngestError("the PDF has no text layer (a scan?) and OCR found no text in it")
    read_by_ocr = [number for number in scanned if pages[number]]
    if read_by_ocr:
        notes.append(f"{page_list(read_by_ocr)} no text layer: read with OCR, which can misread letters and "
                     "numbers — check the text against the original")
    removed = []
    repeated = running_lines(pages)
    paragraphs_text = []
    for number, page in enumerate(pages):
        kept = []
        for line, gap_before in page:
            # A running header that repeats the title is kept once, where the title stands.
            keep_title = number == 0 and not kept and TITLE_WORDS.search(line)
            if (normalise_running(line) in repeated and not keep_title) or PAGE_NUMBER_LINE.match(line.strip()):
                removed.append(line)
                continue
            if gap_before and kept:
                kept.append("")
            kept.append(line)
        paragraphs_text.append("\n".join(kept))
    # A page break is a blank line: the structure step joins sentences it cut.
    return Reading("pdf", None, "\n\n".join(paragraphs_text), removed, notes, ocr=bool(read_by_ocr))


class OcrMissing(Exception):
    """Tesseract, the OCR program, is not installed."""


def ocr_pages(data: bytes, numbers: list[int]):
    """For each of these pages (0-based), its lines read by OCR, as `page_lines` gives them."""
    import pypdfium2
    import pytesseract

    document = pypdfium2.PdfDocument(data)
    try:
        for number in numbers:
            image = document[number].render(scale=OCR_DPI / 72, grayscale=True).to_pil()
            try:
                text = pytesseract.image_to_string(image, lang="eng")
            except pytesseract.TesseractNotFoundError:
                raise OcrMissing from None
            except pytesseract.TesseractError as error:  # e.g. its English data is missing
                raise IngestError(f"OCR failed on page {number + 1}: {error.message.strip()}") from None
            yield ocr_lines(text)
    finally:
        document.close()


def ocr_lines(text: str):
    """(line, whether a paragraph gap comes before it): tesseract leaves a blank line between paragraphs."""
    lines, gap = [], False
    for line in text.splitlines():
        if line.strip():
            lines.append((line.strip(), gap and bool(lines)))
        gap = not line.strip()
    return lines


def page_list(numbers: list[int]) -> str:
    """ "Page 3 has" or "Pages 1, 2 and 4 have", for 0-based page numbers."""
    printed = [str(number + 1) for number in numbers]
    if len(printed) == 1:
        return f"Page {printed[0]} has"
    return f"Pages {', '.join(printed[:-1])} and {printed[-1]} have"


def page_lines(page):
    """(line text, whether a paragraph gap comes before it) for each line of a page."""
    lines = page.extract_text_lines(layout=False, strip=True, return_chars=False)
    result, previous_bottom, spacings = [], None, []
    for line in lines:
        if previous_bottom is not None:
            spacings.append(line["top"] - previous_bottom)
        previous_bottom = line["bottom"]
    typical = sorted(spacings)[len(spacings) // 2] if spacings else 0
    previous_bottom = None
    for line in lines:
        gap = previous_bottom is not None and line["top"] - previous_bottom > max(typical * 1.8, typical + 4)
        result.append((line["text"], gap))
        previous_bottom = line["bottom"]
    return result


def normalise_running(line: str) -> str:
    return re.sub(r"\d+", "#", line.strip().lower())


def running_lines(pages) -> set:
    """Lines at the top or bottom of most pages: running headers and footers."""
    if len(pages) < 2:
        return set()
    counts = Counter()
    for page in pages:
        edges = [line for line, _ in page[:2] + page[-2:]]
        counts.update({normalise_running(line) for line in edges})
    return {line for line, count in counts.items() if count >= max(2, len(pages) * 0.6)}
