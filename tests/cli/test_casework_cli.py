"""Verification and enforcement through the command line: a case walked from the report to the
issued finding, the status and commitments it changes, the penalty ladder, and a meeting whose
decision takes effect only with its signatures — each refusal with its exit code and reason.

The CLI signs with the real clock, so the agreement under test is the bundled one with its
reporting periods starting a month from today (the bundled dates have long passed, which would
leave Afghanistan overdue on every run), and the allegation is dated yesterday (violations
count in windows of days before the moment asked about).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ceasefire.domain.agreement_toml import bundled_text
from tests.cli.test_record_cli import PERSONAS, RecordCli
from tests.report_bodies import allegation_body

TODAY = datetime.now(UTC).date()
YESTERDAY = TODAY - timedelta(days=1)
FIRST_DUE = TODAY + timedelta(days=30)


def agreement_file(folder: Path) -> Path:
    """The bundled agreement, its reporting periods starting a month from today."""
    text = bundled_text().replace("first_due = 2025-11-20", f"first_due = {FIRST_DUE}")
    path = folder / "agreement.toml"
    path.write_text(text, encoding="utf-8")
    return path


def mechanism(database_url: str, folder: Path) -> RecordCli:
    """Both liaisons, both mediators and a monitor enrolled; the agreement signed by all four."""
    cli = RecordCli(folder / "data", database_url)
    cli("init", "--origin", "ceasefire.test/casework", "--agreement", str(agreement_file(folder)))
    for actor, role, affiliation in PERSONAS:
        cli(
            "actors",
            "enrol",
            actor,
            "--role",
            role,
            *(["--for", affiliation] if affiliation else []),
        )
    for actor, _, affiliation in PERSONAS:
        if affiliation is not None:
            cli("agreement", "sign", "--key", cli.key(actor))
    return cli


@pytest.fixture
def cli(tmp_path: Path) -> RecordCli:
    return mechanism(f"sqlite:///{tmp_path / 'ceasefire.db'}", tmp_path)


def as_(cli: RecordCli, actor: str) -> tuple[str, str]:
    return ("--key", cli.key(actor))


def lines(text: str) -> list[Any]:
    return [json.loads(line) for line in text.splitlines()]


def airstrike_case(cli: RecordCli, folder: Path) -> str:
    """Afghanistan alleges yesterday's airstrike; a monitor opens the case, a mediator assigns
    it, Pakistan is asked to reply and does. Returns the case id."""
    body = allegation_body(
        dates={"start": str(YESTERDAY), "end": str(YESTERDAY), "precision": "day"}
    )
    report = cli.submit("af-liaison-1", body, folder)
    case = cli.out("case", "open", report, *as_(cli, "monitor-1"))
    cli("case", "assign", case, "monitor-1", *as_(cli, "tr-mediator-1"))
    cli("case", "request-reply", case, *as_(cli, "monitor-1"))
    reply = ("--position", "denies", "--text", "No aircraft crossed.")
    cli("case", "reply", case, *reply, *as_(cli, "pk-liaison-1"))
    return case


def propose_finding(cli: RecordCli, case: str) -> str:
    return cli.out(
        "finding", "propose", case, *as_(cli, "monitor-1"),
        "--confidence", "established", "--attribution", "attributable", "--party", "pk",
        "--clause", "1", "--clause", "2(a)", "--reasons", "Imagery and two witnesses.",
    )  # fmt: skip


def issued_finding(cli: RecordCli, folder: Path) -> str:
    """A case whose finding against Pakistan both mediators signed and one issued."""
    case = airstrike_case(cli, folder)
    propose_finding(cli, case)
    cli("finding", "sign", case, *as_(cli, "tr-mediator-1"))
    cli("finding", "sign", case, *as_(cli, "qa-mediator-1"))
    cli("finding", "issue", case, *as_(cli, "tr-mediator-1"))
    return case


# -- cases and findings ---------------------------------------------------------------------------


def test_a_finding_is_issued_only_at_the_quorum_of_mediators(
    database_url: str, tmp_path: Path
) -> None:
    cli = mechanism(database_url, tmp_path)
    case = airstrike_case(cli, tmp_path)
    window = cli.json("case", "show", case)["reply_windows"][0]
    assert window["replied_at"] is not None
    assert window["position"] == "denies"
    assert window["missed"] is False

    finding = propose_finding(cli, case)
    signed = cli.json("finding", "sign", case, *as_(cli, "tr-mediator-1"))
    size = cli.size()
    refused = cli("finding", "issue", case, *as_(cli, "tr-mediator-1"), code=5)
    assert "quorum" in refused
    assert "not yet signed: qa" in refused
    assert cli.size() == size  # a refusal leaves the log as it was

    cli("finding", "sign", case, *as_(cli, "qa-mediator-1"), "--note", "Concur.")
    issued = cli.json("finding", "issue", case, *as_(cli, "tr-mediator-1"))

    shown = cli.json("case", "show", case)
    assert shown["state"] == "issued"
    assert shown["proposal"] is None
    (found,) = shown["findings"]
    assert found["id"] == finding
    assert found["issued_at"] == issued["index"]
    assert [(s["signatory"], s["concurs"]) for s in found["signatures"]] == [
        ("tr", True),
        ("qa", True),
    ]
    assert found["signatures"][0]["index"] == signed["index"]
    timeline = shown["timeline"]
    assert [step["type"] for step in timeline] == [
        "case.opened", "case.assigned", "case.reply_requested", "case.replied",
        "finding.proposed", "finding.signed", "finding.signed", "finding.issued",
    ]  # fmt: skip
    assert [step["state"] for step in timeline][-1] == "issued"
    assert timeline[-1]["index"] == issued["index"]
    assert [c["id"] for c in lines(cli("case", "list", "--state", "issued", "--json"))] == [case]
    assert lines(cli("case", "list", "--party", "af", "--json")) == []


def test_only_the_accused_party_replies_and_a_dissent_does_not_count(
    cli: RecordCli, tmp_path: Path
) -> None:
    body = allegation_body(
        dates={"start": str(YESTERDAY), "end": str(YESTERDAY), "precision": "day"}
    )
    case = cli.out(
        "case", "open", cli.submit("af-liaison-1", body, tmp_path), *as_(cli, "monitor-1")
    )
    cli("case", "assign", case, "monitor-1", *as_(cli, "tr-mediator-1"))
    due = cli.json("case", "request-reply", case, *as_(cli, "monitor-1"))["due"]
    assert cli.json("case", "show", case)["reply_windows"][0]["due"] == due
    reply = ("case", "reply", case, "--position", "contests", "--text", "Not ours.")
    refused = cli(*reply, *as_(cli, "af-liaison-1"), code=6)
    assert "actor: the reply in case" in refused
    cli(*reply, *as_(cli, "pk-liaison-1"))
    propose_finding(cli, case)
    cli("finding", "sign", case, *as_(cli, "tr-mediator-1"))
    cli("finding", "sign", case, *as_(cli, "qa-mediator-1"), "--dissent", "--note", "Unproven.")
    assert "1 did" in cli("finding", "issue", case, *as_(cli, "tr-mediator-1"), code=5)


def test_information_is_asked_and_answered_and_a_closed_case_reopens_on_new_evidence(
    cli: RecordCli, tmp_path: Path
) -> None:
    case = airstrike_case(cli, tmp_path)
    report = cli.json("case", "show", case)["reports"][0]
    due = f"{TODAY + timedelta(days=2)}T12:00:00Z"
    ask = ("--of", "pk", "--question", "Which aircraft flew that night?", "--due", due)
    request = cli.out("case", "request-info", case, *ask, *as_(cli, "monitor-1"))
    answer = ("--text", "None crossed the border.")
    refused = cli("case", "provide-info", case, request, *answer, *as_(cli, "af-liaison-1"), code=6)
    assert "the request was made of 'pk'" in refused
    answered = cli.json("case", "provide-info", case, request, *answer, *as_(cli, "pk-liaison-1"))
    (asked,) = cli.json("case", "show", case)["requests"]
    assert (asked["id"], asked["due"], asked["answered_at"]) == (request, due, answered["index"])

    propose_finding(cli, case)
    cli("finding", "sign", case, *as_(cli, "tr-mediator-1"))
    cli("finding", "sign", case, *as_(cli, "qa-mediator-1"))
    cli("finding", "issue", case, *as_(cli, "qa-mediator-1"))
    cli("case", "close", case, "--reason", "Finding issued.", *as_(cli, "tr-mediator-1"))
    assert "body.evidence: a case is reopened by new evidence" in cli(
        "case", "reopen", case, "--reason", "Doubts.", *as_(cli, "tr-mediator-1"), code=3
    )
    reopen = ("--reason", "The report is read again.", "--report", report)
    cli("case", "reopen", case, *reopen, *as_(cli, "tr-mediator-1"))
    shown = cli.json("case", "show", case)
    assert shown["state"] == "investigating"
    assert [s["type"] for s in shown["timeline"]][-2:] == ["case.closed", "case.reopened"]
    assert len(shown["findings"]) == 1  # the issued finding stands until another is issued

    people = cli.out("case", "show", case)
    assert f"case {case}: " in people
    assert "replied at #" in people
    assert "case.reopened" in people


# -- status and commitments -----------------------------------------------------------------------


def test_an_issued_finding_breaches_the_ceasefire_by_the_party_it_attributes(
    cli: RecordCli, tmp_path: Path
) -> None:
    issued_finding(cli, tmp_path)
    # asked at once: the finding, issued this very second, is counted, and so it is again as of
    # the time the status states (to the millisecond, as the log writes an entry's time)
    status = cli.json("status")
    assert (status["status"], status["status_party"], status["rule"]) == ("breached", "pk", 1)
    assert cli.json("status", "--as-of", status["as_of"]) == status  # the same bytes, recomputed
    commitments = {c["id"]: c for c in lines(cli("commitments", "--json"))}
    assert commitments["pk-ceasefire"]["status"] == "breached"
    assert commitments["af-ceasefire"]["status"] == "met"
    assert commitments["pk-report"]["next_deadline"] == str(FIRST_DUE)

    shown = cli.out("status")
    assert shown.startswith("istanbul-2025 version 1, as of ")
    assert ": breached by pk" in shown.splitlines()[0]
    cited = status["explanation"]["children"][0]["indices"]
    assert "[" + " ".join(f"#{i}" for i in cited) + "]" in shown
    assert "pk: breached; ladder: step 1 (Formal notice), imposed: none" in shown
    table = cli.out("commitments")
    assert "pk-ceasefire" in table
    assert str(FIRST_DUE) in table


def test_the_status_as_of_a_day_before_the_finding_is_holding(
    cli: RecordCli, tmp_path: Path
) -> None:
    issued_finding(cli, tmp_path)
    before = cli.json("status", "--as-of", str(YESTERDAY))
    assert before["as_of"] == f"{YESTERDAY}T23:59:59Z"
    assert (before["status"], before["status_party"]) == ("holding", None)
    earlier = {
        c["id"]: c["status"] for c in lines(cli("commitments", "--as-of", str(YESTERDAY), "--json"))
    }
    assert earlier["pk-ceasefire"] == "met"
    assert "as-of: expected YYYY-MM-DD" in cli("status", "--as-of", "yesterday", code=3)
    assert "as-of: a time needs its zone" in cli("status", "--as-of", f"{TODAY}T10:00:00", code=3)


# -- penalties ------------------------------------------------------------------------------------


def test_a_penalty_is_imposed_at_the_quorum_and_only_as_high_as_the_ladder_allows(
    cli: RecordCli, tmp_path: Path
) -> None:
    case = issued_finding(cli, tmp_path)
    mediator = as_(cli, "tr-mediator-1")
    refused = cli("penalty", "propose", "pk", "3", "--reasons", "Too far.", *mediator, code=5)
    assert "body.level: the penalty ladder does not support step 3 for pk" in refused

    reasons = ("--reasons", "A verified airstrike.", "--case", case)
    penalty = cli.out("penalty", "propose", "pk", "1", *reasons, *mediator)
    (proposed,) = lines(cli("penalty", "list", "--json"))
    assert (proposed["stage"], proposed["imposed_at"]) == ("proposed", None)
    cli("penalty", "sign", penalty, *mediator)
    imposed = cli.json("penalty", "sign", penalty, *as_(cli, "qa-mediator-1"))
    (entry,) = lines(cli("penalty", "list", "--json"))
    assert entry["id"] == penalty
    assert (entry["party"], entry["level"], entry["name"]) == ("pk", 1, "Formal notice")
    assert (entry["stage"], entry["imposed_at"]) == ("imposed", imposed["index"])
    assert entry["cases"] == [case]

    cli("penalty", "notify", penalty, "--note", "Letter delivered.", *mediator)
    cli("penalty", "execute", penalty, "--note", "Notice published.", *mediator)
    grounds = ("--grounds", "The finding is wrong.")
    cli("penalty", "appeal", penalty, *grounds, *as_(cli, "pk-liaison-1"))
    (entry,) = lines(cli("penalty", "list", "--json"))
    assert entry["stage"] == "under appeal"
    assert (len(entry["notices"]), len(entry["executions"])) == (1, 1)
    standing = cli.json("status")["parties"][0]
    assert (standing["party"], standing["step"], standing["imposed"]) == ("pk", 1, 1)

    decide = ("penalty", "decide-appeal", penalty, "--outcome", "lifted", "--reasons", "New facts.")
    cli(*decide, *mediator)
    lifted = cli.json(*decide, *as_(cli, "qa-mediator-1"))
    (entry,) = lines(cli("penalty", "list", "--json"))
    assert (entry["stage"], entry["outcome"], entry["lifted_at"]) == (
        "lifted",
        "lifted",
        lifted["index"],
    )
    assert cli.json("status")["parties"][0]["imposed"] == 0
    assert "lifted" in cli.out("penalty", "list")


# -- meetings -------------------------------------------------------------------------------------


def test_a_meeting_decision_takes_effect_only_with_its_signatures(
    cli: RecordCli, tmp_path: Path
) -> None:
    issued_finding(cli, tmp_path)
    mediator = as_(cli, "tr-mediator-1")
    when = ("--date", str(TODAY + timedelta(days=7)), "--place", "Istanbul")
    agenda = cli.out(
        "meeting", "schedule", "istanbul-next", *when, "--purpose", "Go on.", *mediator
    )
    assert "- commitment pk-ceasefire: commitment pk-ceasefire is breached" in agenda
    present = [arg for who in ("pk", "af", "tr", "qa") for arg in ("--present", who)]
    cli("meeting", "attend", "istanbul-next", *present, *mediator)

    new_due = FIRST_DUE + timedelta(days=3)
    propose = ("meeting", "propose-decision", "istanbul-next")
    deadline = ("--deadline", f"pk-report:{new_due}", "--text", "Pakistan reports 3 days later.")
    cli(*propose, "pk-report", "--kind", "deadline", *deadline, *mediator)
    cli(*propose, "again", "--kind", "procedural", "--text", "Meet in a month.", *mediator)
    size = cli.size()
    refused = cli("meeting", "record", "istanbul-next", "again", *mediator, code=5)
    assert "lacks the required signatures of pk, af, tr, qa" in refused
    assert cli.size() == size

    for actor in ("tr-mediator-1", "qa-mediator-1", "pk-liaison-1"):
        cli("meeting", "sign", "istanbul-next", "pk-report", *as_(cli, actor))
    assert "signs for no party or mediator" in cli(
        "meeting", "sign", "istanbul-next", "pk-report", *as_(cli, "monitor-1"), code=6
    )
    recorded = cli.json("meeting", "record", "istanbul-next", "pk-report", *mediator)

    shown = cli.json("meeting", "show", "istanbul-next")
    decision = shown["decisions"][0]
    assert decision["effect"] == {"deadline": {"commitment": "pk-report", "due": str(new_due)}}
    assert decision["required"] == ["tr", "qa", "pk"]
    assert [s["signatory"] for s in decision["signatures"]] == ["tr", "qa", "pk"]
    assert decision["recorded_at"] == recorded["index"]
    assert shown["decisions"][1]["missing"] == ["pk", "af", "tr", "qa"]
    assert shown["attendance"][0]["present"] == ["pk", "af", "tr", "qa"]
    commitments = {c["id"]: c for c in lines(cli("commitments", "--json"))}
    assert commitments["pk-report"]["next_deadline"] == str(new_due)
    assert [m["id"] for m in lines(cli("meeting", "list", "--json"))] == ["istanbul-next"]
    people = cli.out("meeting", "show", "istanbul-next")
    assert f"effect: deadline commitment pk-report, due {new_due}" in people
    assert "missing: pk, af, tr, qa" in people
    assert "istanbul-next" in cli.out("meeting", "list")


def test_a_decision_effect_is_one_and_well_formed(cli: RecordCli) -> None:
    mediator = as_(cli, "tr-mediator-1")
    when = ("--date", str(TODAY), "--place", "Doha", "--purpose", "Talks.")
    cli("meeting", "schedule", "m1", *when, *mediator)
    propose = ("meeting", "propose-decision", "m1", "d1", "--text", "T", *mediator)
    assert "impose: expected PARTY:LEVEL" in cli(
        *propose, "--kind", "penalty", "--impose", "pk", code=3
    )
    assert "effect: a decision has one effect" in cli(
        *propose, "--kind", "penalty", "--impose", "pk:1", "--lift", "0" * 32, code=3
    )
    cli(*propose, "--kind", "amend", "--amend-version", "1")
    (decision,) = cli.json("meeting", "show", "m1")["decisions"]
    assert decision["effect"]["amend"]["version"] == 1
    assert decision["effect"]["amend"]["digest"].startswith("sha256:")
