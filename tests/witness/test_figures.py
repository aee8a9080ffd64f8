"""Comparing published documents with recomputed ones: where they part, and which events."""

from __future__ import annotations

from typing import Any

from ceasefire.witness import figures
from ceasefire.witness.figures import differences, events_of

STATUS: dict[str, Any] = {
    "status": "strained",
    "agreement_index": 1,
    "parties": [
        {"party": "pk", "step": 1, "explanation": {"text": "finding", "indices": [86, 87]}},
        {"party": "af", "step": 0, "explanation": {"text": "none", "indices": []}},
    ],
}


def test_equal_documents_have_no_differences() -> None:
    assert list(differences(STATUS, STATUS, "status")) == []


def test_each_changed_value_is_named_by_its_path() -> None:
    published = {**STATUS, "status": "holding", "parties": [dict(p) for p in STATUS["parties"]]}
    published["parties"][0] = {**published["parties"][0], "step": 2}
    assert list(differences(STATUS, published, "status")) == [
        ("status/parties/0/step", 1, 2),
        ("status/status", "strained", "holding"),
    ]


def test_a_list_of_another_length_is_one_difference() -> None:
    assert list(differences([1, 2], [1], "cases")) == [("cases", [1, 2], [1])]


def test_a_figure_names_the_events_of_the_innermost_object_that_has_them() -> None:
    assert events_of(STATUS, ["parties", "0", "explanation", "text"]) == (86, 87)
    assert events_of(STATUS, ["status"]) == (1,)


def test_an_object_without_indices_names_those_inside_it() -> None:
    incident = {"id": "x", "acts": ["airstrike"], "members": [{"index": 24}, {"index": 30}]}
    assert events_of([incident], ["0", "acts", "0"]) == (24, 30)


def test_booleans_are_not_indices() -> None:
    assert events_of({"confirmed_at": True, "index": 3}, []) == (3,)


def test_a_paged_list_is_read_whole_a_page_at_a_time() -> None:
    """The witness reads /cases (and /incidents) page by page, following next_cursor, so no
    request grows with the record."""

    class Paged:
        def __init__(self) -> None:
            self.requests: list[dict[str, Any]] = []

        def document(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
            assert path == "/cases"
            self.requests.append(params)
            start = int(params.get("cursor", 0))
            end = min(start + params["limit"], 450)
            following = str(end) if end < 450 else None
            return {"items": list(range(start, end)), "next_cursor": following}

    server = Paged()
    (cases,) = [f for f in figures.FIGURES if f.name == "cases"]
    assert cases.published(server, "2025-11-01T00:00:00Z") == list(range(450))  # type: ignore[arg-type]
    assert server.requests == [
        {"limit": figures.PAGE},
        {"limit": figures.PAGE, "cursor": "200"},
        {"limit": figures.PAGE, "cursor": "400"},
    ]
