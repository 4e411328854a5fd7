"""Checks of the Kubernetes manifests in deploy/k8s/, offline.

Consumes deploy/k8s/base (and overlays/example), the service Dockerfiles, shared/streams.py and the settings
classes; produces nothing. The base is rendered the way kustomize would (it only uses `namespace` and
`resources`, which this file applies itself); when `kustomize` or `kubectl` is installed the real rendering is
compared with ours and the example overlay is rendered too. Every built-in object is validated against the
Kubernetes OpenAPI schemas shipped inside the `kubernetes-validate` package (strict: unknown fields fail), with
no network. KEDA's ScaledObject is a CRD without a bundled schema: its fields are checked here by hand.
"""

import copy
import re
import shutil
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from services.api.settings import ApiSettings
from services.ingest.settings import IngestSettings
from services.nlp.settings import NlpSettings
from services.store.settings import StoreSettings
from shared.streams import ARTICLES_SUBMITTED, GROUP_NLP

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
BASE = K8S / "base"
OVERLAY = K8S / "overlays" / "example"
SECRET_TEMPLATE = BASE / "secret.template.yaml"
NAMESPACE = "newsflow"
PORTS = {"api": 8000, "ingest": 8001, "nlp": 8002, "store": 8003}
SERVICES = sorted(PORTS)
SETTINGS: dict[str, type] = {"api": ApiSettings, "ingest": IngestSettings, "nlp": NlpSettings, "store": StoreSettings}
NEEDS_SECRET = {
    "api": {"NEWSFLOW_API_KEYS", "NEWSFLOW_DATABASE_URL"},
    "ingest": {"NEWSFLOW_API_KEYS"},
    "store": {"NEWSFLOW_DATABASE_URL"},
    "nlp": set(),
}
LIVENESS, READINESS = "/healthz", "/readyz"
# Oldest Kubernetes minor the manifests claim to support, and the newest whose schemas the package ships.
K8S_VERSIONS = ("1.28", "latest")
CLUSTER_SCOPED = {"Namespace"}
KEDA_SPEC_KEYS = {
    "scaleTargetRef",
    "pollingInterval",
    "cooldownPeriod",
    "initialCooldownPeriod",
    "idleReplicaCount",
    "minReplicaCount",
    "maxReplicaCount",
    "fallback",
    "advanced",
    "triggers",
}
REDIS_STREAMS_KEYS = {
    "address",
    "addressFromEnv",
    "host",
    "hostFromEnv",
    "port",
    "portFromEnv",
    "addresses",
    "hosts",
    "ports",
    "username",
    "usernameFromEnv",
    "password",
    "passwordFromEnv",
    "databaseIndex",
    "enableTLS",
    "unsafeSsl",
    "stream",
    "consumerGroup",
    "pendingEntriesCount",
    "streamLength",
    "lagCount",
    "activationLagCount",
}

Objects = dict[tuple[str, str], dict[str, Any]]


# --- rendering ---------------------------------------------------------------------------------------------------


def load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    assert all(isinstance(d, dict) for d in docs), f"{path}: every document must be a mapping"
    return docs


def kustomization(directory: Path) -> dict[str, Any]:
    data = yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def render_base_plain() -> list[dict[str, Any]]:
    """What `kustomize build deploy/k8s/base` gives, for the subset of kustomize the base uses."""
    kust = kustomization(BASE)
    unsupported = set(kust) - {"apiVersion", "kind", "namespace", "resources"}
    assert not unsupported, f"base/kustomization.yaml uses {unsupported}: teach render_base_plain() or drop them"
    objects: list[dict[str, Any]] = []
    for name in kust["resources"]:
        for doc in load_yaml_documents(BASE / name):
            if doc["kind"] not in CLUSTER_SCOPED:
                doc.setdefault("metadata", {})["namespace"] = kust["namespace"]
            objects.append(doc)
    return objects


def kustomize_command() -> list[str] | None:
    if exe := shutil.which("kustomize"):
        return [exe, "build"]
    if exe := shutil.which("kubectl"):
        return [exe, "kustomize"]
    return None


def render_with_kustomize(directory: Path) -> list[dict[str, Any]]:
    cmd = kustomize_command()
    if cmd is None:
        pytest.skip("neither kustomize nor kubectl is installed; the base is rendered without it elsewhere")
    out = subprocess.run([*cmd, str(directory)], capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, f"{' '.join(cmd)} {directory} failed:\n{out.stderr}"
    return [d for d in yaml.safe_load_all(out.stdout) if d is not None]


def by_key(objects: list[dict[str, Any]]) -> Objects:
    result: Objects = {}
    for obj in objects:
        key = (obj["kind"], obj["metadata"]["name"])
        assert key not in result, f"{key} defined twice"
        result[key] = obj
    return result


@pytest.fixture(scope="module")
def base() -> Objects:
    return by_key(render_base_plain())


# --- the checks, as functions returning problems (so a broken copy can be shown to fail) ----------------------


def container(objects: Objects, svc: str) -> dict[str, Any]:
    containers = objects[("Deployment", svc)]["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, f"{svc}: one container expected"
    return containers[0]


def named_port(c: dict[str, Any], port: int | str) -> int | None:
    if isinstance(port, int):
        return port
    found = [p["containerPort"] for p in c.get("ports", []) if p.get("name") == port]
    return found[0] if found else None


def probe_problems(objects: Objects) -> list[str]:
    problems = []
    for svc in SERVICES:
        c = container(objects, svc)
        for probe, path in (("livenessProbe", LIVENESS), ("readinessProbe", READINESS), ("startupProbe", LIVENESS)):
            get = (c.get(probe) or {}).get("httpGet")
            if not get:
                problems.append(f"{svc}: no {probe} httpGet")
                continue
            if get.get("path") != path:
                problems.append(f"{svc}: {probe} path {get.get('path')!r}, expected {path!r}")
            if named_port(c, get.get("port", "")) != PORTS[svc]:
                problems.append(f"{svc}: {probe} port {get.get('port')!r} is not {PORTS[svc]}")
    return problems


def port_problems(objects: Objects) -> list[str]:
    problems = []
    for svc in SERVICES:
        c = container(objects, svc)
        ports = [p["containerPort"] for p in c.get("ports", [])]
        if ports != [PORTS[svc]]:
            problems.append(f"{svc}: containerPorts {ports}, expected [{PORTS[svc]}]")
        env = {e["name"]: e for e in c.get("env", [])}
        if env.get("NEWSFLOW_PORT", {}).get("value") != str(PORTS[svc]):
            problems.append(f"{svc}: NEWSFLOW_PORT is not {PORTS[svc]}")
        service = objects.get(("Service", svc))
        if service is None:
            problems.append(f"{svc}: no Service")
            continue
        if service["spec"]["selector"] != objects[("Deployment", svc)]["spec"]["selector"]["matchLabels"]:
            problems.append(f"{svc}: Service selector differs from the Deployment's")
        for p in service["spec"]["ports"]:
            if p["port"] != PORTS[svc] or named_port(c, p.get("targetPort", p["port"])) != PORTS[svc]:
                problems.append(f"{svc}: Service port {p} does not reach {PORTS[svc]}")
    return problems


def image_problems(objects: Objects, version: str, registry: str = "") -> list[str]:
    problems = []
    for svc in SERVICES:
        image = container(objects, svc)["image"]
        expected = f"{registry}newsflow-{svc}:{version}"
        if image != expected:
            problems.append(f"{svc}: image {image!r}, expected {expected!r}")
        if image.endswith(":latest") or ":" not in image.rsplit("/", 1)[-1]:
            problems.append(f"{svc}: image {image!r} is untagged or latest")
    return problems


def security_problems(objects: Objects) -> list[str]:
    problems = []
    for svc in SERVICES:
        pod = objects[("Deployment", svc)]["spec"]["template"]["spec"]
        c = container(objects, svc)
        psc, csc = pod.get("securityContext", {}), c.get("securityContext", {})
        if not psc.get("runAsNonRoot") or psc.get("runAsUser") != 10001:
            problems.append(f"{svc}: pod must run as non-root user 10001 (the images' USER)")
        if not csc.get("readOnlyRootFilesystem") or csc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{svc}: container must have a read-only root and no privilege escalation")
        if csc.get("capabilities", {}).get("drop") != ["ALL"]:
            problems.append(f"{svc}: container must drop ALL capabilities")
        resources = c.get("resources", {})
        for kind in ("requests", "limits"):
            if set(resources.get(kind, {})) != {"cpu", "memory"}:
                problems.append(f"{svc}: resources.{kind} must set cpu and memory")
    return problems


ALL_CHECKS: list[Callable[[Objects], list[str]]] = [probe_problems, port_problems, security_problems]


# --- tests -------------------------------------------------------------------------------------------------------


def test_base_holds_four_deployments_services_and_the_scaler(base: Objects) -> None:
    kinds = sorted(base)
    assert kinds == sorted(
        [
            ("Namespace", NAMESPACE),
            ("ConfigMap", "newsflow-config"),
            ("ScaledObject", "nlp"),
            *[("Deployment", s) for s in SERVICES],
            *[("Service", s) for s in SERVICES],
        ]
    )
    for (kind, name), obj in base.items():
        if kind != "Namespace":
            assert obj["metadata"]["namespace"] == NAMESPACE, (kind, name)


def test_secret_template_is_not_applied_by_the_kustomization() -> None:
    assert SECRET_TEMPLATE.name not in kustomization(BASE)["resources"]


@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda c: c.__name__)
def test_base_passes(base: Objects, check: Callable[[Objects], list[str]]) -> None:
    assert check(base) == []


def test_images_are_pinned_to_the_project_version(base: Objects) -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert version == "0.1.0"
    assert image_problems(base, version) == []


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda o: container(o, "api")["livenessProbe"]["httpGet"].update(path="/health"), "livenessProbe path"),
        (lambda o: container(o, "nlp")["readinessProbe"]["httpGet"].update(path="/healthz"), "readinessProbe path"),
        (lambda o: container(o, "store")["livenessProbe"]["httpGet"].update(port=8000), "livenessProbe port"),
        (lambda o: container(o, "ingest")["ports"][0].update(containerPort=8000), "containerPorts"),
        (lambda o: o[("Service", "api")]["spec"]["ports"][0].update(port=80), "Service port"),
        (lambda o: container(o, "nlp")["securityContext"].update(readOnlyRootFilesystem=False), "read-only root"),
        (lambda o: container(o, "api").pop("readinessProbe"), "no readinessProbe"),
    ],
)
def test_checks_catch_a_broken_manifest(base: Objects, mutate: Callable[[Objects], Any], expected: str) -> None:
    broken = copy.deepcopy(base)
    mutate(broken)
    problems = [p for check in ALL_CHECKS for p in check(broken)]
    assert any(expected in p for p in problems), problems


def test_image_check_catches_latest(base: Objects) -> None:
    broken = copy.deepcopy(base)
    container(broken, "nlp")["image"] = "newsflow-nlp:latest"
    assert any("latest" in p for p in image_problems(broken, "0.1.0"))


@pytest.mark.parametrize("svc", SERVICES)
def test_ports_match_the_dockerfile_and_the_settings_default(base: Objects, svc: str) -> None:
    dockerfile = (ROOT / "services" / svc / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(rf"^EXPOSE {PORTS[svc]}$", dockerfile, re.M), f"{svc}: Dockerfile does not EXPOSE {PORTS[svc]}"
    assert f"NEWSFLOW_PORT={PORTS[svc]}" in dockerfile
    assert re.search(r"^USER 10001:10001$", dockerfile, re.M)
    assert SETTINGS[svc].model_fields["port"].default == PORTS[svc]


@pytest.mark.parametrize("svc", SERVICES)
def test_probe_paths_are_served(svc: str) -> None:
    source = ROOT / ("shared/worker.py" if svc in {"nlp", "store"} else f"services/{svc}/main.py")
    text = source.read_text(encoding="utf-8")
    for path in (LIVENESS, READINESS):
        assert f'"{path}"' in text, f"{source} serves no {path}"


@pytest.mark.parametrize("svc", SERVICES)
def test_env_names_are_settings_of_the_service(base: Objects, svc: str) -> None:
    c = container(base, svc)
    names = {e["name"] for e in c.get("env", [])} | set(base[("ConfigMap", "newsflow-config")]["data"])
    assert [ref["configMapRef"]["name"] for ref in c["envFrom"]] == ["newsflow-config"]
    fields = SETTINGS[svc].model_fields
    unknown = sorted(n for n in names if n.removeprefix("NEWSFLOW_").lower() not in fields)
    assert not unknown, f"{svc}: {unknown} are not settings of {SETTINGS[svc].__name__}"
    from_secret = {e["name"] for e in c.get("env", []) if "secretKeyRef" in e.get("valueFrom", {})}
    assert NEEDS_SECRET[svc] <= from_secret, f"{svc} lacks {NEEDS_SECRET[svc] - from_secret}"


def test_secret_template_has_every_referenced_key_and_only_placeholders(base: Objects) -> None:
    (secret,) = load_yaml_documents(SECRET_TEMPLATE)
    assert secret["kind"] == "Secret" and secret["metadata"]["namespace"] == NAMESPACE
    assert "data" not in secret, "use stringData with placeholders; no encoded values"
    for value in secret["stringData"].values():
        assert "CHANGE-ME" in value, f"not a placeholder: {value!r}"
    for svc in SERVICES:
        for e in container(base, svc).get("env", []):
            if ref := e.get("valueFrom", {}).get("secretKeyRef"):
                assert ref["name"] == secret["metadata"]["name"]
                assert ref["key"] in secret["stringData"], f"{svc}: secret key {ref['key']} not in the template"
    assert "NEWSFLOW_API_KEYS" not in base[("ConfigMap", "newsflow-config")]["data"]


def test_replicas(base: Objects) -> None:
    assert "replicas" not in base[("Deployment", "nlp")]["spec"], "KEDA owns the nlp replica count"
    assert base[("Deployment", "store")]["spec"]["replicas"] == 1
    nlp = container(base, "nlp")["resources"]
    assert nlp["requests"]["cpu"] == "1" and nlp["limits"]["cpu"] == "1", "one NLP worker is one core"


def test_keda_scaled_object(base: Objects) -> None:
    so = base[("ScaledObject", "nlp")]
    assert so["apiVersion"] == "keda.sh/v1alpha1"
    spec = so["spec"]
    assert set(spec) <= KEDA_SPEC_KEYS, set(spec) - KEDA_SPEC_KEYS
    target = spec["scaleTargetRef"]
    assert (target.get("apiVersion", "apps/v1"), target.get("kind", "Deployment")) == ("apps/v1", "Deployment")
    assert ("Deployment", target["name"]) in base and target["name"] == "nlp"
    low, high = spec["minReplicaCount"], spec["maxReplicaCount"]
    assert isinstance(low, int) and isinstance(high, int) and 1 <= low <= high
    for key in ("pollingInterval", "cooldownPeriod"):
        assert isinstance(spec[key], int) and spec[key] > 0
    (trigger,) = spec["triggers"]
    assert trigger["type"] == "redis-streams"
    meta = trigger["metadata"]
    assert set(meta) <= REDIS_STREAMS_KEYS, set(meta) - REDIS_STREAMS_KEYS
    assert all(isinstance(v, str) for v in meta.values()), "KEDA trigger metadata values must be strings"
    assert meta["stream"] == ARTICLES_SUBMITTED and meta["consumerGroup"] == GROUP_NLP
    # KEDA uses pendingEntriesCount, then streamLength, before lagCount: neither may be set.
    assert "pendingEntriesCount" not in meta and "streamLength" not in meta
    assert meta["lagCount"].isdigit() and int(meta["lagCount"]) > 0
    assert meta.get("activationLagCount", "0").isdigit()
    redis_url = urlsplit(base[("ConfigMap", "newsflow-config")]["data"]["NEWSFLOW_REDIS_URL"])
    assert meta["address"] == f"{redis_url.hostname}:{redis_url.port or 6379}", "scaler and workers see one Redis"
    assert meta.get("databaseIndex", "0") == (redis_url.path.strip("/") or "0")


# --- schema validation (kubernetes-validate ships the schemas: no network) -------------------------------------


def schema_validate(objects: list[dict[str, Any]], version: str) -> None:
    kv = pytest.importorskip("kubernetes_validate", reason="kubernetes-validate (dev dependency) is not installed")
    if version == "latest":
        version = kv.utils.latest_version()
    for obj in objects:
        if obj["apiVersion"].startswith("keda.sh/"):
            behavior = obj["spec"].get("advanced", {}).get("horizontalPodAutoscalerConfig", {}).get("behavior")
            if behavior:  # KEDA copies it into the HPA it creates: validate it as that HPA's field
                hpa = {
                    "apiVersion": "autoscaling/v2",
                    "kind": "HorizontalPodAutoscaler",
                    "metadata": {"name": "nlp"},
                    "spec": {"scaleTargetRef": obj["spec"]["scaleTargetRef"], "maxReplicas": 1, "behavior": behavior},
                }
                kv.validate(hpa, version, strict=True)
            continue
        try:
            kv.validate(obj, version, strict=True)
        except kv.ValidationError as e:
            pytest.fail(
                f"{obj['kind']}/{obj['metadata']['name']} invalid for Kubernetes {version}: "
                f"{e.message} at {'.'.join(str(p) for p in e.absolute_path)}"
            )


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_base_validates_against_kubernetes_schemas(version: str) -> None:
    schema_validate(render_base_plain(), version)
    schema_validate(load_yaml_documents(SECRET_TEMPLATE), version)


def test_schema_validation_catches_a_typo() -> None:
    kv = pytest.importorskip("kubernetes_validate", reason="kubernetes-validate (dev dependency) is not installed")
    deployment = copy.deepcopy(by_key(render_base_plain())[("Deployment", "api")])
    c = deployment["spec"]["template"]["spec"]["containers"][0]
    c["readinesProbe"] = c.pop("readinessProbe")
    with pytest.raises(kv.ValidationError):
        kv.validate(deployment, "1.28", strict=True)


# --- with a real kustomize -------------------------------------------------------------------------------------


def test_kustomize_renders_the_base_like_the_plain_loader() -> None:
    assert by_key(render_with_kustomize(BASE)) == by_key(render_base_plain())


def test_example_overlay_renders_and_validates() -> None:
    objects = render_with_kustomize(OVERLAY)
    rendered = by_key(objects)
    schema_validate(objects, K8S_VERSIONS[0])
    for check in ALL_CHECKS:
        assert check(rendered) == []
    assert image_problems(rendered, "0.1.0", registry="registry.example.org/newsflow/") == []
    redis_url = urlsplit(rendered[("ConfigMap", "newsflow-config")]["data"]["NEWSFLOW_REDIS_URL"])
    meta = rendered[("ScaledObject", "nlp")]["spec"]["triggers"][0]["metadata"]
    assert meta["address"] == f"{redis_url.hostname}:{redis_url.port}", "the overlay moved one Redis, not both"
