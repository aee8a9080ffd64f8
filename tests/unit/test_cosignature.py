"""Witness cosignatures (c2sp.org/tlog-cosignature, Ed25519 cosignature/v1, type 0x04)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.errors import InvalidInput, VerificationError
from ceasefire.log.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from ceasefire.log.cosignature import (
    CLOCK_SKEW,
    MAX_TIMESTAMP,
    CosignatureVerifier,
    Cosigned,
    Fault,
    contradiction,
    cosign,
    cosignature_message,
    cosignature_timestamp,
    cosigned_by,
    dated_ahead,
    verify_cosignature,
)
from ceasefire.log.keys import SigningKey, key_id
from ceasefire.log.note import Note, NoteSignature, NoteVerifier, sign_note, verify_note

ORIGIN = "ceasefire.example/pak-afg"
LOG = SigningKey(ORIGIN, bytes(range(32)))
TURKEY = SigningKey("witness.example/tr", bytes(range(32, 64)))
QATAR = SigningKey("witness.example/qa", bytes(range(64, 96)))
CHECKPOINT = Checkpoint(ORIGIN, 42, hashlib.sha256(b"ceasefire").digest())
NOTE = sign_checkpoint(CHECKPOINT, LOG)
TS = 1767139200
GOLDEN_LINE = (
    "\u2014 witness.example/tr kyWIXAAAAABpVGeA7nAFfEktN4LrdqKaD701P7sYPfv9i3ucbv+58XYaN1FSyclTF52Z"
    "hD0LvsqG6HV2WplS80kgpQeWXQfvuOTXCA==\n"
)

timestamps = st.integers(0, MAX_TIMESTAMP)


def test_signed_message_is_header_time_line_and_checkpoint_text() -> None:
    text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    assert cosignature_message(text, 1679315147) == b"cosignature/v1\ntime 1679315147\n" + (
        text.encode()
    )


def test_signed_message_includes_extension_lines() -> None:
    text = Checkpoint(ORIGIN, 1, bytes(32), ("ext",)).to_text()
    assert cosignature_message(text, 0).endswith(b"\next\n")


def test_cosignature_line_bytes_are_stable() -> None:
    assert cosign(NOTE, TURKEY, TS).to_line() == GOLDEN_LINE


def test_cosignature_carries_type_04_key_id_timestamp_and_signature() -> None:
    signature = cosign(NOTE, TURKEY, TS)
    assert signature.name == TURKEY.name
    assert signature.key_id == key_id(TURKEY.name, 0x04, TURKEY.public_key)
    assert signature.key_id != TURKEY.note_key().key_id
    payload = base64.b64decode(signature.to_line().split(" ")[-1])
    assert len(payload) == 4 + 8 + 64
    assert int.from_bytes(payload[4:12], "big") == TS == cosignature_timestamp(signature)


@given(timestamps)
def test_cosignature_verifies_and_returns_its_timestamp(timestamp: int) -> None:
    note = NOTE.with_signatures(cosign(NOTE, TURKEY, timestamp))
    assert verify_cosignature(note, TURKEY.cosignature_key()) == timestamp


def test_log_and_witness_verifiers_mix_in_one_verify_note_call() -> None:
    note = NOTE.with_signatures(cosign(NOTE, TURKEY, TS), cosign(NOTE, QATAR, TS + 1))
    verifiers: list[NoteVerifier] = [
        LOG.note_key(),
        CosignatureVerifier(TURKEY.cosignature_key()),
        CosignatureVerifier(QATAR.cosignature_key()),
    ]
    verified = verify_note(note, verifiers)
    assert [s.name for s in verified] == [ORIGIN, TURKEY.name, QATAR.name]


def test_cosigned_checkpoint_still_opens_with_the_log_key() -> None:
    note = NOTE.with_signatures(cosign(NOTE, TURKEY, TS))
    assert open_checkpoint(note.to_text(), LOG.note_key())[0] == CHECKPOINT


@given(st.data())
def test_changing_the_timestamp_breaks_the_cosignature(data: st.DataObject) -> None:
    good = cosign(NOTE, TURKEY, TS)
    other = data.draw(timestamps.filter(lambda t: t != TS), label="timestamp")
    moved = NoteSignature(good.name, good.key_id, other.to_bytes(8, "big") + good.signature[8:])
    with pytest.raises(VerificationError, match="invalid signature by"):
        verify_cosignature(NOTE.with_signatures(moved), TURKEY.cosignature_key())


def test_cosignature_copied_onto_another_checkpoint_fails() -> None:
    line = cosign(NOTE, TURKEY, TS)
    bigger = sign_checkpoint(Checkpoint(ORIGIN, 43, bytes(32)), LOG)
    with pytest.raises(VerificationError, match="invalid signature by"):
        verify_cosignature(bigger.with_signatures(line), TURKEY.cosignature_key())


def test_missing_cosignature_is_a_verification_error_naming_the_witness() -> None:
    note = NOTE.with_signatures(cosign(NOTE, QATAR, TS))
    with pytest.raises(VerificationError, match=r"expected one of \[witness.example/tr\+"):
        verify_cosignature(note, TURKEY.cosignature_key())


def test_witness_note_signature_is_not_a_cosignature() -> None:
    plain = sign_note(NOTE.text, TURKEY).signatures[0]
    with pytest.raises(VerificationError, match="no signature by a known key"):
        verify_cosignature(NOTE.with_signatures(plain), TURKEY.cosignature_key())


def test_cosignature_is_not_a_log_signature() -> None:
    only_witness = Note(NOTE.text, (cosign(NOTE, LOG, TS),))
    with pytest.raises(VerificationError, match="no signature by a known key"):
        open_checkpoint(only_witness.to_text(), LOG.note_key())


def test_newer_cosignature_replaces_the_older_one_from_the_same_witness() -> None:
    note = NOTE.with_signatures(cosign(NOTE, TURKEY, TS)).with_signatures(
        cosign(NOTE, TURKEY, TS + 60)
    )
    assert len(note.signatures) == 2
    assert verify_cosignature(note, TURKEY.cosignature_key()) == TS + 60


@pytest.mark.parametrize("timestamp", [-1, MAX_TIMESTAMP + 1])
def test_timestamp_outside_0_to_2_63_minus_1_is_refused(timestamp: int) -> None:
    with pytest.raises(InvalidInput, match=rf"2\^63-1 seconds, found {timestamp}"):
        cosign(NOTE, TURKEY, timestamp)


def test_verifier_rejects_a_timestamp_above_2_63_minus_1() -> None:
    verifier = CosignatureVerifier(TURKEY.cosignature_key())
    timestamp = MAX_TIMESTAMP + 1
    message = b"cosignature/v1\ntime %d\n" % timestamp + NOTE.text.encode()
    forged = timestamp.to_bytes(8, "big") + TURKEY.sign(message)
    assert not verifier.verify(NOTE.text.encode(), forged)


@pytest.mark.parametrize("length", [0, 64, 71, 73])
def test_verifier_rejects_signatures_of_the_wrong_length(length: int) -> None:
    verifier = CosignatureVerifier(TURKEY.cosignature_key())
    assert not verifier.verify(NOTE.text.encode(), bytes(length))


def test_cosignature_verifier_needs_a_type_04_key() -> None:
    with pytest.raises(InvalidInput, match="type 0x04, found 0x01"):
        CosignatureVerifier(TURKEY.note_key())
    with pytest.raises(InvalidInput, match="type 0x04, found 0x01"):
        verify_cosignature(NOTE, TURKEY.note_key())


def test_only_checkpoints_are_cosigned() -> None:
    with pytest.raises(InvalidInput, match="at least 3 lines"):
        cosign(sign_note("not a checkpoint\n", LOG), TURKEY, TS)


def test_timestamp_of_a_non_cosignature_is_refused() -> None:
    with pytest.raises(InvalidInput, match="72 bytes after the key id, found 64"):
        cosignature_timestamp(NOTE.signatures[0])


# --- what a reader makes of verified cosignatures (log.cosignature rules 1 and 2) -------------

ROOTS = st.sampled_from([hashlib.sha256(bytes([n])).digest() for n in range(3)])


def _cosigned(size: int, timestamp: int, root: bytes = CHECKPOINT.root_hash) -> Cosigned:
    return Cosigned(TURKEY.name, TURKEY.cosignature_key().key_id, timestamp, ORIGIN, size, root)


def _signed(size: int, timestamp: int, root: bytes = CHECKPOINT.root_hash) -> Note:
    """A checkpoint of ``size`` signed by the log and cosigned by TURKEY at ``timestamp``."""
    note = sign_checkpoint(Checkpoint(ORIGIN, size, root), LOG)
    return note.with_signatures(cosign(note, TURKEY, timestamp))


def test_cosigned_by_reads_each_given_witness_verified_and_skips_the_others() -> None:
    note = NOTE.with_signatures(cosign(NOTE, TURKEY, TS), cosign(NOTE, QATAR, TS + 1))
    found = cosigned_by(
        note, [TURKEY.cosignature_key(), SigningKey.generate("x").cosignature_key()]
    )
    assert found == [
        Cosigned(TURKEY.name, TURKEY.cosignature_key().key_id, TS, ORIGIN, 42,
                 CHECKPOINT.root_hash, note.to_text())
    ]  # fmt: skip


def test_cosigned_by_refuses_a_line_under_a_given_key_that_does_not_verify() -> None:
    forged = NoteSignature(TURKEY.name, TURKEY.cosignature_key().key_id, bytes(72))
    with pytest.raises(VerificationError, match="invalid signature by"):
        cosigned_by(NOTE.with_signatures(forged), [TURKEY.cosignature_key()])


@pytest.mark.parametrize(
    ("ahead", "refused"),
    [(-3600, False), (0, False), (CLOCK_SKEW, False), (CLOCK_SKEW + 1, True), (86400 * 365, True)],
)
def test_a_cosignature_dated_beyond_the_clock_skew_is_from_the_future(
    ahead: int, refused: bool
) -> None:
    reason = dated_ahead(_cosigned(42, TS + ahead), TS)
    assert (reason is not None) == refused
    if reason is not None:
        assert reason.startswith(f"{TURKEY.name}'s cosignature of the tree of 42 entries is dated")
        assert "no witness can have cosigned in the future" in reason
        assert "by more than 5 minutes" in reason


def test_a_smaller_tree_cosigned_after_a_larger_one_is_a_rollback() -> None:
    larger, smaller = _cosigned(50, TS), _cosigned(42, TS + 60)
    for held, presented in ((larger, smaller), (smaller, larger)):
        found = contradiction(held, presented)
        assert found is not None and found.fault is Fault.ROLLBACK
        assert (found.held, found.presented) == (held, presented)
        assert found.message.startswith(
            f"witness {TURKEY.name} cosigned the tree of 42 entries (root "
        )
        assert "a witness never cosigns a smaller tree after a larger one" in found.message
        assert (found.expected, found.found) == (held.describe(), presented.describe())


def test_two_roots_for_one_size_is_a_fork_whatever_the_times() -> None:
    found = contradiction(_cosigned(42, TS), _cosigned(42, TS - 10, root=bytes(32)))
    assert found is not None and found.fault is Fault.FORK
    assert "cosigned two roots for the tree of 42 entries" in found.message


def test_cosignatures_by_two_keys_or_of_two_logs_never_contradict() -> None:
    mine = _cosigned(50, TS + 60)
    assert contradiction(mine, replace(_cosigned(42, TS + 120), key_id=1)) is None
    assert contradiction(mine, replace(_cosigned(42, TS + 120), name="other")) is None
    assert contradiction(mine, replace(_cosigned(42, TS + 120), origin="other.log")) is None


@given(st.integers(1, 2**20), st.integers(1, 2**20), timestamps, timestamps, ROOTS, ROOTS)
def test_two_cosignatures_contradict_exactly_when_one_cannot_be_the_largest_at_its_time(
    size_a: int, size_b: int, time_a: int, time_b: int, root_a: bytes, root_b: bytes
) -> None:
    a, b = _cosigned(size_a, time_a, root_a), _cosigned(size_b, time_b, root_b)
    fork = size_a == size_b and root_a != root_b
    rollback = (size_a < size_b and time_a > time_b) or (size_b < size_a and time_b > time_a)
    found = contradiction(a, b)
    assert (found is not None) == (fork or rollback)
    assert (contradiction(b, a) is None) == (found is None)  # symmetric
    if found is not None:
        assert found.fault is (Fault.FORK if fork else Fault.ROLLBACK)


@given(st.lists(st.tuples(st.integers(0, 10), st.integers(0, 10**6)), min_size=2, max_size=12))
def test_a_witness_that_only_moves_forward_never_contradicts_itself(
    steps: list[tuple[int, int]],
) -> None:
    size, timestamp, history = 1, TS, []
    for grow, wait in steps:
        size, timestamp = size + grow, timestamp + wait
        history.append(_cosigned(size, timestamp, hashlib.sha256(str(size).encode()).digest()))
    assert all(contradiction(a, b) is None for a in history for b in history)


def test_real_cosignatures_of_a_fork_and_of_a_rollback_are_caught() -> None:
    """Read from signed notes, as a reader gets them."""
    key = TURKEY.cosignature_key()
    (first,) = cosigned_by(_signed(42, TS), [key])
    (fork,) = cosigned_by(_signed(42, TS + 60, root=bytes(32)), [key])
    (back,) = cosigned_by(_signed(41, TS + 120), [key])
    (onward,) = cosigned_by(_signed(43, TS + 120), [key])
    assert contradiction(first, fork) is not None and contradiction(first, back) is not None
    assert contradiction(first, onward) is None
    assert (first.note, back.note) == (_signed(42, TS).to_text(), _signed(41, TS + 120).to_text())
