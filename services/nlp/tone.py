"""Tone in GDELT's sense: share of positive minus share of negative words, in −100..100.

Consumes a spaCy `Doc` (or `Span`, e.g. one sentence for per-event tone), or plain text; produces `tone(...)`
(a float) or `tone_scores(...)` (tone, positive and negative word shares, polarity and word count, like GDELT's
V1.5 tone fields).

The lexicon is ours, `services/nlp/data/tone_lexicon.csv` (lemma, polarity ±1): a few hundred words common in
news, chosen for their polarity in news (so "attack", "killed", "crisis" are negative; "agreement", "peace",
"welcomed" positive); words whose polarity depends on sense ("like", "fine", "interest", "settlement") are left
out. A polar word within three words after a negator ("not good", "no progress", "never welcomed") counts with
the opposite polarity. With a `Doc`, words are matched by lemma; with plain text, by lower-case form with a few
naive suffixes stripped, which is cheaper and a little less precise. Either is a handful of dict probes per
word, far below the cost of the parse.
"""

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from spacy.tokens import Doc, Span

LEXICON = Path(__file__).parent / "data" / "tone_lexicon.csv"

_NEGATORS = frozenset(
    {
        "not",
        "n't",
        "no",
        "never",
        "without",
        "nor",
        "neither",
        "hardly",
        "barely",
        "nobody",
        "nothing",
        "none",
        "cannot",
        "lack",
        "lacks",
        "lacked",
    }
)
_NEGATION_WINDOW = 3
# Punctuation ends a negation's scope: "not only the talks, but progress" must not flip "progress".
_SCOPE_BREAKS = frozenset({",", ";", ":", ".", "!", "?", "but", "however"})
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?|[,;:.!?]")
_SUFFIXES = ("ies", "ied", "ing", "ed", "es", "s", "d")


@dataclass(frozen=True, slots=True)
class ToneScores:
    """GDELT-style tone fields of one text."""

    tone: float  # positive - negative, in −100..100
    positive: float  # share of words that are positive, in 0..100
    negative: float  # share of words that are negative, in 0..100
    polarity: float  # positive + negative: how emotionally charged the text is
    word_count: int


@cache
def lexicon() -> dict[str, int]:
    """Lemma → +1/−1, read once per process."""
    with LEXICON.open(encoding="utf-8", newline="") as f:
        return {row["word"]: int(row["polarity"]) for row in csv.DictReader(f)}


def _plain_polarity(word: str, lex: dict[str, int]) -> int:
    """Polarity of a lower-case word from plain text: the word itself, else a naive stem."""
    if word in lex:
        return lex[word]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            stem = word[: -len(suffix)]
            for candidate in (stem, stem + "e", stem + "y"):
                if candidate in lex:
                    return lex[candidate]
    return 0


def _words(text_or_doc: str | Doc | Span) -> Iterable[tuple[str, int]]:
    """(lower-case form, polarity) of each token, punctuation included so it can end a negation's scope."""
    lex = lexicon()
    if isinstance(text_or_doc, str):
        for match in _WORD.finditer(text_or_doc):
            word = match.group().lower().replace("’", "'")
            yield word, _plain_polarity(word, lex)
        return
    for token in text_or_doc:
        if token.is_space:
            continue
        lower = token.lower_
        yield lower, lex.get(token.lemma_.lower(), lex.get(lower, 0))


def tone_scores(text_or_doc: str | Doc | Span) -> ToneScores:
    """Tone, positive and negative shares, polarity and word count of a text, doc or sentence."""
    positive = negative = words = 0
    since_negator = _NEGATION_WINDOW + 1
    for lower, polarity in _words(text_or_doc):
        if lower in _SCOPE_BREAKS or not lower[0].isalpha():
            since_negator = _NEGATION_WINDOW + 1
            continue
        words += 1
        if lower in _NEGATORS or lower.endswith("n't"):
            since_negator = 0
            continue
        since_negator += 1
        if polarity and since_negator <= _NEGATION_WINDOW:
            polarity = -polarity
        if polarity > 0:
            positive += 1
        elif polarity < 0:
            negative += 1
    if not words:
        return ToneScores(0.0, 0.0, 0.0, 0.0, 0)
    pos, neg = 100 * positive / words, 100 * negative / words
    return ToneScores(round(pos - neg, 3), round(pos, 3), round(neg, 3), round(pos + neg, 3), words)


def tone(text_or_doc: str | Doc | Span) -> float:
    """GDELT tone: (positive words − negative words) / words × 100, in −100..100."""
    return tone_scores(text_or_doc).tone
