"""Meetings a statement's paragraphs mention: "the 36th ASEAN Summit on 26 June 2020"."""

import re
from dataclasses import dataclass

from .metadata import (
    DAY_MONTH_ONLY, MONTHS, ORDINAL, MeetingInfo, MeetingRef, SeriesCatalogue, day_in_year, find_date,
    normalise_series_text, ordinal_number,
)
from .places import find_city

# A series name followed by these words names something else ("ASEAN-ROK Dialogue Relations").
NOT_A_MEETING = re.compile(
    r"\s+(?:relations|partnership|partners?|cooperation|fund|centre|center|plan|process|mechanisms?|"
    r"framework|channel|workshop|secretariat)\b", re.I)
SENTENCE_END = re.compile(r"[.;](?:\s+[A-Z“\"]|\s*$)")
DATE_REACH = 140
# A meeting of any series, by the way meetings are named: "the 20th ASEAN-China Summit", "the 40th and 41st
# ASEAN Summits", "the G20 Summit" (with a date after it). Words of the name are capitalised (or "of", "on", …).
MEETING_WORD = r"(?:Summits?|Meetings?|Conferences?|Consultations?|Dialogues?|Forums?|Sessions?|Retreats?)"
NAME_WORD = r"(?:[A-Z0-9][\w'’+&.-]*|of|on|for|and|with|the|\+)"
# "Summit on Sustainable Development" is a name; "Summit on November 11-12" is a meeting and its date.
NOT_A_MONTH = r"(?!(?i:" + "|".join(MONTHS) + r")\b)"
ANY_MEETING = re.compile(
    r"\b(?:(?P<ordinals>" + ORDINAL.replace("?P<ordinal>", "?:") + r"(?:\s*(?:,|and|&)\s*" +
    ORDINAL.replace("?P<ordinal>", "?:") + r")*)\s+|(?<=\b[Tt]he\s))"
    r"(?P<name>(?:" + NAME_WORD + r"\s+){0,8}?" + MEETING_WORD + r"(?:\s+on\s+" + NOT_A_MONTH + r"[A-Z][\w-]*"
    r"(?:\s+[A-Z][\w-]*){0,3})?)"
    r"(?![\w-])")
NOT_A_NAME_START = re.compile(r"^(?:of|on|for|and|with|the|" + ORDINAL.replace("?P<ordinal>", "?:") + r")\b", re.I)


@dataclass
class Mention:
    series: str
    ordinal: int | None
    date: object  # datetime.date or None
    paragraph: int  # index of the paragraph that names the meeting
    special: bool = False

    @property
    def title(self):
        info = MeetingInfo(self.series, self.ordinal, self.date)
        return ("Special " if self.special and not self.ordinal else "") + info.title

    @property
    def key(self):
        return (self.series, self.ordinal) if self.ordinal else (self.series, self.date)


def other_series_refs(text: str, catalogue: SeriesCatalogue, known: list[MeetingRef]) -> list[MeetingRef]:
    """Meetings of series the catalogue does not hold, named where no catalogue name stands."""
    refs = []
    for match in ANY_MEETING.finditer(text):
        name = re.sub(r"s$", "", match["name"].strip())
        if NOT_A_NAME_START.match(name) or len(name.split()) < 2 or not re.search(r"[A-Z]", name.split()[0]) \
                or re.search(r"\banniversary\b", name, re.I) or NOT_A_MEETING.match(text, match.end()) \
                or any(ref.start < match.end() and match.start() < ref.end for ref in known):
            continue
        place_after = re.search(r"\s+on\s+(?P<place>.+)$", name)  # "Summit on Jeju Island": where it met
        if place_after and find_city(place_after["place"]):
            name = name[:place_after.start()]
        words = name.split()  # "G20 Seoul Summit": a city inside the name is where, not which, meeting
        name = " ".join([words[0], *(w for w in words[1:-1] if not (w.istitle() and find_city(w))), words[-1]])
        series = catalogue.find_all(name)
        name = series[0].series if series and series[0].start == 0 and series[0].end == len(name) else \
            shortened_series(name, catalogue)
        ordinals = re.findall(ORDINAL.replace("?P<ordinal>", "?:"), match["ordinals"] or "", re.I)
        for ordinal in ordinals or [None]:
            refs.append(MeetingRef(name, ordinal_number(ordinal) if ordinal else None, match.start(), match.end()))
    return refs


def shortened_series(name: str, catalogue: SeriesCatalogue) -> str:
    """"Commemorative Summit" is the one catalogue series whose name ends so ("ASEAN-ROK Commemorative Summit");
    a name several series end with, or none, stays as printed."""
    full = [series for series in catalogue.names if series.lower().endswith(" " + name.lower())]
    return full[0] if len(full) == 1 else name


def date_without_year(text: str, year: int | None):
    """"on November 11-12" in a statement of 2010: the day in the statement's own year."""
    match = DAY_MONTH_ONLY.search(text) if year else None
    return day_in_year(match, year) if match else None


def find_mentions(paragraphs: list[str], catalogue: SeriesCatalogue, own: MeetingInfo | None,
                  year: int | None = None) -> list[Mention]:
    """Each other meeting named with an ordinal or a date, once, in order of first mention; a date printed
    without its year is taken in `year` (the statement's own)."""
    mentions, seen = [], set()
    for index, paragraph in enumerate(paragraphs):
        text = normalise_series_text(paragraph)
        refs = [ref for ref in catalogue.find_all(text) if not NOT_A_MEETING.match(text, ref.end)]
        refs = sorted(refs + other_series_refs(text, catalogue, refs), key=lambda ref: ref.start)
        for position, ref in enumerate(refs):
            following = next((later.start for later in refs[position + 1:] if later.start >= ref.end), len(text))
            window = text[ref.end:min(following, ref.end + DATE_REACH)]
            sentence_end = SENTENCE_END.search(window)
            window = window[:sentence_end.start()] if sentence_end else window
            found = find_date(window)
            date = found[0] if found else date_without_year(window, year)
            if ref.ordinal is None and date is None:
                continue
            special = text[max(0, ref.start - 8):ref.start].lower().endswith("special ") or \
                text[ref.start:ref.end].lower().startswith("special")
            mention = Mention(ref.series, ref.ordinal, date, index, special)
            if own and mention.series == own.series and (
                    (mention.ordinal and mention.ordinal == own.ordinal)
                    or (not mention.ordinal and own.start_date and mention.date == own.start_date)):
                continue
            if mention.key not in seen:
                seen.add(mention.key)
                mentions.append(mention)
    return mentions
