"""`newsflow up`: the whole pipeline on one machine, as separate processes under one supervisor.

Starts an embedded Valkey (append-only file on) and an embedded PostgreSQL under `.newsflow/` unless URLs
are given, then the services — store, ingest, N NLP workers, api — each as its own `python -m services.X`
process, restarts any that dies (with backoff, as compose's restart policy does), loads `seeds/`, prints the
URLs, and on Ctrl-C or SIGTERM stops everything in order.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from newsflow.settings import CliSettings

READY_TIMEOUT_S = 180.0
MAX_BACKOFF_S = 30.0


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def pick_port(host: str, wanted: int, taken: set[int]) -> int:
    """`wanted` if it is free, else any free port: a busy default port must not stop a local run."""
    if wanted not in taken and port_is_free(host, wanted):
        return wanted
    from newsflow.embedded import free_port

    port = free_port()
    while port in taken:
        port = free_port()
    return port


@dataclass
class Service:
    """One supervised child process."""

    name: str
    module: str
    port: int
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    next_start: float = 0.0
    started_at: float = field(default=0.0)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, **self.env, "NEWSFLOW_PORT": str(self.port)}
        self.process = subprocess.Popen([sys.executable, "-m", self.module], env=env)
        self.started_at = time.monotonic()

    def stop(self, timeout: float = 20.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Supervisor:
    """Starts the services, restarts the ones that die, stops them all on request."""

    def __init__(self, services: list[Service]) -> None:
        self.services = services
        self.stopping = False
        # check_once may be called from a watch thread and from wait_ready at once; one dead service must be
        # started once, not twice.
        self._lock = threading.Lock()

    def start_all(self) -> None:
        for service in self.services:
            service.start()

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        pending = list(self.services)
        with httpx.Client(timeout=2) as http:
            while pending and time.monotonic() < deadline and not self.stopping:
                self.check_once()
                still = []
                for service in pending:
                    try:
                        ok = http.get(f"{service.url}/readyz").status_code == 200
                    except httpx.HTTPError:
                        ok = False
                    if not ok:
                        still.append(service)
                pending = still
                if pending:
                    time.sleep(0.3)
        if pending:
            names = ", ".join(s.name for s in pending)
            raise RuntimeError(f"not ready after {timeout:.0f}s: {names}")

    def check_once(self) -> None:
        """Restart every dead service whose backoff has elapsed."""
        with self._lock:
            self._check()

    def _check(self) -> None:
        now = time.monotonic()
        for service in self.services:
            if self.stopping or service.process is None or service.process.poll() is None:
                continue
            if service.next_start == 0.0:
                # A process that ran a while before dying starts over from a short backoff.
                ran = now - service.started_at
                service.restarts = 0 if ran > 60 else service.restarts + 1
                delay = min(MAX_BACKOFF_S, 0.5 * 2**service.restarts)
                service.next_start = now + delay
                print(f"newsflow: {service.name} exited with {service.process.returncode}; "
                      f"restarting in {delay:.1f}s", file=sys.stderr, flush=True)
            elif now >= service.next_start:
                service.next_start = 0.0
                service.start()

    def stop_all(self) -> None:
        self.stopping = True
        # Producers first, the store last, so whatever is in flight can still land.
        order = {"ingest": 0, "api": 1, "nlp": 2, "store": 3}
        for service in sorted(self.services, key=lambda s: order.get(s.name.split("-")[0], 9)):
            service.stop()


def local_key(settings: CliSettings) -> str:
    """The local API key under `home` (made on first run, kept private to the user), with every scope."""
    from shared.auth import new_key

    path = settings.home / "api-key"
    if path.exists():
        return path.read_text().strip()
    key = new_key()
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key


def build_services(
    settings: CliSettings, redis_url: str, database_url: str, nlp_workers: int, auth_env: dict[str, str]
) -> list[Service]:
    env = {
        "NEWSFLOW_REDIS_URL": redis_url, "NEWSFLOW_DATABASE_URL": database_url, "NEWSFLOW_HOST": settings.host,
        **auth_env,
    }
    taken: set[int] = set()

    def port(wanted: int) -> int:
        chosen = pick_port(settings.host, wanted, taken)
        taken.add(chosen)
        return chosen

    services = [
        Service("store", "services.store", port(settings.store_port), env),
        Service("ingest", "services.ingest", port(settings.ingest_port), env),
    ]
    for index in range(nlp_workers):
        name = "nlp" if nlp_workers == 1 else f"nlp-{index + 1}"
        services.append(Service(name, "services.nlp", port(settings.nlp_port + (index and 100 + index)), env))
    services.append(Service("api", "services.api", port(settings.api_port), env))
    return services


def run(nlp_workers: int = 1, seeds: Path | None = Path("seeds")) -> int:
    """Run the pipeline until interrupted; returns the exit status."""
    from newsflow.embedded import EmbeddedPostgres, EmbeddedValkey
    from newsflow.loader import files_under, read_articles

    settings = CliSettings()
    settings.home.mkdir(parents=True, exist_ok=True)
    started_at = time.monotonic()
    servers: list[EmbeddedValkey | EmbeddedPostgres] = []
    supervisor: Supervisor | None = None

    def on_signal(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        redis_url = settings.redis_url
        if redis_url is None:
            valkey = EmbeddedValkey(settings.home / "valkey").start()
            servers.append(valkey)
            redis_url = valkey.url
        database_url = settings.database_url
        if database_url is None:
            postgres = EmbeddedPostgres(settings.home / "postgres").start()
            servers.append(postgres)
            database_url = postgres.url
        print(f"newsflow: redis {redis_url}\nnewsflow: postgres {database_url}", flush=True)

        key: str | None = None
        if settings.auth_open:
            auth_env = {"NEWSFLOW_AUTH_OPEN": "true"}
        elif settings.api_keys:
            auth_env = {"NEWSFLOW_API_KEYS": settings.api_keys}
            key = settings.api_key
        else:
            from shared.auth import key_entry

            key = local_key(settings)
            auth_env = {"NEWSFLOW_API_KEYS": key_entry("local", ["ingest", "read", "admin"], key)}
        supervisor = Supervisor(build_services(settings, redis_url, database_url, nlp_workers, auth_env))
        supervisor.start_all()
        supervisor.wait_ready()
        by_name = {s.name: s for s in supervisor.services}

        if seeds is not None and seeds.exists():
            from newsflow.client import post_batches

            articles = [
                article
                for path in files_under(seeds)
                for article in read_articles(path.read_bytes(), path.suffix.lower(), path.stem)
            ]
            result = post_batches(by_name["ingest"].url, articles, api_key=key)
            print(f"newsflow: seeds posted: {result.accepted} accepted, {result.duplicates} already there, "
                  f"{result.invalid} invalid", flush=True)

        print(
            f"\nNewsflow is up ({time.monotonic() - started_at:.1f}s).\n"
            f"  read API   {by_name['api'].url}   (docs {by_name['api'].url}/docs)\n"
            f"  ingest     {by_name['ingest'].url}   (docs {by_name['ingest'].url}/docs)\n"
            + "".join(f"  {s.name:<10} {s.url}/asyncapi\n" for s in supervisor.services if s.name.startswith("nlp"))
            + f"  store      {by_name['store'].url}/asyncapi\n"
            f"  data       {settings.home.resolve()}\n"
            + (f"  API key    {key}   (also in {settings.home / 'api-key'}; send it as a Bearer token)\n"
               if key and not settings.api_keys else "")
            + "Post an article:\n"
            f"  curl -s -X POST {by_name['ingest'].url}/articles -H 'content-type: application/json' \\\n"
            f"       -H \"Authorization: Bearer $(cat {settings.home / 'api-key'})\" \\\n"
            "       -d '{\"title\": \"Talks in Doha\", \"text\": \"Qatari mediators met Iranian envoys in Doha.\"}'\n"
            "Ctrl-C stops everything.",
            flush=True,
        )
        while True:
            supervisor.check_once()
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nnewsflow: stopping...", file=sys.stderr, flush=True)
        return 0
    except Exception as exc:
        print(f"newsflow: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        # A second Ctrl-C or SIGTERM must not cut the shutdown short and leave servers running.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if supervisor is not None:
            supervisor.stop_all()
        for server in reversed(servers):
            server.stop()
