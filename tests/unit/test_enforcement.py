"""Enforcement against hand-computed outcomes, on the shipped agreement and small hand-made ones.

The shipped agreement (istanbul-2025): four negative commitments; four positive ones reported
every 14 days from 2025-11-20 with 2 days' grace (periods close 11-22, 12-06, 12-20 …); a
ladder of verified violations / missed deadlines / missed replies in 30 days (1, 2, 3, 5 …);
status rules: 0 breached by af (declared by pk) on a missed af deadline or a verified
attack_from_territory in 30 days; 1 breached by pk on a verified air or drone strike in 30
days; 2 breached at step 4; 3 strained on a verified violation in 14 days, three open
allegations or a missed deadline in 30 days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from ceasefire.domain.agreement_toml import load_bundled
from ceasefire.domain.agreements import Agreement, Status
from ceasefire.domain.enforcement import (
    CommitmentState,
    Evaluation,
    Explanation,
    assess,
)
from ceasefire.domain.facts import (
    Allegation,
    CaseKind,
    Claim,
    DeadlineSet,
    Facts,
    FindingAttribution,
    ImposedPenalty,
    IssuedFinding,
    ReplyRequest,
)
from ceasefire.domain.moments import parse_as_of
from ceasefire.errors import InvalidInput, NotFound
from ceasefire.log.canonical import canonical_json

ISTANBUL = load_bundled("istanbul-2025")
AGREEMENT_INDEX = 1
AF_POSITIVE = ("af-dismantle-hideouts", "af-disrupt-logistics", "af-prosecute-leadership")
STEPS = {
    "af-dismantle-hideouts": "hideout_dismantled",
    "af-disrupt-logistics": "logistics_disrupted",
    "af-prosecute-leadership": "arrest",
    "pk-report": "report_submitted",
}


# --- factories --------------------------------------------------------------------------------


def at(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


def finding(
    index: int,
    *,
    party: str | None = "af",
    acts: tuple[str, ...] = ("attack_from_territory",),
    day: date = date(2025, 11, 10),
    confidence: str = "established",
    attribution: FindingAttribution = FindingAttribution.ATTRIBUTABLE,
    case: str | None = None,
    kind: CaseKind = CaseKind.ALLEGATION,
    commitment: str | None = None,
    clauses: tuple[str, ...] = (),
    issued: datetime | None = None,
) -> IssuedFinding:
    return IssuedFinding(
        case=case or f"case-{index}",
        finding=f"finding-{index}",
        index=index,
        issued=issued or datetime.combine(day, datetime.min.time(), UTC) + timedelta(days=2),
        kind=kind,
        reports=(f"report-{index}",),
        day=day,
        confidence=confidence,
        attribution=attribution,
        party=party,
        acts=acts,
        clauses=clauses,
        commitment=commitment,
        signatures=(index - 2, index - 1),
    )


def allegation(
    index: int,
    party: str = "af",
    act: str = "artillery_fire",
    day: date = date(2025, 11, 10),
    resolved_at: int | None = None,
) -> Allegation:
    return Allegation(f"report-{index}", index, act, party, day, resolved_at=resolved_at)


def claim(
    index: int,
    commitment: str,
    submitted: datetime,
    *,
    party: str | None = None,
    step: str | None = None,
    verified: bool | None = None,
) -> Claim:
    return Claim(
        report=f"claim-{index}",
        index=index,
        party=party or commitment[:2],
        commitment=commitment,
        step=step or STEPS[commitment],
        submitted=submitted,
        verified=verified,
    )


def kept(until: date, commitments: tuple[str, ...] = (*AF_POSITIVE, "pk-report")) -> list[Claim]:
    """A claim on every deadline day of ``commitments`` up to ``until``: all kept."""
    claims = []
    for n, day in enumerate(_deadline_days(until)):
        for k, commitment in enumerate(commitments):
            moment = datetime.combine(day, datetime.min.time(), UTC)
            claims.append(claim(1000 + 10 * n + k, commitment, moment))
    return claims


def _deadline_days(until: date) -> list[date]:
    days, day = [], date(2025, 11, 20)
    while day <= until + timedelta(days=14):
        days.append(day)
        day += timedelta(days=14)
    return days


def facts(*items: Any) -> Facts:
    """Facts from a mixed bag of fact values, sorted into their kinds."""
    kinds: dict[type, list[Any]] = {}
    for item in items:
        for one in item if isinstance(item, list) else [item]:
            kinds.setdefault(type(one), []).append(one)
    return Facts(
        allegations=tuple(kinds.get(Allegation, [])),
        claims=tuple(kinds.get(Claim, [])),
        findings=tuple(kinds.get(IssuedFinding, [])),
        reply_requests=tuple(kinds.get(ReplyRequest, [])),
        penalties=tuple(kinds.get(ImposedPenalty, [])),
        deadlines=tuple(kinds.get(DeadlineSet, [])),
        agreement_index=AGREEMENT_INDEX,
    )


def assess_istanbul(as_of: datetime, *items: Any) -> Evaluation:
    return assess(ISTANBUL, facts(*items), as_of)


# --- commitments ------------------------------------------------------------------------------


def test_no_facts_before_the_first_deadline_holds_and_every_commitment_is_in_order() -> None:
    result = assess_istanbul(at(11, 10))
    assert (result.status, result.status_party, result.rule) == (Status.HOLDING, None, None)
    assert result.declared_by is None and result.reason is None
    for commitment in result.commitments:
        if commitment.id.endswith(("ceasefire", "attacks-from-territory")):
            assert (commitment.status, commitment.next_deadline) == (CommitmentState.MET, None)
        else:
            assert commitment.status is CommitmentState.DUE
            assert commitment.next_deadline == date(2025, 11, 20)
        assert commitment.missed == ()
    assert [p.step for p in result.parties] == [0, 0]
    assert [s.status for s in result.party_statuses] == [Status.HOLDING, Status.HOLDING]


HIDEOUTS = "af-dismantle-hideouts"


@pytest.mark.parametrize(
    ("as_of", "claims", "state", "next_deadline", "missed"),
    [
        pytest.param(at(11, 19), [], "due", "2025-11-20", [], id="before-the-deadline"),
        pytest.param(at(11, 22, 23), [], "due", "2025-11-20", [], id="last-day-of-grace"),
        pytest.param(at(11, 23, 0), [], "overdue", "2025-12-04", ["2025-11-20"], id="grace-over"),
        pytest.param(
            at(11, 19), [claim(5, HIDEOUTS, at(11, 19))], "met", "2025-11-20", [], id="met-early"
        ),
        pytest.param(
            at(11, 23),
            [claim(5, HIDEOUTS, at(11, 21))],
            "due",
            "2025-12-04",
            [],
            id="met-in-grace-next-due",
        ),
        pytest.param(
            at(11, 24),
            [claim(5, HIDEOUTS, at(11, 23))],
            "overdue",
            "2025-12-04",
            ["2025-11-20"],
            id="late-claim-meets-the-next-period",
        ),
        pytest.param(
            at(12, 7),
            [claim(5, HIDEOUTS, at(11, 23))],
            "due",
            "2025-12-18",
            ["2025-11-20"],
            id="late-claim-made-good-next-period",
        ),
        pytest.param(
            at(12, 7),
            [claim(5, HIDEOUTS, at(11, 10)), claim(6, HIDEOUTS, at(11, 15))],
            "overdue",
            "2025-12-18",
            ["2025-12-04"],
            id="two-claims-one-period",
        ),
        pytest.param(
            at(11, 23),
            [claim(5, HIDEOUTS, at(11, 19), verified=False)],
            "overdue",
            "2025-12-04",
            ["2025-11-20"],
            id="rejected-claim",
        ),
        pytest.param(
            at(11, 23),
            [claim(5, HIDEOUTS, at(11, 19), step="arrest")],
            "overdue",
            "2025-12-04",
            ["2025-11-20"],
            id="wrong-step",
        ),
        pytest.param(
            at(11, 23),
            [claim(5, HIDEOUTS, at(11, 19), party="pk")],
            "overdue",
            "2025-12-04",
            ["2025-11-20"],
            id="wrong-party",
        ),
        pytest.param(
            at(11, 19),
            [claim(5, HIDEOUTS, at(11, 19), verified=True)],
            "met",
            "2025-11-20",
            [],
            id="verified-claim",
        ),
        pytest.param(
            at(12, 21),
            [],
            "overdue",
            "2026-01-01",
            ["2025-11-20", "2025-12-04", "2025-12-18"],
            id="three-missed",
        ),
    ],
)
def test_a_positive_commitment_is_judged_deadline_by_deadline(
    as_of: datetime, claims: list[Claim], state: str, next_deadline: str, missed: list[str]
) -> None:
    status = assess_istanbul(as_of, claims).commitment(HIDEOUTS)
    assert status.status == state
    assert status.next_deadline == date.fromisoformat(next_deadline)
    assert [d.isoformat() for d in status.missed] == missed


def test_the_first_missed_af_deadline_breaches_the_ceasefire_as_pakistan_declared() -> None:
    result = assess_istanbul(at(11, 23, 0))
    assert (result.status, result.status_party, result.declared_by, result.rule) == (
        Status.BREACHED,
        "af",
        "pk",
        0,
    )
    af = result.party("af")
    assert af.commitments_overdue == 3  # one missed deadline of each af commitment
    assert (af.step, af.step_name) == (3, "Extraordinary meeting")
    assert result.party("pk").commitments_overdue == 1
    assert result.party_status("pk").status is Status.STRAINED  # pk-report missed, rule 3


def test_a_missed_deadline_cites_the_agreement_and_the_claims_considered() -> None:
    status = assess_istanbul(at(11, 23), claim(7, HIDEOUTS, at(11, 19), verified=False)).commitment(
        HIDEOUTS
    )
    missed = [n for n in status.explanation.children if n.holds is False]
    assert len(missed) == 1
    assert missed[0].indices == (AGREEMENT_INDEX, 7)
    assert "missed" in missed[0].text
    assert status.explanation.all_indices() == (AGREEMENT_INDEX, 7)


def test_a_compliance_finding_short_of_the_standard_breaches_until_made_good() -> None:
    rejected = claim(5, HIDEOUTS, at(11, 19), verified=False)
    wanting = finding(
        9,
        kind=CaseKind.COMPLIANCE_CLAIM,
        commitment=HIDEOUTS,
        confidence="likely",
        party="af",
        acts=(),
        day=date(2025, 11, 19),
        issued=at(11, 25),
    )
    breached = assess_istanbul(at(11, 26), rejected, wanting)
    assert breached.commitment(HIDEOUTS).status is CommitmentState.BREACHED
    assert breached.party("af").commitments_breached == 1
    assert breached.party("af").verified_violations == 0  # a compliance finding is no violation
    made_good = claim(6, HIDEOUTS, at(11, 27))
    assert (
        assess_istanbul(at(11, 28), rejected, wanting, made_good).commitment(HIDEOUTS).status
        is CommitmentState.OVERDUE
    )
    assert (
        assess_istanbul(at(12, 7), rejected, wanting, made_good).commitment(HIDEOUTS).status
        is CommitmentState.DUE
    )


def test_a_meeting_decision_moves_a_deadline() -> None:
    moved = DeadlineSet(HIDEOUTS, due=date(2025, 12, 1), decided=date(2025, 11, 15), index=50)
    before = assess_istanbul(at(11, 23), moved).commitment(HIDEOUTS)
    assert (before.status, before.next_deadline, before.missed) == (
        CommitmentState.DUE,
        date(2025, 12, 1),
        (),
    )
    after = assess_istanbul(at(12, 4), moved).commitment(HIDEOUTS)
    assert (after.status, after.next_deadline, after.missed) == (
        CommitmentState.OVERDUE,
        date(2025, 12, 4),
        (date(2025, 12, 1),),
    )
    assert 50 in after.explanation.all_indices()
    # the other commitments keep their clocks
    assert assess_istanbul(at(11, 23), moved).commitment("af-disrupt-logistics").missed == (
        date(2025, 11, 20),
    )


def test_meeting_decisions_apply_in_index_order() -> None:
    first = DeadlineSet(HIDEOUTS, due=date(2025, 12, 15), decided=date(2025, 11, 10), index=50)
    second = DeadlineSet(HIDEOUTS, due=date(2025, 11, 25), decided=date(2025, 11, 12), index=60)
    status = assess_istanbul(at(11, 28), second, first).commitment(HIDEOUTS)
    # first drops 11-20 and 12-04 and adds 12-15; second adds 11-25 (closes 11-27)
    assert status.missed == (date(2025, 11, 25),)
    assert status.next_deadline == date(2025, 12, 15)


def test_a_one_off_due_date_has_no_grace_and_no_next_deadline() -> None:
    agreement = small_agreement(
        commitments=[_positive("af-hand-over", "af", {"due": "2025-12-01"})],
    )
    on_time = Claim("c", 5, "af", "af-hand-over", "handover", at(12, 1, 23))
    cases = [
        (at(12, 1, 23), (), CommitmentState.DUE, date(2025, 12, 1), ()),
        (at(12, 2, 0), (), CommitmentState.OVERDUE, None, (date(2025, 12, 1),)),
        (at(12, 2, 0), (on_time,), CommitmentState.MET, None, ()),
    ]
    for as_of, claims, state, next_deadline, missed in cases:
        status = assess(agreement, Facts(claims=claims), as_of).commitment("af-hand-over")
        assert (status.status, status.next_deadline, status.missed) == (
            state,
            next_deadline,
            missed,
        )


# --- violations and the status ----------------------------------------------------------------


ATTACK = date(2025, 11, 10)


@pytest.mark.parametrize(
    ("items", "status", "party", "declared_by", "rule"),
    [
        pytest.param([], "holding", None, None, None, id="nothing"),
        pytest.param([finding(10)], "breached", "af", "pk", 0, id="verified-attack-from-af"),
        pytest.param(
            [finding(10, confidence="likely")],
            "holding",
            None,
            None,
            None,
            id="likely-is-not-enough",
        ),
        pytest.param(
            [finding(10, attribution=FindingAttribution.LARGELY_ATTRIBUTABLE)],
            "breached",
            "af",
            "pk",
            0,
            id="largely-attributable-counts",
        ),
        pytest.param(
            [finding(10, attribution=FindingAttribution.NOT_DETERMINED)],
            "holding",
            None,
            None,
            None,
            id="not-attributed",
        ),
        pytest.param(
            [allegation(10, act="attack_from_territory")],
            "holding",
            None,
            None,
            None,
            id="an-allegation-is-not-verified",
        ),
        pytest.param(
            [allegation(10), allegation(11), allegation(12)],
            "strained",
            "af",
            None,
            3,
            id="three-open-allegations",
        ),
        pytest.param(
            [allegation(10), allegation(11), allegation(12, resolved_at=20)],
            "holding",
            None,
            None,
            None,
            id="one-allegation-resolved",
        ),
        pytest.param(
            [finding(10, party="pk", acts=("airstrike",))],
            "breached",
            "pk",
            None,
            1,
            id="verified-airstrike-by-pk",
        ),
        pytest.param(
            [finding(10, acts=("artillery_fire",))],
            "strained",
            "af",
            None,
            3,
            id="other-act-strains",
        ),
        pytest.param(
            [
                finding(10, acts=("artillery_fire",)),
                finding(20, party="pk", acts=("artillery_fire",)),
            ],
            "strained",
            "pk",
            None,
            3,
            id="rule-without-party-names-the-first-party",
        ),
        pytest.param(
            [finding(10 * k, acts=("artillery_fire",)) for k in range(1, 6)],
            "breached",
            "af",
            None,
            2,
            id="top-of-the-ladder",
        ),
    ],
)
def test_the_status_follows_the_first_rule_that_holds(
    items: list[Any], status: str, party: str | None, declared_by: str | None, rule: int | None
) -> None:
    result = assess_istanbul(at(11, 15), items)
    assert (result.status, result.status_party, result.declared_by, result.rule) == (
        status,
        party,
        declared_by,
        rule,
    )
    if rule is not None:
        assert result.reason == ISTANBUL.status_rules[rule].reason


def test_a_verified_attack_counts_for_30_days() -> None:
    attack = finding(10, day=date(2025, 10, 20))
    claims = kept(date(2025, 12, 31))
    assert assess_istanbul(at(11, 18, 23), attack, claims).status is Status.BREACHED
    later = assess_istanbul(at(11, 19, 0), attack, claims)
    assert later.status is Status.HOLDING
    assert later.party("af").verified_violations == 1  # no window: still counted


@pytest.mark.parametrize(
    ("days", "step", "name"),
    [
        pytest.param([], 0, None, id="none"),
        pytest.param([date(2025, 11, 10)], 1, "Formal notice", id="one"),
        pytest.param(
            [date(2025, 11, 10), date(2025, 11, 1)],
            2,
            "Public statement of non-compliance",
            id="two",
        ),
        pytest.param([date(2025, 11, 10), date(2025, 10, 16)], 1, "Formal notice", id="one-old"),
        pytest.param(
            [date(2025, 11, 10), date(2025, 11, 1), date(2025, 10, 20)],
            3,
            "Extraordinary meeting",
            id="three",
        ),
    ],
)
def test_the_ladder_counts_verified_violations_in_30_days(
    days: list[date], step: int, name: str | None
) -> None:
    violations = [
        finding(10 * (k + 1), acts=("artillery_fire",), day=d) for k, d in enumerate(days)
    ]
    result = assess_istanbul(at(11, 15), violations)
    af = result.party("af")
    assert (af.step, af.step_name) == (step, name)
    assert af.verified_violations == len(days)
    assert result.party("pk").step == 0


@pytest.mark.parametrize(
    ("request_", "missed"),
    [
        pytest.param(ReplyRequest("case-1", "af", 30, at(11, 12)), 1, id="missed"),
        pytest.param(ReplyRequest("case-1", "af", 30, at(11, 12), replied_at=31), 0, id="replied"),
        pytest.param(ReplyRequest("case-1", "af", 30, at(11, 16)), 0, id="not-yet-due"),
        pytest.param(ReplyRequest("case-1", "pk", 30, at(11, 12)), 0, id="other-party"),
    ],
)
def test_a_missed_reply_counts_on_the_ladder(request_: ReplyRequest, missed: int) -> None:
    af = assess_istanbul(at(11, 15), request_).party("af")
    assert (af.replies_missed, af.step) == (missed, missed)
    if missed:
        assert 30 in af.explanation.all_indices()


@pytest.mark.parametrize(
    ("penalties", "imposed", "name", "cited"),
    [
        pytest.param([], 0, None, (), id="none"),
        pytest.param(
            [ImposedPenalty("p1", "af", 2, 70, at(11, 12))],
            2,
            "Public statement of non-compliance",
            (70,),
            id="imposed",
        ),
        pytest.param(
            [ImposedPenalty("p1", "af", 2, 70, at(11, 12), lifted_at=80)], 0, None, (), id="lifted"
        ),
        pytest.param(
            [
                ImposedPenalty("p1", "af", 1, 60, at(11, 11)),
                ImposedPenalty("p2", "af", 3, 70, at(11, 12), lifted_at=80),
                ImposedPenalty("p3", "af", 2, 90, at(11, 13)),
                ImposedPenalty("p4", "pk", 4, 95, at(11, 13)),
            ],
            2,
            "Public statement of non-compliance",
            (90,),
            id="highest-not-lifted",
        ),
    ],
)
def test_an_imposed_penalty_shows_in_the_standing(
    penalties: list[ImposedPenalty], imposed: int, name: str | None, cited: tuple[int, ...]
) -> None:
    af = assess_istanbul(at(11, 15), penalties).party("af")
    assert (af.imposed, af.imposed_name) == (imposed, name)
    assert af.step == 0  # imposing is the mediators' act; the ladder counts conduct
    assert af.explanation.children[-1].indices == cited


@pytest.mark.parametrize(
    ("first", "second", "counted", "cited"),
    [
        pytest.param("established", "not_substantiated", 0, None, id="overturned"),
        pytest.param("likely", "established", 1, 20, id="established-on-reopening"),
        pytest.param("established", "established", 1, 20, id="counted-once"),
    ],
)
def test_a_reopened_case_counts_only_its_latest_finding(
    first: str, second: str, counted: int, cited: int | None
) -> None:
    findings = [
        finding(10, case="case-1", confidence=first),
        finding(20, case="case-1", confidence=second),
    ]
    result = assess_istanbul(at(11, 15), findings)
    af = result.party("af")
    assert af.verified_violations == counted
    indices = af.explanation.children[0].indices
    assert 10 not in indices
    assert (cited in indices) if cited else indices == ()


def test_a_violation_breaches_the_negative_commitment_of_its_clauses() -> None:
    result = assess_istanbul(at(11, 15), finding(10))
    assert result.commitment("af-no-attacks-from-territory").status is CommitmentState.BREACHED
    assert result.commitment("af-ceasefire").status is CommitmentState.MET  # clauses 1, 2(a)
    assert result.commitment("pk-no-attacks-from-territory").status is CommitmentState.MET
    # clauses written on the finding take precedence over those of its acts
    stated = finding(10, clauses=("1",))
    result = assess_istanbul(at(11, 15), stated)
    assert result.commitment("af-no-attacks-from-territory").status is CommitmentState.MET
    assert result.commitment("af-ceasefire").status is CommitmentState.BREACHED


# --- explanations and documents ---------------------------------------------------------------


def test_the_status_explains_itself_with_the_rule_and_the_entries() -> None:
    result = assess_istanbul(at(11, 20), finding(10))
    assert result.explanation.holds is True
    assert "status_rules[0] holds for af, as declared by pk" in result.explanation.text
    assert result.explanation.all_indices() == (8, 9, 10)  # the finding and its signatures
    texts = _texts(result.explanation)
    assert (
        "verified violations by af of attack_from_territory in the 30 days to 2025-11-20: "
        "1 (at least 1 needed)"
    ) in texts


def test_holding_explains_every_rule_that_does_not_hold() -> None:
    result = assess_istanbul(at(11, 10))
    assert result.explanation.text == "holding: no status rule holds"
    # rules 0 and 1 name a party, rules 2 and 3 are evaluated for pk and af
    assert len(result.explanation.children) == 6
    assert all(child.holds is False for child in result.explanation.children)


def test_the_document_is_canonical_json_and_stable() -> None:
    items = [finding(10), allegation(11), claim(12, HIDEOUTS, at(11, 19)), *kept(date(2025, 12, 1))]
    first = assess_istanbul(at(12, 1, 8, 30), items)
    second = assess_istanbul(at(12, 1, 8, 30), list(reversed(items)))
    assert first == second
    assert canonical_json(first.to_document()) == canonical_json(second.to_document())
    doc = first.to_document()
    assert doc["as_of"] == "2025-12-01T08:30:00Z"
    assert (doc["agreement"], doc["version"], doc["agreement_index"]) == ("istanbul-2025", 1, 1)
    assert doc["status"] == "breached" and doc["rule"] == 0
    assert doc["commitments"][4]["next_deadline"] == "2025-12-04"
    assert [p["party"] for p in doc["parties"]] == ["pk", "af"]


def test_an_evaluation_states_its_time_to_the_millisecond_of_the_log() -> None:
    issued = at(11, 20) + timedelta(milliseconds=412)
    items = [finding(10, issued=issued)]
    now = assess_istanbul(issued + timedelta(microseconds=999), *items)
    stated = now.to_document()["as_of"]
    assert stated == "2025-11-20T12:00:00.412Z"  # an entry's time has milliseconds: so has this
    again = assess_istanbul(parse_as_of(stated), *items)
    assert canonical_json(again.to_document()) == canonical_json(now.to_document())
    assert assess_istanbul(at(11, 20)).to_document()["as_of"] == "2025-11-20T12:00:00Z"


def test_lookups_name_what_exists() -> None:
    result = assess_istanbul(at(11, 10))
    with pytest.raises(NotFound, match="pk, af"):
        result.party("xx")
    with pytest.raises(NotFound, match="no commitment"):
        result.commitment("nope")


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        assess(ISTANBUL, Facts(), datetime(2025, 11, 10, 12))
    assert caught.value.field == "as_of"


def test_an_as_of_in_another_zone_is_counted_in_utc_days() -> None:
    from zoneinfo import ZoneInfo

    karachi = datetime(2025, 11, 23, 3, 0, tzinfo=ZoneInfo("Asia/Karachi"))  # 11-22 22:00 UTC
    assert assess(ISTANBUL, Facts(), karachi).commitment(HIDEOUTS).status is CommitmentState.DUE


def _texts(node: Explanation) -> list[str]:
    return [node.text, *(t for child in node.children for t in _texts(child))]


# --- small hand-made agreements ---------------------------------------------------------------


def _positive(id_: str, party: str, clock: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": id_,
        "party": party,
        "kind": "positive",
        "text": "Hand over.",
        "steps": ["handover"],
        "evidence": "A record of the handover.",
        "clock": clock,
    }


@dataclass
class _Doc:
    commitments: list[dict[str, Any]] = field(default_factory=list)
    penalties: list[dict[str, Any]] = field(default_factory=list)
    status_rules: list[dict[str, Any]] = field(default_factory=list)


def small_agreement(**parts: list[dict[str, Any]]) -> Agreement:
    doc = _Doc(**parts)
    return Agreement.from_document(
        {
            "id": "small",
            "version": 1,
            "title": "A small ceasefire",
            "effective_from": "2025-10-19",
            "parties": [
                {"id": "pk", "name": "Pakistan", "country": "PK"},
                {"id": "af", "name": "Afghanistan", "country": "AF"},
            ],
            "mediators": [{"id": "tr", "name": "Türkiye", "country": "TR"}],
            "clauses": [{"id": "1", "title": "Ceasefire", "text": "No attacks."}],
            "acts": [
                {"id": "shelling", "name": "Shelling", "description": "Fire.", "clauses": ["1"]}
            ],
            "commitments": doc.commitments,
            "verification": {
                "mediators": ["tr"],
                "quorum": 1,
                "standards": ["established", "likely", "not_substantiated"],
                "standard_for_violation": "likely",
                "reply_window_hours": 72,
            },
            "penalties": doc.penalties,
            "status_rules": doc.status_rules,
            "region": {"bbox": [60.4, 23.6, 77.9, 38.5]},
        }
    )


def _rule(status: str, when: dict[str, Any], party: str | None = None) -> dict[str, Any]:
    rule = {"status": status, "reason": f"{status} rule", "when": when}
    return rule | ({"party": party} if party else {})


def _shelling(index: int, party: str, confidence: str = "likely") -> IssuedFinding:
    return finding(index, party=party, acts=("shelling",), confidence=confidence)


@pytest.mark.parametrize(
    ("when", "by", "status", "party"),
    [
        pytest.param(
            {"metric": "verified_violations", "at_least": 1}, ["af"], "strained", "af", id="af"
        ),
        pytest.param(
            {"metric": "verified_violations", "at_least": 1},
            ["af", "pk"],
            "strained",
            "pk",
            id="first-party-in-order",
        ),
        pytest.param(
            {"metric": "verified_violations", "at_least": 1, "party": "af"},
            ["af"],
            "strained",
            "pk",
            id="condition-party-counts-af-for-pk",
        ),
        pytest.param(
            {
                "all": [
                    {"metric": "verified_violations", "at_least": 1},
                    {"metric": "verified_violations", "at_least": 1, "party": "pk"},
                ]
            },
            ["af"],
            "holding",
            None,
            id="all-needs-both",
        ),
        pytest.param(
            {
                "all": [
                    {"metric": "verified_violations", "at_least": 1},
                    {"metric": "verified_violations", "at_least": 1, "party": "pk"},
                ]
            },
            ["af", "pk"],
            "strained",
            "pk",
            id="all-holds",
        ),
    ],
)
def test_a_rule_without_a_party_judges_each_party_in_order(
    when: dict[str, Any], by: list[str], status: str, party: str | None
) -> None:
    agreement = small_agreement(status_rules=[_rule("strained", when)])
    findings = tuple(_shelling(10 * (k + 1), p) for k, p in enumerate(by))
    result = assess(agreement, Facts(findings=findings), at(11, 15))
    assert (result.status, result.status_party) == (status, party)


def test_the_standard_of_proof_is_the_agreements() -> None:
    agreement = small_agreement(
        status_rules=[_rule("breached", {"metric": "verified_violations", "at_least": 1})]
    )
    likely = assess(agreement, Facts(findings=(_shelling(10, "af"),)), at(11, 15))
    assert likely.status is Status.BREACHED  # here "likely" is enough
    unknown = assess(agreement, Facts(findings=(_shelling(10, "af", "probable"),)), at(11, 15))
    assert unknown.status is Status.HOLDING  # a standard the agreement does not know fails closed


def test_status_rules_can_count_penalty_steps_and_each_party_gets_its_own_status() -> None:
    ladder = [
        {
            "level": 1,
            "name": "Notice",
            "meaning": "A notice.",
            "when": {"metric": "alleged_violations", "at_least": 2},
        }
    ]
    rules = [
        _rule("breached", {"metric": "penalty_step", "at_least": 1}),
        _rule("strained", {"metric": "alleged_violations", "at_least": 1}),
    ]
    agreement = small_agreement(penalties=ladder, status_rules=rules)
    items = (
        allegation(10, "af", "shelling"),
        allegation(11, "af", "shelling"),
        allegation(12, "pk", "shelling"),
    )
    result = assess(agreement, Facts(allegations=items), at(11, 15))
    assert (result.status, result.status_party, result.rule) == (Status.BREACHED, "af", 0)
    assert [(s.party, s.status, s.rule) for s in result.party_statuses] == [
        ("pk", Status.STRAINED, 1),
        ("af", Status.BREACHED, 0),
    ]
    assert result.explanation.all_indices() == (10, 11)


def test_windows_count_overdue_deadlines_from_the_day_after_grace() -> None:
    agreement = small_agreement(
        commitments=[_positive("af-hand-over", "af", {"due": "2025-12-01"})],
        status_rules=[
            _rule("strained", {"metric": "commitments_overdue", "at_least": 1, "window_days": 2})
        ],
    )
    statuses = [
        assess(agreement, Facts(), datetime(2025, 12, day, tzinfo=UTC)).status
        for day in (1, 2, 3, 4)
    ]
    # missed on 12-02 (the day after 12-01); in the 2 days to 12-02 and 12-03, not 12-04
    assert statuses == [Status.HOLDING, Status.STRAINED, Status.STRAINED, Status.HOLDING]


def test_fact_times_without_a_zone_are_taken_as_utc() -> None:
    naive = Claim("c", 5, "af", HIDEOUTS, "hideout_dismantled", datetime(2025, 11, 22, 23, 30))
    status = assess_istanbul(at(11, 23), naive).commitment(HIDEOUTS)
    assert (status.status, status.missed) == (CommitmentState.DUE, ())
