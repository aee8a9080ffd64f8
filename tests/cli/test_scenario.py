"""``ceasefire scenario load``: the Istanbul scenario plays through the real services on SQLite
and on PostgreSQL, and ends where the agreement's rules, applied by hand, say it must.

The expected statuses below are worked out from ``src/ceasefire/agreements/istanbul-2025.toml``
and the scenario's steps, not read back from the code: each comment says which rule and which
steps give the value. The status rules are read in order, and a rule without a party judges
pk before af:

    status_rules[0]  breached, af (declared by pk): an af deadline missed (any of
                     af-dismantle-hideouts, af-disrupt-logistics, af-prosecute-leadership), or a
                     verified attack_from_territory by af in the last 30 days
    status_rules[1]  breached, pk: a verified airstrike or drone_strike by pk in the last 30 days
    status_rules[2]  breached: a party on step 4 of the ladder
    status_rules[3]  strained: a verified violation in the last 14 days, three or more open
                     allegations, or a missed deadline in the last 30 days
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ceasefire import bootstrap
from ceasefire.cli.main import app
from ceasefire.domain import casework_events as ce
from ceasefire.domain.agreement_conditions import Status
from ceasefire.domain.cases import CaseState
from ceasefire.errors import Conflict
from ceasefire.services import casework
from ceasefire.services import evidence as evidence_service
from ceasefire.services import reports as report_service
from ceasefire.settings import Settings
from ceasefire.storage.keyfiles import read_key
from ceasefire.storage.log_store import SqlLogStore

runner = CliRunner()
SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "istanbul-2025.yaml"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_istanbul_scenario_ends_where_the_agreement_says(
    database_url: str, tmp_path: Path, subtests: pytest.Subtests
) -> None:
    loading = ["scenario", "load", str(SCENARIO), "--data", str(tmp_path)]
    result = runner.invoke(app, [*loading, "--database-url", database_url, "--json"])
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    played = json.loads(result.stdout.splitlines()[-1])
    labels: dict[str, str] = played["labels"]
    settings = Settings(data=tmp_path, database_url=database_url)
    with bootstrap.opened(settings) as store:
        with subtests.test("every case state appears, and one case was reopened"):
            assert {state: len(cases) for state, cases in played["cases"].items()} == {
                "opened": 2,
                "investigating": 2,
                "awaiting_reply": 1,
                "finding_proposed": 1,
                "issued": 1,
                "closed": 2,
            }
            assert played["reopened"] == ["hideout-case"]
            assert "hideout-case" in played["cases"]["investigating"]
        with subtests.test("a finding issued with both mediators' signatures"):
            _finding_signed_by_both(store, labels)
        with subtests.test("a finding short of its quorum cannot be issued"):
            _wana_short_of_quorum(store, labels, tmp_path)
        with subtests.test("a penalty imposed at the quorum, appealed and upheld"):
            _penalty_imposed(store, labels)
        with subtests.test("a reply deadline missed"):
            _reply_missed(store, labels)
        with subtests.test("the recycled photo is flagged"):
            _recycled_flagged(store, labels)
        with subtests.test("the meeting's decisions recorded with their signatories"):
            _decisions(store)
        with subtests.test("the status on chosen dates, by the agreement's rules"):
            _statuses(store, labels)


def _finding_signed_by_both(store: SqlLogStore, labels: dict[str, str]) -> None:
    case = casework.show_case(store, labels["chaman-firing"])
    assert case.state is CaseState.ISSUED
    (finding,) = case.issued
    assert [s.signatory for s in finding.concurring()] == ["tr", "qa"]
    assert (finding.finding.confidence, finding.finding.party) == ("established", "pk")
    assert finding.finding.clauses == ("1", "2(a)")


def _wana_short_of_quorum(store: SqlLogStore, labels: dict[str, str], data: Path) -> None:
    case = casework.show_case(store, labels["wana-case"])
    assert case.state is CaseState.FINDING_PROPOSED
    assert case.proposal is not None
    assert [(s.signatory, s.concurs) for s in case.proposal.signatures] == [
        ("tr", True),
        ("qa", False),  # Qatar dissents: a dissent does not count toward the quorum of 2
    ]
    keys = data / "keys"
    signer = casework.Signer(
        read_key(keys / "tr-mediator-1.key"),
        read_key(keys / "log.key"),
        lambda: at("2025-11-29T09:00:00"),
    )
    size = store.head().size
    with pytest.raises(Conflict, match="short of the quorum"):
        casework.record(
            store, signer, ce.FINDING_ISSUED, {"case": case.id, "finding": case.proposal.id}
        )
    assert store.head().size == size


def _penalty_imposed(store: SqlLogStore, labels: dict[str, str]) -> None:
    work, _ = casework.load(store, None)
    penalty = work.penalties[labels["pk-notice"]]
    assert (penalty.party, penalty.level) == ("pk", 1)
    assert [s.signatory for s in penalty.signatures if s.concurs] == ["tr", "qa"]
    # imposed at the second signature: the quorum of the agreement's verification table
    assert penalty.imposed_at == penalty.signatures[-1].index
    assert penalty.outcome is not None and penalty.outcome.value == "upheld"
    assert penalty.lifted_at is None


def _reply_missed(store: SqlLogStore, labels: dict[str, str]) -> None:
    case = casework.show_case(store, labels["wana-case"])
    (window,) = case.windows
    # asked on 12 November 08:00 UTC; reply_window_hours = 72
    assert window.due == at("2025-11-15T08:00:00")
    assert window.replied is None
    before = casework.status(store, at("2025-11-15T08:00:00")).party("af")
    after = casework.status(store, at("2025-11-15T08:00:01")).party("af")
    assert (before.replies_missed, after.replies_missed) == (0, 1)
    # penalties[0] (step 1) holds on replies_missed >= 1 within 30 days
    assert after.step == 1


def _recycled_flagged(store: SqlLogStore, labels: dict[str, str]) -> None:
    viewer = report_service.viewer_of(store, "tr-mediator-1")
    (photo,) = evidence_service.evidence_for_report(store, viewer, labels["luqman-fire"])
    flags = {flag.code.value: flag.message for flag in photo.flags}
    assert labels["spin-boldak"] in flags["recycled_image"]
    (original,) = evidence_service.evidence_for_report(store, viewer, labels["spin-boldak"])
    assert original.flags == ()


def _decisions(store: SqlLogStore) -> None:
    work, _ = casework.load(store, None)
    meeting = work.meetings["istanbul-2025-11"]
    assert [p for _, present in meeting.attendance for p in present] == ["pk", "af", "tr", "qa"]
    signed = {d.id: [s for s, _ in d.signatures] for d in meeting.decisions}
    # adopt-modalities: the signatories the agreement names for it; a deadline: the mediators
    # and the party bound (domain.meetings.required_signatories)
    assert signed == {
        "adopt-modalities": ["pk", "af", "tr", "qa"],
        "logistics-deadline": ["af", "tr", "qa"],
    }
    assert all(d.recorded_at is not None for d in meeting.decisions)


def _statuses(store: SqlLogStore, labels: dict[str, str]) -> None:
    def status(moment: str) -> Any:
        return casework.status(store, at(moment))

    # 20 October, end of day: holding. Open allegations: against pk two (paktika, spin-boldak;
    # paktika-again was withdrawn), against af two (kurram, chaman); rule 3 needs three. No
    # finding exists and the first deadline is 20 November, so rules 0-2 cannot hold either.
    holding = status("2025-10-20T23:59:59")
    assert (holding.status, holding.rule) == (Status.HOLDING, None)

    # 22 October, end of day: the monitor's Torkham report makes a third open allegation
    # against af (kurram, chaman, torkham): strained by rule 3, for af (pk, judged first, has 2).
    strained = status("2025-10-22T23:59:59")
    assert (strained.status, strained.status_party, strained.rule) == (Status.STRAINED, "af", 3)

    # 12 November, noon: the chaman-firing finding (issued 09:30) establishes artillery fire by
    # pk on 6 November. Rule 1 does not hold (it counts only airstrikes and drone strikes), but
    # rule 3 does for pk: a verified violation in the last 14 days. pk-ceasefire (clauses 1,
    # 2(a)) is breached, and pk stands on step 1 (a verified violation within 30 days).
    verified = status("2025-11-12T12:00:00")
    assert (verified.status, verified.status_party, verified.rule) == (Status.STRAINED, "pk", 3)
    assert verified.party_status("pk").rule == 3
    assert verified.commitment("pk-ceasefire").status.value == "breached"
    assert verified.party("pk").step == 1

    # 22 November, end of day: af-prosecute-leadership's first deadline (20 November) has 2
    # days' grace, so evidence is still awaited: rule 0 does not hold yet. af is strained by
    # rule 3 (open allegations chaman, torkham, wana: the Kurram case was dismissed, which
    # decides its allegation, corrected or not); pk's verified
    # violation (6 November) is now older than 14 days and it has two open allegations: holding.
    waiting = status("2025-11-22T23:59:59")
    assert (waiting.status, waiting.status_party, waiting.rule) == (Status.STRAINED, "af", 3)
    assert waiting.party("af").alleged_violations == 3
    assert waiting.party_status("pk").status is Status.HOLDING

    # 23 November: the grace is over and no public claim toward af-prosecute-leadership came
    # (the arrest report stays sealed, and only public content counts): one missed deadline,
    # and Pakistan's conditional-truce rule 0 holds — breached by af, as declared by pk.
    # af-disrupt-logistics is not missed: the 6 November decision moved its deadline to
    # 27 November. af-dismantle-hideouts met its 20 November deadline with the disclosed,
    # verified Barmal claim (submitted 4 November); its next deadline, 4 December, is open.
    breached = status("2025-11-23T00:00:00")
    assert (breached.status, breached.status_party, breached.declared_by, breached.rule) == (
        Status.BREACHED,
        "af",
        "pk",
        0,
    )
    prosecute = breached.commitment("af-prosecute-leadership")
    assert (prosecute.status.value, [str(d) for d in prosecute.missed]) == (
        "overdue",
        ["2025-11-20"],
    )
    logistics = breached.commitment("af-disrupt-logistics")
    assert (logistics.status.value, str(logistics.next_deadline)) == ("due", "2025-11-27")
    hideouts = breached.commitment("af-dismantle-hideouts")
    assert (hideouts.status.value, hideouts.missed, str(hideouts.next_deadline)) == (
        "due",
        (),
        "2025-12-04",
    )
    assert breached.commitment("pk-report").missed == ()  # Pakistan's report of 19 November

    # The end (28 November): still breached by af under rule 0 (a missed deadline counts with
    # no window). The logistics claim of 26 November met the moved deadline. pk is strained by
    # rule 3: four open allegations (paktika, spin-boldak, and the two Khost reports, whose
    # case awaits a finding); its step 1 was imposed.
    end = status("2025-11-28T09:00:00")
    assert (end.status, end.status_party, end.rule) == (Status.BREACHED, "af", 0)
    assert end.commitment("af-disrupt-logistics").status.value == "met"
    pk = end.party("pk")
    assert (pk.verified_violations, pk.alleged_violations, pk.step, pk.imposed) == (1, 4, 1, 1)
    assert end.party_status("pk").rule == 3
    af = end.party("af")
    assert (af.replies_missed, af.commitments_overdue, af.step, af.imposed) == (1, 1, 1, 0)
    assert labels["wana-case"] in json.dumps(end.party("af").explanation.to_document())


# --- a scenario that is wrong ------------------------------------------------------------------

HEAD = """\
scenario: tiny
title: A scenario with a mistake in it
agreement: istanbul-2025
origin: ceasefire.test/tiny
start: 2025-10-19T09:00:00Z
personas:
  - {id: pk-liaison-1, role: liaison, for: pk}
  - {id: af-liaison-1, role: liaison, for: af}
  - {id: tr-mediator-1, role: mediator, for: tr}
  - {id: qa-mediator-1, role: mediator, for: qa}
  - {id: monitor-1, role: monitor}
steps:
  - {at: 2025-10-19T10:00:00Z, by: pk-liaison-1, do: sign_agreement}
  - {at: 2025-10-19T10:01:00Z, by: af-liaison-1, do: sign_agreement}
  - {at: 2025-10-19T10:02:00Z, by: tr-mediator-1, do: sign_agreement}
  - {at: 2025-10-19T10:03:00Z, by: qa-mediator-1, do: sign_agreement}
  - at: 2025-10-20T09:00:00Z
    by: af-liaison-1
    do: report
    label: fire
    body:
      kind: allegation
      dates: 2025-10-20
      location: {latitude: 31.0, longitude: 66.4, precision: near, place: Spin Boldak}
      act: artillery_fire
      alleged_party: pk
      narrative: Shells landed in Spin Boldak.
      language: en
      sources: [{name: District office, kind: party, grade: C3}]
"""


@pytest.mark.parametrize(
    ("step", "field", "message"),
    [
        (
            "{at: 2025-10-21T09:00:00Z, by: monitor-1, do: open_case, label: c, reprots: [fire]}",
            "step 6.reports",
            "is required",
        ),
        (
            "{at: 2025-10-21T09:00:00Z, by: monitor-1, do: open_case, reports: [fire], titel: x}",
            "step 6.titel",
            "unknown field 'titel'; open_case takes at, by, do, label, chapter, says, reports, "
            "title",
        ),
        (
            "{at: 2025-10-21T09:00:00Z, by: monitor-1, do: open_case, reports: [smoke]}",
            "step 6.reports[0]",
            "no earlier step is labelled 'smoke'",
        ),
        (
            "{at: 2025-10-21T09:00:00Z, by: monitor-1, do: assign, case: fire, monitor: monitor-1}",
            "step 6.case",
            "'fire' names a report, not a case",
        ),
        (
            "{at: 2025-10-19T08:00:00Z, by: monitor-1, do: open_case, reports: [fire]}",
            "step 6.at",
            "expected a time no earlier than step 5's (2025-10-20T09:00:00Z)",
        ),
        (
            "{at: 2025-10-21T09:00:00Z, by: monitor-9, do: open_case, reports: [fire]}",
            "step 6.by",
            "'monitor-9' is not one of the scenario's personas",
        ),
        (
            "{at: 2025-10-21T09:00:00Z, by: monitor-1, do: investigate, case: fire}",
            "step 6.do",
            "unknown action 'investigate'",
        ),
        (
            "{at: 2025-10-21T09:00:00Z, by: af-liaison-1, do: withdraw, label: w, report: fire, "
            "reason: a mistake}",
            "step 6.label",
            "withdraw makes nothing a later step could refer to",
        ),
    ],
)
def test_a_malformed_step_is_refused_naming_the_step_and_the_field(
    tmp_path: Path, step: str, field: str, message: str
) -> None:
    file = tmp_path / "tiny.yaml"
    file.write_text(HEAD + f"  - {step}\n", encoding="utf-8")
    result = runner.invoke(app, ["scenario", "load", str(file), "--data", str(tmp_path / "d")])
    assert result.exit_code == 3, result.output
    assert f"{field}: {message}" in " ".join(result.stderr.split())
    assert not (tmp_path / "d").exists()  # refused before anything was made


def test_a_bad_report_body_is_refused_against_the_agreement(tmp_path: Path) -> None:
    file = tmp_path / "tiny.yaml"
    file.write_text(HEAD.replace("act: artillery_fire", "act: shelling"), encoding="utf-8")
    result = runner.invoke(app, ["scenario", "load", str(file), "--data", str(tmp_path / "d")])
    assert result.exit_code == 3, result.output
    assert "step 5.body.act: no act 'shelling'; the acts are airstrike" in " ".join(
        result.stderr.split()
    )


def test_a_step_the_record_refuses_stops_the_run_naming_the_step(tmp_path: Path) -> None:
    file = tmp_path / "tiny.yaml"
    steps = (
        "  - {at: 2025-10-21T09:00:00Z, by: monitor-1, do: open_case, label: c, reports: [fire]}\n"
        "  - {at: 2025-10-21T09:05:00Z, by: tr-mediator-1, do: issue_finding, case: c}\n"
    )
    file.write_text(HEAD + steps, encoding="utf-8")
    result = runner.invoke(app, ["scenario", "load", str(file), "--data", str(tmp_path / "d")])
    assert result.exit_code == 5, result.output
    said = " ".join(result.stderr.split())
    assert "step 7.case: case " in said
    assert "no finding is proposed (step 7: issue_finding by tr-mediator-1" in said


def test_a_missing_scenario_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    result = runner.invoke(app, ["demo", "--data", str(tmp_path / "d"), "--scenario", str(missing)])
    assert result.exit_code == 4, result.output
    assert f"no scenario file {missing}" in " ".join(result.stderr.split())
    assert not (tmp_path / "d").exists()
