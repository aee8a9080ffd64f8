"""Printing the results: the machine, one table per section, then every target met or not.

Tables are Markdown pipe tables, readable in a terminal and pasted as they are into
``docs/benchmarks.md``.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import sys
from importlib.metadata import version
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.measure import Latency, Rate, Section, Target


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=False)]
    lines = [header, ["-" * w for w in widths], *rows]
    return "\n".join(
        "| " + " | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) + " |"
        for line in lines
    )


def _rate_row(rate: Rate) -> list[str]:
    return [rate.label, f"{rate.per_second:,.0f}", f"{rate.ratio * 100:.3g} %"]


def _latency_row(latency: Latency, p99: bool) -> list[str]:
    tail = [f"{latency.p99_ms or 0:.3f}"] if p99 else []
    return [
        latency.label,
        f"{latency.size:,}",
        f"{latency.median_ms:.3f}",
        f"{latency.p95_ms:.3f}",
        *tail,
        f"{latency.samples:,}",
    ]


def section_text(section: Section) -> str:
    parts = [f"### {section.title}", ""]
    if section.rates:
        rows = [_rate_row(rate) for rate in section.rates]
        parts.append(_table(["figure", section.rate_unit, f"× {section.baseline}"], rows))
    if section.latencies:
        p99 = any(latency.p99_ms is not None for latency in section.latencies)
        rows = [_latency_row(latency, p99) for latency in section.latencies]
        if section.rates:
            parts.append("")
        header = ["operation", section.size_header, "median ms", "p95 ms"]
        parts.append(_table([*header, *(["p99 ms"] if p99 else []), "samples"], rows))
    parts += ["", *(f"- {note}" for note in section.notes), ""]
    return "\n".join(parts)


def targets_text(targets: list[Target]) -> str:
    rows = [[t.goal, t.figure, "met" if t.met else "NOT MET"] for t in targets]
    return "\n".join(["### Targets", "", _table(["target", "measured", "status"], rows), ""])


def machine_text(postgres_url: str | None, mode: str) -> str:
    lines = [
        f"- mode: {mode} (`python -m bench.run{' --quick' if mode == 'quick' else ''}`)",
        f"- CPU: {_cpu()} — {os.cpu_count()} cores (nproc), {platform.machine()}",
        f"- Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, "
        f"pymerkle {version('pymerkle')}, SQLAlchemy {version('sqlalchemy')}, "
        f"psycopg {version('psycopg')}, cryptography {version('cryptography')}",
        f"- PostgreSQL: {_postgres_version(postgres_url)}",
        f"- OS: {platform.platform()}",
    ]
    return "\n".join(["### Machine", "", *lines, ""])


def _cpu() -> str:
    info = Path("/proc/cpuinfo")
    if info.exists():
        for line in info.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _postgres_version(url: str | None) -> str:
    if url is None:
        return "not used"
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar())
    finally:
        engine.dispose()
