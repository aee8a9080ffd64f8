"""The follower's checks, one by one, against the app in process over a copy of the demo store;
the witness's own copy on SQLite and on PostgreSQL."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ceasefire.domain.events import REPORT_SUBMITTED
from ceasefire.log.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from ceasefire.log.cosignature import cosign
from ceasefire.log.envelope import sign_event
from ceasefire.log.hashing import leaf_hash
from ceasefire.log.keys import SigningKey, VerifierKey
from ceasefire.log.merkle import MemoryTree
from ceasefire.log.note import Note
from ceasefire.log.receipt import Receipt, sign_receipt
from ceasefire.services.log import submit
from ceasefire.services.ports import LogIdentity
from ceasefire.services.verify import verify_store
from ceasefire.storage.keyfiles import read_key
from ceasefire.witness.alarms import Check, Finding, Refused
from ceasefire.witness.follower import Follower, Outcome
from ceasefire.witness.mirror import Mirror
from ceasefire.witness.receipts import check_receipts
from ceasefire.witness.remote import Server, Unreachable
from ceasefire.witness.state import LogState
from tests.report_bodies import observation_body
from tests.witness.conftest import NOW, Setup

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")

pytestmark = pytest.mark.slow  # the demo store is played once, in a process


def _only(outcome: Outcome, check: Check) -> dict[str, object]:
    assert outcome.alarms, "expected an alarm"
    assert {a.check for a in outcome.alarms} == {check}, [a.describe() for a in outcome.alarms]
    return outcome.alarms[0].to_json()


def test_a_witness_follows_from_scratch_checks_and_cosigns(setup: Setup) -> None:
    outcome = setup.follower().cycle()
    size = setup.server_store.head().size
    assert (outcome.size, outcome.cosigned, outcome.alarms) == (size, True, ())
    rows = setup.server_store.cosignatures(size)
    cosigned = (setup.folder / "cosigned-checkpoint").read_text()
    assert any(r.name == "witness-pk" and r.line.rstrip("\n") in cosigned for r in rows)
    assert verify_store(setup.store).ok
    assert (setup.folder / "cosigned-checkpoint").read_text().count("witness-pk") == 1
    again = setup.follower().cycle()
    assert (again.cosigned, again.alarms) == (True, ())


class Corrupting(Server):
    """Serves the last entry of every bundle one byte off."""

    def tile(self, path: str) -> bytes:
        data = super().tile(path)
        if path.startswith("tile/entries/"):
            return data[:-1] + bytes([data[-1] ^ 1])
        return data


def test_an_entry_that_does_not_hash_to_its_tile_is_refused(setup: Setup) -> None:
    server = Corrupting("http://testserver", setup.client)
    outcome = setup.follower(server).cycle()
    alarm = _only(outcome, Check.TILES)
    size = setup.server_store.head().size
    assert alarm["index"] == size - 1 and outcome.cosigned is False
    assert Mirror(setup.store).size() == 0  # nothing unchecked is kept


class Fixed(Server):
    """Serves one checkpoint note, whatever the log holds."""

    note = ""

    def checkpoint(self) -> str:
        return self.note


def test_a_tree_smaller_than_the_one_cosigned_is_refused(setup: Setup) -> None:
    setup.follower().cycle()
    older = list(setup.server_store.checkpoints())[-2]
    server = Fixed("http://testserver", setup.client)
    server.note = older.note
    alarm = _only(setup.follower(server).cycle(), Check.CONSISTENCY)
    assert alarm["size"] == older.size and "truncated" in str(alarm["message"])


def test_another_root_for_the_cosigned_size_is_refused(setup: Setup) -> None:
    setup.follower().cycle()
    latest = setup.server_store.latest_checkpoint()
    origin = setup.log_key.name
    forged = Checkpoint(origin, latest.size, b"\x07" * 32)
    server = Fixed("http://testserver", setup.client)
    server.note = sign_checkpoint(forged, setup.log_key).to_text()
    alarm = _only(setup.follower(server).cycle(), Check.CONSISTENCY)
    assert (alarm["size"], alarm["found"]) == (latest.size, (b"\x07" * 32).hex())


def test_a_cosignature_the_server_refuses_is_an_alarm(setup: Setup) -> None:
    stranger = SigningKey.generate("witness-xx")
    alarm = _only(setup.follower(key=stranger).cycle(), Check.COSIGNATURE)
    assert "403" in str(alarm["message"])


def _leaves(setup: Setup) -> list[bytes]:
    return [leaf for _, leaf in setup.server_store.entries(0, setup.server_store.head().size)]


def test_an_entry_not_signed_by_a_valid_key_is_refused(setup: Setup) -> None:
    leaves = _leaves(setup)
    impostor = SigningKey.generate("tr-mediator-1")
    origin = setup.log_key.name
    envelope, _ = sign_event(
        impostor, log=origin, actor="tr-mediator-1", type="note.added", time=NOW, body={"n": 1}
    )
    leaves[5] = envelope.to_leaf()
    tree = MemoryTree()
    tree.extend(leaves)
    checkpoint = Checkpoint(origin, len(leaves), tree.root())
    note = sign_checkpoint(checkpoint, setup.log_key).to_text()
    identity = LogIdentity(origin, setup.log_key.note_key().to_text())
    with pytest.raises(Refused) as refused:
        Mirror(setup.store).extend(identity, leaves, checkpoint, note, NOW)
    assert (refused.value.finding.check, refused.value.finding.index) == (
        Check.ENTRY_SIGNATURE,
        5,
    )
    assert Mirror(setup.store).size() == 0


def test_receipts_are_kept_pending_or_malformed(setup: Setup, tmp_path: Path) -> None:
    setup.follower().cycle()
    folder = tmp_path / "receipts"
    folder.mkdir()
    size = setup.server_store.head().size
    kept = Receipt(setup.log_key.name, 3, leaf_hash(_leaves(setup)[3]), "a" * 32, NOW, NOW)
    pending = Receipt(
        setup.log_key.name, size, b"\x01" * 32, "b" * 32, NOW, NOW + timedelta(minutes=1)
    )
    for name, receipt in (("kept", kept), ("pending", pending)):
        (folder / f"{name}.receipt").write_text(sign_receipt(receipt, setup.log_key))
    (folder / "forged.receipt").write_text("not a receipt\n")
    count, findings = check_receipts(
        folder, VerifierKey.from_text(setup.log_key.note_key().to_text()), Mirror(setup.store), NOW
    )
    assert (count.kept, count.pending, count.broken) == (1, 1, 1)
    assert findings[0].check == Check.RECEIPT and "forged.receipt" in findings[0].message


def test_a_consistent_peer_raises_nothing_and_an_unsigned_one_is_reported(
    setup: Setup, tmp_path: Path
) -> None:
    setup.follower().cycle()
    older = list(setup.server_store.checkpoints())[-2]
    (tmp_path / "older").write_text(older.note)
    (tmp_path / "unsigned").write_text(
        sign_checkpoint(
            Checkpoint.from_text(older.note.split("\n\n")[0] + "\n"),
            SigningKey.generate(setup.log_key.name),
        ).to_text()
    )
    calm = setup.follower(peers=(str(tmp_path / "older"),)).cycle()
    assert (calm.peers, calm.alarms) == (1, ())
    odd = setup.follower(peers=(str(tmp_path / "unsigned"),)).cycle()
    alarm = _only(odd, Check.UNREACHABLE)
    assert "not signed by the log's key" in str(alarm["message"])


def test_an_unreachable_server_is_an_alarm_and_nothing_is_cosigned(setup: Setup) -> None:
    class Down(Server):
        def checkpoint(self) -> str:
            raise Unreachable("connection refused", url=self.url)

    outcome = setup.follower(Down("http://testserver", setup.client)).cycle()
    _only(outcome, Check.UNREACHABLE)
    assert outcome.cosigned is False


def test_the_server_takes_cosignatures_of_enrolled_witnesses_only(setup: Setup) -> None:
    size = setup.server_store.head().size
    _, note = open_checkpoint(
        setup.server_store.latest_checkpoint().note,
        VerifierKey.from_text(setup.log_key.note_key().to_text()),
    )
    witness = read_key(setup.data / "keys" / "witness-af.key")
    line = cosign(note, witness, int(datetime.now(UTC).timestamp())).to_line()
    url = "/api/v1/log/cosignatures"
    taken = setup.client.post(url, json={"size": size, "cosignature": line})
    assert taken.status_code == 201 and taken.json()["name"] == "witness-af"
    stranger = cosign(note, SigningKey.generate("witness-af"), 1).to_line()
    assert setup.client.post(url, json={"size": size, "cosignature": stranger}).status_code == 403
    beyond = setup.client.post(url, json={"size": size + 5, "cosignature": line})
    assert beyond.status_code == 404
    garbled = setup.client.post(url, json={"size": size, "cosignature": "— witness-af !!"})
    assert garbled.status_code == 422


def test_a_peer_that_presents_a_smaller_tree_than_before_went_back(
    setup: Setup, tmp_path: Path
) -> None:
    setup.follower().cycle()
    peer = tmp_path / "peer"
    peer.write_text(setup.server_store.latest_checkpoint().note)
    assert setup.follower(peers=(str(peer),)).cycle().alarms == ()
    held = setup.follower().state.get(setup.log_key.name)
    assert held is not None and "witness-pk" in held.cosigners  # its own, read on the server's
    older = list(setup.server_store.checkpoints())[-2]
    peer.write_text(older.note)  # consistent with ours, but smaller than it presented before
    alarm = _only(setup.follower(peers=(str(peer),)).cycle(), Check.WITNESS_ROLLBACK)
    assert alarm["size"] == older.size and alarm["details"]["presented"] == older.note  # type: ignore[index]


class AfCosigned(Server):
    """Serves ``note`` (default: the latest checkpoint) cosigned by witness-af at ``at``."""

    note: str | None = None
    at = 0
    af: SigningKey

    def checkpoint(self) -> str:
        note = Note.from_text(self.note or super().checkpoint())
        return note.with_signatures(cosign(note, self.af, self.at)).to_text()


def test_a_witness_cosignature_of_a_smaller_tree_after_a_larger_one_is_a_rollback(
    setup: Setup,
) -> None:
    server = AfCosigned("http://testserver", setup.client)
    server.af = read_key(setup.data / "keys" / "witness-af.key")
    server.at = int(datetime.now(UTC).timestamp()) - 60
    assert setup.follower(server).cycle().alarms == ()
    older = list(setup.server_store.checkpoints())[-2]
    server.note, server.at = older.note, server.at + 30
    outcome = setup.follower(server).cycle()
    assert {a.check for a in outcome.alarms} == {Check.CONSISTENCY, Check.WITNESS_ROLLBACK}
    alarm = next(a for a in outcome.alarms if a.check is Check.WITNESS_ROLLBACK)
    assert alarm.size == older.size and alarm.details["witness"] == "witness-af"
    assert f"cosigned the tree of {older.size} entries" in alarm.message
    consistency = next(a for a in outcome.alarms if a.check is Check.CONSISTENCY)
    assert consistency.details["presented"].startswith(older.note.split("\n\n")[0])


def test_a_cosignature_dated_in_the_future_on_the_server_s_checkpoint_is_an_alarm(
    setup: Setup,
) -> None:
    server = AfCosigned("http://testserver", setup.client)
    server.af = read_key(setup.data / "keys" / "witness-af.key")
    server.at = int((datetime.now(UTC) + timedelta(hours=2)).timestamp())
    alarm = _only(setup.follower(server).cycle(), Check.COSIGNER)
    assert "no witness can have cosigned in the future" in str(alarm["message"])


def test_cosigning_a_new_size_keeps_the_audit_cursor_the_cycle_moved(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit moves its cursor on during a cycle; cosigning a new size afterwards must
    advance the state as it now stands, not put back the cursor the cycle began with."""
    assert setup.follower().cycle().cosigned
    submit(
        setup.server_store,
        read_key(setup.data / "keys" / "press-watch.key"),
        REPORT_SUBMITTED,
        observation_body(),
        log_key=setup.log_key,
        clock=lambda: datetime.now(UTC),
    )  # the log grows: the next cycle cosigns a new size
    audit = Follower._audit

    def moving(self: Follower, known: LogState, checkpoint: Checkpoint) -> list[Finding]:
        found = audit(self, known, checkpoint)
        self._save_audit(known, 7)  # as an audit of a log of many bundles would
        return found

    monkeypatch.setattr(Follower, "_audit", moving)
    follower = setup.follower()
    outcome = follower.cycle()
    assert (outcome.size, outcome.cosigned) == (setup.server_store.head().size, True)
    held = follower.state.get(setup.log_key.name)
    assert held is not None and (held.size, held.audit_next) == (outcome.size, 7)
