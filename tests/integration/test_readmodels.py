"""The read models are a cache of the log: kept in step by every append, whatever the batches,
equal to a replay, repaired by a rebuild, and checked by verify."""

from __future__ import annotations

import base64
import json
import random
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from ceasefire.domain import events
from ceasefire.domain import projection as pj
from ceasefire.domain.policy import Record, may_read
from ceasefire.errors import Conflict, StorageError
from ceasefire.log.envelope import Sealed, sign_event
from ceasefire.media.images import analyse
from ceasefire.services import log as log_service
from ceasefire.services.log import Submission
from ceasefire.services.ports import Row
from ceasefire.services.readmodels import compare, rebuild
from ceasefire.services.verify import verify_store
from ceasefire.storage import record_replay
from tests.record_factories import ORIGIN, PERSONAS, Mechanism, make_mechanism
from tests.report_bodies import allegation_body, compliance_body

ACTIONS: Final = ("allegation", "claim", "correct", "withdraw", "disclose", "evidence", "custody")
CUSTODY: Final = ("viewed", "copied", "analysed", "sealed", "transferred")
Step = tuple[str, int, bool]
"""An action, a number that chooses among its candidates, and whether it is confidential."""


@dataclass
class Tracked:
    """What the test knows of a report it submitted."""

    id: str
    persona: str
    kind: str
    sealed: Sealed | None
    status: str = pj.ACTIVE
    disclosed: bool = False

    def record(self) -> Record:
        actor_id, _, affiliation = PERSONAS[self.persona]
        confidential = self.sealed is not None
        return Record(actor_id, affiliation, confidential, self.disclosed)


@dataclass
class Driver:
    """Turns steps into valid signed events and appends them in batches of the given sizes."""

    mechanism: Mechanism
    folder: Path
    reports: list[Tracked] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    holders: dict[str, str] = field(default_factory=dict)
    """File → the persona holding it: its submitter, then whoever it was transferred to."""
    pending: list[Submission] = field(default_factory=list)
    count: int = 0

    def run(self, steps: list[Step], batch_sizes: list[int]) -> None:
        sizes = iter(batch_sizes * (len(steps) + 1))
        size = next(sizes)
        for step in steps:
            self.step(*step)
            if len(self.pending) >= size:
                self.flush()
                size = next(sizes)
        self.flush()

    def flush(self) -> None:
        if self.pending:
            m = self.mechanism
            log_service.append(m.store, self.pending, m.log_key, m.tick)
            self.pending = []

    def step(self, action: str, choice: int, confidential: bool) -> None:
        self.count += 1
        match action:
            case "allegation":
                persona = ("pk_liaison", "af_liaison", "monitor")[choice % 3]
                accused = "af" if persona == "pk_liaison" else "pk"
                body = allegation_body(alleged_party=accused, narrative=f"Report {self.count}.")
                self.submit(persona, body, confidential)
            case "claim":
                persona = ("af_liaison", "monitor")[choice % 2]
                self.submit(
                    persona, compliance_body(narrative=f"Claim {self.count}."), confidential
                )
            case "correct":
                self.correct(choice, confidential)
            case "withdraw":
                active = [r for r in self.reports if r.status == pj.ACTIVE]
                if active:
                    target = active[choice % len(active)]
                    body = {"report": target.id, "reason": "submitted in error"}
                    self.sign(target.persona, events.REPORT_WITHDRAWN, body, False)
                    target.status = pj.WITHDRAWN
            case "disclose":
                self.disclose(choice)
            case "evidence":
                self.evidence(choice, confidential)
            case "custody":
                self.custody(choice)
            case _:
                raise AssertionError(action)

    def sign(
        self, persona: str, event_type: str, body: dict[str, Any], confidential: bool
    ) -> tuple[str, Sealed | None]:
        key = self.mechanism.key(persona)
        envelope, sealed = sign_event(
            key,
            log=ORIGIN,
            actor=key.name,
            type=event_type,
            time=self.mechanism.tick(),
            body=body,
            confidential=confidential,
        )
        self.pending.append(Submission(envelope, sealed))
        return envelope.id, sealed

    def submit(self, persona: str, body: dict[str, Any], confidential: bool) -> None:
        report, sealed = self.sign(persona, events.REPORT_SUBMITTED, body, confidential)
        self.reports.append(Tracked(report, persona, body["kind"], sealed))

    def correct(self, choice: int, confidential: bool) -> None:
        active = [r for r in self.reports if r.status == pj.ACTIVE]
        if not active:
            return
        target = active[choice % len(active)]
        narrative = f"Corrected {self.count}."
        report = (
            allegation_body(narrative=narrative)
            if target.kind == "allegation"
            else compliance_body(narrative=narrative)
        )
        body = {"corrects": target.id, "reason": "revised figures", "report": report}
        new, sealed = self.sign(target.persona, events.REPORT_CORRECTED, body, confidential)
        target.status = pj.CORRECTED
        self.reports.append(Tracked(new, target.persona, target.kind, sealed))

    def disclose(self, choice: int) -> None:
        sealed = [r for r in self.reports if r.sealed is not None and not r.disclosed]
        if not sealed:
            return
        target = sealed[choice % len(sealed)]
        assert target.sealed is not None
        persona = "tr_mediator" if choice % 2 else target.persona
        body = {
            "report": target.id,
            "salt": base64.b64encode(target.sealed.salt).decode(),
            "body": target.sealed.body,
        }
        self.sign(persona, events.REPORT_DISCLOSED, body, False)
        target.disclosed = True

    def evidence(self, choice: int, confidential: bool) -> None:
        persona = ("pk_liaison", "af_liaison", "monitor", "tr_mediator")[choice % 4]
        path = self.folder / f"statement-{self.count}.txt"
        path.write_text(f"Statement {self.count} of a witness in Spin Boldak.\n")
        blob = self.mechanism.blobs.put_file(path, max_bytes=1 << 20)
        body: dict[str, Any] = {
            "sha256": blob.sha256,
            "size": blob.size,
            "name": path.name,
            "metadata": analyse(path).to_body() if choice % 2 else photo_metadata(choice),
        }
        actor = self.mechanism.actor(persona)
        readable = [r for r in self.reports if may_read(actor, r.record())]
        if readable and choice % 3:
            body["report"] = readable[choice % len(readable)].id
        self.sign(persona, events.EVIDENCE_SUBMITTED, body, confidential)
        self.files.append(blob.sha256)
        self.holders[blob.sha256] = persona

    def custody(self, choice: int) -> None:
        if not self.files:
            return
        action = CUSTODY[choice % len(CUSTODY)]
        body = {"sha256": self.files[choice % len(self.files)], "action": action}
        sha256 = body["sha256"]
        # staff see every file; a party may record custody only of files it may see, and only
        # the holder of a file hands it on or seals it
        persona = ("monitor", "tr_mediator")[choice % 2]
        if action in ("transferred", "sealed"):
            persona = self.holders[sha256]
        if action == "transferred":
            receiver = "monitor" if persona == "tr_mediator" else "tr_mediator"
            body["to"] = PERSONAS[receiver][0]
            self.holders[sha256] = receiver
        if choice % 3 == 0:
            body["note"] = f'Seal {choice} checked; "intact" — ختم سالم'
        if action == "analysed":
            body["tool"] = "exiftool 12.57"
        self.sign(persona, events.CUSTODY_RECORDED, body, False)


def photo_metadata(choice: int) -> dict[str, Any]:
    """What an analysed photo's metadata holds, every optional member set; a whole-degree
    latitude is spelt as an integer in the leaf."""
    return {
        "media_type": "image/jpeg",
        "tool": "ceasefire-media 1",
        "width": 640,
        "height": 480,
        "captured_at": f"2025-10-{11 + choice % 5}T0{choice % 10}:30:00Z",
        "latitude": 31.0 if choice % 4 == 0 else 31.0 + choice / 100,
        "longitude": 66.4 + choice / 1000,
        "device": f"Camera Model {choice % 3}",
        "phash": f"{choice:016x}",
        "dhash": f"{choice * 7:016x}",
        "phash_mirrored": f"{choice * 3:016x}",
    }


def tables(mechanism: Mechanism) -> dict[str, list[Row]]:
    return {table: mechanism.store.table(table) for table in pj.KEYS}


def check_the_cache(mechanism: Mechanism) -> None:
    """(a) the stored read models equal a replay; (b) a rebuild gives the same rows;
    (c) verify, read models included, finds nothing."""
    store = mechanism.store
    assert compare(store) == []
    before = tables(mechanism)
    assert rebuild(store) == mechanism.size()
    assert tables(mechanism) == before
    assert store.record_applied() == mechanism.size()
    report = verify_store(store, records=store)
    assert report.ok, report.problems


STEPS = st.lists(
    st.tuples(st.sampled_from(ACTIONS), st.integers(0, 60), st.booleans()),
    min_size=1,
    max_size=24,
)


@settings(max_examples=15, deadline=None)
@given(steps=STEPS, batch_sizes=st.lists(st.integers(1, 5), min_size=1, max_size=6))
def test_read_models_kept_by_appends_equal_a_replay_whatever_the_batches(
    steps: list[Step], batch_sizes: list[int]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        mechanism = make_mechanism(f"sqlite:///{data / 'ceasefire.db'}", data / "data")
        try:
            Driver(mechanism, data).run(steps, batch_sizes)
            check_the_cache(mechanism)
        finally:
            mechanism.close()


@pytest.fixture
def mechanism(database_url: str, tmp_path: Path) -> Iterator[Mechanism]:
    built = make_mechanism(database_url, tmp_path / "data")
    yield built
    built.close()


def test_a_long_random_history_keeps_its_read_models_on_both_databases(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    rng = random.Random(20251019)
    steps = [(rng.choice(ACTIONS), rng.randrange(60), rng.random() < 0.4) for _ in range(80)]
    batch_sizes = [rng.randint(1, 7) for _ in range(10)]
    driver = Driver(mechanism, tmp_path)
    driver.run(steps, batch_sizes)
    assert {r.status for r in driver.reports} == {pj.ACTIVE, pj.CORRECTED, pj.WITHDRAWN}
    assert any(r.disclosed for r in driver.reports)
    assert len(driver.files) > 3
    check_the_cache(mechanism)


def test_a_public_history_rebuilds_to_the_same_rows_on_both_databases(
    mechanism: Mechanism, tmp_path: Path
) -> None:
    """Public reports, withdrawals, files and custody only: the rows a rebuild's database pass
    writes by itself (the random histories also hold corrections and confidential bodies,
    which leave part of the pass to Python)."""
    steps: list[Step] = [("allegation", n, False) for n in range(6)]
    steps += [("withdraw", n, False) for n in (0, 2, 3)]
    steps += [("evidence", n, False) for n in (1, 2)] + [("custody", n, False) for n in (0, 3)]
    driver = Driver(mechanism, tmp_path)
    driver.run(steps, [4])
    withdrawn = {r.id for r in driver.reports if r.status == pj.WITHDRAWN}
    assert len(withdrawn) == 3
    check_the_cache(mechanism)
    rows = mechanism.store.table(pj.REPORTS)
    assert {r["id"] for r in rows if r["status"] == pj.WITHDRAWN} == withdrawn
    assert all(r["withdrawn_at"] is not None for r in rows if r["id"] in withdrawn)
    assert len(mechanism.store.table(pj.CUSTODY)) == 4
    with mechanism.store.engine.connect() as connection:  # rolled back when it closes
        # the rebuild's database pass says it applied every withdrawal, so Python's pass only
        # reads the entries of other types (the row count of an UPDATE that begins with WITH
        # is lost in Python's sqlite3, and every range used to fall back to the slow query)
        assert record_replay.withdraw_in_database(connection, 0, mechanism.size())
        left = record_replay.left_over(connection, 0, mechanism.size(), complete=True)
    in_database = {
        events.REPORT_SUBMITTED,
        events.REPORT_WITHDRAWN,
        events.EVIDENCE_SUBMITTED,
        events.CUSTODY_RECORDED,
    }
    assert not {json.loads(leaf)["type"] for _, leaf in left} & in_database


def execute(mechanism: Mechanism, sql: str, **params: Any) -> None:
    with mechanism.store.engine.begin() as connection:
        connection.execute(text(sql), params)


def test_a_tampered_read_model_row_is_reported_and_a_rebuild_repairs_it(
    mechanism: Mechanism,
) -> None:
    report = mechanism.submit("af_liaison", allegation_body())
    execute(mechanism, "UPDATE rm_reports SET status = 'withdrawn' WHERE id = :id", id=report)
    store = mechanism.store
    (difference,) = compare(store)
    assert (difference.table, difference.key) == (pj.REPORTS, (report,))
    assert difference.message == "status: expected 'active', found 'withdrawn'"
    verified = verify_store(store, records=store)
    assert not verified.ok
    (problem,) = verified.problems
    assert problem.where == f"read model rm_reports ('{report}',)"
    assert "run `ceasefire rebuild`" in problem.message
    assert verify_store(store).ok  # the log itself is sound: only the cache was changed
    stages: list[tuple[str, int, int]] = []
    rebuild(store, lambda stage, done, total: stages.append((stage, done, total)))
    assert stages[-1] == ("replay", mechanism.size(), mechanism.size())
    assert compare(store) == []
    assert verify_store(store, records=store).ok


def test_missing_and_extra_read_model_rows_are_reported(mechanism: Mechanism) -> None:
    report = mechanism.submit("af_liaison", allegation_body())
    execute(mechanism, "DELETE FROM rm_reports WHERE id = :id", id=report)
    execute(
        mechanism,
        "INSERT INTO rm_custody (idx, sha256, action, actor, time) "
        "VALUES (9999, :sha, 'viewed', 'monitor-1', '2025-11-01T08:00:00.000Z')",
        sha="ab" * 32,
    )
    messages = {(d.table, d.message) for d in compare(mechanism.store)}
    assert messages == {
        (pj.REPORTS, "missing from the stored read model"),
        (pj.CUSTODY, "stored, but no log entry makes it"),
    }
    rebuild(mechanism.store)
    assert compare(mechanism.store) == []


def test_an_append_on_read_models_that_lag_the_log_is_refused_until_a_rebuild(
    mechanism: Mechanism,
) -> None:
    execute(mechanism, "UPDATE rm_progress SET applied = applied - 1")
    size = mechanism.size()
    with pytest.raises(
        StorageError, match=r"reflect \d+ of the log's \d+ entries: run `ceasefire rebuild`"
    ):
        mechanism.submit("af_liaison", allegation_body())
    assert mechanism.size() == size
    (lag,) = compare(mechanism.store)
    assert (lag.table, lag.message) == (
        "rm_progress",
        f"the read models reflect {size - 1} of {size} entries",
    )
    rebuild(mechanism.store)
    mechanism.submit("af_liaison", allegation_body())
    assert compare(mechanism.store) == []


def test_read_models_without_their_progress_row_ask_for_a_schema_upgrade(
    mechanism: Mechanism,
) -> None:
    execute(mechanism, "DELETE FROM rm_progress")
    with pytest.raises(StorageError, match="run `ceasefire db upgrade`"):
        mechanism.store.record_applied()
    with pytest.raises(StorageError, match="no read-model table 'rm_cases'"):
        mechanism.store.table("rm_cases")


def test_the_entry_index_refuses_an_entry_id_the_log_holds_and_nothing_is_written(
    mechanism: Mechanism,
) -> None:
    """Admission refuses a known id with its own message; below it, the entry index's unique
    id is the safety net: the append fails as a conflict and its transaction leaves nothing."""
    mechanism.submit("af_liaison", allegation_body())
    store, size = mechanism.store, mechanism.size()
    ((index, leaf),) = store.entries(size - 1, size)
    (again,) = [op for op in pj.project(pj.entry_of(size, leaf, {})) if op.table == pj.EVENTS]

    def append_again() -> None:
        with store.appending() as tx:
            tx.record().apply([again], size + 1)
            log_service.append_leaves(tx, [leaf], mechanism.log_key, mechanism.tick())

    with pytest.raises(Conflict, match="clashed with rows already stored"):
        append_again()
    assert (index, mechanism.size()) == (size - 1, size)
    assert compare(store) == []
    assert verify_store(store, records=store).ok


def test_a_rebuild_derives_an_emptied_entry_index_again(mechanism: Mechanism) -> None:
    mechanism.submit("af_liaison", allegation_body())
    execute(mechanism, "DELETE FROM rm_events")
    assert {d.message for d in compare(mechanism.store)} == {"missing from the stored read model"}
    stages: list[str] = []
    rebuild(mechanism.store, lambda stage, done, total: stages.append(stage))
    assert stages[0] == "entries"
    assert compare(mechanism.store) == []
