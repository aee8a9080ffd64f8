"""``ceasefire geo``: which side of the border a point is on, and which place a name means,
against the agreement in force (its sectors and the places it names)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import typer

from ceasefire.cli import output
from ceasefire.cli.casework_common import reading
from ceasefire.cli.common import DatabaseOption, DataOption, JsonOption
from ceasefire.domain.report_places import GeoPrecision
from ceasefire.errors import NotFound
from ceasefire.geo import HOLDS, LookupStatus, Place, PlaceKind
from ceasefire.services import geography

app = typer.Typer(
    rich_markup_mode=None,
    help="The border and the gazetteer: where a point lies, what a place name means.",
    no_args_is_help=True,
)


@app.command("where")
def where(
    latitude: Annotated[float, typer.Argument(help="Latitude, WGS 84.")],
    longitude: Annotated[float, typer.Argument(help="Longitude, WGS 84.")],
    precision: Annotated[
        GeoPrecision, typer.Option(help="How well the point is known.")
    ] = GeoPrecision.EXACT,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Which side of the border a point lies on, how far from the line, in which sector."""
    with reading(data, database_url) as store:
        found = geography.position(geography.agreement_of(store), latitude, longitude, precision)
    if json:
        output.json_line(asdict(found) | {"side": found.side.value})
        return
    output.data(found.side.value)
    output.info(found.reason)
    output.info(f"sector: {found.sector or '— (outside every sector)'}")


@app.command("lookup")
def lookup(
    name: Annotated[str, typer.Argument(help="A place name, in any spelling or script.")],
    country: Annotated[str | None, typer.Option(help="PK or AF.")] = None,
    province: Annotated[str | None, typer.Option(help="The province (admin1).")] = None,
    kind: Annotated[PlaceKind | None, typer.Option(help="place, province or country.")] = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """The place(s) a name means; several when it is ambiguous (narrow with the options)."""
    with reading(data, database_url) as store:
        found = geography.lookup(
            geography.agreement_of(store), name, country=country, admin1=province, kind=kind
        )
    if json:  # the document also when nothing is found: it holds the suggestions
        output.json_line(
            {
                "query": found.query,
                "status": found.status.value,
                "candidates": [_place(p) for p in found.candidates],
                "suggestions": list(found.suggestions),
            }
        )
    if found.status is LookupStatus.NOT_FOUND:
        hint = f"; did you mean {', '.join(found.suggestions)}?" if found.suggestions else ""
        raise NotFound(f"no place called {name!r}{hint} ({HOLDS})", field="name")
    if json:
        return
    if found.status is LookupStatus.AMBIGUOUS:
        output.info(f"{name!r} is ambiguous: narrow it with --country, --province or --kind")
    output.table(
        "places",
        ["name", "kind", "latitude", "longitude", "province", "country", "precision", "source"],
        [
            [
                p.name,
                p.kind.value,
                f"{p.latitude:.4f}",
                f"{p.longitude:.4f}",
                p.admin1 or "—",
                p.country,
                p.precision.value,
                p.source.value,
            ]
            for p in found.candidates
        ],
    )


def _place(place: Place) -> dict[str, Any]:
    return {
        "name": place.name,
        "kind": place.kind.value,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "admin1": place.admin1,
        "admin1_code": place.admin1_code,
        "country": place.country,
        "precision": place.precision.value,
        "source": place.source.value,
        "sector": place.sector,
    }
