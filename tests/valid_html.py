"""Whether a page's HTML is valid, checked offline: html5lib's parser reports every parse error the HTML
standard defines (stray or misnested tags, duplicate attributes, a missing doctype); on the tree it builds,
ids are checked to be unique, every id a label or ARIA attribute points to to exist, lists to hold list items
and no link or button to hold another control. The content rules checked are the ones pages break in practice,
not the whole standard."""

from collections import Counter

import html5lib

# The children the standard allows a list element (scripts and templates aside).
ALLOWED_CHILDREN = {"ul": {"li"}, "ol": {"li"}, "menu": {"li"}, "dl": {"dt", "dd", "div"}}
SCRIPT_SUPPORTING = {"script", "template"}
# Attributes whose value names one or more ids of the same page.
ID_REFERENCES = ("for", "aria-labelledby", "aria-describedby", "aria-controls", "aria-owns", "headers", "list")
INTERACTIVE = {"a", "button", "select", "textarea", "details", "iframe"}


def is_interactive(element):
    if element.tag == "input":
        return element.get("type") != "hidden"
    return element.tag in INTERACTIVE and (element.tag != "a" or element.get("href") is not None)


def content_problems(tree):
    problems = []
    ids = Counter(element.get("id") for element in tree.iter() if element.get("id") is not None)
    problems += [f"id {name!r} used {count} times" for name, count in ids.items() if count > 1]
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue  # a comment
        allowed = ALLOWED_CHILDREN.get(element.tag)
        if allowed:
            problems += [f"<{child.tag}> inside <{element.tag}>" for child in element
                         if isinstance(child.tag, str) and child.tag not in allowed | SCRIPT_SUPPORTING]
        for name in ID_REFERENCES:
            problems += [f"{name}={ref!r} on <{element.tag}> names no id of the page"
                         for ref in (element.get(name) or "").split() if ref not in ids]
        if element.tag in {"a", "button"} and is_interactive(element):
            problems += [f"<{inner.tag}> inside <{element.tag}>" for inner in element.iter()
                         if inner is not element and isinstance(inner.tag, str) and is_interactive(inner)]
    return problems


def html_problems(text):
    """The page's parse errors and broken content rules, as readable lines (none for valid HTML)."""
    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=False)
    tree = parser.parse(text)
    lines = text.splitlines()
    problems = []
    for (line, column), code, details in parser.errors:
        source = lines[line - 1][max(column - 60, 0):column + 20] if 0 < line <= len(lines) else ""
        problems.append(f"line {line}, column {column}: {code} {details or ''} near {source!r}")
    return problems + content_problems(tree)
