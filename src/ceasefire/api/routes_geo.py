"""Geography against the agreement in force: which side of the border a point is on, and which
place a name means.

Both answers are public and the same for every caller (``services.geography``): the boundary
and the gazetteer are published data, and the agreement's sectors and places are in its text.
An ambiguous name is an answer (200, ``status: ambiguous``, the candidates to choose from), not
an error.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from ceasefire.api.deps import StoreDep
from ceasefire.api.problems import documented
from ceasefire.api.routes_record import private
from ceasefire.api.schemas import BorderPositionOut, PlaceLookupOut
from ceasefire.domain.report_places import GeoPrecision
from ceasefire.geo import PlaceKind
from ceasefire.services import geography

router = APIRouter(
    tags=["geography"], dependencies=[Depends(private)], responses=documented(401, 404, 422)
)


@router.get("/geo/position", operation_id="get_border_position")
def border_position(
    store: StoreDep,
    latitude: Annotated[
        float, Query(gt=-90, lt=90, description="WGS 84 degrees (the poles excluded).")
    ],
    longitude: Annotated[float, Query(ge=-180, le=180, description="WGS 84 degrees.")],
    precision: Annotated[
        GeoPrecision, Query(description="How well the point is known.")
    ] = GeoPrecision.EXACT,
) -> BorderPositionOut:
    """The side of the border the point lies on (``undetermined`` when its precision reaches
    the line), its distance from the line and the agreement's sector holding it."""
    agreement = geography.agreement_of(store)
    return BorderPositionOut.of(geography.position(agreement, latitude, longitude, precision))


@router.get("/geo/places", operation_id="lookup_place")
def places(
    store: StoreDep,
    name: Annotated[str, Query(min_length=1, max_length=200, description="A place name.")],
    country: Annotated[str | None, Query(description="AF or PK.")] = None,
    province: Annotated[str | None, Query(description="A province's name or code.")] = None,
    kind: Annotated[PlaceKind | None, Query(description="place, province or country.")] = None,
) -> PlaceLookupOut:
    """The places a name may mean (GeoNames, the provinces and the agreement's own places)."""
    agreement = geography.agreement_of(store)
    found = geography.lookup(agreement, name, country=country, admin1=province, kind=kind)
    return PlaceLookupOut.of(found)
