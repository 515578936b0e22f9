"""Structure to metadata: title, kind, meeting, dates, place, mode and chair.

Pure functions; the list of meeting series comes in as data (see `SeriesCatalogue`).
Each extracted field is marked "found" (printed in the statement) or "guessed" (derived),
so the admin can see what to check.
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
DAY = r"(?<!\d)(?P<day>\d{1,2})(?:st|nd|rd|th)?"
END_DAY = r"(?:\s*(?:[-–—]|to|and)\s*(?P<end_day>\d{1,2})(?:st|nd|rd|th)?)?"
DAY_MONTH_YEAR = re.compile(DAY + END_DAY + r"\s+" + MONTH + r",?\s+(?P<year>\d{4})\b", re.I)
MONTH_DAY_YEAR = re.compile(r"\b" + MONTH + r"\s+" + DAY + END_DAY + r",?\s+(?P<year>\d{4})\b", re.I)
NUMERIC_DATE = re.compile(r"(?<!\d)(?P<day>\d{1,2})[-/.](?P<month>\d{1,2})[-/.](?P<year>\d{4})(?!\d)")
ISO_DATE = re.compile(r"(?<!\d)(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?!\d)")
# "JAKARTA, 26 August 2020 –Today, ..." opens a press release.
DATELINE = re.compile(
    r"^(?P<city>[A-Z][A-Za-z .'-]{1,40}?)(?:,\s*[A-Z][A-Za-z .'-]{1,30}?)?,\s+"
    r"(?P<date>\d{1,2}\s+[A-Za-z]+\.?\s+\d{4}|[A-Za-z]+\.?\s+\d{1,2},\s+\d{4})\b"
)
HELD_ON = re.compile(r"\b(?:held|convened|took place|met)\b[^.]*?\b(?:on|from)\s+(?P<date>[^.]{4,60})")
VIDEOCONFERENCE = re.compile(r"\b(video\s*-?\s*conferenc\w*|virtual(ly)?|online meeting|video link)\b", re.I)
HELD_IN = re.compile(
    r"\b(?:held|convened|took place|met)\s+in\s+(?P<city>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})"
    r"(?:,\s*(?P<country>(?:the\s+)?[A-Z][\w ]+?))?(?=\s+(?:on|from|in|under)\b|[.,;])"
)
CHAIRED_BY = re.compile(r"\b(?<!co-)chaired by (?P<who>.+?)(?=,?\s+and\s+(?:was\s+)?attended\b|,\s+with\b|[.;]\s|[.;]?$)")
HONORIFIC = re.compile(r"^(?:H\.?\s?E\.?|HE|Mr\.?|Ms\.?|Mrs\.?|Dr\.?)\s+")
# Abbreviations whose full stops would otherwise end a sentence early.
ABBREVIATION_DOTS = re.compile(r"\b(H\.\s?E|Mr|Ms|Mrs|Dr|St|Jr|U\.S)\.")
CHAIRMANSHIP = re.compile(r"\bunder the (?:chairmanship|chairship|chair) of (?:the\s+)?(?P<country>[A-Z][\w ]+)")
CO_CHAIRED = re.compile(r"(?P<who>[^.]+?),?\s+co-chaired\b", re.I)
CO_CHAIRED_BY = re.compile(r"\bco-chaired by (?P<who>[^.]+)", re.I)

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
    "Siem Reap": "Cambodia", "Vientiane": "Lao PDR", "Luang Prabang": "Lao PDR", "Kuala Lumpur": "Malaysia",
    "Nay Pyi Taw": "Myanmar", "Naypyidaw": "Myanmar", "Manila": "Philippines", "Singapore": "Singapore",
    "Bangkok": "Thailand", "Pattaya": "Thailand", "Cha-am": "Thailand", "Hua Hin": "Thailand", "Ha Noi": "Viet Nam",
    "Hanoi": "Viet Nam", "Da Nang": "Viet Nam", "Ho Chi Minh City": "Viet Nam", "Seoul": "ROK", "Busan": "ROK",
    "Jeju": "ROK", "Incheon": "ROK", "Bali": "Indonesia", "Labuan Bajo": "Indonesia",
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
    r"\bASEAN\s*(?:[-–—+]|\bplus\b)?\s*(?:the\s+)?(?:Republic\s+of\s+Korea(?:\s*\(ROK\))?|ROK|Korea)\b", re.I
)
# "(APT)", "(ROK)", "(AMMTC + ROK)": acronyms in brackets inside a meeting's name
BRACKETED_ACRONYM = re.compile(r"\s*\((?:[A-Z][A-Za-z+&\- ]{1,15})\)")


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
    for pattern in (ISO_DATE, NUMERIC_DATE):
        match = pattern.search(text)
        if match:
            start = _date(match["year"], match["month"], match["day"])
            if start:
                found.append((match.start(), start, None))
    if not found:
        return None
    position, start, end = min(found, key=lambda item: item[0])
    return start, end, position


def parse_date(text: str):
    """(first day, last day or None) of the first date in `text`, or None."""
    found = find_date(text)
    return (found[0], found[1]) if found else None


def is_date_line(text: str) -> bool:
    """A line that is a date and little else ("21-11-2020, 06:00:00", "September 6, 2023")."""
    return len(text) <= 60 and find_date(text) is not None and len(re.findall(r"[A-Za-z]{3,}", text)) <= 3 \
        and not re.search(r"\b(summit|meeting|statement|dialogue)\b", text, re.I)


def normalise_series_text(text: str) -> str:
    text = text.replace("’", "'").replace("–", "-").replace("—", "-")
    text = ASEAN_KOREA.sub("ASEAN-ROK", text)
    return BRACKETED_ACRONYM.sub("", text)


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
                r"(?:\b" + ORDINAL + r"\s+)?(?P<special>Special\s+)?" + r"(?<![\w-])" + words + r"(?![\w-])", re.I)))

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

    def find_meeting(self, text: str) -> tuple[str, int] | None:
        """The first "21st ASEAN-ROK Summit"-like mention (with an ordinal) in `text`: (series, ordinal)."""
        refs = self.find_all(normalise_series_text(text), with_ordinal_only=True)
        return (refs[0].series, refs[0].ordinal) if refs else None


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
    for kind, pattern in KINDS:
        if re.search(pattern, text, re.I):
            return kind
    return ""


def find_country(text: str) -> str:
    """The archive's name for the country named in `text`, or ""; ASEAN members are tried before Korea."""
    text = text.replace("’", "'")
    for country, spellings in COUNTRIES.items():
        for spelling in spellings:
            if re.search(r"\b" + re.escape(spelling) + r"\b", text) and not (
                    country == "ROK" and re.search(r"Democratic People's Republic of Korea|DPRK", text)):
                return country
    return ""


def split_chairs(who: str):
    """"HE Name, Title of X, and HE Name, Title of Y" (either order of name and title) -> [(name, country)]"""
    parts = re.split(r",\s+and\s+", who) if ", and " in who else re.split(r"\s+and\s+(?=HE\b|[A-Z][a-z]+\s+[A-Z])", who)
    chairs = []
    for part in parts:
        pieces = [piece.strip() for piece in part.split(",") if piece.strip()]
        name = next((HONORIFIC.sub("", p) for p in pieces if HONORIFIC.match(p)), "") or next(
            (p for p in pieces if " of " not in p and not re.match(r"(the|his|her)\b", p, re.I)), "")
        chairs.append((name, find_country(part)))
    return [(name, country) for name, country in chairs if name or country]


def find_chairs(text: str) -> tuple[str, str, str]:
    """(chair, chair country, co-chairs) from "chaired by …", "… co-chaired …" or "under the chairmanship of …"."""
    text = ABBREVIATION_DOTS.sub(lambda m: m.group(1).replace(".", "").replace(" ", ""), text)
    match = CHAIRED_BY.search(text)
    if match:
        who = match["who"].strip()
        name, _, role = who.partition(",")
        if re.match(r"(the|his|her)\b", name.strip(), re.I) or not role:
            return "", find_country(who), ""  # "chaired by the Prime Minister of Malaysia": no name given
        return HONORIFIC.sub("", name.strip()), find_country(role), ""
    match = CO_CHAIRED_BY.search(text) or CO_CHAIRED.search(text)
    if match:
        chairs = split_chairs(match["who"])
        if chairs:
            co_chairs = "; ".join(f"{name} ({country})" if country and name else name or country
                                  for name, country in chairs)
            # An ASEAN-ROK meeting is chaired on the ASEAN side by the country coordinator.
            asean_side = next(((n, c) for n, c in chairs if c and c != "ROK"), chairs[0])
            return asean_side[0], asean_side[1], co_chairs
    match = CHAIRMANSHIP.search(text)
    if match:
        return "", find_country(match["country"]), ""
    return "", "", ""


def pick_title(header: list[str]) -> str:
    for line in header:
        if is_date_line(line) or line.rstrip().endswith(".") or len(re.findall(r"[A-Za-z]{2,}", line)) < 2:
            continue
        return line
    return ""


def extract_metadata(header: list[str], paragraphs: list[str], catalogue: SeriesCatalogue) -> Metadata:
    """Metadata for a statement; `meeting` is None when no meeting of a known series is named."""
    found = {}
    title = pick_title(header)
    summary = " ".join(line for line in header if line != title and not is_date_line(line) and line.endswith("."))
    first_text = " ".join(paragraphs[:2])
    dateline = DATELINE.match(paragraphs[0]) if paragraphs else None

    meeting = None
    # The title names the meeting even without an ordinal ("… of the ASEAN-ROK Commemorative Summit");
    # elsewhere only a meeting with an ordinal is taken to be the document's own.
    title_refs = catalogue.find_all(normalise_series_text(title)) if title else []
    if title_refs:
        meeting = MeetingInfo(series=title_refs[0].series, ordinal=title_refs[0].ordinal)
        found["meeting"] = "found"
    for text in ("", summary, first_text, " ".join(paragraphs)) if meeting is None else ():
        meeting_ref = catalogue.find_meeting(text) if text else None
        if meeting_ref:
            meeting = MeetingInfo(series=meeting_ref[0], ordinal=meeting_ref[1])
            found["meeting"] = "found"
            break

    kind = find_kind(title)
    found["kind"] = "found" if kind else "guessed"
    kind = kind or ("Press Release" if dateline else "") or find_kind(summary) or "Statement"
    found["title"] = "found" if title else "guessed"
    if not title:
        title = f"{kind}: {meeting.title}" if meeting else kind

    published_on = None
    for line in header:
        if is_date_line(line):
            published_on = parse_date(line)[0]
            found["published_on"] = "found"
            break
    if dateline and not published_on:
        published_on = parse_date(dateline["date"])[0]
        found["published_on"] = "found"
    if meeting is None:
        return Metadata(title, kind, None, published_on, summary, found)

    opening = f"{title}. {summary} {paragraphs[0] if paragraphs else ''}"
    held = HELD_ON.search(opening)
    dates = parse_date(held["date"]) if held else None
    if dates:
        found["start_date"] = "found"
    elif dateline:
        dates = parse_date(dateline["date"])
        found["start_date"] = "guessed"
    elif parse_date(first_text):
        dates = parse_date(first_text)
        found["start_date"] = "guessed"
    if dates:
        meeting.start_date, meeting.end_date = dates

    place = HELD_IN.search(opening)
    if place:
        meeting.city, found["city"] = place["city"], "found"
        if place["country"] and find_country(place["country"]):
            meeting.country, found["country"] = find_country(place["country"]), "found"
    elif dateline:
        meeting.city, found["city"] = dateline["city"].title(), "found"
    if meeting.city and not meeting.country and meeting.city in CITIES:
        meeting.country, found["country"] = CITIES[meeting.city], "guessed"

    if VIDEOCONFERENCE.search(opening):
        meeting.mode, found["mode"] = "videoconference", "found"
    elif place:
        meeting.mode, found["mode"] = "in_person", "guessed"

    meeting.chair, meeting.chair_country, meeting.co_chairs = find_chairs(" ".join([summary, *paragraphs]))
    for name in ("chair", "chair_country", "co_chairs"):
        if getattr(meeting, name):
            found[name] = "found"
    return Metadata(title, kind, meeting, published_on, summary, found)
