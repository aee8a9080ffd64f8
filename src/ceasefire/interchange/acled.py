"""ACLED CSV: the full 31-column export and the reduced column sets people circulate.

Only ``event_date``, ``event_type``, ``latitude`` and ``longitude`` are required; every other
column is used when present and kept, like every column, in the body's ``origin.attributes``.
A file without ``event_id_cnty`` (reduced sets often drop it) gets a content id per row (a
digest of its values), so re-importing it adds nothing, though a changed row then arrives as a
new one. The column mapping is in ``docs/interchange.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Final

from ceasefire.domain.report_places import DatePrecision, GeoPrecision
from ceasefire.errors import InvalidInput
from ceasefire.interchange import common as c
from ceasefire.interchange import reading
from ceasefire.interchange.rows import Row

DATASET: Final = "acled"
COLUMNS: Final = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2",
    "admin3", "location", "latitude", "longitude", "geo_precision", "source", "source_scale",
    "notes", "fatalities", "tags", "timestamp",
)  # fmt: skip
"""The standard ACLED export, in its order."""
REQUIRED: Final = ("event_date", "event_type", "latitude", "longitude")
DATE_FORMATS: Final = ("%d %B %Y", "%d-%B-%Y", "%d/%m/%Y", "%m/%d/%Y")
DEFAULT_GEO: Final = GeoPrecision.NEAR
"""For files without ``geo_precision``: the middle code, neither the best nor the worst."""


def read_acled(lines: Iterable[str], ctx: c.Context) -> Iterator[Row]:
    """One Imported or Reject per data row of an ACLED CSV (header first); an Exported per row
    of this program's own ACLED export."""
    rows = c.CsvRows.open(lines, REQUIRED, "ACLED")
    has_id = "event_id_cnty" in rows.header

    def identify(row: dict[str, str]) -> str:
        return row["event_id_cnty"].strip() if has_id else c.content_id(list(row.values()))

    def make(row: dict[str, str], dataset: str, dataset_id: str) -> dict[str, Any]:
        return acled_body(row, dataset_id, dataset, ctx)

    reader = reading.RowReader(
        "acled", ctx.dataset or DATASET, ctx.dataset, identify, make,
        "event_id_cnty" if has_id else None, legacy=reading.is_legacy(rows.header, COLUMNS),
    )  # fmt: skip
    return reading.read_rows(rows, reader)


def acled_body(
    row: dict[str, str], dataset_id: str, dataset: str, ctx: c.Context
) -> dict[str, Any]:
    get = row.get
    when = c.day(row["event_date"], "event_date", ctx, DATE_FORMATS)
    precision = _code(get("time_precision"), "time_precision", DatePrecision.from_acled)
    lat, lon = c.coordinates(row["latitude"], row["longitude"], ctx, ("latitude", "longitude"))
    geo = _code(get("geo_precision"), "geo_precision", GeoPrecision.from_acled)
    event_type, sub = row["event_type"].strip(), (get("sub_event_type") or "").strip()
    if not event_type:
        raise c.RowError("event_type", "", "the event type is empty")
    actor1, actor2 = (get("actor1") or "").strip(), (get("actor2") or "").strip()
    fatalities = (get("fatalities") or "").strip()
    killed = c.count(fatalities, "fatalities") if fatalities else None
    place = get("location") or ""
    return c.observation(
        dates={
            "start": when.isoformat(),
            "end": when.isoformat(),
            "precision": (precision or DatePrecision.DAY).value,
        },
        location=c.location(
            lat,
            lon,
            (geo or DEFAULT_GEO).value,
            place=place,
            admin1=get("admin1") or "",
            admin2=get("admin2") or "",
            country=c.country_code(get("country") or ""),
        ),
        event_type=f"{event_type}: {sub}" if sub else event_type,
        act=ctx.acts.for_acled(event_type, sub),
        alleged_party=c.party_of(actor1),
        actors=c.names(actor1, get("assoc_actor_1") or "", actor2, get("assoc_actor_2") or ""),
        targets=["civilians"] if (get("civilian_targeting") or "").strip() else None,
        casualties=None if killed is None else {"killed": {"unknown": killed}},
        narrative=(get("notes") or "").strip() or _sentence(row, event_type, sub, place),
        sources=[c.source("ACLED", ctx, get("source") or "")],
        origin=c.origin(dataset, dataset_id, ctx.release, row),
    )


def _code(text: str | None, name: str, decode: Any) -> Any:
    if text is None or not text.strip():
        return None
    try:
        return decode(int(text))
    except ValueError:
        raise c.RowError(name, text, f"not an ACLED {name} code") from None
    except InvalidInput as exc:
        raise c.RowError(name, text, exc.message) from None


def _sentence(row: dict[str, str], event_type: str, sub: str, place: str) -> str:
    what = sub or event_type
    actors = " and ".join(a for a in (row.get("actor1", ""), row.get("actor2", "")) if a)
    where = f" at {place}" if place else ""
    who = f" involving {actors}" if actors else ""
    return f"{what}{who}{where} on {row['event_date']} (ACLED)."
