"""What the benchmark ran on, and what each process used while it ran.

Produces a description of the machine (CPU model, cores, memory, versions, load average, the busiest processes
that are not ours) and per-process CPU and memory readings by pid, via psutil. The figures of a benchmark mean
little without them: on a shared 2-core machine another process's test run halves the NLP rate.
"""

import contextlib
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil


def cpu_model() -> str:
    """The CPU's marketing name from /proc/cpuinfo (Linux), else whatever `platform` knows."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def cpu_flags() -> set[str]:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


def version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def load_average() -> list[float] | None:
    """1, 5 and 15-minute load averages (None where the OS has none)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def busiest_processes(exclude: set[int], sample_s: float = 1.0, top: int = 5) -> list[dict[str, Any]]:
    """The `top` processes by CPU over `sample_s` seconds, other than those in `exclude` (ours)."""
    procs = []
    for proc in psutil.process_iter(["pid", "name", "cmdline"]):
        if proc.pid in exclude:
            continue
        with contextlib.suppress(psutil.Error):
            proc.cpu_percent(None)  # the first call only starts the measurement
            procs.append(proc)
    time.sleep(sample_s)
    busy = []
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            percent = proc.cpu_percent(None)
            if percent >= 1.0:
                cmdline = " ".join(proc.info.get("cmdline") or [])[:120] or proc.info.get("name")
                busy.append({"pid": proc.pid, "cpu_percent": round(percent, 1), "command": cmdline})
    busy.sort(key=lambda p: -p["cpu_percent"])
    return busy[:top]


def describe(model: str | None) -> dict[str, Any]:
    """The machine and software the figures were measured on."""
    memory = psutil.virtual_memory()
    flags = cpu_flags()
    return {
        "cpu_model": cpu_model(),
        "logical_cores": psutil.cpu_count(logical=True),
        "physical_cores": psutil.cpu_count(logical=False),
        "avx2": "avx2" in flags if flags else None,
        "memory_gib": round(memory.total / 2**30, 1),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "spacy": version("spacy"),
        "model": model,
        "fastapi": version("fastapi"),
        "uvicorn": version("uvicorn"),
        "faststream": version("faststream"),
        "asyncpg": version("asyncpg"),
        "redis_py": version("redis"),
        "load_average_start": load_average(),
    }


def process_tree(pid: int) -> list[psutil.Process]:
    """The process and all its descendants (PostgreSQL serves each connection from a child process)."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def cpu_seconds(pid: int, tree: bool = False) -> float:
    """User + system CPU seconds of a process (and of its descendants when `tree`)."""
    total = 0.0
    for proc in process_tree(pid) if tree else [psutil.Process(pid)]:
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            total += times.user + times.system
    return total


def rss_bytes(pid: int) -> int | None:
    try:
        return int(psutil.Process(pid).memory_info().rss)
    except psutil.Error:
        return None


@dataclass
class CpuMeter:
    """CPU used by named processes over a phase, as a share of one core: 1.0 means a whole core."""

    pids: dict[str, tuple[int, bool]]
    """name -> (pid, count its descendants too)."""
    started: float = field(default=0.0)
    before: dict[str, float] = field(default_factory=dict)
    machine_before: Any = None

    def start(self) -> "CpuMeter":
        self.started = time.monotonic()
        self.before = {name: cpu_seconds(pid, tree) for name, (pid, tree) in self.pids.items()}
        self.machine_before = psutil.cpu_times()
        return self

    def stop(self) -> dict[str, float]:
        """Cores used per process over the phase, plus `machine` (all processes) and `other` (not ours)."""
        elapsed = max(time.monotonic() - self.started, 1e-9)
        used = {
            name: round((cpu_seconds(pid, tree) - self.before[name]) / elapsed, 2)
            for name, (pid, tree) in self.pids.items()
        }
        after = psutil.cpu_times()
        busy = sum(
            getattr(after, f) - getattr(self.machine_before, f)
            for f in ("user", "system", "nice", "irq", "softirq", "steal")
            if hasattr(after, f)
        )
        used["machine"] = round(busy / elapsed, 2)
        used["other"] = round(max(0.0, used["machine"] - sum(v for k, v in used.items() if k != "machine")), 2)
        return used
