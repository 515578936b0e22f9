""""Did you mean": words of the index, as printed (folded), for the plain words of a query it does not know.

Only plain words are corrected: phrases, field:value terms, operators and wildcards are kept as the
user wrote them. Suggestions are never stems (`~unclos`) or pair terms (`^h.e_new`), and share the
unknown word's first letter: a search through the whole vocabulary (a million terms at 200,000
paragraphs) takes seconds per word, so only the first few unknown words are corrected.
"""

from whoosh.support.levenshtein import damerau_levenshtein

from .analysis import is_word_term
from .language import plain_words

MAX_CORRECTED_WORDS = 3
MAX_EDITS = 2


def closest_word(reader, fieldname, word):
    """The word of the index nearest to `word` (fewest edits, then most paragraphs), or None."""
    candidates = [term for term in reader.terms_within(fieldname, word, MAX_EDITS, prefix=1)
                  if is_word_term(term) and term.isalpha() and term != word]
    if not candidates:
        return None
    return min(candidates, key=lambda term: (damerau_levenshtein(term, word), -reader.doc_frequency(fieldname, term), term))


def cased_like(word, model):
    if model.isupper() and len(model) > 1:
        return word.upper()
    return word[:1].upper() + word[1:] if model[:1].isupper() else word


def suggestion(query, reader, fieldname, analyzer):
    """The query with its unknown plain words corrected, or None when there is nothing to correct."""
    out, position, attempts = [], 0, 0
    for start, end, word in plain_words(query):
        folded = [token.text for token in analyzer(word)]
        if len(folded) != 1 or reader.doc_frequency(fieldname, folded[0]):
            continue
        if attempts == MAX_CORRECTED_WORDS:
            break
        attempts += 1
        better = closest_word(reader, fieldname, folded[0])
        if better:
            out += [query[position:start], cased_like(better, word)]
            position = end
    return "".join(out) + query[position:] if out else None
