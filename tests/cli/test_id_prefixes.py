"""Ids as a person types them: wherever the CLI takes a report, case, finding, request, penalty
or incident, a unique prefix of 8 characters or more names it (``services.ids``, one resolver
for every command), resolved before anything is signed; a prefix two ids begin with is refused
with both named, one no id begins with is not found. Lists never cut an id below 8 characters,
so what a narrow terminal shows can be typed back.

Two reports are given ids that share their first 9 characters (``log.envelope.new_event_id``
is replaced while they are signed): random ids would share 8 only once in four billion.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest
from typer.testing import CliRunner, Result

from ceasefire.cli.main import app
from ceasefire.domain import casework_events as ce
from ceasefire.domain import projection as pj
from ceasefire.errors import InvalidInput, NotFound
from ceasefire.log import envelope
from ceasefire.services import casework as casework_service
from ceasefire.services import ids
from ceasefire.services.ids import IdKind
from ceasefire.services.ports import Store
from ceasefire.settings import Settings
from ceasefire.storage.keyfiles import write_key
from tests.record_factories import Mechanism, make_mechanism
from tests.report_bodies import allegation_body

TWIN = "abcdef012"
FIRST, SECOND = TWIN + "0" * 23, TWIN + "f" * 23


@dataclass
class Record:
    mechanism: Mechanism
    data: Path
    database_url: str
    other: str  # a report with a random id
    case: str

    def run(self, *args: str, code: int = 0, env: dict[str, str] | None = None) -> Result:
        full = [*args, "--data", str(self.data), "--database-url", self.database_url]
        result = CliRunner().invoke(app, full, env=env)
        assert result.exit_code == code, f"{args} exited {result.exit_code}:\n{result.output}"
        return result

    def key(self, persona: str) -> str:
        path = self.data / "keys" / f"{persona}.key"
        write_key(path, self.mechanism.key(persona))
        return str(path)


@pytest.fixture
def record(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Record]:
    data = tmp_path / "data"
    mechanism = make_mechanism(database_url, data)
    write_key(Settings(data=data).log_key_path, mechanism.log_key)
    chosen = iter([FIRST, SECOND])
    with monkeypatch.context() as patch:
        patch.setattr(envelope, "new_event_id", lambda: next(chosen))
        mechanism.submit("af_liaison", allegation_body(narrative="Shelling at dawn."))
        mechanism.submit("af_liaison", allegation_body(narrative="Shelling at dusk."))
    other = mechanism.submit("pk_liaison", allegation_body(narrative="A drone strike."))
    case = casework_service.open_case(mechanism.store, mechanism.signer("monitor"), [other]).id
    try:
        yield Record(mechanism, data, database_url, other, case)
    finally:
        mechanism.close()


def test_a_prefix_of_8_characters_or_more_names_the_one_report_it_begins(record: Record) -> None:
    for typed in (FIRST[:10], FIRST[:10].upper(), FIRST):
        shown = record.run("report", "show", typed, "--json").stdout
        assert json.loads(shown)["id"] == FIRST
    assert json.loads(record.run("report", "show", record.other[:8], "--json").stdout)["id"] == (
        record.other
    )


def test_an_ambiguous_prefix_is_refused_naming_every_candidate(record: Record) -> None:
    result = record.run("report", "show", TWIN, code=3)
    assert FIRST in result.output and SECOND in result.output
    assert "give more characters" in result.output


def test_a_prefix_too_short_or_of_no_id_is_refused(record: Record) -> None:
    assert "first 8 characters" in record.run("report", "show", TWIN[:7], code=3).output
    assert "no report id begins with 99999999" in (
        record.run("report", "show", "99999999", code=4).output
    )
    # a prefix of a case is no report: each kind is resolved among its own ids
    record.run("report", "show", record.case[:8], code=4)


def test_casework_commands_sign_the_whole_id_whatever_prefix_was_typed(record: Record) -> None:
    case = record.case[:8]
    assert record.run("case", "show", case, "--json").stdout.count(record.case) >= 1
    signed = record.run("case", "assign", case, "monitor-1", "--key", record.key("tr_mediator"))
    assert f"to case {record.case}" in signed.output
    shown = json.loads(record.run("case", "show", case, "--json").stdout)
    assert shown["monitors"] == ["monitor-1"]
    assert shown["timeline"][-1]["type"] == ce.CASE_ASSIGNED
    asked = record.run(
        "case", "request-info", case, "--key", record.key("monitor"), "--of", "af",
        "--question", "Which unit fired?", "--due", "2030-01-01T00:00:00Z", "--json",
    )  # fmt: skip
    request = json.loads(asked.stdout)["id"]
    record.run(
        "case", "provide-info", case, request[:8], "--key", record.key("af_liaison"),
        "--text", "None of ours.", "--report", FIRST[:10],
    )  # fmt: skip
    shown = json.loads(record.run("case", "show", record.case, "--json").stdout)
    assert shown["requests"][0]["answered_at"] is not None
    (entry,) = [
        e for e in record.mechanism.store.table(pj.CASEWORK) if e["type"] == ce.INFORMATION_PROVIDED
    ]
    body = json.loads(entry["body"])
    assert (body["case"], body["request"], body["reports"]) == (record.case, request, [FIRST])


def test_incidents_are_named_by_a_prefix_of_their_first_report(record: Record) -> None:
    listed = [
        json.loads(line) for line in record.run("incident", "list", "--json").stdout.splitlines()
    ]
    incident = listed[0]["id"]
    shown = json.loads(record.run("incident", "show", incident[:8], "--json").stdout)
    assert shown["id"] == incident


def test_a_narrow_terminal_still_shows_the_8_characters_a_command_accepts(record: Record) -> None:
    narrow = {"COLUMNS": "50"}
    reports = record.run("report", "list", env=narrow).stdout
    cases = record.run("case", "list", env=narrow).stdout
    for report in (FIRST, SECOND, record.other):
        assert f"{report[:8]}…" in reports and report not in reports  # cut, but not below 8
    assert f"{record.case[:8]}…" in cases
    # and what shows is accepted back, where it is unique
    record.run("report", "show", record.other[:8])
    record.run("case", "show", record.case[:8])


# --- the resolver, over a store that answers only what it is asked ----------------------------


class Events:
    """A store whose only read is the events of some types (what ``ids`` asks for)."""

    def __init__(self, rows: Sequence[tuple[str, str]]) -> None:
        self.rows = rows

    def ids_beginning(self, prefix: str, types: Sequence[str], limit: int) -> list[str]:
        return sorted(i for i, t in self.rows if t in types and i.startswith(prefix))[:limit]


def store_of(*rows: tuple[str, str]) -> Store:
    return cast(Store, Events(rows))


def test_an_ambiguous_prefix_names_ten_candidates_and_counts_the_rest() -> None:
    store = store_of(*((f"12345678{n:024x}", ce.PENALTY_PROPOSED) for n in range(13)))
    with pytest.raises(InvalidInput) as refused:
        ids.resolve(store, IdKind.PENALTY, "12345678")
    assert "13 penalty ids" in refused.value.message and "and 3 more" in refused.value.message
    assert refused.value.field == "penalty"


def test_each_kind_is_resolved_among_the_ids_of_its_own_events() -> None:
    finding, case = "a" * 32, "a" * 8 + "b" * 24
    store = store_of((finding, ce.FINDING_PROPOSED), (case, ce.CASE_OPENED))
    assert ids.resolve(store, IdKind.FINDING, "aaaaaaaa") == finding
    assert ids.resolve(store, IdKind.CASE, "aaaaaaaa") == case
    with pytest.raises(NotFound):
        ids.resolve(store, IdKind.REQUEST, "aaaaaaaa")


def test_whole_ids_and_names_pass_through_unread() -> None:
    store = store_of()  # no ids at all: nothing is looked up for these
    assert ids.resolve(store, IdKind.REPORT, "f" * 32) == "f" * 32
    assert ids.resolve(store, IdKind.CASE, "istanbul-2025-11") == "istanbul-2025-11"


def test_a_body_has_every_id_it_names_resolved() -> None:
    case, report, penalty = "c" * 32, "d" * 32, "e" * 32
    store = store_of(
        (case, ce.CASE_OPENED), (report, "report.submitted"), (penalty, ce.PENALTY_PROPOSED)
    )
    body = {"case": "cccccccc", "reports": ["dddddddd"], "cases": ["cccccccc"], "text": "cccccccc"}
    assert ids.resolve_body(store, body) == body | {
        "case": case,
        "reports": [report],
        "cases": [case],
    }
    assert ids.resolve_body(store, {"penalty": "eeeeeeee"}) == {"penalty": penalty}
