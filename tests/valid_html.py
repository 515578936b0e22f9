"""Whether a page's HTML is valid, checked offline: html5lib's parser reports every parse error the HTML
standard defines (stray or misnested tags, bad attributes, a missing doctype), and ids are checked to be unique."""

from collections import Counter

import html5lib


def html_problems(text):
    """The page's parse errors and repeated ids, as readable lines (none for valid HTML)."""
    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=False)
    tree = parser.parse(text)
    lines = text.splitlines()
    problems = []
    for (line, column), code, details in parser.errors:
        source = lines[line - 1][max(column - 60, 0):column + 20] if 0 < line <= len(lines) else ""
        problems.append(f"line {line}, column {column}: {code} {details or ''} near {source!r}")
    ids = Counter(element.get("id") for element in tree.iter() if element.get("id") is not None)
    problems += [f"id {name!r} used {count} times" for name, count in ids.items() if count > 1]
    return problems
