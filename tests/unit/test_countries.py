"""Country resolution of entity mentions: what a reader would expect each name, demonym and place to denote."""

import pytest

from services.nlp.countries import country_name, normalise, resolve

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        # Countries by their common names and aliases.
        ("Iran", "GPE", ("Iran", "IRN")),
        ("the US", "GPE", ("United States", "USA")),
        ("U.S.", "GPE", ("United States", "USA")),
        ("the United States", "GPE", ("United States", "USA")),
        ("United States of America", "GPE", ("United States", "USA")),
        ("America", "GPE", ("United States", "USA")),
        ("UK", "GPE", ("United Kingdom", "GBR")),
        ("Britain", "GPE", ("United Kingdom", "GBR")),
        ("Russia", "GPE", ("Russia", "RUS")),
        ("Russian Federation", "GPE", ("Russia", "RUS")),
        ("South Korea", "GPE", ("South Korea", "KOR")),
        ("North Korea", "GPE", ("North Korea", "PRK")),
        ("Ivory Coast", "GPE", ("Ivory Coast", "CIV")),
        ("Côte d'Ivoire", "GPE", ("Ivory Coast", "CIV")),
        ("Czech Republic", "GPE", ("Czechia", "CZE")),
        ("the Netherlands", "GPE", ("Netherlands", "NLD")),
        ("Burma", "GPE", ("Myanmar", "MMR")),
        ("UAE", "GPE", ("United Arab Emirates", "ARE")),
        ("Guinea Bissau", "GPE", ("Guinea-Bissau", "GNB")),
        ("Iran, Islamic Republic of", "GPE", ("Iran", "IRN")),
        # Possessives and a leading "the" are not part of the name.
        ("Pakistan's", "GPE", ("Pakistan", "PAK")),
        ("Pakistan’s", "GPE", ("Pakistan", "PAK")),
        ("the Philippines'", "GPE", ("Philippines", "PHL")),
        ("Islamabad’s", "GPE", ("Islamabad", "PAK")),
        # Capitals and cities keep their own name; ambiguous names go to the most populous city.
        ("Tehran", "GPE", ("Tehran", "IRN")),
        ("Doha", "GPE", ("Doha", "QAT")),
        ("Islamabad", "GPE", ("Islamabad", "PAK")),
        ("Paris", "GPE", ("Paris", "FRA")),
        ("London", "GPE", ("London", "GBR")),
        ("Damascus", "GPE", ("Damascus", "SYR")),
        ("Gaza", "GPE", ("Gaza", "PSE")),
        ("Rafah", "GPE", ("Rafah", "PSE")),
        ("Kiev", "GPE", ("Kyiv", "UKR")),
        ("Bombay", "GPE", ("Mumbai", "IND")),
        ("Odessa", "GPE", ("Odessa", "UKR")),
        ("Reading", "GPE", ("Reading", "GBR")),
        ("The Hague", "GPE", ("The Hague", "NLD")),
        ("The Woodlands", "GPE", ("The Woodlands", "USA")),
        # US states, and places that GeoNames' city list lacks.
        ("Texas", "GPE", ("Texas", "USA")),
        ("California", "GPE", ("California", "USA")),
        ("Washington, D.C.", "GPE", ("Washington, D.C.", "USA")),
        ("the West Bank", "LOC", ("West Bank", "PSE")),
        ("Scotland", "GPE", ("Scotland", "GBR")),
        ("Ontario", "GPE", ("Ontario", "CAN")),  # the province, not the Californian city GeoNames has
        ("the White House", "FAC", ("White House", "USA")),  # not Casablanca, whose alternate name it is
        ("San Diego County", "GPE", ("San Diego County", "USA")),
        ("Nukuʻalofa", "GPE", ("Nuku'alofa", "TON")),
        ("the Democratic Republic of Congo", "GPE", ("Democratic Republic of the Congo", "COD")),
        # Demonyms (NORP), singular and plural, resolve to the country's name.
        ("Pakistani", "NORP", ("Pakistan", "PAK")),
        ("Iranian", "NORP", ("Iran", "IRN")),
        ("Israeli", "NORP", ("Israel", "ISR")),
        ("Israelis", "NORP", ("Israel", "ISR")),
        ("American", "NORP", ("United States", "USA")),
        ("Americans", "NORP", ("United States", "USA")),
        ("Qatari", "NORP", ("Qatar", "QAT")),
        ("Chinese", "NORP", ("China", "CHN")),
        ("Swiss", "NORP", ("Switzerland", "CHE")),
        ("Filipinos", "NORP", ("Philippines", "PHL")),
        ("Frenchmen", "NORP", ("France", "FRA")),
        ("Palestinians", "NORP", ("Palestine", "PSE")),
        ("North Korean", "NORP", ("North Korea", "PRK")),
        # spaCy sometimes labels a bare demonym or country GPE/ORG.
        ("Pakistani", "GPE", ("Pakistan", "PAK")),
        ("Iran", "ORG", ("Iran", "IRN")),
        ("Syrians", "ORG", ("Syria", "SYR")),
    ],
)
def test_resolves_places_and_nationalities(text: str, label: str, expected: tuple[str, str]) -> None:
    assert resolve(text, label) == expected


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        # Town names that are also common words resolve only when spaCy says they are places.
        ("Of", "ORG", ("Of", None)),
        ("Police", "ORG", ("Police", None)),
        ("Mobile", "PRODUCT", ("Mobile", None)),
        ("Reading", "WORK_OF_ART", ("Reading", None)),
        ("Paris", "PERSON", ("Paris", None)),
        # Persons are never geolocated, even when their name is a country.
        ("Jordan", "PERSON", ("Jordan", None)),
        ("Chad", "PERSON", ("Chad", None)),
        # Regions and blocs span countries: no country, and no same-named town either ("Asia" is a town in PH).
        ("Asia", "LOC", ("Asia", None)),
        ("the Middle East", "LOC", ("Middle East", None)),
        ("the Persian Gulf", "LOC", ("Persian Gulf", None)),
        ("EU", "ORG", ("EU", None)),
        ("Kashmir", "GPE", ("Kashmir", None)),
        ("Jupiter", "LOC", ("Jupiter", None)),  # the planet, not Jupiter, Florida
        ("Mars", "LOC", ("Mars", None)),
        ("County Cork", "GPE", ("County Cork", None)),
        ("U.S.-Mexican", "NORP", ("U.S.-Mexican", None)),
        # Groups that are not nationalities.
        ("Muslims", "NORP", ("Muslims", None)),
        ("Republicans", "NORP", ("Republicans", None)),
        ("Western", "NORP", ("Western", None)),
        ("Kurdish", "NORP", ("Kurdish", None)),
        # An organisation named after a country is not the country; a date is nothing.
        ("the Pakistani Army", "ORG", ("Pakistani Army", None)),
        ("Bank of England", "ORG", ("Bank of England", None)),
        ("Monday", "DATE", ("Monday", None)),
        # Not a place at all, and lower-case text is a tagging mistake rather than a place.
        ("Strait of Hormuz", "LOC", ("Strait of Hormuz", None)),
        ("police", "GPE", ("police", None)),
        ("", "GPE", ("", None)),
    ],
)
def test_leaves_non_places_unresolved(text: str, label: str, expected: tuple[str, None]) -> None:
    assert resolve(text, label) == expected


def test_ambiguous_country_name_prefers_the_country_over_the_us_state() -> None:
    # "Georgia" is both; international news means the country far more often. A known limit, pinned here.
    assert resolve("Georgia", "GPE") == ("Georgia", "GEO")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  the   United\nStates ", "United States"),
        ("Islamabad’s", "Islamabad"),
        ("The Hague", "Hague"),
        ("Swiss", "Swiss"),
        ("“Tehran”", "Tehran"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_country_name_by_code() -> None:
    assert country_name("IRN") == "Iran"
    assert country_name("XXX") is None
