"""End to end on 127.0.0.1: a server and both parties' witnesses as real processes, the record
growing between cycles, then each attack of the operator caught within one witness cycle."""

from __future__ import annotations

import base64
import hashlib
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ceasefire import bootstrap
from ceasefire.domain.brief_events import BRIEF_PUBLISHED
from ceasefire.log.checkpoint import Checkpoint, sign_checkpoint
from ceasefire.log.envelope import sign_event
from ceasefire.log.hashing import leaf_hash
from ceasefire.log.keys import SigningKey
from ceasefire.log.note import Note
from ceasefire.log.receipt import Receipt, sign_receipt
from ceasefire.services.log import submit
from ceasefire.settings import Settings
from ceasefire.storage.keyfiles import read_key
from tests.witness.conftest import World

pytestmark = pytest.mark.slow

ALARM_EXIT = 7


def _checkpoint(url: str) -> Note:
    return Note.from_text(httpx.get(f"{url}/api/v1/log/checkpoint", timeout=10).text)


def _size(url: str) -> int:
    return Checkpoint.from_text(_checkpoint(url).text).size


def _public_report_index(world: World) -> int:
    """The first public allegation of the demo, by its log index."""
    with closing(sqlite3.connect(world.data / "ceasefire.db")) as db:
        row = db.execute(
            "SELECT idx FROM rm_reports WHERE confidential = 0 AND kind = 'allegation' "
            "ORDER BY idx LIMIT 1"
        ).fetchone()
    return int(row[0])


def _both_cosign(world: World) -> int:
    """The size both witnesses cosigned in the baseline (the checkpoint carries both)."""
    note = _checkpoint(world.url)
    assert {"witness-pk", "witness-af"} <= {s.name for s in note.signatures}
    return Checkpoint.from_text(note.text).size


def test_both_witnesses_follow_the_growing_record_and_cosign_it(world: World) -> None:
    first = _both_cosign(world)
    posted = world.report("pk", "Shelling near Torkham, a second night")
    keys = world.data / "keys"
    world.cli("case", "open", posted["event_id"], "--key", str(keys / "secretariat-1.key"))
    claim = next(
        case
        for case in httpx.get(f"{world.url}/api/v1/cases", timeout=10).json()["items"]
        if case["state"] == "investigating" and case["opened"]["kind"] == "compliance_claim"
    )
    world.cli(
        "finding", "propose", claim["id"],
        "--key", str(keys / f"{claim['monitors'][0]}.key"),
        "--confidence", "established", "--attribution", "not_determined",
        "--reasons", "The hideout is confirmed dismantled",
    )  # fmt: skip
    world.cli("finding", "sign", claim["id"], "--key", str(keys / "tr-mediator-1.key"))
    world.report("af", "Fire on Angoor Adda from across the line")
    size = first + 5
    for party in ("pk", "af"):
        cycle = world.witness(party)
        assert cycle.code == 0, cycle.stderr
        assert (cycle.outcome["size"], cycle.outcome["cosigned"]) == (size, True)
        assert cycle.outcome["receipts"] == {"kept": 1, "pending": 0, "broken": 0}
    signers = {s.name for s in _checkpoint(world.url).signatures}
    assert {"witness-pk", "witness-af"} <= signers
    # each witness's copy of the log is a ceasefire store that verifies by itself, and its
    # cases are the server's
    verified = world.cli("verify", data=world.witness_dir("pk"))
    assert verified["ok"] is True and verified["tree_size"] == size
    mirrored = world.cli("case", "show", claim["id"], data=world.witness_dir("af"))
    assert mirrored["state"] == "finding_proposed"


def test_a_rewritten_old_entry_is_caught(world: World) -> None:
    size = _both_cosign(world)
    index = _public_report_index(world)
    world.sql(
        "UPDATE log_entries SET leaf = CAST(replace(CAST(leaf AS TEXT), '\"kind\"', "
        "'\"kind\" ') AS BLOB) WHERE idx = ?",
        index,
    )
    cycle = world.witness("pk")
    assert cycle.code == ALARM_EXIT and cycle.outcome["cosigned"] is False
    alarm = cycle.first("entry-rewritten")
    assert (alarm["index"], alarm["size"]) == (index, size)
    assert alarm["events"] == [index]
    assert f"entry {index}" in cycle.stderr and "rewrote" in cycle.stderr


def test_a_forked_tree_shown_to_one_witness_is_caught_by_the_peer_exchange(
    world: World,
) -> None:
    size = _both_cosign(world)
    fork = world.root / "fork"
    fork.mkdir()
    with (
        closing(sqlite3.connect(world.data / "ceasefire.db")) as source,
        closing(sqlite3.connect(fork / "ceasefire.db")) as copy,
    ):
        source.backup(copy)
    for folder in ("keys", "tokens", "evidence"):
        if (world.data / folder).exists():
            (fork / folder).symlink_to(world.data / folder)
    forked = world.serve(fork)
    world.report("pk", "What Pakistan's witness is shown")
    world.report("af", "What Afghanistan's witness is shown instead", url=forked)
    assert world.witness("pk").outcome["cosigned"] is True
    assert world.witness("af", url=forked).outcome["cosigned"] is True

    theirs = world.witness_dir("af") / "cosigned-checkpoint"
    cycle = world.witness("pk", "--peer", str(theirs))
    assert cycle.code == ALARM_EXIT
    alarm = cycle.first("split-view")
    assert alarm["size"] == size + 1
    assert alarm["expected"] != alarm["found"]
    assert "witness-af" in alarm["details"]["theirs"]  # the fork proof: both notes kept

    # one more entry on the real log: sizes differ, and no consistency proof can join them
    world.report("pk", "A third night")
    cycle = world.witness("pk", "--peer", str(theirs))
    alarm = cycle.first("split-view")
    assert alarm["size"] == size + 1 and "cannot prove" in alarm["message"]


def test_a_figure_the_log_does_not_support_is_caught(world: World) -> None:
    size = _both_cosign(world)
    incidents = httpx.get(f"{world.url}/api/v1/incidents", timeout=10).json()["items"]
    member = incidents[-1]["members"][0]
    index, act = member["index"], member["act"]
    other = next(
        m for i in incidents for m in i["members"] if m["act"] not in (act, None)
    )  # another report's content, shown as this one's: the read model points elsewhere
    world.sql("UPDATE rm_reports SET body_at = ? WHERE idx = ?", other["index"], index)
    cycle = world.witness("af")
    assert cycle.code == ALARM_EXIT and cycle.outcome["cosigned"] is False
    alarms = [a for a in cycle.alarms if a["check"] == "figures"]
    found = next(a for a in alarms if a["details"]["path"].endswith("/act"))
    assert found["details"]["figure"] == "incidents"
    assert (found["expected"], found["found"]) == (f'"{act}"', f'"{other["act"]}"')
    assert found["events"] == [index] and found["size"] == size


def test_a_brief_the_log_does_not_support_is_caught(world: World) -> None:
    size = _both_cosign(world)
    secretariat = world.data / "keys" / "secretariat-1.key"
    true = world.cli(
        "brief", "--period", "weekly", "--date", "2025-11-20",
        "--publish", "--key", str(secretariat),
    )  # fmt: skip
    assert true["index"] == size
    clean = world.witness("pk")
    assert (clean.code, clean.outcome["cosigned"], clean.alarms) == (0, True, [])

    # the secretariat may sign a brief.published event; a kinder brief than the log supports
    # is caught all the same
    body = {key: value for key, value in true.items() if key != "index"}
    body["sha256"] = {**body["sha256"], "md": hashlib.sha256(b"All is calm.").hexdigest()}
    store = bootstrap.open_store(Settings(data=world.data))
    try:
        appended, _ = submit(
            store,
            read_key(secretariat),
            BRIEF_PUBLISHED,
            body,
            log_key=read_key(world.data / "keys" / "log.key"),
            clock=lambda: datetime.now(UTC).replace(microsecond=0),
        )
    finally:
        store.close()
    index = appended.indices[0]
    cycle = world.witness("pk")
    assert cycle.code == ALARM_EXIT and cycle.outcome["cosigned"] is False
    alarm = cycle.first("brief")
    assert (alarm["index"], alarm["events"], alarm["size"]) == (index, [index], size + 2)
    assert (alarm["expected"], alarm["found"]) == (true["sha256"]["md"], body["sha256"]["md"])
    assert (alarm["details"]["period"], alarm["details"]["date"]) == ("weekly", "2025-11-20")
    assert f"entry {index}" in cycle.stderr and "md sha256" in cycle.stderr


def test_a_dropped_entry_is_caught(world: World) -> None:
    _both_cosign(world)
    index = _public_report_index(world)
    world.sql("DELETE FROM log_entries WHERE idx = ?", index)
    cycle = world.witness("pk")
    assert cycle.code == ALARM_EXIT
    alarm = cycle.first("entry-missing")
    assert alarm["index"] == index and alarm["events"] == [index]


def test_a_checkpoint_signed_with_the_wrong_key_is_caught(world: World) -> None:
    size = _both_cosign(world)
    note = _checkpoint(world.url)
    impostor = SigningKey.generate(note.text.split("\n", 1)[0])
    forged = sign_checkpoint(Checkpoint.from_text(note.text), impostor).to_text()
    world.sql("UPDATE log_checkpoints SET note = ? WHERE size = ?", forged, size)
    cycle = world.witness("af")
    assert cycle.code == ALARM_EXIT and cycle.outcome["cosigned"] is False
    alarm = cycle.first("checkpoint-signature")
    assert alarm["size"] == size
    assert f"{impostor.note_key().key_id:08x}" not in alarm["expected"]
    assert (
        base64.b64encode(impostor.note_key().key_id.to_bytes(4, "big")).decode()[:4]
        in (alarm["found"])
    )


def test_a_receipt_for_an_entry_never_logged_is_caught(world: World) -> None:
    size = _both_cosign(world)
    origin = _checkpoint(world.url).text.split("\n", 1)[0]
    liaison = read_key(world.data / "keys" / "pk-liaison-1.key")
    now = datetime.now(UTC)
    envelope, _ = sign_event(
        liaison,
        log=origin,
        actor=liaison.name,
        type="report.submitted",
        time=now - timedelta(minutes=3),
        body={"narrative": "accepted, receipted, never logged"},
    )
    receipt = Receipt(
        origin=origin,
        index=size,
        leaf_hash=leaf_hash(envelope.to_leaf()),
        event_id=envelope.id,
        accepted=now - timedelta(minutes=2),
        include_by=now - timedelta(minutes=1),
    )
    folder = world.receipts("pk")
    folder.mkdir(parents=True, exist_ok=True)
    note = sign_receipt(receipt, read_key(world.data / "keys" / "log.key"))
    (folder / f"{size:08d}-{envelope.id}.receipt").write_text(note)

    cycle = world.witness("pk")
    assert cycle.code == ALARM_EXIT
    alarm = cycle.first("receipt")
    assert (alarm["index"], alarm["size"]) == (size, size)
    assert "broken promise" in alarm["message"] and envelope.id in alarm["message"]

    world.report("af", "Another report takes the promised place")
    alarm = world.witness("pk").first("receipt")
    assert alarm["index"] == size and "another entry" in alarm["message"]
    assert alarm["expected"] == receipt.leaf_hash.hex()


def test_alarms_are_recorded_in_the_data_folder(world: World) -> None:
    _both_cosign(world)
    world.sql("DELETE FROM log_entries WHERE idx = 3")
    world.witness("pk")
    lines = (world.witness_dir("pk") / "alarms.jsonl").read_text().splitlines()
    assert lines and '"check": "entry-missing"' in lines[-1] and '"index": 3' in lines[-1]


def test_a_listening_witness_serves_peers_monitors_and_refuses_pushes_of_its_log(
    world: World,
) -> None:
    port = _free_port()
    listen = f"http://127.0.0.1:{port}"
    af = subprocess.Popen(
        [
            sys.executable, "-c", "from ceasefire.cli.main import run; run()",
            "witness", "--url", world.url, "--data", str(world.witness_dir("af")),
            "--key", str(world.data / "keys" / "witness-af.key"),
            "--interval", "1", "--listen", f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for(f"{listen}/checkpoint")
        assert httpx.get(f"{listen}/alarms", timeout=5).json() == {"count": 0, "alarms": []}
        pushed = httpx.post(
            f"{listen}/add-checkpoint",
            content=f"old 0\n\n{_checkpoint(world.url).to_text()}".encode(),
            timeout=5,
        )
        assert pushed.status_code == 404  # the followed log is cosigned only once checked
        cycle = world.witness("pk", "--peer", listen)
        assert (cycle.code, cycle.outcome["peers"], cycle.alarms) == (0, 1, [])

        world.sql("DELETE FROM log_entries WHERE idx = 7")
        deadline = time.monotonic() + 60
        while httpx.get(f"{listen}/alarms", timeout=5).json()["count"] == 0:
            assert time.monotonic() < deadline, "the listening witness raised no alarm"
            time.sleep(0.5)
        polled = httpx.get(f"{listen}/alarms", timeout=5).json()["alarms"][0]
        assert (polled["check"], polled["index"]) == ("entry-missing", 7)
    finally:
        af.terminate()
        af.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{url} did not come up"
        time.sleep(0.2)
