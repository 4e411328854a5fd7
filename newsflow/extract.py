"""`newsflow extract FILE.jsonl`: the NLP worker's extraction, offline, by the very same code path.

Reads lines `{"id", "text", "published_at"?, "language"?}` (a file, or `-` for stdin) and writes one line per
input to stdout: `{"id", "language", "entities", "events", "places", "focus", "tone", "warnings"}`. A line that
is not such an object is reported on stderr with its line number, and the exit status is then 1.
"""

import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import orjson

from newsflow.client import chunks


def _records(stream: IO[bytes]) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield {"_error": f"line {number}: not valid JSON ({exc})"}
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            yield {"_error": f'line {number}: expected an object with a string "text"'}
            continue
        yield record


def _date(record: dict[str, Any]) -> date | None:
    """The date part of an ISO 8601 `published_at`, if the record has a readable one."""
    value = record.get("published_at")
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def run_extract(path: str, model: str | None = None, batch_size: int = 64) -> int:
    from services.nlp.extraction import ExtractionInput, Extractor
    from services.nlp.settings import NlpSettings

    settings = NlpSettings()
    extractor = Extractor(
        model or settings.nlp_model,
        batch_size=settings.batch_size,
        max_chars=settings.max_chars,
        events_require_countries=settings.events_require_countries,
    )
    status = 0
    out = sys.stdout.buffer
    with sys.stdin.buffer if path == "-" else Path(path).open("rb") as stream:
        for batch in chunks(_records(stream), batch_size):
            good = [r for r in batch if "_error" not in r]
            for bad in (r for r in batch if "_error" in r):
                print(f"newsflow extract: {bad['_error']}", file=sys.stderr)
                status = 1
            results = extractor.extract([ExtractionInput(r["text"], r.get("language"), _date(r)) for r in good])
            for record, result in zip(good, results, strict=True):
                line = {
                    "id": record.get("id"),
                    "language": result.language,
                    "entities": [e.model_dump() for e in result.entities],
                    "events": [e.model_dump(mode="json") for e in result.events],
                    "places": [p.model_dump(mode="json") for p in result.places],
                    "focus": result.focus.model_dump(mode="json") if result.focus else None,
                    "tone": result.tone,
                    "warnings": result.warnings,
                }
                out.write(orjson.dumps(line) + b"\n")
            out.flush()
    return status
