"""Geocoding: spaCy place entities (GPE/LOC/FAC) to gazetteer places, and an article's focus.

Consumes a parsed `spacy.tokens.Doc`; produces `shared.place_models.PlaceMention`s (offsets into `doc.text`)
with `resolve_places(doc)`, and the article's focus countries and cities with `focus(places)`.

Disambiguation scores each candidate place of a mention (see `_score`), in order of strength:
1. an explicit qualifier right after the name ("Paris, Texas", "Portland, Maine", "Hyderabad, Pakistan");
2. the article's context: countries and US states named elsewhere in it, demonyms ("Iranian"), and the
   countries/states of its unambiguous places ("Atlanta" makes "Georgia" the state, "Tbilisi" the country);
3. a prior: log population, feature kind (a country beats a same-named city), capitals, and whether the name is
   the place's own name or one of GeoNames' many alternate names.
Country aliases ("the U.S.", "Britain") come from `services.nlp.countries.resolve`, the project's one country
table. A mention nothing in the gazetteer matches is dropped (not returned with a null id): downstream wants
coordinates, and such mentions are mostly spaCy mislabelling organisations or people.
"""

import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TypeVar

from spacy.tokens import Doc, Span, Token

from services.nlp import countries
from services.nlp.gazetteer import Entry, Place, gazetteer, normalise
from shared.messages import ArticleFocus, FocusCity, FocusCountry
from shared.place_models import PlaceMention

PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
# The small English model often tags a foreign city PERSON or ORG ("Lyon", "Karachi"), or nothing at all;
# such a span is taken as a place only with a locative cue and a gazetteer entry worth trusting (`_recover`).
MISLABELS = frozenset({"PERSON", "ORG", "NORP"})
_LOCATIVE = frozenset(
    {
        "in",
        "to",
        "from",
        "near",
        "at",
        "across",
        "around",
        "towards",
        "toward",
        "outside",
        "into",
        "inside",
        "via",
        "through",
        "throughout",
        "between",
        "reached",
        "visited",
        "visit",
        "landed",
    }
)
_ORG_LOCATIVE = frozenset({"in", "near", "around", "across", "outside", "inside", "throughout"})
_RECOVER_MIN_POPULATION = 50_000
_DEMONYM_ENDING = re.compile(r"(ian|ean|an|ese|i|ish|ien|ic|ch|ot)s?$", re.IGNORECASE)
# Generic words spaCy keeps in the entity ("Sindh province"); the name without them is tried too.
_COMPASS = frozenset(
    {"northern", "southern", "eastern", "western", "north", "south", "east", "west", "central", "northeastern",
     "northwestern", "southeastern", "southwestern", "north-east", "north-west", "south-east", "south-west"}
)  # fmt: skip
_GENERIC_SUFFIXES = ("province", "state", "region", "governorate", "oblast", "prefecture", "district", "county")
K = TypeVar("K")

# Prior weights, in units of log10(population): a country outranks a city ~100x its size, since a bare
# "Mexico" or "Georgia" in news is the country unless context says otherwise.
_COUNTRY_BONUS = 2.0
_CAPITAL_BONUS = 1.0  # a bare "Washington" is the capital, not the state or a small town
_ADMIN1_PENALTY = 1.0  # a state's population is spread out; "New York" is the city more often than the state
_ALT_NAME_PENALTY = 1.5  # GeoNames alternate names are noisy ("Islamabad" is an old name of Chattogram)
# Context and qualifier bonuses.
_CONTEXT_COUNTRY = 2.0  # "Tripoli" in an article naming Lebanon is Lebanon's, despite Libya's capital
_CONTEXT_STATE = 3.0
_QUALIFIER = 6.0
# A candidate this far ahead of the runner-up on its prior alone is "unambiguous" and may feed the context.
_UNAMBIGUOUS_MARGIN = 1.5


@dataclass
class _Context:
    """What the article says about where it is: counts of countries and US states mentioned."""

    countries: Counter[str] = field(default_factory=Counter)
    states: Counter[str] = field(default_factory=Counter)

    def add(self, place: Place) -> None:
        if place.country:
            self.countries[place.country] += 1
        if place.admin1:
            self.states[place.admin1] += 1

    def without(self, place: Place | None) -> "_Context":
        """This context less one place's own contribution, so a mention cannot vote for itself."""
        if place is None:
            return self
        other = _Context(self.countries.copy(), self.states.copy())
        if place.country:
            other.countries[place.country] -= 1
        if place.admin1:
            other.states[place.admin1] -= 1
        return other


@dataclass
class _Mention:
    span: Span
    name: str  # the text looked up: the span's, less any generic suffix
    entries: list[Entry]
    qualifier: Place | None


def _is_city_suffix_alias(entry: Entry, name: str) -> bool:
    # GeoNames names "New York City", "Mexico City", "Kuwait City" and lists the short form only as an alternate.
    return entry.place.kind == "city" and normalise(entry.place.name) == normalise(name) + " city"


def _prior(entry: Entry, name: str) -> float:
    place = entry.place
    score = math.log10(place.population + 10)
    if place.kind == "country":
        score += _COUNTRY_BONUS
    elif place.kind == "admin1":
        score -= _ADMIN1_PENALTY
    elif place.kind in {"region", "continent", "water"} and not place.population:
        score = 6.0  # regions have no population; rank them like a big city so an exact region name wins
    if place.capital:
        score += _CAPITAL_BONUS
    if not entry.primary and not _is_city_suffix_alias(entry, name):
        score -= _ALT_NAME_PENALTY
    return score


def _score(entry: Entry, name: str, context: _Context, qualifier: Place | None) -> float:
    place = entry.place
    score = _prior(entry, name)
    if place.country and context.countries[place.country] > 0:
        score += _CONTEXT_COUNTRY
    if place.admin1 and context.states[place.admin1] > 0 and place.kind != "admin1":
        score += _CONTEXT_STATE
    if place.kind == "admin1" and place.admin1 and context.states[place.admin1] > 0:
        score += _CONTEXT_STATE  # cities of a state named "Georgia" vote for the state
    if qualifier is not None and _satisfies(place, qualifier):
        score += _QUALIFIER
    return score


def _satisfies(place: Place, qualifier: Place) -> bool:
    if qualifier.kind == "admin1" and qualifier.admin1:
        return place.admin1 == qualifier.admin1 and place is not qualifier
    return qualifier.kind == "country" and place.country == qualifier.country and place is not qualifier


def _candidates(text: str, label: str) -> list[Entry]:
    gaz = gazetteer()
    entries = list(gaz.candidates(text))
    # The project's country table knows aliases GeoNames' short names lack ("the U.S.", "Britain", "UAE"). It
    # also maps demonyms, which spaCy sometimes tags GPE ("Nigerien"); a demonym is not a toponym.
    name, alpha3 = countries.resolve(text, label)
    if _DEMONYM_ENDING.search(text) and normalise(text) != normalise(name):
        return entries
    if alpha3 and countries.country_name(alpha3) == name and alpha3 in gaz.countries:
        country = gaz.countries[alpha3]
        if all(e.place is not country for e in entries):
            entries.append(Entry(country, True))
    return entries


def _qualifier_after(span: Span) -> Place | None:
    """The state or country in ", Texas" / ", Pakistan" right after a place name, if any."""
    doc = span.doc
    if span.end + 1 >= len(doc) or doc[span.end].text != ",":
        return None
    nxt = doc[span.end + 1]
    end = nxt.i + 1
    if nxt.ent_iob_ == "B" and nxt.ent_type_ in PLACE_LABELS:
        while end < len(doc) and doc[end].ent_iob_ == "I":
            end += 1
    return _qualifier_place(doc[nxt.i : end].text)


def _qualifier_place(text: str) -> Place | None:
    gaz = gazetteer()
    state = gaz.state_by_code_or_name(text)
    if state is not None:
        return state
    return next((e.place for e in _candidates(text, "GPE") if e.place.kind == "country"), None)


def _split_span(span: Span) -> tuple[Span, Place | None]:
    """'Paris, Texas' tagged as one entity: the head 'Paris' plus its qualifier."""
    comma = next((t.i for t in span if t.text == ","), None)
    if comma is None or comma == span.start:
        return span, _qualifier_after(span)
    head = span.doc[span.start : comma]
    qualifier = _qualifier_place(span.doc[comma + 1 : span.end].text)
    if qualifier is None:
        return span, _qualifier_after(span)
    return head, qualifier


def _best(mention: _Mention, context: _Context) -> tuple[Place, float]:
    name = mention.name
    scored = sorted(
        ((_score(e, name, context, mention.qualifier), i, e.place) for i, e in enumerate(mention.entries)),
        key=lambda t: (-t[0], t[1]),
    )
    top, place = scored[0][0], scored[0][2]
    margin = top - scored[1][0] if len(scored) > 1 else 3.0
    return place, 1 / (1 + math.exp(-margin))


def _unambiguous(mention: _Mention) -> Place | None:
    """The mention's place when its prior alone settles it (or every reading lies in the same country)."""
    if mention.qualifier is not None:
        return _best(mention, _Context())[0]
    name = mention.name
    priors = sorted(((_prior(e, name), e.place) for e in mention.entries), key=lambda t: -t[0])
    if len(priors) == 1 or priors[0][0] - priors[1][0] >= _UNAMBIGUOUS_MARGIN:
        return priors[0][1]
    return None


def _lookup(span: Span, label: str) -> tuple[str, list[Entry]]:
    """Candidates for a span, retrying without a trailing generic word ("Sindh province" → "Sindh")."""
    entries = _candidates(span.text, label)
    if not entries and len(span) > 1 and span[-1].lower_ in _GENERIC_SUFFIXES:
        head = span.doc[span.start : span.end - 1]
        return head.text, _candidates(head.text, label)
    if not entries and len(span) > 1 and span[0].lower_ in _COMPASS:
        # "Northern Syria", "eastern Ukraine": the country or region itself ("South Lawn" is no lawn town).
        rest = span.doc[span.start + 1 : span.end]
        wide = [e for e in _candidates(rest.text, label) if e.place.kind in ("country", "admin1", "region")]
        return rest.text, wide
    return span.text, entries


def _trusted(entries: list[Entry]) -> bool:
    """Whether a mislabelled or untagged span's own-name readings are prominent enough to call it a place."""
    for e in entries:
        if not e.primary:
            continue
        if e.place.kind != "city" or e.place.population >= _RECOVER_MIN_POPULATION:
            return True
    return False


def _has_cue(span: Span, label: str, places_at: set[int]) -> bool:
    """A locative cue before the span: "in Lyon", "in the Amazon", or "Kharkiv and Odesa" after a place."""
    i = span.start - 1
    doc = span.doc
    if i >= 0 and doc[i].lower_ == "the":
        i -= 1
    if i < 0:
        return False
    prev = doc[i].lower_
    if prev in (_ORG_LOCATIVE if label == "ORG" else _LOCATIVE):
        return True
    return prev in {"and", ",", "or"} and i - 1 in places_at


def _mention(span: Span, label: str) -> _Mention | None:
    split, qualifier = _split_span(span)
    name, entries = _lookup(split, label)
    return _Mention(split, name, entries, qualifier) if entries else None


def _recover(doc: Doc, places_at: set[int]) -> list[_Mention]:
    """Places the NER mislabelled (PERSON/ORG/NORP) or missed, accepted only with a cue and a trusted entry."""
    spans: list[tuple[Span, str]] = []
    conjuncts: set[int] = set()  # starts of spans that are one of several places coordinated in one entity
    tagged: set[int] = set()
    for ent in doc.ents:
        tagged.update(range(ent.start, ent.end))
        if ent.label_ in MISLABELS:
            # "Karachi and Hyderabad" tagged as one ORG: try each conjunct.
            cuts = [t.i for t in ent if t.lower_ in {"and", ","}]
            bounds = [ent.start, *cuts, ent.end]
            parts = [doc[a + (a in cuts) : b] for a, b in itertools.pairwise(bounds) if a + (a in cuts) < b]
            spans.extend((part, ent.label_) for part in parts)
            if len(parts) > 1 and all(_trusted(_candidates(p.text, "GPE")) for p in parts):
                conjuncts.update(p.start for p in parts)
    i = 0
    while i < len(doc):
        if i not in tagged and doc[i].pos_ == "PROPN" and doc[i].is_title:
            j = i
            while j + 1 < len(doc) and j + 1 not in tagged and doc[j + 1].pos_ == "PROPN" and doc[j + 1].is_title:
                j += 1
            spans.append((doc[i : j + 1], "UNTAGGED"))
            i = j + 1
        else:
            i += 1
    for ent in doc.ents:
        if ent.label_ in ("ORG", "PERSON"):
            spans.extend((part, "NAMED") for part in _country_parts(ent))
    found = []
    for span, label in sorted(spans, key=lambda t: t[0].start):
        if any(span.start <= i < span.end for i in places_at):
            continue
        entries = _candidates(span.text, "GPE")
        named = label == "NAMED" or _is_country(span)
        if entries and _trusted(entries) and (named or span.start in conjuncts or _has_cue(span, label, places_at)):
            found.append(_Mention(span, span.text, entries, _qualifier_after(span)))
            places_at.update(range(span.start, span.end))
    return found


def _is_country(span: Span) -> bool:
    """Whether the span is exactly a country's name or alias ("Paraguay", "the U.S."), whatever its NER label."""
    name, alpha3 = countries.resolve(span.text, "GPE")
    bare = span.text[4:] if span.text.lower().startswith("the ") else span.text  # "the United States"
    return alpha3 is not None and name == countries.country_name(alpha3) and bare[:1].isupper()


def _country_parts(ent: Span) -> list[Span]:
    """Countries and US states that open an organisation's or a title's name ("the U.S. Southern Command",
    "Vermont Bernie Sanders", "United States Senate"): the name is that place's, so the place is mentioned."""
    doc = ent.doc
    start = ent.start + (doc[ent.start].lower_ == "the")
    parts = []
    for end in range(min(ent.end - 1, start + 3), start, -1):
        part = doc[start:end]
        if _is_country(part) or (part.text in _us_states() and len(part) < len(ent)):
            parts.append(part)
            break
    return parts


def _us_states() -> frozenset[str]:
    return frozenset(place.name for place in gazetteer().us_states.values())


def _collect(doc: Doc) -> list[_Mention]:
    mentions = []
    for ent in doc.ents:
        if ent.label_ in PLACE_LABELS:
            mention = _mention(ent, ent.label_)
            if mention is not None:
                mentions.append(mention)
    places_at = {i for m in mentions for i in range(m.span.start, m.span.end)}
    mentions.extend(_recover(doc, places_at))
    return sorted(mentions, key=lambda m: m.span.start)


def _context(doc: Doc, mentions: list[_Mention]) -> tuple[_Context, list[Place | None]]:
    context = _Context()
    own = [_unambiguous(m) for m in mentions]
    for place in own:
        if place is not None:
            context.add(place)
    for ent in doc.ents:
        if ent.label_ == "NORP":  # "Iranian officials" says the article is about Iran
            alpha3 = countries.resolve(ent.text, ent.label_)[1]
            if alpha3:
                context.countries[alpha3] += 1
    return context, own


def resolve_places(doc: Doc) -> list[PlaceMention]:
    """Every GPE/LOC/FAC entity of `doc` that the gazetteer knows, resolved to one place, in text order."""
    mentions = _collect(doc)
    context, own = _context(doc, mentions)
    result = []
    for mention, own_place in zip(mentions, own, strict=True):
        place, confidence = _best(mention, context.without(own_place))
        result.append(_place_mention(mention.span, place, confidence))
    return sorted(result + _facilities(doc, result), key=lambda p: p.start)


def _place_mention(span: Span, place: Place, confidence: float) -> PlaceMention:
    return PlaceMention(
        text=span.text,
        start=span.start_char,
        end=span.end_char,
        name=place.name,
        geonameid=place.geonameid,
        country=place.country,
        admin1=place.admin1,
        lat=place.lat,
        lon=place.lon,
        kind=place.kind,
        population=place.population or None,
        confidence=round(confidence, 3),
    )


# Last words of organisation names that are buildings or sites ("Chesapeake Energy Arena"), which the NER often
# labels ORG rather than FAC. Only these count: the NER also calls operations, pipelines and speeches FAC, and
# "centers" and universities are as often institutions as places.
_FACILITY_WORDS = frozenset(
    {"airport", "arena", "stadium", "hall", "bridge", "palace", "square", "base", "hospital", "embassy",
     "headquarters", "field", "cathedral", "mosque", "church", "synagogue", "temple", "prison", "station",
     "airbase", "harbour", "harbor", "museum", "street", "road", "avenue"}
)  # fmt: skip


def _facilities(doc: Doc, resolved: list[PlaceMention]) -> list[PlaceMention]:
    """Buildings and sites the gazetteer has no entry for ("Fishmongers' Hall in London", "Fath Airport"), placed
    at the place that contains them (see below). Kind "facility", named "<facility>, <container>", at the
    container's coordinates, with half its confidence. None when the article names no place to put them in."""
    taken = [(p.start, p.end) for p in resolved]
    cities = Counter(p.name for p in resolved if p.kind == "city")
    top_name = cities.most_common(1)[0][0] if cities else None
    top_city = next((p for p in resolved if p.kind == "city" and p.name == top_name), None)
    found = []
    for ent in doc.ents:
        words = [t for t in ent if t.lower_ not in ("'s", "’s")]
        if ent.label_ not in ("FAC", "ORG") or not words or words[-1].lower_ not in _FACILITY_WORDS:
            continue
        if any(start < ent.end_char and ent.start_char < end for start, end in taken):
            continue
        sentence = ent.sent
        near = [p for p in resolved if sentence.start_char <= p.start < sentence.end_char]
        near.sort(key=lambda p: (p.start < ent.end_char, abs(p.start - ent.end_char)))
        # A place right after ("Chesapeake Energy Arena in Oklahoma City"), else a city the name starts with
        # ("Baghdad International Airport"), else an earlier place of the sentence, else the article's city.
        nearest = near[0] if near else top_city
        following = near[0] if near and near[0].start >= ent.end_char else None
        container = following or _named_in(words, nearest) or nearest
        if container is None:
            continue
        text = doc[words[0].i : words[-1].i + 1].text
        found.append(
            container.model_copy(
                update={
                    "text": text,
                    "start": words[0].idx,
                    "end": words[-1].idx + len(words[-1].text),
                    "name": f"{text}, {container.name}",
                    "geonameid": None,
                    "kind": "facility",
                    "population": None,
                    "confidence": round(container.confidence / 2, 3),
                }
            )
        )
    return found


def _named_in(words: list[Token], near: PlaceMention | None) -> PlaceMention | None:
    """The city a facility's own name starts with ("Baghdad International Airport", "Sana'a airport"), the one in
    the country of the nearby place first, else the most populous; None when the name holds no known city."""
    for end in range(len(words) - 1, 0, -1):
        span = words[0].doc[words[0].i : words[end - 1].i + 1]
        cities = [e.place for e in _candidates(span.text, "GPE") if e.primary and e.place.kind == "city"]
        if cities:
            best = max(cities, key=lambda c: (near is not None and c.country == near.country, c.population))
            return _place_mention(span, best, 0.5)
    return None


def focus(places: list[PlaceMention], lead_end: int = 0, top: int = 5) -> ArticleFocus:
    """The countries and cities an article is mainly about, scores summing to 1 within each list.

    Each mention weighs 1, or 2 when it starts before `lead_end` (pass the length of the title plus first
    paragraph when the text starts with them): the lead says what a story is about. A city or state also
    counts for its country, so "Tehran" twice and "Iran" once make Iran the focus. Regions without a country
    count for nothing. Only the `top` best of each list are returned.
    """
    country_w: dict[str, float] = {}
    city_w: dict[int, float] = {}
    city_info: dict[int, PlaceMention] = {}
    for p in places:
        weight = 2.0 if p.start < lead_end else 1.0
        if p.country:
            country_w[p.country] = country_w.get(p.country, 0.0) + weight
        if p.kind == "city" and p.geonameid is not None:
            city_w[p.geonameid] = city_w.get(p.geonameid, 0.0) + weight
            city_info[p.geonameid] = p
    return ArticleFocus(
        countries=[FocusCountry(country=c, score=s) for c, s in _shares(country_w, top)],
        cities=[
            FocusCity(name=city_info[g].name, geonameid=g, country=city_info[g].country, score=s)
            for g, s in _shares(city_w, top)
        ],
    )


def _shares(weights: dict[K, float], top: int) -> list[tuple[K, float]]:
    total = sum(weights.values())
    ranked = sorted(weights.items(), key=lambda kv: -kv[1])[:top]
    # Rounded down, so the shares never add up to more than 1.
    return [(key, math.floor(w / total * 1000) / 1000) for key, w in ranked] if total else []
