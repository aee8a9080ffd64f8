"""Signed notes (c2sp.org/signed-note): parsing, signing, and the verifier's rules."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.errors import InvalidInput, VerificationError
from ceasefire.log.keys import ED25519_COSIGNATURE, SigningKey, VerifierKey
from ceasefire.log.note import (
    MAX_SIGNATURES,
    Note,
    NoteSignature,
    NoteVerifier,
    sign_note,
    verify_note,
)

# Names as signed-note allows them: non-empty, no Unicode space, no '+', no control character.
signature_names = st.text(
    st.characters(codec="utf-8", min_codepoint=0x21, exclude_characters="+").filter(
        lambda c: not c.isspace()
    ),
    min_size=1,
    max_size=30,
)
key_names = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="+"),
    min_size=1,
    max_size=30,
)
signing_keys = st.builds(SigningKey, name=key_names, seed=st.binary(min_size=32, max_size=32))
lines = st.text(st.characters(codec="utf-8", min_codepoint=0x20), max_size=40)
texts = st.lists(lines, min_size=1, max_size=6).map(lambda ls: "\n".join(ls) + "\n")
note_signatures = st.builds(
    NoteSignature,
    name=signature_names,
    key_id=st.integers(0, 2**32 - 1),
    signature=st.binary(min_size=1, max_size=80),
)
notes = st.builds(
    Note, text=texts, signatures=st.lists(note_signatures, min_size=1, max_size=5).map(tuple)
)

TEXT = "ceasefire.example/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
SIG_B64 = base64.b64encode(bytes(68)).decode()


def make_key(name: str = "ceasefire.example/log", fill: int = 1) -> SigningKey:
    return SigningKey(name, bytes([fill]) * 32)


# --- round trips -------------------------------------------------------------------------


@given(notes)
def test_note_round_trips_through_text_and_bytes(note: Note) -> None:
    assert Note.from_text(note.to_text()) == note
    assert Note.from_text(note.to_text().encode()) == note


@given(note_signatures)
def test_signature_line_round_trips_with_or_without_newline(signature: NoteSignature) -> None:
    line = signature.to_line()
    assert line.startswith("\u2014 ")
    assert line.endswith("\n")
    assert NoteSignature.from_line(line) == signature
    assert NoteSignature.from_line(line.removesuffix("\n")) == signature


def test_text_is_split_at_the_last_blank_line() -> None:
    text = "first\n\nsecond\n\n"
    note = Note.from_text(text + "\n" + NoteSignature("k", 7, b"s").to_line())
    assert note.text == text


# --- signing and verifying ---------------------------------------------------------------


@given(texts, st.lists(signing_keys, min_size=1, max_size=3, unique_by=lambda k: k.name))
def test_signed_note_verifies_with_every_signers_key(text: str, keys: list[SigningKey]) -> None:
    note = sign_note(text, *keys)
    verified = verify_note(note, [k.note_key() for k in keys])
    assert [s.name for s in verified] == [k.name for k in keys]


@given(texts, signing_keys, st.data())
def test_flipping_any_byte_of_a_signed_note_is_rejected(
    text: str, key: SigningKey, data: st.DataObject
) -> None:
    raw = bytearray(sign_note(text, key).to_text().encode())
    index = data.draw(st.integers(0, len(raw) - 1), label="index")
    raw[index] ^= data.draw(st.integers(1, 255), label="mask")
    with pytest.raises((InvalidInput, VerificationError)):
        verify_note(Note.from_text(bytes(raw)), [key.note_key()])


@given(texts, signing_keys, st.data())
def test_flipping_any_signature_byte_fails_verification(
    text: str, key: SigningKey, data: st.DataObject
) -> None:
    (good,) = sign_note(text, key).signatures
    flipped = bytearray(good.signature)
    flipped[data.draw(st.integers(0, len(flipped) - 1))] ^= data.draw(st.integers(1, 255))
    note = Note(text, (NoteSignature(good.name, good.key_id, bytes(flipped)),))
    with pytest.raises(VerificationError, match="invalid signature by"):
        verify_note(note, [key.note_key()])


@given(texts, signing_keys, signing_keys)
def test_signature_by_unknown_key_is_ignored(
    text: str, known: SigningKey, other: SigningKey
) -> None:
    stranger = SigningKey(known.name + "-other", other.seed)
    note = sign_note(text, stranger, known)
    assert verify_note(note, [known.note_key()]) == (note.signatures[1],)


@given(texts, signing_keys)
def test_bad_signature_by_known_key_rejects_the_whole_note(text: str, key: SigningKey) -> None:
    good = sign_note(text, key)
    forged = sign_note("another text\n", key).signatures[0]
    stranger = sign_note(text, make_key("stranger.example")).signatures[0]
    note = Note(text, (stranger, *good.signatures, forged))
    with pytest.raises(VerificationError, match=r"invalid signature by \[.*\+[0-9a-f]{8}\]"):
        verify_note(note, [key.note_key()])


@given(texts, signing_keys, st.lists(signing_keys, max_size=3))
def test_note_without_known_signer_never_verifies(
    text: str, signer: SigningKey, others: list[SigningKey]
) -> None:
    note = sign_note(text, signer)
    strangers = [k.note_key() for k in others if k.note_key().key_id != signer.note_key().key_id]
    with pytest.raises(VerificationError, match="no signature by a known key"):
        verify_note(note, strangers)


def test_empty_verifier_list_never_verifies() -> None:
    note = sign_note(TEXT, make_key())
    with pytest.raises(VerificationError, match=r"expected one of \[\], found \[ceasefire"):
        verify_note(note, [])


def test_same_name_or_same_key_id_alone_does_not_make_a_signature_known() -> None:
    key = make_key()
    good = sign_note(TEXT, key).signatures[0]
    same_name = NoteSignature(good.name, good.key_id ^ 1, bytes(64))
    same_id = NoteSignature("impostor.example", good.key_id, bytes(64))
    note = Note(TEXT, (same_name, same_id, good))
    assert verify_note(note, [key.note_key()]) == (good,)


def test_every_duplicate_line_of_a_known_key_is_checked_and_returned_once() -> None:
    key = make_key()
    good = sign_note(TEXT, key).signatures[0]
    assert verify_note(Note(TEXT, (good, good)), [key.note_key()]) == (good,)
    bad = NoteSignature(good.name, good.key_id, bytes(64))
    with pytest.raises(VerificationError, match="invalid signature"):
        verify_note(Note(TEXT, (good, bad)), [key.note_key()])


def test_more_than_max_signatures_is_rejected_but_the_max_is_accepted() -> None:
    key = make_key()
    good = sign_note(TEXT, key).signatures[0]
    assert verify_note(Note(TEXT, (good,) * MAX_SIGNATURES), [key.note_key()]) == (good,)
    too_many = Note.from_text(Note(TEXT, (good,) * (MAX_SIGNATURES + 1)).to_text())
    with pytest.raises(VerificationError, match="at most 100 signature lines, found 101"):
        verify_note(too_many, [key.note_key()])


def test_cosignature_key_passed_as_note_verifier_is_refused() -> None:
    witness = make_key("witness.example").cosignature_key()
    assert witness.key_type == ED25519_COSIGNATURE
    with pytest.raises(InvalidInput, match="wrap a cosignature key in CosignatureVerifier"):
        verify_note(sign_note(TEXT, make_key()), [witness])


def test_two_different_verifiers_for_one_name_and_key_id_are_refused() -> None:
    class Impostor:
        def __init__(self, real: VerifierKey) -> None:
            self.name, self.key_id = real.name, real.key_id

        def verify(self, message: bytes, signature: bytes) -> bool:
            return True

    real = make_key().note_key()
    with pytest.raises(InvalidInput, match="two verifiers share"):
        verify_note(sign_note(TEXT, make_key()), [real, Impostor(real)])


def test_verifier_key_satisfies_the_note_verifier_protocol() -> None:
    verifier: NoteVerifier = make_key().note_key()  # checked by mypy
    assert verify_note(sign_note(TEXT, make_key()), [verifier])


def test_signing_twice_with_one_key_gives_one_signature() -> None:
    key = make_key()
    assert len(sign_note(TEXT, key, key).signatures) == 1


def test_signing_needs_a_key_and_a_well_formed_text() -> None:
    with pytest.raises(InvalidInput, match="at least one key"):
        sign_note(TEXT)
    with pytest.raises(InvalidInput, match="non-empty and end with a newline"):
        sign_note("no newline", make_key())
    with pytest.raises(InvalidInput, match=r"line 1, column 2: U\+0009 is a control character"):
        sign_note("a\tb\n", make_key())


# --- attaching signatures ----------------------------------------------------------------


def test_with_signatures_replaces_the_same_key_and_appends_others() -> None:
    first = NoteSignature("a", 1, b"old")
    other = NoteSignature("b", 2, b"x")
    note = Note(TEXT, (first, other))
    newer = NoteSignature("a", 1, b"new")
    added = NoteSignature("c", 3, b"y")
    assert note.with_signatures(newer, added).signatures == (newer, other, added)


def test_with_signatures_keeps_each_name_and_key_id_once() -> None:
    line = NoteSignature("a", 1, b"s")
    note = Note(TEXT, (line, line, NoteSignature("a", 1, b"t")))
    assert note.with_signatures().signatures == (line,)


# --- malformed notes ---------------------------------------------------------------------

GOOD_LINE = f"\u2014 k {SIG_B64}\n"


@pytest.mark.parametrize(
    ("note", "message"),
    [
        pytest.param(TEXT, "no blank line separating the text", id="missing-blank-line"),
        pytest.param(TEXT + "\n", "no signature lines after the blank line", id="no-signature"),
        pytest.param(TEXT + "\n" + GOOD_LINE[:-1], "must end with a newline", id="no-final-nl"),
        pytest.param(
            "a\x01\n\n" + GOOD_LINE, r"note line 1, column 2: U\+0001 is a control", id="control"
        ),
        pytest.param(
            "a\n\n" + GOOD_LINE + "\r", r"line 4, column 1: U\+000D", id="carriage-return"
        ),
        pytest.param(
            "a\ud800\n\n" + GOOD_LINE,
            r"U\+D800 is a lone surrogate, not valid UTF-8",
            id="surrogate",
        ),
        pytest.param(
            "a\n\n" + GOOD_LINE + "- k AAAA\n",
            r"note line 4 \(signature line 2\): expected '— <key name>",
            id="not-a-signature-line",
        ),
        pytest.param(
            "a\n\n\u2014 k not*base64\n",
            r"line 3 \(signature line 1\): 'not\*base64' is not valid base64",
            id="bad-base64",
        ),
        pytest.param("a\n\n\u2014 k AAAAAB==\n", "is not canonical base64", id="non-canonical"),
        pytest.param(
            "a\n\n\u2014 k AAAA\n", "a 4-byte key id and a signature, found 3", id="short"
        ),
        pytest.param("a\n\n\u2014 k\n", "no signature after key name 'k'", id="no-signature-text"),
        pytest.param(f"a\n\n\u2014  {SIG_B64}\n", "the key name is empty", id="empty-name"),
        pytest.param(f"a\n\n\u2014 a+b {SIG_B64}\n", "contains '\\+'", id="plus-in-name"),
        pytest.param(
            f"a\n\n\u2014 Bad Name {SIG_B64}\n", "key names contain no spaces", id="space-in-name"
        ),
        pytest.param(
            f"a\n\n\u2014 a\u00a0b {SIG_B64}\n", "key names have no spaces", id="nbsp-in-name"
        ),
    ],
)
def test_malformed_note_is_rejected_with_a_precise_message(note: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        Note.from_text(note)


def test_invalid_utf8_is_rejected_naming_the_byte() -> None:
    data = b"a\xff\n\n" + GOOD_LINE.encode()
    with pytest.raises(InvalidInput, match="not valid UTF-8: byte 0xff at offset 1"):
        Note.from_text(data)


@given(texts, st.sampled_from([c for c in map(chr, range(0x20)) if c != "\n"]), st.data())
def test_any_control_character_in_a_note_is_rejected(
    text: str, control: str, data: st.DataObject
) -> None:
    clean = Note(text, (NoteSignature("k", 1, b"s"),)).to_text()
    index = data.draw(st.integers(0, len(clean)), label="index")
    with pytest.raises(InvalidInput, match="control character"):
        Note.from_text(clean[:index] + control + clean[index:])


def test_delete_character_is_allowed_as_signed_note_forbids_only_c0_controls() -> None:
    assert Note.from_text("a\x7f\n\n" + GOOD_LINE).text == "a\x7f\n"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(lambda: Note(TEXT, ()), "at least one signature", id="no-signatures"),
        pytest.param(lambda: Note("", (NoteSignature("k", 1, b"s"),)), "non-empty", id="empty"),
        pytest.param(lambda: NoteSignature("k", 2**32, b"s"), "uint32", id="key-id-too-big"),
        pytest.param(lambda: NoteSignature("k", -1, b"s"), "uint32", id="negative-key-id"),
        pytest.param(lambda: NoteSignature("k", 1, b""), "at least one", id="empty-signature"),
        pytest.param(lambda: NoteSignature("a b", 1, b"s"), "no spaces", id="name-with-space"),
    ],
)
def test_constructors_enforce_the_format_invariants(
    build: Callable[[], object], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        build()


def test_from_line_refuses_embedded_newline_and_control_characters() -> None:
    with pytest.raises(InvalidInput, match="must not contain a newline"):
        NoteSignature.from_line(GOOD_LINE + GOOD_LINE)
    with pytest.raises(InvalidInput, match="control character"):
        NoteSignature.from_line(GOOD_LINE.replace(" k ", " k\x00 "))
