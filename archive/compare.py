"""What changed between two statements, or two versions of one statement, paragraph by paragraph.

Paragraphs are aligned by what they say, not by their printed numbers: every pair of paragraphs is scored by
the words they share, rare words counting more (`Similarity`), and the one-to-one alignment with the highest
total score is taken (a maximum-weight matching), so a paragraph that moved from ¶4 to ¶9 is still matched. Pairs that break the reading order of the rest are flagged as moved. Each aligned
pair is unchanged or reworded, with its word-level insertions and deletions as data for a template; the
paragraphs left over are new or dropped (noting the paragraph a split-off part came from).

No HTTP and no HTML here: views call this and templates render what it returns.
"""

import bisect
import datetime
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cached_property


# Two paragraphs less alike than this (`Similarity`) are not the same passage. Read off the hand-made
# alignments of the Summit and Dialogue editions (tests/data/editions): all but one of the pairs that are
# one passage score 0.39 or more; all but three pairs that are not score under 0.33, and the matching gives
# those three paragraphs to better partners.
MATCH_THRESHOLD = 0.35
# A paragraph left over whose words are at least this share of another paragraph's lies inside it
# (one part of a paragraph that was split, or one that was merged into another).
PART_THRESHOLD = 0.8
# Between equally good alignments, the one that keeps paragraphs nearer their place in the statement wins;
# small enough never to outweigh a better match of the words.
NEARNESS_BONUS = 0.01
# Scores kept to this many decimals, so that float noise never decides an alignment.
SCORE_DECIMALS = 6

WORD = re.compile(r"\w+|[^\w\s]")
UNCHANGED, REWORDED, NEW, DROPPED = "unchanged", "reworded", "new", "dropped"


@dataclass(frozen=True)
class Passage:
    """A paragraph as compared: from a Paragraph row or from a row of DocumentVersion.paragraphs."""

    position: int
    text: str
    number: str = ""
    heading: str = ""
    anchor: str = ""
    pk: int | None = None

    @property
    def label(self):
        return self.number or str(self.position)

    @cached_property
    def tokens(self):
        return [match.group() for match in WORD.finditer(self.text)]

    @cached_property
    def words(self):
        """Tokens as compared for similarity: case and punctuation ignored."""
        return [token.casefold() for token in self.tokens if token[0].isalnum() or token[0] == "_"]


@dataclass(frozen=True)
class Change:
    """A run of text in a word-level difference: `kind` is "equal", "insert" or "delete"; `space` is the
    whitespace that followed it in its text (the newer one, for an equal run; `old_space` in the older),
    kept outside the marked run."""

    kind: str
    text: str
    space: str = ""
    old_space: str = ""


def one_side(changes, kind_left_out):
    """The runs of one text of a difference: the older without "insert", the newer without "delete"."""
    older = kind_left_out == "insert"
    return [Change(c.kind, c.text, c.old_space if older else c.space) for c in changes if c.kind != kind_left_out]


@dataclass
class Row:
    """One line of a comparison: an aligned pair, or a paragraph only one side has."""

    old: Passage | None
    new: Passage | None
    status: str
    score: float = 0.0
    moved: bool = False
    changes: list = field(default_factory=list)
    part_of: Passage | None = None  # for a new or dropped paragraph: the paragraph of the other side holding it

    @property
    def old_changes(self):
        return one_side(self.changes, "insert")

    @property
    def new_changes(self):
        return one_side(self.changes, "delete")


@dataclass
class Comparison:
    rows: list  # in the reading order of the newer text; a dropped paragraph follows its predecessor's row

    def of_status(self, status):
        return [row for row in self.rows if row.status == status]

    @property
    def counts(self):
        return {status: len(self.of_status(status)) for status in (UNCHANGED, REWORDED, NEW, DROPPED)}

    @property
    def pairs(self):
        """{old position: new position} of the aligned paragraphs."""
        return {row.old.position: row.new.position for row in self.rows if row.old and row.new}

    @property
    def summary(self):
        counts = self.counts
        def paragraphs(n):
            return f"{n} paragraph{'' if n == 1 else 's'}"
        return (f"{paragraphs(counts[UNCHANGED])} unchanged, {counts[REWORDED]} reworded, "
                f"{counts[NEW]} new, {counts[DROPPED]} dropped")


class Similarity:
    """How alike two paragraphs are (0 to 1): the cosine of their words weighted by TF-IDF, each word's
    rarity taken over the paragraphs given. Words nearly every paragraph uses ("we", "ASEAN", "cooperation")
    count for little; the names and subjects that tell paragraphs apart count for much. Counts are damped
    (1 + log), so a long paragraph that repeats a word is not drawn to every other that uses it."""

    def __init__(self, passages):
        counts = {passage: Counter(passage.words) for passage in passages}
        in_how_many = Counter(word for words in counts.values() for word in words)
        total = len(counts)
        rarity = {word: math.log((total + 1) / (n + 1)) + 1 for word, n in in_how_many.items()}
        self.vectors = {}
        for passage, words in counts.items():
            weights = {word: (1 + math.log(n)) * rarity[word] for word, n in words.items()}
            length = math.sqrt(sum(weight * weight for weight in weights.values())) or 1
            self.vectors[passage] = {word: weight / length for word, weight in weights.items()}

    def __call__(self, one: Passage, other: Passage) -> float:
        a, b = self.vectors[one], self.vectors[other]
        if len(a) > len(b):
            a, b = b, a
        return round(sum(weight * b.get(word, 0) for word, weight in a.items()), SCORE_DECIMALS)


def containment(part: Passage, whole: Passage) -> float:
    """The share of `part`'s words found, in order, in `whole`."""
    if not part.words:
        return 0.0
    matcher = SequenceMatcher(None, part.words, whole.words, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(part.words)


def word_changes(old_text: str, new_text: str) -> list:
    """The word-level insertions and deletions that turn `old_text` into `new_text`, as `Change`s."""
    old, new = _tokens_with_spans(old_text), _tokens_with_spans(new_text)
    matcher = SequenceMatcher(None, [t for t, _, _ in old], [t for t, _, _ in new], autojunk=False)
    changes = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            in_new = _run("equal", new_text, new, j1, j2)
            changes.append(Change("equal", in_new.text, in_new.space, _run("equal", old_text, old, i1, i2).space))
            continue
        if i2 > i1:
            changes.append(_run("delete", old_text, old, i1, i2))
        if j2 > j1:
            changes.append(_run("insert", new_text, new, j1, j2))
    return changes


def _tokens_with_spans(text):
    return [(match.group(), match.start(), match.end()) for match in WORD.finditer(text)]


def _run(kind, text, tokens, start, stop):
    """Tokens start:stop of `text` as written, with the whitespace after them."""
    begin, end = tokens[start][1], tokens[stop - 1][2]
    following = tokens[stop][1] if stop < len(tokens) else len(text)
    space = text[end:following]
    return Change(kind, text[begin:end], space, space)


def align(old: list, new: list, threshold: float = MATCH_THRESHOLD) -> list:
    """[(old index, new index, score)] of the best one-to-one alignment, in the order of `new`."""
    import networkx  # imported by the first comparison a worker makes, not by every worker at startup

    graph = networkx.Graph()
    scores = {}
    similarity = Similarity([*old, *new])
    for i, before in enumerate(old):
        for j, after in enumerate(new):
            score = similarity(before, after)
            if score < threshold:
                continue
            scores[i, j] = score
            nearness = 1 - abs(i / max(len(old), 1) - j / max(len(new), 1))
            graph.add_edge(("old", i), ("new", j), weight=score + NEARNESS_BONUS * nearness)
    pairs = []
    for one, other in networkx.max_weight_matching(graph):
        (_, i), (_, j) = sorted((one, other), reverse=True)  # "old" sorts after "new"
        pairs.append((i, j, scores[i, j]))
    return sorted(pairs, key=lambda pair: pair[1])


def _in_order(pairs):
    """The indices of `pairs` (sorted by new index) in a longest run whose old indices also rise: the others moved."""
    tails, tail_index, previous = [], [], [None] * len(pairs)
    for index, (i, _, _) in enumerate(pairs):
        place = bisect.bisect_left(tails, i)
        previous[index] = tail_index[place - 1] if place else None
        if place == len(tails):
            tails.append(i)
            tail_index.append(index)
        else:
            tails[place], tail_index[place] = i, index
    kept, index = set(), tail_index[-1] if tail_index else None
    while index is not None:
        kept.add(index)
        index = previous[index]
    return kept


def compare(old: list, new: list) -> Comparison:
    """The comparison of two texts given as lists of `Passage`s, older first."""
    pairs = align(old, new)
    in_order = _in_order(pairs)
    matched_old = {i: (j, score, index in in_order) for index, (i, j, score) in enumerate(pairs)}
    matched_new = {j: i for i, j, _ in pairs}

    def holder(passage, others, taken):
        """The paragraph of the other side that holds `passage` (a split-off or merged-in part), if any."""
        best = max(((containment(passage, other), other) for k, other in enumerate(others) if k in taken),
                   default=(0, None), key=lambda item: item[0])
        return best[1] if best[0] >= PART_THRESHOLD else None

    rows = []
    for j, after in enumerate(new):
        if j not in matched_new:
            rows.append(Row(None, after, NEW, part_of=holder(after, old, matched_old)))
            continue
        i = matched_new[j]
        before, (_, score, kept) = old[i], matched_old[i]
        status = UNCHANGED if before.tokens == after.tokens else REWORDED
        changes = [] if status == UNCHANGED else word_changes(before.text, after.text)
        rows.append(Row(before, after, status, score, moved=not kept, changes=changes))
    # Each dropped paragraph goes after the row of the old paragraph before it (moved ones aside).
    for i in sorted(set(range(len(old))) - set(matched_old)):
        earlier = [index for index, row in enumerate(rows)
                   if row.old is not None and not row.moved and row.old.position < old[i].position]
        rows.insert(earlier[-1] + 1 if earlier else 0,
                    Row(old[i], None, DROPPED, part_of=holder(old[i], new, matched_new)))
    return Comparison(rows)


def closest(passage: Passage, candidates: list, similarity: Similarity):
    """(score, candidate) of the candidate most like `passage`, or (0, None) when there are none."""
    return max(((similarity(passage, candidate), candidate) for candidate in candidates),
               default=(0.0, None), key=lambda item: item[0])


# The archive's statements as passages, and where else a paragraph appears.

def passages_of_document(document) -> list:
    return [as_passage(paragraph) for paragraph in document.paragraphs.all()]


def passages_of_version(version) -> list:
    """A version's paragraphs ({number, heading, text, anchor} rows) as passages."""
    return [Passage(position, row.get("text") or "", row.get("number") or "", row.get("heading") or "",
                    row.get("anchor") or f"p{row.get('number') or position}")
            for position, row in enumerate(version.paragraphs, start=1)]


@dataclass
class Side:
    """One text of a comparison: a document at its newest text, or at one of its versions."""

    document: object
    version: object | None
    passages: list

    @property
    def url(self):
        """The page of this text (an earlier version is shown with `?version=`)."""
        url = self.document.get_absolute_url()
        return f"{url}?version={self.version.number}" if self.version else url


def side(document, version=None) -> Side:
    return Side(document, version, passages_of_version(version) if version else passages_of_document(document))


def edition_key(meeting):
    """Editions of a series in the order they were held (by date, then ordinal)."""
    return (meeting.start_date or datetime.date.max, meeting.ordinal or 0, meeting.pk)


def same_kind_in_series(document) -> list:
    """The documents of the same kind in every edition of the document's series, oldest edition first."""
    from .models import Document

    documents = (Document.objects.filter(meeting__series=document.meeting.series_id, kind=document.kind)
                 .select_related("meeting__series"))
    return sorted(documents, key=lambda d: (edition_key(d.meeting), d.published_on or datetime.date.max, d.pk))


def neighbour_editions(document):
    """(previous, next): the same kind of document in the editions held just before and after this one's."""
    documents = same_kind_in_series(document)
    key = edition_key(document.meeting)
    earlier = [d for d in documents if edition_key(d.meeting) < key]
    later = [d for d in documents if edition_key(d.meeting) > key]
    return (earlier[-1] if earlier else None), (later[0] if later else None)


@dataclass
class Echo:
    """The paragraph of another edition closest to a paragraph, with the words that differ (older text first)."""

    meeting: object
    paragraph: object | None  # a Paragraph, or None when the edition has nothing alike
    score: float
    changes: list = field(default_factory=list)
    earlier: bool = False  # held before the paragraph's own edition
    own: bool = False  # the paragraph itself, in its own edition

    @property
    def carried(self):
        return self.paragraph is not None and self.score >= MATCH_THRESHOLD

    @property
    def unchanged(self):
        return self.carried and all(change.kind == "equal" for change in self.changes)


@dataclass
class History:
    paragraph: object
    in_series: list  # an Echo for every edition of the paragraph's series (its own too), oldest first
    elsewhere: list  # Echoes in editions of other series that carry the passage, oldest first
    first: object  # the meeting where the passage first appears in its series
    last: object  # the last meeting of the series that still carries it


def as_passage(paragraph):
    return Passage(paragraph.position, paragraph.text, paragraph.number, paragraph.heading, paragraph.anchor,
                   paragraph.pk)


def echo(paragraph, meeting, candidates, similarity):
    score, other = closest(as_passage(paragraph), [as_passage(c) for c in candidates], similarity)
    found = next((c for c in candidates if other and c.pk == other.pk), None)
    earlier = edition_key(meeting) < edition_key(paragraph.document.meeting)
    changes = []
    if found is not None and score >= MATCH_THRESHOLD:
        changes = word_changes(found.text, paragraph.text) if earlier else word_changes(paragraph.text, found.text)
    return Echo(meeting, found, score, changes, earlier)


def paragraph_history(paragraph, similar_pks=()) -> History:
    """Where `paragraph` appears in the other editions of its series and, among `similar_pks` (candidates
    from the search engine), in editions of other series."""
    from .models import Paragraph

    own_meeting = paragraph.document.meeting
    by_meeting = {}
    for candidate in (Paragraph.objects.filter(document__meeting__series=own_meeting.series_id)
                      .exclude(document__meeting=own_meeting).select_related("document__meeting")):
        by_meeting.setdefault(candidate.document.meeting, []).append(candidate)
    others = {}
    for candidate in (Paragraph.objects.filter(pk__in=list(similar_pks))
                      .exclude(document__meeting__series=own_meeting.series_id)
                      .select_related("document__meeting__series")):
        others.setdefault(candidate.document.meeting, []).append(candidate)
    everything = [paragraph, *(c for group in [*by_meeting.values(), *others.values()] for c in group)]
    similarity = Similarity([as_passage(p) for p in everything])

    in_series = [echo(paragraph, meeting, candidates, similarity) for meeting, candidates in by_meeting.items()]
    in_series.append(Echo(own_meeting, paragraph, 1.0, own=True))
    in_series.sort(key=lambda e: edition_key(e.meeting))
    carried = [e.meeting for e in in_series if e.carried]

    elsewhere = [e for e in (echo(paragraph, meeting, candidates, similarity) for meeting, candidates in others.items()) if e.carried]
    elsewhere.sort(key=lambda e: edition_key(e.meeting))
    return History(paragraph, in_series, elsewhere, carried[0], carried[-1])
