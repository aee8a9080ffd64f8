"""Importing UCDP GED CSV: how many rows a second, parsed to report bodies and end to end.

Each figure is measured against a raw baseline in the same run, on the same bytes:

- parse: ``interchange.ucdp.read_ucdp`` (rows → checked observation bodies) against
  ``csv.reader`` over the same lines;
- end to end: ``services.imports.import_rows`` into a fresh SQLite store (sign, admit, project,
  append in chunks of 5,000) against the parse alone;
- the raw floor: the least any import that keeps each row in a log and in a table of reports
  can do on this machine (:func:`measure_floor`): the same parse, one compact key-sorted JSON
  encoding per row, one SQLite row per report, and one leaf (and its SHA-256) per chunk, with
  no check, no signature, no Merkle tree and no index. No design of the import runs faster
  than this in Python; when the floor itself is under the target, the target is out of reach
  on this machine whatever the import does. The floor is measured a second time with the one
  check no entry can skip, the report's own (``domain.reports.parse_report``, which admission
  runs on every body it appends).

The input is the real HDX file in ``../shared/data/real`` when present (6,416 rows), repeated
with fresh ids to ``rows``; otherwise a synthetic file in the same layout. Target: 20,000
rows/s. Run ``python -m bench.imports [--rows N]``.
"""

from __future__ import annotations

import argparse
import collections
import csv
import hashlib
import io
import json
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Final

from bench.measure import Rate, Section, Target, timed
from bench.record import Cast, record_log
from ceasefire.domain.actors import Role
from ceasefire.domain.reports import parse_report
from ceasefire.interchange import ucdp
from ceasefire.interchange.common import Context
from ceasefire.interchange.rows import Imported
from ceasefire.log.keys import SigningKey
from ceasefire.services import imports as import_service
from ceasefire.services import keys as key_service

REAL: Final = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
HDX: Final = REAL / "ucdp_ged_pakistan_hdx_1989_2021.csv"
NOW: Final = datetime(2026, 11, 25, tzinfo=UTC)
TARGET: Final = 20_000


def ucdp_lines(rows: int) -> list[str]:
    """``rows`` data lines of GED CSV (header first), ids made unique on repetition."""
    if HDX.exists():
        source = list(csv.reader(io.StringIO(HDX.read_text(encoding="utf-8"))))
        header, data = source[0], source[2:]  # drop the HXL row
    else:
        header = list(ucdp.COLUMNS)
        data = [_synthetic(i) for i in range(1000)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for n in range(rows):
        row = list(data[n % len(data)])
        row[0] = f"{row[0]}-{n // len(data)}" if n >= len(data) else row[0]
        writer.writerow(row)
    return out.getvalue().splitlines(keepends=True)


def _synthetic(i: int) -> list[str]:
    values = dict.fromkeys(ucdp.COLUMNS, "") | {
        "id": str(100000 + i), "type_of_violence": "1", "side_a": "Government of Pakistan",
        "side_b": "TTP", "latitude": "33.0", "longitude": "70.1", "where_prec": "2",
        "country": "Pakistan", "date_prec": "1", "date_start": "2020-01-02",
        "date_end": "2020-01-02", "deaths_a": "1", "best": "1", "low": "1", "high": "1",
        "source_headline": f"Clash number {i}",
    }  # fmt: skip
    return [values[c] for c in ucdp.COLUMNS]


def _rate(rows: int, seconds: float) -> float:
    return rows / seconds if seconds else float("inf")


def measure_parse(lines: list[str]) -> tuple[float, float]:
    """(read_ucdp rows/s, csv.reader rows/s), best of three."""
    rows = len(lines) - 1
    ctx = Context(now=NOW.date())
    raw, parsed = 0.0, 0.0
    for _ in range(3):
        start = time.perf_counter()
        collections.deque(csv.reader(lines), maxlen=0)
        raw = max(raw, _rate(rows, time.perf_counter() - start))
        start = time.perf_counter()
        collections.deque(ucdp.read_ucdp(lines, ctx), maxlen=0)
        parsed = max(parsed, _rate(rows, time.perf_counter() - start))
    return parsed, raw


def measure_floor(
    lines: list[str], *, checks: bool = False, chunk: int = import_service.CHUNK
) -> float:
    """Rows/s of the raw floor (module docstring), best of three, into a fresh SQLite file
    with the import's own settings (WAL, synchronous=NORMAL, one commit per chunk); with
    ``checks``, each body is also read as a report, as admission reads it."""
    ctx = Context(now=NOW.date())
    trials: list[float] = []
    with import_service.fewer_collections():
        for n in range(3):
            with tempfile.TemporaryDirectory() as folder:
                db = sqlite3.connect(Path(folder) / f"floor-{n}.db")
                try:
                    db.execute("PRAGMA journal_mode=WAL")
                    db.execute("PRAGMA synchronous=NORMAL")
                    db.execute(
                        "CREATE TABLE leaves (idx INTEGER PRIMARY KEY, hash BLOB, leaf BLOB)"
                    )
                    db.execute(
                        "CREATE TABLE reports (idx INTEGER PRIMARY KEY, origin TEXT, body TEXT)"
                    )
                    trials.append(timed(partial(_floor, db, lines, ctx, chunk, checks)))
                finally:
                    db.close()
    return _rate(len(lines) - 1, min(trials))


def _floor(
    db: sqlite3.Connection, lines: list[str], ctx: Context, chunk: int, checks: bool
) -> None:
    texts: list[str] = []
    origins: list[str] = []

    def flush() -> None:
        leaf = ("[" + ",".join(texts) + "]").encode()
        db.execute(
            "INSERT INTO leaves (hash, leaf) VALUES (?, ?)", (hashlib.sha256(leaf).digest(), leaf)
        )
        db.executemany(
            "INSERT INTO reports (origin, body) VALUES (?, ?)", zip(origins, texts, strict=True)
        )
        db.commit()
        texts.clear()
        origins.clear()

    for row in ucdp.read_ucdp(lines, ctx):
        if isinstance(row, Imported):
            if checks:
                parse_report(row.body)
            texts.append(
                json.dumps(row.body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            )
            origins.append(row.origin)
            if len(texts) == chunk:
                flush()
    if texts:
        flush()


def measure_import(lines: list[str]) -> tuple[float, import_service.ImportCounts]:
    """End-to-end rows/s into a fresh SQLite store."""
    with tempfile.TemporaryDirectory() as folder:
        cast = Cast.generate()
        store = record_log(f"sqlite:///{folder}/bench.db", cast)
        key = SigningKey.generate("importer-1")
        key_service.enrol(
            store, actor="importer-1", public_key=key.public_key, role=Role.IMPORTER.value,
            affiliation=None, operator_key=cast.operator_key, log_key=cast.log_key,
            clock=lambda: NOW,
        )  # fmt: skip
        try:
            ctx = import_service.context_for(store, NOW, release="22.1")
            start = time.perf_counter()
            counts = import_service.import_rows(
                store, ucdp.read_ucdp(lines, ctx), key=key, log_key=cast.log_key, now=NOW
            )
            seconds = time.perf_counter() - start
        finally:
            store.close()
    return _rate(counts.read, seconds), counts


def run(rows: int = 20_000) -> Section:
    """Measure both paths, each against its raw baseline in the same run."""
    lines = ucdp_lines(rows)
    parsed, raw = measure_parse(lines)
    end_to_end, counts = measure_import(lines)
    floor = measure_floor(lines)
    checked = measure_floor(lines, checks=True)
    source = "the real HDX file, repeated" if HDX.exists() else "synthetic rows"
    section = Section(f"7. Importing UCDP GED CSV ({rows:,} rows, {source})", rate_unit="rows/s")
    section.baseline = "csv.reader over the same lines"
    section.rates.append(Rate("parse to checked bodies (read_ucdp)", parsed, raw))
    section.rates.append(Rate("end to end into SQLite (import_rows)", end_to_end, raw))
    section.rates.append(Rate("raw floor: parse, encode, one row each (no checks)", floor, raw))
    section.rates.append(Rate("raw floor + the report's own checks", checked, raw))
    section.notes.append(
        f"end to end is {end_to_end / parsed:.3f}× the parse alone and {end_to_end / floor:.3f}× "
        f"the raw floor; imported: new {counts.new}, rejected {counts.rejected}"
    )
    section.notes.append(
        f"the raw floor is {floor / TARGET:.2f}× the target, {checked / TARGET:.2f}× with the "
        "report's own checks: the least any import keeping each row in a log and a table can "
        "do here (no signature, no Merkle tree, no agreement or policy check)"
    )
    for label, rate in (("parse", parsed), ("end to end", end_to_end)):
        section.targets.append(
            Target(f"import ≥ {TARGET:,} UCDP rows/s ({label})", f"{rate:,.0f}", rate >= TARGET)
        )
    return section


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    from bench.report import section_text, targets_text

    section = run(parser.parse_args().rows)
    print(section_text(section))
    print(targets_text(section.targets))


if __name__ == "__main__":
    main()
