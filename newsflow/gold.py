"""Gold files for `newsflow eval`: JSON lines, each holding its text or pointing into a news corpus.

A line may point into a corpus instead of holding its text (real news that may not be copied into the
repository): `{"id", "ref": {"file", "article", "start", "end", "sha256"}, ...}` is resolved against the JSONL
files of a corpus folder (`{"id", "text", ...}` per article) to `text[start:end]` of that article; `sha256` (of the
excerpt, first 16 hex digits) catches a corpus that differs from the one the gold was coded on.
"""

import hashlib
import json
import sys
from pathlib import Path
from typing import Any


class GoldError(ValueError):
    """A gold file that cannot be read as it says (a reference without a corpus, or into another corpus)."""


def sentence_digest(text: str) -> str:
    """The check value a corpus reference carries for its excerpt."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def read_gold(path: str | Path, corpus: str | Path | None = None) -> list[dict[str, Any]]:
    """The gold lines of a JSONL file (blank lines skipped), with corpus references resolved to their text."""
    with Path(path).open(encoding="utf-8") as handle:
        items = [json.loads(line) for line in handle if line.strip()]
    refs = [item for item in items if "text" not in item and "ref" in item]
    if refs:
        if corpus is None:
            raise GoldError(f"{path} points into a news corpus; pass --corpus DIR")
        articles = _articles(Path(corpus), {item["ref"]["file"] for item in refs})
        for item in refs:
            ref = item["ref"]
            article = articles.get((ref["file"], ref["article"]))
            if article is None:
                raise GoldError(f"{item.get('id')}: article {ref['article']} is not in {corpus}/{ref['file']}")
            item["text"] = article[ref["start"] : ref["end"]]
            if ref.get("sha256") and sentence_digest(item["text"]) != ref["sha256"]:
                raise GoldError(f"{item.get('id')}: the text in {corpus}/{ref['file']} is not the one coded")
    return items


def _articles(corpus: Path, files: set[str]) -> dict[tuple[str, str], str]:
    texts = {}
    for name in files:
        if not (corpus / name).exists():
            raise GoldError(f"{corpus / name} does not exist")
        with (corpus / name).open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    record = json.loads(line)
                    texts[(name, record["id"])] = record["text"]
    return texts


def readable(prog: str, path: str | Path, corpus: str | Path | None) -> bool:
    """Whether `path` is a gold file `prog` can score; if not, says why on stderr. Checked before a scorer loads
    its model, so a wrong path or a missing `--corpus` fails in a moment."""
    try:
        if not Path(path).exists():
            raise GoldError(f"{path} does not exist")
        read_gold(path, corpus)
    except (GoldError, json.JSONDecodeError, KeyError) as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return False
    return True
