"""``GET /status`` is written from each explanation's kept JSON (``Evaluation.to_json``) and
the open allegations are counted incrementally (``enforcement_counts.open_allegations``): both
must give, byte for byte, what ``JSONResponse(evaluation.to_document())`` gives for an
evaluation made from scratch — on the Istanbul scenario and with thousands of open
allegations, grown one at a time, in strides, and with one resolved in the middle."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from starlette.responses import JSONResponse

from ceasefire.api.app import create_app
from ceasefire.domain import enforcement_counts, moments
from ceasefire.domain.agreements import Agreement
from ceasefire.domain.enforcement import Evaluation, assess
from ceasefire.domain.enforcement_explain import Explanation, Run
from ceasefire.domain.facts import Allegation, Facts
from ceasefire.services import casework
from ceasefire.settings import Settings
from ceasefire.storage.log_store import SqlLogStore
from tests.api.conftest import TestClient

MANY = 3_000


def _old_bytes(evaluation: Evaluation) -> bytes:
    """What the route answered before: the document, written by FastAPI's JSONResponse."""
    return bytes(JSONResponse(evaluation.to_document()).body)


def _fresh(agreement: Agreement, facts: Facts, evaluation: Evaluation) -> Evaluation:
    """The same evaluation with nothing kept from earlier ones: the allegations are copies
    (equal values, other objects) and the last count is forgotten."""
    enforcement_counts._last.clear()
    copies = tuple(replace(a) for a in facts.allegations)
    return assess(agreement, replace(facts, allegations=copies), evaluation.as_of)


def _allegations(agreement: Agreement, count: int, start: int) -> tuple[Allegation, ...]:
    acts = [act.id for act in agreement.acts]
    parties = [party.id for party in agreement.parties]
    return tuple(
        Allegation(
            f"r{n:06d}",
            start + n,
            acts[n % len(acts)],
            parties[n % len(parties)],
            date(2025, 11, 1) + timedelta(days=n % 40),
            "torkham" if n % 3 else None,
        )
        for n in range(count)
    )


def test_the_scenario_status_is_the_document_written_by_jsonresponse(
    folder: Path, played: SqlLogStore
) -> None:
    evaluation = casework.status(played)
    casework_, agreement = casework.load(played, evaluation.as_of)
    fresh = _fresh(agreement, casework_.facts(), evaluation)
    assert evaluation.to_json().encode() == _old_bytes(evaluation) == _old_bytes(fresh)
    assert json.loads(evaluation.to_json()) == fresh.to_document()
    with TestClient(create_app(Settings(data=folder))) as client:
        answer = client.get("/api/v1/status")
    as_of = moments.parse_as_of(json.loads(answer.content)["as_of"])
    assert answer.content == _old_bytes(casework.status(played, as_of))


def test_thousands_of_open_allegations_grown_one_by_one_give_the_same_bytes(
    played: SqlLogStore,
) -> None:
    casework_, agreement = casework.load(played, None)
    base = casework_.facts()
    moment = casework.status(played).as_of
    extra = _allegations(agreement, MANY + 40, 100_000)
    sizes = [MANY, *range(MANY + 1, MANY + 6), MANY + 20, MANY + 40]
    for size in sizes:
        facts = replace(base, allegations=(*base.allegations, *extra[:size]))
        grown = assess(agreement, facts, moment)
        written = grown.to_json().encode()
        assert written == _old_bytes(grown), f"at {size}"
        assert written == _old_bytes(_fresh(agreement, facts, grown)), f"at {size}"
        assert grown.to_document() == json.loads(written)
        # the next one grows from this one's count again
        assess(agreement, facts, moment).to_json()


def test_an_allegation_resolved_in_the_middle_is_counted_afresh(played: SqlLogStore) -> None:
    casework_, agreement = casework.load(played, None)
    base = casework_.facts()
    moment = casework.status(played).as_of
    extra = list(_allegations(agreement, 500, 100_000))
    facts = replace(base, allegations=(*base.allegations, *extra))
    assess(agreement, facts, moment).to_json()
    extra[200] = replace(extra[200], resolved_at=200_000)
    facts = replace(base, allegations=(*base.allegations, *extra))
    after = assess(agreement, facts, moment)
    assert after.to_json().encode() == _old_bytes(_fresh(agreement, facts, after))
    texts = after.to_json()
    assert f"allegation {extra[200].report}:" not in texts
    assert f"allegation {extra[201].report}:" in texts


def test_allegations_out_of_index_order_count_as_a_fresh_count_does(
    played: SqlLogStore,
) -> None:
    casework_, agreement = casework.load(played, None)
    base = casework_.facts()
    moment = casework.status(played).as_of
    extra = _allegations(agreement, 300, 100_000)
    first = replace(base, allegations=(*base.allegations, *extra[100:]))
    assess(agreement, first, moment).to_json()
    # older allegations after the ones counted last: not an extension, counted afresh
    second = replace(base, allegations=(*base.allegations, *extra[100:], *extra[:100]))
    after = assess(agreement, second, moment)
    assert after.to_json().encode() == _old_bytes(_fresh(agreement, second, after))


def test_a_kept_run_writes_what_its_explanations_write() -> None:
    leaves = tuple(Explanation(f"leaf {n} «ü»", n % 2 == 0, (n, n + 1)) for n in range(6))
    short = Run(leaves[:2])
    short.json(), short.indices()
    longer = short.extended(leaves[2:])
    node = Explanation.over("count: 6", None, longer)
    plain = Explanation("count: 6", None, node.indices, leaves)
    assert node == plain
    assert node.to_json() == json.dumps(
        plain.to_document(), ensure_ascii=False, separators=(",", ":")
    )
    assert node.all_indices() == plain.all_indices() == tuple(range(7))
