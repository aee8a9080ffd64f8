"""Timing helpers and the two shapes of result: a rate (leaves/s) and a latency (ms)."""

from __future__ import annotations

import gc
import hashlib
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rate:
    """Leaves per second, next to the raw SHA-256 rate of the same leaves in the same run."""

    label: str
    per_second: float
    raw_sha256: float
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.per_second / self.raw_sha256


@dataclass(frozen=True)
class Latency:
    """Median and 95th percentile of one operation over many random samples."""

    label: str
    size: int
    median_ms: float
    p95_ms: float
    samples: int
    note: str = ""
    p99_ms: float | None = None
    """Printed only when set (section 6: request latencies under load)."""


@dataclass(frozen=True)
class Target:
    goal: str
    figure: str
    met: bool


@dataclass
class Section:
    """One numbered part of the report: its figures, the targets they meet or not, notes."""

    title: str
    rates: list[Rate] = field(default_factory=list)
    latencies: list[Latency] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rate_unit: str = "leaves/s"
    baseline: str = "raw SHA-256"
    """What ``Rate.raw_sha256`` holds in this section: the raw limit its ratios are against."""
    size_header: str = "tree size"

    def rate(self, label: str) -> Rate:
        return next(r for r in self.rates if r.label == label)

    def latency(self, label: str, size: int) -> Latency:
        return next(x for x in self.latencies if x.label == label and x.size == size)


def timed(work: Callable[[], object]) -> float:
    """Seconds ``work`` takes, after a collection so one trial's garbage is not another's."""
    gc.collect()
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def best_rate(count: int, seconds: Sequence[float]) -> float:
    """The best of several trials: on a shared machine the fastest is the least disturbed."""
    return count / min(seconds)


def raw_sha256(leaves: Sequence[bytes], repeats: int = 3) -> float:
    """The reference rate: one bare SHA-256 per leaf, nothing else."""
    sha256 = hashlib.sha256
    trials = [timed(lambda: [sha256(leaf).digest() for leaf in leaves]) for _ in range(repeats)]
    return best_rate(len(leaves), trials)


def latencies(
    label: str, size: int, operation: Callable[[int, int], object], samples: list[tuple[int, int]]
) -> Latency:
    """Time ``operation(a, b)`` once per sample; ``samples`` are drawn by the caller."""
    gc.collect()
    clock = time.perf_counter
    seconds: list[float] = []
    for a, b in samples:
        start = clock()
        operation(a, b)
        seconds.append(clock() - start)
    return summarise(label, size, seconds)


def summarise(label: str, size: int, seconds: list[float], note: str = "") -> Latency:
    cuts = statistics.quantiles(seconds, n=20, method="inclusive")
    return Latency(
        label=label,
        size=size,
        median_ms=statistics.median(seconds) * 1e3,
        p95_ms=cuts[18] * 1e3,
        samples=len(seconds),
        note=note,
    )
