"""The persisted log on SQLite and PostgreSQL: appends, proofs, refusals, cosignatures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, insert, text, update

from ceasefire import bootstrap
from ceasefire.errors import Conflict, InvalidInput, NotFound, PermissionDenied, StorageError
from ceasefire.log.checkpoint import open_checkpoint
from ceasefire.log.cosignature import cosign
from ceasefire.log.envelope import Envelope, sign_event
from ceasefire.log.keys import SigningKey, VerifierKey
from ceasefire.log.merkle import MemoryTree
from ceasefire.log.note import Note
from ceasefire.log.proofs import verify_consistency, verify_inclusion
from ceasefire.services import log as log_service
from ceasefire.services import witnessing
from ceasefire.services.log import Submission
from ceasefire.services.verify import verify_store
from ceasefire.settings import Settings
from ceasefire.storage.tables import log_entries, log_head, log_nodes, sealed_bodies
from tests.factories import ORIGIN, T0, ScratchLog, make_log


def leaves_of(log: ScratchLog) -> list[bytes]:
    return [leaf for _, leaf in log.store.entries(0, log.store.head().size)]


def test_init_writes_the_genesis_and_a_signed_checkpoint(log: ScratchLog) -> None:
    head = log.store.head()
    assert (head.identity.origin, head.size) == (ORIGIN, 1)
    genesis = Envelope.from_leaf(leaves_of(log)[0])
    assert genesis.type == "log.genesis"
    assert genesis.body == {
        "origin": ORIGIN,
        "log_key": log.log_key.note_key().to_text(),
        "operator": "operator",
    }
    checkpoint, _ = open_checkpoint(log_service.checkpoint_note(log.store), log.log_key.note_key())
    assert (checkpoint.origin, checkpoint.size) == (ORIGIN, 1)


def test_a_store_cannot_be_initialised_twice(log: ScratchLog) -> None:
    with pytest.raises(Conflict, match="already holds a log"):
        log_service.initialise(log.store, ORIGIN, log.log_key, log.operator_key, T0)
    assert log.store.head().size == 1


def test_appended_entries_match_an_in_memory_tree_at_every_size(log: ScratchLog) -> None:
    pk = log.enrol("pk-liaison")
    for batch in (1, 3, 1, 8, 2, 17):
        log.append(*(log.submission(pk, n=i) for i in range(batch)))
    memory = MemoryTree()
    memory.extend(leaves_of(log))
    size = log.store.head().size
    assert size == 2 + 32
    for checkpoint in log.store.checkpoints():
        assert checkpoint.root == memory.root(checkpoint.size)
    for old in range(1, size + 1):
        proof = log_service.prove_consistency(log.store, old, size)
        assert proof.proof == memory.consistency_proof(old, size)
        verify_consistency(old, size, memory.root(old), memory.root(size), proof.proof)
    for index in range(size):
        inclusion = log_service.prove_inclusion(log.store, index, size)
        verify_inclusion(inclusion.leaf_hash, index, size, inclusion.proof, memory.root(size))


def test_proofs_at_an_earlier_size_verify_against_that_checkpoint(log: ScratchLog) -> None:
    pk = log.enrol("pk-liaison")
    earlier = log.append(log.submission(pk), log.submission(pk), log.submission(pk)).checkpoint
    log.append(*(log.submission(pk) for _ in range(9)))
    inclusion = log_service.prove_inclusion(log.store, 3, earlier.size)
    verify_inclusion(inclusion.leaf_hash, 3, earlier.size, inclusion.proof, earlier.root)
    with pytest.raises(NotFound, match="index 9 is not in a tree of size 5"):
        log_service.prove_inclusion(log.store, 9, earlier.size)
    with pytest.raises(NotFound, match="beyond the log's size"):
        log_service.prove_inclusion(log.store, 0, 1000)


def test_a_batch_with_one_bad_envelope_appends_nothing(log: ScratchLog) -> None:
    pk = log.enrol("pk-liaison")
    stranger = SigningKey.generate("stranger")
    size = log.store.head().size
    with pytest.raises(PermissionDenied, match=r"batch\[1\]\.key: key .* is not enrolled") as err:
        log.append(log.submission(pk), log.submission(stranger), log.submission(pk))
    assert err.value.field == "batch[1].key"
    assert log.store.head().size == size
    assert log.store.latest_checkpoint().size == size
    assert verify_store(log.store).ok


def test_revoked_key_cannot_append(log: ScratchLog) -> None:
    pk = log.enrol("pk-liaison")
    log.append(log.submission(pk))
    log.revoke("pk-liaison", "laptop lost")
    with pytest.raises(PermissionDenied, match="was revoked at index 3"):
        log.append(log.submission(pk))
    assert verify_store(log.store).ok


def test_only_the_logs_own_key_may_sign_checkpoints(log: ScratchLog) -> None:
    pk = log.enrol("pk-liaison")
    impostor = SigningKey.generate(ORIGIN)
    with pytest.raises(PermissionDenied, match="cannot sign the log's checkpoints"):
        log_service.append(log.store, [log.submission(pk)], impostor, log.tick)


def test_entry_over_64_kib_is_refused_before_anything_is_written(log: ScratchLog) -> None:
    pk = log.enrol("pk-liaison")
    with pytest.raises(InvalidInput, match="65535"):
        log.append(log.submission(pk, text="x" * 70_000))
    assert log.store.head().size == 2


def test_confidential_body_stays_outside_the_log_and_matches_its_commitment(
    log: ScratchLog,
) -> None:
    monitor = log.enrol("monitor-1", "monitor")
    envelope, sealed = sign_event(
        monitor,
        log=ORIGIN,
        actor="monitor-1",
        type="observation.recorded",
        time=log.tick(),
        body={"source": "Gul Zaman, shopkeeper"},
        confidential=True,
    )
    assert sealed is not None and envelope.commitment is not None
    index = log.append(Submission(envelope, sealed)).indices.start
    leaf = leaves_of(log)[index]
    assert b"Gul Zaman" not in leaf
    row = log.store.sealed(envelope.commitment)
    assert row.index == index
    assert Envelope.from_leaf(leaf).commitment == envelope.commitment
    with pytest.raises(InvalidInput, match="needs its sealed content"):
        log.append(Submission(envelope))


def test_erasing_sealed_content_leaves_the_log_valid(log: ScratchLog) -> None:
    monitor = log.enrol("monitor-1", "monitor")
    envelope, sealed = sign_event(
        monitor,
        log=ORIGIN,
        actor="monitor-1",
        type="observation.recorded",
        time=log.tick(),
        body={"victim": "name withheld"},
        confidential=True,
    )
    log.append(Submission(envelope, sealed))
    with log.store.engine.begin() as connection:
        connection.execute(sealed_bodies.delete())
    assert verify_store(log.store).ok


def test_witness_cosignatures_are_attached_and_verified(log: ScratchLog) -> None:
    witness = log.enrol("witness-pk", "witness")
    signature = witnessing.cosign_latest(log.store, witness, log.tick())
    note = Note.from_text(log_service.checkpoint_note(log.store))
    assert signature in note.signatures
    assert verify_store(log.store).ok


def test_cosignature_from_a_non_witness_is_refused(log: ScratchLog) -> None:
    pk = log.enrol("pk-liaison")
    with pytest.raises(PermissionDenied, match="not an enrolled witness key"):
        witnessing.cosign_latest(log.store, pk, log.tick())


def test_forged_cosignature_is_refused(log: ScratchLog) -> None:
    log.enrol("witness-af", "witness")
    checkpoint = log.store.latest_checkpoint()
    impostor = SigningKey.generate("witness-af")
    forged = cosign(Note.from_text(checkpoint.note), impostor, 1_760_000_000)
    with pytest.raises(PermissionDenied, match="not an enrolled witness key"):
        witnessing.attach(log.store, checkpoint.size, forged, log.tick())


def test_log_vkey_names_the_origin(log: ScratchLog) -> None:
    vkey = VerifierKey.from_text(log.store.head().identity.log_vkey)
    assert vkey.name == ORIGIN
    assert vkey.public_key == log.log_key.public_key


def test_appending_to_an_uninitialised_store_says_to_run_init(
    database_url: str, tmp_path: Path
) -> None:
    settings = Settings(data=tmp_path, database_url=database_url)
    with bootstrap.opened(settings, create=True) as store, pytest.raises(NotFound, match="init"):
        store.head()


def test_head_size_is_written_only_by_a_matching_append(log: ScratchLog) -> None:
    pk = log.enrol("pk-liaison")
    with log.store.engine.begin() as connection:  # another writer's size, behind our back
        connection.execute(update(log_head).values(size=log_head.c.size + 5))
    with pytest.raises((Conflict, NotFound, StorageError)):
        log.append(log.submission(pk))


@pytest.fixture(scope="module")
def tamper_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScratchLog]:
    folder = tmp_path_factory.mktemp("tamper")
    log = make_log(f"sqlite:///{folder / 'ceasefire.db'}", folder / "data")
    pk = log.enrol("pk-liaison")
    witness = log.enrol("witness-af", "witness")
    for batch in (1, 2, 5, 3):
        log.append(*(log.submission(pk, place="Spin Boldak", n=i) for i in range(batch)))
    witnessing.cosign_latest(log.store, witness, log.tick())
    yield log
    log.store.close()


STORED = {
    "leaf": ("log_entries", "leaf", ["idx"]),
    "leaf hash": ("log_entries", "hash", ["idx"]),
    "interior node": ("log_nodes", "hash", ["level", "idx"]),
    "checkpoint": ("log_checkpoints", "note", ["size"]),
    "cosignature": ("log_cosignatures", "line", ["size", "name", "key_id"]),
}


@given(what=st.sampled_from(sorted(STORED)), data=st.data())
def test_tampering_with_any_byte_of_any_stored_row_is_caught(
    tamper_log: ScratchLog, what: str, data: st.DataObject
) -> None:
    table, column, keys = STORED[what]
    engine = tamper_log.store.engine
    with engine.connect() as connection:
        rows = connection.execute(text(f"SELECT {', '.join(keys)}, {column} FROM {table}")).all()
    row = data.draw(st.sampled_from(rows), label="row")
    original = row[-1]
    raw = original.encode() if isinstance(original, str) else bytes(original)
    position = data.draw(st.integers(0, len(raw) - 1), label="byte")
    flipped = bytearray(raw)
    flipped[position] ^= data.draw(st.integers(1, 255), label="xor")
    value: bytes | str = bytes(flipped)
    if isinstance(original, str):
        value = bytes(flipped).decode("utf-8", errors="replace")
        if value == original:
            return
    where = " AND ".join(f"{k} = :k{i}" for i, k in enumerate(keys))
    params = {f"k{i}": row[i] for i in range(len(keys))}
    statement = text(f"UPDATE {table} SET {column} = :v WHERE {where}")
    with engine.begin() as connection:
        connection.execute(statement, {**params, "v": value})
    try:
        report = verify_store(tamper_log.store)
        assert not report.ok, f"verify missed a change to {table} {params} byte {position}"
        assert report.first_problem is not None
    finally:
        with engine.begin() as connection:
            connection.execute(statement, {**params, "v": original})
    assert verify_store(tamper_log.store).ok


def test_verify_names_the_first_bad_index_with_expected_and_found(log: ScratchLog) -> None:
    pk = log.enrol("pk-liaison")
    log.append(*(log.submission(pk, n=i) for i in range(10)))
    with log.store.engine.begin() as connection:
        leaf = connection.execute(text("SELECT leaf FROM log_entries WHERE idx = 7")).scalar_one()
        edited = bytes(leaf).replace(b'"n":5', b'"n":6')
        connection.execute(
            text("UPDATE log_entries SET leaf = :leaf WHERE idx = 7"), {"leaf": edited}
        )
    report = verify_store(log.store)
    first = report.first_problem
    assert first is not None and first.index == 7
    assert first.message == "the entry does not hash to the stored leaf hash"
    assert first.expected and first.found and first.expected != first.found
    assert any("signature" in p.message for p in report.problems if p.index == 7)


def test_a_rewritten_history_with_recomputed_hashes_fails_the_signed_checkpoints(
    log: ScratchLog,
) -> None:
    """An operator who edits an entry and recomputes every node still cannot re-sign old
    checkpoints without contradicting them: the signed roots no longer match."""
    pk = log.enrol("pk-liaison")
    log.append(*(log.submission(pk, n=i) for i in range(6)))
    leaves = leaves_of(log)
    forged = Envelope.from_leaf(leaves[4])
    rewritten, _ = sign_event(
        pk, log=ORIGIN, actor="pk-liaison", type=forged.type, time=forged.time, body={"n": 99}
    )
    leaves[4] = rewritten.to_leaf()
    tree = MemoryTree()
    tree.extend(leaves)
    nodes = tree.read_nodes(_all_ids(len(leaves)))
    with log.store.engine.begin() as connection:
        connection.execute(
            update(log_entries)
            .where(log_entries.c.idx == 4)
            .values(leaf=leaves[4], hash=nodes[0, 4])
        )
        connection.execute(delete(log_nodes))
        connection.execute(
            insert(log_nodes),
            [{"level": lv, "idx": ix, "hash": h} for (lv, ix), h in nodes.items() if lv > 0],
        )
    report = verify_store(log.store)
    assert not report.ok
    assert any("signed root is not the root" in p.message for p in report.problems)


def _all_ids(size: int) -> list[tuple[int, int]]:
    """Every complete subtree of a tree of ``size`` leaves."""
    ids: list[tuple[int, int]] = []
    level = 0
    while (size >> level) > 0:
        ids.extend((level, i) for i in range(size >> level))
        level += 1
    return ids


def test_checkpoint_times_come_back_in_utc(log: ScratchLog) -> None:
    genesis = log.store.latest_checkpoint()
    assert genesis.created_at == T0
    assert genesis.created_at.utcoffset() is not None
    pk = log.enrol("pk-liaison")
    times = [c.created_at for c in log.store.checkpoints()]
    assert times == sorted(times)
    assert log.append(log.submission(pk)).checkpoint.created_at > times[-1]


def test_ids_beginning_a_prefix_are_a_range_of_the_id_index_by_type(log: ScratchLog) -> None:
    for n in range(12):
        log.enrol(f"monitor-{n}")
    log.append(*(log.submission(log.enrol(f"writer-{n}"), n=n) for n in range(4)))
    rows = log.store.table("rm_events")
    for types in (("key.enrolled",), ("note.added", "log.genesis")):
        for row in rows:
            for prefix in (row["id"][:1], row["id"][:2], row["id"]):
                expected = sorted(
                    r["id"] for r in rows if r["type"] in types and r["id"].startswith(prefix)
                )
                assert log.store.ids_beginning(prefix, types, 100) == expected
    everything = sorted(r["id"] for r in rows if r["type"] == "key.enrolled")
    assert log.store.ids_beginning("", ("key.enrolled",), 5) == everything[:5]
    with pytest.raises(ValueError, match="lowercase hex"):
        log.store.ids_beginning("ZZ%", ("key.enrolled",), 5)
