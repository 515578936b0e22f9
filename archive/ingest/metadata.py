"""Structure to metadata: title, kind, meeting, dates, place, mode and chair.

Pure functions; the list of meeting series comes in as data (see `SeriesCatalogue`), countries and
cities from kept gazetteers (see `places`). Each extracted field is marked "found" (printed in the
statement) or "guessed" (derived), so the admin can see what to check.
"""

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field

from .places import ASEAN_MEMBERS, find_city, find_country, is_country

MONTHS = {
    name: number
    for number, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")],
        start=1,
    )
    for name in names
}
MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
DAY = r"(?<!\d)(?P<day>\d{1,2})(?:st|nd|rd|th)?"
END_DAY = r"(?:\s*(?:[-–—]|to|and)\s*(?P<end_day>\d{1,2})(?:st|nd|rd|th)?)?"
DAY_MONTH_YEAR = re.compile(DAY + END_DAY + r"\s+(?:of\s+)?" + MONTH + r",?\s+(?P<year>\d{4})\b", re.I)
MONTH_DAY_YEAR = re.compile(r"\b" + MONTH + r"\s+" + DAY + END_DAY + r",?\s+(?P<year>\d{4})\b", re.I)
# A day and month with no year: the meeting's year is then not printed ("on 25 November in Busan").
DAY_MONTH_ONLY = re.compile(r"(?:" + DAY + r"\s+" + MONTH + r"|\b" + MONTH.replace("month", "month2") + r"\s+"
                            + DAY.replace("day", "day2") + r")\b(?!,?\s+\d{4})", re.I)
# Day first, as ASEAN publishers write them (12/11/2020); month first only when the day cannot be a month.
NUMERIC_DATE = re.compile(r"(?<![\d.])(?P<day>\d{1,2})\s?[-/.]\s?(?P<month>\d{1,2})\s?[-/.]\s?(?P<year>(?:19|20)\d{2})(?!\d)")
# 2020-11-12, 2019.11.27, 2019/11/27, "2019. 11. 27." and 2019년 11월 27일
ISO_DATE = re.compile(r"(?<![\d.])(?P<year>(?:19|20)\d{2})\s?(?:[-./]|년)\s?(?P<month>\d{1,2})\s?(?:[-./]|월)\s?"
                      r"(?P<day>\d{1,2})(?:일)?(?![\d])")
# "JAKARTA, 26 August 2020 –Today, ...", "SEOUL, Nov. 26 (Yonhap) --" open a release or a news report.
DATELINE = re.compile(
    r"^(?P<city>[A-Z][A-Za-z .'’-]{1,40}?)(?:,\s*[A-Z][A-Za-z .'-]{1,30}?)?\s*[,(]\s*"
    r"(?P<date>\d{1,2}\s+[A-Za-z]+\.?,?\s+\d{4}|[A-Za-z]+\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}"
    r"|[A-Za-z]{3,9}\.?\s+\d{1,2}\b(?=\s*\())"
)
# "Date : 2021-10-28", "Posted on27/10/2021", "Released on", "Last updated:", "Published:": a release date's label
# opening a line, or a capitalised "Date"/"Posted" field inside a board's line ("Writer : X Date : 2021-10-28").
PUBLICATION_LABEL = re.compile(
    r"^\W*(?:date(?:\s+(?:posted|published|released|issued))?|posted(?:\s+on)?|published(?:\s+on)?|released(?:\s+on)?"
    r"|issued(?:\s+on)?|(?:last\s+)?updated(?:\s+on)?|ngày đăng|등록일|작성일)\s*[:：]?(?=\s*\S)"
    r"|(?-i:\s(?:Date|Posted|Published|Released|Updated))\s*[:：]?\s*(?=\d)", re.I)
# A document-sharing site's "Uploaded by … on Dec 02, 2019": when a copy went up, not when it was released.
UPLOADED = re.compile(r"\buploaded\b", re.I)
# A catalogue record's "[Date] December 14, 2005" beside "[Place] …": the document's own date.
CATALOGUE_DATE = re.compile(r"^\[date\]", re.I)
# A letterhead that ends in the release's place and date: "INTERNATIONAL COOPERATION Phnom Penh, 12 November 2022".
LETTERHEAD_DATELINE = re.compile(r"(?P<words>(?:[A-Z][\w'’-]+\s+){0,2}[A-Z][\w'’-]+),\s*(?:\d{1,2}\s+[A-Za-z]+\.?"
                                 r"|[A-Za-z]+\.?\s+\d{1,2},?)\s+\d{4}\s*$")
HELD_ON = re.compile(r"\b(?:held|convened|took place|met|hosted|organi[sz]ed|opened|gathered|attended)\b[^.]*?\b(?:on|from)\s+"
                     r"(?P<date>[^.]{4,60})")
OPENS_WITH_DATE = re.compile(r"^(?:On|From)\s+(?P<date>[^,]{6,40}),")
VIDEOCONFERENCE = re.compile(
    r"\b(video\s*-?\s*conferenc\w*|virtual(ly)?|online meeting|online format|video link|via video\b"
    r"|by video\b|teleconferenc\w*)", re.I)
HELD_IN = re.compile(
    r"\b(?:held|convened|took place|met|hosted|gathered|was opened|opened)\b[^.;]{0,60}?\b(?:in|at|on)\s+"
    r"(?:the\s+)?(?P<city>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,3})(?:,\s*(?P<country>(?:the\s+)?[A-Z][\w' ]+?))?"
    r"(?=\s+(?:on|from|in|under|to|and|at|as|with|by|during)\b|[.,;)]|\s*$)")
# " in Busan", " in Nay Pyi Taw, Myanmar": any place named after "in" or "at", checked against the gazetteer.
IN_PLACE = re.compile(r"\b(?:in|at)\s+(?:the\s+)?(?P<city>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,3})"
                      r"(?:,\s*(?P<country>[A-Z][\w' ]+?))?(?=\s+[a-z]|[.,;)]|\s*$)")
PLACE_LABEL = re.compile(r"^(?:\[(?:place|venue|location)\]|(?:place|venue|location)\s*[:：])\s*(?P<place>.+)$", re.I)
# "Title: …", "[Title] …": a catalogue's label before the title.
TITLE_LABEL = re.compile(r"^(?:\[(?:title|subject)\]|(?:title|subject)\s*[:：]|(?:title|subject)\s+(?=\S.*\b(?:statement|"
                         r"declaration|release|summit|meeting)\b))\s*", re.I)
# "Jakarta Convention Center, Jakarta": a header line naming the venue and its city.
VENUE_LINE = re.compile(r"^[A-Z][\w'’ .&-]{2,60},\s*(?P<place>[A-Z][\w'’ -]{2,30})$")
# Offices and honorifics before a person's name.
HONORIFIC = re.compile(
    r"^(?:(?:H\.?\s?E\.?|HE|His|Her|Their|Excellency|Majesty|Royal|Highness|Honou?rable|Hon\.?|Mr\.?|Ms\.?|Mrs\.?|Dr\.?|Samdech"
    r"|Akka Moha Sena Padei Techo|Moha Bovor Thipadei|Dato['’]?\s+Seri|Dato['’]?\s+Sri|Datuk|Dato['’]?|Tan Sri|Pehin"
    r"|Prof\.?|Professor|General|Gen\.?|Senior|State|Prime|Minister|President|Vice|Deputy|Foreign|Secretary"
    r"|Counsellor|Chancellor|Chairman|Chair|Sultan|Haji|King|Queen|the|of|for|Affairs|Trade|Industry|Economy"
    r"|Economic|Political|Permanent|General|Ambassador|Acting|First)\b\.?,?\s+)+", re.I)
# Abbreviations whose full stops would otherwise end a sentence early.
ABBREVIATION_DOTS = re.compile(r"\b(H\.\s?E|Mr|Ms|Mrs|Dr|St|Jr|U\.S|Gen|Prof|Ret|Rtd)\.")
# Where the name after "chaired by" or "hosted by" ends: "…, and attended by", "…, with", the sentence's end.
WHO_ENDS = (r",?\s+and\s+(?:was\s+)?attended\b|,\s+(?:with|who|and)\b|[.;]\s|[.;]?$"
            r"|\s+(?:and|with) (?:the )?participation\b")
CHAIRED_BY = re.compile(
    r"\b(?<!co-)(?:chaired|presided(?:\s+over)?)\s+by\s+(?P<who>.+?)(?=" + WHO_ENDS + r")"
    r"|\bunder the (?:chairmanship|chairship|chair|presidency) of\s+(?P<who2>.+?)(?=,?\s+and\b|,\s+(?:with|the)\b"
    r"|[.;]\s|[.;]?$|\s+(?:on|in)\s+(?:\d|[A-Z]))")
AS_CHAIR = re.compile(r"(?P<who>(?:[A-Z][\w'’.-]*\s+){0,6}[A-Z][\w'’.-]*(?:\s+of\s+(?:the\s+)?[A-Z][\w ']+?)?),?\s+"
                      r"(?:in (?:its|his|her) capacity )?as(?: the)? (?:ASEAN Chair|Chair of ASEAN|ASEAN Chairman"
                      r"|Chair(?:man|person)?(?: of the (?:Summit|Meeting|Consultations?|Dialogue))?(?=[,.;]|\s+(?:and|of)\b))")
# "… Related Meetings hosted by Viet Nam": the host, read only when the text names no chair.
HOSTED_BY = re.compile(r"\bhosted\s+by\s+(?P<who>.+?)(?=" + WHO_ENDS + r"|\s+(?:as|on|in)\b)")
ADDRESSED_CHAIR = re.compile(r"\b(?:Mr\.?|Madam|Madame)\s+Chair(?:man|person)?,\s+(?P<who>(?:[A-Z][\w'’.-]*\s*){2,6})(?=,)")
CO_CHAIRED_WITH = re.compile(r"(?P<who>[^.;]+?),?\s+co-chaired\s+(?:the\s+[^.;,]{1,80}?\s+)?with\s+(?P<other>[^.;]+)",
                             re.I)
# "Prime Minister Lee Hsien Loong of the Republic of Singapore chaired the Summit": the chair in the active voice.
PERSON_RUN = r"[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|of|the|bin|binti))*"
CHAIRED_THE = re.compile(r"(?P<who>" + PERSON_RUN + r"),?\s+(?<!co-)chaired\s+(?:the|this|a)\b")
# "Vietnamese Prime Minister …": a nationality before an office.
DEMONYM_BEFORE_OFFICE = re.compile(r"^(?P<demonym>[A-Z][a-z]+(?:ese|ian|an|i|ch|ish))\s+(?=(?:Prime|President|Foreign"
                                   r"|Minister|Deputy|State|Trade|Sultan|King)\b)")
CO_CHAIRED = re.compile(r"(?P<who>[^.]+?),?\s+co-chaired\b", re.I)
CO_CHAIRED_BY = re.compile(r"\bco-chaired by (?P<who>[^.]+)", re.I)

# Kinds of document, the more specific spelling of one place in a title first ("Joint Vision Statement" before
# "Vision Statement"); a title is of the kind named earliest in it ("Plan of Action to Implement the Joint
# Declaration …" is a Plan of Action).
KINDS = [
    ("Co-Chairs' Press Statement", r"co-?chairs?['’]?\s+press\s+statement"),
    ("Co-Chairs' Statement", r"co-?chairs?['’]?\s+statement"),
    ("Chairman's Statement", r"chairman['’]?s\s+statement"),
    ("Chair's Statement", r"chair(?:person)?['’]?s\s+statement|statement\s+(?:of|by)\s+the\s+chair(?:man)?\b"),
    ("Joint Media Statement", r"joint\s+media\s+statement|joint\s+press\s+statement"),
    ("Joint Vision Statement", r"joint\s+vision\s+statement"),
    ("Vision Statement", r"vision\s+statement"),
    ("Joint Statement", r"joint\s+(?:[\w'’]+\s+){0,2}?statement"),
    ("Joint Declaration", r"joint\s+declaration"),
    ("Joint Communiqué", r"joint\s+communiqu[eé]"),
    ("Declaration", r"\bdeclaration\b"),
    ("Plan of Action", r"plan\s+of\s+action|work\s+plan\b|action\s+plan\b"),
    ("Fact Sheet", r"fact\s*sheet"),
    ("Press Release", r"press\s+release|media\s+release|news\s+release|press\s+statement|\boutcomes?\s+of\b"
                      r"|\bresults?\s+of\s+the\b|\bbriefing\b"),
    ("Remarks", r"\bremarks\b"),
    ("Speech", r"\bspeech\b|\baddress\s+(?:by|at|of)\b|\bkeynote\b"),
    ("Report", r"\breport\b"),
]
KIND_PATTERNS = [(kind, re.compile(pattern, re.I)) for kind, pattern in KINDS]
KINDS_BY_NAME = dict(KINDS)
# A newspaper's own report: a byline, an agency credit or an agency dateline "SEOUL, Nov. 26 (Yonhap) --".
NEWS_SIGNS = re.compile(
    r"\((?:Yonhap|AFP|AP|Reuters|Bernama|VNA|KPL|Antara|Xinhua|Kyodo)\)|^By\s+[A-Z][\w.-]+(?:\s+[A-Z][\w.-]+){0,3}"
    r"(?:\s*\(|,|$)|\b(?:Korea Herald|Korea Times|JoongAng|Yonhap|VOV|Viet Nam News|Vietnam News Agency|Bernama"
    r"|Jakarta Post|Straits Times|Khmer Times|Vientiane Times)\b", re.M)

ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
TENS_ORDINAL = {"twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50}
ORDINAL = (
    r"(?P<ordinal>\d{1,3}(?:st|nd|rd|th)"
    r"|(?:(?:twenty|thirty|forty|fifty)[-\s]?)?(?:" + "|".join(ORDINAL_WORDS) + r")"
    r"|" + "|".join(TENS_ORDINAL) + r")"
)
# "his first ASEAN-ROK Summit" is the first he attended, not the series' first meeting.
NOT_AFTER_POSSESSIVE = "".join(rf"(?<!\b{word} )" for word in ("his", "her", "their", "its", "our", "my"))
# Other spellings of the names in series titles, read as the catalogue writes them.
SERIES_SPELLINGS = [
    (re.compile(r"\b(?:Korea|ROK)\s*[-–—+]\s*ASEAN\b", re.I), "ASEAN-ROK"),
    (re.compile(r"\bRepublic\s+of\s+Korea(?:\s*\(ROK\))?|\bSouth\s+Korea\b", re.I), "ROK"),
    (re.compile(r"\bASEAN\s*(?:[-–—+]|\band\b|\bplus\b)?\s*(?:the\s+)?(?:ROK|Korea)\b", re.I), "ASEAN-ROK"),
    (re.compile(r"\bASEAN\s*(?:\+\s*3|\+\s*Three|Plus\s+Three|Plus\s+3)\b|\bAPT\b", re.I), "ASEAN Plus Three"),
    (re.compile(r"\b(?:ASEAN|10)\s*\+\s*(?:1|One)\b", re.I), "ASEAN-ROK"),
    (re.compile(r"(?<=\w[-–])Korea\b"), "ROK"),  # "Mekong-Korea"
    (re.compile(r"\s+Plus\s+(?=ROK\b)", re.I), " + "),  # "AMMTC Plus ROK"
]
# "(APT)", "(ROK)", "(AMMTC + ROK)", "(10+1)": acronyms in brackets inside a meeting's name
BRACKETED_ACRONYM = re.compile(r"\s*\((?:[A-Z0-9][A-Za-z0-9+&\- ]{1,15})\)")


def ordinal_number(text: str) -> int:
    text = text.lower().replace("-", " ")
    digits = re.match(r"\d+", text)
    if digits:
        return int(digits.group())
    words = text.split()
    if len(words) == 2:
        return TENS[words[0]] + ORDINAL_WORDS[words[1]]
    return ORDINAL_WORDS.get(text) or TENS_ORDINAL[text]


def ordinal_label(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _date(year, month, day):
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None


def find_date(text: str):
    """(start, end or None, match start) for the first date in `text`, in any common form; else None."""
    found = []
    for pattern in (DAY_MONTH_YEAR, MONTH_DAY_YEAR):
        for match in pattern.finditer(text):
            month = MONTHS[match["month"].lower()]
            start = _date(match["year"], month, match["day"])
            if start:
                end = _date(match["year"], month, match["end_day"]) if match["end_day"] else None
                found.append((match.start(), start, end if end and end > start else None))
                break
    match = ISO_DATE.search(text)
    if match and _date(match["year"], match["month"], match["day"]):
        found.append((match.start(), _date(match["year"], match["month"], match["day"]), None))
    match = NUMERIC_DATE.search(text)
    if match:
        day, month = int(match["day"]), int(match["month"])
        if month > 12 >= day:  # 11/26/2019 can only be month first
            day, month = month, day
        if _date(match["year"], month, day):
            found.append((match.start(), _date(match["year"], month, day), None))
    if not found:
        return None
    position, start, end = min(found, key=lambda item: item[0])
    return start, end, position


def parse_date(text: str):
    """(first day, last day or None) of the first date in `text`, or None."""
    found = find_date(text)
    return (found[0], found[1]) if found else None


def is_date_line(text: str) -> bool:
    """A line that is a date and little else ("21-11-2020, 06:00:00", "Posted on12 November 2020")."""
    return len(text) <= 70 and find_date(text) is not None and len(re.findall(r"[A-Za-z]{3,}", text)) <= 4 \
        and not re.search(r"\b(summit|meeting|statement|dialogue|held|was|were)\b", text, re.I)


def normalise_series_text(text: str) -> str:
    text = text.replace("’", "'").replace("–", "-").replace("—", "-")
    text = BRACKETED_ACRONYM.sub("", text)
    for pattern, replacement in SERIES_SPELLINGS:
        text = pattern.sub(replacement, text)
    return text


@dataclass
class MeetingRef:
    series: str
    ordinal: int | None
    start: int
    end: int


@dataclass
class SeriesCatalogue:
    """Meeting series names and their aliases; longer spellings are tried first so specific names win."""

    names: dict[str, list[str]]
    # Series known only from mentions: recognised where a text names one of their meetings, never taken as
    # the document's own series (the admin chooses it).
    mention_only: set[str] = field(default_factory=set)

    def __post_init__(self):
        spellings = sorted(
            ((normalise_series_text(spelling), name) for name, aliases in self.names.items()
             for spelling in [name, *aliases]),
            key=lambda pair: len(pair[0]), reverse=True,
        )
        self.patterns = []
        for spelling, name in spellings:
            words = r"\s+".join(re.escape(word) for word in spelling.split())
            self.patterns.append((name, re.compile(
                r"(?:" + NOT_AFTER_POSSESSIVE + r"\b" + ORDINAL + r"\s+)?(?P<special>Special\s+)?" + r"(?<![\w-])"
                + words + r"(?![\w-])", re.I)))

    def find_all(self, text: str, with_ordinal_only=False):
        """Every meeting-series mention in `text`, in order, as MeetingRefs (over the normalised text)."""
        refs = []
        for name, pattern in self.patterns:
            for match in pattern.finditer(text):
                if with_ordinal_only and not match["ordinal"]:
                    continue
                if any(ref.start <= match.start() < ref.end or match.start() <= ref.start < match.end() for ref in refs):
                    continue
                ordinal = ordinal_number(match["ordinal"]) if match["ordinal"] else None
                refs.append(MeetingRef(name, ordinal, match.start(), match.end()))
        return sorted(refs, key=lambda ref: ref.start)


@dataclass
class MeetingInfo:
    series: str
    ordinal: int | None = None
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    city: str = ""
    country: str = ""
    mode: str = ""
    chair: str = ""
    chair_country: str = ""
    co_chairs: str = ""

    @property
    def title(self):
        if self.ordinal:
            return f"{ordinal_label(self.ordinal)} {self.series}"
        return f"{self.series}, {self.start_date.day} {self.start_date:%B %Y}" if self.start_date else self.series


@dataclass
class Metadata:
    title: str
    kind: str
    meeting: MeetingInfo | None
    published_on: datetime.date | None = None
    summary: str = ""
    provenance: dict[str, str] = field(default_factory=dict)  # field name -> "found" or "guessed"


def find_kind(text: str) -> str:
    """The kind of document `text` (a title) names earliest, or ""."""
    found = [(match.start(), order, kind) for order, (kind, pattern) in enumerate(KIND_PATTERNS)
             for match in [pattern.search(text)] if match]
    return min(found)[2] if found else ""


# How much each sign counts towards a meeting being the document's own rather than one it mentions.
OWN_IN_TITLE = 100
OWN_HELD_PHRASE = 40
OWN_OCCASION_PHRASE = 12
OWN_WITH_KOREA = 15
OWN_IN_OPENING = 5
OWN_PER_MENTION = 2
OWN_MAX_MENTIONS = 5
# Matched at the end of a meeting's name (match() anchors there; a "^" would not).
HELD_AFTER = re.compile(r"\s*(?:\([^)]*\)\s*)?(?:was|were|is|has been)\s+(?:successfully\s+|officially\s+)?"
                        r"(?:held|convened|hosted|opened|organi[sz]ed)|\s*(?:\([^)]*\)\s*)?(?:took place|met|opened)\b"
                        r"|\s*(?:\([^)]*\)\s*)?,?\s*(?:held|convened)\s+(?:in|on|via|by)\b", re.I)
OCCASION_BEFORE = re.compile(r"(?:\b(?:at|during|of|on the occasion of|on the sidelines of|for|to) the\s+|"
                             r"\b(?:attended|chaired|hosted|co-chaired|adopted at)\s+the\s+)$", re.I)
PAST_BEFORE = re.compile(r"\b(?:since|previous|last|upcoming|next|forthcoming|earlier|preceding)\b[^.]{0,30}$", re.I)


def choose_meeting(title: str, opening: list[str], body: list[str], catalogue: SeriesCatalogue):
    """(series, ordinal) of the document's own meeting: named in the title, or the meeting the text says was
    held, or the one it names most as the occasion; an ASEAN-ROK meeting before the others it mentions."""
    scores = Counter()
    first_seen = {}
    title_text = normalise_series_text(title)
    title_refs = catalogue.find_all(title_text)
    for ref in title_refs:
        if ref.series in catalogue.mention_only:
            continue
        scores[(ref.series, ref.ordinal)] += OWN_IN_TITLE
        first_seen.setdefault((ref.series, ref.ordinal), -1)
    mentions = Counter()
    for position, paragraph in enumerate(opening + body):
        text = normalise_series_text(paragraph)
        for ref in catalogue.find_all(text):
            if ref.series in catalogue.mention_only:
                continue
            key = (ref.series, ref.ordinal)
            first_seen.setdefault(key, position)
            if PAST_BEFORE.search(text[max(0, ref.start - 40):ref.start]):
                continue
            mentions[key] += 1
            if position < len(opening):
                if HELD_AFTER.match(text, ref.end):
                    scores[key] += OWN_HELD_PHRASE
                elif OCCASION_BEFORE.search(text[max(0, ref.start - 40):ref.start]):
                    scores[key] += OWN_OCCASION_PHRASE
                scores[key] += OWN_IN_OPENING
    for key, count in mentions.items():
        scores[key] += OWN_PER_MENTION * min(count, OWN_MAX_MENTIONS)
    for key in list(scores):
        if "ROK" in key[0]:
            scores[key] += OWN_WITH_KOREA
    # A title naming the series without its ordinal takes the ordinal the text gives that series.
    for series, ordinal in list(scores):
        if ordinal is None and scores[(series, None)] >= OWN_IN_TITLE:
            numbered = [key for key in scores if key[0] == series and key[1] is not None]
            if numbered:
                best = max(numbered, key=lambda key: (scores[key], -first_seen[key]))
                scores[best] += scores.pop((series, None))
    # A meeting named without its ordinal is the document's own only when the title or the opening says so.
    candidates = [key for key in scores if key[1] is not None and mentions[key] + (scores[key] >= OWN_IN_TITLE)
                  or scores[key] >= OWN_OCCASION_PHRASE + OWN_IN_OPENING + OWN_WITH_KOREA * ("ROK" in key[0])]
    if not candidates:
        return None
    series, ordinal = max(candidates, key=lambda key: (scores[key], -first_seen[key]))
    if ordinal is None:  # "… at 23rd Foreign Ministers' Meeting": the ordinal before a shortened name
        ordinal = shortened_name_ordinal(series, " ".join([title, *opening]))
    return series, ordinal


def shortened_name_ordinal(series: str, text: str) -> int | None:
    """The ordinal printed before the series' name without its "ASEAN-ROK" part, if any."""
    short = re.sub(r"^(?:ASEAN-ROK|ASEAN|AEM-ROK|AMMTC \+ ROK)\s+", "", series)
    if short == series or len(short.split()) < 2:
        return None
    words = r"\s+".join(re.escape(word) for word in normalise_series_text(short).split())
    match = re.search(r"\b" + ORDINAL + r"\s+" + words + r"(?![\w-])", normalise_series_text(text), re.I)
    return ordinal_number(match["ordinal"]) if match else None


def demonym_country(word: str) -> str:
    """The country a nationality names: "Vietnamese" -> "Viet Nam", "Indonesian" -> "Indonesia"."""
    for cut in range(1, 4):
        country = find_country(word[:-cut])
        if country and len(word) - cut >= 4:
            return country
    return find_country(f"{word}land")  # "Thai" -> "Thailand"


def clean_person(text: str) -> str:
    """A person's name without honorifics and offices: "H.E. Prime Minister Hun Manet" -> "Hun Manet"."""
    text = DEMONYM_BEFORE_OFFICE.sub("", text.strip())
    text = re.sub(r"\s+of\s+(?:the\s+)?[A-Z][\w' ]+$|\s*\((?:Ret|Rtd|retired)\.?\)", "", text.strip())
    name = HONORIFIC.sub("", text).strip(" ,")
    return name if re.match(r"[A-Z]", name) and not is_country(name) else ""


def split_person_and_office(who: str) -> tuple[str, str]:
    """(name, country) from "HE Name, Title of X", "the Title of X, Name" or "Title Name of X"."""
    pieces = [piece.strip() for piece in re.split(r",\s*", who) if piece.strip()]
    demonym = DEMONYM_BEFORE_OFFICE.match(who.strip())
    country = find_country(who) or (demonym_country(demonym["demonym"]) if demonym else "")
    for piece in pieces:
        if " of " in piece and not re.match(r"(?:H\.?\s?E|His|Her|Mr|Ms|Dr)\b", piece) and len(pieces) > 1:
            continue  # "Prime Minister of Malaysia": an office
        if re.match(r"(the|his|her)\s+(?!majesty|excellency|royal|hon(?:ou?rable|\.))", piece, re.I):
            continue
        name = clean_person(piece)
        if name and len(name.split()) <= 8:
            return name, country
    return "", country


def split_chairs(who: str):
    """"HE Name, Title of X, and HE Name, Title of Y" (either order of name and title) -> [(name, country)]"""
    parts = [piece for part in re.split(r",\s+and\s+", who)
             for piece in re.split(r"\s+and\s+(?=HE\b|H\.E|[A-Z][a-z]+\s+[A-Z])", part)]
    chairs = [split_person_and_office(part) for part in parts]
    return [(name, country) for name, country in chairs if name or country]


def find_chairs(text: str) -> tuple[str, str, str]:
    """(chair, chair country, co-chairs) from "chaired by …", "under the chairmanship of …", "… as ASEAN Chair"
    or "… co-chaired …"."""
    text = ABBREVIATION_DOTS.sub(lambda m: m.group(1).replace(".", "").replace(" ", ""), text)
    match = CHAIRED_BY.search(text)
    if match:
        name, country = split_person_and_office((match["who"] or match["who2"]).strip())
        if name or country:
            return name, country, ""
    match = CHAIRED_THE.search(text)
    if match:
        name, country = split_person_and_office(match["who"])
        if HONORIFIC.sub("", f"{name} ").strip():  # a name, not an office alone ("the Minister chaired …")
            return name, country, ""
    match = CO_CHAIRED_WITH.search(text) or CO_CHAIRED_BY.search(text) or CO_CHAIRED.search(text)
    if match:
        chairs = split_chairs(match["who"] if "other" not in match.groupdict() else f"{match['who']}, and {match['other']}")
        if chairs:
            co_chairs = "; ".join(f"{name} ({country})" if country and name else name or country
                                  for name, country in chairs)
            # An ASEAN-ROK meeting is chaired on the ASEAN side by the country coordinator.
            asean_side = next(((n, c) for n, c in chairs if c and c != "ROK"), chairs[0])
            return asean_side[0], asean_side[1], co_chairs
    match = ADDRESSED_CHAIR.search(text)  # remarks that open "Mr. Chair, President Joko Widodo, …"
    if match:
        name, country = split_person_and_office(match["who"])
        if name:
            return name, country, ""
    match = AS_CHAIR.search(text)
    if match:
        name, country = split_person_and_office(match["who"])
        if name or country:
            return name, country, ""
    match = HOSTED_BY.search(text)
    if match:
        name, country = split_person_and_office(match["who"].strip())
        if name or country:
            return name, country, ""
    return "", "", ""


# Words of a site's name, menu or section label rather than of a document's title.
SITE_WORDS = re.compile(
    r"\||\s[>»›]\s|\bwww\.|\.(?:com|org|net|go\.\w\w|gov(?:\.\w\w)?)\b|\b(?:ministry|department|office|mission|embassy|database"
    r"|institute|university|portal|upload|sign in|log ?in|register|menu|press releases|press room|speeches|news|home|search"
    r"|briefing room|cheong wa dae)\b", re.I)
TITLE_MAX_WORDS = 40
# "(250925) Consultation press release.hwp": an attachment's file name, not the title.
FILE_NAME = re.compile(r"\.(?:pdf|docx?|hwpx?|txt|html?|xlsx?|zip)$", re.I)
TITLE_CONTINUATION_WORDS = 6
TITLE_PAIR_MARGIN = 1  # a pair of lines must score clearly better than the line alone
KIND_LABEL = re.compile(r"^\W*(?:" + "|".join(pattern for _, pattern in KINDS) + r")\W*(?:no\.?\s*[\w/-]+)?\W*$", re.I)


def pick_title(header: list[str], catalogue=None) -> str:
    """The header line that reads most like a document's title (names a kind or a meeting; no site name)."""
    best, best_score = "", None
    # A title may be printed over two lines ("… Commemorative" / "Summit"): each line and each pair is a candidate.
    candidates = [(position, line) for position, line in enumerate(header)] + [
        (position, f"{line} {following}") for position, (line, following) in enumerate(zip(header, header[1:]))
        if not re.search(r"[.:;]$", line) and len(following.split()) <= TITLE_CONTINUATION_WORDS]
    for position, line in candidates:
        words = len(re.findall(r"[A-Za-z]{2,}", line))
        if is_date_line(line) or line.rstrip().endswith(".") or words < 2 or words > TITLE_MAX_WORDS \
                or PLACE_LABEL.match(line) or is_preamble_line(line) or FILE_NAME.search(line):
            continue
        kind_label_only = bool(KIND_LABEL.match(line))  # "PRESS RELEASE", "Press Release No. 305/2562"
        score = (10 if find_kind(line) and not kind_label_only else 0) - (6 if kind_label_only else 0) + (
            8 if catalogue and catalogue.find_all(normalise_series_text(line)) else 0) - (
            12 if SITE_WORDS.search(line) else 0) - position * 0.1
        if best_score is None or score > best_score + TITLE_PAIR_MARGIN * (line.count(" ") > best.count(" ")):
            best, best_score = line, score
    return TITLE_LABEL.sub("", best)


def is_preamble_line(line: str) -> bool:
    return len(line.split()) >= 8 and bool(re.search(r"[;,:]$", line))


def find_place(texts: list[str], held_only=False) -> tuple[str, str, str]:
    """(city, country, how) where the text says the meeting was held: "found" from "held in …", else (unless
    `held_only`) any gazetteer city named after "in"/"at"; ("", country, …) when only a country is named."""
    for text in texts:
        located = find_city(text) if len(text.split()) <= 4 else None  # a place line: "Jakarta"
        if located:
            return located[0], located[1], "found"
        for match in HELD_IN.finditer(text):
            city = find_city(match["city"])
            country = find_country(match["country"]) if match["country"] else ""
            if city:
                return city[0], country or city[1], "found"
            if is_country(match["city"]):
                return "", find_country(match["city"]), "found"
    for text in texts if not held_only else ():
        for match in IN_PLACE.finditer(text):
            city = find_city(match["city"])
            if city and not is_country(match["city"]):
                country = find_country(match["country"]) if match["country"] else ""
                return city[0], country or city[1], "guessed"
    return "", "", ""


def is_news_report(title: str, opening: str) -> bool:
    """A newspaper's own report (agency credit, byline, newspaper name) rather than a document it reprints."""
    kind_match = find_kind(title)
    starts_with_kind = bool(kind_match) and re.match(r"^\W*(?:\([A-Z]+\)\s*)?(?:full text\W+)?(?:the\s+)?"
                                                     r"(?:[A-Z][\w'-]*\s+){0,8}?" + KINDS_BY_NAME[kind_match], title, re.I)
    return bool(NEWS_SIGNS.search(opening)) and not starts_with_kind



def day_in_year(match, year: int) -> datetime.date | None:
    """The day a DAY_MONTH_ONLY match names, in `year` (None if that year has no such day)."""
    return _date(year, MONTHS[(match["month"] or match["month2"]).lower()], match["day"] or match["day2"])


def day_before(match, release: datetime.date) -> datetime.date | None:
    """The day a DAY_MONTH_ONLY match names, on or before a release date (in its year, or the year before)."""
    for year in (release.year, release.year - 1):
        found = day_in_year(match, year)
        if found and found <= release:
            return found
    return None


def held_phrase(opening: str, series: str, catalogue: SeriesCatalogue):
    """The first "held … on <date>" of the opening in a sentence that names the document's own series ("the
    Summit, which took place in Busan on November 26"), else the first at all ("held a briefing on December 10"
    tells of the briefing)."""
    phrases = list(HELD_ON.finditer(opening))
    for phrase in phrases:
        sentence = opening[opening.rfind(". ", 0, phrase.start()) + 1:phrase.end()]
        if any(ref.series == series for ref in catalogue.find_all(normalise_series_text(sentence))):
            return phrase
    return phrases[0] if phrases else None


def is_venue_line(line: str) -> bool:
    """"Vientiane, Lao PDR, 10 October 2024", "24 September 2025, Kuala Lumpur": a date line naming where the
    meeting was held (or the text adopted), printed under a statement's title or at its end."""
    if not is_date_line(line) or PUBLICATION_LABEL.search(line):
        return False
    place = line
    for pattern in (DAY_MONTH_YEAR, MONTH_DAY_YEAR, NUMERIC_DATE, ISO_DATE):
        place = pattern.sub(" ", place)
    place = place.strip(" ,.-–/")
    return bool(place) and bool(find_city(place) or find_country(place))


def is_letterhead_dateline(line: str) -> bool:
    """A letterhead that ends in the release's place and date: "INTERNATIONAL COOPERATION Phnom Penh, 12 November
    2022"."""
    match = LETTERHEAD_DATELINE.search(line)
    words = match["words"].split() if match else []
    city = any(find_city(" ".join(words[start:])) for start in range(len(words)))
    return city and not re.search(
        r"\b(summit|meeting|statement|dialogue|held|was|were|adopted|signed|done)\b", line, re.I)


def find_published_on(header: list[str], dateline, footer: list[str], page_date: datetime.date | None):
    """(release date, "found" or "guessed") from the header, the opening dateline, the closing lines or the page's
    markup: a labelled date ("Date : 2021-10-28", "Posted on", "Last updated") first, then a date line (a
    letterhead's "… Phnom Penh, 12 November 2022" too), the page's own date before a meeting's venue line, and
    never a sharing site's upload date or a catalogue's [Date] beside its [Place]."""
    catalogue_record = any(PLACE_LABEL.match(line) for line in header)
    lines = [line for line in header if not UPLOADED.search(line)
             and not (catalogue_record and CATALOGUE_DATE.match(line))]
    for line in lines:
        labelled = PUBLICATION_LABEL.search(line)
        if labelled and (dates := parse_date(line[labelled.end():])):
            return dates[0], "found"
    venue_date = None
    for line in lines:
        if is_venue_line(line):
            venue_date = venue_date or parse_date(line)[0]
        elif is_date_line(line) or is_letterhead_dateline(line):
            return parse_date(line)[0], "found"
    if venue_date:
        return page_date or venue_date, "found"
    if dateline and (dates := parse_date(dateline["date"])):
        return dates[0], "found"
    for line in footer:
        if not is_venue_line(line) and (dates := parse_date(line)):
            return dates[0], "found"
    return (page_date, "guessed") if page_date else (None, "")


def extract_metadata(header: list[str], paragraphs: list[str], catalogue: SeriesCatalogue,
                     footer: list[str] = (), page_date: datetime.date | None = None, byline: str = "") -> Metadata:
    """Metadata for a statement; `meeting` is None when no meeting of a known series is named."""
    found = {}
    title = pick_title(header, catalogue)
    summary = " ".join(line for line in header if line != title and not is_date_line(line) and line.endswith("."))
    dateline = DATELINE.match(paragraphs[0]) if paragraphs else None
    header_lines = [line for line in header if line != title and not line.endswith(".")]
    opening_paragraphs = [*header_lines, summary, *paragraphs[:2]] if summary else [*header_lines, *paragraphs[:2]]
    opening = f"{title}. {summary} {' '.join(paragraphs[:2])}"

    own = choose_meeting(title, opening_paragraphs, paragraphs[2:], catalogue)
    meeting = MeetingInfo(series=own[0], ordinal=own[1]) if own else None
    if meeting:
        found["meeting"] = "found"

    kind = find_kind(title)
    found["kind"] = "found" if kind else "guessed"
    # A web page's byline ("By Sarah Kim") is a reporter's: read with the opening as a sign of a news report.
    if is_news_report(title, "\n".join([*header, *paragraphs[:2], *([f"By {byline}"] if byline else [])])):
        kind, found["kind"] = "News Article", "guessed"
    kind = kind or ("Press Release" if dateline else "") or find_kind(summary) or (
        "Statement" if re.search(r"\bstatement\b", title, re.I) or not title else "Press Release")
    found["title"] = "found" if title else "guessed"
    if not title:
        title = f"{kind}: {meeting.title}" if meeting else kind

    published_on, how_published = find_published_on(header, dateline, footer, page_date)
    if published_on:
        found["published_on"] = how_published
    if meeting is None:
        return Metadata(title, kind, None, published_on, summary, found)

    held = held_phrase(opening, meeting.series, catalogue) or OPENS_WITH_DATE.search(paragraphs[0] if paragraphs else "")
    dates = parse_date(held["date"]) if held else None
    if dates:
        found["start_date"] = "found"
    elif held and DAY_MONTH_ONLY.search(held["date"]):
        # "met in Busan on 26 November": the day in the year of the printed release date, else left to the admin.
        day = day_before(DAY_MONTH_ONLY.search(held["date"]), published_on) if how_published == "found" else None
        dates = (day, None) if day else None
        found["start_date"] = "guessed" if day else "year not printed"
    elif dateline and parse_date(dateline["date"]) and kind != "News Article":
        dates = parse_date(dateline["date"])
        found["start_date"] = "guessed"
    elif parse_date(" ".join(opening_paragraphs)):
        dates = parse_date(" ".join(opening_paragraphs))
        found["start_date"] = "guessed"
    if dates:
        meeting.start_date, meeting.end_date = dates

    video = VIDEOCONFERENCE.search(opening)
    # A venue line under the title ("Jakarta Convention Center, Jakarta") says where a meeting met in person.
    place_lines = [m["place"] for line in header
                   for m in [PLACE_LABEL.match(line) or (None if video else VENUE_LINE.match(line))] if m]
    # The place is read where the text introduces its own meeting, before it turns to other meetings.
    place_texts = [*place_lines, f"{title}. {summary} {paragraphs[0] if paragraphs else ''}", *paragraphs[1:2]]
    city, country, how = find_place(place_texts[:-1] if video else place_texts, held_only=bool(video))
    if not city and not country and dateline and kind != "News Article":
        located = find_city(dateline["city"].title())
        if located:
            city, country, how = *located, "guessed"
    if city or country:
        meeting.city, meeting.country = city, country
        found["city"] = how if city else "not found"
        found["country"] = how
    if video:
        meeting.mode, found["mode"] = "videoconference", "found"
    elif city or country:
        meeting.mode, found["mode"] = "in_person", "guessed"

    # Remarks may open in the header: "Mr. Chair, President Joko Widodo, …" comes before the first paragraph.
    chair_texts = [line for line in header[header.index(title) + 1:] if not line.endswith(".")] if title in header else []
    meeting.chair, meeting.chair_country, meeting.co_chairs = find_chairs(" ".join([*chair_texts, summary, *paragraphs]))
    if meeting.chair and not meeting.chair_country and meeting.country in ASEAN_MEMBERS:
        meeting.chair_country = meeting.country  # an ASEAN chair hosts the meetings it chairs
    for name in ("chair", "chair_country", "co_chairs"):
        if getattr(meeting, name):
            found[name] = "found"
    return Metadata(title, kind, meeting, published_on, summary, found)
