"""An admin's edits of the paragraph split, kept as operations that name the text they apply to.

Pure: a list of ParsedParagraph in, the same list changed. Each operation is found in the paragraphs by
its text, never by position, so it applies again to a new parse of the same original (or to a new version
of the text) wherever the paragraph now is; one whose paragraph is gone is reported.

The operations (dicts, stored in Document.paragraph_corrections):
    {"op": "merge", "text": T, "next": U}     join T with the paragraph after it, which must be U
    {"op": "split", "text": T, "after": W}    split T after the first "W" in it
    {"op": "number", "text": T, "number": N}  set T's printed number ("" clears it)
    {"op": "furniture", "text": T}            remove T: a line of page furniture, not text
    {"op": "heading", "text": T}              T is a heading: removed, and the heading of the paragraphs after it
"""

import difflib
import re

from .structure import ParsedParagraph

# A paragraph this similar (share of its words in the same order) to the text an operation names is that
# paragraph, read again with small differences.
SAME_TEXT = 0.9
# Each operation, with the keys it has besides "op" and "text".
OPERATIONS = {"merge": ("next",), "split": ("after",), "number": ("number",), "furniture": (), "heading": ()}


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def is_correction(value) -> bool:
    """Whether `value` (read back from a form, say) is one of the operations above."""
    return isinstance(value, dict) and value.get("op") in OPERATIONS \
        and value.keys() == {"op", "text", *OPERATIONS[value["op"]]} \
        and all(isinstance(item, str) for item in value.values())


def find_paragraph(paragraphs: list[ParsedParagraph], text: str, start=0) -> int | None:
    """The index of the paragraph with this text (from `start`): the same text, else the most similar one."""
    for index in range(start, len(paragraphs)):
        if paragraphs[index].text == text:
            return index
    wanted, best, best_ratio = words(text), None, SAME_TEXT
    for index in range(start, len(paragraphs)):
        ratio = difflib.SequenceMatcher(None, wanted, words(paragraphs[index].text), autojunk=False).ratio()
        if ratio >= best_ratio:
            best, best_ratio = index, ratio
    return best


def split_point(text: str, after: str) -> int | None:
    """Where `text` splits after the first occurrence of the words `after` (spacing ignored), or None."""
    pattern = r"\s+".join(re.escape(word) for word in after.split())
    match = re.search(pattern, text) if pattern else None
    if match is None or not text[:match.end()].strip() or not text[match.end():].strip():
        return None
    return match.end()


def apply_correction(paragraphs: list[ParsedParagraph], correction: dict) -> bool:
    """Apply one operation in place; False (the paragraphs unchanged) when it no longer applies."""
    index = find_paragraph(paragraphs, correction["text"])
    if index is None:
        return False
    paragraph, op = paragraphs[index], correction["op"]
    if op == "merge":
        if index + 1 >= len(paragraphs) or find_paragraph(paragraphs[index + 1:index + 2], correction["next"]) is None:
            return False
        paragraph.text = f"{paragraph.text} {paragraphs.pop(index + 1).text}"
    elif op == "split":
        point = split_point(paragraph.text, correction["after"])
        if point is None:
            return False
        rest = ParsedParagraph("", paragraph.text[point:].strip(), paragraph.heading)
        paragraph.text = paragraph.text[:point].strip()
        paragraphs.insert(index + 1, rest)
    elif op == "number":
        paragraph.number = correction["number"]
    elif op == "furniture":
        paragraphs.pop(index)
    elif op == "heading":
        paragraphs.pop(index)
        for following in paragraphs[index:]:
            if following.heading != paragraph.heading:
                break
            following.heading = paragraph.text
    return True


def apply_corrections(paragraphs: list[ParsedParagraph], corrections: list[dict]) -> list[dict]:
    """Apply the operations in order; returns those that no longer apply."""
    return [correction for correction in corrections if not apply_correction(paragraphs, correction)]


def describe(correction: dict) -> str:
    """An operation as the admin reads it."""
    text = correction["text"] if len(correction["text"]) <= 60 else correction["text"][:57] + "…"
    return {
        "merge": f"join “{text}” with the paragraph after it",
        "split": f"split “{text}” after “{correction.get('after')}”",
        "number": f"number “{text}” as {correction.get('number')}" if correction.get("number")
        else f"print no number for “{text}”",
        "furniture": f"remove “{text}” as page furniture",
        "heading": f"make “{text}” the heading of the paragraphs after it",
    }[correction["op"]]
