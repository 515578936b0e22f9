"""The index stems with Snowball's English stemmer in C (PyStemmer) for speed; its stems must stay those of
Whoosh's own porter2, which indexes made before it used. Later Snowball releases changed some English stems
(`added`, `organization`, `international`), so a PyStemmer upgrade would fail here."""

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from whoosh.lang.porter2 import stem as whoosh_porter2_stem

from archive.search.engine.analysis import WORD_PATTERN, exact_analyzer, stem

ROOT = Path(__file__).resolve().parent.parent
TEXT_SUFFIXES = {".txt", ".html", ".json", ".md"}
# Words porter2 treats as exceptions or edge cases, and words on which Snowball releases disagree.
AWKWARD_WORDS = """
added adding organization organizations organisation international internationally emergencies emergency
universal universally universe biologist ecologist sociologist generate generous general communism communities
commune arsenal arsenic skis skies dying lying tying idly gently ugly early only singly sky news howe atlas cosmos
bias andes inning innings outing outings canning cannings herring herrings earring earrings proceed proceeding
exceed exceeding succeed succeeding consign consigned consigning kneel knelt hoping hopping fizzed fizzing
agreed feed feeding bled sing sings singing caresses ponies ties caress cats tied gas this generically
relational conditional rational valenci hesitanci digitizer conformabli radicalli differentli vileli
analogousli vietnamization predication operator feudalism decisiveness hopefulness callousness formaliti
sensitiviti sensibiliti triplicate formative formalize electriciti electrical hopeful goodness revival
allowance inference airliner gyroscopic adjustable defensible irritant replacement adjustment dependent
adoption homologou communism activate angulariti homologous effective bowdlerize yes yesterday y yy ay
""".split()


def corpus_words():
    """The folded words of every text file the tests, seeds and fixtures hold, of the English in the top-level
    modules of Python's standard library (tens of thousands of words), and the awkward ones above."""
    words = set(AWKWARD_WORDS)
    fold = exact_analyzer()
    paths = [path for folder in ("tests/data", "seeds", "fixtures") for path in (ROOT / folder).rglob("*")
             if path.suffix in TEXT_SUFFIXES and path.is_file()]
    paths += Path(os.__file__).parent.glob("*.py")
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        words.update(token.text for token in fold(" ".join(WORD_PATTERN.findall(text))))
    return sorted(words)


def test_the_stemmer_gives_whoosh_s_porter2_stems():
    words = corpus_words()
    assert len(words) > 10_000
    differing = [(word, stem(word), whoosh_porter2_stem(word)) for word in words
                 if stem(word) != whoosh_porter2_stem(word)]
    assert differing == []
    assert stem("cooperation") == "cooper" and stem("added") == "ad"


def test_threads_stemming_at_once_get_the_same_stems():
    words = corpus_words()[:5000]
    expected = [whoosh_porter2_stem(word) for word in words]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: [stem(word) for word in words], range(8)))
    assert all(result == expected for result in results)
