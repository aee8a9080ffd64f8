"""Valid report bodies for tests, with realistic values; overrides replace top-level fields.

Each call returns fresh containers, so a test may change nested values freely. An override of
``None`` reads as an absent field (bodies never hold nulls).
"""

from __future__ import annotations

from typing import Any

SPIN_BOLDAK = {
    "latitude": 31.00575,
    "longitude": 66.40001,
    "precision": "near",
    "place": "Spin Boldak",
    "admin1": "Kandahar",
    "admin2": "Spin Boldak",
    "country": "AF",
    "sector": "chaman-spin-boldak",
}

TORKHAM: dict[str, Any] = {
    "latitude": 34.1006,
    "longitude": 71.0922,
    "precision": "exact",
    "country": "PK",
}
"""The Torkham crossing, naming no sector, as ACLED and UCDP rows give a place: in Torkham's box
alone."""
BLURRED_OVER_AN_EDGE: dict[str, Any] = {
    "latitude": 33.74,
    "longitude": 70.61,
    "precision": "near",
    "country": "PK",
    "blur_km": 10,
}
"""A blurred place naming no sector: the point lies in Torkham's box alone (just east of
Kurram's), the point the public sees, (33.7765, 70.571262), in both and nearer Kurram's
centre."""


def allegation_body(**overrides: Any) -> dict[str, Any]:
    """An airstrike near Spin Boldak, Kandahar, on 15 October 2025, alleged against Pakistan."""
    body: dict[str, Any] = {
        "kind": "allegation",
        "dates": {"start": "2025-10-15", "end": "2025-10-15", "precision": "day"},
        "location": dict(SPIN_BOLDAK),
        "act": "airstrike",
        "alleged_party": "pk",
        "actors": ["Pakistan Air Force"],
        "targets": ["residential compound", "market"],
        "casualties": {
            "killed": {"civilian": {"low": 12, "best": 15, "high": 20}},
            "injured": {"civilian": 25, "unknown": 3},
        },
        "narrative": (
            "Residents report aircraft striking a residential compound and the nearby market "
            "on the night of 15 October 2025."
        ),
        "language": "en",
        "sources": [
            {
                "name": "Bakhtar News Agency",
                "kind": "media",
                "reliability": "C",
                "credibility": 3,
                "reference": "https://bakhtarnews.af/en/",
            },
            {"name": "Resident of Wesh", "kind": "witness", "reliability": "F", "credibility": 2},
        ],
        "clauses": ["1", "2(a)"],
    }
    return body | overrides


def compliance_body(**overrides: Any) -> dict[str, Any]:
    """Afghanistan reports a militant hideout dismantled in Paktika."""
    body: dict[str, Any] = {
        "kind": "compliance_claim",
        "commitment": "af-dismantle-hideouts",
        "step": "hideout_dismantled",
        "dates": {"start": "2025-10-30", "end": "2025-10-31", "precision": "day"},
        "location": {
            "latitude": 32.72,
            "longitude": 69.3,
            "precision": "district",
            "admin1": "Paktika",
            "admin2": "Barmal",
            "country": "AF",
        },
        "narrative": "A compound used by armed men was searched, cleared and demolished.",
        "language": "en",
        "sources": [
            {
                "name": "Ministry of Interior",
                "kind": "party",
                "reliability": "D",
                "credibility": 3,
            }
        ],
    }
    return body | overrides


def observation_body(row: str = "570001", **overrides: Any) -> dict[str, Any]:
    """A UCDP row: Afghan and Pakistani forces exchanging fire at Spin Boldak, 15 October 2025.
    The record holds one active report per dataset row: another report needs another ``row``."""
    body: dict[str, Any] = {
        "kind": "observation",
        "dates": {"start": "2025-10-15", "end": "2025-10-15", "precision": "day"},
        "location": dict(SPIN_BOLDAK),
        "event_type": "state-based",
        "act": "artillery_fire",
        "actors": ["Government of Afghanistan", "Government of Pakistan"],
        "casualties": {"killed": {"unknown": {"low": 12, "best": 15, "high": 40}}},
        "narrative": "Clashes between Afghan and Pakistani forces in Spin Boldak district.",
        "language": "en",
        "sources": [{"name": "UCDP GED", "kind": "dataset", "reliability": "B", "credibility": 2}],
        "origin": {
            "dataset": "ucdp-candidate",
            "release": "25.0.10",
            "id": row,
            "attributes": {"id": row, "where_prec": "2", "best": "15"},
        },
    }
    return body | overrides


WITHHELD_WITNESS: dict[str, Any] = {
    "name": "Gul Khan",
    "kind": "witness",
    "reliability": "C",
    "credibility": 3,
    "withheld": True,
}
"""A source whose name no public view may show (the name also appears in the narrative)."""


def protected_body(**overrides: Any) -> dict[str, Any]:
    """An allegation that protects its reporter: a withheld witness, named in the narrative,
    and a place blurred to 5 km."""
    body = allegation_body(
        location={**SPIN_BOLDAK, "blur_km": 5},
        sources=[dict(WITHHELD_WITNESS)],
        narrative="Gul Khan saw the aircraft strike the compound.",
    )
    return body | overrides
