"""Witness cosignatures (c2sp.org/tlog-cosignature, Ed25519 cosignature/v1, type 0x04)."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.errors import InvalidInput, VerificationError
from ceasefire.log.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from ceasefire.log.cosignature import (
    MAX_TIMESTAMP,
    CosignatureVerifier,
    cosign,
    cosignature_message,
    cosignature_timestamp,
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
