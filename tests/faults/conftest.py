"""Fault injection: each test gets its own Valkey, PostgreSQL and service processes, so it can kill, stop and
restart any of them without touching the other tests (or the session's servers of the other tiers).

The pipeline is `tests.e2e.conftest.Pipeline` (the `newsflow up` supervisor code, a thread that restarts dead
services), with each service's output kept in a log file of the test and the supervisor's restart check
serialised, so that the watch thread and `wait_ready` never start the same dead service twice.
"""

import asyncio
import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from redis import Redis

from newsflow.embedded import EmbeddedPostgres, EmbeddedValkey, free_port
from newsflow.up import Service, Supervisor
from shared.streams import ARTICLES_DEAD, ARTICLES_ENRICHED, ARTICLES_SUBMITTED, GROUP_NLP, GROUP_STORE
from tests.e2e.conftest import Pipeline

CITIES: tuple[tuple[str, str, str], ...] = (
    # (city, country, demonym): all resolvable by the NLP's gazetteer, so NER finds entities with countries.
    ("Tehran", "Iran", "Iranian"), ("Islamabad", "Pakistan", "Pakistani"), ("Doha", "Qatar", "Qatari"),
    ("Cairo", "Egypt", "Egyptian"), ("Nairobi", "Kenya", "Kenyan"), ("Lima", "Peru", "Peruvian"),
    ("Ankara", "Turkey", "Turkish"), ("Berlin", "Germany", "German"), ("Paris", "France", "French"),
    ("Madrid", "Spain", "Spanish"), ("Tokyo", "Japan", "Japanese"), ("Seoul", "South Korea", "South Korean"),
    ("Hanoi", "Vietnam", "Vietnamese"), ("Jakarta", "Indonesia", "Indonesian"), ("Muscat", "Oman", "Omani"),
    ("Amman", "Jordan", "Jordanian"), ("Dhaka", "Bangladesh", "Bangladeshi"), ("Santiago", "Chile", "Chilean"),
    ("Warsaw", "Poland", "Polish"), ("Kyiv", "Ukraine", "Ukrainian"), ("Rome", "Italy", "Italian"),
    ("Ottawa", "Canada", "Canadian"), ("Canberra", "Australia", "Australian"), ("Bogota", "Colombia", "Colombian"),
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TOPICS = ("trade", "energy", "water rights", "border security", "fisheries", "railways", "vaccines", "grain")


def make_articles(count: int, tag: str, seed: int = 7) -> list[dict[str, Any]]:
    """`count` distinct short articles (three sentences) naming real countries, cities and peoples.

    Each has its own URL under `tag`, so its id is known to be distinct; a numbered sentence keeps every text
    distinct too.
    """
    rng = random.Random(seed)
    articles = []
    for index in range(count):
        (city, country, demonym), (_, other, other_demonym) = rng.sample(CITIES, 2)
        day, topic = rng.choice(DAYS), rng.choice(TOPICS)
        text = (
            f"{demonym} officials met {other_demonym} envoys in {city} on {day}. "
            f"Ministers from {country} and {other} discussed {topic} for several hours. "
            f"It was meeting number {index} of the series, a spokesman said."
        )
        articles.append({
            "title": f"{demonym} and {other_demonym} talks in {city} ({tag} {index})",
            "text": text,
            "url": f"https://faults.example.org/{tag}/{index}",
            "source": "Fault Wire",
            "published_at": f"2025-02-{1 + index % 28:02d}T09:00:00Z",
        })
    return articles


class LoggedService(Service):
    """A service whose output goes to a log file (appended across restarts) instead of the test's terminal."""

    log_path: Path | None = None

    def start(self) -> None:
        env = {**os.environ, **self.env, "NEWSFLOW_PORT": str(self.port)}
        assert self.log_path is not None
        with self.log_path.open("ab") as log:
            log.write(f"\n===== {self.name} started at {time.strftime('%H:%M:%S')} =====\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [sys.executable, "-m", self.module], env=env, stdout=log, stderr=subprocess.STDOUT
            )
        self.started_at = time.monotonic()


class LockedSupervisor(Supervisor):
    """`Supervisor` whose restart check runs under a lock: the pipeline's watch thread and `wait_ready` (on the
    test's thread) both call it, and two unserialised calls could start one dead service twice."""

    def __init__(self, services: list[Service]) -> None:
        super().__init__(services)
        self.lock = threading.Lock()

    def check_once(self) -> None:
        with self.lock:
            super().check_once()


class FaultPipeline(Pipeline):
    """The e2e `Pipeline` with logged services, a serialised supervisor, and fault-injection helpers."""

    def __init__(self, redis_url: str, database_url: str, log_dir: Path, **env: str) -> None:
        super().__init__(redis_url, database_url)
        self.env.update(env)  # the same dict the services were given
        self.database_url = database_url
        self.log_dir = log_dir
        self.store = self._logged(self.store)
        self.ingest = self._logged(self.ingest)
        self.api = self._logged(self.api)
        self.locked = LockedSupervisor([self.store, self.ingest, self.api])
        self.supervisor = self.locked

    def _logged(self, service: Service) -> LoggedService:
        logged = LoggedService(service.name, service.module, service.port, self.env)
        logged.log_path = self.log_dir / f"{service.name}.log"
        return logged

    def add_nlp_worker(self) -> Service:
        worker = self._logged(Service(f"nlp-{len(self.supervisor.services)}", "services.nlp", free_port(), self.env))
        with self.locked.lock:  # the list the watch thread iterates
            self.supervisor.services.append(worker)
        worker.start()
        self.supervisor.wait_ready(timeout=120)
        return worker

    @property
    def nlp_workers(self) -> list[Service]:
        return [s for s in self.supervisor.services if s.name.startswith("nlp")]

    def kill(self, service: Service) -> None:
        """kill -9 the service's current process (the watch thread restarts it after its backoff)."""
        assert service.process is not None and service.process.poll() is None, f"{service.name} is not running"
        service.process.kill()
        service.process.wait()

    def is_ready(self, service: Service) -> bool:
        """The service's process runs and its `/readyz` answers 200."""
        if service.process is None or service.process.poll() is not None:
            return False
        try:
            return httpx.get(f"{service.url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self, service: Service, timeout: float = 120) -> None:
        """Wait until a (restarted) service is ready again."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.is_ready(service):
                return
            time.sleep(0.2)
        raise AssertionError(f"{service.name} not ready after {timeout}s\n{self.logs_tail(service)}")

    def logs_tail(self, service: Service, lines: int = 40) -> str:
        """The end of a service's log file, for failure messages."""
        path = getattr(service, "log_path", None)
        if path is None or not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


# ---------------------------------------------------------------------------------------------- posting


@dataclass
class Posted:
    """What ingest answered: ids accepted (202, new), answered as duplicates, and every other status seen."""

    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


def post_batch(ingest_url: str, articles: Sequence[dict[str, Any]], posted: Posted, timeout: float = 120) -> None:
    """Post articles in one batch request; on `429`/`503` wait `Retry-After` (capped) and post them again.

    A batch answered other than 202 accepted nothing (the ingest appends a batch in one script), so posting
    it again loses and doubles nothing.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = httpx.post(f"{ingest_url}/articles/batch", json=list(articles), timeout=30)
        except httpx.TransportError:  # ingest itself being restarted
            posted.statuses.append(0)
        else:
            posted.statuses.append(response.status_code)
            if response.status_code == 202:
                for item in response.json()["items"]:
                    assert item["status"] in ("accepted", "duplicate"), item
                    (posted.accepted if item["status"] == "accepted" else posted.duplicates).append(item["id"])
                return
            assert response.status_code in (429, 503), f"{response.status_code}: {response.text[:500]}"
        if time.monotonic() > deadline:
            raise AssertionError(f"batch not accepted after {timeout}s; statuses {posted.statuses[-10:]}")
        time.sleep(min(float(response.headers.get("Retry-After", "1")) if posted.statuses[-1] else 1.0, 2.0))


def post_all(ingest_url: str, articles: Sequence[dict[str, Any]], batch: int = 20) -> Posted:
    """Post articles in batches of `batch`."""
    posted = Posted()
    for start in range(0, len(articles), batch):
        post_batch(ingest_url, articles[start:start + batch], posted)
    return posted


class Loader(threading.Thread):
    """Posts articles in batches from a background thread, with a pause between batches, while a test injects
    faults; `finish()` joins it and re-raises whatever went wrong in it."""

    def __init__(self, ingest_url: str, articles: Sequence[dict[str, Any]], batch: int = 10,
                 pause: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.ingest_url, self.articles, self.batch, self.pause = ingest_url, list(articles), batch, pause
        self.posted = Posted()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for start in range(0, len(self.articles), self.batch):
                post_batch(self.ingest_url, self.articles[start:start + self.batch], self.posted)
                time.sleep(self.pause)
        except BaseException as exc:  # handed to the test thread by finish()
            self.error = exc

    def finish(self, timeout: float = 180) -> Posted:
        self.join(timeout)
        assert not self.is_alive(), f"loader still posting after {timeout}s"
        if self.error is not None:
            raise self.error
        return self.posted


# ---------------------------------------------------------------------------------------------- database


def db_fetch(database_url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    """Run one query on a fresh connection (from synchronous test code)."""

    async def fetch() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(database_url, timeout=5)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    return asyncio.run(fetch())


def statuses(database_url: str, ids: Sequence[str]) -> dict[str, int]:
    """How many of these articles are stored in each status (`missing` for those with no row)."""
    rows = db_fetch(database_url, "SELECT status, count(*) AS n FROM articles WHERE id = ANY($1) GROUP BY status",
                    list(set(ids)))
    counts = {r["status"]: int(r["n"]) for r in rows}
    counts["missing"] = len(set(ids)) - sum(counts.values())
    return counts


def wait_for_all(database_url: str, ids: Sequence[str], status: str = "enriched", timeout: float = 120) -> None:
    """Poll PostgreSQL until every article is in `status`; tolerates the database being down meanwhile."""
    deadline = time.monotonic() + timeout
    last: dict[str, int] | str = {}
    while time.monotonic() < deadline:
        try:
            last = statuses(database_url, ids)
        except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
            last = f"database unreachable: {exc!r}"
        else:
            if last.get(status, 0) == len(set(ids)):
                return
        time.sleep(0.5)
    raise AssertionError(f"not all {len(set(ids))} articles {status} after {timeout}s: {last}")


@dataclass
class Integrity:
    """Counts a user cares about, read from PostgreSQL for a set of article ids."""

    distinct: int
    rows: int
    enriched: int
    statuses: dict[str, int]
    stale_mentions: int
    duplicated_mentions: int
    wrong_event_counts: int

    @property
    def lost(self) -> int:
        return self.distinct - self.rows


def integrity(database_url: str, ids: Sequence[str]) -> Integrity:
    """Rows per id, statuses, and whether any mention is of another revision, doubled, or miscounted."""
    wanted = list(set(ids))
    [counts] = db_fetch(database_url, """
        SELECT count(*) AS rows, count(DISTINCT id) AS ids,
               count(*) FILTER (WHERE status = 'enriched') AS enriched
        FROM articles WHERE id = ANY($1)""", wanted)
    assert counts["rows"] == counts["ids"], "two rows for one article id"
    by_status = statuses(database_url, wanted)
    [stale] = db_fetch(database_url, """
        SELECT (SELECT count(*) FROM article_entities ae JOIN articles a ON a.id = ae.article_id
                WHERE ae.revision <> a.revision)
             + (SELECT count(*) FROM event_mentions em JOIN articles a ON a.id = em.article_id
                WHERE em.revision <> a.revision) AS n""")
    # The same span of the same text recorded twice under one article (as two entities or two labels).
    [doubled] = db_fetch(database_url, """
        SELECT count(*) AS n FROM (
            SELECT article_id, start_char, end_char FROM article_entities
            GROUP BY article_id, start_char, end_char HAVING count(*) > 1) AS d""")
    [miscounted] = db_fetch(database_url, """
        SELECT count(*) AS n FROM events e
        WHERE e.num_mentions <> (SELECT count(*) FROM event_mentions em WHERE em.event_id = e.id)""")
    return Integrity(
        distinct=len(wanted), rows=int(counts["rows"]), enriched=int(counts["enriched"]), statuses=by_status,
        stale_mentions=int(stale["n"]), duplicated_mentions=int(doubled["n"]),
        wrong_event_counts=int(miscounted["n"]),
    )


def stored_mentions(database_url: str, ids: Sequence[str]) -> dict[str, list[tuple[int, int, str]]]:
    """The stored entity mentions of each article, as sorted (start, end, text)."""
    rows = db_fetch(database_url, """
        SELECT article_id, start_char, end_char, text FROM article_entities WHERE article_id = ANY($1)""",
        list(set(ids)))
    found: dict[str, list[tuple[int, int, str]]] = {article_id: [] for article_id in set(ids)}
    for r in rows:
        found[r["article_id"]].append((r["start_char"], r["end_char"], r["text"]))
    return {k: sorted(v) for k, v in found.items()}


def dead_letters(ingest_url: str) -> list[dict[str, Any]]:
    """The dead letters as an operator lists them (`GET /dead-letters` on ingest, as `newsflow dlq list` does)."""
    response = httpx.get(f"{ingest_url}/dead-letters", params={"limit": 1000}, timeout=10)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def dead_letter_count(redis_url: str) -> int:
    """Entries on `articles.dead`, counted in Redis itself."""
    client = Redis.from_url(redis_url)
    try:
        return int(client.xlen(ARTICLES_DEAD))
    finally:
        client.close()


def pending_by_consumer(redis_url: str, stream: str, group: str) -> dict[str, int]:
    """Entries delivered to each consumer of a group and not yet acknowledged."""
    client = Redis.from_url(redis_url)
    try:
        if not client.exists(stream):
            return {}
        summary = client.xpending(stream, group)
        return {c["name"].decode(): int(c["pending"]) for c in summary.get("consumers") or []}
    finally:
        client.close()


def wait_until_acknowledged(redis_url: str, timeout: float = 60) -> None:
    """Wait until no group of the pipeline holds an unacknowledged entry.

    Not at once: an entry whose effect is stored but whose XACK was lost (Redis went away in between) stays
    pending until a reclaimer redoes it, which can take the reclaim idle time plus FastStream's 5 s back-off
    after a failed read. Redoing it must change nothing, which is what the checks after this one verify.
    """
    groups = ((ARTICLES_SUBMITTED, GROUP_NLP), (ARTICLES_SUBMITTED, GROUP_STORE), (ARTICLES_ENRICHED, GROUP_STORE),
              (ARTICLES_DEAD, GROUP_STORE))
    deadline = time.monotonic() + timeout
    while True:
        left = {f"{s}/{g}": n for s, g in groups if (n := sum(pending_by_consumer(redis_url, s, g).values()))}
        if not left:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"entries still unacknowledged after {timeout}s: {left}")
        time.sleep(0.5)


def pending_of(redis_url: str, stream: str, group: str, pid: int) -> int:
    """Entries pending for the consumers of process `pid` (consumer names carry the pid)."""
    return sum(n for name, n in pending_by_consumer(redis_url, stream, group).items() if f"-{pid}-" in name)


# ---------------------------------------------------------------------------------------------- fixtures


@dataclass
class Servers:
    """This test's own Valkey and PostgreSQL, with their data directories (to restart them in place)."""

    valkey: EmbeddedValkey
    postgres: EmbeddedPostgres
    valkey_dir: Path
    postgres_dir: Path


def _postmaster_pid(postgres: EmbeddedPostgres) -> int | None:
    """The pid of the server running on `postgres`'s data dir (first line of `postmaster.pid`)."""
    try:
        return int((postgres.data_dir / "pgdata" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _stop_postgres(postgres: EmbeddedPostgres, pid: int | None) -> None:
    """Stop the server; if `pg_ctl` could not (its data dir gone), end the postmaster we started by its pid."""
    postgres.stop()
    if pid is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown
        for _ in range(100):
            os.kill(pid, 0)
            time.sleep(0.1)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember on the test item whether its call failed, so `work_dir` keeps the logs of a failed test."""
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_FAILED] = True
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def work_dir(request: pytest.FixtureRequest) -> Iterator[Path]:
    """A private directory for this test's server data and service logs, removed afterwards unless it failed.

    Not pytest's `tmp_path`: another pytest run on the machine prunes old base temp dirs, and losing the data
    dir of a running server mid-test would fail the test (and leave the server running) for no fault of ours.
    """
    path = Path(tempfile.mkdtemp(prefix="newsflow-faults-"))
    yield path
    if request.node.stash.get(_FAILED, False):
        print(f"\nservice logs and server data kept in {path}")
    else:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def servers(work_dir: Path) -> Iterator[Servers]:
    """A fresh Valkey (AOF on) and PostgreSQL on free ports, data under the test's own directory."""
    valkey_dir, postgres_dir = work_dir / "valkey", work_dir / "postgres"
    valkey = EmbeddedValkey(valkey_dir).start()
    postgres = EmbeddedPostgres(postgres_dir).start()
    own = Servers(valkey, postgres, valkey_dir, postgres_dir)
    yield own
    own.valkey.stop()
    _stop_postgres(own.postgres, _postmaster_pid(own.postgres))


@pytest.fixture
def make_pipeline(servers: Servers, work_dir: Path) -> Iterator[Any]:
    """Build (and at the end stop) this test's pipeline: `make_pipeline(nlp_workers=1, **env)`."""
    started: list[FaultPipeline] = []

    def make(nlp_workers: int = 1, **env: str) -> FaultPipeline:
        (work_dir / "logs").mkdir(exist_ok=True)
        pipeline = FaultPipeline(servers.valkey.url, servers.postgres.url, work_dir / "logs", **env)
        started.append(pipeline)
        pipeline.start()
        for _ in range(nlp_workers):
            pipeline.add_nlp_worker()
        return pipeline

    yield make
    for pipeline in started:
        pipeline.stop()


@pytest.fixture(scope="session")
def reference_extractor() -> Any:
    """The NLP worker's extractor, loaded in the test process: what a clean, fault-free run finds."""
    from services.nlp.extraction import Extractor
    from services.nlp.settings import NlpSettings

    settings = NlpSettings()
    return Extractor(settings.nlp_model, batch_size=settings.batch_size, max_chars=settings.max_chars,
                     events_require_countries=settings.events_require_countries)


def reference_mentions(extractor: Any, articles: Sequence[dict[str, Any]]) -> list[list[tuple[int, int, str]]]:
    """The entity mentions a clean run finds in each article's text, as sorted (start, end, text)."""
    from datetime import date

    from services.nlp.extraction import ExtractionInput

    inputs = [ExtractionInput(a["text"], None, date.fromisoformat(a["published_at"][:10])) for a in articles]
    return [sorted({(e.start, e.end, e.text) for e in x.entities}) for x in extractor.extract(inputs)]
