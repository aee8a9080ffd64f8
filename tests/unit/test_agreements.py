"""The agreement as data: invariants, cross-references, clocks, documents and digests."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.domain.agreement_toml import load_bundled
from ceasefire.domain.agreements import (
    ACLED_EVENT_TYPES,
    AcledType,
    ActType,
    Agreement,
    AllOf,
    AnyOf,
    Attribution,
    Clause,
    Commitment,
    CommitmentKind,
    Condition,
    Decision,
    DecisionKind,
    DueDate,
    Mediator,
    Meeting,
    Metric,
    Party,
    PenaltyStep,
    Recurring,
    Region,
    Sector,
    Status,
    StatusRule,
    VerificationRules,
    When,
)
from ceasefire.errors import InvalidInput, NotFound
from ceasefire.log.canonical import canonical_copy, canonical_json

Document = dict[str, Any]


def minimal_document() -> Document:
    """A small valid agreement document, for breaking one thing at a time."""
    return {
        "id": "test",
        "version": 1,
        "title": "A test ceasefire",
        "effective_from": "2025-10-19",
        "parties": [
            {"id": "pk", "name": "Pakistan", "country": "PK"},
            {"id": "af", "name": "Afghanistan", "country": "AF"},
        ],
        "mediators": [
            {"id": "tr", "name": "Türkiye", "country": "TR"},
            {"id": "qa", "name": "Qatar", "country": "QA"},
        ],
        "clauses": [
            {"id": "1", "title": "Ceasefire", "text": "No attacks."},
            {"id": "2(a)", "title": "Territory", "text": "No attacks from territory."},
        ],
        "acts": [
            {
                "id": "airstrike",
                "name": "Airstrike",
                "description": "A strike from the air.",
                "clauses": ["1"],
                "acled": [
                    {
                        "event_type": "Explosions/Remote violence",
                        "sub_event_type": "Air/drone strike",
                    }
                ],
                "ucdp": [1],
            }
        ],
        "commitments": [
            {
                "id": "pk-refrain",
                "party": "pk",
                "kind": "negative",
                "text": "Refrain from airstrikes.",
                "evidence": "No verified airstrike.",
                "clock": "continuous",
            },
            {
                "id": "af-steps",
                "party": "af",
                "kind": "positive",
                "text": "Dismantle hideouts.",
                "clauses": ["2(a)"],
                "steps": ["hideout_dismantled"],
                "evidence": "A verifiable report each period.",
                "clock": {"every_days": 14, "first_due": "2025-11-20", "grace_days": 2},
            },
        ],
        "verification": {
            "mediators": ["tr", "qa"],
            "quorum": 2,
            "standards": ["established", "likely", "not_substantiated"],
            "standard_for_violation": "established",
            "reply_window_hours": 72,
        },
        "penalties": [
            {
                "level": 1,
                "name": "Notice",
                "meaning": "A formal notice.",
                "when": {"metric": "verified_violations", "at_least": 1, "window_days": 30},
            }
        ],
        "status_rules": [
            {
                "status": "breached",
                "party": "af",
                "declared_by": "pk",
                "reason": "Conditional truce.",
                "when": {
                    "any": [
                        {
                            "metric": "commitments_overdue",
                            "at_least": 1,
                            "commitments": ["af-steps"],
                        },
                        {"metric": "verified_violations", "at_least": 1, "acts": ["airstrike"]},
                    ]
                },
            }
        ],
        "sectors": [
            {
                "id": "torkham",
                "name": "Torkham",
                "parties": ["pk", "af"],
                "crossings": ["Torkham"],
                "bbox": [70.5, 33.7, 71.5, 34.5],
            }
        ],
        "meetings": [
            {
                "id": "istanbul",
                "date": "2025-11-06",
                "place": "Istanbul",
                "purpose": "Modalities.",
                "decisions": [
                    {
                        "id": "d1",
                        "text": "Adopt.",
                        "kind": "amend",
                        "sign": ["pk", "af", "tr", "qa"],
                    }
                ],
            }
        ],
        "region": {"bbox": [60.4, 23.6, 77.9, 38.5]},
    }


def refusal(doc: Document) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        Agreement.from_document(doc)
    return caught.value


# --- the shipped agreement --------------------------------------------------------------------


def test_the_istanbul_agreement_names_parties_mediators_and_signatories() -> None:
    agreement = load_bundled()
    assert agreement.id == "istanbul-2025"
    assert agreement.effective_from == date(2025, 10, 19)
    assert agreement.party("af").country == "AF"
    assert agreement.mediator("tr").name == "Republic of Türkiye"
    assert agreement.signatories() == ("pk", "af", "tr", "qa")
    assert agreement.verification.quorum == 2
    assert [m.date for m in agreement.meetings][-1] == date(2025, 11, 6)


def test_the_istanbul_agreement_writes_pakistans_conditional_truce_as_a_rule() -> None:
    agreement = load_bundled()
    truce = agreement.status_rules[0]
    assert (truce.status, truce.party, truce.declared_by) == (Status.BREACHED, "af", "pk")
    assert isinstance(truce.when, AnyOf)
    metrics = {c.metric for c in truce.when.conditions if isinstance(c, Condition)}
    assert metrics == {Metric.COMMITMENTS_OVERDUE, Metric.VERIFIED_VIOLATIONS}
    assert agreement.act("attack_from_territory").against is Attribution.TERRITORY
    assert agreement.act("obstruction_of_monitors").against is Attribution.OBSTRUCTING_PARTY


def test_every_positive_commitment_of_the_istanbul_agreement_has_a_recurring_clock() -> None:
    agreement = load_bundled()
    positive = [c for c in agreement.commitments if c.kind is CommitmentKind.POSITIVE]
    assert {c.id for c in positive} >= {
        "af-dismantle-hideouts",
        "af-disrupt-logistics",
        "af-prosecute-leadership",
    }
    assert all(isinstance(c.clock, Recurring) for c in positive)


def test_the_istanbul_agreement_fits_well_inside_one_log_entry() -> None:
    assert len(load_bundled().canonical()) < 60_000


def test_the_istanbul_agreement_reads_back_from_its_document_and_its_json() -> None:
    agreement = load_bundled()
    assert Agreement.from_document(agreement.to_document()) == agreement
    assert Agreement.from_document(canonical_copy(agreement.to_document())) == agreement


def test_digest_is_sha256_of_the_canonical_json_of_the_document() -> None:
    agreement = load_bundled()
    expected = hashlib.sha256(canonical_json(agreement.to_document())).hexdigest()
    assert agreement.digest() == f"sha256:{expected}"


def test_looking_up_an_unknown_id_lists_the_known_ones() -> None:
    agreement = Agreement.from_document(minimal_document())
    with pytest.raises(NotFound, match=r"no party 'xx'; the parties are pk, af"):
        agreement.party("xx")
    with pytest.raises(NotFound, match=r"no clause '9'; the clauses are 1, 2\(a\)"):
        agreement.clause("9")
    with pytest.raises(NotFound, match="the sectors are torkham"):
        agreement.sector("kurram")
    assert agreement.commitment("af-steps").party == "af"


def mutate(path: str, value: object) -> Callable[[Document], None]:
    """Set the value at a dotted path with [i] indices (the same paths errors use)."""

    def apply(doc: Document) -> None:
        keys = path.replace("[", ".").replace("]", "").split(".")
        target: Any = doc
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        last = keys[-1]
        target[int(last) if last.isdigit() else last] = value

    return apply


@pytest.mark.parametrize(
    "change",
    [
        mutate("title", "Another title"),
        mutate("version", 2),
        mutate("clauses[0].text", "No attacks at all."),
        mutate("verification.quorum", 1),
        mutate("verification.reply_window_hours", 48),
        mutate("commitments[1].clock.first_due", "2025-11-21"),
        mutate("commitments[1].clock.grace_days", 0),
        mutate("sectors[0].bbox[0]", 70.55),
        mutate("penalties[0].when.at_least", 2),
        mutate("acts[0].against", "territory"),
        mutate("sources", ["https://example.org/statement"]),
    ],
)
def test_digest_changes_when_anything_changes(change: Callable[[Document], None]) -> None:
    doc = minimal_document()
    before = Agreement.from_document(doc).digest()
    changed = copy.deepcopy(doc)
    change(changed)
    assert Agreement.from_document(changed).digest() != before


def test_digest_does_not_depend_on_spelling_of_defaults() -> None:
    doc = minimal_document()
    spelled = copy.deepcopy(doc)
    spelled["acts"][0]["against"] = "perpetrator"
    spelled["verification"]["monitors_may_propose"] = True
    spelled["effective_from"] = date(2025, 10, 19)
    assert Agreement.from_document(spelled).digest() == Agreement.from_document(doc).digest()


# --- bad input: one precise error each -----------------------------------------------------


BAD_INPUT: list[tuple[Callable[[Document], None], str, str]] = [
    (
        mutate("commitments[1].party", "xx"),
        "commitments[1].party",
        "unknown party 'xx'; the parties are pk, af",
    ),
    (mutate("clauses[1].id", "1"), "clauses[1].id", "clause '1' is used twice"),
    (
        mutate("verification.quorum", 3),
        "verification.quorum",
        "expected a quorum of 1 to 2 (the mediators who sign), found 3",
    ),
    (
        mutate("acts[0].clauses", ["1", "9"]),
        "acts[0].clauses[1]",
        "unknown clause '9'; the clauses are 1, 2(a)",
    ),
    (mutate("verification.colour", "red"), "verification.colour", "unknown field 'colour'"),
    (
        mutate("commitments[1].clock", "continuous"),
        "commitments[1].clock",
        "a positive commitment needs a clock",
    ),
    (
        mutate("commitments[1].clock.grace_days", 14),
        "commitments[1].clock.grace_days",
        "expected grace of 0 to 13 days (shorter than the period), found 14",
    ),
    (
        mutate("commitments[1].clock.first_due", "2025-10-01"),
        "commitments[1].clock.first_due",
        "the first deadline 2025-10-01 is before the agreement takes effect (2025-10-19)",
    ),
    (
        mutate("commitments[1].clock", {"due": "2025-12-01", "every_days": 7}),
        "commitments[1].clock",
        "give either due (one deadline) or every_days (a reporting period), not both",
    ),
    (
        mutate("commitments[1].clock", 14),
        "commitments[1].clock",
        'expected "continuous" or a clock table, found int 14',
    ),
    (
        mutate("commitments[1].steps", []),
        "commitments[1].steps",
        "a positive commitment needs the kinds of steps that count as evidence",
    ),
    (
        mutate("parties", [{"id": "pk", "name": "Pakistan", "country": "PK"}]),
        "parties",
        "an agreement needs at least two parties, found 1",
    ),
    (mutate("parties[1].id", "pk"), "parties[1].id", "party 'pk' is used twice"),
    (
        mutate("mediators[1].id", "af"),
        "mediators[1].id",
        "mediator 'af' has a party's id",
    ),
    (
        mutate("parties[1].country", "Afghanistan"),
        "parties[1].country",
        "expected an ISO 3166 alpha-2 code such as PK, found 'Afghanistan'",
    ),
    (
        mutate("clauses[1].id", "2.a"),
        "clauses[1].id",
        "expected a clause number such as 2 or 2(b), found '2.a'",
    ),
    (
        mutate("acts[0].acled[0].event_type", "Airstrikes"),
        "acts[0].acled[0].event_type",
        "unknown ACLED event type 'Airstrikes'",
    ),
    (
        mutate("acts[0].acled[0].sub_event_type", "Armed clash"),
        "acts[0].acled[0].sub_event_type",
        "unknown sub-event type 'Armed clash' of 'Explosions/Remote violence'",
    ),
    (mutate("acts[0].ucdp", [4]), "acts[0].ucdp[0]", "expected a UCDP type_of_violence"),
    (mutate("acts[0].against", "victim"), "acts[0].against", "expected one of perpetrator"),
    (
        mutate("verification.mediators", ["tr", "us"]),
        "verification.mediators[1]",
        "unknown mediator 'us'; the mediators are tr, qa",
    ),
    (
        mutate("verification.standards", ["likely", "likely"]),
        "verification.standards",
        "expected at least two distinct standards of proof",
    ),
    (
        mutate("verification.mediators", ["tr", "tr"]),
        "verification.mediators[1]",
        "mediator 'tr' is used twice",
    ),
    (
        mutate("verification.standard_for_violation", "certain"),
        "verification.standard_for_violation",
        "unknown standard 'certain'",
    ),
    (
        mutate("penalties[0].level", 2),
        "penalties[0].level",
        "expected level 1 (the ladder's levels run 1, 2, 3 ... in order), found 2",
    ),
    (
        mutate("penalties[0].when", {"metric": "penalty_step", "at_least": 1}),
        "penalties[0].when.metric",
        "penalty_step cannot decide a penalty step",
    ),
    (
        mutate("status_rules[0].when.any[1].acts", ["shelling"]),
        "status_rules[0].when.any[1].acts[0]",
        "unknown act 'shelling'; the acts are airstrike",
    ),
    (
        mutate("status_rules[0].when.any[0].commitments", ["pk-refrain"]),
        "status_rules[0].when.any[0].commitments[0]",
        "commitment 'pk-refrain' binds pk, not af",
    ),
    (
        mutate("status_rules[0].when.any[0].acts", ["airstrike"]),
        "status_rules[0].when.any[0].acts",
        "acts narrow only verified_violations and alleged_violations",
    ),
    (
        mutate("status_rules[0].when.any[1].metric", "rumours"),
        "status_rules[0].when.any[1].metric",
        "expected one of verified_violations",
    ),
    (
        mutate("status_rules[0].when.any", []),
        "status_rules[0].when.any",
        "must not be empty",
    ),
    (
        mutate("status_rules[0].when", {"metric": "penalty_step", "at_least": 2}),
        "status_rules[0].when.at_least",
        "expected a step of 1 to 1 (the ladder's levels), found 2",
    ),
    (
        mutate("status_rules[0].declared_by", "un"),
        "status_rules[0].declared_by",
        "unknown signatory 'un'; the signatories are pk, af, tr, qa",
    ),
    (
        mutate("status_rules[0].status", "holding"),
        "status_rules[0].status",
        "holding is the status when no rule matches",
    ),
    (
        mutate("sectors[0].bbox", [59.0, 33.7, 71.5, 34.5]),
        "sectors[0].bbox",
        "reaches outside the region",
    ),
    (
        mutate("sectors[0].bbox", [71.5, 33.7, 70.5, 34.5]),
        "sectors[0].bbox",
        "each minimum below its maximum",
    ),
    (mutate("sectors[0].bbox", [1, 2, 3]), "sectors[0].bbox", "found 3 numbers"),
    (mutate("sectors[0].bbox[1]", "north"), "sectors[0].bbox[1]", "expected a number"),
    (
        mutate("meetings[0].decisions[0].sign", ["pk", "un"]),
        "meetings[0].decisions[0].sign[1]",
        "unknown signatory 'un'",
    ),
    (mutate("meetings[0].date", "6 November"), "meetings[0].date", "expected a date"),
    (
        mutate("meetings[0].decisions[0].sign", []),
        "meetings[0].decisions[0].sign",
        "a decision needs at least one signatory",
    ),
    (
        mutate(
            "meetings[0].decisions",
            [{"id": "d", "text": "Adopt.", "kind": "amend", "sign": ["pk"]}] * 2,
        ),
        "meetings[0].decisions[1].id",
        "decision 'd' is used twice",
    ),
    (
        mutate("commitments[1].clock", {"first_due": "2025-11-20"}),
        "commitments[1].clock",
        "a clock needs due = YYYY-MM-DD, or every_days = N with first_due = YYYY-MM-DD",
    ),
    (mutate("acts[0].clauses", []), "acts[0].clauses", "must name the clauses it breaks"),
    (mutate("acts[0].ucdp", [1, "one"]), "acts[0].ucdp[1]", "expected an integer, found str"),
    (mutate("penalties[0].when.at_least", 0), "penalties[0].when.at_least", "expected at least 1"),
    (
        mutate("penalties[0].when.window_days", 0),
        "penalties[0].when.window_days",
        "expected 1 to 3660 days, found 0",
    ),
    (
        mutate("penalties[0].when.commitments", ["af-steps"]),
        "penalties[0].when.commitments",
        "commitments narrow only commitments_overdue and commitments_breached",
    ),
    (
        mutate("status_rules[0].when", {"metric": "penalty_step", "at_least": 1, "window_days": 7}),
        "status_rules[0].when.window_days",
        "penalty_step is the current step, it has no window",
    ),
    (mutate("penalties[0].when", {"all": []}), "penalties[0].when.all", "must not be empty"),
    (
        mutate(
            "penalties[0].when", {"any": [{"any": [{"any": [{"any": [{"any": [{"any": []}]}]}]}]}]}
        ),
        "penalties[0].when.any[0].any[0].any[0].any[0].any[0]",
        "conditions nest at most 4 deep",
    ),
    (mutate("verification.mediators", []), "verification.mediators", "at least one mediator"),
    (
        mutate("verification.reply_window_hours", 0),
        "verification.reply_window_hours",
        "expected 1 to 2160 hours, found 0",
    ),
    (
        mutate("status_rules[0].party", "in"),
        "status_rules[0].party",
        "unknown party 'in'; the parties are pk, af",
    ),
    (
        mutate("status_rules[0].when.any[1].party", "in"),
        "status_rules[0].when.any[1].party",
        "unknown party 'in'",
    ),
    (
        mutate("status_rules[0].when.any[0].commitments", ["gone"]),
        "status_rules[0].when.any[0].commitments[0]",
        "unknown commitment 'gone'; the commitments are pk-refrain, af-steps",
    ),
    (
        mutate("sectors[0].parties", ["pk", "in"]),
        "sectors[0].parties[1]",
        "unknown party 'in'",
    ),
    (
        mutate("commitments[0].clauses", ["7"]),
        "commitments[0].clauses[0]",
        "unknown clause '7'",
    ),
]


@pytest.mark.parametrize(
    ("change", "field", "message"), [pytest.param(*case, id=case[1]) for case in BAD_INPUT]
)
def test_bad_input_is_refused_with_its_own_precise_error(
    change: Callable[[Document], None], field: str, message: str
) -> None:
    doc = minimal_document()
    change(doc)
    error = refusal(doc)
    assert error.field == field
    assert message in error.message


def test_an_agreement_built_in_code_needs_a_mediator() -> None:
    agreement = Agreement.from_document(minimal_document())
    with pytest.raises(InvalidInput, match="at least one mediator") as caught:
        dataclasses.replace(agreement, mediators=())
    assert caught.value.field == "mediators"


def test_a_commitment_without_a_clock_is_refused_naming_the_missing_clock() -> None:
    doc = minimal_document()
    del doc["commitments"][0]["clock"]
    error = refusal(doc)
    assert error.field == "commitments[0].clock"
    assert error.message.startswith("a commitment needs a clock: ")
    assert '"continuous"' in error.message


def test_a_commitment_without_a_clock_differs_from_a_positive_one_without_a_deadline() -> None:
    missing = minimal_document()
    del missing["commitments"][1]["clock"]
    continuous = minimal_document()
    continuous["commitments"][1]["clock"] = "continuous"
    assert refusal(missing).message != refusal(continuous).message


def test_errors_inside_an_event_body_carry_the_bodys_path() -> None:
    doc = minimal_document()
    doc["commitments"][1]["party"] = "xx"
    with pytest.raises(InvalidInput) as caught:
        Agreement.from_document(doc, where="body.agreement")
    assert caught.value.field == "body.agreement.commitments[1].party"


# --- clocks -----------------------------------------------------------------------------------


def test_a_recurring_clock_falls_due_every_period_from_its_first_deadline() -> None:
    clock = Recurring(every_days=14, first_due=date(2025, 11, 20))
    assert clock.deadlines(date(2025, 11, 19)) == []
    assert clock.deadlines(date(2025, 11, 20)) == [date(2025, 11, 20)]
    assert clock.deadlines(date(2025, 12, 18)) == [
        date(2025, 11, 20),
        date(2025, 12, 4),
        date(2025, 12, 18),
    ]
    assert len(clock.deadlines(date(2026, 11, 19))) == 27  # 365 days: 26 periods after the first


def test_the_next_deadline_of_a_recurring_clock_is_strictly_after_the_day_given() -> None:
    clock = Recurring(every_days=14, first_due=date(2025, 11, 20))
    assert clock.next_deadline(date(2025, 10, 19)) == date(2025, 11, 20)
    assert clock.next_deadline(date(2025, 11, 20)) == date(2025, 12, 4)
    assert clock.next_deadline(date(2025, 12, 3)) == date(2025, 12, 4)


def test_grace_extends_the_last_day_evidence_counts_not_the_deadline() -> None:
    clock = Recurring(every_days=14, first_due=date(2025, 11, 20), grace_days=2)
    assert clock.deadlines(date(2025, 11, 21)) == [date(2025, 11, 20)]
    assert clock.closes(date(2025, 11, 20)) == date(2025, 11, 22)
    assert Recurring(every_days=7, first_due=date(2025, 11, 20)).closes(date(2025, 11, 20)) == date(
        2025, 11, 20
    )


def test_a_due_date_has_one_deadline_and_no_grace() -> None:
    clock = DueDate(date(2025, 12, 1))
    assert clock.deadlines(date(2025, 11, 30)) == []
    assert clock.deadlines(date(2026, 1, 1)) == [date(2025, 12, 1)]
    assert clock.next_deadline(date(2025, 11, 30)) == date(2025, 12, 1)
    assert clock.next_deadline(date(2025, 12, 1)) is None
    assert clock.closes(date(2025, 12, 1)) == date(2025, 12, 1)


@pytest.mark.parametrize(("every", "grace"), [(0, 0), (367, 0), (7, 7), (7, -1)])
def test_a_recurring_clock_refuses_empty_long_or_overlapping_periods(
    every: int, grace: int
) -> None:
    with pytest.raises(InvalidInput):
        Recurring(every_days=every, first_due=date(2025, 11, 20), grace_days=grace)


@given(
    every=st.integers(1, 60),
    first=st.dates(date(2020, 1, 1), date(2030, 1, 1)),
    offset=st.integers(-100, 1000),
)
def test_deadlines_and_next_deadline_agree(every: int, first: date, offset: int) -> None:
    clock = Recurring(every_days=every, first_due=first)
    day = first + timedelta(days=offset)
    upcoming = clock.next_deadline(day)
    assert upcoming is not None and upcoming > day
    assert clock.deadlines(upcoming) == [*clock.deadlines(day), upcoming]


# --- conditions -------------------------------------------------------------------------------


def test_the_condition_language_reads_nested_any_and_all() -> None:
    doc = minimal_document()
    doc["penalties"][0]["when"] = {
        "any": [
            {"metric": "verified_violations", "at_least": 5},
            {
                "all": [
                    {"metric": "commitments_overdue", "at_least": 2, "window_days": 60},
                    {"metric": "replies_missed", "at_least": 1, "party": "af"},
                ]
            },
        ]
    }
    when = Agreement.from_document(doc).penalties[0].when
    assert when == AnyOf(
        (
            Condition(Metric.VERIFIED_VIOLATIONS, 5),
            AllOf(
                (
                    Condition(Metric.COMMITMENTS_OVERDUE, 2, window_days=60),
                    Condition(Metric.REPLIES_MISSED, 1, party="af"),
                )
            ),
        )
    )


def test_a_standard_of_proof_meets_the_bar_when_it_is_at_least_as_strong() -> None:
    rules = load_bundled().verification
    assert rules.meets("established")
    assert not rules.meets("likely")
    with pytest.raises(InvalidInput, match="unknown standard 'certain'"):
        rules.meets("certain")


# --- generated agreements: round trip and stable digest ---------------------------------------

texts = st.text(min_size=1, max_size=20).filter(str.strip)
idents = st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True)
days = st.dates(date(2000, 1, 1), date(2030, 12, 31))
acled_types = st.sampled_from(
    [(event, sub) for event, subs in ACLED_EVENT_TYPES.items() for sub in [None, *sorted(subs)]]
).map(lambda pair: AcledType(*pair))


def clocks(start: date) -> st.SearchStrategy[DueDate | Recurring]:
    firsts = st.integers(0, 400).map(lambda n: start + timedelta(days=n))
    recurring = st.builds(
        lambda every, first, grace: Recurring(every, first, grace % every),
        st.integers(1, 366),
        firsts,
        st.integers(0, 30),
    )
    return st.builds(DueDate, firsts) | recurring


@st.composite
def conditions(
    draw: st.DrawFn,
    parties: list[str],
    acts: list[str],
    commitments: list[Commitment],
    party: str | None,
    ladder: int,
) -> When:
    metrics = [m for m in Metric if m is not Metric.PENALTY_STEP or ladder > 0]
    metric = draw(st.sampled_from(metrics))
    bound = draw(st.sampled_from([None, *parties])) if party is None else None
    whose = bound or party
    eligible = [c.id for c in commitments if whose is None or c.party == whose]
    condition = Condition(
        metric=metric,
        at_least=draw(st.integers(1, ladder)) if metric is Metric.PENALTY_STEP else 1,
        window_days=None if metric is Metric.PENALTY_STEP else draw(st.none() | st.integers(1, 90)),
        acts=tuple(draw(st.lists(st.sampled_from(acts), max_size=2)))
        if acts and metric in {Metric.VERIFIED_VIOLATIONS, Metric.ALLEGED_VIOLATIONS}
        else (),
        commitments=tuple(draw(st.lists(st.sampled_from(eligible), max_size=2)))
        if eligible and metric in {Metric.COMMITMENTS_OVERDUE, Metric.COMMITMENTS_BREACHED}
        else (),
        party=bound,
    )
    shape = draw(st.sampled_from(["one", "any", "all"]))
    if shape == "one":
        return condition
    return (AnyOf if shape == "any" else AllOf)((condition, Condition(Metric.REPLIES_MISSED, 2)))


@st.composite
def agreements(draw: st.DrawFn) -> Agreement:
    party_ids = draw(st.lists(st.sampled_from(["pk", "af", "in", "ir"]), min_size=2, unique=True))
    mediator_ids = draw(st.lists(st.sampled_from(["tr", "qa", "sa"]), min_size=1, unique=True))
    clause_ids = draw(
        st.lists(st.sampled_from(["1", "2", "2(a)", "2(b)", "3", "10(c)"]), min_size=1, unique=True)
    )
    start = draw(days)
    acts = [
        ActType(
            id=act_id,
            name=draw(texts),
            description=draw(texts),
            clauses=tuple(draw(st.lists(st.sampled_from(clause_ids), min_size=1, max_size=2))),
            acled=tuple(draw(st.lists(acled_types, max_size=2))),
            ucdp=tuple(draw(st.lists(st.sampled_from([1, 2, 3]), max_size=3, unique=True))),
            against=draw(st.sampled_from(Attribution)),
        )
        for act_id in draw(st.lists(idents, max_size=3, unique=True))
    ]
    commitments = []
    for commitment_id in draw(st.lists(idents, max_size=3, unique=True)):
        kind = draw(st.sampled_from(CommitmentKind))
        positive = kind is CommitmentKind.POSITIVE
        commitments.append(
            Commitment(
                id=commitment_id,
                party=draw(st.sampled_from(party_ids)),
                kind=kind,
                text=draw(texts),
                clauses=tuple(draw(st.lists(st.sampled_from(clause_ids), max_size=2))),
                steps=tuple(draw(st.lists(idents, min_size=1 if positive else 0, max_size=2))),
                evidence=draw(texts),
                clock=draw(clocks(start) if positive else st.none() | clocks(start)),
            )
        )
    verifiers = draw(st.lists(st.sampled_from(mediator_ids), min_size=1, unique=True))
    standards = draw(st.lists(idents, min_size=2, max_size=4, unique=True))
    act_ids = [a.id for a in acts]
    ladder = draw(st.integers(0, 3))
    penalties = tuple(
        PenaltyStep(
            level=level,
            name=draw(texts),
            meaning=draw(texts),
            when=draw(conditions(party_ids, act_ids, commitments, None, 0)),
        )
        for level in range(1, ladder + 1)
    )
    signatories = party_ids + mediator_ids
    status_rules = []
    for _ in range(draw(st.integers(0, 2))):
        party = draw(st.none() | st.sampled_from(party_ids))
        status_rules.append(
            StatusRule(
                status=draw(st.sampled_from([Status.STRAINED, Status.BREACHED])),
                party=party,
                declared_by=draw(st.none() | st.sampled_from(signatories)),
                reason=draw(texts),
                when=draw(conditions(party_ids, act_ids, commitments, party, ladder)),
            )
        )
    region = (60.0, 23.5, 78.0, 38.5)
    sectors = tuple(
        Sector(
            id=sector_id,
            name=draw(texts),
            parties=tuple(draw(st.lists(st.sampled_from(party_ids), max_size=2, unique=True))),
            crossings=tuple(draw(st.lists(texts, max_size=2))),
            bbox=(lon, lat, lon + draw(st.floats(0.1, 2.0)), lat + draw(st.floats(0.1, 2.0))),
        )
        for sector_id in draw(st.lists(idents, max_size=3, unique=True))
        for lon, lat in [(draw(st.floats(60.0, 75.0)), draw(st.floats(23.5, 36.0)))]
    )
    meetings = tuple(
        Meeting(
            id=meeting_id,
            date=draw(days),
            place=draw(texts),
            purpose=draw(texts),
            decisions=tuple(
                Decision(
                    id=decision_id,
                    text=draw(texts),
                    kind=draw(st.sampled_from(DecisionKind)),
                    sign=tuple(
                        draw(st.lists(st.sampled_from(signatories), min_size=1, unique=True))
                    ),
                )
                for decision_id in draw(st.lists(idents, max_size=2, unique=True))
            ),
        )
        for meeting_id in draw(st.lists(idents, max_size=2, unique=True))
    )
    standard = draw(st.sampled_from(standards))
    return Agreement(
        id=draw(idents),
        version=draw(st.integers(1, 1000)),
        title=draw(texts),
        effective_from=start,
        parties=tuple(Party(p, draw(texts), p.upper()) for p in party_ids),
        mediators=tuple(Mediator(m, draw(texts), m.upper()) for m in mediator_ids),
        clauses=tuple(Clause(c, draw(texts), draw(texts)) for c in clause_ids),
        acts=tuple(acts),
        commitments=tuple(commitments),
        verification=VerificationRules(
            mediators=tuple(verifiers),
            quorum=draw(st.integers(1, len(verifiers))),
            standards=tuple(standards),
            standard_for_violation=standard,
            reply_window_hours=draw(st.integers(1, 24 * 90)),
            monitors_may_propose=draw(st.booleans()),
        ),
        penalties=penalties,
        status_rules=tuple(status_rules),
        sectors=sectors,
        meetings=meetings,
        region=Region(region),
        sources=tuple(draw(st.lists(texts, max_size=2))),
    )


@given(agreements())
def test_a_generated_agreement_reads_back_from_its_document(agreement: Agreement) -> None:
    assert Agreement.from_document(agreement.to_document()) == agreement


@given(agreements())
def test_a_generated_agreements_digest_survives_a_trip_through_json(agreement: Agreement) -> None:
    again = Agreement.from_document(canonical_copy(agreement.to_document()))
    assert again == agreement
    assert again.digest() == agreement.digest()
    assert again.canonical() == agreement.canonical()


@given(agreements())
def test_a_generated_agreements_document_has_no_nulls(agreement: Agreement) -> None:
    def values(node: object) -> list[object]:
        if isinstance(node, dict):
            return [x for v in node.values() for x in values(v)]
        if isinstance(node, list):
            return [x for v in node for x in values(v)]
        return [node]

    assert None not in values(agreement.to_document())
