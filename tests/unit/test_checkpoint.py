"""Checkpoints (c2sp.org/tlog-checkpoint): strict text form, signing, the client's first steps."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.errors import InvalidInput, VerificationError
from ceasefire.log.checkpoint import (
    MAX_TREE_SIZE,
    Checkpoint,
    open_checkpoint,
    sign_checkpoint,
)
from ceasefire.log.keys import SigningKey
from ceasefire.log.note import Note, sign_note

# Any non-empty line of note text: spaces and '+' included (the origin rule is only a SHOULD).
checkpoint_lines = st.text(st.characters(codec="utf-8", min_codepoint=0x20), min_size=1)
checkpoints = st.builds(
    Checkpoint,
    origin=checkpoint_lines,
    size=st.integers(0, MAX_TREE_SIZE),
    root_hash=st.binary(min_size=32, max_size=32),
    extensions=st.lists(checkpoint_lines, max_size=3).map(tuple),
)

ORIGIN = "ceasefire.example/pak-afg"
LOG_KEY = SigningKey(ORIGIN, bytes(range(32)))
ROOT = hashlib.sha256(b"ceasefire").digest()
ROOT_B64 = base64.b64encode(ROOT).decode()
GOLDEN = (
    "ceasefire.example/pak-afg\n42\nIQXzBwNyVtlR3EGvwzHDowY/brvAwba/sQJbHbWGNJw=\n\n"
    "\u2014 ceasefire.example/pak-afg z3+oqk7ham0YufxkJzvNrTBIxTm7hKfWF4IxTvd2kRxIVTAywKQU5ML25x0Q"
    "KWExh+losTyPuQ1qG4v0d/3V2esdCgE=\n"
)


@given(checkpoints)
def test_checkpoint_text_round_trips(checkpoint: Checkpoint) -> None:
    assert Checkpoint.from_text(checkpoint.to_text()) == checkpoint


def test_checkpoint_text_has_origin_size_root_and_extension_lines() -> None:
    checkpoint = Checkpoint(ORIGIN, 42, ROOT, ("ext one", "ext two"))
    assert checkpoint.to_text() == f"{ORIGIN}\n42\n{ROOT_B64}\next one\next two\n"


def test_signed_checkpoint_bytes_are_stable() -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, 42, ROOT), LOG_KEY)
    assert note.to_text() == GOLDEN


@given(checkpoints, st.binary(min_size=32, max_size=32))
def test_signed_checkpoint_opens_with_the_log_key(checkpoint: Checkpoint, seed: bytes) -> None:
    key = SigningKey("log.example/x", seed)
    note = sign_checkpoint(checkpoint, key)
    opened, opened_note = open_checkpoint(note.to_text(), key.note_key(), origin=checkpoint.origin)
    assert opened == checkpoint
    assert opened_note == note


def test_origin_defaults_to_the_log_key_name() -> None:
    checkpoint, _ = open_checkpoint(GOLDEN.encode(), LOG_KEY.note_key())
    assert checkpoint == Checkpoint(ORIGIN, 42, ROOT)


def test_unexpected_origin_is_rejected_naming_both() -> None:
    with pytest.raises(
        VerificationError,
        match=re.escape(
            "origin mismatch: expected 'other.example/log', found 'ceasefire.example/pak-afg'"
        ),
    ):
        open_checkpoint(GOLDEN, LOG_KEY.note_key(), origin="other.example/log")


def test_checkpoint_signed_by_another_key_is_rejected() -> None:
    impostor = SigningKey(ORIGIN, bytes(32))
    note = sign_checkpoint(Checkpoint(ORIGIN, 42, ROOT), impostor)
    with pytest.raises(VerificationError, match="no signature by a known key"):
        open_checkpoint(note.to_text(), LOG_KEY.note_key())


def test_witness_signatures_do_not_stand_in_for_the_log_signature() -> None:
    witness = SigningKey("witness.example/tr", bytes(range(32, 64)))
    note = sign_checkpoint(Checkpoint(ORIGIN, 42, ROOT), witness)
    with pytest.raises(VerificationError, match=r"expected one of \[ceasefire.example/pak-afg\+"):
        open_checkpoint(note.to_text(), LOG_KEY.note_key())


def test_log_key_must_be_a_note_key() -> None:
    with pytest.raises(InvalidInput, match=r"type 0x01.*found type 0x04"):
        open_checkpoint(GOLDEN, LOG_KEY.cosignature_key())


def test_signature_is_checked_before_the_body_is_parsed() -> None:
    bad_body = f"{ORIGIN}\n007\n{ROOT_B64}\n"
    signed = sign_note(bad_body, LOG_KEY)
    with pytest.raises(InvalidInput, match="line 2"):
        open_checkpoint(signed.to_text(), LOG_KEY.note_key())
    unsigned = Note(bad_body, sign_note(bad_body, SigningKey(ORIGIN, bytes(32))).signatures)
    with pytest.raises(VerificationError):
        open_checkpoint(unsigned.to_text(), LOG_KEY.note_key())


def test_malformed_signed_note_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="no blank line"):
        open_checkpoint(f"{ORIGIN}\n42\n{ROOT_B64}\n", LOG_KEY.note_key())


def test_origin_with_spaces_is_accepted_as_the_spec_requires() -> None:
    checkpoint = Checkpoint.from_text(f"go.sum database tree\n6476701\n{ROOT_B64}\n")
    assert checkpoint.origin == "go.sum database tree"


def test_empty_tree_has_size_zero() -> None:
    empty = hashlib.sha256(b"").digest()
    text = f"{ORIGIN}\n0\n{base64.b64encode(empty).decode()}\n"
    assert Checkpoint.from_text(text).size == 0


@pytest.mark.parametrize(
    ("size", "message"),
    [
        pytest.param("007", "no leading zeros, found '007'", id="leading-zero"),
        pytest.param("00", "no leading zeros", id="double-zero"),
        pytest.param("+5", "ASCII decimal", id="plus-sign"),
        pytest.param("-1", "ASCII decimal", id="negative"),
        pytest.param(" 5", "ASCII decimal", id="leading-space"),
        pytest.param("5 ", "ASCII decimal", id="trailing-space"),
        pytest.param("1_000", "ASCII decimal", id="underscore"),
        pytest.param("\u0665", "ASCII decimal", id="arabic-indic-digit"),
        pytest.param("", "ASCII decimal", id="empty"),
        pytest.param("0x10", "ASCII decimal", id="hex"),
        pytest.param(str(2**64), r"exceeds 2\^64-1", id="above-uint64"),
        pytest.param("9" * 5000, "ASCII decimal uint64", id="huge"),
    ],
)
def test_tree_size_is_parsed_strictly(size: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=rf"line 2 \(tree size\): .*{message}"):
        Checkpoint.from_text(f"{ORIGIN}\n{size}\n{ROOT_B64}\n")


@pytest.mark.parametrize(
    ("root", "message"),
    [
        pytest.param(base64.b64encode(bytes(31)).decode(), "expected 32 bytes, found 31", id="31"),
        pytest.param(base64.b64encode(bytes(33)).decode(), "expected 32 bytes, found 33", id="33"),
        pytest.param(ROOT_B64[:-1], "not valid base64", id="missing-padding"),
        pytest.param(ROOT_B64.replace("/", "_"), "not valid base64", id="url-alphabet"),
        pytest.param(ROOT_B64[:-2] + "x=", "not canonical base64", id="non-zero-padding-bits"),
        pytest.param("", "expected 32 bytes, found 0", id="empty"),
    ],
)
def test_root_hash_is_exactly_32_bytes_of_canonical_base64(root: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=rf"line 3 \(root hash\): .*{message}"):
        Checkpoint.from_text(f"{ORIGIN}\n42\n{root}\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(f"{ORIGIN}\n42\n{ROOT_B64}", "must end with a newline", id="no-final-nl"),
        pytest.param(f"{ORIGIN}\n42\n", "at least 3 lines .* found 2", id="two-lines"),
        pytest.param(f"\n42\n{ROOT_B64}\n", r"line 1 \(origin\) must not be empty", id="origin"),
        pytest.param(
            f"{ORIGIN}\n42\n{ROOT_B64}\n\nmore\n", r"line 4 \(extension line\)", id="empty-ext"
        ),
        pytest.param(f"{ORIGIN}\r\n42\n{ROOT_B64}\n", r"U\+000D at column 26", id="crlf"),
        pytest.param(f"{ORIGIN}\n42\n{ROOT_B64}\nx\ty\n", r"line 4 .*U\+0009", id="tab-in-ext"),
    ],
)
def test_malformed_checkpoint_text_is_rejected_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        Checkpoint.from_text(text)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(lambda: Checkpoint("", 1, ROOT), "origin must not be empty", id="origin"),
        pytest.param(lambda: Checkpoint("a\nb", 1, ROOT), r"U\+000A", id="origin-newline"),
        pytest.param(lambda: Checkpoint(ORIGIN, -1, ROOT), "uint64, found -1", id="negative"),
        pytest.param(lambda: Checkpoint(ORIGIN, 2**64, ROOT), "uint64", id="too-big"),
        pytest.param(lambda: Checkpoint(ORIGIN, 1, ROOT[:31]), "32 bytes, found 31", id="root"),
        pytest.param(lambda: Checkpoint(ORIGIN, 1, ROOT, ("",)), "extension line 1", id="ext"),
    ],
)
def test_checkpoint_invariants_hold_at_construction(
    build: Callable[[], object], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        build()
