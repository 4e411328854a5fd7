"""CAMEO dictionaries: our verb and noun trigger tables and the code table, read from `services/nlp/data/`.

Consumes `cameo_verbs.csv` (lemma, particle, object → code), `cameo_nouns.csv` (lemma, modifier → code) and
`cameo_codes.csv` (code → name, root code, quad class, Goldstein score); produces lookups used by the coder.
All three are files we wrote, so a wrong coding is fixed by editing a row, not code.
"""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class CameoCode:
    """One row of the CAMEO code table."""

    code: str
    name: str
    root_code: str
    quad_class: int
    goldstein: float


@dataclass(frozen=True)
class Rule:
    """A trigger rule: the lemma, plus an optional particle/preposition and object lemma that must be present."""

    lemma: str
    particle: str
    obj: str
    code: str


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


@cache
def codes() -> dict[str, CameoCode]:
    """The CAMEO code table, keyed by code."""
    return {
        r["code"]: CameoCode(r["code"], r["name"], r["root_code"], int(r["quad_class"]), float(r["goldstein"]))
        for r in _rows("cameo_codes.csv")
    }


def _rules(name: str, obj_column: str, particle_column: str | None) -> dict[str, list[Rule]]:
    table: dict[str, list[Rule]] = {}
    for r in _rows(name):
        if r["code"] not in codes():
            raise ValueError(f"{name}: code {r['code']!r} for {r['lemma']!r} is not in cameo_codes.csv")
        rule = Rule(r["lemma"], r[particle_column] if particle_column else "", r[obj_column], r["code"])
        table.setdefault(rule.lemma, []).append(rule)
    # Most specific rule first: one that needs a particle and an object beats one that needs either or none.
    for rules in table.values():
        rules.sort(key=lambda rule: -(bool(rule.particle) + bool(rule.obj)))
    return table


@cache
def verb_rules() -> dict[str, list[Rule]]:
    """Verb triggers by lemma, most specific rule first."""
    return _rules("cameo_verbs.csv", "object", "particle")


@cache
def noun_rules() -> dict[str, list[Rule]]:
    """Noun triggers by lemma; a rule's `obj` is a modifier lemma ("air" strike) that must be present."""
    return _rules("cameo_nouns.csv", "modifier", None)


def match(rules: list[Rule], particles: set[str], objects: set[str]) -> Rule | None:
    """The first (most specific) rule whose required particle and object are all present."""
    for rule in rules:
        if rule.particle and rule.particle not in particles:
            continue
        if rule.obj and rule.obj not in objects:
            continue
        return rule
    return None


# The intent code for an announced or promised action, by the root of the action ("will visit" → 036 express
# intent to meet; "pledged to send weapons" → 033; "vowed to strike" → 138 threaten military force). Roots that
# already are words (appeals, intents, demands, threats ...) keep their code.
_INTENT_BY_ROOT = {
    "04": "036", "05": "032", "06": "031", "07": "033", "08": "030", "09": "030",
    "15": "138", "16": "130", "17": "130", "18": "138", "19": "138", "20": "138",
}  # fmt: skip
_INTENT_BY_CODE = {"0871": "037", "045": "039", "057": "030"}


def intent_code(code: str) -> str:
    """The code of the intent to do what `code` describes (`code` itself where CAMEO has no such intent)."""
    return _INTENT_BY_CODE.get(code) or _INTENT_BY_ROOT.get(code[:2], code)
