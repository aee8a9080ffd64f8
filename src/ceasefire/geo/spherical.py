"""Distances on the sphere, and the flat map the border search runs on.

Distances are great-circle distances on a sphere of the mean Earth radius (haversine): within
0.5 % of the ellipsoid everywhere, far below the precision of any report. The search for the
nearest point of the border runs on a Lambert conformal conic map with standard parallels 26°
and 36° N, which spans Pakistan and Afghanistan with a scale error under 1.5 %. The map is
conformal, so a right angle on the map is one on the ground: the foot of the perpendicular found
on the map is the nearest point on the ground, and its distance is then measured by haversine.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_KM: Final = 6371.0088
"""The mean Earth radius (IUGG)."""

Floats = npt.NDArray[np.float64]

_PHI1: Final = math.radians(26.0)
_PHI2: Final = math.radians(36.0)
_PHI0: Final = math.radians(31.0)
_LAMBDA0: Final = math.radians(69.0)


def _t(phi: float) -> float:
    return math.tan(math.pi / 4 + phi / 2)


_N: Final = math.log(math.cos(_PHI1) / math.cos(_PHI2)) / math.log(_t(_PHI2) / _t(_PHI1))
_F: Final = math.cos(_PHI1) * _t(_PHI1) ** _N / _N
_RHO0: Final = EARTH_RADIUS_KM * _F / _t(_PHI0) ** _N


def haversine_km(
    lat1: Floats | float, lon1: Floats | float, lat2: Floats | float, lon2: Floats | float
) -> Floats:
    """The great-circle distance in km between points given in degrees (arrays broadcast)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dlam = p2 - p1, np.radians(np.subtract(lon2, lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlam / 2) ** 2
    result: Floats = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return result


MAP_LIMIT_DEGREES = 89.0


def to_map(lat: Floats, lon: Floats) -> tuple[Floats, Floats]:
    """Degrees to map kilometres (x east, y north) on the Lambert conformal conic.

    The south pole maps to infinity; latitudes are held within ±89° (a point that far from
    the region is thousands of kilometres from the border whichever way it is rounded)."""
    lat = np.clip(lat, -MAP_LIMIT_DEGREES, MAP_LIMIT_DEGREES)
    rho = EARTH_RADIUS_KM * _F / np.tan(np.pi / 4 + np.radians(lat) / 2) ** _N
    theta = _N * (np.radians(lon) - _LAMBDA0)
    return rho * np.sin(theta), _RHO0 - rho * np.cos(theta)


def from_map(x: Floats, y: Floats) -> tuple[Floats, Floats]:
    """Map kilometres back to degrees (latitude, longitude): the inverse of :func:`to_map`."""
    dy = _RHO0 - y
    rho = np.hypot(x, dy)
    theta = np.arctan2(x, dy)
    lat = np.degrees(2 * np.arctan((EARTH_RADIUS_KM * _F / rho) ** (1 / _N)) - np.pi / 2)
    return lat, np.degrees(_LAMBDA0 + theta / _N)
