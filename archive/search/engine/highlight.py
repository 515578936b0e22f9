"""Keyword-in-context snippets: marks exactly the words and phrases a query matched.

Whoosh's own highlighter marks every query word anywhere, re-stems with a fixed analyzer
and cannot tell a phrase from its words. This one tokenizes the text once with the index's
own analyzer, marks plain words by their stem and quoted phrases by their exact words in
order, as the index matched them. It gives character spans (offsets); rendering them is the app's.
"""

import sys
from array import array
from dataclasses import dataclass, field
from functools import lru_cache

from whoosh import query as whoosh_query

from .analysis import STEM_MARK

SNIPPET_CHARS = 320
CONTEXT_BEFORE = 90
# Paragraphs whose words one process keeps for highlighting (about a kilobyte each).
ANALYZED_TEXTS = 512


@dataclass
class MatchSpec:
    stems: set = field(default_factory=set)  # mark words with these stems
    words: set = field(default_factory=set)  # mark these exact (folded, unstemmed) words
    phrases: list = field(default_factory=list)  # (exact words as a tuple, slop)

    def __bool__(self):
        return bool(self.stems or self.words or self.phrases)


def match_spec(query, reader, fieldname) -> MatchSpec:
    """What to mark, read from a rewritten query; wildcards are expanded against the index."""
    spec = MatchSpec()
    negated = set()
    for node in iterate(query):
        if isinstance(node, whoosh_query.Not):
            negated.update(id(leaf) for leaf in node.leaves())
    for leaf in query.leaves():
        if id(leaf) in negated or getattr(leaf, "fieldname", None) != fieldname:
            continue
        if isinstance(leaf, whoosh_query.Phrase):
            spec.phrases.append((tuple(leaf.words), leaf.slop))
        elif type(leaf) is whoosh_query.Term:
            if leaf.text.startswith(STEM_MARK):
                spec.stems.add(leaf.text[len(STEM_MARK):])
            else:
                spec.words.add(leaf.text)
        else:  # wildcards, prefixes, fuzzy terms: the words they matched
            for _, text in leaf.existing_terms(reader, expand=True):
                text = text.decode("utf-8") if isinstance(text, bytes) else text
                if not text.startswith(STEM_MARK):
                    spec.words.add(text)
    return spec


def iterate(query):
    yield query
    for child in query.children():
        yield from iterate(child)


class AnalyzedText:
    """A text's words as the exact field reads them: `words[i]` spans characters `spans[2 * i]` to
    `spans[2 * i + 1]`. Kept compact, since a process keeps hundreds: offsets in one array, and each word
    shared with every other text that has it (a tuple of (start, end, word) per word was 15 times the size)."""

    __slots__ = ("spans", "words")

    def __init__(self, tokens):
        self.spans = array("I")
        words = []
        for token in tokens:
            self.spans.extend((token.startchar, token.endchar))
            words.append(sys.intern(token.text))
        self.words = tuple(words)

    def span(self, i):
        return self.spans[2 * i], self.spans[2 * i + 1]


def exact_words(exact_analyzer):
    """text -> its `AnalyzedText`, the last ANALYZED_TEXTS kept: the hits of the searches made most often are
    highlighted again and again."""
    @lru_cache(maxsize=ANALYZED_TEXTS)
    def words_of(text):
        return AnalyzedText(exact_analyzer(text, chars=True, mode="index"))
    return words_of


def matched_spans(text, spec, words_of, stem):
    """Character spans of the words the query matched, in order, neighbouring ones merged; `words_of` is made
    by `exact_words`."""
    analyzed = words_of(text)
    words = analyzed.words
    # Porter2 never changes a word's first letter: only the words sharing one with a stem sought are stemmed.
    # Stemming every word of every highlighted text kept tens of thousands of words in the stem cache.
    initials = {stemmed[:1] for stemmed in spec.stems}
    marked = {i for i, word in enumerate(words)
              if word in spec.words or (word[:1] in initials and stem(word) in spec.stems)}
    for phrase, slop in spec.phrases:
        n = len(phrase)
        for i, word in enumerate(words):
            if word != phrase[0]:
                continue
            if slop <= 1:
                if words[i:i + n] == phrase:
                    marked.update(range(i, i + n))
            else:
                window = words[i:i + n + slop]
                if all(w in window for w in phrase):
                    marked.update(j for j in range(i, min(i + n + slop, len(words))) if words[j] in phrase)
    spans = []
    for i in sorted(marked):
        start, end = analyzed.span(i)
        if spans and text[spans[-1][1]:start] in ("", " ", "-", "’", "'"):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def excerpt(text, spans):
    """(start, end) of an excerpt of about SNIPPET_CHARS around the first matches, cut at spaces."""
    if len(text) <= SNIPPET_CHARS:
        return 0, len(text)
    first = spans[0][0] if spans else 0
    start = max(0, first - CONTEXT_BEFORE)
    if start:
        start = text.find(" ", start) + 1 or start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    return start, end
