"""The bare FastAPI app the ingest figures are compared with: it parses the same request bodies and does nothing
else (no identity, no dedup, no Redis).

Consumes `POST /articles` (one JSON article) and `POST /articles/batch` (a JSON array); produces `202` with a
count. Served by the same `shared.worker.serve` (uvicorn, same options) as the services, so the difference
between this and ingest is exactly what ingest does beyond parsing. Run: `python -m bench.bare_app --port N`.
"""

import argparse
from datetime import datetime
from typing import Any

import orjson
from fastapi import FastAPI, Request
from pydantic import BaseModel, Field

from shared.worker import serve


class ArticleBody(BaseModel):
    """The fields of ingest's `ArticleIn`, with their types but none of its validators or limits."""

    title: str = Field(description="Headline.")
    text: str = Field(description="Body text.")
    url: str | None = Field(None, description="Article URL.")
    source: str | None = Field(None, description="Publisher.")
    published_at: datetime | None = Field(None, description="Publication time.")
    language: str | None = Field(None, description="ISO 639-1 code.")
    metadata: dict[str, Any] = Field(default_factory=dict, description="Free-form metadata.")


def create_app() -> FastAPI:
    app = FastAPI(title="Bare parse-only endpoint (benchmark reference)")

    @app.post("/articles", status_code=202)
    async def post_article(article: ArticleBody) -> dict[str, str]:
        return {"status": "accepted"}

    @app.post("/articles/batch", status_code=202)
    async def post_batch(request: Request) -> dict[str, int]:
        # Parsed the way ingest parses a batch (orjson, then one model per entry), so both do the same work.
        entries = orjson.loads(await request.body())
        articles = [ArticleBody.model_validate(entry) for entry in entries]
        return {"accepted": len(articles)}

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ready"}

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    serve(create_app(), args.host, args.port)


if __name__ == "__main__":
    main()
