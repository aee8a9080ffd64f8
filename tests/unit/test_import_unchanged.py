"""What a re-import counts as unchanged: the same row of a dataset, whatever its release."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ceasefire.domain import projection as pj
from ceasefire.interchange.rows import Imported
from ceasefire.services.imports import unchanged
from tests.report_bodies import observation_body

RELEASES = st.sampled_from(["", "25.0.10", "26.0.2", "26.0.3", "26.1"])
VALUES = st.text(st.characters(codec="utf-8"), max_size=12)


def released(release: str, **attributes: str) -> dict[str, Any]:
    body = observation_body()
    origin = dict(body["origin"], attributes=dict(body["origin"]["attributes"], **attributes))
    origin.pop("release")
    if release:
        origin["release"] = release
    source = dict(body["sources"][0], name=f"UCDP Candidate {release}".strip())
    return body | {"origin": origin, "sources": [source]}


def row(body: dict[str, Any]) -> Imported:
    return Imported(2, body["origin"]["dataset"], body["origin"]["id"], body)


def held(body: dict[str, Any]) -> dict[str, Any]:
    """A report's row as the store gives it back: its body as canonical JSON, its digest."""
    return {"body": pj.canonical_text(body), "digest": pj.content_digest(body)}


@given(RELEASES, RELEASES, VALUES)
def test_a_row_another_release_left_alone_is_unchanged(before: str, after: str, value: str) -> None:
    assert unchanged(row(released(after, note=value)), held(released(before, note=value)))


@given(RELEASES, RELEASES, VALUES, VALUES)
def test_a_row_whose_column_changed_is_changed(before: str, after: str, old: str, new: str) -> None:
    changed = unchanged(row(released(after, note=new)), held(released(before, note=old)))
    assert changed is (old == new)


def test_a_changed_value_outside_the_columns_is_a_change_too() -> None:
    body = released("26.0.2")
    moved = body | {"location": dict(body["location"], latitude=31.2)}
    assert not unchanged(row(moved), held(body))
    assert json.loads(held(body)["body"]) == body


def test_without_the_body_only_the_same_digest_is_unchanged() -> None:
    body = released("26.0.2")
    assert unchanged(row(body), {"body": None, "digest": pj.content_digest(body)})
    assert not unchanged(row(released("26.0.3")), {"body": None, "digest": pj.content_digest(body)})


def test_a_source_graded_anew_is_a_change() -> None:
    body = released("26.0.2")
    regraded = body | {"sources": [dict(body["sources"][0], reliability="C")]}
    assert not unchanged(row(regraded), held(body))
