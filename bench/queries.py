"""The query sets: chosen from the generated corpus with a fixed seed.

Every query is a `Query` with the words it is made of; `whoosh` and `fts5` give the same
search in each engine's syntax. All words are lower-case letters only, so both tokenizers
see the same tokens and a phrase never spans punctuation.

Bands (df = number of paragraphs containing the word, N = corpus size):
- terms: frequent df ≥ 5 % of N; rare df ≤ max(3, 0.01 % of N); mid in between;
- two-term AND: both words taken from one real paragraph (so there is at least one hit),
  as frequent+frequent, frequent+mid and mid+rare;
- phrases: 2–4 consecutive words of a real paragraph, banded by their exact phrase count in
  FTS5's unstemmed table: frequent ≥ max(10, 0.5 % of N); rare ≤ max(2, 0.005 % of N); mid in
  between.
"""

import random
import re
from collections import Counter
from dataclasses import dataclass

PER_BAND = 70          # 3 bands -> 210 measured queries of each type
WARMUP_PER_BAND = 2    # chosen the same way, run once before measuring, never measured
STOP = set("""a an and are as at be been by for from has have in into is it its of on or our
the their this that to was we were which with s not also""".split())
LETTERS = re.compile(r"^[A-Za-z]+$")


@dataclass(frozen=True)
class Query:
    type: str      # single | and | phrase
    band: str
    words: tuple

    @property
    def whoosh(self):
        if self.type == "single":
            return self.words[0]
        if self.type == "and":
            return " AND ".join(self.words)
        return '"' + " ".join(self.words) + '"'

    @property
    def fts5_table(self):
        """The site searches quoted phrases in its unstemmed field; FTS5 does the same."""
        return "para_exact" if self.type == "phrase" else "para_fts"

    @property
    def fts5(self):
        if self.type == "and":
            return " AND ".join(f'"{w}"' for w in self.words)
        return '"' + " ".join(self.words) + '"'

    def as_dict(self):
        return {"type": self.type, "band": self.band, "q": self.whoosh}


def term_bands(df, n):
    rare_max = max(3, int(0.0001 * n))
    freq_min = max(rare_max + 1, int(0.05 * n))
    bands = {"frequent": [], "mid": [], "rare": []}
    for word, count in df.items():
        if word in STOP or len(word) < 3:
            continue
        band = "frequent" if count >= freq_min else "rare" if count <= rare_max else "mid"
        bands[band].append(word)
    for words in bands.values():
        words.sort()
    return bands


def sample(rng, items, k):
    """k items without repeats when there are enough, else with repeats."""
    return rng.sample(items, k) if len(items) >= k else [rng.choice(items) for _ in range(k)]


def singles(rng, bands, per_band):
    return [Query("single", band, (word,)) for band in ("frequent", "mid", "rare")
            for word in sample(rng, bands[band], per_band) if bands[band]]


def paragraph_words(text):
    return [w.lower() for w in text.split() if LETTERS.match(w)]


def and_pairs(rng, paragraphs, bands, per_band, max_tries=200_000):
    by_word = {w: band for band, words in bands.items() for w in words}
    wanted = {("frequent", "frequent"): [], ("frequent", "mid"): [], ("mid", "rare"): []}
    seen = set()
    for _ in range(max_tries):
        if all(len(v) >= per_band for v in wanted.values()):
            break
        words = sorted(set(w for w in paragraph_words(rng.choice(paragraphs)[2]) if w in by_word))
        if len(words) < 2:
            continue
        a, b = rng.sample(words, 2)
        key = tuple(sorted((by_word[a], by_word[b]), key=["frequent", "mid", "rare"].index))
        pair = tuple(sorted((a, b)))
        if key in wanted and len(wanted[key]) < per_band and pair not in seen:
            seen.add(pair)
            # frequent word first, as a person would type it
            ordered = (a, b) if ["frequent", "mid", "rare"].index(by_word[a]) <= ["frequent", "mid", "rare"].index(by_word[b]) else (b, a)
            wanted[key].append(Query("and", "+".join(key), ordered))
    return [q for queries in wanted.values() for q in queries]


def phrases(rng, paragraphs, n, phrase_count, per_band, max_tries=50_000):
    """Spans of 2–4 words; `phrase_count(words)` gives the exact count (from FTS5)."""
    freq_min = max(10, int(0.005 * n))
    rare_max = max(2, int(0.00005 * n))
    wanted = {"frequent": [], "mid": [], "rare": []}
    seen = set()
    for tries in range(max_tries):
        if all(len(v) >= per_band for v in wanted.values()):
            break
        tokens = rng.choice(paragraphs)[2].split()
        length = rng.randint(2, 4)
        if len(tokens) < length:
            continue
        start = rng.randrange(len(tokens) - length + 1)
        span = tokens[start:start + length]
        if not all(LETTERS.match(w) for w in span):
            continue
        words = tuple(w.lower() for w in span)
        if words in seen or all(w in STOP for w in words) and len(words) < 3 and tries % 4:
            continue  # keep "of the"-style pairs, but not too many of them
        seen.add(words)
        count = phrase_count(words)
        band = "frequent" if count >= freq_min else "rare" if count <= rare_max else "mid"
        if len(wanted[band]) < per_band:
            wanted[band].append(Query("phrase", band, words))
    return [q for queries in wanted.values() for q in queries]


def choose(corpus, df, phrase_count, seed):
    """(warm-up queries, measured queries); the measured ones shuffled so types interleave.

    The warm-up queries are chosen like the measured ones but never measured, so no measured
    query has been seen by either engine (the site's backend caches match sets per query).
    """
    rng = random.Random(f"queries-{seed}-{corpus.n_paragraphs}")
    per_band = PER_BAND + WARMUP_PER_BAND
    bands = term_bands(df, corpus.n_paragraphs)
    chosen = singles(rng, bands, per_band) + and_pairs(rng, corpus.paragraphs, bands, per_band) + \
        phrases(rng, corpus.paragraphs, corpus.n_paragraphs, phrase_count, per_band)
    warmup, measured, taken = [], [], Counter()
    for q in chosen:
        taken[q.type, q.band] += 1
        (warmup if taken[q.type, q.band] <= WARMUP_PER_BAND else measured).append(q)
    rng.shuffle(measured)
    return warmup, measured
