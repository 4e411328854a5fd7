"""Event coding from spaCy's dependency parse: source actor → CAMEO action → target actor, per sentence.

Consumes a Doc parsed by a pipeline with `parser` and `ner` (and the `tagger`/`attribute_ruler`/`lemmatizer`
that give lemmas); produces `EventRecord`s. Triggers are looked up by lemma in our dictionaries (`cameo.py`):
- verbal ("visited", "met", "signed", "attacked"): the subject is the source, the direct object or the object of
  "with/to/against/on/at" the target; in the passive the subject is the target and the "by" agent the source;
  a verb without a subject of its own ("visited Tehran to engage with ...") takes the one of the verb it hangs on;
- nominal ("the visit by X to Y", "talks between X and Y", "Israeli strikes on Gaza"): "by", a possessive or a
  national adjective give the source; "to/with/on/against" the target; "between/among" make every pair of
  participants; a trigger noun that is the object of a light verb ("held talks", "imposed sanctions") takes the
  light verb's subject as its source.
Coordinated actors give one event per actor; coordinated subjects of a symmetric action without an object
("Islamabad and Doha have been working ...") give an event each way. An event needs a coded source and target.
Negation ("did not", "refused to") and modality ("could", "plans to", "if") are flagged; negated events are
dropped unless asked for.

Confidence is a plain heuristic, documented in `_confidence`.
"""

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import permutations

from spacy.tokens import Doc, Span, Token

from services.nlp import countries
from services.nlp.events import cameo
from services.nlp.events.actors import (
    BROKERING_PARTICIPLES,
    PERSON_TITLES,
    PLACE_HEADS,
    SETTING_HEADS,
    ActorMemory,
    code_actor,
    code_actors,
    conjuncts_after,
    entity_of,
    entity_starting_at,
    hyphen_pair,
    joined_parties,
)
from services.nlp.gazetteer import gazetteer
from services.nlp.tone import tone
from shared.event_models import Actor, EventRecord

REQUIRED_COMPONENTS = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner")
"""Components of en_core_web_sm the extractor reads; the worker must not disable them."""

# Verbs that carry no event of their own when their object is a trigger noun: the noun says what happened.
LIGHT_VERBS = frozenset(
    {
        "hold", "have", "conduct", "launch", "carry", "stage", "reach", "agree", "announce", "impose", "pay",
        "make", "begin", "start", "resume", "continue", "extend", "mount", "order", "approve", "sign", "deliver",
        "provide", "supply", "donate", "send", "join", "finalize", "finalise", "conclude", "enter", "engage", "step",
        "reaffirm", "reiterate", "voice", "express", "underscore", "emphasize", "emphasise", "stress", "convey",
        "offer", "renew", "outline", "unveil", "deepen", "strengthen", "expand", "grow", "build", "broaden",
        "enhance", "bolster", "boost", "elevate", "foster", "intensify", "reinforce", "further", "take", "wish",
        "increase",
    }
)  # fmt: skip
# "sign" is light too: "signed an agreement with X" and "signed a memorandum" are coded once, by the noun.

MODAL_AUX = frozenset({"would", "could", "may", "might", "should", "can", "must"})
# Governing verbs that make what follows them only requested or possible; the governing verb is an event of its
# own where it is a trigger ("urged Iran to negotiate" is an appeal).
HYPOTHETICAL_HEADS = frozenset(
    {
        "consider", "propose", "threaten", "try", "attempt", "urge", "ask", "call", "invite", "encourage",
        "press", "warn", "demand",
    }
)  # fmt: skip
# Governing verbs that keep what they govern from happening: "to deter further aggression".
PREVENTING_HEADS = frozenset({"deter", "prevent", "avert", "forestall", "avoid", "preclude"})
# Announced, planned or promised actions: CAMEO codes them as intent (root 03; "will visit" → 036), not as done.
FUTURE_AUX = frozenset({"will", "shall", "'ll"})
INTENT_HEADS = frozenset(
    {
        "plan", "intend", "hope", "want", "seek", "aim", "expect", "offer", "prepare", "wish", "vow", "promise",
        "pledge", "decide", "agree", "commit", "schedule", "set", "due", "go", "look", "committed", "ready",
        "willing", "determined", "eager", "keen", "prepared",
    }
)  # fmt: skip
INTENT_NOUNS = frozenset(
    {"plan", "commitment", "pledge", "promise", "intention", "intent", "readiness", "preparedness", "willingness",
     "openness", "desire"}
)  # fmt: skip
# "said it would send troops": `would` under a verb of saying reports an intent, not a possibility.
SAYING_VERBS = frozenset({"say", "announce", "tell", "state", "confirm", "declare", "add", "report"})
NEGATING_HEADS = frozenset({"refuse", "deny", "decline", "fail", "reject", "cancel", "postpone"})
NEGATING_NOUNS = frozenset({"unwillingness", "refusal", "failure", "inability", "reluctance"})
VERB_TARGET_PREPS = frozenset(
    {"with", "to", "against", "on", "at", "toward", "towards", "into", "upon", "between", "around"}
)
NOUN_TARGET_PREPS = frozenset(
    {"with", "to", "against", "on", "at", "toward", "towards", "into", "upon", "for", "around"}
)
PAIR_PREPS = frozenset({"between", "among", "amongst"})
PUNITIVE_STEPS = frozenset({"action", "measure", "step"})
MATERIEL = frozenset(
    {"arm", "arms", "equipment", "weapon", "supply", "munition", "ammunition", "materiel", "inventory", "stock"}
)
ANSWERING_NOUNS = frozenset({"response", "connection", "relation", "retaliation", "reaction"})
SUPPORTING_VERBS = frozenset({"support", "back", "associate", "link", "connect", "tie", "enable", "fund", "finance"})
ECONOMIC_WORDS = frozenset({"economic", "financial", "restrictive", "trade", "punitive"})
# Actions that coordinated actors do with each other when no other party is named.
SYMMETRIC_CODES = frozenset(
    {"030", "040", "041", "044", "046", "054", "057", "060", "061", "062", "0871", "190", "193"}
)
VISIT_CODES = frozenset({"042", "043", "044"})
# Actions done together, whoever the sentence makes the subject: meeting, calls, negotiation, signing, cooperation.
# An announced one (036 "will meet with") is the announcer's intent only.
# Economic and military cooperation (061, 062) is mostly one side's help ("provides training to Colombia").
MUTUAL_CODES = frozenset({"040", "041", "044", "046", "057", "060"})
# Roots of force against people and property (coerce, assault, fight, mass violence).
FORCE_ROOTS = frozenset({"17", "18", "19", "20"})
# Agreements and truces named without a verb that concludes them ("under the 2015 agreement between ...", "the
# ceasefire between X and Y held") are mentions of an existing state, not new events.
CONCLUDED_CODES = frozenset({"057", "0871"})
HYPOTHETICAL_NOUNS = frozenset({"event", "case"})  # "in the event of an attack", "in case of war"
# Nouns whose complement is only wished for or weighed: "the need to deepen cooperation".
NEEDED_NOUNS = frozenset(
    {"need", "possibility", "option", "prospect", "necessity", "call", "ability", "capacity", "capability"}
)
PLANNED = frozenset({"planned", "scheduled", "upcoming", "forthcoming", "expected", "intended"})
POSSIBLE = frozenset({"possible", "potential", "proposed", "hypothetical", "prospective"})
# Conjunctions that open a clause told as a fact, whatever the clause it depends on plans.
FACT_MARKS = frozenset({"since", "after", "because", "as", "although", "though", "while", "when", "before", "until"})
CALLED_OFF = frozenset({"cancel", "postpone", "scrap", "cancelled", "canceled", "postponed", "scrapped"})
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
RELATIVE_PRONOUNS = frozenset({"who", "which", "that"})
PERSONAL_PRONOUNS = frozenset({"he", "she", "it", "they", "we"})
OBJECT_PRONOUNS = frozenset({"him", "her", "them"})
PLACE_PREPS = frozenset({"in", "at", "near", "around", "outside", "inside"})
# Roles that act at home: an actor with one of these and no country takes the country of the event's place.
DOMESTIC_ROLES = frozenset({"GOV", "MIL", "COP", "CVL", "OPP", "REB", "LEG", "JUD", "MED", "BUS", "EDU", "LAB"})
# Roles of a state's institutions: "their governments" are the speakers' own; "their families" need not be.
STATE_ROLES = frozenset({"GOV", "MIL", "LEG", "JUD", "COP"})
JOINT_ADVERBS = frozenset({"together", "jointly", "collaboratively", "closely"})
# Words that make a show of force ("exercises", "drills") one done together: military cooperation (062).
JOINT_MODIFIERS = frozenset({"joint", "combined", "bilateral", "trilateral", "multinational"})
# Nominal codes of a relationship rather than an act: they need a verb that does them ("launched cooperation",
# "deepen their partnership"), not one that only talks about them.
STATE_CODES = frozenset({"050", "060", "061", "062"})
SPEECH_LIGHT_VERBS = frozenset(
    {"reaffirm", "reiterate", "voice", "express", "underscore", "emphasize", "emphasise", "stress", "highlight"}
)
# Nouns of a lasting state of conflict: named without a verb that starts or wages them, and without a clause that
# names who takes part, they are background ("Russia's war in Ukraine"), not a reported event.
STATE_NOUNS = frozenset({"war", "conflict", "occupation", "invasion", "aggression", "hostility", "annexation"})
# Verbs that wage such a state ("launched a war", "escalated the conflict"); ending or condemning one does not.
WAGING_VERBS = frozenset(
    {
        "wage",
        "engage",
        "launch",
        "start",
        "begin",
        "escalate",
        "declare",
        "fight",
        "continue",
        "unleash",
        "intensify",
        "expand",
    }
)
# Adjectives of a state of mind towards another actor, and the prepositions that name what it is about.
ADJECTIVE_CODES = {
    "concerned": "110", "alarmed": "110", "troubled": "110", "disappointed": "110", "dismayed": "110",
    "outraged": "111", "appalled": "111", "grateful": "051", "thankful": "051", "committed": "030",
}  # fmt: skip
ADJECTIVE_PREPS = frozenset({"about", "by", "over", "at", "with", "for", "regarding", "to"})
# Verbs that report a finding or a claim: "said Iran was responsible for the attack" accuses Iran.
REPORTING_VERBS = frozenset({"say", "state", "conclude", "determine", "assess", "find", "believe", "insist"})
# Nouns of what someone stresses: "emphasized the importance of working with NATO" is the stresser's intent.
STRESSED_NOUNS = frozenset({"importance"})
# Verbs that voice a concern ("expressed deep concern about", "raised concerns over").
VOICING_VERBS = frozenset({"express", "voice", "raise", "share", "reiterate", "convey", "reaffirm", "underscore"})
# Verbs that pledge an alliance anew ("reaffirmed the U.S.-ROK Alliance"), unlike those that describe one.
ALLIANCE_VERBS = SPEECH_LIGHT_VERBS | {"renew", "deepen", "strengthen", "expand", "elevate", "bolster", "reinforce"}
# Nouns that say how something is done when they follow "in": "in support of", "in partnership with".
MANNER_NOUNS = frozenset({"support", "solidarity", "cooperation", "partnership", "coordination", "collaboration"})
# Verbs of going somewhere: their "to <place>" is where what they lead to happens ("travel to Riga to meet ...").
TRAVEL_VERBS = frozenset({"travel", "fly", "go", "head", "return", "arrive", "come", "journey", "continue"})
ENABLING_VERBS = frozenset({"help", "assist", "enable", "support"})
# What one "meets" without meeting anyone: "to meet the global challenges", "met its commitments".
MET_THINGS = frozenset(
    {"challenge", "need", "goal", "target", "demand", "deadline", "obligation", "standard", "requirement",
     "expectation", "criterion", "threshold", "test", "condition", "commitment", "moment", "threat"}
)  # fmt: skip
# Verbs that talk about what hangs on them: "spoke about working together" is talk, not cooperation.
TALKING_HEADS = frozenset(
    {"speak", "talk", "discuss", "highlight", "underscore", "emphasize", "emphasise", "stress", "note", "explore"}
)
EMPHASIS_HEADS = frozenset({"highlight", "underscore", "emphasize", "emphasise", "stress", "note"})
# Verbs by which someone commands a body to act: "ordered the military to strike".
COMMANDING_VERBS = frozenset({"order", "instruct", "direct", "command", "authorize", "authorise"})
# What someone "comes under": an attack from whoever is named after "from".
# Buildings and sites struck in a place: "stormed a hotel in Mogadishu".
FACILITIES = frozenset(
    {"hotel", "hospital", "school", "mosque", "church", "market", "camp", "embassy", "airport", "building",
     "compound", "prison", "checkpoint", "post", "refinery", "depot", "plant", "bridge", "port", "airbase"}
)  # fmt: skip
ATTACK_NOUNS = frozenset({"fire", "attack", "attacks", "bombardment", "shelling", "assault", "strike", "strikes"})
# Currency words the NER may leave untagged when a number names the sum ("50 million euros").
CURRENCIES = frozenset(
    {"euro", "pound", "dollar", "yen", "yuan", "rupee", "franc", "ruble", "rouble", "riyal", "dirham"}
)
# Verbs by which an act or an actor meets others' reaction: "drew condemnation from Japan".
DRAWING_VERBS = frozenset({"draw", "receive", "face", "attract", "spark", "prompt", "trigger", "provoke", "earn"})
# Nouns through which a talking verb names an act as its topic: "discussed the importance of deepening ties".
TOPIC_NOUNS = frozenset({"importance", "need", "way", "necessity", "value", "prospect", "possibility"})
# Verbs whose direct object is a topic, not a party: "discussed the missile launches with Japan".
TOPIC_VERBS = frozenset({"discuss"})


@dataclass
class _Arg:
    """An actor candidate: the head token of its phrase, and whether it was borrowed from another clause."""

    head: Token
    inherited: bool = False
    joined: bool = False  # a hyphen-joined name of parties ("U.S.-ROK"): each part is an actor


@dataclass
class _Candidate:
    trigger: Token
    code: str
    sources: list[_Arg]
    targets: list[_Arg]
    pairs: list[_Arg]
    nominal: bool
    governor: Token | None = None
    reciprocal: bool = False  # "accused each other": the sources act on one another
    mutual: bool = False  # "exchanged fire with Hezbollah": each side acts on the other, whatever the code


def extract_events(
    doc: Doc,
    published_at: date | None = None,
    *,
    keep_negated: bool = False,
    keep_hypothetical: bool = True,
    require_countries: bool = False,
) -> list[EventRecord]:
    """Events in a parsed article, in text order.

    Negated events are dropped unless `keep_negated`; hypothetical ones kept (flagged) unless not
    `keep_hypothetical`. With `require_countries`, events whose source or target has no country or IGO code
    ("---GOV": "the Secretary", "President Bukele") are dropped: on real news they are the main source of wrong
    codings, at some cost in recall.
    """
    _mend_lemmas(doc)
    memory = ActorMemory(context_country=_dominant_country(doc))
    for ent in doc.ents:
        if ent.label_ in ("PERSON", "ORG"):
            code_actor(ent.root, memory)  # learn who holds which title here, also from non-event sentences
    records: list[EventRecord] = []
    for sentence_index, sent in enumerate(doc.sents):
        found: list[tuple[EventRecord, str, bool]] = []  # (record, trigger lemma, whether it is a word of intent)
        event_date = _event_date(sent, published_at)
        for token in sent:
            candidate = (
                _verbal(token)
                or _nominal(token)
                or _adjectival(token)
                or _voiced_concern(token)
                or _said_responsible(token)
            )
            if candidate is None:
                continue
            for record in _records(candidate, memory, sent, sentence_index, event_date):
                if record.negated and not keep_negated:
                    continue
                if record.hypothetical and not keep_hypothetical:
                    continue
                if require_countries and not (_has_country(record.source) and _has_country(record.target)):
                    continue
                found.append((record, candidate.trigger.lemma_.lower(), candidate.code[:2] == "03"))
        records.extend(_told_once(found))
    return records


# Lemmas the small model's lemmatizer gets wrong for words the rules name, by part of speech: "waged" → "wag",
# "staged" → "stag", "doses" → "dos".
LEMMA_FIXES = {("VERB", "wag"): "wage", ("VERB", "stag"): "stage", ("NOUN", "dos"): "dose"}


def _mend_lemmas(doc: Doc) -> None:
    """Set the right lemma on the words the lemmatizer gets wrong, once, before any rule reads them."""
    for token in doc:
        fixed = LEMMA_FIXES.get((token.pos_, token.lemma_.lower()))
        if fixed is not None:
            token.lemma_ = fixed


def _told_once(found: list[tuple[EventRecord, str, bool]]) -> list[EventRecord]:
    """One sentence's events without repeats: the same event told twice ("visited ... the visit") is one, and a
    word of intent ("pledged", "agreed") adds nothing to the intent of the act it governs ("pledged to deepen their
    partnership"); "will travel to Honiara and meet with officials" stays two. A country's people acting beside its
    government ("the Government of the United States and the American people") add no event of their own."""

    def pair(record: EventRecord) -> tuple[str, str]:
        return (record.source.code if record.source else "", record.target.code if record.target else "")

    said = {pair(record) for record, _, intrinsic in found if intrinsic}
    kept: list[EventRecord] = []
    seen: set[tuple[str, str, str, str]] = set()
    for record, lemma, intrinsic in found:
        if record.root_code == "03" and not intrinsic and pair(record) in said:
            continue
        key = (*pair(record), record.code, lemma)
        if key not in seen:
            seen.add(key)
            kept.append(record)
    spoken = {
        (r.trigger_start, r.code, r.source.country, pair(r)[1]) for r in kept if r.source and r.source.role != "CVL"
    }
    return [
        r
        for r in kept
        if not (
            r.source and r.source.role == "CVL" and (r.trigger_start, r.code, r.source.country, pair(r)[1]) in spoken
        )
    ]


def _has_country(actor: Actor | None) -> bool:
    return actor is not None and (actor.country is not None or actor.code.startswith("IGO"))


# ---------------------------------------------------------------- triggers


def _children(token: Token, *deps: str) -> list[Token]:
    return [child for child in token.children if child.dep_ in deps]


def _subjects(verb: Token) -> list[Token]:
    """The subjects of a verb; the parser sometimes hangs them on its auxiliary ("The United States and our allies
    are committed to ...": "States" under "are")."""
    return _children(verb, "nsubj") or [s for aux in _children(verb, "aux", "auxpass") for s in _children(aux, "nsubj")]


def _pobjs(token: Token, preps: frozenset[str]) -> list[Token]:
    """Objects of the prepositions in `preps` hanging on `token`."""
    # "dative": the parser's label for "to" in "provided drones to Russia".
    return [obj for prep in _children(token, "prep", "dative") if prep.lower_ in preps for obj in _objects(prep)]


def _objects(prep: Token) -> list[Token]:
    """The objects of a preposition that may be parties: "On behalf of X" names for whom the subject acts
    (`_on_behalf_of`), never a party."""
    return [obj for obj in _children(prep, "pobj") if obj.lower_ != "behalf"]


def _verb_rule(verb: Token) -> cameo.Rule | None:
    if verb.pos_ != "VERB":
        return None
    rules = cameo.verb_rules().get(verb.lemma_.lower())
    if not rules:
        return None
    particles = {c.lower_ for c in verb.children if c.dep_ in ("prep", "prt", "advmod", "agent")}
    objects = {c.lemma_.lower() for c in _children(verb, "dobj", "nsubjpass", "dative")}
    objects |= {o.lemma_.lower() for o in _pobjs(verb, frozenset(particles))}
    # "provided hundreds of drones": what is counted is the object too.
    objects |= {o.lemma_.lower() for d in _children(verb, "dobj") for o in _pobjs(d, frozenset({"of"}))}
    # "used water cannon on protesters": the parser may hang the verb's preposition on its object; it counts for
    # a rule that names that object ("welcomed Colombia's commitment to ..." is no "welcomed X to").
    hung = {p.lower_ for d in _children(verb, "dobj") for p in _children(d, "prep") if p.lower_ != "of"}
    specific = [r for r in rules if r.obj and r.particle in hung and r.obj in objects]
    return specific[0] if specific else cameo.match(rules, particles, objects)


def _noun_rule(noun: Token) -> cameo.Rule | None:
    if noun.pos_ not in ("NOUN", "PROPN"):
        return None
    if (against := _measures_against(noun)) is not None:
        return against
    if noun.lemma_.lower() == "drawdown" and _drawn_materiel(noun):
        return _MATERIEL_DRAWDOWN
    rules = cameo.noun_rules().get(noun.lemma_.lower()) or cameo.noun_rules().get(noun.lower_)
    if not rules or (noun.lower_ == "talk" and noun.tag_ == "NN"):
        return None  # "a talk at a think tank" is a speech; "talks" are negotiations
    with_someone = any(c.lower_ == "with" for h in _with_light_verb(noun) for c in _children(h, "prep"))
    if noun.lower_ in ("call", "calls") and with_someone:
        rule = cameo.match(rules, set(), {c.lemma_.lower() for c in _children(noun, "compound", "amod")})
        return rule or _CALL_WITH
    modifiers = {c.lemma_.lower() for c in _children(noun, "compound", "amod")}
    return cameo.match(rules, set(), modifiers)


def _with_light_verb(noun: Token) -> list[Token]:
    """The noun and the light verb it is the object of: the parser may hang the noun's preposition on the verb when
    a word comes between ("held a call today with X", "is taking further measures today against X")."""
    return [noun] + ([noun.head] if noun.dep_ == "dobj" and noun.head.lemma_.lower() in LIGHT_VERBS else [])


def _measures_against(noun: Token) -> cameo.Rule | None:
    """Steps taken against someone reduce relations with them ("took decisive action against forty-four
    individuals", "further measures against the Russian financial system"); economic ones are sanctions."""
    if noun.lemma_.lower() not in PUNITIVE_STEPS:
        return None
    if not any(c.lower_ == "against" for h in _with_light_verb(noun) for c in _children(h, "prep")):
        return None
    modifiers = {c.lemma_.lower() for c in _children(noun, "amod", "compound")}
    return cameo.Rule(noun.lemma_.lower(), "against", "", "163" if modifiers & ECONOMIC_WORDS else "160")


def _drawn_materiel(noun: Token) -> bool:
    """Whether a drawdown is of arms or stocks ("drawdown of arms and equipment from DoD inventories"), military aid,
    not a withdrawal of troops."""
    drawn = [o for p in _children(noun, "prep") if p.lower_ in ("of", "from") for o in _expand(_objects(p), noun)]
    return any(o.lemma_.lower() in MATERIEL for o in drawn)


_MATERIEL_DRAWDOWN = cameo.Rule("drawdown", "of", "", "072")

_CALL_WITH = cameo.Rule("call", "with", "", "041")
"""A call with someone ("held an introductory call with X", "in a call with X") is a phone call; a call for
something is an appeal, which the verb says ("called for")."""


def _verbal(verb: Token) -> _Candidate | None:
    if (expulsion := _expulsion(verb)) is not None:
        return expulsion
    if (attacked := _came_under(verb)) is not None:
        return attacked
    rule = _verb_rule(verb)
    if rule is None:
        return None
    objects = _children(verb, "dobj", "nsubjpass") + _pobjs(verb, frozenset({"in", "on", "to", "into"}))
    # "provided $30 million in food aid": the amount's "in/of" part is what is provided.
    objects += [o for d in _children(verb, "dobj") if _is_amount(d) for o in _pobjs(d, frozenset({"in", "of"}))]
    if verb.lemma_.lower() in LIGHT_VERBS and any(_noun_rule(obj) for obj in objects):
        return None
    code = rule.code
    if verb.lemma_.lower() == "meet" and any(o.lemma_.lower() in MET_THINGS for o in _children(verb, "dobj")):
        return None
    if code == "041" and _children(verb, "oprd", "xcomp", "ccomp"):
        # "called the investigation a witch hunt" is no phone call but a judgement: criticism or praise as the
        # words say; neither when they say neither.
        said = [t for c in _children(verb, "oprd", "xcomp", "ccomp") for t in c.subtree]
        polarity = tone(verb.doc[said[0].i : said[-1].i + 1]) if said else 0.0
        if polarity == 0:
            return None
        code = "111" if polarity < 0 else "051"
    if verb.lemma_.lower() == "invite" and _children(verb, "xcomp"):
        code = "020"  # "invited France to join" asks France to act; "invited Putin to Beijing" offers a meeting
    if code == "130" and any(
        (r := _verb_rule(x)) and r.code[:2] in ("18", "19", "20") for x in _children(verb, "xcomp")
    ):
        code = "138"  # threatening to attack is a threat of force
    aid = _purpose_of_aid(verb, code)
    if aid is not None:
        if aid[1]:
            return None  # "donated vaccines to Panama to support its response": the donation is the event
        code = aid[0]  # "provided $6 billion in assistance to help Ukraine": aid to Ukraine
    sources, targets = _verb_arguments(verb, rule)
    objects = _children(verb, "dobj")
    if objects and all(o.lower_ in OBJECT_PRONOUNS for o in objects) and verb.dep_ in ("advcl", "xcomp"):
        # "spoke with Foreign Minister Colonna to congratulate her": whom the pronoun stands for is whom the
        # subject met.
        targets = [
            _Arg(t, inherited=True) for t in _expand(_pobjs(verb.head, frozenset({"with"})), verb.head)
        ] or targets
    if code[:2] == "16" and not any(_has_country(code_actor(t.head)) for t in targets):
        targets = [_Arg(t) for t in _answered_parties([verb])] or targets
    if code == "043" and not any(code_actor(t.head) for t in targets) and len(sources) >= 2:
        code = "040"  # "The United States and Canada hosted the working group meeting": the co-hosts met
    each_other = any(
        o.lower_ == "other" and any(c.lower_ == "each" for c in o.children) for o in _children(verb, "dobj")
    )
    # "India and Pakistan exchanged fire (on Sunday)": the subjects exchanged it with each other; "Israel exchanged
    # fire with Hezbollah": both fired.
    exchanged = verb.lemma_.lower() in ("exchange", "trade")
    parties = [t for t in targets if code_actor(t.head)]
    mutual = exchanged and bool(parties) and all(_with_party(t.head) for t in parties)
    exchanged = exchanged and len(sources) >= 2 and not any(code_actor(t.head) for t in targets)
    reciprocal = each_other or exchanged
    if reciprocal:
        targets = []
    joint = any(c.lower_ in JOINT_ADVERBS for c in verb.children)
    if verb.lemma_.lower() == "work" and not targets and not joint:
        return None  # "journalists and opposition members working to support ...": no one works with anyone
    if not targets and code[:2] in ("13", "02") and not _children(verb, "dobj"):
        # "threatened to strike South Korea": the threatened party is the object of the threatened act.
        for xcomp in _children(verb, "xcomp"):
            targets += [_Arg(t) for t in _expand(_children(xcomp, "dobj") + _pobjs(xcomp, VERB_TARGET_PREPS), xcomp)]
    if code[:2] == "13" and not any(_has_country(code_actor(t.head)) for t in targets):
        # "warned it would take strong countermeasures if the United States and South Korea went ahead", "warned
        # that Israel would receive a crushing response": whoever the condition or the warning names.
        clauses = [c for c in verb.subtree if c.dep_ in ("advcl", "ccomp") and c is not verb]
        conditions = [c for c in clauses if c.dep_ == "ccomp" or _children(c, "mark")]
        for clause in conditions:
            named = [t for t in _expand(_children(clause, "nsubj", "nsubjpass"), clause) if t.pos_ != "PRON"]
            targets += [_Arg(t, inherited=True) for t in named if _has_country(code_actor(t))]
        # "Russia would respond to any NATO deployment, the Kremlin warned": the warner's own country is no target.
        own = {a.country for s in sources if (a := code_actor(s.head)) is not None} - {None}
        targets = [t for t in targets if (a := code_actor(t.head)) is not None and a.country not in own]
    # "the agreement signed between Turkey and Libya": the parties with each other.
    pairs = [] if sources or targets else [_Arg(t) for t in _expand(_pobjs(verb, PAIR_PREPS), verb)]
    return _Candidate(verb, code, sources, targets, pairs, nominal=False, reciprocal=reciprocal, mutual=mutual)


def _came_under(verb: Token) -> _Candidate | None:
    """ "UN peacekeepers came under fire from Israeli tanks": whoever fires attacks the subject."""
    if verb.lemma_.lower() != "come":
        return None
    acts = [o for o in _pobjs(verb, frozenset({"under"})) if o.lemma_.lower() in ATTACK_NOUNS]
    if not acts:
        return None
    rule = _noun_rule(acts[0])
    code = rule.code if rule is not None and rule.code[:2] in FORCE_ROOTS else "190"
    attackers = _pobjs(verb, frozenset({"from"})) + _pobjs(acts[0], frozenset({"from"}))
    subjects = [s for s in _subjects(verb) if s.pos_ != "PRON"]
    if not attackers or not subjects:
        return None
    sources = [_Arg(t) for t in _expand(attackers, verb)]
    return _Candidate(acts[0], code, sources, [_Arg(t) for t in _expand(subjects, verb)], [], nominal=False)


def _expulsion(verb: Token) -> _Candidate | None:
    """An expulsion told without "expel" (166): "ordered the French ambassador to leave the country", "declared the
    Mexican ambassador persona non grata" (which the parser splits into a clause of its own)."""
    lemma = verb.lemma_.lower()
    if verb.pos_ != "VERB" or verb.dep_ not in ("ROOT", "ccomp", "conj", "advcl"):
        return None
    expelled: list[Token] = []
    if lemma in COMMANDING_VERBS | {"tell", "ask"} and any(
        x.lemma_.lower() == "leave" for x in _children(verb, "xcomp")
    ):
        expelled = _children(verb, "dobj")
    elif lemma == "declare" and "persona non grata" in verb.doc[verb.i : verb.right_edge.i + 1].text.lower():
        expelled = [t for t in verb.subtree if t.i > verb.i and t.dep_ in ("dobj", "nsubj") and code_actor(t)][:1]
    subjects = [s for s in _subjects(verb) if s.pos_ != "PRON"]
    if not expelled or not subjects:
        return None
    sources = [_Arg(s) for s in _expand(subjects, verb)]
    return _Candidate(verb, "166", sources, [_Arg(t) for t in _expand(expelled, verb)], [], nominal=False)


def _with_party(token: Token) -> bool:
    """Whether `token` (or the list it is an item of) is the object of "with"."""
    while token.dep_ == "conj" and token.head is not token:
        token = token.head
    return token.dep_ == "pobj" and token.head.lower_ == "with"


def _purpose_of_aid(verb: Token, code: str) -> tuple[str, bool] | None:
    """For a verb that says what aid is for ("donated vaccines to Panama to support its response", "provided
    $6 billion in assistance to help Ukraine"): the aid's code, and whether the aid names its recipient itself.
    None for any other verb."""
    if code[:2] not in ("05", "07") or verb.lemma_.lower() not in ENABLING_VERBS:
        return None
    if verb.dep_ not in ("advcl", "xcomp", "acl") or not any(c.lower_ == "to" for c in _children(verb, "aux")):
        return None
    head = verb.head
    given = [head, *_children(head, "dobj")] if head.pos_ in ("VERB", "AUX") else [head]
    given += [o for d in given if _is_amount(d) for o in _pobjs(d, frozenset({"in", "of"}))]
    codes = [rule.code for t in given if (rule := _verb_rule(t) or _noun_rule(t)) is not None and rule.code[:2] == "07"]
    if not codes:
        return None
    recipients = [r for t in given for r in _pobjs(t, frozenset({"to", "for"})) + _children(t, "dative")]
    # "announced $6 million in assistance to help refugees": announced aid is pledged.
    aid = cameo.intent_code(codes[0]) if head.lemma_.lower() == "announce" else codes[0]
    return aid, any(_has_country(code_actor(r)) for r in recipients)


def _adjectival(adjective: Token) -> _Candidate | None:
    """A state of mind said of an actor about another: "The United States is deeply concerned about the situation
    in the PRC" (disapproval), "We remain grateful for Kosovo's leadership" (praise)."""
    code = ADJECTIVE_CODES.get(adjective.lower_)
    if code is None or adjective.dep_ not in ("acomp", "ROOT"):
        return None
    holder = adjective.head if adjective.dep_ == "acomp" else adjective
    sources = [_Arg(s) for s in _expand(_subjects(holder), holder) if s.pos_ != "PRON"]
    targets = [_Arg(t, inherited=True) for t in _nested_party(adjective, ADJECTIVE_PREPS)[:1]]
    if not sources or not targets or _about_own_country(sources, targets[0]):
        return None
    return _Candidate(adjective, code, sources, targets, [], nominal=False, governor=holder)


def _said_responsible(adjective: Token) -> _Candidate | None:
    """An accusation told as a report: "The State Department said Iran was responsible for the attack" (112), by
    whoever says it of whoever is said to be responsible."""
    if adjective.lower_ != "responsible" or adjective.dep_ != "acomp" or adjective.head.dep_ != "ccomp":
        return None
    clause, saying = adjective.head, adjective.head.head
    if saying.lemma_.lower() not in REPORTING_VERBS or any(c.dep_ == "neg" for c in clause.children):
        return None
    sources = [_Arg(s) for s in _expand(_subjects(saying), saying) if s.pos_ != "PRON"]
    targets = [_Arg(t) for t in _expand(_subjects(clause), clause) if t.pos_ != "PRON"]
    if not sources or not targets:
        return None
    return _Candidate(adjective, "112", sources, targets, [], nominal=False, governor=saying)


def _about_own_country(sources: list[_Arg], target: _Arg) -> bool:
    """Whether a state of mind's nearest party is of the holder's own country: "concerned with the harassment of
    U.S. journalists in the PRC" is not about the United States."""
    own = {actor.country for s in sources if (actor := code_actor(s.head)) is not None}
    coded = code_actor(target.head)
    return coded is not None and coded.country in own


def _voiced_concern(noun: Token) -> _Candidate | None:
    """Concern voiced by an actor about another: "Blinken expressed deep concern about the coup in Burma",
    "Expressing deep concerns about ..., Secretary Blinken recalled" (disapproval, 110)."""
    if noun.lemma_.lower() != "concern" or noun.pos_ != "NOUN" or noun.dep_ != "dobj":
        return None
    governor = noun.head
    if governor.lemma_.lower() not in VOICING_VERBS:
        return None
    subjects = [s for s in _expand(_subjects(governor), governor) if s.pos_ != "PRON"]
    sources = [_Arg(s) for s in subjects] if subjects else _inherited_subjects(governor)
    sources = [_Arg(m) for m in _national_modifiers(noun)] or sources  # "reiterated U.S. concerns about"
    targets = [_Arg(t, inherited=True) for t in _nested_party(noun, ADJECTIVE_PREPS | {"around"})[:1]]
    if not sources or not targets or _about_own_country(sources, targets[0]):
        return None
    return _Candidate(noun, "110", sources, targets, [], nominal=True, governor=governor)


def _verb_arguments(verb: Token, rule: cameo.Rule) -> tuple[list[_Arg], list[_Arg]]:
    passive_subjects = _children(verb, "nsubjpass")
    target_preps = VERB_TARGET_PREPS | ({rule.particle} if rule.particle else set())
    if verb.lemma_.lower() in TOPIC_VERBS:
        target_preps = frozenset({"with"})  # "discuss cooperation on the DPRK": what is discussed is no party
    if verb.dep_ == "acl" and verb.tag_ == "VBN" and _noun_rule(verb.head) and not passive_subjects:
        passive_subjects = [verb.head]  # "a ceasefire brokered by Egypt": the participle's noun is its object
    if passive_subjects:
        targets = [_Arg(t) for t in _expand(passive_subjects, verb) if not _noun_rule(t)]
        # "the talks between X and Y were mediated by Qatar": the parties to the event noun are the targets.
        targets += [_Arg(t) for s in passive_subjects if _noun_rule(s) for t in _parties(s) or _agreeing(s)]
        if not targets and rule.code[:2] in ("11", "12"):
            # "Iran's attack on Israel was condemned by the G7": whose act is condemned.
            targets = [_Arg(t) for s in passive_subjects if _noun_rule(s) for t in _owners(s) or _national_modifiers(s)]
        agents = [obj for agent in _children(verb, "agent") for obj in _children(agent, "pobj")]
        sources = [_Arg(s) for s in _expand(agents, verb)]
        if not sources:
            # "was killed in an Israeli airstrike", "were detained during a Russian raid": whose act it was.
            acts = [obj for obj in _pobjs(verb, frozenset({"in", "during"})) if _noun_rule(obj)]
            sources = [_Arg(m, inherited=True) for act in acts for m in _national_modifiers(act)]
        return sources, targets
    subjects = _subjects(verb) or _misparsed_title(verb)
    principals = _on_behalf_of(verb)
    if principals and all(s.pos_ == "PRON" for s in subjects):
        # "On behalf of the United States, I congratulate the people of Estonia": the speaker speaks for them.
        sources = [_Arg(t, inherited=True) for t in principals]
    elif subjects and all(s.lower_ in PERSONAL_PRONOUNS for s in subjects):
        # "the army said it had killed ...": "it" is the army; "X traveled to Israel, where he met ...": X.
        sources = _reporter(verb) or _antecedent(verb)
    else:
        sources = [_Arg(s) for s in _expand(subjects, verb)]
    if not subjects:
        sources = _inherited_subjects(verb)
    if subjects and all(s.pos_ == "PRON" for s in subjects) and not any(code_actor(a.head) for a in sources):
        # "He pledged the United States' strong support for ...": the speaker pledges for whose support it is.
        owners = [o for d in _children(verb, "dobj") for o in _owners(d)]
        sources = [_Arg(o, inherited=True) for o in owners if _has_country(code_actor(o))] or sources
    if _the_two(subjects) and verb.dep_ == "conj":
        # "Blinken commended President Tshisekedi ..., and the two discussed ...", "Xi held talks with Tokayev, and
        # the two leaders pledged ...": the two are those of the clause before.
        before = verb.head
        met = [p for d in _children(before, "dobj") for p in (_parties(d) if _noun_rule(d) else [d])]
        pair = _expand(_subjects(before), before) + _expand(met, before)
        sources = [_Arg(t, inherited=True) for t in pair] if len(pair) == 2 else sources
    # The direct object is the target; a preposition's object only when the direct object names no actor ("warned
    # Russia against any build-up" is about Russia, not the build-up).
    # What is given or shared is no party when the rule names it ("provided training to Colombia").
    given = rule.obj if rule.code[:2] in ("06", "07") else ""
    direct = [] if verb.lemma_.lower() in TOPIC_VERBS else _children(verb, "dobj", "dative")
    direct = [d for d in direct if not given or d.lemma_.lower() != given]
    targets = [_Arg(t) for t in _expand(direct, verb) if not _noun_rule(t)]
    for obj in direct:
        if _noun_rule(obj):
            # "brokered a truce between Israel and ...": the parties to the event noun are the targets; without
            # any, whose act it is ("condemned North Korea's missile launch").
            if rule.code[:2] == "03":
                # "pledged the United States' support for Burma": whose support is pledged is no party; its
                # recipient is.
                parties = _parties(obj) or _expand(_pobjs(obj, frozenset({"for", "to"})), obj)
            else:
                parties = _parties(obj) or _owners(obj)
            targets += [_Arg(t) for t in parties]
    if not any(code_actor(arg.head) for arg in targets):
        # "fired rockets at northern Israel", "provided drones to Russia": the object is a thing, the
        # preposition names the party; "filed a case against Israel at the ICJ": the thing's "against" first.
        against = [t for d in direct for t in _expand(_pobjs(d, frozenset({"against"})), d)]
        targets = [_Arg(t) for t in against or _expand(_pobjs(verb, frozenset(target_preps)), verb)]
        # "provides training to Colombia": the parser may hang the recipient on the thing given.
        things = [d for d in _children(verb, "dobj") if given and d.lemma_.lower() == given]
        targets += [_Arg(t) for d in things for t in _expand(_pobjs(d, frozenset({"to", "with"})), d)]
    addressed = rule.code[:2] == "02" and any(not _noun_rule(d) for d in _children(verb, "dobj"))
    if not addressed and not any(_has_country(code_actor(arg.head)) for arg in targets):
        # "dismissed the claim from Berlin", "congratulated the minister on Brazil's election": the party is named
        # deeper in the verb's phrase; not for an appeal to someone ("encourage other donors to support ...").
        targets = [_Arg(t, inherited=True) for t in _expand(_nested_party(verb)[:1], verb)] or targets
    if not targets and rule.code[:2] in ("02", "10") and not any(s.pos_ == "PRON" for s in subjects):
        # "China demanded that Japan stop releasing the water": whom the demand is on is who is to act.
        clauses = [c for c in _children(verb, "ccomp") if any(m.lower_ == "that" for m in _children(c, "mark"))]
        targets = [_Arg(t) for c in clauses for t in _expand(_children(c, "nsubj"), c)]
    if not targets and verb.lemma_.lower() in ENABLING_VERBS:
        # "help Honduras unlock its potential": the parser makes the helped party the subject of what it does.
        targets = [_Arg(t) for c in _children(verb, "ccomp", "xcomp") for t in _expand(_children(c, "nsubj"), c)]
    return sources, targets


# Where the search for a party nested in a verb's phrase may go: objects, prepositions, and the words that name
# whose or which thing it is; not into clauses (another verb's arguments) nor into places and times.
NESTED_DEPS = frozenset({"dobj", "dative", "prep", "pobj", "poss", "compound", "amod", "nmod", "appos", "conj"})
NOT_PARTY_PREPS = PLACE_PREPS | {
    "during", "since", "after", "before", "until", "through", "via", "despite", "amid", "according",
}  # fmt: skip


def _nested_party(verb: Token, preps: frozenset[str] | None = None) -> list[Token]:
    """The nearest actor with a country or organisation inside the verb's objects (breadth first, 5 levels); with
    `preps`, inside the phrases of those prepositions only, places included ("concerned about the situation in
    the PRC")."""
    skipped = NOT_PARTY_PREPS if preps is None else frozenset()
    if verb.lemma_.lower() in TOPIC_VERBS:
        skipped |= {"on", "about", "over", "regarding"}  # "discuss cooperation on the DPRK": a topic
    if preps is not None:
        # "concerned by ..." is parsed as a passive's agent
        level = [c for c in verb.children if c.dep_ in ("prep", "agent") and c.lower_ in preps]
    else:
        deps = ("dative", "prep") if verb.lemma_.lower() in TOPIC_VERBS else ("dobj", "dative", "prep")
        title = _misparsed_title(verb)  # the subject, not a party
        level = [c for c in verb.children if c.dep_ in deps and c.lower_ not in skipped and c not in title]
        if verb.lemma_.lower() in TOPIC_VERBS:
            # "discuss our commitments to Transatlantic security and to the NATO Alliance": one discusses with
            # someone; any other preposition belongs to the topic, however the parser hangs it.
            level = [c for c in level if c.dep_ == "dative" or c.lower_ == "with"]
    level = [t for t in level if not _is_setting(t)]
    for _ in range(5):
        for token in level:
            actor = code_actor(token) if token.dep_ not in ("prep", "agent") else None
            if actor is not None and (actor.country or actor.code.startswith("IGO")):
                return [token]
        level = [
            c
            for t in level
            for c in t.children
            if c.dep_ in NESTED_DEPS
            and c.pos_ not in ("VERB", "AUX")
            and not (c.dep_ == "prep" and c.lower_ in skipped)
            and not _is_setting(c)
        ] + [
            # "supports the actions announced by the African Union": whose the thing is, said by a participle.
            agent
            for t in level
            for c in t.children
            if c.dep_ == "acl" and c.tag_ == "VBN" and t.pos_ == "NOUN" and _verb_rule(c) is None
            for agent in _children(c, "agent")
            # Not an act: "refugees affected by Russia's war" are not Russia's.
            if not any(_noun_rule(o) for o in _children(agent, "pobj"))
        ]
    return []


def _the_two(subjects: list[Token]) -> bool:
    """ "the two", "the two leaders", "both sides": a subject that stands for two parties named before."""
    if len(subjects) != 1:
        return False
    subject = subjects[0]
    counted = any(c.lower_ == "two" and c.dep_ == "nummod" for c in subject.children)
    return subject.lower_ == "two" or counted or any(c.lower_ == "both" for c in subject.children)


def _is_setting(token: Token) -> bool:
    """ "on the sidelines of the G20 summit": where something happens, with nobody in it to act on."""
    return token.lower_ in SETTING_HEADS or (
        token.dep_ == "prep" and any(o.lower_ in SETTING_HEADS for o in token.children)
    )


def _answered_parties(tokens: list[Token]) -> list[Token]:
    """Whose acts a sanction answers, when it names no party of a country: "sanctions in connection with the Cuban
    regime's repression", "designated in response to Russia's invasion", "sanctioning two entities that support
    the Kremlin's operations", "individuals associated with Russia's disinformation campaign"."""
    acts: list[Token] = []
    objects = [o for t in tokens for o in _expand(_children(t, "dobj") + _pobjs(t, frozenset({"on"})), t)]
    for token in [*tokens, *objects]:
        for prep in _children(token, "prep"):
            for obj in _objects(prep):
                if prep.lower_ == "in" and obj.lemma_.lower() in ANSWERING_NOUNS:
                    acts += [o for p in _children(obj, "prep") if p.lower_ in ("to", "with") for o in _objects(p)]
                elif prep.lower_ in ("for", "over"):
                    acts.append(obj)
    for obj in objects:
        for clause in _children(obj, "relcl", "acl"):
            if clause.lemma_.lower() in SUPPORTING_VERBS:
                acts += _children(clause, "dobj") + _pobjs(clause, frozenset({"with", "to"}))
    owners = [o for act in acts for o in _owners(act) + _national_modifiers(act)]
    return [o for o in owners if _has_country(code_actor(o))]


def _on_behalf_of(verb: Token) -> list[Token]:
    """Whom the verb's subject acts for: "On behalf of the Government of the United States, I ..."; also said on
    the verb it is the infinitive of ("On behalf of ..., I am honored to send ...")."""
    for current in (verb, verb.head if verb.dep_ == "xcomp" else None):
        if current is None:
            continue
        behalf = [
            o
            for p in _children(current, "prep")
            if p.lower_ == "on"
            for o in _children(p, "pobj")
            if o.lower_ == "behalf"
        ]
        if behalf:
            return [t for b in behalf for t in _expand(_pobjs(b, frozenset({"of"})), current)]
    return []


def _is_amount(token: Token) -> bool:
    """A sum or count ("$160 million", "23 million", "50 million euros"), whose "in/of" part says what it is of."""
    currency = token.lemma_.lower() in CURRENCIES and any(c.pos_ == "NUM" for c in token.children)
    return token.ent_type_ == "MONEY" or token.pos_ == "NUM" or currency


def _national_modifiers(noun: Token) -> list[Token]:
    """The countries, nationalities and organisations modifying an event noun ("an Israeli airstrike")."""
    return [
        c
        for c in noun.children
        if c.dep_ in ("amod", "compound", "nmod") and c.ent_type_ in ("NORP", "GPE", "ORG") and not _broker(c)
    ]


def _broker(modifier: Token) -> bool:
    """ "UN-brokered", "Qatar-mediated", "US-backed": who brokered or backed the thing, not a party to it (but a
    "Saudi-led" strike is Saudi Arabia's)."""
    doc = modifier.doc
    return (
        modifier.i + 2 < len(doc)
        and doc[modifier.i + 1].text == "-"
        and not doc[modifier.i + 1].whitespace_
        and doc[modifier.i + 2].lemma_.lower() in BROKERING_PARTICIPLES
    )


def _misparsed_title(verb: Token) -> list[Token]:
    """A title "Under Secretary ..." is parsed as the preposition "under" ("Under Secretary Zeya will travel",
    "In Kazakhstan, Under Secretary Zeya will meet"): the phrase it heads is the subject of a verb that has none.
    The capital tells the title from the preposition inside a sentence."""
    return [
        child
        for child in verb.children
        if child.dep_ == "prep" and child.text == "Under"
        and any("secretary" in (obj.lower_, *(c.lower_ for c in obj.children)) for obj in _children(child, "pobj"))
    ]  # fmt: skip


def _owners(noun: Token) -> list[Token]:
    """Whose the noun is, named by a possessive that is no pronoun ("Russia's war", "the ROK's commitment")."""
    return [c for c in noun.children if c.dep_ == "poss" and c.pos_ != "PRON"]


def _parties(noun: Token) -> list[Token]:
    """The parties an event noun names with "between/among/with" ("talks between X and Y")."""
    return _expand(_pobjs(noun, PAIR_PREPS | {"with"}), noun)


def _agreeing(noun: Token) -> list[Token]:
    """Who agreed to or signed an event noun ("Israel and Hamas agreed to a ceasefire brokered by Egypt")."""
    governor = _governor(noun)
    return _expand(_subjects(governor), governor) if governor is not None else []


def _antecedent(verb: Token) -> list[_Arg]:
    """For a pronoun subject, the nearest subject of an enclosing clause that is no pronoun."""
    current = verb
    for _ in range(4):
        if current.head.i == current.i:
            return []
        current = current.head
        subjects = [t for t in _subjects(current) or _misparsed_title(current) if t.lower_ not in PERSONAL_PRONOUNS]
        if subjects and current.pos_ in ("VERB", "AUX"):
            return [_Arg(t, inherited=True) for t in _expand(subjects, current)]
    return []


def _reporter(verb: Token) -> list[_Arg]:
    """The subject of the reporting verb a pronoun-subject clause hangs on, if any."""
    current = verb
    for _ in range(3):
        if current.dep_ == "ccomp":
            subjects = [t for t in _subjects(current.head) if t.lower_ not in PERSONAL_PRONOUNS]
            return [_Arg(t, inherited=True) for t in _expand(subjects, current.head)]
        if current.dep_ not in ("conj", "xcomp") or current.head is current:
            return []
        current = current.head
    return []


def _expand(heads: list[Token], verb: Token) -> list[Token]:
    """Each head and its conjuncts; a relative pronoun stands for the noun its clause describes."""
    out: list[Token] = []
    for head in heads:
        if head.lower_ in RELATIVE_PRONOUNS and verb.dep_ == "relcl":
            head = verb.head
        out.append(head)
        out.extend(c for c in conjuncts_after(head) if not _owned_thing(c))
        # "The EU, UK, Japan, Australia, and New Zealand": the parser may make a list's second item an apposition
        # of the first, with the rest of the list its conjuncts.
        for listed in _children(head, "appos"):
            if listed.ent_type_ == "GPE" and _children(listed, "conj") and listed not in out:
                out.append(listed)
                out.extend(c for c in conjuncts_after(listed) if not _owned_thing(c) and c not in out)
    return out


def _owned_thing(token: Token) -> bool:
    """A thing that belongs to an actor, not an actor: "Belarus's enabling role" in "war against Ukraine and
    Belarus's enabling role in it"."""
    if token.pos_ != "NOUN" or not any(c.dep_ == "poss" for c in token.children):
        return False
    actor = code_actor(token)
    return actor is not None and actor.role is None


def _inherited_subjects(verb: Token) -> list[_Arg]:
    """The subject a verb shares with the clause it depends on ("visited Tehran to engage with ...")."""
    current = verb
    for _ in range(5):
        if current.dep_ == "relcl":
            return [_Arg(current.head, inherited=True)]
        noun = current.head
        # "the U.S. commitment to working with": through "to"; "commitment to support Ukraine": the infinitive.
        owner = noun.head if current.dep_ == "pcomp" and noun.lower_ == "to" else None
        owner = noun if current.dep_ == "acl" and noun.pos_ == "NOUN" else owner
        if owner is not None and owner.lemma_.lower() in INTENT_NOUNS:
            # "the U.S. commitment to working with ASEAN", "the ROK's commitment to working with": whose it is.
            owners = [c for c in owner.children if c.dep_ in ("poss", "compound", "amod", "nmod") and code_actor(c)]
            if owners:
                return [_Arg(t, inherited=True) for t in owners]
        owners = _owners(noun) if current.dep_ == "acl" else []
        if owners and code_actor(owners[0]) is not None:
            return [_Arg(owners[0], inherited=True)]  # "Putin's decision to invade Ukraine": his
        if current.dep_ == "acl" and noun.dep_ in ("dobj", "attr") and noun.head.pos_ in ("VERB", "AUX"):
            # "announced plans to continue working with": the announcer works.
            current = current.head.head
            subjects = _subjects(current)
            return [_Arg(t, inherited=True) for t in _expand(subjects, current)] if subjects else []
        # "is committed to working with France": through the preposition and the adjective to the subject.
        if current.dep_ not in ("xcomp", "advcl", "conj", "pcomp", "prep", "acomp"):
            return []
        head = current.head
        if current.dep_ == "prep" and head.lemma_.lower() in STRESSED_NOUNS and head.dep_ == "dobj":
            # "emphasized the importance of working with NATO": the one who stresses it means to do it.
            head = head.head
        if current.dep_ == "pcomp" and head.lower_ in ("for", "of") and _children(head.head, "dobj"):
            # "criticized the United States for selling weapons", "thanked Japan for providing": the object does it.
            return [_Arg(t, inherited=True) for t in _expand(_children(head.head, "dobj"), head.head)]
        if current.dep_ == "xcomp" and _children(head, "dobj"):
            # "urged Iran to negotiate": the object of the governing verb is who would act.
            return [_Arg(t, inherited=True) for t in _expand(_children(head, "dobj"), head)]
        # "are committed to supporting Ukraine", "was urged to negotiate": the passive's subject does it.
        subjects = _subjects(head) or _children(head, "nsubjpass")
        if subjects and all(t.pos_ == "PRON" for t in subjects) and _on_behalf_of(head):
            return [_Arg(t, inherited=True) for t in _on_behalf_of(head)]  # "On behalf of X, I am honored to send"
        if subjects and all(t.lower_ in PERSONAL_PRONOUNS for t in subjects):
            return _reporter(head) or _antecedent(head)  # "... where she will lead the delegation and meet with"
        if subjects:
            return [_Arg(t, inherited=True) for t in _expand(subjects, head)]
        current = head
    return []


def _governor(noun: Token) -> Token | None:
    """The verb a trigger noun is the object of ("held talks", "agreed on a ceasefire"), if any."""
    if noun.dep_ in ("dobj", "nsubjpass", "attr") and noun.head.pos_ in ("VERB", "AUX"):
        return noun.head
    if noun.dep_ == "pobj" and noun.head.lower_ in ("in", "on", "to", "into") and noun.head.head.pos_ == "VERB":
        return noun.head.head
    if noun.dep_ == "conj":
        return _governor(noun.head)
    amount = noun.head.head if noun.dep_ == "pobj" and noun.head.lower_ in ("in", "of") else None
    if amount is None or not _is_amount(amount):
        return None
    while amount.dep_ == "conj" and amount.head is not amount:
        amount = amount.head  # "donated 23 million vaccine doses and nearly $160 million in assistance"
    if amount.dep_ == "dobj":
        return _governor(amount)  # "announced $50 million in humanitarian assistance"
    return None


def _drawn_reaction(noun: Token, rule: cameo.Rule) -> _Candidate | None:
    """Criticism an act or an actor drew from others: "North Korea's missile launch drew condemnation from Japan
    and South Korea" is Japan and South Korea condemning North Korea."""
    verb = noun.head
    if rule.code[:2] != "11" or noun.dep_ != "dobj" or verb.lemma_.lower() not in DRAWING_VERBS:
        return None
    sources = [_Arg(t) for t in _expand(_pobjs(noun, frozenset({"from"})), noun)]
    sources = sources or [_Arg(t) for t in _expand(_pobjs(verb, frozenset({"from"})), verb)]
    subjects = _expand(_subjects(verb), verb)
    targets = [
        _Arg(t, inherited=True)
        for s in subjects
        for t in ([s] if not _noun_rule(s) else _owners(s) or _national_modifiers(s))
    ]
    if not sources or not targets:
        return None
    return _Candidate(noun, rule.code, sources, targets, [], nominal=True, governor=verb)


def _on_a_trip(noun: Token) -> bool:
    """Whether the noun is what its clause's subject is on: "is on a visit to", "are on a trip to"."""
    return noun.dep_ == "pobj" and noun.head.lower_ == "on" and noun.head.head.lemma_.lower() == "be"


def _its_antecedent(its: Token) -> list[Token]:
    """The nearest actor with a country or organisation before "its" in the sentence, as a one-item list."""
    owned = {t.i for t in its.head.subtree}
    for token in reversed(its.doc[its.sent.start : its.i]):
        if token.i in owned or token.dep_ in ("compound", "amod") or token.pos_ not in ("PROPN", "NOUN"):
            continue
        actor = code_actor(token)
        if actor is not None and (actor.country or actor.code.startswith("IGO")):
            return [token]
    return []


def _clause_subjects(token: Token) -> list[_Arg]:
    """The subjects (no pronouns) of the nearest verb above `token` that has any."""
    for ancestor in list(token.ancestors)[:5]:
        if ancestor.pos_ in ("VERB", "AUX"):
            subjects = [t for t in _subjects(ancestor) if t.pos_ != "PRON"]
            if subjects:
                return [_Arg(t, inherited=True) for t in _expand(subjects, ancestor)]
    return []


def _nominal(noun: Token) -> _Candidate | None:
    rule = _noun_rule(noun)
    if rule is None:
        return None
    if (drawn := _drawn_reaction(noun, rule)) is not None:
        return drawn
    quad = cameo.codes()[rule.code].quad_class
    acl_sources = False  # participants named by a clause ("the conflict involving the US and Israel against Iran")
    sources: list[_Arg] = []
    targets: list[_Arg] = []
    pairs: list[_Arg] = []
    # "acted in support of Ukraine", "works in partnership with Japan": the manner of what the clause's subject
    # does; "of" names whom it is for.
    manner = (
        noun.dep_ == "pobj"
        and noun.head.lower_ == "in"
        and noun.lemma_.lower() in MANNER_NOUNS
        and noun.pos_ == "NOUN"
        and not _children(noun, "det")  # "in the Global Partnership" names a body, not a manner
    )
    for child in noun.children:
        if child.dep_ == "poss" and child.pos_ != "PRON":
            sources.append(_Arg(child))  # "their support": the light verb's subject says whose (below)
        elif (
            child.dep_ in ("amod", "compound", "nmod")
            and (child.ent_type_ in ("NORP", "GPE", "ORG", "PERSON") or (child.pos_ == "PROPN" and not child.ent_type_))
            and not (
                noun.ent_type_ and noun.ent_iob_ == "I" and child.i < noun.i  # "the Migration Arrangement": a name
            )
            and not _broker(child)
        ):
            sources.append(_Arg(child))  # "Israeli strikes", "US sanctions"
            # "US-China talks", "the Biden-Xi meeting": the parser hangs the first name on the second.
            sources.extend(_Arg(c) for c in child.children if hyphen_pair(c, child))
        elif child.dep_ == "prep":
            objs = _expand(_objects(child), noun)
            preposition = child.lower_
            if preposition == "of" and all(code_actor(o) is None for o in objs):
                if noun.lemma_.lower() in STATE_NOUNS:
                    # "war of choice against Ukraine", "war of aggression on Ukraine": the parser hangs the side
                    # attacked on the kind of war.
                    targets.extend(_Arg(t) for o in objs for t in _expand(_pobjs(o, frozenset({"against", "on"})), o))
                continue  # "a Memorandum of Understanding", "a pledge of support": no one's
            if preposition == "by" or (preposition == "of" and quad <= 2 and not manner):
                sources.extend(_Arg(o) for o in objs)
            elif preposition == "from" and rule.code[:2] == "07":
                sources.extend(_Arg(o) for o in objs)  # "assistance from the American people"
            elif preposition in ("on", "about", "over") and rule.code[:2] == "04":
                continue  # "discussions on military cooperation", "talks on Ukraine": a topic, not a party
            elif preposition in NOUN_TARGET_PREPS or (preposition == "of" and (quad >= 3 or manner)):
                targets.extend(_Arg(o) for o in objs)
            elif preposition in PAIR_PREPS:
                pairs.extend(_Arg(o) for o in objs)
        elif child.dep_ == "acl" and _verb_rule(child) is None:
            acl_sources = True
            # "the conflict involving the US and Israel against Iran", "strikes carried out by Israel"; a trigger
            # verb ("a ceasefire brokered by Egypt") is an event of its own.
            sources.extend(_Arg(o) for o in _expand(_children(child, "dobj"), child))
            sources.extend(_Arg(o) for a in _children(child, "agent") for o in _expand(_children(a, "pobj"), child))
            targets.extend(_Arg(o) for o in _expand(_pobjs(child, NOUN_TARGET_PREPS), child))
    its = next((c for c in noun.children if c.dep_ == "poss" and c.lower_ == "its"), None)
    if its is not None and not sources:
        # "hold Russia accountable for its war against Ukraine": "its" is the nearest country named before it.
        sources = [_Arg(t, inherited=True) for t in _its_antecedent(its)]
    governor = _governor(noun)
    # "In a call with Foreign Minister Kuleba, the Secretary discussed ...": the noun is the setting of the verb,
    # with a party of its own; its event stands, done by the verb's subject.
    setting = noun.dep_ == "pobj" and noun.head.lower_ == "in" and bool(_pobjs(noun, frozenset({"with"})))
    # "The IAEA chief arrived in Tehran for talks with Iranian officials": the talks are what the trip was for (of a
    # trip only announced, the talks add nothing to the intent to travel).
    trip = (
        noun.dep_ == "pobj"
        and noun.head.lower_ == "for"
        and noun.head.head.lemma_.lower() in TRAVEL_VERBS | {"visit", "land"}
        and noun.head.head.tag_ == "VBD"
        and rule.code[:2] == "04"
        and bool(_pobjs(noun, frozenset({"with"})))
    )
    if trip and governor is None:
        governor = noun.head.head
    setting = setting or trip
    doing_verb = (
        governor is not None and _verb_rule(governor) is not None and governor.lemma_.lower() not in LIGHT_VERBS
    )
    lemma = noun.lemma_.lower()
    # "condemned Russia's invasion of Ukraine": a war with both sides named is an event of its own, whatever is
    # said about it.
    # "war in Ukraine on Moldova" is misparsed "impact ... on Moldova": a war placed "in" somewhere names no side.
    preps = {c.lower_ for c in noun.children if c.dep_ == "prep"}
    named_sides = (
        (lemma in STATE_NOUNS or rule.code[:2] in FORCE_ROOTS) and bool(sources) and bool(targets) and "in" not in preps
    )
    waged = governor is not None and governor.lemma_.lower() in WAGING_VERBS
    # "lauds Cambodia's condemnation of Russia's invasion": an act with its own doer and party is reported, an
    # event of its own (the codebook's "welcomed the agreement between A and B").
    # Not what is blocked or rejected: only praise, welcome and criticism take the act as done.
    reported = (
        bool(sources)
        and bool(targets or pairs)
        and any(a.head.dep_ == "poss" for a in sources)
        and governor is not None
        and (governing_rule := _verb_rule(governor)) is not None
        and governing_rule.code[:2] in ("05", "11")
    )
    if doing_verb and not setting and not named_sides and not reported:
        return None  # a trigger verb ("mediated a ceasefire between ...") already carries this event
    if rule.code in CONCLUDED_CODES and governor is None and not sources:
        return None  # "under the 2015 agreement between ...": an existing agreement, not a signing
    if manner and governor is None:
        governor = next((a for a in list(noun.ancestors)[:4] if a.pos_ == "VERB"), None)
    manner = manner and governor is not None
    doer = manner or (governor is not None and governor.lemma_.lower() in LIGHT_VERBS - SPEECH_LIGHT_VERBS)
    stressed = noun.dep_ == "pobj" and noun.head.lower_ == "of" and noun.head.head.lemma_.lower() == "importance"
    if lemma == "alliance":
        if not stressed and (governor is None or governor.lemma_.lower() not in ALLIANCE_VERBS):
            return None  # "reaffirmed the U.S.-ROK Alliance" is a pledge; "have an enduring alliance" describes it
        joined = [c for c in noun.children if c.dep_ == "compound" and len(joined_parties(c)) >= 2]
        sources = [_Arg(c, joined=True) for c in joined] or sources
    if rule.code in STATE_CODES and not doer:
        # "the enduring partnership between X and Y", "emphasized close cooperation with X": a relationship
        # described or talked about, not cooperation done.
        return None
    if lemma in STATE_NOUNS and not acl_sources and not named_sides and not waged:
        # "Russia's war in Ukraine" named in passing, or what someone does about it ("to end Russia's war"): a
        # state of affairs, not a reported event
        return None
    if (
        governor is not None
        and not sources
        and not pairs
        and (governor.lemma_.lower() in LIGHT_VERBS or setting or manner or waged)
    ):
        # "Russia is waging war against Ukraine": who wages the war fights it.
        if noun.dep_ == "nsubjpass":
            agents = [o for a in _children(governor, "agent") for o in _children(a, "pobj")]
            sources = [_Arg(s, inherited=True) for s in _expand(agents, governor)]
        else:
            subjects = _subjects(governor)
            if not subjects and governor.lemma_.lower() == "engage":
                subjects = _children(governor, "nsubjpass")  # "Russia is engaged in a war on Ukraine": a state
            subjects = _expand(subjects, governor)
            if all(s.pos_ == "PRON" for s in subjects) and _on_behalf_of(governor):
                subjects = _on_behalf_of(governor)  # "On behalf of the United States, I send warm greetings to"
            sources = [_Arg(s, inherited=True) for s in subjects] or _inherited_subjects(governor)
            if subjects and all(s.lower_ in PERSONAL_PRONOUNS for s in subjects) and rule.code[:2] == "04":
                # "Turkish officials said they had held talks with ...": "they" are whoever said so.
                sources = _reporter(governor) or _antecedent(governor) or sources
        # "a memorandum was signed between Cyprus, Greece and Israel": the parties with each other.
        pairs += [_Arg(t) for t in _expand(_pobjs(governor, PAIR_PREPS), governor)]
        # "announced $50 million in humanitarian aid for Afghanistan": aid is for whom the light verb says.
        given_to = VERB_TARGET_PREPS - PAIR_PREPS | ({"for"} if rule.code[:2] == "07" else set())
        targets += [_Arg(t) for t in _expand(_pobjs(governor, frozenset(given_to)), governor)]
        amount = noun.head.head if noun.dep_ == "pobj" and noun.head.lower_ in ("in", "of") else None
        if amount is not None and _is_amount(amount):
            # "$160 million in assistance to ASEAN member states": the amount's recipient.
            targets += [_Arg(t) for t in _expand(_pobjs(amount, frozenset({"to", "for"})), amount)]
    if its is not None and governor is not None and governor.lemma_.lower() in LIGHT_VERBS and not targets:
        # "the United States extends its warmest wishes to the Portuguese people": whom the light verb names.
        targets += [_Arg(t) for t in _expand(_pobjs(governor, VERB_TARGET_PREPS - PAIR_PREPS), governor)]
    if not sources and not pairs and _on_a_trip(noun):
        # "The Chinese foreign minister is on a three-day visit to Australia": who is on it makes it.
        sources = [_Arg(s, inherited=True) for s in _expand(_subjects(noun.head.head), noun.head.head)]
    if not sources and not pairs and any(c.dep_ == "poss" and c.lower_ in ("his", "her") for c in noun.children):
        # "during her meeting with President Castro": "her" is the subject of the clause the noun sits in ("its"
        # and "their" point at any earlier noun: "hold Russia accountable for its war").
        sources = _clause_subjects(noun)
    if rule.code[:2] == "07" and noun.dep_ == "nsubj" and not targets and not pairs:
        # "This assistance from the American people will help Ukraine defend ...": whom what the aid does reaches.
        verbs = [noun.head]
        for verb in verbs[:4]:
            verbs += _children(verb, "xcomp", "ccomp")  # "will enable our partners to continue to meet the needs of"
        reached = [t for verb in verbs[:4] for t in _nested_party(verb)]
        targets = [_Arg(t, inherited=True) for t in reached[:1]]
    if rule.code[:2] == "07" and sources and not targets and not pairs and noun.dep_ == "dobj" and governor:
        # "will bring total U.S. military assistance to Ukraine to $8.7 billion": the parser hangs the recipient
        # on the verb.
        targets = [_Arg(t) for t in _expand(_pobjs(governor, frozenset({"to", "for"})), governor)]
    if rule.code[:2] == "16" and not any(_has_country(code_actor(t.head)) for t in targets):
        # "announcing additional sanctions in connection with the Cuban regime's repression"
        targets = [_Arg(t) for t in _answered_parties([noun, *([governor] if governor else [])])] or targets
    if rule is _MATERIEL_DRAWDOWN:
        # "drawdown of arms and equipment from U.S. Department of Defense inventories for Ukraine": the parser
        # hangs who gives and who gets deep in the list of what is drawn.
        for prep in (t for t in noun.subtree if t.dep_ == "prep" and t.lower_ in ("from", "for", "to")):
            found = [x for x in prep.subtree if x is not prep and _has_country(code_actor(x))][:1]
            if prep.lower_ == "from" and not sources:
                sources = [_Arg(x) for x in found]
            elif prep.lower_ != "from" and not targets:
                targets = [_Arg(x) for x in found]
    named = [c for c in noun.children if c.dep_ in ("compound", "nmod", "amod") and len(joined_parties(c)) >= 2]
    if named and rule.code[:2] == "04" and not targets and not pairs:
        # "will lead the U.S.-Laos Comprehensive Bilateral Dialogue": its subject meets the other party the name
        # joins (without a subject, which of the two meets whom is not said).
        doers = _expand(_subjects(governor), governor) if governor is not None and noun.dep_ == "dobj" else []
        if doers:
            sources, targets = [_Arg(d, inherited=True) for d in doers], [_Arg(c, joined=True) for c in named]
    code = rule.code
    joint = code[:2] == "15" and any(
        c.lower_ in JOINT_MODIFIERS for c in noun.children if c.dep_ in ("amod", "compound")
    )
    if joint:
        code = "062"  # "joint military exercises", "held joint drills with the Philippines": military cooperation
    if len(sources) >= 2 and not targets and not pairs and code in SYMMETRIC_CODES:
        pairs, sources = sources, []  # "US-Iran talks", "Israeli and Palestinian negotiators' talks"
    mutual = joint and bool(targets)
    return _Candidate(noun, code, sources, targets, pairs, nominal=True, governor=governor, mutual=mutual)


# ---------------------------------------------------------------- records


def _records(
    candidate: _Candidate, memory: ActorMemory, sent: Span, sentence_index: int, event_date: str | None
) -> list[EventRecord]:
    location = _location(candidate)
    here = countries.resolve(location.text, location.label_)[1] if location is not None else None

    def coded(args: list[_Arg], place: str | None) -> list[tuple[_Arg, Actor]]:
        out = []
        for arg in args:
            # "Bali, Indonesia, and Bangkok, Thailand": the country after a place is its country, and no party of
            # its own.
            if _qualifier_of(arg.head):
                continue
            qualified = _qualified(arg.head)
            for actor in joined_parties(arg.head) if arg.joined else code_actors(arg.head, memory):
                if actor.country is None and actor.role and (owner := _pronoun_owner_country(arg.head)):
                    actor = _localised(actor, owner, any_role=True)  # "Putin ordered his forces to invade"
                if actor.country is None and actor.role in STATE_ROLES and (owner := _commander_country(arg.head)):
                    actor = _localised(actor, owner, any_role=True)  # "Netanyahu ordered the military to strike"
                if qualified and actor.country and actor.country != qualified:
                    # The place of another country is no capital of this one: no government role from it.
                    actor = actor.model_copy(update={"code": qualified, "country": qualified, "role": None})
                out.append((arg, actor if _from_elsewhere(arg.head) else _localised(actor, place)))
        return out

    # "In Tokyo, the Secretary met with ...": one person who meets somewhere is often the visitor.
    visitor = candidate.code[:2] == "04" and all(_is_title(a.head) for a in candidate.sources)
    sources = coded(candidate.sources, None if visitor else here)
    targets, pairs = coded(candidate.targets, here), coded(candidate.pairs, here)
    if candidate.code[:2] in FORCE_ROOTS:
        # "shelled an oil depot in Russia's Bryansk region", "attacked a military base in southern Somalia": force
        # used against a thing or a body of no named country in a place is used against the country of the place.
        # "launched an offensive in eastern Ukraine": the place may hang on the verb that carries the noun.
        where = [candidate.trigger] + ([candidate.governor] if candidate.nominal and candidate.governor else [])
        # "shelled the city of Kharkiv": a place struck is no actor, and no target until its country is found.
        # "stormed a hotel in Mogadishu (on Friday night)": what a force verb struck, when no party is named.
        party_named = any(code_actor(a.head) for a in candidate.targets)
        struck = [
            d
            for d in ([] if candidate.nominal or party_named else _children(candidate.trigger, "dobj"))
            if d.lemma_.lower() in PLACE_HEADS | FACILITIES or d.pos_ == "PROPN"
        ]
        heads = (
            [a.head for a in candidate.targets]
            + struck
            + [p for token in where for p in _pobjs(token, PLACE_PREPS | {"during", "across"})]
        )
        places = [actor for h in heads for actor in [_place_actor(h)] if actor is not None]
        if not targets and places:
            targets = [(_Arg(heads[0]), places[0])]
        elif places:
            targets = [(a, _localised(t, places[0].country, any_role=True)) for a, t in targets]
    given = not candidate.nominal or (
        candidate.governor is not None and candidate.governor.lemma_.lower() in LIGHT_VERBS
    )
    if candidate.code[:2] == "07" and not targets and not pairs and given:
        # "In Burma, the United States has provided more than $20.3 million in COVID-related assistance", "$3 billion
        # in humanitarian assistance in Iraq": aid given in a country with no one named is given to that country;
        # not aid announced at a conference in a city ("In Geneva, the United States announced ..."), nor aid only
        # named ("updates on U.S. humanitarian assistance in Yemen").
        where = [candidate.trigger] + ([candidate.governor] if candidate.nominal and candidate.governor else [])
        named = [c for t in where for p in _pobjs(t, frozenset({"in", "across"})) if (c := _named_as_country(p))]
        sourced = {actor.country for _, actor in sources}
        targets = [(_Arg(where[0], inherited=True), c) for c in named[:1] if c.country not in sourced]
    if candidate.code[:2] == "04" and targets:
        # "While in Kenya, X will meet with senior officials", "travel to Chisinau, Moldova to meet with President
        # Maia Sandu": whoever is met there, of no named country, is of the country of the venue.
        venue = _venue(candidate)
        targets = [(a, t if _from_elsewhere(a.head) else _localised(t, venue, any_role=True)) for a, t in targets]
    if candidate.code[:2] == "14":
        sources, targets = _protest_sides(candidate, sources, targets)
    if candidate.code[:2] == "18" and len(sources) == 1 and sources[0][1].country and sources[0][1].role == "REB":
        # "Boko Haram fighters abducted 200 schoolgirls": insurgents assault people of their own country unless the
        # sentence says otherwise (a place of another country named is said below the victims, or as a target).
        targets = [(a, _localised(t, sources[0][1].country, any_role=True)) for a, t in targets]
    if candidate.code[:2] == "17" and len(sources) == 1 and sources[0][1].country:
        # "Indian officials arrested a man": authorities coerce people at home unless the sentence says otherwise.
        targets = [(a, _localised(t, sources[0][1].country, any_role=True)) for a, t in targets]
    elif candidate.code[:2] == "17" and len(targets) == 1 and targets[0][1].country:
        # "Authorities arrested twelve people in Tamil Nadu, India": and they are that country's authorities.
        sources = [(a, _localised(s, targets[0][1].country)) for a, s in sources]
    combos: list[tuple[tuple[_Arg, Actor], tuple[_Arg, Actor]]] = [(s, t) for s in sources for t in targets]
    if pairs and sources and not targets:
        combos += [(s, p) for s in sources for p in pairs]  # "Qatar's mediation between X and Y"
    elif pairs:
        combos += list(permutations(pairs, 2))
    elif (
        len(sources) >= 2
        and not targets
        and (candidate.code in SYMMETRIC_CODES or candidate.reciprocal)
        and not _thing_given(candidate)
    ):
        combos += list(permutations(sources, 2))  # "Islamabad and Doha have been working ..."
    if len({actor.country for _, actor in sources + pairs}) >= 2:
        # "Secretary Blinken, Secretary Austin, and President Ghani exchanged views": colleagues of one country
        # among others do not act on each other.
        combos = [(s, t) for s, t in combos if not (s in sources + pairs and t in sources + pairs) or _apart(s, t)]
    negated, hypothetical = _negated(candidate), _hypothetical(candidate)
    code = candidate.code
    ongoing = candidate.nominal and candidate.trigger.lemma_.lower() in STATE_NOUNS  # a war named is no plan
    if not hypothetical and not ongoing and _intended(candidate):
        code = cameo.intent_code(code)
    if code == "141" and sources and all(_is_state(actor) for _, actor in sources):
        code = "114"  # "Japan protested to China over the detention": a state's protest is an official complaint
    entry = cameo.codes()[code]
    if code in MUTUAL_CODES or candidate.mutual:
        # "Blinken met with Kuleba": both met; each is coded towards the other.
        combos += [(t, s) for s, t in combos if (t, s) not in combos]
    trigger = candidate.trigger
    records = []
    for (source_arg, source), (target_arg, target) in combos:
        if (
            source.country
            and target.country is None
            and target.role in STATE_ROLES
            and _owned_by_pronoun(target_arg.head)
        ):
            # "citizens demanded accountability of their governments": the source's own government.
            target = _localised(target, source.country, any_role=True)
        source, target = (
            _in_context(source, source_arg.head, target, memory),
            _in_context(target, target_arg.head, source, memory),
        )
        if source.code == target.code:
            continue
        pair_entry = entry
        if trigger.lemma_.lower() == "target" and entry.root_code == "19" and source.role == "GOV":
            # A government "targets" oligarchs with sanctions and minorities with repression, not with force.
            pair_entry = cameo.codes()["175" if target.role == "CVL" else "163"]
        if source.country == target.country and None in (source.role, target.role) and entry.quad_class <= 2:
            continue  # "the Jamaican Prime Minister welcomed Jamaica's participation": a country talking of itself
        place = location
        if place is None and candidate.code in VISIT_CODES:
            place = _place(target_arg.head)  # "visited Tehran": where the visit happened
        records.append(
            EventRecord(
                source=source,
                target=target,
                code=pair_entry.code,
                name=pair_entry.name,
                root_code=pair_entry.root_code,
                quad_class=pair_entry.quad_class,
                goldstein=pair_entry.goldstein,
                trigger=trigger.text,
                trigger_start=trigger.idx,
                trigger_end=trigger.idx + len(trigger.text),
                sentence_index=sentence_index,
                sentence_start=sent.start_char,
                sentence_end=sent.end_char,
                negated=negated,
                hypothetical=hypothetical,
                confidence=_confidence(
                    candidate, source, target, source_arg, target_arg, negated, hypothetical, memory.inferred
                ),
                date=event_date,
                location_text=place.text if place is not None else None,
                location_country=countries.resolve(place.text, place.label_)[1] if place is not None else None,
                location_start=place.start_char if place is not None else None,
                location_end=place.end_char if place is not None else None,
            )
        )
    return records


def _apart(source: tuple[_Arg, Actor], target: tuple[_Arg, Actor]) -> bool:
    """Whether two parties listed together are of different countries (or either of none)."""
    return source[1].country is None or source[1].country != target[1].country


def _is_state(actor: Actor) -> bool:
    """A country or its government named as such ("Japan", "Tokyo", "the Japanese government")."""
    return actor.country is not None and actor.role in (None, "GOV")


def _protest_sides(
    candidate: _Candidate, sources: list[tuple[_Arg, Actor]], targets: list[tuple[_Arg, Actor]]
) -> tuple[list[tuple[_Arg, Actor]], list[tuple[_Arg, Actor]]]:
    """Who protests against whom where the sentence names only the place: "Anti-government protests took place in
    Belgrade", "thousands protested in Tbilisi" are the country's people (CVL) against its government (GOV)."""
    venue = _venue(candidate)
    if venue is None:
        return sources, targets

    def local(role: str, token: Token) -> Actor:
        span = token.doc[token.left_edge.i : token.right_edge.i + 1] if token is not candidate.trigger else None
        start, text = (span.start_char, span.text) if span is not None else (token.idx, token.text)
        return Actor(code=venue + role, country=venue, role=role, text=text, start=start, end=start + len(text))

    if not sources:
        named = candidate.sources[0].head if candidate.sources else candidate.trigger  # "thousands", "protests"
        sources = [(_Arg(named, inherited=True), local("CVL", named))]
    if not targets:
        targets = [(_Arg(candidate.trigger, inherited=True), local("GOV", candidate.trigger))]
    return sources, targets


def _thing_given(candidate: _Candidate) -> bool:
    """Whether a verb's object is a thing rather than an event: "China, Iran and Russia pledged funds" do not
    pledge anything to each other, while "Japan and Korea signed an agreement" do sign with each other. Talks
    about a topic ("discussed the challenges") stay mutual."""
    trigger = candidate.trigger
    if candidate.nominal or candidate.reciprocal or candidate.code[:2] == "04" or candidate.code in CONCLUDED_CODES:
        return False  # meeting, signing ("signed a joint statement") and "each other" are mutual whatever the object
    if candidate.code == "054":
        return False  # "Israel and the UAE established diplomatic relations": with each other
    if trigger.lemma_.lower() in TOPIC_VERBS or any(c.lower_ in JOINT_ADVERBS for c in trigger.children):
        return False
    return any(_noun_rule(obj) is None for obj in _children(trigger, "dobj"))


def _country_after(token: Token) -> tuple[Span, str] | None:
    """The country named right after the place `token` belongs to, set off by a comma ("Bali, Indonesia")."""
    place = _place(token)
    if place is None or place.end + 1 >= len(token.doc) or token.doc[place.end].text != ",":
        return None
    following = entity_starting_at(token.doc, place.end + 1)
    if following is None or following.label_ not in PLACE_LABELS | {"ORG"}:
        return None
    name, alpha3 = countries.resolve(following.text, "GPE")
    if not (alpha3 and name == countries.country_name(alpha3)):
        state = gazetteer().state_by_code_or_name(following.text)  # "Paris, Texas"
        alpha3 = "USA" if state is not None else None
    # A list of places ("Gaza, Syria and Lebanon") is no qualification: the place must lie in that country.
    if alpha3 is None or not any(e.place.country == alpha3 for e in gazetteer().candidates(place.text)):
        return None
    return following, alpha3


def _qualified(token: Token) -> str | None:
    found = _country_after(token)
    return found[1] if found else None


def _qualifier_of(token: Token) -> bool:
    """Whether `token` is the country that qualifies the place before it ("Indonesia" in "Bali, Indonesia")."""
    doc = token.doc
    place = _place(token)
    if place is None or place.start < 2 or doc[place.start - 1].text != ",":
        return False
    before = doc[place.start - 2]
    found = _country_after(before)
    return found is not None and found[0].start == place.start


def _is_title(head: Token) -> bool:
    """Whether a phrase is one person named by a title ("the Secretary", "Foreign Minister Rau")."""
    return head.tag_ not in ("NNS", "NNPS") and (
        head.lemma_.lower() in PERSON_TITLES or any(c.lemma_.lower() in PERSON_TITLES for c in head.children)
    )


def _pronoun_owner_country(head: Token) -> str | None:
    """The country of whom "his/her/its" points at in "Putin ordered his forces to invade", "Iran acknowledged its
    military had shot down": the subject, before the owned phrase, of the nearest verb above that has one (the
    owned phrase may itself be the subject of the verb right above)."""
    owners = {c.lower_ for c in head.children if c.dep_ == "poss"}
    if not owners & {"his", "her"} and not ("its" in owners and head.dep_ in ("nsubj", "nsubjpass")):
        return None  # "its" after a country is that country's ("assault on Ukraine and its people")
    for ancestor in list(head.ancestors)[:5]:
        if ancestor.pos_ not in ("VERB", "AUX"):
            continue
        subjects = [t for t in _subjects(ancestor) if t.pos_ != "PRON" and t.i < head.i]
        if subjects:
            return _country_of_first(subjects)
    return None


def _commander_country(head: Token) -> str | None:
    """The country of whoever orders a state body of no named country to act: "Netanyahu ordered the military to
    strike Iran" (the military is Israel's)."""
    verb = head.head
    if head.dep_ != "dobj" or verb.lemma_.lower() not in COMMANDING_VERBS:
        return None
    return _country_of_first([s for s in _subjects(verb) if s.pos_ != "PRON"])


def _country_of_first(tokens: list[Token]) -> str | None:
    """The country of the actor the first of `tokens` names, if any."""
    actor = code_actor(tokens[0]) if tokens else None
    return actor.country if actor is not None else None


def _owned_by_pronoun(head: Token) -> bool:
    return any(c.dep_ == "poss" and c.lower_ in ("their", "its", "his", "her") for c in head.children)


def _place_actor(head: Token) -> Actor | None:
    """The country of the first place named in the phrase headed by `head` (its whole subtree: "a military base in
    southern Somalia", "residential areas of Kharkiv"), as a bare country actor. A proper noun the NER left
    untagged counts when it is a known place name; persons and organisations never do."""
    doc = head.doc
    for token in doc[head.left_edge.i : head.right_edge.i + 1]:
        if any(c.lower_ == "ethnic" for c in token.children):
            continue  # "ethnic Kazakhs" (which the NER may tag as a place) are a people, not Kazakhstan
        if token.ent_type_ in PLACE_LABELS and (entity := entity_of(token)) is not None:
            span = entity
        elif token.pos_ == "PROPN" and (not token.ent_type_ or _named_place(token)):
            span = doc[token.i : token.i + 1]
        else:
            continue
        alpha3 = countries.resolve(span.text, "GPE")[1]
        if alpha3:
            start, end = span.start_char, span.end_char
            return Actor(code=alpha3, country=alpha3, role=None, text=span.text, start=start, end=end)
    return None


def _named_place(token: Token) -> bool:
    """A one-word name the NER may tag as anything, said to be a place: "the city of Mariupol"."""
    return token.dep_ == "pobj" and token.head.lower_ == "of" and token.head.head.lemma_.lower() in PLACE_HEADS


def _named_as_country(token: Token) -> Actor | None:
    """The country `token` names by its own name ("Burma", "Iraq"), as a bare country actor; None for a city or a
    region (unlike `_named_country`, which gives a city's country), and for anything but a place."""
    entity = entity_of(token) if token.ent_type_ in PLACE_LABELS else None
    if entity is None:
        return None
    name, alpha3 = countries.resolve(entity.text, entity.label_)
    if alpha3 is None or countries.country_name(alpha3) != name:
        return None
    return Actor(code=alpha3, country=alpha3, role=None, text=entity.text, start=entity.start_char, end=entity.end_char)


def _from_elsewhere(head: Token) -> bool:
    """Whether the phrase says where its people come from ("officials from member countries"), so that the place
    of the event does not."""
    return bool(_pobjs(head, frozenset({"from"})))


def _localised(actor: Actor, country: str | None, *, any_role: bool = False) -> Actor:
    """A domestic role without a country takes the country the sentence places the event in ("police arrested
    protesters in Nairobi" → KENCOP, KENCVL). Only an explicit "in/at <place>" counts: the sentence's countries
    in general would make "the Secretary will travel to Tokyo" a Japanese official."""
    if country is None or actor.country or actor.code.startswith("IGO") or actor.role is None:
        return actor
    if actor.role not in DOMESTIC_ROLES and not any_role:
        return actor
    return actor.model_copy(update={"code": country + actor.role, "country": country})


def _dominant_country(doc: Doc) -> str | None:
    """The country an article is clearly about: the one its places and nationalities (GPE/NORP mentions) name
    at least three times and at least twice as often as any other; None when no country stands out."""
    counts = Counter(
        alpha3
        for ent in doc.ents
        if ent.label_ in ("GPE", "NORP")
        for alpha3 in [countries.resolve(ent.text, ent.label_)[1]]
        if alpha3
    )
    ranked = counts.most_common(2)
    if not ranked:
        return None
    top, n = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    return top if n >= 3 and n >= 2 * runner_up else None


def _in_context(actor: Actor, head: Token, other: Actor, memory: ActorMemory) -> Actor:
    """A body without a country ("the government", "police", "protesters") takes the country the article is
    clearly about, with lower confidence. Not a person's title (see PERSON_TITLES), and not when the other side is
    of that country: a bare role acting on the article's main country is usually a foreigner."""
    country = memory.context_country
    if country is None or actor.country or actor.code.startswith("IGO") or actor.role is None:
        return actor
    if head.tag_ not in ("NNS", "NNPS") and head.lemma_.lower() in PERSON_TITLES:
        return actor
    if other.country == country:
        return actor
    memory.inferred.add((actor.start, actor.end))
    return actor.model_copy(update={"code": country + actor.role, "country": country})


def _confidence(
    candidate: _Candidate,
    source: Actor,
    target: Actor,
    source_arg: _Arg,
    target_arg: _Arg,
    negated: bool,
    hypothetical: bool,
    inferred: set[tuple[int, int]],
) -> float:
    """Start from how direct the trigger is, then discount each weakness of the coding.

    A verb with its own subject and object is the most reliable pattern (0.9); a trigger noun's arguments are
    attached less reliably by the parser (0.75). Each actor without a known country loses 0.1, as does each actor
    whose country came from the article rather than its own phrase, and an actor borrowed from another clause;
    hypothetical and negated events are halved.
    """
    score = 0.75 if candidate.nominal else 0.9
    score -= 0.1 * sum(1 for actor in (source, target) if actor.country is None and not actor.code.startswith("IGO"))
    score -= 0.1 * sum(1 for actor in (source, target) if (actor.start, actor.end) in inferred)
    score -= 0.1 * sum(1 for arg in (source_arg, target_arg) if arg.inherited)
    if hypothetical:
        score *= 0.5
    if negated:
        score *= 0.5
    return round(max(0.05, min(1.0, score)), 2)


# ---------------------------------------------------------------- negation, modality, place, date


def _clause_chain(candidate: _Candidate) -> list[Token]:
    """The trigger's verb (the governor for a noun) and the verbs it is an infinitive or conjunct of."""
    start = candidate.governor if candidate.nominal else candidate.trigger
    chain: list[Token] = []
    current = start
    while current is not None and len(chain) < 4:
        chain.append(current)
        # "urged X to reengage in talks to negotiate a settlement": an infinitive of purpose shares the clause's
        # modality.
        purpose = current.dep_ == "advcl" and any(c.dep_ == "aux" and c.lower_ == "to" for c in current.children)
        if current.dep_ == "conj" and _children(current, "nsubj", "nsubjpass"):
            break  # "They committed to work together, and Blinken thanked Japan": a clause of its own
        if current.dep_ == "pcomp" and current.head.dep_ == "prep" and current.head.head.pos_ in ("VERB", "AUX"):
            current = current.head.head  # "urged the parties to commit to cooperating"
            continue
        if (current.dep_ not in ("xcomp", "conj", "ccomp") and not purpose) or current.head.i == current.i:
            break
        current = current.head
    return chain


def _negated(candidate: _Candidate) -> bool:
    trigger = candidate.trigger
    if any(c.dep_ == "det" and c.lower_ == "no" for c in trigger.children):
        return True  # "no talks were held"
    if any(c.dep_ in ("amod", "acl", "relcl") and c.lemma_.lower() in CALLED_OFF for c in trigger.children):
        return True  # "the cancelled visit", "a trip to Warsaw, which was cancelled"
    for i, verb in enumerate(_clause_chain(candidate)):
        if any(c.dep_ == "neg" or c.lower_ in ("never", "not") for c in verb.children):
            return True
        if i > 0 and verb.lemma_.lower() in NEGATING_HEADS:
            return True  # "refused to meet"
        if verb.dep_ == "acl" and verb.head.lemma_.lower() in NEGATING_NOUNS:
            return True  # "the PRC's unwillingness to cooperate with the WHO"
    return False


def _reported_would(verb: Token) -> bool:
    """`would` in a clause reported by a verb of saying ("said it would send troops")."""
    return (
        verb.dep_ == "ccomp"
        and verb.head.lemma_.lower() in SAYING_VERBS
        and any(c.dep_ == "aux" and c.lower_ == "would" for c in verb.children)
    )


def _intended(candidate: _Candidate) -> bool:
    """Whether the event is announced, planned or promised rather than done: a future auxiliary ("will visit"),
    `would` reported by a verb of saying, or a governing verb or adjective of intent ("plans to meet", "pledged to
    provide", "is committed to working with")."""
    if any(c.dep_ in ("amod", "compound") and c.lower_ in PLANNED for c in candidate.trigger.children):
        return True  # "the planned visit", "an upcoming summit"
    governor = candidate.governor
    if governor is not None and governor.lemma_.lower() in (INTENT_HEADS | {"arrange"}) - LIGHT_VERBS:
        return True  # "plans a visit", "worked to arrange a meeting"
    if candidate.code[:2] == "07" and _announced(candidate.trigger, governor):
        return True  # "announced $155 million in assistance": aid pledged, as the real-news coders code it
    for i, verb in enumerate(_clause_chain(candidate)):
        if candidate.code[:2] == "07" and _thing_subject(verb):
            continue  # "this drawdown will bring U.S. assistance to Ukraine to $8.7 billion": aid counted, no pledge
        if any(c.dep_ == "aux" and c.lower_ in FUTURE_AUX for c in verb.children) or _reported_would(verb):
            return True
        if any(c.dep_ in ("aux", "auxpass") and c.lower_ == "going" for c in verb.children):
            return True  # "is going to meet"
        if i > 0 and verb.lemma_.lower() in INTENT_HEADS:
            return True
    start = candidate.governor if candidate.nominal else candidate.trigger
    if (
        start is not None
        and start.dep_ in ("advcl", "xcomp")
        and any(o.lemma_.lower() in INTENT_NOUNS for o in _children(start.head, "dobj"))
    ):
        return True  # "highlighted U.S. preparedness to meet the DPRK": the parser hangs "to meet" on the verb
    # "is committed to working with France", "announced plans to continue working with", "will travel to Tokyo to
    # meet": an adjective, noun or future verb up the clause governs the act. Not a participle describing a noun
    # ("agreed to a ceasefire brokered by Egypt": the brokering is done).
    described = start is not None and start.dep_ == "acl" and start.tag_ == "VBN"
    for ancestor in _governing(start) if start is not None and not described else []:
        lemma = ancestor.lemma_.lower()
        if lemma in INTENT_HEADS and ancestor.pos_ in ("ADJ", "VERB"):
            return True
        if lemma in INTENT_NOUNS and ancestor.pos_ == "NOUN":
            return True
        trigger = candidate.trigger
        if lemma in STRESSED_NOUNS and not candidate.nominal and trigger.dep_ == "pcomp" and not _subjects(trigger):
            return True  # "emphasized the importance of working with NATO": an intent, as the coders code it
        if ancestor.pos_ in ("VERB", "AUX") and any(
            c.dep_ == "aux" and c.lower_ in FUTURE_AUX for c in ancestor.children
        ):
            return True
    return False


def _thing_subject(verb: Token) -> bool:
    """Whether the verb's subject is a thing, not an actor or a pronoun ("this drawdown will bring ...")."""
    subjects = _subjects(verb)
    return bool(subjects) and all(s.pos_ == "NOUN" and code_actor(s) is None for s in subjects)


def _governing(token: Token) -> list[Token]:
    """Up to four words above `token`, up to the first clause told as a fact of its own ("will bring total aid to
    $6.9 billion since Russia launched its invasion": the invasion is no plan)."""
    out: list[Token] = []
    current = token
    while current.head.i != current.i and len(out) < 4:
        if any(c.dep_ == "mark" and c.lower_ in FACT_MARKS for c in current.children):
            break
        if current.dep_ == "conj" and current.pos_ in ("VERB", "AUX") and _children(current, "nsubj", "nsubjpass"):
            break  # "They committed to work together, and Blinken thanked Japan": a clause of its own
        current = current.head
        out.append(current)
    return out


def _announced(noun: Token, governor: Token | None) -> bool:
    """Whether a noun is what is announced: "announced $50 million in assistance", "the announcement of food
    support"."""
    if governor is not None and governor.lemma_.lower() == "announce":
        return True
    return noun.dep_ == "pobj" and noun.head.lower_ == "of" and noun.head.head.lemma_.lower() == "announcement"


def _hypothetical(candidate: _Candidate) -> bool:
    if _alleged(candidate.trigger) or _talked_about(candidate.trigger):
        return True
    if candidate.nominal and candidate.governor is not None and _talked_about(candidate.governor):
        return True  # "discussed increasing cooperation with Japan": the light verb carries the topic
    if candidate.trigger.sent.text.rstrip().endswith("?"):
        return True  # a question asserts nothing ("What are your views on the conflict between ...?")
    if any(a.lemma_.lower() in HYPOTHETICAL_NOUNS and a.head.lower_ == "in" for a in candidate.trigger.ancestors):
        return True  # "in the event of an attack", "in case of war"
    if any(c.dep_ == "amod" and c.lower_ in POSSIBLE for c in candidate.trigger.children):
        return True  # "a possible visit", "proposed talks"
    if candidate.nominal and any(c.dep_ == "det" and c.lower_ == "any" for c in candidate.trigger.children):
        return True  # "in response to any further aggression"
    governor = candidate.governor
    if candidate.nominal and governor is not None:
        lemma = governor.lemma_.lower()
        if lemma in HYPOTHETICAL_HEADS or lemma in PREVENTING_HEADS:
            return True  # "encouraged direct talks between Armenia and Azerbaijan", "to deter further aggression"
    start = candidate.governor if candidate.nominal else candidate.trigger
    if start is not None and any(
        a.pos_ == "NOUN" and a.lemma_.lower() in NEEDED_NOUNS for a in list(start.ancestors)[:3]
    ):
        # "discussed the need to deepen cooperation"; not "the importance of": real-news coders code what it names.
        return True
    for i, verb in enumerate(_clause_chain(candidate)):
        if any(c.dep_ == "aux" and c.lower_ in MODAL_AUX for c in verb.children) and not _reported_would(verb):
            return True
        if any(c.dep_ == "mark" and c.lower_ in ("if", "unless", "whether") for c in verb.children):
            return True
        if i > 0 and verb.lemma_.lower() in HYPOTHETICAL_HEADS:
            return True
    return False


def _alleged(trigger: Token) -> bool:
    """What someone is accused or criticised of ("accused Iran of attacking", "criticized the US for selling
    weapons") is the accuser's claim, not a reported event."""
    if trigger.dep_ != "pcomp" or trigger.head.lower_ not in ("of", "for"):
        return False
    rule = _verb_rule(trigger.head.head)
    return rule is not None and rule.code[:2] in ("11", "12")


def _talked_about(trigger: Token) -> bool:
    """An act that is only the topic of talk: "spoke about cooperating", "discussed working together"."""
    current = trigger
    while current.dep_ == "conj" and current.head is not current:
        current = current.head  # "spoke about cooperating ..., and working together"
    if current.dep_ != "pcomp" or current.head.lower_ not in ("about", "on", "of"):
        return False
    topic = current.head.head
    if topic.lemma_.lower() in TOPIC_NOUNS and topic.dep_ == "dobj":
        # "discussed the importance of increasing cooperation with Japan"; but to emphasize the importance of
        # working with allies is to mean to.
        return topic.head.lemma_.lower() in TALKING_HEADS - EMPHASIS_HEADS
    return topic.lemma_.lower() in TALKING_HEADS


def _place(token: Token) -> Span | None:
    """The place entity `token` belongs to, if it is one."""
    ent = entity_of(token)
    return ent if ent is not None and ent.label_ in PLACE_LABELS else None


def _location(candidate: _Candidate) -> Span | None:
    """A place the sentence says the event happened in ("in Doha"), on the trigger or its verb."""
    for token in (candidate.trigger, candidate.governor):
        if token is None:
            continue
        for obj in _pobjs(token, frozenset({"in", "at"})):
            place = _place(obj)
            if place is not None:
                return place
    return None


def _venue(candidate: _Candidate) -> str | None:
    """The country a meeting takes place in: an "in/at <place>" on the trigger, its governor or a verb the trigger
    depends on ("While in Kenya, X will meet"), the destination of a travel verb it depends on ("travel to Riga to
    meet"), or the place a "where" clause describes ("travel to Bangkok, Thailand where he will meet")."""
    current = candidate.governor if candidate.nominal and candidate.governor is not None else candidate.trigger
    for _ in range(4):
        preps = {"in", "at"} | ({"to"} if current.lemma_.lower() in TRAVEL_VERBS else set())
        for obj in _pobjs(current, frozenset(preps)):
            country = _named_country(obj)
            if country:
                return country
        if current.dep_ in ("nsubj", "nsubjpass") and current.pos_ in ("NOUN", "PROPN"):
            current = current.head  # "protests have been taking place in Belgrade"
            continue
        if current.dep_ == "relcl" and any(c.lower_ == "where" for c in current.children):
            # The parser hangs "where" on the place or on the noun before it ("her trip in Islamabad where").
            places = [current.head, *_pobjs(current.head, frozenset({"in", "at", "to"}))]
            return next((country for place in places if (country := _named_country(place))), None)
        if current.dep_ not in ("xcomp", "advcl", "conj", "relcl") or current.head is current:
            return None
        current = current.head
    return None


def _named_country(token: Token) -> str | None:
    """The country of the place `token` names, or of a place in apposition or coordinated with it ("Chisinau,
    Moldova"); the NER often calls a lone country name an organisation, so ORG counts here."""
    for candidate in [token, *token.conjuncts, *_children(token, "appos")]:
        ent = entity_of(candidate)
        if ent is not None and ent.label_ in PLACE_LABELS | {"ORG"}:
            alpha3 = countries.resolve(ent.text, "GPE" if ent.label_ == "ORG" else ent.label_)[1]
            if not alpha3 and candidate.pos_ == "PROPN":
                alpha3 = countries.resolve(candidate.text, "GPE")[1]  # "Maputo, Mozambique" tagged as one ORG
            if alpha3:
                return alpha3
    return None


_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}  # fmt: skip
_WEEKDAYS = {d: i for i, d in enumerate(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])}
_MONTH_RE = "|".join(_MONTHS)
_MONTH_DAY = re.compile(rf"\b({_MONTH_RE})\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?", re.IGNORECASE)
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})(?:,?\s+(\d{{4}}))?", re.IGNORECASE)


def _event_date(sent: Span, published_at: date | None) -> str | None:
    """The date the sentence names (an explicit day, a weekday, "yesterday"), else the publication date. A day
    named without a year is the next one in a sentence about the future ("will travel to Tokyo on July 18"), the
    last one otherwise."""
    future = any(t.dep_ == "aux" and t.lower_ in FUTURE_AUX for t in sent)
    for ent in sent.ents:
        if ent.label_ != "DATE":
            continue
        found = _parse_date(ent.text, published_at, future=future)
        if found is not None:
            return found.isoformat()
    return published_at.isoformat() if published_at else None


def _parse_date(text: str, published_at: date | None, *, future: bool = False) -> date | None:
    lowered = text.lower()
    for pattern, month_group, day_group in ((_MONTH_DAY, 1, 2), (_DAY_MONTH, 2, 1)):
        match = pattern.search(lowered)
        if match:
            year = int(match.group(3)) if match.group(3) else (published_at.year if published_at else None)
            if year is None:
                return None
            try:
                found = date(year, _MONTHS[match.group(month_group)], int(match.group(day_group)))
            except ValueError:
                return None
            if published_at is None or match.group(3):
                return found
            return _nearest_year(found, published_at, future=future)
    if published_at is None:
        return None
    if "yesterday" in lowered:
        return published_at - timedelta(days=1)
    if "tomorrow" in lowered:
        return published_at + timedelta(days=1)
    for name, weekday in _WEEKDAYS.items():
        if re.search(rf"\b{name}\b", lowered):
            if future:
                return published_at + timedelta(days=(weekday - published_at.weekday()) % 7 or 7)
            # News says "on Monday" for the most recent Monday up to the publication day.
            return published_at - timedelta(days=(published_at.weekday() - weekday) % 7)
    return None


def _nearest_year(found: date, published_at: date, *, future: bool) -> date:
    """A day named without its year: in the publication's year, or the next one for what is still to come (told on
    28 November, "will meet on January 5"), the previous one for what is past (told on 3 January, "on December
    28"). A week's leeway either way: schedules are announced late and told early."""
    try:
        if future and found < published_at - timedelta(days=7):
            return found.replace(year=found.year + 1)
        if not future and found > published_at + timedelta(days=7):
            return found.replace(year=found.year - 1)
    except ValueError:  # 29 February
        return found
    return found
