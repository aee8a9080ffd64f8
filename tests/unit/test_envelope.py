"""The signed event envelope: golden leaves, round trips, tamper evidence, strict parsing."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.errors import CeasefireError, InvalidInput, VerificationError
from ceasefire.log.canonical import MAX_DEPTH, MAX_SAFE_INTEGER, canonical_json
from ceasefire.log.envelope import (
    MAX_ENTRY_SIZE,
    Envelope,
    Sealed,
    format_time,
    parse_time,
    sign_event,
)
from ceasefire.log.keys import SigningKey

KEY = SigningKey("secretariat", bytes(range(32)))
OTHER_KEY = SigningKey("other", bytes(range(1, 33)))
T0 = datetime(2025, 10, 19, 12, 0, tzinfo=UTC)
LOG_ORIGIN = "ceasefire.example/pak-afg"

GOLDEN_LEAF = (
    b'{"actor":"tr-mediator-1","body":{"casualties":2,"confidence":0.75,'
    b'"place":"Chaman\xe2\x80\x93Spin Boldak","sources":[{"grade":"B2"}]},'
    b'"id":"0123456789abcdef0123456789abcdef",'
    b'"key":"A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=",'
    b'"log":"ceasefire.example/pak-afg",'
    b'"sig":"Cal0LoPpdDMPEx8qWwKevLIn5XnbJTTgyk0REla5Bu+SpMWj6SILEZsTOrb55Ok+FQb7tGX4HS1urK+kolLOAA==",'
    b'"time":"2025-10-19T12:00:00.250Z","type":"report.submitted","v":1}'
)
GOLDEN_CONFIDENTIAL_LEAF = (
    b'{"actor":"pk-liaison",'
    b'"commitment":"sha256:95e4a2284fc1ca89dabe816f673408859df180f1e3ebbbb9a5eed18bb10e19ee",'
    b'"id":"fedcba9876543210fedcba9876543210",'
    b'"key":"A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=",'
    b'"log":"ceasefire.example/pak-afg",'
    b'"sig":"WT0kRzPGRckfi+E+FBXhGgFJf/q1Pa9FKbr1xKvBrePZSjVQOiB5+lYx7GdUOF+v3DzjXA6YGYbmx0M8R6KIDQ==",'
    b'"time":"2025-10-19T12:00:00Z","type":"report.submitted","v":1}'
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
bodies = st.dictionaries(st.text(max_size=10), json_values, max_size=5)
times = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)
)
event_types = st.from_regex(r"[a-z][a-z0-9_]{0,8}(\.[a-z][a-z0-9_]{0,8}){1,3}", fullmatch=True)
actors = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,63}", fullmatch=True)


def make_event(
    body: dict[str, Any] | None = None, *, confidential: bool = False, **changes: Any
) -> Envelope:
    fields: dict[str, Any] = {"actor": "pk-liaison", "type": "report.submitted", "time": T0}
    fields.update(changes)
    envelope, _ = sign_event(
        KEY,
        log=LOG_ORIGIN,
        body={"text": "hello"} if body is None else body,
        confidential=confidential,
        **fields,
    )
    return envelope


def leaf_doc(envelope: Envelope) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(envelope.to_leaf())
    return doc


def parse_error(doc: dict[str, Any]) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        Envelope.from_leaf(canonical_json(doc))
    return caught.value


def test_golden_leaf_is_reproduced_byte_for_byte() -> None:
    envelope, sealed = sign_event(
        KEY,
        log=LOG_ORIGIN,
        actor="tr-mediator-1",
        type="report.submitted",
        time=datetime(2025, 10, 19, 12, 0, 0, 250000, tzinfo=UTC),
        body={
            "place": "Chaman–Spin Boldak",
            "casualties": 2,
            "confidence": 0.75,
            "sources": [{"grade": "B2"}],
        },
        event_id="0123456789abcdef0123456789abcdef",
    )
    assert sealed is None
    assert envelope.to_leaf() == GOLDEN_LEAF
    assert Envelope.from_leaf(GOLDEN_LEAF) == envelope


def test_golden_leaf_signature_checks_with_plain_ed25519() -> None:
    doc = json.loads(GOLDEN_LEAF)
    signature = base64.b64decode(doc.pop("sig"))
    unsigned = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(doc["key"]))
    public.verify(signature, b"ceasefire-event/v1\n" + unsigned.encode())


def test_golden_commitment_is_salted_sha256_of_the_canonical_body() -> None:
    salt = bytes(range(32))
    envelope, sealed = sign_event(
        KEY,
        log=LOG_ORIGIN,
        actor="pk-liaison",
        type="report.submitted",
        time=T0,
        body={"witness": "Ahmad"},
        confidential=True,
        event_id="fedcba9876543210fedcba9876543210",
        salt=salt,
    )
    expected = hashlib.sha256(b"ceasefire-commitment/v1\n" + salt + b'{"witness":"Ahmad"}')
    assert envelope.commitment == f"sha256:{expected.hexdigest()}"
    assert envelope.body is None
    assert envelope.to_leaf() == GOLDEN_CONFIDENTIAL_LEAF
    assert sealed is not None
    assert envelope.disclosed_body(sealed) == {"witness": "Ahmad"}


@given(body=bodies, time=times, type_=event_types, actor=actors, confidential=st.booleans())
def test_leaf_round_trip(
    body: dict[str, Any], time: datetime, type_: str, actor: str, confidential: bool
) -> None:
    envelope, sealed = sign_event(
        KEY,
        log=LOG_ORIGIN,
        actor=actor,
        type=type_,
        time=time,
        body=body,
        confidential=confidential,
    )
    leaf = envelope.to_leaf()
    parsed = Envelope.from_leaf(leaf)
    assert parsed == envelope
    assert parsed.to_leaf() == leaf
    # the signing message cut from the parsed bytes is the one encoded from the fields
    assert parsed.signing_message() == b"ceasefire-event/v1\n" + canonical_json(parsed.unsigned())
    parsed.verify_signature()
    assert (sealed is not None) == confidential
    assert canonical_json(parsed.body if sealed is None else sealed.body) == canonical_json(body)
    # the time as the leaf spells it, whether the envelope was parsed or built
    assert parsed.time_text == envelope.time_text == json.loads(leaf)["time"]
    assert parse_time(parsed.time_text) == parsed.time


@given(body=bodies, data=st.data())
def test_any_changed_byte_is_refused_at_parse_or_signature(
    body: dict[str, Any], data: st.DataObject
) -> None:
    leaf = make_event(body).to_leaf()
    position = data.draw(st.integers(0, len(leaf) - 1), label="position")
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != leaf[position]), label="byte")
    tampered = leaf[:position] + bytes([byte]) + leaf[position + 1 :]
    with pytest.raises((InvalidInput, VerificationError)):
        Envelope.from_leaf(tampered).verify_signature()


def test_floats_in_bodies_take_their_canonical_number_form() -> None:
    envelope = make_event({"whole": 1.0, "half": 0.5, "tiny": 1e-7, "huge": 1e21, "zero": -0.0})
    assert b'"huge":1e+21' in envelope.to_leaf()
    assert b'"tiny":1e-7' in envelope.to_leaf()
    assert envelope.body == {"whole": 1, "half": 0.5, "tiny": 1e-7, "huge": 1e21, "zero": 0}
    assert envelope.body is not None
    assert type(envelope.body["whole"]) is int


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"x": float("nan")}, "event.body.x"),
        ({"x": [float("inf")]}, "event.body.x[0]"),
        ({"x": {"y": 2**60}}, "event.body.x.y"),
        ({"x": b"raw"}, "event.body.x"),
    ],
)
def test_body_values_without_json_form_are_refused(body: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        make_event(body)
    assert caught.value.field == field


def test_body_must_be_a_json_object() -> None:
    envelope = make_event()
    with pytest.raises(InvalidInput, match="expected a JSON object, found list") as caught:
        dataclasses.replace(envelope, body=[1])  # type: ignore[arg-type]
    assert caught.value.field == "body"


def test_body_is_a_private_copy() -> None:
    body: dict[str, Any] = {"list": [1, 2]}
    envelope = make_event(body)
    body["list"].append(3)
    envelope.verify_signature()
    assert envelope.body == {"list": [1, 2]}


def test_entry_over_64_kib_is_refused() -> None:
    base = len(make_event({"pad": ""}).to_leaf())
    at_limit = make_event({"pad": "x" * (MAX_ENTRY_SIZE - base)})
    assert len(at_limit.to_leaf()) == MAX_ENTRY_SIZE
    assert Envelope.from_leaf(at_limit.to_leaf()) == at_limit
    with pytest.raises(InvalidInput, match="65536 bytes, over the log's limit of 65535") as caught:
        make_event({"pad": "x" * (MAX_ENTRY_SIZE - base + 1)})
    assert caught.value.field == "size"


def test_oversized_leaf_is_refused_before_parsing() -> None:
    with pytest.raises(InvalidInput, match="the leaf is 70000 bytes, over the log's limit"):
        Envelope.from_leaf(b" " * 70000)


def test_confidential_event_puts_only_the_commitment_in_the_leaf() -> None:
    envelope = make_event({"witness": "Gul Bibi"}, confidential=True)
    assert b"Gul Bibi" not in envelope.to_leaf()
    assert Envelope.from_leaf(envelope.to_leaf()).commitment == envelope.commitment


@given(body=bodies, salts=st.lists(st.binary(min_size=32, max_size=32), min_size=2, max_size=2))
def test_same_body_under_different_salts_gives_different_commitments(
    body: dict[str, Any], salts: list[bytes]
) -> None:
    first, second = (Sealed(salt=salt, body=body) for salt in salts)
    assert (first.commitment() == second.commitment()) == (salts[0] == salts[1])
    assert first.matches(first.commitment())
    assert second.matches(second.commitment())
    assert first.matches(second.commitment()) == (salts[0] == salts[1])


def test_seal_draws_a_fresh_salt_each_time() -> None:
    assert Sealed.seal({"a": 1}).commitment() != Sealed.seal({"a": 1}).commitment()


def test_sealed_does_not_show_its_body() -> None:
    sealed = Sealed(salt=bytes(32), body={"witness": "Gul Bibi"})
    assert "Gul Bibi" not in repr(sealed)
    assert sealed.commitment() in repr(sealed)


def test_disclosure_must_match_the_commitment() -> None:
    envelope, sealed = sign_event(
        KEY,
        log=LOG_ORIGIN,
        actor="pk-liaison",
        type="report.submitted",
        time=T0,
        body={"a": 1},
        confidential=True,
    )
    assert sealed is not None
    impostor = Sealed(salt=sealed.salt, body={"a": 2})
    with pytest.raises(VerificationError, match="does not match event") as caught:
        envelope.disclosed_body(impostor)
    assert impostor.commitment() in str(caught.value)
    with pytest.raises(InvalidInput, match="has a public body"):
        make_event().disclosed_body(sealed)


@pytest.mark.parametrize("salt", [b"", bytes(31), bytes(33)])
def test_salt_must_be_32_bytes(salt: bytes) -> None:
    with pytest.raises(InvalidInput, match=f"expected a salt of 32 bytes, found {len(salt)}"):
        Sealed(salt=salt, body={})


def test_salt_without_confidential_body_is_refused() -> None:
    with pytest.raises(InvalidInput, match="only for a confidential body"):
        sign_event(KEY, log=LOG_ORIGIN, actor="a", type="x.y", time=T0, body={}, salt=bytes(32))


def test_signature_under_another_key_is_refused() -> None:
    envelope = make_event()
    forged = dataclasses.replace(envelope, key=OTHER_KEY.public_key)
    with pytest.raises(VerificationError, match="does not verify under key") as caught:
        forged.verify_signature()
    assert caught.value.field == "sig"


def test_signature_is_domain_separated() -> None:
    envelope = make_event()
    undivided = KEY.sign(canonical_json(envelope.unsigned()))
    with pytest.raises(VerificationError):
        dataclasses.replace(envelope, sig=undivided).verify_signature()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-10-19T12:00:00Z", datetime(2025, 10, 19, 12, tzinfo=UTC)),
        ("2025-10-19T12:00:00.250Z", datetime(2025, 10, 19, 12, 0, 0, 250000, tzinfo=UTC)),
        ("2025-10-19T12:00:00.001Z", datetime(2025, 10, 19, 12, 0, 0, 1000, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),
    ],
)
def test_canonical_times_parse(text: str, expected: datetime) -> None:
    assert parse_time(text) == expected
    assert format_time(expected) == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2025-10-19T12:00:00.000Z", "expected the canonical spelling '2025-10-19T12:00:00Z'"),
        ("2025-10-19T12:00:00+00:00", "expected RFC 3339 UTC time"),
        ("2025-10-19T12:00:00", "expected RFC 3339 UTC time"),
        ("2025-10-19t12:00:00z", "expected RFC 3339 UTC time"),
        ("2025-10-19 12:00:00Z", "expected RFC 3339 UTC time"),
        ("2025-10-19T12:00:00.5Z", "expected RFC 3339 UTC time"),
        ("2025-10-19T12:00:00.123456Z", "expected RFC 3339 UTC time"),
        ("2025-10-19T12:00:60Z", "is not a real time"),
        ("2025-02-30T12:00:00Z", "is not a real time"),
        ("0000-01-01T00:00:00Z", "is not a real time"),
        ("２０２５-10-19T12:00:00Z", "expected RFC 3339 UTC time"),
    ],
)
def test_other_time_spellings_are_refused(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=r"^time: ") as caught:
        parse_time(text)
    assert reason in caught.value.message


@pytest.mark.parametrize(
    ("time", "reason"),
    [
        (datetime(2025, 10, 19, 12), "expected an aware UTC time, found naive"),
        (
            datetime(2025, 10, 19, 12, tzinfo=timezone(timedelta(hours=5))),
            "expected UTC, found offset 2025-10-19T12:00:00+05:00",
        ),
        (datetime(2025, 10, 19, 12, 0, 0, 1, tzinfo=UTC), "found 1 microseconds"),
    ],
)
def test_envelope_time_is_utc_to_the_millisecond(time: datetime, reason: str) -> None:
    envelope = make_event()
    with pytest.raises(InvalidInput, match=re.escape(reason)):
        dataclasses.replace(envelope, time=time)


def test_sign_event_truncates_time_to_the_millisecond() -> None:
    envelope = make_event(time=datetime(2025, 10, 19, 12, 0, 0, 123999, tzinfo=UTC))
    assert envelope.time == datetime(2025, 10, 19, 12, 0, 0, 123000, tzinfo=UTC)
    assert b'"time":"2025-10-19T12:00:00.123Z"' in envelope.to_leaf()


def test_zero_offset_zones_are_normalised_to_utc() -> None:
    envelope = make_event(time=datetime(2025, 10, 19, 12, tzinfo=timezone(timedelta(0), "Z")))
    assert envelope.time.tzinfo is UTC


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"v": 2}, "v", "expected envelope version 1, found 2"),
        ({"v": True}, "v", "expected envelope version 1, found True"),
        ({"v": "1"}, "v", "expected envelope version 1, found '1'"),
        ({"extra": 1}, "extra", "unknown field(s) extra"),
        ({"id": "0123456789ABCDEF0123456789ABCDEF"}, "id", "expected 32 lowercase hex digits"),
        ({"id": 7}, "id", "expected a string, found int"),
        ({"type": "report"}, "type", "expected dotted lower-case names"),
        ({"type": "Report.submitted"}, "type", "expected dotted lower-case names"),
        ({"type": "report.submitted\n"}, "type", "expected dotted lower-case names"),
        ({"actor": "-pk"}, "actor", "found '-pk'"),
        ({"actor": "a" * 65}, "actor", "expected 1-64 of"),
        ({"key": "AAAA"}, "key", "expected base64 of 32 bytes, found 3 bytes"),
        ({"key": "not base64!"}, "key", "expected base64"),
        ({"sig": None}, "sig", "expected a string, found NoneType"),
        ({"time": "2025-10-19T12:00:00.000Z"}, "time", "expected the canonical spelling"),
        ({"body": [1]}, "body", "expected a JSON object, found list"),
        ({"body": None}, "body", "expected a JSON object, found NoneType"),
        ({"commitment": "sha256:" + "0" * 64}, "body", "found both"),
    ],
)
def test_leaf_fields_are_refused_with_their_name(
    change: dict[str, Any], field: str, reason: str
) -> None:
    error = parse_error({**leaf_doc(make_event()), **change})
    assert error.field == field
    assert reason in error.message


@pytest.mark.parametrize("name", ["v", "id", "type", "actor", "key", "time", "sig"])
def test_missing_fields_are_named(name: str) -> None:
    doc = leaf_doc(make_event())
    del doc[name]
    error = parse_error(doc)
    assert error.field == name


def test_leaf_needs_body_or_commitment() -> None:
    doc = leaf_doc(make_event())
    del doc["body"]
    assert parse_error(doc).message == "expected exactly one of body and commitment, found neither"


@pytest.mark.parametrize("commitment", ["sha256:" + "A" * 64, "sha512:" + "0" * 64, "0" * 64])
def test_commitment_must_be_sha256_lowercase_hex(commitment: str) -> None:
    doc = leaf_doc(make_event(confidential=True))
    error = parse_error({**doc, "commitment": commitment})
    assert error.field == "commitment"
    assert "expected sha256:<64 lowercase hex>" in error.message


def test_non_canonical_base64_is_refused() -> None:
    doc = leaf_doc(make_event())
    last = doc["key"][-2]
    doc["key"] = doc["key"][:-2] + chr(ord(last) + 1) + "="
    error = parse_error(doc)
    assert error.field == "key"
    assert "expected canonical base64" in error.message


def test_non_canonical_leaf_is_refused() -> None:
    leaf = make_event().to_leaf()
    spaced = json.dumps(json.loads(leaf)).encode()
    with pytest.raises(InvalidInput, match="not in canonical form"):
        Envelope.from_leaf(spaced)


def test_envelope_needs_a_32_byte_key_and_64_byte_signature() -> None:
    envelope = make_event()
    with pytest.raises(InvalidInput, match="public key of 32 bytes, found 31"):
        dataclasses.replace(envelope, key=bytes(31))
    with pytest.raises(InvalidInput, match="signature of 64 bytes, found 0"):
        dataclasses.replace(envelope, sig=b"")


def test_envelopes_are_hashable_and_compare_by_value() -> None:
    envelope = make_event(event_id="ab" * 16)
    again = make_event(event_id="ab" * 16)
    assert envelope == again
    assert hash(envelope) == hash(again)
    assert len({envelope, again}) == 1


def test_every_event_gets_its_own_id() -> None:
    assert make_event().id != make_event().id


def test_errors_are_ceasefire_errors() -> None:
    with pytest.raises(CeasefireError):
        Envelope.from_leaf(b"{}")


log_origins = st.text(min_size=1, max_size=12).filter(
    lambda name: all(not c.isspace() and c != "+" and c.isprintable() for c in name)
) | st.sampled_from(['a"b', "a\\b", "ceasefire.example/\u00e9v\u00e9nements", "\U0001f54a/log"])


@given(body=bodies, log=log_origins, type_=event_types, actor=actors, confidential=st.booleans())
def test_leaf_and_signing_message_are_the_canonical_json_of_the_fields(
    body: dict[str, Any], log: str, type_: str, actor: str, confidential: bool
) -> None:
    # the leaf is assembled around the body's encoding, not encoded whole: it must be the same
    envelope, _ = sign_event(
        KEY, log=log, actor=actor, type=type_, time=T0, body=body, confidential=confidential
    )
    unsigned = envelope.unsigned()
    assert envelope.signing_message() == b"ceasefire-event/v1\n" + canonical_json(unsigned)
    signed = {**unsigned, "sig": base64.b64encode(envelope.sig).decode()}
    assert envelope.to_leaf() == canonical_json(signed)
    envelope.verify_signature()
    assert Envelope.from_leaf(envelope.to_leaf()) == envelope


def test_changed_fields_give_a_new_leaf() -> None:
    envelope = make_event({"a": 1})
    changed = dataclasses.replace(envelope, body={"a": 2})
    assert b'"body":{"a":2}' in changed.to_leaf()
    assert changed.signing_message() != envelope.signing_message()
    with pytest.raises(VerificationError):
        changed.verify_signature()


def test_body_nesting_limit_is_the_same_signing_and_parsing() -> None:
    deepest: Any = {}
    for _ in range(MAX_DEPTH - 2):  # the leaf and the body are two of the levels
        deepest = {"a": deepest}
    envelope = make_event(deepest)
    assert Envelope.from_leaf(envelope.to_leaf()) == envelope
    with pytest.raises(InvalidInput, match="nested more than 32 levels deep"):
        make_event({"a": deepest})
    too_deep = envelope.to_leaf().replace(b'"body":{', b'"body":{"a":{', 1)
    too_deep = too_deep.replace(b'},"id":', b'}},"id":', 1)
    with pytest.raises(InvalidInput, match="nested more than 32 levels deep"):
        Envelope.from_leaf(too_deep)


def test_sealed_body_is_a_canonical_copy_with_its_encoding() -> None:
    listed: list[Any] = [1.0, (2, 3)]
    sealed = Sealed(salt=bytes(32), body={"b": listed, "a": "\u00e9"})
    listed.append(4)
    assert sealed.body == {"a": "\u00e9", "b": [1, [2, 3]]}
    assert sealed.canonical_body() == canonical_json({"a": "\u00e9", "b": [1, [2, 3]]})
    expected = hashlib.sha256(b"ceasefire-commitment/v1\n" + bytes(32) + sealed.canonical_body())
    assert sealed.commitment() == f"sha256:{expected.hexdigest()}"
