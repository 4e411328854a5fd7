"""The benchmark corpus: real news articles from `../shared/corpus/*.jsonl`, or realistic synthetic ones.

Consumes JSON Lines files of `{"id", "title", "text", "published_at", "url", "source"}` objects (read in place,
never copied into the repository); produces `BenchArticle`s in a fixed, shuffled order, so that any prefix of
the corpus mixes its sources, plus the request bodies the benchmark posts. When the directory is missing or
holds no usable article, a seeded generator of news-like articles stands in, and `Corpus.origin` says so.
"""

import hashlib
import os
import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

DEFAULT_CORPUS_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
"""`../shared/corpus` relative to the repository root."""

URL_BASE = "https://bench.newsflow.invalid"
""".invalid (RFC 2606) so that no benchmark URL can ever be mistaken for, or resolve to, a real page."""


@dataclass(frozen=True)
class BenchArticle:
    """One article of the benchmark corpus."""

    id: str
    title: str
    text: str
    published_at: str | None = None
    source: str | None = None

    @property
    def words(self) -> int:
        """Whitespace-separated words of the text: the unit of the words/s figures."""
        return len(self.text.split())


@dataclass(frozen=True)
class Corpus:
    """The articles and where they came from."""

    articles: list[BenchArticle]
    origin: str
    synthetic: bool

    def take(self, count: int) -> list[BenchArticle]:
        """The first `count` articles, cycling through the corpus again if it is smaller."""
        if not self.articles:
            return []
        return [self.articles[i % len(self.articles)] for i in range(count)]

    @property
    def words(self) -> int:
        return sum(a.words for a in self.articles)


def _order_key(article: BenchArticle) -> str:
    # A hash of the id rather than random.shuffle: the same corpus gives the same order on every machine and
    # every run, so figures from two runs are over the same texts.
    return hashlib.sha1(article.id.encode()).hexdigest()


def read_jsonl(lines: Iterable[bytes], fallback_prefix: str) -> list[BenchArticle]:
    """Articles from JSON Lines; lines that are not objects with a non-blank `text` are skipped."""
    articles = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not raw["text"].strip():
            continue
        articles.append(
            BenchArticle(
                id=str(raw.get("id") or f"{fallback_prefix}-{number}"),
                title=str(raw.get("title") or raw["text"][:80]),
                text=raw["text"],
                published_at=raw.get("published_at") if isinstance(raw.get("published_at"), str) else None,
                source=raw.get("source") if isinstance(raw.get("source"), str) else None,
            )
        )
    return articles


def load_corpus(directory: Path | None = DEFAULT_CORPUS_DIR, synthetic_count: int = 1045, seed: int = 7) -> Corpus:
    """The real corpus under `directory` if it has articles, else `synthetic_count` generated ones."""
    if directory is not None and directory.is_dir():
        files = sorted(directory.glob("*.jsonl"))
        articles = [a for path in files for a in read_jsonl(path.read_bytes().splitlines(), path.stem)]
        if articles:
            articles.sort(key=_order_key)
            # Named relative to the checkout: the report is committed, and a machine's absolute paths are not ours.
            where = os.path.relpath(directory.resolve(), Path(__file__).resolve().parents[1])
            return Corpus(articles, f"real: {len(articles)} articles from {len(files)} file(s) in {where}", False)
    articles = synthetic_articles(synthetic_count, seed)
    where = f"{directory} has no articles" if directory is not None else "no corpus directory given"
    return Corpus(articles, f"synthetic: {len(articles)} generated articles ({where})", True)


# --- synthetic articles -------------------------------------------------------------------------------------
# Real place, organisation and title words, so that the model finds a realistic density of entities (GPE, ORG,
# PERSON, NORP, DATE, CARDINAL) and the event coder finds actors; sentence shapes follow wire-service copy.

_PLACES = [
    ("Iran", "Tehran", "Iranian"), ("Qatar", "Doha", "Qatari"), ("Pakistan", "Islamabad", "Pakistani"),
    ("France", "Paris", "French"), ("Germany", "Berlin", "German"), ("Kenya", "Nairobi", "Kenyan"),
    ("Brazil", "Brasilia", "Brazilian"), ("Japan", "Tokyo", "Japanese"), ("Turkey", "Ankara", "Turkish"),
    ("Egypt", "Cairo", "Egyptian"), ("India", "New Delhi", "Indian"), ("Canada", "Ottawa", "Canadian"),
    ("Ukraine", "Kyiv", "Ukrainian"), ("Nigeria", "Abuja", "Nigerian"), ("Mexico", "Mexico City", "Mexican"),
    ("Indonesia", "Jakarta", "Indonesian"), ("Poland", "Warsaw", "Polish"), ("Chile", "Santiago", "Chilean"),
]
_ORGS = ["the United Nations", "NATO", "the European Union", "the World Health Organization", "the African Union",
         "the International Monetary Fund", "the Red Cross", "the World Bank", "Reuters", "the Foreign Ministry"]
_FIRST = ["Amina", "David", "Li", "Fatima", "Carlos", "Olga", "Rahul", "Sarah", "Ahmed", "Yuki", "Peter", "Grace"]
_LAST = ["Hassan", "Miller", "Wang", "Okafor", "Silva", "Petrova", "Sharma", "Johnson", "Karimi", "Tanaka"]
_ROLES = ["Foreign Minister", "Prime Minister", "President", "Defence Minister", "spokesperson", "ambassador"]
_VERBS = ["met", "criticised", "praised", "accused", "visited", "warned", "signed an agreement with",
          "called for talks with", "condemned", "hosted"]
_TOPICS = ["trade", "border security", "energy prices", "a ceasefire", "refugees", "climate finance",
           "debt relief", "vaccine supplies", "nuclear talks", "fishing rights"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _sentence(rng: random.Random, home: tuple[str, str, str], other: tuple[str, str, str]) -> str:
    shapes = [
        lambda: f"{home[2]} {rng.choice(_ROLES)} {_person(rng)} {rng.choice(_VERBS)} {other[2]} officials in "
        f"{other[1]} on {rng.choice(_DAYS)}, according to {rng.choice(_ORGS)}.",
        lambda: f"Talks on {rng.choice(_TOPICS)} between {home[0]} and {other[0]} are expected to resume in "
        f"{rng.choice(_MONTHS)}, {_person(rng)} told reporters in {home[1]}.",
        lambda: f"{rng.choice(_ORGS).capitalize()} said {rng.randint(2, 900)} people had been affected and "
        f"urged both governments to cooperate on {rng.choice(_TOPICS)}.",
        lambda: f"In {other[1]}, {rng.randint(3, 60)} protesters gathered outside the {home[2]} embassy, "
        f"police said.",
        lambda: f"The {home[2]} government {rng.choice(_VERBS)} {rng.choice(_ORGS)} over {rng.choice(_TOPICS)}, "
        f"a statement from {home[1]} said on {rng.choice(_DAYS)}.",
        lambda: f"Analysts in {rng.choice(_PLACES)[1]} said the dispute over {rng.choice(_TOPICS)} could cost "
        f"{home[0]} about {rng.randint(1, 40)} billion dollars by {rng.randint(2025, 2030)}.",
    ]
    return rng.choice(shapes)()


def synthetic_articles(count: int, seed: int = 7) -> list[BenchArticle]:
    """`count` news-like articles of about 300-550 words, the same for the same seed."""
    rng = random.Random(seed)
    articles = []
    for index in range(count):
        home, other = rng.sample(_PLACES, 2)
        paragraphs = []
        words = 0
        target = rng.randint(300, 550)  # the real corpus averages about 430 words
        while words < target:
            paragraph = " ".join(_sentence(rng, home, other) for _ in range(rng.randint(2, 4)))
            paragraphs.append(paragraph)
            words += len(paragraph.split())
        stamp = f"{rng.randint(2019, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}"
        articles.append(
            BenchArticle(
                id=f"synthetic-{index:05d}",
                title=f"{home[0]} and {other[0]} at odds over {rng.choice(_TOPICS)}",
                text="\n\n".join(paragraphs),
                published_at=f"{stamp}:00:00Z",
                source="Synthetic Wire",
            )
        )
    return articles


# --- request bodies -----------------------------------------------------------------------------------------


def article_body(article: BenchArticle, tag: str, index: int) -> dict[str, Any]:
    """The JSON body posting `article` as a new article: a URL unique to (`tag`, `index`) gives it a new id,
    so re-posting the same text in another phase is processed again instead of being answered as a duplicate.
    `source` carries the tag, so the benchmark can count a phase's articles in the database."""
    body: dict[str, Any] = {
        "title": article.title,
        "text": article.text,
        "url": f"{URL_BASE}/{tag}/{index}",
        "source": tag,
        "language": "en",
    }
    if article.published_at:
        body["published_at"] = article.published_at
    return body


def lead(text: str, max_chars: int = 500) -> str:
    """The start of `text`, up to `max_chars`, cut after the last sentence end (or space) inside the limit."""
    if len(text) <= max_chars:
        return text
    window = text[:max_chars]
    for marker in (". ", "\n"):
        cut = window.rfind(marker)
        if cut > max_chars // 3:
            return window[: cut + 1].strip()
    return window.rsplit(" ", 1)[0]


_SYLLABLES = ["ka", "ro", "vel", "mi", "dra", "zon", "te", "lu", "shi", "bar", "no", "qui", "sa", "ter", "go"]


def _word(value: int) -> str:
    word = ""
    for _ in range(3):
        word += _SYLLABLES[value % len(_SYLLABLES)]
        value //= len(_SYLLABLES)
    return word.capitalize()


def novel_name(index: int) -> str:
    """A made-up two-word proper name, different for every `index` below 3375² (11 million)."""
    span = len(_SYLLABLES) ** 3
    first, rest = index % span, index // span
    # 1009 is prime, so coprime with 15³: for a fixed first word, distinct `rest` give distinct second words.
    return f"{_word(first)} {_word((rest * 1009 + first * 7) % span)}"


def memory_body(article: BenchArticle, tag: str, index: int) -> dict[str, Any]:
    """A short article for the memory phase: the lead of a real article plus one sentence naming someone new.

    Short, so that 10,000 of them fit in the time budget; the new name in each is what would make spaCy's string
    store (and so the worker's memory) grow without bound if the worker did not free it: news keeps bringing
    names never seen before.
    """
    body = article_body(article, tag, index)
    body["title"] = f"{article.title} ({index})"
    body["text"] = f"{lead(article.text, 300)}\n\n{novel_name(index)} said on Monday that talks would continue."
    return body
