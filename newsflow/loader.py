"""Reads article files for `newsflow ingest` and `make run`'s seeding: `.txt`, `.json` and `.jsonl`.

A `.txt` file is one article: its first non-empty line is the title, the rest the text. A `.json` file holds
one article object or an array of them; a `.jsonl` file one object per line.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

SUFFIXES = (".txt", ".json", ".jsonl", ".ndjson")


def article_from_txt(content: str, name: str) -> dict[str, Any]:
    lines = content.strip().splitlines()
    if not lines:
        return {"title": name, "text": ""}
    title = lines[0].strip()
    text = "\n".join(lines[1:]).strip()
    if not text:
        # A one-paragraph file: the paragraph is the text, and a shortened copy the title.
        title, text = (title[:120].rsplit(" ", 1)[0] + "…" if len(title) > 120 else title), title
    return {"title": title, "text": text}


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
