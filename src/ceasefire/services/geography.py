"""Where a report is, against the agreement in force: the border, the sectors, the place names.

The geometry and the gazetteer are :mod:`ceasefire.geo` (real boundary and GeoNames data); this
module supplies what the agreement adds — its sectors and the places it names that gazetteers
lack — and answers the two questions the mechanism asks of any location: which side of the
border (with its precision taken into account) and which place a name means.
"""

from __future__ import annotations

from functools import cache

from ceasefire.domain.agreements import Agreement
from ceasefire.domain.report_places import GeoPrecision
from ceasefire.errors import InvalidInput
from ceasefire.geo import BorderPosition, Gazetteer, Lookup, PlaceKind, default_boundary
from ceasefire.services.agreements import require_in_force
from ceasefire.services.ports import Store


def agreement_of(store: Store) -> Agreement:
    return require_in_force(store).agreement


def position(
    agreement: Agreement, latitude: float, longitude: float, precision: GeoPrecision
) -> BorderPosition:
    """The side of the border a point lies on (``undetermined`` when its precision reaches the
    line), its distance from the line and the agreement's sector holding it."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise InvalidInput(
            f"expected latitude -90..90 and longitude -180..180, found {latitude}, {longitude}",
            field="latitude",
        )
    return default_boundary().position(latitude, longitude, precision, agreement.sectors)


def lookup(
    agreement: Agreement,
    name: str,
    *,
    country: str | None = None,
    admin1: str | None = None,
    kind: PlaceKind | None = None,
) -> Lookup:
    """The places a name means: GeoNames, the provinces, and the agreement's own places."""
    if not name.strip():
        raise InvalidInput("must not be empty", field="name")
    return gazetteer(agreement).lookup(name, country=country, admin1=admin1, kind=kind)


@cache
def gazetteer(agreement: Agreement) -> Gazetteer:
    """The gazetteer with the places of this version of the agreement (built once each)."""
    return Gazetteer.default(agreement.places)
