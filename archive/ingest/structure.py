"""Blocks to structure: drop page furniture, find the header, number the paragraphs.

Everything here is pure: strings in, strings out, no database.
"""

import re
from dataclasses import dataclass, field

from .metadata import find_date, is_date_line
from .readers import PAGE_NUMBER_LINE, Block

# Lines that are navigation or page chrome, never content.
NAVIGATION_LINE = re.compile(
    r"^(skip to (main )?content|menu|search|home|print|share( this( page)?)?|back to top|email|facebook|twitter"
    r"|(share|chia sẻ|공유)\s*[:：]?.*(facebook|twitter|email|kakao|zalo).*"
    r"|(home|trang chủ|홈|ໜ້າຫຼັກ)\s*[>»/|›].*|(facebook|twitter|linkedin|email|print)(\s*[|·]?\s*(facebook|twitter|linkedin|email|print))+)$",
    re.I,
)
HIT_COUNTER = re.compile(r"^((views?|hits?|reads?|visits?|lượt xem|조회수?)\s*[:：]?\s*[\d.,]+|[\d.,]+\s+(views?|hits?|lượt xem))$", re.I)
COPYRIGHT = re.compile(r"^(©|\(c\)\s*(19|20)\d\d|copyright\b)", re.I)
# The start of a publisher's site tail (about box, menus, sitemap): everything after it goes.
# The start of a publisher's site tail (about box, menus, related news, board buttons): everything after it goes.
# The words of the first group start a tail whatever follows them; those of the second stand alone or before
# a colon (or hash tags).
SITE_TAIL_START = re.compile(
    r"^(?:-\s*)?(?i:about asean|menu\s*-|sitemap$)|^[-–—]{1,2}\s*[A-Z]{2,}(?: [A-Z&/]+)*$|^\(?END\)?$|^(?:<<|«)|^[-=_*]{4,}\s*\w"
    r"|^(?i:you may also like|(?:related|more|latest|other|recent|popular|top)\s+(?:articles?|news|stories|posts"
    r"|documents?|items|releases|press releases)|most (?:popular|read|viewed)|첨부\s*파일|인쇄|공유하기|목록|이전글|다음글"
    r"|관련\s*기사|prev\b|print list|are you satisfied|texts are reproduced|please cite|translated by|back to (?:list|top)"
    r"|previous (?:post|article)|next (?:post|article)|rate this(?: article)?|was this (?:page|article) (?:useful|helpful)"
    r"|leave a (?:comment|reply)|(?:previous|next)\s*[|:：]|for (?:further|more) (?:information|details|enquiries)\b"
    r"|\S+ content may be (?:freely )?reproduced)"
    r"|^(?i:keywords?|tags?|태그|share this(?: article)?|comments?|list|print|contact)\b(?:\s*[:：]\s*\S.*|\s+#.*|\s*[:：])?$")
# A paragraph of nothing but rules, stars or bullets: a separator, not text.
NO_TEXT = re.compile(r"^[\W_]*$")
# "Tài liệu đính kèm: x.pdf" (Vietnamese), "Attachment: x.pdf", "첨부파일: x.pdf"
ATTACHMENT_LINE = re.compile(
    r"^(?:tài liệu đính kèm|attachments?|download|첨부\s*파일|첨부)\s*[:：]\s*(?P<name>\S.*\.(?:pdf|docx?|txt|html?|hwp))\s*$",
    re.I,
)
# A line that is only an e-mail address: a reporter's or an office's contact.
EMAIL_ONLY = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")
CONTACT_LINE = re.compile(r"^(address|tel|telephone|phone|mobile|fax|e-?mail|website|địa chỉ|điện thoại)\s*[:.：]", re.I)

TOP_NUMBER = re.compile(r"^(?P<number>\d{1,3})[.)]\s+(?P<text>\S.*)$", re.S)
SUB_NUMBER = re.compile(r"^(?P<number>\d{1,3}(?:\.\d{1,3}){1,3})\.?\s+(?P<text>\S.*)$", re.S)
LETTERED = re.compile(r"^(?:\((?P<paren>[a-z]{1,4})\)|(?P<bare>[a-z]{1,4})\))\s+(?P<text>\S.*)$", re.S)
BULLET = re.compile(r"^(?:[-•°※*▪●◦‣–]|о(?=\s))\s*(?P<text>\S.*)$", re.S)
ROMAN = re.compile(r"^[ivxl]+$")
SENTENCE_END = re.compile(r"[.!?;:)\]\"”’]$")
# Prefixes that keep their hyphen when a line break falls after them ("self-\nreliance").
HYPHEN_PREFIXES = {"self", "non", "co", "cross", "inter", "multi", "post", "pre", "anti", "sub", "well", "long",
                   "short", "high", "low", "mid", "people", "year", "two", "three", "five", "all", "ex"}
ONE_PARAGRAPH_PER_LINE_MIN_LENGTH = 150
HEADING_MAX_WORDS = 14
HARD_WRAP_MAX = 100  # hard-wrapped text has lines no longer than this
PREAMBLE_MIN_WORDS = 8
PROSE_MIN_WORDS = 12  # a line this long is the statement's text, not a menu
CLOSING_LINE_MAX = 90
TRAILING_CHROME_MAX = 100
CLOSING_LINE = re.compile(r"^(?:(?:issued|done|adopted|signed|released)\s+(?:in|at|on)\s+)?[A-Z][\w .'’-]{1,40},\s*"
                          r"(?:[A-Z][\w .'-]{1,30},\s*)?(?:on\s+)?[\w ,.-]{6,30}$", re.I)
SMALL_WORDS = {"a", "an", "and", "the", "of", "on", "in", "for", "to", "with", "at", "by", "or", "between", "from",
               "under", "into", "through", "within", "towards", "toward", "as", "via", "over", "across", "among",
               "against", "upon", "beyond", "after", "before", "during", "its", "their"}


@dataclass
class ParsedParagraph:
    number: str
    text: str
    heading: str = ""


@dataclass
class Structure:
    header: list[str] = field(default_factory=list)
    paragraphs: list[ParsedParagraph] = field(default_factory=list)
    attachment_name: str = ""
    removed: list[str] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)  # closing lines such as "Busan, 12 December 2014"


def normalise_spaces(text: str) -> str:
    text = re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u00ad", "")).strip()
    # "Indo- Pacific", "2016- 2020": a hyphen left hanging by a line break
    return re.sub(r"(?<=\w)- (?=[A-Z0-9])", "-", text)


def is_furniture(text: str) -> bool:
    text = text.strip()
    return bool(NAVIGATION_LINE.match(text) or HIT_COUNTER.match(text) or COPYRIGHT.match(text)
                or PAGE_NUMBER_LINE.match(text) or EMAIL_ONLY.match(text))


def has_latin(text: str) -> bool:
    return bool(re.search(r"[A-Za-z]", text))


def strip_furniture(texts: list[str], removed: list[str]) -> tuple[list[int], str]:
    """Indices of the lines (or blocks) to keep, and the attachment name if one is given."""
    attachment, kept, seen_content, seen_prose = "", [], False, False
    for index, raw in enumerate(texts):
        text = raw.strip()
        # The site's tail comes after the statement's prose; the same words above it are the site's menu.
        if seen_prose and SITE_TAIL_START.match(text):
            removed.extend(t for t in texts[index:] if t.strip())
            break
        match = ATTACHMENT_LINE.match(text)
        if match:
            attachment = match["name"].strip()
            continue
        # Navigation in Korean, Lao or any other script: before the statement starts, or a bar of links.
        if is_furniture(text) or (text and not has_latin(text) and len(text) < 60 and (
                not seen_content or re.search(r"\s[|·]\s", text))):
            removed.append(raw)
            continue
        if text and has_latin(text):
            seen_content = True
            seen_prose = seen_prose or len(text.split()) >= PROSE_MIN_WORDS
        kept.append(index)
    return drop_contact_blocks(texts, kept, removed), attachment


def drop_contact_blocks(texts, kept, removed):
    """Drop address/phone/fax lines and the short lines (the publisher's name) just above them."""
    drop = set()
    for position, index in enumerate(kept):
        if CONTACT_LINE.match(texts[index].strip()):
            drop.add(index)
            j = position - 1
            while j >= 0 and texts[kept[j]].strip() and len(texts[kept[j]]) < 120 \
                    and not SENTENCE_END.search(texts[kept[j]].strip()):
                drop.add(kept[j])
                j -= 1
    removed.extend(texts[i] for i in sorted(drop))
    return [i for i in kept if i not in drop]


def starts_item(line: str) -> bool:
    line = line.strip()
    return bool(TOP_NUMBER.match(line) or SUB_NUMBER.match(line) or LETTERED.match(line) or BULLET.match(line))


def join_lines(first: str, second: str, vocabulary: set) -> str:
    """Join two pieces of one paragraph cut by a line or page break, repairing a split word."""
    first, second = first.rstrip(), second.lstrip()
    split = re.search(r"(\w+)-$", first)
    if split and second[:1].islower():
        start, end = split.group(1).lower(), re.match(r"\w*", second).group().lower()
        if f"{start}-{end}" in vocabulary or (start + end not in vocabulary and start in HYPHEN_PREFIXES):
            return first + second
        return first[:-1] + second
    return f"{first} {second}"


def text_blocks(text: str, removed: list[str]) -> tuple[list[Block], str]:
    """Blocks of a plain text: one per line for unwrapped text, else runs of lines between blank lines."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n").split("\n")
    kept, attachment = strip_furniture(lines, removed)
    kept_set = set(kept)
    lines = [line if i in kept_set else None for i, line in enumerate(lines)]
    vocabulary = set(re.findall(r"\w+(?:-\w+)*", text.lower()))
    non_empty = [line.strip() for line in lines if line and line.strip()]
    if not non_empty:
        return [], attachment
    if sum(map(len, non_empty)) / len(non_empty) >= ONE_PARAGRAPH_PER_LINE_MIN_LENGTH:
        return [Block(normalise_spaces(line)) for line in non_empty], attachment
    # Lines of a hard-wrapped paragraph fill the width; a line much shorter than that ends its block.
    lengths = sorted(map(len, non_empty))
    wrap_width = lengths[int(len(lengths) * 0.9)]
    blocks, current, previous = [], "", ""
    for line in lines:
        if line is None:  # a removed line does not separate paragraphs
            continue
        line = line.strip()
        # A line much shorter than the wrap width ends its paragraph, and so does a sentence at the end of a
        # line too long to be hard-wrapped (text saved with one paragraph per line).
        short_before = previous and (len(previous) < wrap_width * 0.6 and not previous.endswith("-") or (
            len(previous) > HARD_WRAP_MAX and SENTENCE_END.search(previous)))
        if not line or starts_item(line) or short_before:
            if current:
                blocks.append(Block(normalise_spaces(current)))
            current = line
        else:
            current = join_lines(current, line, vocabulary) if current else line
        previous = line
    if current:
        blocks.append(Block(normalise_spaces(current)))
    return blocks, attachment


def is_heading_like(text: str) -> bool:
    """A section heading: short, no final punctuation, words capitalised (or all capitals)."""
    words = text.split()
    if not words or len(words) > HEADING_MAX_WORDS or len(text) > 120 or re.search(r"[.;:,]$", text):
        return False
    if not text[0].isupper() or not re.search(r"[A-Za-z]{3}", text):
        return False
    capitalised = [w for w in words if w[0].isupper() or not w[0].isalpha()]
    return text.isupper() or all(w in capitalised or w.lower() in SMALL_WORDS for w in words)


def is_continuation(previous: str, text: str) -> bool:
    """A block cut from the previous one by a page break: that one ends mid-sentence or this starts lower-case."""
    return not SENTENCE_END.search(previous) or text[0].islower()


class Numbering:
    """Tracks printed numbers: 1., 1.1, (a) under 1, (i) under 1(a); restarts at 1 are allowed."""

    def __init__(self):
        self.expected = 1
        self.top = ""
        self.section = 0  # the first part of the last "1" or "1.1" number
        self.numbered = ""  # the last "1" or "1.1" paragraph, parent of lettered items
        self.letter_item = ""  # the last "(a)" item, parent of roman items
        self.last_letter = ""

    def classify(self, text):
        """(number, text without its marker) for an item start, or None for plain text."""
        match = TOP_NUMBER.match(text)
        if match:
            number = int(match["number"])
            if number == self.expected or number == 1 or (self.expected > 1 and number == self.expected + 1):
                self.expected, self.top, self.section = number + 1, str(number), number
                self.numbered, self.letter_item, self.last_letter = self.top, "", ""
                return self.top, match["text"]
        match = SUB_NUMBER.match(text)
        if match:
            # "2.1" under paragraph (or numbered heading) 2, or opening section 2 when the section numbers
            # are printed only in the headings.
            section = int(match["number"].split(".")[0])
            if section in (self.section, self.section + 1) or (not self.section and section == 1):
                self.section, self.top = section, str(section)
                self.numbered, self.letter_item, self.last_letter = match["number"], "", ""
                return match["number"], match["text"]
        match = LETTERED.match(text)
        if match and self.numbered:
            mark = match["paren"] or match["bare"]
            is_next_letter = len(mark) == 1 and (
                (not self.last_letter and mark == "a") or (self.last_letter and ord(mark) == ord(self.last_letter) + 1))
            if is_next_letter:
                self.last_letter = mark
                self.letter_item = f"{self.numbered}({mark})"
                return self.letter_item, match["text"]
            if ROMAN.match(mark):
                parent = self.letter_item or self.numbered
                return f"{parent}({mark})", match["text"]
        match = BULLET.match(text)
        if match:
            return "", match["text"]
        return None


def split_run_on(text: str, next_number: int | str) -> tuple[str, str] | None:
    """"… in Jakarta. 2. We welcomed …", "… forensics; and (c) supporting …": the next paragraph or item
    printed on the same line."""
    marker = rf"{next_number}\.\s+[A-Z“\"]" if isinstance(next_number, int) else rf"\({next_number}\)\s+\w"
    match = re.search(rf"(?:(?<=[.;:”\"])|(?<=[;,]\sand)|(?<=[;,]\sor))\s+(?={marker})", text)
    return (text[:match.start()], text[match.end():]) if match else None


def is_preamble_clause(text: str) -> bool:
    """"WE, the Heads of State …;", "RECALLING …,", "HEREBY DECLARE:": the unnumbered opening of a declaration."""
    return len(text.split()) >= PREAMBLE_MIN_WORDS and bool(re.search(r"[;,:]$", text)) and not starts_item(text)


def find_body_start(blocks: list[Block]) -> int:
    for index, block in enumerate(blocks):
        match = TOP_NUMBER.match(block.text)
        if match and match["number"] == "1":
            preamble = next((i for i, b in enumerate(blocks[:index]) if b.kind != "heading"
                             and is_preamble_clause(b.text)), index)
            return preamble
    index = 0
    while index < len(blocks) and (blocks[index].kind == "heading" or is_header_line(blocks[index].text)):
        index += 1
    return index


def is_header_line(text: str) -> bool:
    """A line of the header: a title, a date line, a reference number (no final full stop, not long)."""
    return len(text) <= 250 and not text.endswith(".") and not starts_item(text)


def parse_structure(reading) -> Structure:
    removed = list(reading.removed)
    if reading.blocks is None:
        blocks, attachment = text_blocks(reading.text, removed)
    else:
        texts = [block.text for block in reading.blocks]
        kept, attachment = strip_furniture(texts, removed)
        blocks = [Block(normalise_spaces(reading.blocks[i].text), reading.blocks[i].kind) for i in kept]
    structure = Structure(attachment_name=attachment, removed=removed)
    vocabulary = set(re.findall(r"\w+(?:-\w+)*", " ".join(block.text for block in blocks).lower()))
    start = find_body_start(blocks)
    structure.header = [block.text for block in blocks[:start]]
    numbering, heading = Numbering(), ""
    queue = list(blocks[start:])
    while queue:
        block = queue.pop(0)
        text = block.text
        previous = structure.paragraphs[-1] if structure.paragraphs else None
        if block.kind == "heading":
            heading = text
            continue
        item = numbering.classify(text)
        if item is not None and item[0] == numbering.top and is_heading_like(item[1]) and queue \
                and queue[0].text.startswith(f"{item[0]}.1"):
            heading = text  # "1. Political and Security Cooperation" over 1.1, 1.2: a numbered heading
            continue
        if item is not None:
            number, text = item
            next_letter = chr(ord(numbering.last_letter) + 1) if numbering.last_letter and number.endswith(")") else ""
            run_on = split_run_on(text, numbering.expected) if number == numbering.top else \
                split_run_on(text, next_letter) if next_letter else None
            if run_on:
                text = run_on[0]
                queue.insert(0, Block(run_on[1], block.kind))
            structure.paragraphs.append(ParsedParagraph(number, text.strip(), heading))
        elif block.kind == "item":
            structure.paragraphs.append(ParsedParagraph("", text, heading))
        elif previous and is_continuation(previous.text, text):
            previous.text = normalise_spaces(join_lines(previous.text, text, vocabulary))
        elif is_heading_like(text) and queue:
            heading = text
        else:
            structure.paragraphs.append(ParsedParagraph("", text, heading))
    numbered = any(paragraph.number for paragraph in structure.paragraphs)

    def chrome_at_end(paragraphs):  # after a numbered text, or under a heading of its own at the very end
        last = paragraphs[-1]
        own_heading = len(paragraphs) > 1 and last.heading and last.heading != paragraphs[-2].heading
        return (numbered or own_heading) and is_trailing_chrome(last)

    while structure.paragraphs and (is_closing_line(structure.paragraphs[-1]) or chrome_at_end(structure.paragraphs)):
        last = structure.paragraphs.pop()
        (structure.footer if is_closing_line(last) else structure.removed).insert(0, last.text)
    return structure


def is_trailing_chrome(paragraph: ParsedParagraph) -> bool:
    """After a numbered statement, a short unnumbered line that is no sentence (a sidebar's calendar entry,
    a hotline number) is the page's, not the statement's."""
    return not paragraph.number and len(paragraph.text) <= TRAILING_CHROME_MAX and not re.search(
        r"[.!?…\"”]$", paragraph.text.rstrip())


def is_closing_line(paragraph: ParsedParagraph) -> bool:
    """"Busan, 12 December 2014", "Issued on 5 August 2022": where and when a statement was issued, not text."""
    text = paragraph.text.strip().rstrip(".")
    return not paragraph.number and len(text) <= CLOSING_LINE_MAX and (
        is_date_line(text) or bool(CLOSING_LINE.match(text)) and find_date(text) is not None)


def assign_anchors(numbers: list[str]) -> list[str]:
    """Stable, unique ids: p4 for the paragraph printed 4, p3-a for 3(a), p3-1 for the first unnumbered
    paragraph after 3, and the position where the statement prints no numbers at all."""
    if not any(numbers):
        return [f"p{position}" for position in range(1, len(numbers) + 1)]
    anchors, used, last, unnumbered = [], set(), "p0", 0
    for number in numbers:
        if number:
            anchor = last = "p" + re.sub(r"[^0-9A-Za-z.]+", "-", number).strip("-")
            unnumbered = 0
        else:
            unnumbered += 1
            anchor = f"{last}-{unnumbered}"
        candidate, n = anchor, 2
        while candidate in used:  # numbering that restarts (an annex) gets p1-2, p2-2, ...
            candidate, n = f"{anchor}-{n}", n + 1
        used.add(candidate)
        anchors.append(candidate)
    return anchors
