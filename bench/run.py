"""`python -m bench [--quick]`: every figure of the benchmark, measured side by side in one run.

Consumes the corpus (`bench.corpus`) and the services, started as processes exactly as `newsflow up` starts
them (`newsflow.up.build_services`), on an embedded Valkey and PostgreSQL in a temporary directory (or on the
servers given with --redis-url/--database-url). Produces `bench/results/latest.json`, `latest.md` and PNG charts
(`bench.report`). Phases, in order, each with the others idle:

1. limit      `Extractor.extract` (the worker's exact code path) over the corpus sample, in this process;
2. pipeline   the same sample posted to `/articles/batch`, timed until `status = 'enriched'` in PostgreSQL;
3. latency    single POSTs paced at half the rate of (2), each timed from its 202 to `enriched` via the API;
4. memory     short articles until the worker has processed the last checkpoint's count; its RSS by pid;
2b. pipeline  with a second NLP worker started;
5. ingest     a separate ingest process on an empty Redis database (no consumers) and the bare app;
6. baseline   the one-file `nlp(text)` service;
7. query      the database topped up to the target article count, then `/articles?q=`, `/entities`, `/events`.
"""

import argparse
import asyncio
import contextlib
import gc
import inspect
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import orjson
from redis.asyncio import Redis

from bench import drive, loader, machine, report
from bench.corpus import DEFAULT_CORPUS_DIR, BenchArticle, Corpus, article_body, load_corpus, memory_body
from bench.stats import growth, rates, ratio, summary
from newsflow.embedded import EmbeddedPostgres, EmbeddedValkey, free_port
from newsflow.settings import CliSettings
from newsflow.up import Service, Supervisor, build_services
from services.nlp.extraction import Extraction, ExtractionInput, Extractor
from services.nlp.settings import NlpSettings

RESULTS_DIR = Path(__file__).resolve().parent / "results"
QUERY_WORDS = ["election", "Tehran", "vaccine", "climate change", "president", "security council", "earthquake",
               "trade agreement", "refugees", "minister"]


@dataclass(frozen=True)
class Plan:
    """How much of everything one run measures."""

    quick: bool
    sample: int  # articles in the limit and each pipeline run
    pipeline2_repeat: int  # the 2-worker run posts the sample this many times: a worker gets whole batches
    latency_s: float
    memory_checkpoints: tuple[int, int]
    ingest_single: int
    ingest_batch_articles: int
    batch_size: int
    concurrency: int
    baseline_articles: int
    stored_articles: int
    query_repeats: int
    query_budget_s: float

    @classmethod
    def for_mode(cls, quick: bool, corpus_size: int) -> "Plan":
        if quick:
            return cls(True, min(96, corpus_size), 2, 10, (200, 1_000), 3_000, 10_000, 100, 32, 48, 5_000, 40, 6)
        # 600 articles (about 260,000 words) is over a minute of NLP per run: long enough to be sustained, short
        # enough that the full run (loader included) stays under 20 minutes on two cores.
        return cls(False, min(600, corpus_size), 2, 45, (1_000, 10_000), 10_000, 40_000, 100, 32, 200, 100_000,
                   200, 20)


@dataclass
class BenchService(Service):
    """A supervised service whose output goes to a log file (the report, not the logs, is the output)."""

    args: list[str] = field(default_factory=list)
    log_path: Path | None = None

    def start(self) -> None:
        env = {**os.environ, **self.env, "NEWSFLOW_PORT": str(self.port)}
        log = self.log_path.open("ab") if self.log_path else None
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.module, *self.args], env=env, stdout=log, stderr=log
        )
        if log is not None:
            log.close()  # the child holds its own descriptor
        self.started_at = time.monotonic()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid


def with_db(redis_url: str, db: int) -> str:
    """`redis_url` pointing at database number `db`."""
    parts = urlsplit(redis_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


class Bench:
    """One benchmark run: the servers, the services, and the figures gathered so far."""

    def __init__(self, plan: Plan, corpus: Corpus, work: Path, redis_url: str, database_url: str) -> None:
        self.plan = plan
        self.corpus = corpus
        self.work = work
        self.redis_url = redis_url
        self.database_url = database_url
        self.run_id = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        self.results: dict[str, Any] = {"phases": {}}
        self.services: list[BenchService] = []
        self.server_pids: dict[str, tuple[int, bool]] = {}
        self.pool: asyncpg.Pool | None = None
        self.rss_series: list[tuple[int, int]] = []  # (articles processed by worker 1, its RSS in bytes)
        self.worker1_tags: list[str] = []

    # --- services ---------------------------------------------------------------------------------------------

    def service(self, name: str) -> BenchService:
        return next(s for s in self.services if s.name == name)

    def spawn(self, name: str, module: str, env: dict[str, str], args: list[str] | None = None) -> BenchService:
        port = free_port()
        service = BenchService(name, module, port, env, args=[a.replace("{port}", str(port)) for a in args or []],
                               log_path=self.work / f"{name}.log")
        service.start()
        self.services.append(service)
        return service

    def start_pipeline(self) -> None:
        # Free ports for everything: the default ports may belong to a `newsflow up` the user is running.
        settings = CliSettings(home=self.work, api_port=free_port(), ingest_port=free_port(),
                               nlp_port=free_port(), store_port=free_port())
        extra: dict[str, Any] = {}
        if "auth_env" in inspect.signature(build_services).parameters:
            # The HTTP services require an API key: one for this run, with every scope, as `newsflow up` makes.
            from shared.auth import key_entry, new_key

            key = new_key()
            extra["auth_env"] = {"NEWSFLOW_API_KEYS": key_entry("bench", ["ingest", "read", "admin"], key)}
            drive.HEADERS["Authorization"] = f"Bearer {key}"
        for s in build_services(settings, self.redis_url, self.database_url, 1, **extra):
            self.services.append(BenchService(s.name, s.module, s.port, s.env, log_path=self.work / f"{s.name}.log"))
        Supervisor(list(self.services)).start_all()

    def wait_ready(self, services: list[BenchService]) -> None:
        supervisor = Supervisor(list(services))
        supervisor.wait_ready()

    def stop(self, service: BenchService) -> None:
        service.stop()
        self.services.remove(service)

    def cpu_pids(self) -> dict[str, tuple[int, bool]]:
        pids = {s.name: (s.pid, False) for s in self.services}
        pids.update(self.server_pids)
        pids["bench driver"] = (os.getpid(), False)
        return pids

    @property
    def ingest_url(self) -> str:
        return self.service("ingest").url

    @property
    def api_url(self) -> str:
        return self.service("api").url

    def tag(self, phase: str) -> str:
        return f"bench-{self.run_id}-{phase}"

    async def enriched(self, tags: list[str]) -> int:
        assert self.pool is not None
        return int(await self.pool.fetchval(
            "SELECT count(*) FROM articles WHERE source = ANY($1::text[]) AND status = 'enriched'", tags
        ))

    # --- 1. limit ---------------------------------------------------------------------------------------------

    def limit(self, extractor: Extractor, articles: list[BenchArticle]) -> list[Extraction]:
        """Bare `Extractor.extract` over the sample; returns the extractions (the loader replicates them)."""
        items = [
            ExtractionInput(a.text, "en", date.fromisoformat(a.published_at[:10]) if a.published_at else None)
            for a in articles
        ]
        extractor.extract(items[:2])  # warm-up: first-call allocations are not part of the rate
        started = time.perf_counter()
        extractions = extractor.extract(items)
        elapsed = time.perf_counter() - started
        words = sum(a.words for a in articles)
        self.results["phases"]["limit"] = {
            "articles": len(articles), "words": words, "elapsed_s": elapsed,
            "articles_per_s": len(articles) / elapsed, "words_per_s": words / elapsed,
            "batch_size": extractor.batch_size, "components": list(extractor.nlp.pipe_names),
        }
        log(f"limit: {len(articles) / elapsed:.2f} articles/s, {words / elapsed:.0f} words/s")
        return extractions

    # --- 2. pipeline ------------------------------------------------------------------------------------------

    async def pipeline(self, key: str, phase: str, articles: list[BenchArticle], workers: int) -> None:
        tag = self.tag(phase)
        bodies = [article_body(a, tag, i) for i, a in enumerate(articles)]
        total = len(bodies)
        words = sum(a.words for a in articles)
        limit_rate = self.results["phases"]["limit"]["articles_per_s"]
        give_up = 120 + 5 * total / (limit_rate * workers)
        meter = machine.CpuMeter(self.cpu_pids()).start()
        started = time.perf_counter()
        async with drive.client(4, base_url=self.ingest_url) as http:
            for i in range(0, total, 200):
                response = await http.post("/articles/batch", content=orjson.dumps(bodies[i:i + 200]),
                                           headers=drive.JSON)
                response.raise_for_status()
        samples: list[tuple[float, int]] = []
        while True:
            done = await self.enriched([tag])
            samples.append((time.perf_counter() - started, done))
            if done >= total:
                break
            if samples[-1][0] > give_up:
                raise RuntimeError(f"{key}: only {done} of {total} articles enriched after {give_up:.0f}s")
            await asyncio.sleep(0.2)
        cpu = meter.stop()
        figures = rates(samples, total)
        self.results["phases"][key] = {
            "workers": workers, "articles": total, "words": words, **figures,
            "articles_per_s": figures["steady"] or figures["end_to_end"],
            "words_per_s_end_to_end": words / figures["all_done_s"] if figures["all_done_s"] else None,
            "cpu_cores_used": cpu, "curve": samples,
        }
        log(f"{key}: steady {figures['steady'] or 0:.2f} articles/s, end-to-end {figures['end_to_end'] or 0:.2f}")

    # --- 3. latency -------------------------------------------------------------------------------------------

    async def latency(self, articles: list[BenchArticle]) -> None:
        max_rate = self.results["phases"]["pipeline_1"]["articles_per_s"]
        rate = max_rate / 2
        count = max(10, round(rate * self.plan.latency_s))
        tag = self.tag("latency")
        self.worker1_tags.append(tag)
        bodies = [orjson.dumps(article_body(articles[i % len(articles)], tag, i)) for i in range(count)]
        async def enriched_ids(ids: list[str]) -> set[str]:
            assert self.pool is not None
            rows = await self.pool.fetch(
                "SELECT id FROM articles WHERE id = ANY($1::text[]) AND status = 'enriched'", ids
            )
            return {r["id"] for r in rows}

        outcome = await drive.paced_latency(self.ingest_url, self.api_url, bodies, rate, enriched_ids)
        stats = summary(outcome["latencies_s"])
        self.results["phases"]["latency"] = {
            "max_sustained_rate": max_rate, "articles": count, **{k: v for k, v in outcome.items()
                                                                   if k != "latencies_s"},
            **stats, "latencies_s": outcome["latencies_s"],
        }
        log(f"latency at {rate:.2f}/s: p50 {stats.get('p50', 0):.2f}s p99 {stats.get('p99', 0):.2f}s")

    # --- 4. memory --------------------------------------------------------------------------------------------

    async def sample_rss(self, stop: asyncio.Event) -> None:
        """Every half second, (articles worker 1 has processed, its RSS): worker 1 is the only worker until the
        2-worker phase, so the enriched count of the phases it served is its own count."""
        pid = self.service("nlp").pid
        while not stop.is_set():
            rss = machine.rss_bytes(pid)
            if rss is not None:
                self.rss_series.append((await self.enriched(self.worker1_tags), rss))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)

    async def memory(self) -> None:
        first, last = self.plan.memory_checkpoints
        tag = self.tag("memory")
        self.worker1_tags.append(tag)
        done_before = await self.enriched(self.worker1_tags)
        need = max(0, last - done_before)
        articles = self.corpus.take(need)
        posted = 0
        started = time.perf_counter()
        async with drive.client(2, base_url=self.ingest_url) as http:
            while True:
                done = await self.enriched([tag])
                if done >= need:
                    break
                # Keep a bounded backlog: enough that the worker never waits, little enough that the counts of
                # the RSS samples track what the worker has actually processed.
                if posted < need and posted - done < 400:
                    chunk = [memory_body(articles[i], tag, i) for i in range(posted, min(posted + 200, need))]
                    (await http.post("/articles/batch", content=orjson.dumps(chunk),
                                     headers=drive.JSON)).raise_for_status()
                    posted += len(chunk)
                    continue
                if time.perf_counter() - started > 1200:
                    raise RuntimeError(f"memory: only {done} of {need} short articles enriched after 1200s")
                await asyncio.sleep(0.3)
        await asyncio.sleep(1.0)  # one more RSS sample at the final count

        def rss_at(count: int) -> tuple[int, int] | None:
            return next(((n, rss) for n, rss in self.rss_series if n >= count), None)

        at_first, at_last = rss_at(first), rss_at(last)
        self.results["phases"]["memory"] = {
            "checkpoints": [first, last],
            "short_articles": need,
            "rss_first": {"articles": at_first[0], "rss_mib": at_first[1] / 2**20} if at_first else None,
            "rss_last": {"articles": at_last[0], "rss_mib": at_last[1] / 2**20} if at_last else None,
            "growth_percent": growth(at_first[1] if at_first else None, at_last[1] if at_last else None),
            "series": [(n, rss / 2**20) for n, rss in self.rss_series],
        }
        log(f"memory: {self.results['phases']['memory']['growth_percent']}% growth")

    # --- 5. ingest --------------------------------------------------------------------------------------------

    async def ingest(self) -> None:
        """Ingest alone: its own process on an empty Redis database that no consumer reads, next to the bare app.

        Database 15 is used only if it is empty (it is flushed afterwards, so it must hold nothing of anyone's).
        """
        scratch_url = with_db(self.redis_url, 15)
        redis = Redis.from_url(scratch_url)
        try:
            if await redis.dbsize():
                self.results["phases"]["ingest"] = {"skipped": f"Redis database 15 at {scratch_url} is not empty"}
                return
            env = {**self.service("ingest").env, "NEWSFLOW_REDIS_URL": scratch_url}
            ingest = self.spawn("ingest-isolated", "services.ingest", env)
            bare = self.spawn("bare", "bench.bare_app", {}, ["--port", "{port}"])
            self.wait_ready([ingest, bare])
            tag = self.tag("ingest")
            plan = self.plan
            articles = self.corpus.take(max(plan.ingest_single, plan.ingest_batch_articles))
            out: dict[str, Any] = {"concurrency_single": plan.concurrency, "batch_size": plan.batch_size,
                                   "concurrency_batch": 4}
            # Interleaved (ingest, bare, ingest, bare) so that a burst of outside load hits both alike.
            for mode in ("single", "batch"):
                for name, target in (("ingest", ingest), ("bare", bare)):
                    run_tag = f"{tag}-{name}-{mode}"
                    if mode == "single":
                        bodies = [orjson.dumps(article_body(a, run_tag, i))
                                  for i, a in enumerate(articles[:plan.ingest_single])]
                        per_request, concurrency, path = 1, plan.concurrency, "/articles"
                    else:
                        entries = [article_body(a, run_tag, i) for i, a in enumerate(articles)]
                        bodies = [orjson.dumps(entries[i:i + plan.batch_size])
                                  for i in range(0, len(entries), plan.batch_size)]
                        per_request, concurrency, path = plan.batch_size, 4, "/articles/batch"
                    warm = [orjson.dumps(article_body(a, f"{run_tag}-warm", i)) for i, a in enumerate(articles[:50])]
                    await drive.closed_loop(f"{target.url}/articles", warm, 8)
                    meter = machine.CpuMeter({"server": (target.pid, False), "driver": (os.getpid(), False),
                                              **self.server_pids}).start()
                    result = await drive.closed_loop(f"{target.url}{path}", bodies, concurrency)
                    result["cpu_cores_used"] = meter.stop()
                    result["articles_per_s"] = result["ok"] * per_request / result["elapsed_s"]
                    out[f"{name}_{mode}"] = result
                    log(f"ingest: {name} {mode}: {result['articles_per_s']:.0f} articles/s")
            self.results["phases"]["ingest"] = out
            self.stop(ingest)
            self.stop(bare)
            await redis.flushdb()
        finally:
            await redis.aclose()

    # --- 6. baseline ------------------------------------------------------------------------------------------

    async def baseline(self, model: str) -> None:
        service = self.spawn("baseline", "bench.baseline_app", {}, ["--port", "{port}", "--model", model])
        try:
            self.wait_ready([service])
            articles = self.corpus.take(self.plan.baseline_articles)
            bodies = [orjson.dumps(article_body(a, "baseline", i)) for i, a in enumerate(articles)]
            await drive.closed_loop(f"{service.url}/articles", bodies[:4], 4, expect=200)  # warm-up
            meter = machine.CpuMeter({"baseline": (service.pid, False)}).start()
            result = await drive.closed_loop(f"{service.url}/articles", bodies, self.plan.concurrency, expect=200)
            result["cpu_cores_used"] = meter.stop()
            result["articles_per_s"] = result["ok"] / result["elapsed_s"]
            result["words_per_s"] = sum(a.words for a in articles) * result["ok"] / len(articles) / result["elapsed_s"]
            result["concurrency"] = self.plan.concurrency
            self.results["phases"]["baseline"] = result
            log(f"baseline: {result['articles_per_s']:.2f} articles/s")
        finally:
            self.stop(service)

    # --- 7. query ---------------------------------------------------------------------------------------------

    async def query(self, templates: list[BenchArticle], extractions: list[Extraction], model: str) -> None:
        assert self.pool is not None
        existing = int(await self.pool.fetchval("SELECT count(*) FROM articles"))
        log(f"query: loading {max(0, self.plan.stored_articles - existing)} articles")
        loaded = await loader.load(self.database_url, self.plan.stored_articles - existing, templates, extractions,
                                   model, self.tag("load"))
        stored = int(await self.pool.fetchval("SELECT count(*) FROM articles"))
        mentions = int(await self.pool.fetchval("SELECT count(*) FROM article_entities"))
        out: dict[str, Any] = {"stored_articles": stored, "entity_mentions": mentions, "loader": loaded}
        endpoints = {
            "articles_q": [f"/articles?q={w}" for w in QUERY_WORDS],
            "entities": ["/entities", "/entities?label=GPE", "/entities?country=USA"],
            "events": ["/events"],
        }
        for name, paths in endpoints.items():
            result = await drive.query_latencies(self.api_url, paths, self.plan.query_repeats, self.plan.query_budget_s)
            result.update(summary(result["latencies_s"]))
            result["paths"] = paths
            out[name] = result
            log(f"query {name}: " + ("n/a (404)" if result["not_found"] else f"p50 {result.get('p50', 0) * 1000:.1f} ms"
                                     f" p99 {result.get('p99', 0) * 1000:.1f} ms"))
        self.results["phases"]["query"] = out

    # --- the whole run ----------------------------------------------------------------------------------------

    async def measure(self, extractor: Extractor) -> None:
        plan = self.plan
        sample = self.corpus.take(plan.sample)
        extractions = self.limit(extractor, sample)
        model = extractor.model
        del extractor  # the worker processes hold their own; this one is no longer needed
        gc.collect()

        # A pool: the RSS sampler counts in the background while the phases count their own articles.
        self.pool = await asyncpg.create_pool(self.database_url, min_size=1, max_size=3)
        stop_sampling = asyncio.Event()
        try:
            self.worker1_tags.append(self.tag("p1"))
            sampler = asyncio.create_task(self.sample_rss(stop_sampling))
            await self.pipeline("pipeline_1", "p1", sample, workers=1)
            await self.latency(sample)
            await self.memory()
            stop_sampling.set()
            await sampler

            log("starting a second NLP worker")
            second = self.spawn("nlp-2", "services.nlp", self.service("nlp").env)
            self.wait_ready([second])
            await self.pipeline("pipeline_2", "p2", sample * plan.pipeline2_repeat, workers=2)
            self.stop(second)

            await self.ingest()
            await self.baseline(NlpSettings().nlp_model)
            await self.query(sample, extractions, model)
        finally:
            stop_sampling.set()
            await self.pool.close()

    def derive(self) -> None:
        """The ratios the targets are stated in."""
        phases = self.results["phases"]
        limit = phases.get("limit", {}).get("articles_per_s")
        one = phases.get("pipeline_1", {}).get("articles_per_s")
        two = phases.get("pipeline_2", {}).get("articles_per_s")
        base = phases.get("baseline", {}).get("articles_per_s")
        self.results["ratios"] = {
            "pipeline_1_vs_limit": ratio(one, limit),
            "pipeline_2_vs_limit": ratio(two, limit),
            "pipeline_2_vs_2x_limit": ratio(two, 2 * limit if limit else None),
            "pipeline_2_vs_pipeline_1": ratio(two, one),
            "pipeline_1_vs_baseline": ratio(one, base),
            "pipeline_2_vs_baseline": ratio(two, base),
        }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes: finishes in under 3 minutes")
    parser.add_argument("--redis-url", help="use this Redis instead of an embedded Valkey")
    parser.add_argument("--database-url", help="use this PostgreSQL instead of an embedded one")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS_DIR,
                        help="directory of *.jsonl articles (default: ../shared/corpus); synthetic if absent")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="where latest.md/.json and charts go")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.monotonic()
    # Before we start anything: the load our own servers and services add is not "what else was running".
    load_at_start = machine.load_average()
    corpus = load_corpus(args.corpus)
    plan = Plan.for_mode(args.quick, len(corpus.articles))
    settings = NlpSettings()
    work = Path(tempfile.mkdtemp(prefix="newsflow-bench-"))
    servers: list[EmbeddedValkey | EmbeddedPostgres] = []
    bench: Bench | None = None
    failed: str | None = None
    log(f"corpus {corpus.origin}; {'quick' if plan.quick else 'full'} run; work dir {work}")
    try:
        redis_url, database_url = args.redis_url, args.database_url
        server_pids: dict[str, tuple[int, bool]] = {}
        if redis_url is None:
            valkey = EmbeddedValkey(work / "valkey").start()
            servers.append(valkey)
            redis_url = valkey.url
            process = getattr(valkey._server, "_process", None)  # private, hence the fallback: no CPU figure
            if process is not None:
                server_pids["valkey"] = (process.pid, False)
        if database_url is None:
            postgres = EmbeddedPostgres(work / "postgres").start()
            servers.append(postgres)
            database_url = postgres.url
            with contextlib.suppress(OSError, ValueError):
                postmaster = int((postgres.data_dir / "pgdata" / "postmaster.pid").read_text().split()[0])
                server_pids["postgres"] = (postmaster, True)
        bench = Bench(plan, corpus, work, redis_url, database_url)
        bench.server_pids = server_pids
        bench.results.update({
            "run_id": bench.run_id, "started_at": datetime.now(UTC).isoformat(), "mode": "quick" if plan.quick
            else "full", "plan": plan.__dict__, "corpus": {"origin": corpus.origin, "synthetic": corpus.synthetic,
                                                             "articles": len(corpus.articles), "words": corpus.words},
            "servers": f"Redis {'given' if args.redis_url else 'embedded Valkey'}, PostgreSQL "
            f"{'given' if args.database_url else 'embedded'} (embedded ones in a temporary directory)",
        })
        bench.start_pipeline()
        # Loaded while the services start: both take seconds, mostly waiting on disk and imports.
        extractor = Extractor(settings.nlp_model, batch_size=settings.batch_size, max_chars=settings.max_chars,
                              events_require_countries=settings.events_require_countries)
        bench.wait_ready(list(bench.services))
        bench.results["machine"] = machine.describe(extractor.model)
        bench.results["machine"]["load_average_start"] = load_at_start
        ours = {os.getpid(), *(s.pid for s in bench.services), *(p for p, _ in server_pids.values())}
        ours |= {c.pid for p, _ in server_pids.values() for c in machine.process_tree(p)}
        bench.results["machine"]["other_busy_processes"] = machine.busiest_processes(ours)
        asyncio.run(bench.measure(extractor))
        bench.derive()
    except Exception as exc:
        failed = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    finally:
        if bench is not None:
            Supervisor(list(bench.services)).stop_all()
            if args.database_url:
                with contextlib.suppress(Exception):
                    asyncio.run(_forget(args.database_url, f"bench-{bench.run_id}-%"))
        for server in reversed(servers):
            server.stop()
    if bench is None:
        shutil.rmtree(work, ignore_errors=True)
        log(f"failed before starting: {failed}")
        return 1
    results = bench.results
    results["machine"] = results.get("machine", {})
    results["machine"]["load_average_end"] = machine.load_average()
    results["elapsed_s"] = time.monotonic() - began
    results["failed"] = failed
    try:
        paths = report.write(results, args.out)
        if failed:
            for service_log in sorted(work.glob("*.log")):
                tail = service_log.read_text(errors="replace").splitlines()[-15:]
                log(f"--- {service_log.name} ---\n" + "\n".join(tail))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(paths["md"].read_text())
    log(f"report: {', '.join(str(p) for p in paths.values())} ({results['elapsed_s']:.0f}s)")
    return 1 if failed else 0


async def _forget(database_url: str, pattern: str) -> None:
    """Delete this run's articles from a database the user gave us (their mentions go with them)."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("DELETE FROM articles WHERE source LIKE $1", pattern)
    finally:
        await conn.close()


__all__ = ["Bench", "Plan", "main"]
