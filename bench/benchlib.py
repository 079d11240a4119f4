"""Helpers shared by the benchmark scripts: where things are, the machine, statistics, tables.

The scripts run as ``.venv/bin/python bench/NAME.py`` from the repository root; this module is
found beside them (``sys.path[0]`` is ``bench/``).
"""

from __future__ import annotations

import math
import os
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SYNTHEA_DIR = REPO_ROOT.parent / "shared" / "data" / "synthea"
PACKAGES = ("pydicom", "pynetdicom", "SQLAlchemy", "psycopg")
KIB_PER_GIB = 1024 * 1024


def cpu_model() -> str:
    """The ``model name`` of the first processor in /proc/cpuinfo."""
    for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def ram_gib() -> float:
    """Total memory (MemTotal in /proc/meminfo) in GiB."""
    for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / KIB_PER_GIB
    return math.nan


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_lines(extra: Sequence[str] = ()) -> list[str]:
    """Markdown bullet lines: date, CPUs, CPU model, RAM, interpreter and library versions,
    and the load average (other work on the machine skews the figures)."""
    versions = ", ".join(f"{name} {package_version(name)}" for name in PACKAGES)
    return [
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: nproc {len(os.sched_getaffinity(0))}, {cpu_model()}, "
        f"{ram_gib():.1f} GiB RAM, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}; {versions}",
        f"- load average at start (1/5/15 min): {load_average()}",
        *extra,
    ]


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile (0..1), linear interpolation between closest ranks."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured markdown table; numeric-looking columns are right-aligned."""
    aligns = [
        "---:" if rows and all(_numeric(row[index]) for row in rows) else "---"
        for index in range(len(headers))
    ]
    lines = [_row(headers), _row(aligns)]
    lines.extend(_row(row) for row in rows)
    return "\n".join(lines)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _numeric(cell: str) -> bool:
    try:
        float(cell.replace(",", "").rstrip("x%"))
    except ValueError:
        return False
    return True
