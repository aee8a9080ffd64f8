"""UCDP GED CSV: the released layout, the HDX layout (with its HXL tag row), the candidate
releases (full, with Excel-style dates, or reduced to a few columns without coordinates).

The layout is told by the header: ``date_start`` means the full GED layout, ``date`` alone the
reduced candidate layout. A second line of HXL hashtags (``#date+year``) is skipped, not
refused. The dataset is ``ucdp-ged`` (full layout) or ``ucdp-candidate`` (reduced) unless the
caller names it. The column mapping is in ``docs/interchange.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Final

from ceasefire.domain.report_places import DatePrecision, GeoPrecision
from ceasefire.errors import InvalidInput
from ceasefire.interchange import common as c
from ceasefire.interchange import reading
from ceasefire.interchange.rows import Reject, Row

COLUMNS: Final = (
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id",
    "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name",
    "side_a_dset_id", "side_a_new_id", "side_a", "side_b_dset_id", "side_b_new_id", "side_b",
    "number_of_sources", "source_article", "source_office", "source_date", "source_headline",
    "source_original", "where_prec", "where_coordinates", "where_description", "adm_1", "adm_2",
    "latitude", "longitude", "geom_wkt", "priogrid_gid", "country", "country_id", "region",
    "event_clarity", "date_prec", "date_start", "date_end", "deaths_a", "deaths_b",
    "deaths_civilians", "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob",
)  # fmt: skip
"""The GED layout (release 22.1 onwards, as the candidate releases keep it; HDX adds iso3)."""
FULL: Final = ("id", "type_of_violence", "date_start", "best")
REDUCED: Final = ("id", "type_of_violence", "date", "best")
TYPES: Final = {1: "state-based", 2: "non-state", 3: "one-sided"}
CODES: Final = {name: code for code, name in TYPES.items()}


def read_ucdp(lines: Iterable[str], ctx: c.Context) -> Iterator[Row]:
    """One Imported or Reject per data row of a UCDP CSV (header first); an Exported per row of
    this program's own UCDP export."""
    rows = c.CsvRows.open(lines, ("id",), "UCDP GED")
    full = "date_start" in rows.header
    required = FULL if full else REDUCED
    missing = [name for name in required if name not in rows.header]
    if missing:
        raise InvalidInput(
            f"the header is not a UCDP GED header: it lacks {', '.join(missing)} (the full "
            f"layout needs {', '.join(FULL)}; the reduced one {', '.join(REDUCED)})",
            field="header",
        )
    dataset = ctx.dataset or ("ucdp-ged" if full else "ucdp-candidate")
    source_name = _source_name(dataset, ctx)

    def make(row: dict[str, str], of: str, dataset_id: str) -> dict[str, Any]:
        name = source_name if of == dataset else _source_name(of, ctx)  # an export's row
        return ucdp_body(row, full, of, dataset_id, name, ctx)

    reader = reading.RowReader(
        "ucdp", dataset, ctx.dataset, _identify, make, "id",
        legacy=reading.is_legacy(rows.header, COLUMNS),
    )  # fmt: skip
    return reading.read_rows(_without_hxl(iter(rows)), reader)


def _identify(row: dict[str, str]) -> str:
    return row["id"].strip()


def _source_name(dataset: str, ctx: c.Context) -> str:
    label = "UCDP GED" if dataset == "ucdp-ged" else "UCDP Candidate"
    return f"{label} {ctx.release}".strip()


def _without_hxl(
    rows: Iterator[tuple[int, dict[str, str]] | Reject],
) -> Iterator[tuple[int, dict[str, str]] | Reject]:
    first = next(rows, None)
    if first is None:
        return
    if isinstance(first, Reject) or not _is_hxl(first[1]):
        yield first
    yield from rows


def _is_hxl(row: dict[str, str]) -> bool:
    values = [v.strip() for v in row.values() if v.strip()]
    return bool(values) and all(v.startswith("#") for v in values)


def ucdp_body(
    row: dict[str, str], full: bool, dataset: str, dataset_id: str, source_name: str,
    ctx: c.Context,
) -> dict[str, Any]:  # fmt: skip
    get = row.get
    code = _type(row["type_of_violence"])
    start = c.day(row["date_start"] if full else row["date"], "date_start" if full else "date", ctx)
    end_text = (get("date_end") or "").strip()
    end = c.day(end_text, "date_end", ctx) if end_text else start
    if end < start:
        raise c.RowError("date_end", end_text, f"before date_start {start.isoformat()}")
    side_a, side_b = (get("side_a") or "").strip(), (get("side_b") or "").strip()
    party_a, party_b = c.party_of(side_a), c.party_of(side_b)
    return c.observation(
        dates={
            "start": start.isoformat(),
            "end": end.isoformat(),
            "precision": _precision(get("date_prec"), "date_prec", DatePrecision.from_ucdp).value,
        },
        location=_location(row, ctx),
        event_type=TYPES[code],
        act=ctx.acts.for_ucdp(code),
        alleged_party=party_a if party_b is None or party_b == party_a else None,
        actors=c.names(side_a, side_b),
        casualties=_casualties(row),
        narrative=(get("source_headline") or "").strip() or _sentence(row, code, start),
        sources=[c.source(source_name, ctx, get("source_article") or "")],
        origin=c.origin(dataset, dataset_id, ctx.release, row),
    )


def _type(text: str) -> int:
    try:
        code = int(text)
    except ValueError:
        code = 0
    if code not in TYPES:
        raise c.RowError("type_of_violence", text, "expected 1, 2 or 3")
    return code


def _precision(text: str | None, name: str, decode: Any) -> Any:
    if text is None or not text.strip():
        return DatePrecision.DAY if name == "date_prec" else GeoPrecision.EXACT
    try:
        return decode(int(float(text)))
    except ValueError:
        raise c.RowError(name, text, f"not a UCDP {name} code") from None
    except InvalidInput as exc:
        raise c.RowError(name, text, exc.message) from None


def _location(row: dict[str, str], ctx: c.Context) -> dict[str, Any] | None:
    lat_text, lon_text = (row.get("latitude") or "").strip(), (row.get("longitude") or "").strip()
    if not lat_text and not lon_text:
        return None
    lat, lon = c.coordinates(lat_text, lon_text, ctx, ("latitude", "longitude"))
    precision = _precision(row.get("where_prec"), "where_prec", GeoPrecision.from_ucdp)
    return c.location(
        lat, lon, precision.value, place=row.get("where_coordinates") or "",
        admin1=row.get("adm_1") or "", admin2=row.get("adm_2") or "",
        country=c.country_code(row.get("country") or ""),
    )  # fmt: skip


def _casualties(row: dict[str, str]) -> dict[str, Any] | None:
    """Sides' deaths as military, civilians' as civilian, the unknown ones with the range
    that is left of low..high once the others are counted: the categories add up to ``best``.
    The reduced layout has ``best`` only, which goes to unknown."""
    figures = {
        name: c.count(text, name)
        for name in (
            "deaths_a",
            "deaths_b",
            "deaths_civilians",
            "deaths_unknown",
            "best",
            "low",
            "high",
        )
        if (text := (row.get(name) or "").strip())
    }
    if "best" not in figures:
        return None
    military = figures.get("deaths_a", 0) + figures.get("deaths_b", 0)
    civilian = figures.get("deaths_civilians", 0)
    if "deaths_unknown" not in figures:
        unknown = figures["best"] - military - civilian
        if unknown < 0 or ("deaths_civilians" not in figures and military == 0):
            military, civilian, unknown = 0, 0, figures["best"]
    else:
        unknown = figures["deaths_unknown"]
    best = military + civilian + unknown
    low = max(0, min(figures.get("low", best), best) - military - civilian)
    high = max(unknown, max(figures.get("high", best), best) - military - civilian)
    killed: dict[str, Any] = {}
    if military:
        killed["military"] = military
    if civilian:
        killed["civilian"] = civilian
    if unknown or high or not killed:
        killed["unknown"] = unknown if low == unknown == high else {
            "low": min(low, unknown), "best": unknown, "high": high,
        }  # fmt: skip
    return {"killed": killed}


def _sentence(row: dict[str, str], code: int, start: Any) -> str:
    who = (row.get("dyad_name") or row.get("conflict_name") or "").strip()
    where = ", ".join(
        v for v in ((row.get("where_description") or "").strip(), row.get("country", "")) if v
    )
    best = (row.get("best") or "").strip()
    deaths = f", {best} killed (best estimate)" if best else ""
    return (
        f"{TYPES[code].capitalize()} violence{f' ({who})' if who else ''}"
        f"{f' in {where}' if where else ''} on {start.isoformat()}{deaths} (UCDP)."
    )
