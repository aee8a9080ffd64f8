"""Importing UCDP GED CSV: how many rows a second, parsed to report bodies and end to end.

Each figure is measured against a raw baseline in the same run, on the same bytes:

- parse: ``interchange.ucdp.read_ucdp`` (rows → checked observation bodies) against
  ``csv.reader`` over the same lines;
- end to end: ``services.imports.import_rows`` into a fresh SQLite store (sign, admit, project,
  append in chunks of 5,000) against the parse alone.

The input is the real HDX file in ``../shared/data/real`` when present (6,416 rows), repeated
with fresh ids to ``rows``; otherwise a synthetic file in the same layout. Target: 20,000
rows/s. Run ``python -m bench.imports [--rows N]``.
"""

from __future__ import annotations

import argparse
import collections
import csv
import io
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from bench.measure import Rate, Section, Target
from bench.record import Cast, record_log
from ceasefire.domain.actors import Role
from ceasefire.interchange import ucdp
from ceasefire.interchange.common import Context
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
    source = "the real HDX file, repeated" if HDX.exists() else "synthetic rows"
    section = Section(f"7. Importing UCDP GED CSV ({rows:,} rows, {source})", rate_unit="rows/s")
    section.baseline = "csv.reader over the same lines"
    section.rates.append(Rate("parse to checked bodies (read_ucdp)", parsed, raw))
    section.rates.append(Rate("end to end into SQLite (import_rows)", end_to_end, raw))
    section.notes.append(
        f"end to end is {end_to_end / parsed:.3f}× the parse alone; imported: new "
        f"{counts.new}, rejected {counts.rejected}"
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
