"""A report written in a form, as the body its author signs.

The web interface's Submit page sends the fields as typed; this module turns them into a
report body, places it (a point picked on the map, or a place name the gazetteer knows), and
checks it the way admission will, against the agreement in force and the author's party. A
refusal names the form's own field, so the page can show the message beside it. Nothing is
signed or stored here: the browser signs the body with the author's key and posts it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

from ceasefire.domain.actors import Actor
from ceasefire.domain.report_places import GeoPrecision
from ceasefire.domain.reports import check_report, parse_report
from ceasefire.errors import InvalidInput
from ceasefire.services import geography
from ceasefire.services.ports import Store

KINDS: Final = ("allegation", "compliance_claim")
MAX_COUNT: Final = 100_000

_FORM_FIELD: Final = (
    ("dates", "date"),
    ("location", "place"),
    ("casualties.killed", "killed"),
    ("casualties.injured", "injured"),
    ("casualties", "killed"),
    ("sources", "source_name"),
    ("alleged_party", "alleged_party"),
    ("act", "act"),
    ("commitment", "commitment"),
    ("step", "step"),
    ("narrative", "narrative"),
    ("language", "language"),
    ("kind", "kind"),
)
"""Where a body's field is typed in the form: the first prefix that matches wins."""


class FormError(InvalidInput):
    """A form's field is wrong: ``field`` is the form's own name for it."""


def report_body(
    store: Store, author: Actor, form: Mapping[str, str], *, today: date
) -> dict[str, Any]:
    """The report body the form describes, checked as admission checks it; FormError names
    the first field at fault."""
    kind = _choice(form, "kind", KINDS)
    day = _day(form, "date", today)
    body: dict[str, Any] = {
        "kind": kind,
        "dates": {"start": day, "end": day, "precision": "day"},
        "narrative": _required(form, "narrative"),
        "language": form.get("language", "").strip() or "en",
        "sources": [_source(form, author)],
    }
    location = _location(store, form, required=kind == "allegation")
    if location is not None:
        body["location"] = location
    if kind == "allegation":
        body["act"] = _required(form, "act")
        body["alleged_party"] = _required(form, "alleged_party")
        body["actors"], body["targets"] = [], []
        casualties = {
            name: {"unknown": count}
            for name in ("killed", "injured")
            if (count := _count(form, name)) is not None
        }
        body["casualties"] = casualties
    else:
        body["commitment"] = _required(form, "commitment")
        body["step"] = _required(form, "step")
    _check(store, author, body)
    return body


def _check(store: Store, author: Actor, body: Mapping[str, Any]) -> None:
    try:
        report = parse_report(body)
        check_report(report, geography.agreement_of(store), submitter_party=author.affiliation)
    except InvalidInput as exc:
        raise FormError(exc.message, field=_form_field(exc.field or "")) from exc


def _form_field(path: str) -> str:
    for prefix, name in _FORM_FIELD:
        if path == prefix or path.startswith((prefix + ".", prefix + "[")):
            return name
    return "narrative"


def _location(store: Store, form: Mapping[str, str], *, required: bool) -> dict[str, Any] | None:
    """The point picked on the map (with the precision chosen), else the place named; the
    border side's country and the agreement's sector are worked out from the point."""
    agreement = geography.agreement_of(store)
    place = form.get("place", "").strip()
    latitude, longitude = form.get("latitude", "").strip(), form.get("longitude", "").strip()
    if latitude or longitude:
        lat, lon = _number(latitude, "latitude"), _number(longitude, "longitude")
        precision = _precision(form.get("precision", "") or "near")
        names: dict[str, Any] = {"place": place} if place else {}
    elif place:
        found = geography.lookup(agreement, place)
        if found.place is None:
            some = [f"{c.name} ({c.kind}, {c.admin1 or c.country})" for c in found.candidates[:5]]
            why = (
                f"“{place}” may be {', '.join(some)}: pick the place on the map or name it fully"
                if some
                else f"no place called “{place}” is known: pick it on the map"
                + (
                    f" (did you mean {', '.join(found.suggestions[:3])}?)"
                    if found.suggestions
                    else ""
                )
            )
            raise FormError(field="place", message=why)
        lat, lon = found.place.latitude, found.place.longitude
        precision = found.precision or GeoPrecision.NEAR
        names = {"place": found.place.name, "admin1": found.place.admin1}
        names = {k: v for k, v in names.items() if v}
    elif required:
        raise FormError(field="place", message="pick the place on the map, or type a place name")
    else:
        return None
    where = geography.position(agreement, lat, lon, precision)
    location: dict[str, Any] = {"latitude": round(lat, 5), "longitude": round(lon, 5)}
    location |= {"precision": precision.value} | names
    if where.country:
        location["country"] = where.country
    if where.sector:
        location["sector"] = where.sector
    return location


def _source(form: Mapping[str, str], author: Actor) -> dict[str, Any]:
    """Who says so: by default the author's own office, a party source not yet graded."""
    name = form.get("source_name", "").strip() or f"{author.id} ({author.role})"
    kind = "party" if author.affiliation else "monitor"
    return {"name": name, "kind": kind, "reliability": "F", "credibility": 6}


def _required(form: Mapping[str, str], name: str) -> str:
    value = form.get(name, "").strip()
    if not value:
        raise FormError(field=name, message="this is required")
    return value


def _choice(form: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = form.get(name, "").strip()
    if value not in allowed:
        raise FormError(
            field=name, message=f"expected one of {', '.join(allowed)}, found {value!r}"
        )
    return value


def _day(form: Mapping[str, str], name: str, today: date) -> str:
    text = form.get(name, "").strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise FormError(
            field=name, message=f"expected a date such as 2025-10-15, found {text!r}"
        ) from None
    if day > today:
        raise FormError(field=name, message=f"{day.isoformat()} is in the future")
    return day.isoformat()


def _count(form: Mapping[str, str], name: str) -> int | None:
    text = form.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > MAX_COUNT:
        raise FormError(
            field=name, message=f"expected a whole number from 0 to {MAX_COUNT}, found {text!r}"
        )
    return int(text)


def _number(text: str, name: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise FormError(field="place", message=f"the {name} {text!r} is not a number") from None


def _precision(text: str) -> GeoPrecision:
    try:
        return GeoPrecision(text)
    except ValueError:
        allowed = ", ".join(p.value for p in GeoPrecision)
        raise FormError(
            field="precision", message=f"expected one of {allowed}, found {text!r}"
        ) from None
