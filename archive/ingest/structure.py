"""Text to structure: drop web-page furniture, find the header, split numbered paragraphs.

Everything here is pure: strings in, strings out, no database.
"""

import re
from dataclasses import dataclass, field

# Lines that are navigation, never content.
NAVIGATION_LINE = re.compile(r"^(skip to (main )?content|menu|search|home|print|share( this)?)$", re.I)
# The start of a publisher's site tail (about box, menus, sitemap): everything after it goes.
SITE_TAIL_START = re.compile(r"^(?:-\s*)?(?i:about asean|menu\s*-|sitemap$)|^-\s+[A-Z]{2,}(?: [A-Z&/]+)+$")
# "Tài liệu đính kèm: x.pdf" (Vietnamese), "Attachment: x.pdf"
ATTACHMENT_LINE = re.compile(
    r"^(?:tài liệu đính kèm|attachments?|download)\s*:\s*(?P<name>\S.*\.(?:pdf|docx?|txt|html?))\s*$", re.I
)
CONTACT_LINE = re.compile(r"^(address|tel|telephone|phone|mobile|fax|e-?mail|website)\s*[:.]", re.I)
NUMBERED_START = re.compile(r"^(?P<number>\d{1,3})\.\s+(?P<text>\S.*)$", re.S)
SENTENCE_END = re.compile(r"[.!?;:)\]\"”’]$")
# Lines that are long on average were written one paragraph per line, not hard-wrapped.
ONE_PARAGRAPH_PER_LINE_MIN_LENGTH = 150
TITLE_MAX_LENGTH = 250


@dataclass
class Structure:
    header: list[str] = field(default_factory=list)
    paragraphs: list[tuple[str, str]] = field(default_factory=list)  # (printed number or "", text)
    attachment_name: str = ""
    removed: list[str] = field(default_factory=list)


def normalise_spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def strip_furniture(lines: list[str], removed: list[str]) -> tuple[list[str], str]:
    """Remove navigation, the site tail and contact footers; return kept lines and any attachment name."""
    attachment = ""
    kept = []
    seen_content = False
    for position, line in enumerate(lines):
        stripped = line.strip()
        if seen_content and SITE_TAIL_START.match(stripped):
            removed.extend(lines[position:])
            break
        if NAVIGATION_LINE.match(stripped):
            removed.append(line)
            continue
        match = ATTACHMENT_LINE.match(stripped)
        if match:
            attachment = match["name"].strip()
            continue
        if stripped and not SITE_TAIL_START.match(stripped):
            seen_content = True
        kept.append(line)
    return drop_contact_blocks(kept, removed), attachment


def drop_contact_blocks(lines: list[str], removed: list[str]) -> list[str]:
    """Drop address/phone/fax lines and the short lines (publisher's name) just above them."""
    drop = set()
    for i, line in enumerate(lines):
        if CONTACT_LINE.match(line.strip()):
            drop.add(i)
            j = i - 1
            while j >= 0 and lines[j].strip() and len(lines[j]) < 120 and not SENTENCE_END.search(lines[j].strip()):
                drop.add(j)
                j -= 1
    removed.extend(lines[i] for i in sorted(drop))
    return [line for i, line in enumerate(lines) if i not in drop]


def split_blocks(lines: list[str]) -> list[str]:
    """Blocks of text: one per line for unwrapped text, else runs of lines between blank lines."""
    non_empty = [line.strip() for line in lines if line.strip()]
    if not non_empty:
        return []
    average = sum(map(len, non_empty)) / len(non_empty)
    if average >= ONE_PARAGRAPH_PER_LINE_MIN_LENGTH:
        return [normalise_spaces(line) for line in non_empty]
    blocks, current = [], []
    for line in lines:
        if line.strip():
            # A numbered line always starts a new block, even without a blank line before it.
            if current and NUMBERED_START.match(line.strip()):
                blocks.append(normalise_spaces(" ".join(current)))
                current = []
            current.append(line.strip())
        elif current:
            blocks.append(normalise_spaces(" ".join(current)))
            current = []
    if current:
        blocks.append(normalise_spaces(" ".join(current)))
    return blocks


def is_continuation(previous: str, block: str) -> bool:
    """A block cut off from the previous one by a page break: it ends mid-sentence or this starts lower-case."""
    return not SENTENCE_END.search(previous) or block[0].islower()


def join_broken(previous: str, block: str) -> str:
    return f"{previous.rstrip()} {block.lstrip()}"


def parse_structure(text: str) -> Structure:
    removed: list[str] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines, attachment = strip_furniture(lines, removed)
    blocks = split_blocks(lines)
    structure = Structure(attachment_name=attachment, removed=removed)

    numbered = [NUMBERED_START.match(b) for b in blocks]
    first_numbered = next((i for i, m in enumerate(numbered) if m and m["number"] == "1"), None)
    if first_numbered is not None:
        structure.header = blocks[:first_numbered]
        body = blocks[first_numbered:]
    else:
        header_length = 0
        while header_length < len(blocks) and is_header_line(blocks[header_length]):
            header_length += 1
        structure.header = blocks[:header_length]
        body = blocks[header_length:]

    expected = 1
    for block in body:
        match = NUMBERED_START.match(block)
        if match and int(match["number"]) in (expected, 1):
            structure.paragraphs.append((match["number"], match["text"].strip()))
            expected = int(match["number"]) + 1
        elif structure.paragraphs and is_continuation(structure.paragraphs[-1][1], block):
            number, previous = structure.paragraphs[-1]
            structure.paragraphs[-1] = (number, join_broken(previous, block))
        else:
            structure.paragraphs.append(("", block))
    return structure


def is_header_line(block: str) -> bool:
    """A short line without a final full stop: a title, a date line, a heading."""
    return len(block) <= TITLE_MAX_LENGTH and not block.endswith(".")
