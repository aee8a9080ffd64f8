"""Place names to points, provinces and precision codes, for Pakistan and Afghanistan.

:meth:`Gazetteer.lookup` matches a name on its key (:func:`ceasefire.geo.names.name_key`)
against every name of every place, so transliterations and scripts meet. It never guesses:

- ``found``: one place matches (after the hints), with the precision a report located by it
  gets (a populated place ``exact``, a province ``province``, a country ``country``);
- ``ambiguous``: several distinct places match (the same name in both countries, in two
  provinces, a city and its province); all are returned, and hints (``country``, ``admin1``,
  ``kind``, a point ``near`` which to look) narrow them;
- ``not_found``: nothing matches; close names are suggested (:mod:`difflib` and prefixes).

A name the index lacks that ends in a word saying what kind of place it is, as UCDP's
``where_coordinates`` do ("Miranshah town", "Balochistan province", "Swat district"), is looked
up without that word, among the places of that kind only (:data:`FEATURE_KINDS`): "Karachi
town" is the town of Karachi, never the province of that name. Any other last word stays part
of the name, so a unit the gazetteer does not hold (a district, an agency, a tehsil, a valley)
matches nothing: "Bannu district" is not the town of Bannu, and a district-level point may lie
far from its town.

Places the agreement names win over GeoNames on a shared name: a GeoNames place of the same
name and country within :data:`MERGE_KM` is taken to be the same place and yields to it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from ceasefire.domain.report_places import GeoPrecision
from ceasefire.geo.names import name_key
from ceasefire.geo.places import (
    ExtraPlace,
    Place,
    PlaceKind,
    Source,
    agreement_places,
    countries,
    geonames_places,
    provinces,
)
from ceasefire.geo.spherical import haversine_km

MERGE_KM: Final = 10.0
"""An agreement place and a GeoNames place of the same name this close are one place."""
FEATURE_KINDS: Final = {
    "town": PlaceKind.PLACE,
    "city": PlaceKind.PLACE,
    "village": PlaceKind.PLACE,
    "province": PlaceKind.PROVINCE,
    "country": PlaceKind.COUNTRY,
}
"""A name's last word, and the kind of place it makes the rest of the name."""
NEAR_KM: Final = 100.0
"""How far from the ``near`` point a candidate may lie, by default."""
MAX_SUGGESTIONS: Final = 5
HOLDS: Final = (
    "the gazetteer holds towns of 500 people or more, the provinces, the two countries and the "
    "agreement's places, not districts or villages"
)
"""What a name not found may have been looked for in, for the messages that say so."""


class LookupStatus(StrEnum):
    FOUND = "found"
    AMBIGUOUS = "ambiguous"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Lookup:
    """The answer for one name: the candidates, and suggestions when there are none."""

    query: str
    status: LookupStatus
    candidates: tuple[Place, ...] = ()
    suggestions: tuple[str, ...] = ()

    @property
    def place(self) -> Place | None:
        """The place, when exactly one was found."""
        return self.candidates[0] if self.status is LookupStatus.FOUND else None

    @property
    def precision(self) -> GeoPrecision | None:
        place = self.place
        return place.precision if place else None


class Gazetteer:
    """An index of places by every name they go by."""

    def __init__(self, places: Iterable[Place]) -> None:
        self._index: dict[str, list[Place]] = {}
        for place in places:
            for key in {name_key(n) for n in place.names} - {""}:
                self._index.setdefault(key, []).append(place)
        for key, found in self._index.items():
            self._index[key] = _merge(found)
        self._admin1: dict[str, set[str]] = {}
        for place in provinces():
            for name in (*place.names, place.admin1_code or ""):
                self._admin1.setdefault(name_key(name), set()).add(place.admin1_code or "")

    @classmethod
    def default(cls, extra: Sequence[ExtraPlace] = ()) -> Gazetteer:
        """Provinces, countries, GeoNames places, and the ``extra`` places of the agreement."""
        return cls((*agreement_places(extra), *provinces(), *countries(), *geonames_places()))

    def __len__(self) -> int:
        return len({id(p) for found in self._index.values() for p in found})

    def lookup(
        self,
        name: str,
        *,
        country: str | None = None,
        admin1: str | None = None,
        kind: PlaceKind | None = None,
        near: tuple[float, float] | None = None,
        near_km: float = NEAR_KM,
        suggest: bool = True,
    ) -> Lookup:
        """The places called ``name``, narrowed by the hints given (see the module docstring);
        without ``suggest``, a name not found gets no suggestions (they cost a comparison with
        every name the gazetteer holds: milliseconds, where a lookup is microseconds)."""
        found = self._index.get(name_key(name)) or self._by_feature(name)
        if not found:
            suggestions = self.suggest(name) if suggest else ()
            return Lookup(name, LookupStatus.NOT_FOUND, suggestions=suggestions)
        narrowed = [
            p
            for p in found
            if (country is None or p.country == country.upper())
            and (admin1 is None or p.admin1_code in self.admin1_codes(admin1))
            and (kind is None or p.kind == kind)
            and (near is None or _distance(p, near) <= near_km)
        ]
        if not narrowed:
            hint = tuple(p.describe() for p in found)
            return Lookup(name, LookupStatus.NOT_FOUND, suggestions=hint[:MAX_SUGGESTIONS])
        if near is not None:
            narrowed.sort(key=lambda p: _distance(p, near))
        status = LookupStatus.FOUND if len(narrowed) == 1 else LookupStatus.AMBIGUOUS
        return Lookup(name, status, tuple(narrowed))

    def admin1_codes(self, name: str) -> set[str]:
        """The ISO 3166-2 codes of the provinces called ``name`` ("Balochistan province" is
        Balochistan); empty when the name is no province's."""
        found = self._admin1.get(name_key(name))
        if found is None:
            stem, kind = _kind_word(name)
            found = self._admin1.get(name_key(stem)) if kind is PlaceKind.PROVINCE else None
        return set(found or ())

    def _by_feature(self, name: str) -> list[Place]:
        """The places of ``name`` without its last word, of the kind that word says."""
        stem, kind = _kind_word(name)
        if kind is None:
            return []
        return [p for p in self._index.get(name_key(stem), []) if p.kind is kind]

    def suggest(self, name: str) -> tuple[str, ...]:
        """Names close to ``name``: keys it begins, then close spellings (difflib)."""
        key = name_key(name)
        if not key:
            return ()
        prefixed = sorted(k for k in self._index if len(key) >= 3 and k.startswith(key))
        close = difflib.get_close_matches(key, self._index, n=MAX_SUGGESTIONS, cutoff=0.75)
        names: list[str] = []
        for k in (*close, *prefixed):
            for place in self._index[k]:
                if place.name not in names:
                    names.append(place.name)
        return tuple(names[:MAX_SUGGESTIONS])


def _kind_word(name: str) -> tuple[str, PlaceKind | None]:
    """``name`` without its last word and the kind that word says ("Wana town": ``("Wana",
    PLACE)``); the kind is None when the last word says none, or is the only word."""
    stem, _, word = name.strip().rpartition(" ")
    return stem, FEATURE_KINDS.get(word.lower()) if stem.strip() else None


def _distance(place: Place, point: tuple[float, float]) -> float:
    return float(haversine_km(place.latitude, place.longitude, point[0], point[1]))


def _merge(found: list[Place]) -> list[Place]:
    """Drop GeoNames places that an agreement place of the same name stands for."""
    ours = [p for p in found if p.source is Source.AGREEMENT]
    if not ours:
        return found
    return [
        p
        for p in found
        if p.source is not Source.GEONAMES
        or not any(
            o.country == p.country and _distance(p, (o.latitude, o.longitude)) <= MERGE_KM
            for o in ours
        )
    ]


__all__ = ["HOLDS", "Gazetteer", "Lookup", "LookupStatus", "PlaceKind"]
