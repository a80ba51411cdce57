"""Small helpers shared by the bench scripts (figures are printed, never asserted)."""

from __future__ import annotations

import statistics
from pathlib import Path


def rss_mb() -> float:
    """Resident memory of this process in MiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> str:
    return f"p50 {percentile(values, 50):8.2f}  p95 {percentile(values, 95):8.2f}  mean {statistics.fmean(values):8.2f}"
