"""A seeded, reproducible synthetic archive: meetings, documents and paragraphs.

The text is made of two kinds of pieces, mixed sentence by sentence:
- chunks of 4–12 consecutive words cut from the sentences of the two seed statements in
  `seeds/` (so real collocations such as "Plan of Action" or "South China Sea" recur), and
- runs of words drawn from a Zipf–Mandelbrot distribution over a vocabulary whose head is the
  seed vocabulary (in the order of its frequency in the seeds) and whose long tail is made of
  generated pseudo-words (this machine has no /usr/share/dict/words; if it exists, its
  lower-case words are used for the tail instead).

The constants below are tuned so that "cooperation" is in about a third of the paragraphs
and a word of the tail is in only a handful of them, at every scale.
"""

import datetime as dt
import random
import re
from bisect import bisect
from collections import Counter
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = ROOT / "seeds"
SERIES_FIXTURE = ROOT / "fixtures" / "meeting_series.json"
DICT_WORDS = Path("/usr/share/dict/words")

SEED = 20240917
TAIL_SIZE = 150_000          # pseudo-words after the seed vocabulary
ZIPF_S = 1.0                 # exponent of the Zipf–Mandelbrot law
ZIPF_Q = 30.0                # its offset: flattens the head so "the" is not half the text
CHUNK_SHARE = 0.2            # share of sentence pieces cut from the seed sentences
WORDS_MIN, WORDS_MAX = 60, 100
PARAS_MIN, PARAS_MAX = 5, 40
YEARS = range(1989, 2026)
YEAR_GROWTH = 1.08           # each year 8 % more meetings than the one before

ASEAN_MEMBERS = [  # the chair rotates in this (alphabetical) order, one country a year
    "Brunei Darussalam", "Cambodia", "Indonesia", "Lao PDR", "Malaysia",
    "Myanmar", "Philippines", "Singapore", "Thailand", "Viet Nam",
]
KINDS = {
    "Chairman's Statement": 30, "Press Release": 25, "Joint Statement": 15, "Plan of Action": 8,
    "Joint Declaration": 6, "Co-Chairs' Statement": 6, "Joint Vision Statement": 4, "Report": 6,
}
SERIES_WEIGHTS = {  # by name; series not listed get weight 3
    "ASEAN-ROK Summit": 14, "ASEAN-ROK Foreign Ministers' Meeting": 12, "ASEAN-ROK Dialogue": 10,
    "ASEAN-ROK Joint Cooperation Committee": 10, "AEM-ROK Consultation": 8, "ASEAN Plus Three Summit": 8,
    "ASEAN Summit": 6, "East Asia Summit": 6, "ASEAN-ROK Commemorative Summit": 1,
}
MODES = ["in_person"] * 8 + ["videoconference"] * 2
CITIES = {
    "Brunei Darussalam": "Bandar Seri Begawan", "Cambodia": "Phnom Penh", "Indonesia": "Jakarta",
    "Lao PDR": "Vientiane", "Malaysia": "Kuala Lumpur", "Myanmar": "Nay Pyi Taw", "Philippines": "Manila",
    "Singapore": "Singapore", "Thailand": "Bangkok", "Viet Nam": "Ha Noi",
}
def use_project(project_dir):
    """Read the seeds and the series list from `project_dir` (the frozen copy being benchmarked)."""
    global SEEDS_DIR, SERIES_FIXTURE
    SEEDS_DIR = Path(project_dir) / "seeds"
    SERIES_FIXTURE = Path(project_dir) / "fixtures" / "meeting_series.json"


WORD = re.compile(r"[A-Za-z]+(?:[’'-][A-Za-z]+)*")


@dataclass
class Corpus:
    n_paragraphs: int
    series: list                      # names
    meetings: list                    # dicts: series, ordinal, title, date, chair_country, city, mode
    documents: list                   # dicts: meeting (index), kind, title, published_on
    paragraphs: list = field(default_factory=list)   # (document index, position, text)


# Language


def seed_sentences():
    """Sentences of the statements' bodies (numbered paragraphs and the press release)."""
    sentences = []
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = re.sub(r"^\d+\.\s*", "", line.strip())
            if len(line.split()) < 15 or line.startswith(("Menu", "-")):
                continue
            for sentence in re.split(r"(?<=[.;])\s+(?=[A-Z])", line):
                words = sentence.rstrip(".; ").split()
                if len(words) >= 6:
                    sentences.append(words)
    return sentences


def seed_vocabulary(sentences):
    """Seed words, most frequent first, each in its most common spelling (ASEAN, Korea, the)."""
    forms = Counter(word for words in sentences for raw in words for word in WORD.findall(raw))
    by_lower = {}
    for word, count in forms.most_common():
        by_lower.setdefault(word.lower(), [word, 0])[1] += count
    for lower, entry in by_lower.items():
        if lower in forms:  # the lower-case spelling occurs: use it (`community`, not `Community`)
            entry[0] = lower
    ranked = sorted(by_lower.values(), key=lambda item: (-item[1], item[0]))
    return [word for word, _ in ranked]


def pseudo_words(count, rng, avoid):
    """Pronounceable made-up words (`tavolin`, `krusepa`), all different and not in `avoid`."""
    onsets = "b c d f g h j k l m n p r s t v w z b d k l m n p r s t br dr gr kr pr tr pl st".split()
    vowels = "a e i o u a e i o a".split()
    codas = ["", "", "n", "r", "l", "s", "m", "t", "nd", "st"]
    words, seen = [], set(avoid)
    while len(words) < count:
        syllables = rng.choice((2, 2, 3, 3, 3, 4))
        word = "".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(syllables)) + rng.choice(codas)
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def tail_words(count, rng, avoid):
    if DICT_WORDS.exists():
        words = sorted({w for w in DICT_WORDS.read_text(errors="ignore").split() if w.isalpha() and w.islower()} - set(avoid))
        rng.shuffle(words)
        if len(words) >= count:
            return words[:count]
        return words + pseudo_words(count - len(words), rng, set(avoid) | set(words))
    return pseudo_words(count, rng, avoid)


class Language:
    """Draws sentences: seed chunks and Zipf runs."""

    def __init__(self, rng):
        self.rng = rng
        self.sentences = seed_sentences()
        head = seed_vocabulary(self.sentences)
        self.vocabulary = head + tail_words(TAIL_SIZE, rng, {w.lower() for w in head})
        weights = [1.0 / (rank + ZIPF_Q) ** ZIPF_S for rank in range(1, len(self.vocabulary) + 1)]
        self.cum_weights = list(accumulate(weights))
        self.total = self.cum_weights[-1]

    def zipf_words(self, k):
        rng, cum, total, vocab = self.rng, self.cum_weights, self.total, self.vocabulary
        return [vocab[bisect(cum, rng.random() * total)] for _ in range(k)]

    def chunk(self):
        words = self.rng.choice(self.sentences)
        length = min(len(words), self.rng.randint(4, 12))
        start = self.rng.randint(0, len(words) - length)
        return words[start:start + length]

    def sentence(self):
        words = []
        for _ in range(self.rng.choice((1, 2, 2, 3))):
            words += self.chunk() if self.rng.random() < CHUNK_SHARE else self.zipf_words(self.rng.randint(3, 10))
        return words

    def paragraph(self):
        target = self.rng.randint(WORDS_MIN, WORDS_MAX)
        sentences, count = [], 0
        while count < target:
            words = self.sentence()[: target - count]
            count += len(words)
            text = " ".join(words).rstrip(",;:")
            sentences.append(text[:1].upper() + text[1:] + ".")
        return " ".join(sentences)


# Metadata


def ordinal(n):
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def series_names():
    import json

    return [row["fields"]["name"] for row in json.loads(SERIES_FIXTURE.read_text(encoding="utf-8"))]


def document_sizes(n, rng):
    sizes, total = [], 0
    while total < n:
        size = min(rng.randint(PARAS_MIN, PARAS_MAX), n - total)
        sizes.append(size)
        total += size
    if len(sizes) > 1 and sizes[-1] < PARAS_MIN:  # fold a short tail into the document before it
        sizes[-2] += sizes.pop()
    return sizes


def make_meetings(n_meetings, rng, names):
    years = list(YEARS)
    year_weights = [YEAR_GROWTH ** (year - years[0]) for year in years]
    series_weights = [SERIES_WEIGHTS.get(name, 3) for name in names]
    drafts = []
    for _ in range(n_meetings):
        name = rng.choices(names, series_weights)[0]
        year = rng.choices(years, year_weights)[0]
        date = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        drafts.append((name, date))
    drafts.sort(key=lambda item: (item[0], item[1]))
    meetings, counters = [], Counter()
    for name, date in drafts:
        counters[name] += 1
        country = ASEAN_MEMBERS[(date.year - years[0]) % len(ASEAN_MEMBERS)]
        meetings.append({
            "series": name, "ordinal": counters[name], "title": f"{ordinal(counters[name])} {name}",
            "date": date, "chair_country": country, "country": country, "city": CITIES[country],
            "mode": rng.choice(MODES) if date.year >= 2020 else "in_person",
        })
    return meetings


def generate(n, seed=SEED, progress=True):
    """The corpus of `n` paragraphs; the same `n` and `seed` always give the same corpus."""
    rng = random.Random(f"{seed}-{n}")
    language = Language(random.Random(seed))  # same vocabulary at every scale
    language.rng = rng
    names = series_names()
    sizes = document_sizes(n, rng)
    meetings = make_meetings(max(1, round(len(sizes) / 2.5)), rng, names)
    kinds, kind_weights = list(KINDS), list(KINDS.values())
    corpus = Corpus(n_paragraphs=n, series=names, meetings=meetings, documents=[])
    bar = tqdm(total=n, desc=f"Generating {n:,} paragraphs", unit="para", disable=not progress, mininterval=1)
    for doc_index, size in enumerate(sizes):
        meeting_index = rng.randrange(len(meetings))
        meeting = meetings[meeting_index]
        kind = rng.choices(kinds, kind_weights)[0]
        corpus.documents.append({
            "meeting": meeting_index, "kind": kind, "title": f"{kind} of the {meeting['title']}",
            "published_on": meeting["date"] + dt.timedelta(days=rng.randrange(0, 10)),
        })
        for position in range(1, size + 1):
            corpus.paragraphs.append((doc_index, position, language.paragraph()))
        bar.update(size)
    bar.close()
    return corpus


# Into the project's database


def known_fields(model, **values):
    """The values whose names are concrete fields of `model` (the models are still evolving)."""
    names = {f.attname for f in model._meta.concrete_fields} | {f.name for f in model._meta.concrete_fields}
    return {name: value for name, value in values.items() if name in names}


def load_into_django(corpus, progress=True, batch_size=2000):
    """Insert the corpus with bulk_create (no signals, so nothing is queued for the index)."""
    from django.db import transaction
    from django.utils.text import slugify

    from archive.models import Document, Meeting, MeetingSeries, Paragraph

    series = {s.name: s for s in MeetingSeries.objects.all()}
    missing = set(corpus.series) - series.keys()
    if missing:
        raise RuntimeError(f"meeting series missing from the database (migration 0002?): {sorted(missing)}")
    with transaction.atomic():
        meetings = Meeting.objects.bulk_create([
            Meeting(**known_fields(
                Meeting, series=series[m["series"]], ordinal=m["ordinal"], title=m["title"], slug=slugify(m["title"]),
                start_date=m["date"], end_date=m["date"], city=m["city"], country=m["country"], mode=m["mode"],
                chair_country=m["chair_country"]))
            for m in corpus.meetings
        ], batch_size=batch_size)
        texts = {}
        for doc_index, _, text in corpus.paragraphs:
            texts.setdefault(doc_index, []).append(text)
        documents = Document.objects.bulk_create([
            Document(**known_fields(
                Document, meeting=meetings[d["meeting"]], title=d["title"], kind=d["kind"],
                slug=f"{slugify(d['title'])[:180]}-{i}", published_on=d["published_on"],
                source_name=f"bench-{i:07d}.txt", raw_text="\n\n".join(texts[i])))
            for i, d in enumerate(corpus.documents)
        ], batch_size=batch_size)
        bar = tqdm(total=len(corpus.paragraphs), desc="Inserting paragraphs", unit="para",
                   disable=not progress, mininterval=1)
        for start in range(0, len(corpus.paragraphs), batch_size):
            batch = corpus.paragraphs[start:start + batch_size]
            Paragraph.objects.bulk_create([
                Paragraph(**known_fields(Paragraph, document=documents[doc_index], position=position,
                                         number=str(position), anchor=f"p{position}", text=text))
                for doc_index, position, text in batch
            ])
            bar.update(len(batch))
        bar.close()
    return len(documents)


# Statistics used to choose queries


TOKEN = re.compile(r"[a-z]+")


def document_frequencies(paragraphs):
    """{lower-case word: number of paragraphs containing it}, words of letters only."""
    df = Counter()
    for _, _, text in paragraphs:
        df.update(set(TOKEN.findall(text.lower())))
    return df
