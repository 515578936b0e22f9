"""How text becomes index terms: folded words, their stems marked "~", and pair terms of frequent words.

`text` folds case and Latin accents (Hangul and other scripts are left whole) and stems with porter2
(the stock analyzer stems `running` to `runn`). Stop words are kept, so "Plan of Action" stays an
exact phrase.
"""

import hashlib
import re
import threading
from functools import lru_cache
from pathlib import Path

import Stemmer
from whoosh import query as whoosh_query
from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StemFilter
from whoosh.fields import TEXT
from whoosh.formats import Positions
from whoosh.support.charset import accent_map

STEM_MARK = "~"
PAIR_MARK = "^"
WORD_CACHE_SIZE = 200_000

_stemmers = threading.local()  # a Snowball stemmer keeps state between calls: one per thread


def stem(word):
    """A word's porter2 stem, from Snowball's English stemmer in C (PyStemmer, pinned): the stems of Whoosh's own
    pure-Python porter2 (tests/test_stemming.py checks them), about seven times faster. Stemming each distinct
    word was a tenth of a rebuild."""
    try:
        stemmer = _stemmers.english
    except AttributeError:
        stemmer = _stemmers.english = Stemmer.Stemmer("english", 0)  # no cache of its own: see `stem_word`
    return stemmer.stemWord(word)


@lru_cache(maxsize=WORD_CACHE_SIZE)
def stem_word(word):
    return stem(word)


@lru_cache(maxsize=WORD_CACHE_SIZE)
def folded_and_stem(raw):
    """A word as `exact_analyzer` folds it, and its marked stem when the two differ (else None)."""
    word = raw.lower().translate(accent_map)
    stemmed = stem_word(word)
    return word, (STEM_MARK + stemmed if stemmed != word else None)


def read_words(path):
    """The words of a word-list file: one a line, `#` starts a comment."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


class PairTerms:
    """Which adjacent words the index also holds as one term. Words so frequent that a phrase made of
    them would check word positions in most paragraphs (`common`) are paired with each other; the most
    frequent of all (`with_any`) are paired with any neighbour, so a phrase holding one of them never
    reads that word's very long posting list."""

    def __init__(self, common=frozenset(), with_any=frozenset()):
        self.common = frozenset(common)
        self.with_any = frozenset(with_any)

    def pair(self, first, second):
        """The pair term the index holds for two adjacent words, or None."""
        if first in self.with_any or second in self.with_any or (first in self.common and second in self.common):
            return f"{PAIR_MARK}{first}_{second}"
        return None

    def of_phrase(self, words):
        """(pair term, index of its second word) for each adjacent pair of `words` the index holds."""
        pairs = (self.pair(first, second) for first, second in zip(words, words[1:]))
        return [(pair, second) for second, pair in enumerate(pairs, 1) if pair]

    def fingerprint(self):
        return hashlib.sha256(repr((sorted(self.common), sorted(self.with_any))).encode()).hexdigest()


class StemMarkFilter(Filter):
    """Indexes each word as written (folded) and, at the same position, its stem marked with "~"
    when the two differ: `cooperation` -> `cooperation`, `~cooper`. So one field answers both
    exact phrases ("cooperation fund" as written) and stemmed words (`cooperate` finds
    `cooperation` through `~cooper`). Adjacent words may also give a pair term (`PairTerms`).
    Queries are analyzed without the marks, then rewritten."""

    is_morph = True

    def __init__(self, pairs):
        self.pairs = pairs

    def __call__(self, tokens):
        previous = None
        pair_of = self.pairs.pair
        for token in tokens:
            yield token
            if token.mode == "query":
                continue
            word = token.text
            stemmed = stem_word(word)
            if stemmed != word:
                token.text = STEM_MARK + stemmed
                yield token
            pair = pair_of(previous, word) if previous else None
            if pair:
                token.text = pair
                yield token
            token.text = word
            previous = word


def exact_analyzer():
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def text_analyzer(pairs):
    return exact_analyzer() | StemMarkFilter(pairs)


class TextField(TEXT):
    """The text field: indexed with `text_analyzer`'s terms and positions, worked out once per distinct
    word (`folded_and_stem`) rather than by passing a token object through four filters for every word.
    A rebuild spent half its indexing time in that token stream. Queries still use the analyzer."""

    def __init__(self, pairs, **kwargs):
        super().__init__(analyzer=text_analyzer(pairs), **kwargs)
        self.pairs = pairs

    def term_positions(self, value):
        """{term: its positions} of a text: its folded words, their marked stems and its pair terms."""
        positions = {}
        pair_of = self.pairs.pair
        previous = None
        for position, (word, marked_stem) in enumerate(map(folded_and_stem, WORD_PATTERN.findall(value))):
            if word in positions:
                positions[word].append(position)
            else:
                positions[word] = [position]
            if marked_stem:
                if marked_stem in positions:
                    positions[marked_stem].append(position)
                else:
                    positions[marked_stem] = [position]
            if previous:
                pair = pair_of(previous, word)
                if pair:
                    positions.setdefault(pair, []).append(position)
            previous = word
        return positions

    def fast_path(self, value, kwargs=None):
        """Whether `value` is indexed from `term_positions` (else by the analyzer)."""
        return not kwargs and isinstance(value, str) and type(self.format) is Positions

    def index(self, value, **kwargs):
        if not self.fast_path(value, kwargs):
            yield from super().index(value, **kwargs)
            return
        boost = self.format.field_boost
        encode = self.format.encode
        for term, term_positions in self.term_positions(value).items():
            if len(term_positions) == 1:  # most terms of a paragraph: their encoding is looked up
                encoded = one_position(term_positions[0])
            else:
                encoded = encode(term_positions)
            yield term.encode("utf-8"), len(term_positions), float(len(term_positions)) * boost, encoded

    def add_postings(self, postings, docnum, value):
        """What `index` gives, added straight to a bulk writer's postings of this field ({term: [docnum, weight,
        value, docnum, …]}, the terms as text, not yet encoded) as document `docnum`'s; returns how many terms the
        text has and its length in words (0 if the field is not scorable). A rebuild spent a sixth of its time
        making and unpacking `index`'s tuples. Only for a `fast_path` value."""
        boost = self.format.field_boost
        encode = self.format.encode
        one_weight = 1.0 * boost
        length = 0
        positions = self.term_positions(value)
        for term, term_positions in positions.items():
            frequency = len(term_positions)
            length += frequency
            if frequency == 1:
                weight, encoded = one_weight, one_position(term_positions[0])
            else:
                weight, encoded = float(frequency) * boost, encode(term_positions)
            term_postings = postings.get(term)
            if term_postings is None:
                postings[term] = [docnum, weight, encoded]
            else:
                term_postings += (docnum, weight, encoded)
        return len(positions), length if self.scorable else 0


@lru_cache(maxsize=WORD_CACHE_SIZE)
def one_position(position):
    """How the text field's postings encode a term's one position in a text."""
    return Positions().encode([position])


# The words `exact_analyzer` tokenizes: RegexTokenizer's default pattern without its capturing group, so that
# `findall` gives the words themselves.
WORD_PATTERN = re.compile(r"\w+(?:\.?\w+)*")


def stemmed_analyzer():
    return exact_analyzer() | StemFilter(stemfn=stem)


def stem_terms(fieldname, word):
    """Every indexed form of a word that stems like `word`."""
    stemmed = stem_word(word)
    return whoosh_query.Or([whoosh_query.Term(fieldname, stemmed), whoosh_query.Term(fieldname, STEM_MARK + stemmed)])


def is_word_term(term):
    """Whether an index term of the text field is a word as printed (folded), not a stem or a pair."""
    return not term.startswith((STEM_MARK, PAIR_MARK))
