"""``GET /reports?sector=``: a report is in the sector it names, or, naming none (as every
imported row), in the one its point lies in — the point the caller sees, so a blurred place is
found where it is shown and never where it is."""

from __future__ import annotations

from ceasefire.domain.agreement_toml import load_bundled
from ceasefire.domain.report_places import blurred_point
from ceasefire.domain.sectors import Sectors
from tests.api.conftest import Service
from tests.report_bodies import (
    BLURRED_OVER_AN_EDGE,
    SPIN_BOLDAK,
    TORKHAM,
    allegation_body,
    observation_body,
)

SECTORS = Sectors.of(load_bundled().sectors)


def listed(service: Service, persona: str | None, sector: str) -> tuple[set[str], int]:
    headers = service.auth(persona) if persona else {}
    page = service.client.get(f"/api/v1/reports?sector={sector}", headers=headers).json()
    return {item["id"] for item in page["items"]}, page["total"]


def test_a_report_naming_no_sector_is_listed_under_the_one_it_lies_in(service: Service) -> None:
    submit = service.mechanism.submit
    imported = submit("monitor", observation_body(location=dict(TORKHAM)))
    named = submit("af_liaison", allegation_body())
    elsewhere = submit("af_liaison", allegation_body(location={**TORKHAM, "sector": "kurram"}))

    for persona in (None, "af_liaison", "tr_mediator"):
        assert listed(service, persona, "torkham") == ({imported}, 1)
        assert listed(service, persona, "chaman-spin-boldak") == ({named}, 1)
        assert listed(service, persona, "kurram") == ({elsewhere}, 1)  # the name comes first
        assert listed(service, persona, "bajaur-kunar") == (set(), 0)


def test_a_blurred_place_is_in_the_sector_where_the_caller_sees_it(service: Service) -> None:
    where = BLURRED_OVER_AN_EDGE
    true_point = (float(where["latitude"]), float(where["longitude"]))
    shown = blurred_point(*true_point, float(where["blur_km"]))
    assert (SECTORS.holding(*true_point), SECTORS.holding(*shown)) == ("torkham", "kurram")
    blurred = service.mechanism.submit(
        "af_liaison", allegation_body(location=dict(BLURRED_OVER_AN_EDGE))
    )

    # The public sees the blurred point: in Kurram's share, and nowhere near the true one.
    assert listed(service, None, "kurram") == ({blurred}, 1)
    assert listed(service, None, "torkham") == (set(), 0)
    assert listed(service, "pk_liaison", "torkham") == (set(), 0)
    # Its submitter's side and the mediators see the true point.
    for persona in ("af_liaison", "tr_mediator"):
        assert listed(service, persona, "torkham") == ({blurred}, 1)
        assert listed(service, persona, "kurram") == (set(), 0)


def test_a_blurred_place_naming_its_sector_is_listed_under_it_for_everyone(
    service: Service,
) -> None:
    named = service.mechanism.submit(
        "af_liaison", allegation_body(location={**SPIN_BOLDAK, "blur_km": 25})
    )
    for persona in (None, "af_liaison"):
        assert listed(service, persona, "chaman-spin-boldak") == ({named}, 1)
