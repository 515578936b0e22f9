"""Structure to metadata: title, kind, meeting, dates, place, mode and chair.

Pure functions; the list of meeting series comes in as data (see `SeriesCatalogue`).
"""

import datetime
import re
from dataclasses import dataclass, field

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
DAY_MONTH_YEAR = re.compile(r"\b(?P<day>\d{1,2})(?:\s*[-–]\s*(?P<end_day>\d{1,2}))?\s+" + MONTH + r",?\s+(?P<year>\d{4})\b", re.I)
MONTH_DAY_YEAR = re.compile(r"\b" + MONTH + r"\s+(?P<day>\d{1,2})(?:\s*[-–]\s*(?P<end_day>\d{1,2}))?,?\s+(?P<year>\d{4})\b", re.I)
NUMERIC_DATE = re.compile(r"^(?P<day>\d{1,2})[-/.](?P<month>\d{1,2})[-/.](?P<year>\d{4})(?:,?\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
ISO_DATE = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})$")
# "JAKARTA, 26 August 2020 –Today, ..." opens a press release.
DATELINE = re.compile(r"^(?P<city>[A-Z][A-Za-z .'-]{1,40}?),\s+(?P<date>\d{1,2}\s+[A-Za-z]+\.?\s+\d{4}|[A-Za-z]+\.?\s+\d{1,2},\s+\d{4})\b")

VIDEOCONFERENCE = re.compile(r"\b(video\s*-?\s*conferenc\w*|virtual(ly)?|online meeting)\b", re.I)
HELD_IN = re.compile(r"\bheld\s+in\s+(?P<city>[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+){0,2})(?:,\s*(?P<country>[A-Z][\w ]+?))?\s+(?:on|from)\b")
CHAIRED_BY = re.compile(r"\bchaired by (?:H\.?\s?E\.?\s+)?(?P<name>[^,]+),\s+(?P<role>[^.;]+?)(?:[.;]|,\s+and\b)")
CO_CHAIRED = re.compile(r"(?P<who>[^.]+?),?\s+co-chaired\b", re.I)

KINDS = [
    ("Co-Chairs' Statement", r"co-?chairs?['’]?\s+statement"),
    ("Chairman's Statement", r"chairman['’]?s\s+statement"),
    ("Chair's Statement", r"chair['’]?s\s+statement"),
    ("Joint Media Statement", r"joint\s+media\s+statement"),
    ("Joint Vision Statement", r"joint\s+vision\s+statement"),
    ("Vision Statement", r"vision\s+statement"),
    ("Joint Statement", r"joint\s+statement"),
    ("Joint Declaration", r"joint\s+declaration"),
    ("Declaration", r"declaration"),
    ("Plan of Action", r"plan\s+of\s+action"),
    ("Press Release", r"press\s+release|media\s+release"),
    ("Report", r"\breport\b"),
]

# Countries as the archive names them, with the other ways statements write them.
COUNTRIES = {
    "Brunei Darussalam": ["Brunei Darussalam", "Brunei"],
    "Cambodia": ["Kingdom of Cambodia", "Cambodia"],
    "Indonesia": ["Republic of Indonesia", "Indonesia"],
    "Lao PDR": ["Lao People's Democratic Republic", "Lao PDR", "Laos"],
    "Malaysia": ["Malaysia"],
    "Myanmar": ["Republic of the Union of Myanmar", "Myanmar"],
    "Philippines": ["Republic of the Philippines", "Philippines"],
    "Singapore": ["Republic of Singapore", "Singapore"],
    "Thailand": ["Kingdom of Thailand", "Thailand"],
    "Viet Nam": ["Socialist Republic of Viet Nam", "Viet Nam", "Vietnam"],
    "Timor-Leste": ["Timor-Leste"],
    "ROK": ["Republic of Korea", "ROK", "South Korea", "Korea"],
}
CITIES = {
    "Jakarta": "Indonesia", "Bandar Seri Begawan": "Brunei Darussalam", "Phnom Penh": "Cambodia",
    "Siem Reap": "Cambodia", "Vientiane": "Lao PDR", "Kuala Lumpur": "Malaysia", "Nay Pyi Taw": "Myanmar",
    "Manila": "Philippines", "Singapore": "Singapore", "Bangkok": "Thailand", "Pattaya": "Thailand",
    "Cha-am": "Thailand", "Ha Noi": "Viet Nam", "Hanoi": "Viet Nam", "Da Nang": "Viet Nam",
    "Seoul": "ROK", "Busan": "ROK", "Jeju": "ROK", "Bali": "Indonesia", "Labuan Bajo": "Indonesia",
}

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
# Any spelling of Korea next to ASEAN is read as "ASEAN-ROK" when matching series names.
ASEAN_KOREA = re.compile(
    r"\bASEAN\s*[-–—]?\s*(?:the\s+)?(?:Republic\s+of\s+Korea(?:\s*\(ROK\))?|ROK|Korea)\b", re.I
)


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


def parse_date(text: str) -> tuple[datetime.date, datetime.date | None] | None:
    """The first date in `text` and, for a range such as "1 – 2 June 2009", its last day."""
    text = text.strip()
    for pattern in (NUMERIC_DATE, ISO_DATE):
        match = pattern.match(text)
        if match:
            try:
                return datetime.date(int(match["year"]), int(match["month"]), int(match["day"])), None
            except ValueError:
                return None
    for pattern in (DAY_MONTH_YEAR, MONTH_DAY_YEAR):
        match = pattern.search(text)
        if match:
            month = MONTHS[match["month"].lower()]
            try:
                start = datetime.date(int(match["year"]), month, int(match["day"]))
                end = datetime.date(start.year, month, int(match["end_day"])) if match["end_day"] else None
            except ValueError:
                continue
            return start, end
    return None


def is_date_line(text: str) -> bool:
    return bool(NUMERIC_DATE.match(text.strip()) or ISO_DATE.match(text.strip())) or (
        len(text) < 40 and parse_date(text) is not None
    )


def normalise_series_text(text: str) -> str:
    text = text.replace("’", "'").replace("–", "-")
    return ASEAN_KOREA.sub("ASEAN-ROK", text)


@dataclass
class SeriesCatalogue:
    """Meeting series names and their aliases, longest first so that specific names win."""

    names: dict[str, list[str]]

    def patterns(self):
        spellings = [
            (normalise_series_text(spelling), name)
            for name, aliases in self.names.items()
            for spelling in [name, *aliases]
        ]
        spellings.sort(key=lambda pair: len(pair[0]), reverse=True)
        for spelling, name in spellings:
            words = r"\s+".join(re.escape(word) for word in spelling.split())
            yield name, re.compile(ORDINAL + r"\s+" + words + r"\b", re.I)

    def find_meeting(self, text: str) -> tuple[str, int] | None:
        """The first "21st ASEAN-ROK Summit"-like mention in `text`: (series name, ordinal)."""
        text = normalise_series_text(text)
        best = None
        for name, pattern in self.patterns():
            match = pattern.search(text)
            if match and (best is None or match.start() < best[0]):
                best = (match.start(), name, ordinal_number(match["ordinal"]))
        return (best[1], best[2]) if best else None


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
        return f"{self.series} {self.start_date:%Y}" if self.start_date else self.series


@dataclass
class Metadata:
    title: str
    kind: str
    meeting: MeetingInfo | None
    published_on: datetime.date | None = None
    summary: str = ""
    notes: list[str] = field(default_factory=list)


def find_kind(text: str) -> str:
    for kind, pattern in KINDS:
        if re.search(pattern, text, re.I):
            return kind
    return ""


def find_country(text: str) -> str:
    """The archive's name for the country named in `text`, or ""; ASEAN members are tried before Korea."""
    text = text.replace("’", "'")
    for country, spellings in COUNTRIES.items():
        for spelling in spellings:
            if re.search(r"\b" + re.escape(spelling) + r"\b", text):
                return country
    return ""


def find_chairs(text: str) -> tuple[str, str, str]:
    """(chair, chair country, co-chairs) from "chaired by …" or "… co-chaired the …"."""
    match = CHAIRED_BY.search(text)
    if match:
        return match["name"].strip(), find_country(match["role"]), ""
    match = CO_CHAIRED.search(text)
    if not match:
        return "", "", ""
    chairs = []
    for part in re.split(r",?\s+and\s+(?=[A-Z])", match["who"]):
        role, _, name = part.rpartition(",")
        chairs.append((name.strip(), find_country(role)))
    chairs = [(name, country) for name, country in chairs if name]
    if not chairs:
        return "", "", ""
    co_chairs = "; ".join(f"{name} ({country})" if country else name for name, country in chairs)
    # An ASEAN-ROK meeting is chaired on the ASEAN side by the country coordinator.
    asean_side = next(((n, c) for n, c in chairs if c and c != "ROK"), chairs[0])
    return asean_side[0], asean_side[1], co_chairs


def extract_metadata(header: list[str], paragraphs: list[str], catalogue: SeriesCatalogue) -> Metadata:
    """Metadata for a statement; `meeting` is None when no meeting of a known series is named."""
    title = next((line for line in header if not is_date_line(line) and line.rstrip()[-1:] != "."), "")
    summary = " ".join(line for line in header if line != title and not is_date_line(line))
    first_text = " ".join(paragraphs[:2])
    dateline = DATELINE.match(paragraphs[0]) if paragraphs else None

    meeting = None
    for text in (title, summary, first_text, " ".join(paragraphs)):
        meeting_ref = catalogue.find_meeting(text) if text else None
        if meeting_ref:
            meeting = MeetingInfo(series=meeting_ref[0], ordinal=meeting_ref[1])
            break

    kind = find_kind(title) or ("Press Release" if dateline else "") or find_kind(summary) or "Statement"
    if not title:
        title = f"{kind}: {meeting.title}" if meeting else kind

    published_on = None
    for line in header:
        if is_date_line(line):
            published_on = parse_date(line)[0]
            break

    opening = f"{summary} {first_text}"
    held = re.search(r"\bheld\b[^.]*?\bon\s+(?P<date>[^.]*)", opening)
    dates = parse_date(held["date"]) if held else None
    if dateline:
        meeting.city = dateline["city"].title()
        dates = dates or parse_date(dateline["date"])
        published_on = published_on or parse_date(dateline["date"])[0]
    if meeting is None:
        return Metadata(title=title, kind=kind, meeting=None, published_on=published_on, summary=summary)
    if dates:
        meeting.start_date, meeting.end_date = dates
    place = HELD_IN.search(opening)
    if place and not meeting.city:
        meeting.city = place["city"]
    meeting.country = CITIES.get(meeting.city, "") or (place and find_country(place["country"] or "")) or ""
    if VIDEOCONFERENCE.search(opening):
        meeting.mode = "videoconference"
    elif place:
        meeting.mode = "in_person"
    meeting.chair, meeting.chair_country, meeting.co_chairs = find_chairs(" ".join(paragraphs))

    return Metadata(title=title, kind=kind, meeting=meeting, published_on=published_on, summary=summary)
