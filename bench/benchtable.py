"""Benchmark tables: one row per measurement, with the context that makes it comparable.

Every row carries the measurement (name, value, unit) and its context: device name, JAX
version, git revision and date. ``print_table`` prints rows; ``append_markdown`` appends them to
``BENCHMARKS.md`` under a heading.
"""

from __future__ import annotations

import contextlib
import datetime
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import jax

from colliderax.core.device import device_description

REPO = Path(__file__).resolve().parents[1]


def git_revision() -> str:
    """Short commit hash of the checkout, with ``-dirty`` for uncommitted changes."""
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO, capture_output=True, text=True, check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO, capture_output=True, text=True, check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return rev + ("-dirty" if dirty else "")


def device_name(device: jax.Device | None = None) -> str:
    """The device as :func:`colliderax.core.device.device_description` names it, with the CPU
    model for CPUs (benchmarks must say which hardware produced them)."""
    device = device or jax.devices()[0]
    if device.platform != "cpu":
        return device_description(device)
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return "CPU: " + line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "CPU: " + (platform.processor() or "unknown")


@dataclass(frozen=True)
class Row:
    """One measurement."""

    name: str
    value: float
    unit: str
    note: str = ""
    device: str = field(default_factory=device_name)
    jax_version: str = jax.__version__
    revision: str = field(default_factory=git_revision)
    date: str = field(default_factory=lambda: datetime.date.today().isoformat())


_COLUMNS = ("name", "value", "unit", "note", "device", "jax_version", "revision", "date")


def _cells(row: Row) -> list[str]:
    return [f"{row.value:.4g}" if c == "value" else str(getattr(row, c)) for c in _COLUMNS]


def print_table(rows: list[Row]) -> None:
    """Print rows as an aligned plain-text table."""
    table = [list(_COLUMNS)] + [_cells(r) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(_COLUMNS))]
    for line in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)))


def append_markdown(rows: list[Row], heading: str, path: Path = REPO / "BENCHMARKS.md") -> None:
    """Append rows as a Markdown table under ``heading`` to ``BENCHMARKS.md``."""
    lines = [f"\n### {heading}\n", "| " + " | ".join(_COLUMNS) + " |",
             "|" + "---|" * len(_COLUMNS)]
    lines += ["| " + " | ".join(_cells(r)) + " |" for r in rows]
    with path.open("a") as handle:
        handle.write("\n".join(lines) + "\n")


def reset_peak_memory() -> None:
    """Restart the host's peak-RSS count (Linux ``clear_refs``; elsewhere nothing happens)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_memory_mib(device: jax.Device | None = None) -> float:
    """Peak memory [MiB]: the process's resident set since :func:`reset_peak_memory` (Linux
    ``VmHWM``) on CPU; on an accelerator, the device's peak bytes in use since start."""
    device = device or jax.devices()[0]
    if device.platform != "cpu":
        stats = device.memory_stats() or {}
        return stats.get("peak_bytes_in_use", float("nan")) / 2**20
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")
