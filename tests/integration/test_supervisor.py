"""`newsflow up`'s supervisor and local key, with real child processes."""

import time
from pathlib import Path

import pytest

from newsflow.settings import CliSettings
from newsflow.up import Service, Supervisor, local_key
from shared.auth import parse_keys

pytestmark = pytest.mark.integration


def test_a_dying_service_is_restarted_with_growing_backoff() -> None:
    # A module that does not exist: the child exits at once with status 1, every time.
    service = Service("flaky", "newsflow_no_such_module", 0, {})
    supervisor = Supervisor([service])
    supervisor.start_all()
    delays: list[float] = []
    starts = 0
    scheduled = 0.0
    deadline = time.monotonic() + 20
    while starts < 3 and time.monotonic() < deadline:
        process = service.process
        supervisor.check_once()
        if service.next_start and not scheduled:  # a restart was just scheduled: note its delay
            delays.append(service.next_start - time.monotonic())
        scheduled = service.next_start
        if service.process is not process:
            starts += 1
        time.sleep(0.05)
    if service.process is not None:
        service.process.wait(timeout=10)  # the last start exits by itself; stopping it first would read -15
    supervisor.stop_all()
    assert starts == 3, "the service should have been restarted three times"
    assert service.process is not None and service.process.returncode == 1
    assert delays[0] < delays[-1]  # 0.5 s, 1 s, 2 s, ...


def test_local_key_is_made_once_private_and_reused(tmp_path: Path) -> None:
    settings = CliSettings(home=tmp_path)
    key = local_key(settings)
    assert key.startswith("nf_") and len(key) > 40
    assert (tmp_path / "api-key").stat().st_mode & 0o777 == 0o600
    assert local_key(settings) == key
    assert CliSettings(home=tmp_path).client_key() == key
    from shared.auth import key_entry

    [entry] = parse_keys(key_entry("local", ["ingest", "read", "admin"], key))
    assert entry.scopes == {"ingest", "read", "admin"}
