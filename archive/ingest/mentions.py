"""Meetings a statement's paragraphs mention: "the 36th ASEAN Summit on 26 June 2020"."""

import re
from dataclasses import dataclass

from .metadata import MeetingInfo, SeriesCatalogue, find_date, normalise_series_text

# A series name followed by these words names something else ("ASEAN-ROK Dialogue Relations").
NOT_A_MEETING = re.compile(
    r"\s+(?:relations|partnership|partners?|cooperation|fund|centre|center|plan|process|mechanisms?|"
    r"framework|channel|workshop|secretariat)\b", re.I)
SENTENCE_END = re.compile(r"[.;](?:\s+[A-Z“\"]|\s*$)")
DATE_REACH = 140


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


def find_mentions(paragraphs: list[str], catalogue: SeriesCatalogue, own: MeetingInfo | None) -> list[Mention]:
    """Each other meeting named with an ordinal or a date, once, in order of first mention."""
    mentions, seen = [], set()
    for index, paragraph in enumerate(paragraphs):
        text = normalise_series_text(paragraph)
        refs = [ref for ref in catalogue.find_all(text) if not NOT_A_MEETING.match(text, ref.end)]
        for position, ref in enumerate(refs):
            following = refs[position + 1].start if position + 1 < len(refs) else len(text)
            window = text[ref.end:min(following, ref.end + DATE_REACH)]
            sentence_end = SENTENCE_END.search(window)
            window = window[:sentence_end.start()] if sentence_end else window
            found = find_date(window)
            date = found[0] if found else None
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
