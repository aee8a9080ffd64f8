"""Third-party signed-note, checkpoint and cosignature vectors (see README.md beside this file).

``signed_note_vectors.json``: ``valid`` cases verify with exactly their ``verifier_keys``
(type 0x04 keys through :class:`CosignatureVerifier`); ``reject`` cases fail to parse
(:class:`InvalidInput`) or to verify (:class:`VerificationError`); ``parse_only`` cases parse
and re-serialise byte for byte. ``tessera_posix_testlog.json``: every checkpoint opens.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_der_public_key,
)

from ceasefire.errors import InvalidInput, VerificationError
from ceasefire.log.checkpoint import Checkpoint, open_checkpoint
from ceasefire.log.cosignature import (
    CLOCK_SKEW,
    CosignatureVerifier,
    contradiction,
    cosignature_message,
    cosignature_timestamp,
    cosigned_by,
    dated_ahead,
    verify_cosignature,
)
from ceasefire.log.keys import ED25519_COSIGNATURE, SigningKey, VerifierKey
from ceasefire.log.note import Note, NoteVerifier, sign_note, verify_note

HERE = Path(__file__).parent


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((HERE / name).read_text(encoding="utf-8"))
    return data


VECTORS = _load("signed_note_vectors.json")
GROUPS: dict[str, dict[str, Any]] = {g["name"]: g for g in VECTORS["groups"]}
CASES: list[dict[str, Any]] = [c for g in VECTORS["groups"] for c in g.get("cases", [])]
TESSERA = _load("tessera_posix_testlog.json")
TESSERA_CHECKPOINTS: dict[str, str] = TESSERA["checkpoints"]
REKOR = _load("sigstore_rekor_v2_inclusion.json")


def _cases(expect: str, *, having: str = "expect") -> list[Any]:
    return [pytest.param(c, id=c["id"]) for c in CASES if c["expect"] == expect and having in c]


def _note_data(case: dict[str, Any]) -> str | bytes:
    return bytes.fromhex(case["note_hex"]) if "note_hex" in case else str(case["note"])


def _verifier(vkey: str) -> NoteVerifier:
    key = VerifierKey.from_text(vkey)
    return CosignatureVerifier(key) if key.key_type == ED25519_COSIGNATURE else key


# How each `reject` case fails: at parse (InvalidInput) or at verify (VerificationError).
REJECTIONS: dict[str, tuple[type[Exception], str]] = {
    "gm-3": (VerificationError, r"no signature by a known key: expected one of \[\]"),
    "gm-4": (VerificationError, r"invalid signature by \[PeterNeumann\+c74f20a3\]"),
    "gm-5": (VerificationError, "at most 100 signature lines, found 101"),
    "gm-malformed-1": (InvalidInput, "no blank line"),
    "gm-malformed-2": (InvalidInput, "no signature lines after the blank line"),
    "gm-malformed-3": (InvalidInput, "must end with a newline"),
    "gm-malformed-4": (InvalidInput, r"line 1, column 1: U\+0001 is a control character"),
    "gm-malformed-5": (InvalidInput, "not valid UTF-8: byte 0xff at offset 0"),
    "gm-malformed-6": (InvalidInput, "must end with a newline"),
    "gm-malformed-7": (InvalidInput, r"note line 5 \(signature line 2\): expected '— <key name>"),
    "sumdb-3-wrong-origin": (VerificationError, "origin mismatch: expected 'Go rocks"),
    "sunlight-cosig-3-wrong-witness": (VerificationError, "no signature by a known key"),
}


def test_every_reject_case_has_an_expected_reason() -> None:
    assert {c["id"] for c in CASES if c["expect"] == "reject"} == set(REJECTIONS)


@pytest.mark.parametrize("case", _cases("valid"))
def test_valid_note_verifies_with_exactly_its_keys(case: dict[str, Any]) -> None:
    note = Note.from_text(_note_data(case))
    verified = verify_note(note, [_verifier(v) for v in case["verifier_keys"]])
    names = [s.name for s in verified]
    assert names == case.get("expect_verified_names", names)
    assert len(verified) == case.get("expect_verified_count", len(verified))
    unverified = {s.name for s in note.signatures} - set(names)
    assert unverified >= set(case.get("expect_unverified_names", []))


@pytest.mark.parametrize("case", _cases("valid"))
def test_valid_note_re_serialises_byte_for_byte(case: dict[str, Any]) -> None:
    assert Note.from_text(_note_data(case)).to_text() == case["note"]


@pytest.mark.parametrize("case", _cases("valid", having="expect_cosignature_timestamp"))
def test_cosignatures_verify_with_their_timestamp(case: dict[str, Any]) -> None:
    note = Note.from_text(case["note"])
    witnesses = [VerifierKey.from_text(v) for v in case["verifier_keys"]]
    witnesses = [k for k in witnesses if k.key_type == ED25519_COSIGNATURE]
    assert witnesses
    for witness in witnesses:
        assert verify_cosignature(note, witness) == case["expect_cosignature_timestamp"]


def _parse_and_verify(case: dict[str, Any]) -> None:
    note = Note.from_text(_note_data(case))
    if "expect_origin" in case:  # a checkpoint-level case: the caller expects another origin
        log_key = VerifierKey.from_text(case["verifier_keys"][0])
        open_checkpoint(case["note"], log_key, origin=case["expect_origin"])
    verify_note(note, [_verifier(v) for v in case["verifier_keys"]])


@pytest.mark.parametrize("case", _cases("reject"))
def test_reject_case_is_rejected_for_the_expected_reason(case: dict[str, Any]) -> None:
    error, message = REJECTIONS[case["id"]]
    with pytest.raises(error, match=message):
        _parse_and_verify(case)


@pytest.mark.parametrize("case", _cases("parse_only"))
def test_parse_only_note_round_trips_byte_for_byte(case: dict[str, Any]) -> None:
    assert Note.from_text(case["note"]).to_text() == case["note"]
    assert Note.from_text(case["note"].encode()).to_text() == case["note"]


def test_spec_checkpoint_example_parses() -> None:
    (case,) = [c for c in CASES if c["id"] == "c2sp-checkpoint"]
    checkpoint = Checkpoint.from_text(Note.from_text(case["note"]).text)
    expected = case["expect_parsed"]
    assert checkpoint.origin == expected["origin"]
    assert checkpoint.size == expected["tree_size"]
    assert checkpoint.root_hash == base64.b64decode(expected["root_b64"])
    assert checkpoint.to_text() == Note.from_text(case["note"]).text


def test_spec_cosignature_example_splits_into_key_id_and_timestamp() -> None:
    (case,) = [c for c in CASES if c["id"] == "c2sp-cosigned-checkpoint"]
    expected = case["expect_parsed"]
    log_line, cosignature = Note.from_text(case["note"]).signatures
    assert f"{log_line.key_id:08x}" == expected["log_signature_key_id_hex"]
    assert cosignature.name == expected["cosignature_line_key_name"]
    assert f"{cosignature.key_id:08x}" == expected["cosignature_key_id_hex"]
    assert 4 + len(cosignature.signature) == expected["cosignature_total_decoded_len"]
    assert (
        cosignature_timestamp(cosignature) == expected["cosignature_timestamp_from_bytes_4_to_12"]
    )


def test_spec_cosignature_signed_message_is_byte_exact() -> None:
    (case,) = [c for c in CASES if c["id"] == "c2sp-cosignature-signed-message-example"]
    message: str = case["message"]
    header, time_line, body = message.split("\n", 2)
    assert (header, time_line) == ("cosignature/v1", "time 1679315147")
    assert cosignature_message(body, 1679315147) == message.encode()


# --- keys --------------------------------------------------------------------------------

GO = GROUPS["golang_mod_sumdb_note"]


def test_go_signing_case_gives_the_exact_note_bytes() -> None:
    signing = GO["signing_case"]
    key = SigningKey.from_text(signing["signer_private_key"])
    assert key.to_text() == signing["signer_private_key"]
    assert key.note_key().to_text() == GO["keys"]["PeterNeumann"]["vkey"]
    assert sign_note(signing["text"], key).to_text() == signing["expect_signed_note"]


@pytest.mark.parametrize("invalid", GO["invalid_vkeys"], ids=lambda v: str(v["why"])[:30])
def test_invalid_vkey_is_refused(invalid: dict[str, str]) -> None:
    with pytest.raises(InvalidInput):
        VerifierKey.from_text(invalid["vkey"])


@pytest.mark.parametrize(
    "vkey", list(GROUPS["transparency_dev_formats_test_keys"]["vkeys"].values())
)
def test_public_test_vkeys_parse_and_print_back(vkey: str) -> None:
    assert VerifierKey.from_text(vkey).to_text() == vkey


def test_type_01_witness_vkey_is_not_taken_as_a_cosignature_key() -> None:
    wit1 = VerifierKey.from_text(GROUPS["transparency_dev_formats_test_keys"]["vkeys"]["wit1_vkey"])
    with pytest.raises(InvalidInput, match="type 0x04"):
        CosignatureVerifier(wit1)
    as_cosigner = VerifierKey(wit1.name, ED25519_COSIGNATURE, wit1.public_key)
    assert CosignatureVerifier(as_cosigner).key_id != wit1.key_id


# --- real checkpoints --------------------------------------------------------------------


def test_sum_golang_org_checkpoint_opens_with_its_origin() -> None:
    (case,) = [c for c in CASES if c["id"] == "sumdb-1"]
    log_key = VerifierKey.from_text(case["verifier_keys"][0])
    checkpoint, _ = open_checkpoint(case["note"], log_key, origin="go.sum database tree")
    assert checkpoint.origin == case["expect_parsed"]["origin"]
    assert checkpoint.size == case["expect_parsed"]["tree_size"]
    with pytest.raises(VerificationError, match=r"expected 'sum\.golang\.org'"):
        open_checkpoint(case["note"], log_key)


def test_rekor_v2_checkpoint_opens_and_its_three_witnesses_cosigned() -> None:
    (case,) = [c for c in CASES if c["id"] == "rekor-alpha3-witnessed"]
    log_key, *witnesses = (VerifierKey.from_text(v) for v in case["verifier_keys"])
    checkpoint, note = open_checkpoint(case["note"], log_key)
    assert (checkpoint.origin, checkpoint.size) == ("log2025-alpha3.rekor.sigstage.dev", 4026479)
    assert len(witnesses) == 3
    for witness in witnesses:
        assert verify_cosignature(note, witness) == case["expect_cosignature_timestamp"]


def test_rekor_v2_public_witnesses_are_read_as_a_reader_judges_them() -> None:
    """The three public witnesses' cosignatures, read by ``cosigned_by``: one history, so no
    two contradict; a reader whose clock is more than the skew behind them finds them dated in
    the future, one at most the skew behind does not."""
    (case,) = [c for c in CASES if c["id"] == "rekor-alpha3-witnessed"]
    log_key, *witnesses = (VerifierKey.from_text(v) for v in case["verifier_keys"])
    _, note = open_checkpoint(case["note"], log_key)
    found = cosigned_by(note, witnesses)
    timestamp = case["expect_cosignature_timestamp"]
    assert [(c.name, c.timestamp, c.size) for c in found] == [
        (w.name, timestamp, 4026479) for w in witnesses
    ]
    assert all(contradiction(a, b) is None for a in found for b in found)
    assert all(dated_ahead(c, timestamp - CLOCK_SKEW) is None for c in found)
    assert all(dated_ahead(c, timestamp - CLOCK_SKEW - 1) is not None for c in found)


def _raw_ed25519(spki_der_b64: str) -> bytes:
    key = load_der_public_key(base64.b64decode(spki_der_b64))
    assert isinstance(key, Ed25519PublicKey)
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@pytest.mark.parametrize("case", REKOR["cases"], ids=lambda c: str(c["tree_size"]))
def test_rekor_inclusion_checkpoints_open_with_the_published_log_key(case: dict[str, Any]) -> None:
    log_key = VerifierKey.from_text(case["log_vkey_derived"])
    assert log_key.public_key == _raw_ed25519(case["log_public_key_spki_der_b64"])
    checkpoint, _ = open_checkpoint(case["checkpoint"], log_key)
    assert checkpoint.size == case["tree_size"]
    assert checkpoint.root_hash.hex() == case["root"]


def _tree_hash(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1 MTH, written out here only to check the parsed roots independently."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    split = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(
        b"\x01" + _tree_hash(leaves[:split]) + _tree_hash(leaves[split:])
    ).digest()


@pytest.mark.parametrize("size", sorted(map(int, TESSERA_CHECKPOINTS)))
def test_tessera_checkpoint_opens_with_its_key_and_origin(size: int) -> None:
    log_key = VerifierKey.from_text(TESSERA["verifier_key"])
    note_text = TESSERA_CHECKPOINTS[str(size)]
    checkpoint, note = open_checkpoint(note_text, log_key, origin=TESSERA["origin"])
    assert checkpoint.size == size
    assert checkpoint.root_hash == _tree_hash([e.encode() for e in TESSERA["entries_ascii"][:size]])
    assert note.to_text() == note_text


def test_tessera_log_has_sixteen_checkpoints() -> None:
    assert sorted(map(int, TESSERA_CHECKPOINTS)) == list(range(16))
