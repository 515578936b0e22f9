"""The one place where text from outside is made safe for HTML (bleach)."""

import html
import re

import bleach

# Control characters, lone surrogates and the two non-characters XML 1.0 refuses (so the Atom feed would).
UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# bleach keeps the text inside a removed element; script and style bodies must go whole.
SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?(?:</\1\s*>|\Z)", re.I | re.S)


def sanitize_html(markup: str, tags=frozenset({"mark"})) -> str:
    """HTML with only the given tags left (no attributes); everything else stripped or escaped."""
    return bleach.clean(SCRIPT_OR_STYLE.sub("", markup), tags=set(tags), attributes={}, strip=True)


def plain_text(text: str) -> str:
    """Text with any markup removed, for storing: tags, scripts and styles go. Entities stay as they
    were written: `&lt;b&gt;` is those eight characters, never a tag. Removing a tag can join its
    neighbours into a new one (`<<b>b>`), so this repeats until nothing is left to remove."""
    while True:
        # `&` escaped first, so the only entities `unescape` decodes are those bleach wrote.
        cleaned = html.unescape(sanitize_html(text.replace("&", "&amp;"), tags=()))
        if cleaned == text:
            return cleaned
        text = cleaned


def printable(text: str) -> str:
    """Text with control characters (but tab and line breaks), lone surrogates and non-characters
    replaced by spaces: they mean nothing in a parameter, and XML cannot hold them."""
    return UNPRINTABLE.sub(" ", text)


def marked_html(text: str, spans, start=0, end=None) -> str:
    """The text (or its part start:end, with "…" where it was cut), escaped, with each span (start, end)
    of it in <mark>. Every character of the text is escaped and the only markup is the <mark> written here,
    so no tag of the text can survive: passing the result through bleach as well took a fifth of a
    results page's time and could remove nothing."""
    end = len(text) if end is None else end
    out, position = [], start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        out.append(html.escape(text[position:span_start]))
        out.append(f"<mark>{html.escape(text[span_start:span_end])}</mark>")
        position = span_end
    out.append(html.escape(text[position:end]))
    return ("… " if start else "") + "".join(out) + (" …" if end < len(text) else "")
