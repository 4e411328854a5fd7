"""Reads article files for `newsflow ingest` and `make run`'s seeding: `.txt`, `.json` and `.jsonl`.

A `.txt` file is one article: its first non-empty line is the title, the rest the text. A `.json` file holds
one article object or an array of them; a `.jsonl` file one object per line.
"""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

SUFFIXES = (".txt", ".json", ".jsonl", ".ndjson")


def article_from_txt(content: str, name: str) -> dict[str, Any]:
    """A title line, when the file starts with one; otherwise the whole file is text and its first sentence,
    shortened, the title (a text file of paragraphs has no headline)."""
    body = content.strip()
    first, _, rest = body.partition("\n")
    first = first.strip()
    if rest.strip() and len(first) <= 200 and not first.endswith((".", "!", "?", ":", ";")):
        return {"title": first, "text": rest.strip()}
    sentence = re.split(r"(?<=[.!?])\s", first, maxsplit=1)[0] if first else name
    title = sentence if len(sentence) <= 120 else sentence[:120].rsplit(" ", 1)[0] + "…"
    return {"title": title, "text": body}


def read_articles(content: bytes, suffix: str, name: str) -> Iterator[dict[str, Any]]:
    """Articles in one file's content, by its suffix."""
    if suffix == ".txt":
        yield article_from_txt(content.decode("utf-8", errors="replace"), name)
    elif suffix == ".json":
        data = orjson.loads(content)
        yield from (data if isinstance(data, list) else [data])
    else:
        for line in content.splitlines():
            if line.strip():
                yield orjson.loads(line)


def files_under(path: Path) -> list[Path]:
    """The article files at `path`: the file itself, or those under a directory, in name order."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    return [path]
