"""The signed event envelope: one leaf of the log.

A leaf is the canonical JSON (RFC 8785, :mod:`ceasefire.log.canonical`) of one object::

    {"v": 1,                        envelope format version; anything else is refused
     "id": "<32 lowercase hex>",    random per event: makes every leaf unique
     "log": "ceasefire.example/log",   the origin of the log it is meant for (no cross-log replay)
     "type": "key.enrolled",        ^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$
     "actor": "pk-liaison-1",       ^[a-z0-9][a-z0-9._-]{0,63}$
     "key": "<base64>",             the signer's raw 32-byte Ed25519 public key
     "time": "2025-10-19T12:00:00Z",   the time the signer claims
     "body": {...},                 a JSON object, or instead, for a confidential body,
     "commitment": "sha256:<64 lowercase hex>",
     "sig": "<base64>"}             Ed25519 signature, 64 bytes

Rules a verifier applies (:meth:`Envelope.from_leaf` and :meth:`Envelope.verify_signature`):

1. The leaf is at most :data:`MAX_ENTRY_SIZE` bytes: C2SP tlog-tiles entry bundles prefix each
   entry with a 16-bit length. Large content lives outside the log, committed to by hash.
2. The leaf is a canonical JSON object (the canonical module's rules), with ``"v": 1``, exactly
   the fields above, and exactly one of ``body`` and ``commitment``.
3. Every field is in its one canonical spelling: base64 is RFC 4648 with padding and zero pad
   bits; time is ``YYYY-MM-DDTHH:MM:SSZ``, or ``YYYY-MM-DDTHH:MM:SS.fffZ`` when the milliseconds
   are not zero (UTC, upper-case ``T`` and ``Z``, no leap second ``:60``, no finer precision).
   Without this a leaf could be re-spelt into a different leaf with the same valid signature.
4. ``sig`` is an Ed25519 signature under ``key`` of ``b"ceasefire-event/v1\\n"`` followed by the
   canonical JSON of the envelope without ``sig``. The prefix keeps event signatures apart from
   note, checkpoint and cosignature messages made with the same keys.

Confidential bodies (design idea 7): the log holds only ``commitment``, which is
``"sha256:" + hex(SHA-256(b"ceasefire-commitment/v1\\n" || salt || canonical_json(body)))`` with
a fresh 32-byte salt, so a short body (a name) cannot be found by guessing. :class:`Sealed` holds
the salt and body for the content store; disclosing it later proves the content, and erasing it
leaves the log valid.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from json.encoder import encode_basestring
from typing import Any, Final

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from ceasefire.errors import InvalidInput, VerificationError
from ceasefire.log.canonical import canonical_form, parse_canonical
from ceasefire.log.keys import (
    ED25519_KEY_SIZE,
    ED25519_SIGNATURE_SIZE,
    SigningKey,
    check_key_name,
)

ENVELOPE_VERSION: Final = 1
MAX_ENTRY_SIZE: Final = 65535
SIGNING_PREFIX: Final = b"ceasefire-event/v1\n"
COMMITMENT_PREFIX: Final = b"ceasefire-commitment/v1\n"
SALT_SIZE: Final = 32

_EVENT_ID: Final = re.compile(r"[0-9a-f]{32}")
_EVENT_TYPE: Final = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
_ACTOR: Final = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_COMMITMENT: Final = re.compile(r"sha256:[0-9a-f]{64}")
_TIME: Final = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{3}))?Z"
)
_REQUIRED: Final = ("v", "id", "log", "type", "actor", "key", "time", "sig")
_FIELDS: Final = frozenset({*_REQUIRED, "body", "commitment"})


def new_event_id() -> str:
    """A fresh random event id: 16 bytes from ``os.urandom``, as 32 lowercase hex digits."""
    return os.urandom(16).hex()


def check_actor_id(actor: str, field: str = "actor") -> str:
    """``actor`` if it matches ``^[a-z0-9][a-z0-9._-]{0,63}$``; InvalidInput otherwise."""
    return _matching(actor, _ACTOR, field, "1-64 of a-z 0-9 . _ - starting with a-z or 0-9")


def b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def b64decode_exact(text: str, *, size: int, field: str) -> bytes:
    """Decode canonical base64 (padded, zero pad bits) of exactly ``size`` bytes."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(f"expected base64, found {text!r}: {exc}", field=field) from exc
    if len(raw) != size:
        raise InvalidInput(f"expected base64 of {size} bytes, found {len(raw)} bytes", field=field)
    if b64encode(raw) != text:
        raise InvalidInput(
            f"expected canonical base64 {b64encode(raw)!r}, found {text!r}", field=field
        )
    return raw


def format_time(time: datetime) -> str:
    """The canonical RFC 3339 form: ``…T12:00:00Z``, or ``…T12:00:00.250Z`` with milliseconds."""
    text = (
        f"{time.year:04d}-{time.month:02d}-{time.day:02d}"
        f"T{time.hour:02d}:{time.minute:02d}:{time.second:02d}"
    )
    millis = time.microsecond // 1000
    return f"{text}.{millis:03d}Z" if millis else f"{text}Z"


def parse_time(text: str, field: str = "time") -> datetime:
    """Parse the canonical form written by :func:`format_time`, and only that form."""
    match = _TIME.fullmatch(text)
    if match is None:
        raise InvalidInput(
            f"expected RFC 3339 UTC time such as 2025-10-19T12:00:00Z or "
            f"2025-10-19T12:00:00.250Z, found {text!r}",
            field=field,
        )
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    millis = int(match.group(7) or 0)
    try:
        time = datetime(year, month, day, hour, minute, second, millis * 1000, tzinfo=UTC)
    except ValueError as exc:
        raise InvalidInput(f"{text!r} is not a real time: {exc}", field=field) from exc
    if format_time(time) != text:
        raise InvalidInput(
            f"expected the canonical spelling {format_time(time)!r}, found {text!r}", field=field
        )
    return time


def truncate_to_millis(time: datetime) -> datetime:
    """``time`` with sub-millisecond digits dropped: the log records claimed time to the ms."""
    if time.microsecond % 1000 == 0:
        return time  # datetimes are immutable: already to the millisecond
    return time.replace(microsecond=time.microsecond // 1000 * 1000)


@dataclass(frozen=True, repr=False)
class Sealed:
    """A confidential body and the salt that commits to it; kept outside the log.

    ``body`` is a private canonical copy, encoded once: treat it as read-only. ``repr`` shows
    only the commitment, so the body does not leak into logs or tracebacks.
    """

    salt: bytes
    body: dict[str, Any] = field(hash=False)
    _encoded: bytes = field(init=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.salt) != SALT_SIZE:
            raise InvalidInput(
                f"expected a salt of {SALT_SIZE} bytes, found {len(self.salt)}", field="salt"
            )
        encoded, body = _json_object(self.body, "sealed")
        object.__setattr__(self, "body", body)
        object.__setattr__(self, "_encoded", encoded)

    def __repr__(self) -> str:
        return f"Sealed(commitment={self.commitment()!r})"

    @classmethod
    def seal(cls, body: Mapping[str, Any]) -> Sealed:
        """Seal ``body`` under a fresh random salt from ``os.urandom``."""
        return cls(salt=os.urandom(SALT_SIZE), body=dict(body))

    def canonical_body(self) -> bytes:
        """The canonical JSON of ``body``: what the commitment covers."""
        return self._encoded

    def commitment(self) -> str:
        digest = hashlib.sha256(COMMITMENT_PREFIX + self.salt + self.canonical_body())
        return f"sha256:{digest.hexdigest()}"

    def matches(self, commitment: str) -> bool:
        return self.commitment() == commitment


@dataclass(frozen=True)
class Envelope:
    """A signed event. Built only in a valid state; ``time`` is aware UTC to the millisecond.

    ``body`` is a private canonical copy (numbers as a JSON parser returns them, ``1.0`` as
    ``1``), so ``from_leaf(e.to_leaf()) == e`` holds exactly. Treat it as read-only: its
    canonical JSON is encoded once, when it is copied, and the leaf is built around it.
    """

    id: str
    log: str
    type: str
    actor: str
    key: bytes
    time: datetime
    body: Mapping[str, Any] | None = field(hash=False)
    commitment: str | None
    sig: bytes

    def __post_init__(self) -> None:
        self._check_fields()
        if self.body is not None:
            encoded, body = _json_object(self.body, "event")
            object.__setattr__(self, "body", body)
            self.__dict__["_body_json"] = encoded

    def _check_fields(self) -> None:
        """Rules 2-3 for every field; the body is checked where it is encoded."""
        _matching(self.id, _EVENT_ID, "id", "32 lowercase hex digits")
        _check_log(self.log)
        _matching(self.type, _EVENT_TYPE, "type", "dotted lower-case names, e.g. key.enrolled")
        check_actor_id(self.actor)
        _sized(self.key, ED25519_KEY_SIZE, "key", "an Ed25519 public key")
        _sized(self.sig, ED25519_SIGNATURE_SIZE, "sig", "an Ed25519 signature")
        object.__setattr__(self, "time", _utc_millis(self.time))
        if (self.body is None) == (self.commitment is None):
            found = "neither" if self.body is None else "both"
            raise InvalidInput(
                f"expected exactly one of body and commitment, found {found}", field="body"
            )
        if self.commitment is not None:
            _matching(self.commitment, _COMMITMENT, "commitment", "sha256:<64 lowercase hex>")

    def unsigned(self) -> dict[str, Any]:
        """The envelope as a JSON object without ``sig``: what the signature covers."""
        doc: dict[str, Any] = {
            "v": ENVELOPE_VERSION,
            "id": self.id,
            "log": self.log,
            "type": self.type,
            "actor": self.actor,
            "key": b64encode(self.key),
            "time": self.time_text,
        }
        if self.body is not None:
            doc["body"] = self.body
        else:
            doc["commitment"] = self.commitment
        return doc

    def signing_message(self) -> bytes:
        return self._signing_message

    @cached_property
    def time_text(self) -> str:
        """``time`` in its canonical form, as the leaf spells it."""
        return format_time(self.time)

    def to_leaf(self) -> bytes:
        """The leaf bytes; InvalidInput if they exceed :data:`MAX_ENTRY_SIZE`."""
        return self._leaf

    # Canonical encoding dominates the cost of appending and verifying, so each envelope
    # encodes at most once per form (the instance is frozen: the cache can never go stale).
    @cached_property
    def _signing_message(self) -> bytes:
        return SIGNING_PREFIX + self._encode_unsigned()

    @cached_property
    def _leaf(self) -> bytes:
        unsigned = self._signing_message[len(SIGNING_PREFIX) :]
        leaf = _with_signature(unsigned, self.sig)
        _check_entry_size(len(leaf), f"event {self.id}")
        return leaf

    def _encode_unsigned(self) -> bytes:
        """``canonical_json(self.unsigned())``, assembled member by member in RFC 8785 key
        order around the body's canonical JSON. Canonical JSON is compositional, so the body,
        the one large member, is never encoded again."""
        if self.body is not None:
            content = b'"body":' + self.__dict__["_body_json"]  # set where the body was copied
        else:
            assert self.commitment is not None
            content = b'"commitment":' + _json_string(self.commitment)
        return b'{"actor":%s,%s,"id":%s,"key":%s,"log":%s,"time":%s,"type":%s,"v":%d}' % (
            _json_string(self.actor),
            content,
            _json_string(self.id),
            _json_string(b64encode(self.key)),
            _json_string(self.log),
            _json_string(self.time_text),
            _json_string(self.type),
            ENVELOPE_VERSION,
        )

    def _signed(self, sig: bytes) -> Envelope:
        """This envelope with ``sig``: the other fields are already checked and the body
        already copied and encoded, and the signing message does not depend on ``sig``."""
        _sized(sig, ED25519_SIGNATURE_SIZE, "sig", "an Ed25519 signature")
        signed = object.__new__(type(self))
        signed.__dict__.update(self.__dict__, sig=sig)
        signed.__dict__.pop("_leaf", None)
        return signed

    @classmethod
    def from_leaf(cls, leaf: bytes) -> Envelope:
        """Parse a leaf strictly (rules 1-3 of the module docstring). Does not verify ``sig``."""
        _check_entry_size(len(leaf), "the leaf")
        doc = parse_canonical(leaf, "event")
        _check_fields(doc)
        envelope = cls.__new__(cls)
        envelope.__dict__.update(
            id=_string(doc, "id"),
            log=_string(doc, "log"),
            type=_string(doc, "type"),
            actor=_string(doc, "actor"),
            key=b64decode_exact(_string(doc, "key"), size=ED25519_KEY_SIZE, field="key"),
            time=parse_time(time_text := _string(doc, "time")),
            body=_object_or_none(doc, "body"),
            commitment=_string(doc, "commitment") if "commitment" in doc else None,
            sig=b64decode_exact(_string(doc, "sig"), size=ED25519_SIGNATURE_SIZE, field="sig"),
        )
        # The constructor's checks but one: the body, freshly parsed from a canonical leaf, is
        # already a private canonical copy (and within the depth limit, counted in the leaf),
        # and both encodings are cut from the leaf below, so it is never encoded again.
        envelope._check_fields()
        envelope.__dict__["time_text"] = time_text  # parse_time takes the canonical form only
        # A parsed leaf is canonical, so it is its own to_leaf(), and its signing message is
        # the same bytes without the top-level "sig" member: keys are sorted, and the members
        # after "sig" (time, type, v) cannot contain the text ',"sig":"'.
        envelope.__dict__["_leaf"] = bytes(leaf)
        envelope.__dict__["_signing_message"] = SIGNING_PREFIX + _without_signature(leaf)
        return envelope

    def verify_signature(self) -> None:
        """VerificationError unless ``sig`` is a valid signature under ``key`` (rule 4).

        Checked with libsodium (PyNaCl), which verifies about twice as fast as ``cryptography``
        on this code's hot paths (appending and ``verify``, one check per envelope; see
        docs/benchmarks.md), and is stricter: it also refuses small-order keys and ``R``."""
        try:
            VerifyKey(self.key).verify(self.signing_message(), self.sig)
        except (BadSignatureError, ValueError):
            raise VerificationError(
                f"the signature of event {self.id} ({self.type} by {self.actor}) does not "
                f"verify under key {b64encode(self.key)}",
                field="sig",
            ) from None

    def disclosed_body(self, sealed: Sealed) -> dict[str, Any]:
        """The confidential body, once ``sealed`` is proven to be what this event committed to."""
        if self.commitment is None:
            raise InvalidInput(f"event {self.id} has a public body, nothing to disclose")
        if not sealed.matches(self.commitment):
            raise VerificationError(
                f"the disclosed body does not match event {self.id}: expected "
                f"{self.commitment}, found {sealed.commitment()}",
                field="commitment",
            )
        return sealed.body


def sign_event(
    key: SigningKey,
    *,
    log: str,
    actor: str,
    type: str,
    time: datetime,
    body: Mapping[str, Any],
    confidential: bool = False,
    event_id: str | None = None,
    salt: bytes | None = None,
) -> tuple[Envelope, Sealed | None]:
    """Sign an event for the log ``log`` (its origin) by ``actor`` with ``key``; ``time`` is
    truncated to the millisecond.

    With ``confidential`` the log gets a commitment and the caller gets the :class:`Sealed` body
    to keep in the content store. ``event_id`` and ``salt`` default to fresh random values;
    pass them only for reproducible tests and vectors. Refuses an event too large for the log.
    """
    sealed: Sealed | None = None
    if confidential:
        sealed = Sealed.seal(body) if salt is None else Sealed(salt=salt, body=dict(body))
    elif salt is not None:
        raise InvalidInput("a salt is used only for a confidential body", field="salt")
    # Built with a zero signature first, so every invariant holds before anything is signed.
    draft = Envelope(
        id=new_event_id() if event_id is None else event_id,
        log=log,
        type=type,
        actor=actor,
        key=key.public_key,
        time=truncate_to_millis(time),
        body=body if sealed is None else None,
        commitment=None if sealed is None else sealed.commitment(),
        sig=bytes(ED25519_SIGNATURE_SIZE),
    )
    envelope = draft._signed(key.sign(draft.signing_message()))
    envelope.to_leaf()
    return envelope, sealed


def body_text(leaf: bytes) -> str:
    """The canonical JSON of a public envelope's body, sliced out of its (canonical) leaf.

    A leaf has sorted keys, so it reads ``{"actor":"…","body":{…},"id":"…","key":…}``: an actor
    id holds no quote, so the body starts after the first ``,"body":``; and it ends at the last
    ``,"id":"``, since a quote inside a string is escaped and the members after the body (id,
    key, log, sig, time, type, v) are strings and a number. Canonical JSON is compositional: the
    slice is the body's own canonical form, without encoding it again.
    """
    return body_bytes(leaf).decode()


def body_bytes(leaf: bytes) -> bytes:
    """:func:`body_text`, as the UTF-8 bytes the leaf holds."""
    start = leaf.index(b',"body":') + len(b',"body":')
    end = leaf.rindex(b',"id":"')
    return leaf[start:end]


@lru_cache(maxsize=64)  # a store signs for one log: check its name once, not per event
def _check_log(origin: str) -> None:
    """The log an event is meant for is named by its origin, a valid C2SP key name."""
    try:
        check_key_name(origin)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="log") from exc


def _with_signature(unsigned: bytes, sig: bytes) -> bytes:
    """The leaf: the canonical ``unsigned`` envelope with the ``sig`` member in its sorted
    place, before the last ``,"time":"`` (the members from there on, time, type and v, cannot
    contain that text)."""
    at = unsigned.rindex(b',"time":"')
    return b'%s,"sig":"%s"%s' % (unsigned[:at], b64encode(sig).encode(), unsigned[at:])


def _without_signature(leaf: bytes) -> bytes:
    start = leaf.rindex(b',"sig":"')
    end = leaf.index(b'"', start + len(b',"sig":"')) + 1
    return leaf[:start] + leaf[end:]


def _matching(value: str, pattern: re.Pattern[str], field: str, expected: str) -> str:
    if not pattern.fullmatch(value):
        raise InvalidInput(f"expected {expected}, found {value!r}", field=field)
    return value


def _sized(value: bytes, size: int, field: str, what: str) -> None:
    if len(value) != size:
        raise InvalidInput(f"expected {what} of {size} bytes, found {len(value)}", field=field)


def _utc_millis(time: datetime) -> datetime:
    offset = time.utcoffset()
    if offset is None:
        raise InvalidInput(
            f"expected an aware UTC time, found naive {time.isoformat()}", field="time"
        )
    if offset:
        raise InvalidInput(f"expected UTC, found offset {time.isoformat()}", field="time")
    if time.microsecond % 1000:
        raise InvalidInput(
            f"expected a time to the millisecond, found {time.microsecond} microseconds "
            "(sign_event truncates)",
            field="time",
        )
    return time if time.tzinfo is UTC else time.replace(tzinfo=UTC)


def _json_object(value: object, what: str) -> tuple[bytes, dict[str, Any]]:
    """The canonical JSON and a canonical copy of a body, which must be a JSON object. Both
    come from a one-field object so that nesting depth counts as it does in the leaf."""
    encoded, copy = canonical_form({"body": value}, what=what)
    body = copy["body"]
    if not isinstance(body, dict):
        raise InvalidInput(f"expected a JSON object, found {type(value).__name__}", field="body")
    return encoded[len(b'{"body":') : -len(b"}")], body


def _json_string(text: str) -> bytes:
    """A string's canonical JSON, written by the function ``json.dumps(text,
    ensure_ascii=False)`` calls: the standard library escapes strings as RFC 8785 does (the
    canonical module's fast path relies on this too). Every string field here was checked
    when the envelope was built, and none can hold a lone surrogate."""
    return encode_basestring(text).encode()


def _check_entry_size(size: int, what: str) -> None:
    if size > MAX_ENTRY_SIZE:
        raise InvalidInput(
            f"{what} is {size} bytes, over the log's limit of {MAX_ENTRY_SIZE} bytes per entry "
            "(C2SP tlog-tiles entries carry 16-bit lengths): keep large content outside the "
            "log and commit to its hash",
            field="size",
        )


def _check_fields(doc: dict[str, Any]) -> None:
    version = doc.get("v")
    if type(version) is not int or version != ENVELOPE_VERSION:
        raise InvalidInput(
            f"expected envelope version {ENVELOPE_VERSION}, found {version!r}", field="v"
        )
    unknown = sorted(doc.keys() - _FIELDS)
    if unknown:
        raise InvalidInput(f"unknown field(s) {', '.join(unknown)}", field=unknown[0])
    for name in _REQUIRED:
        if name not in doc:
            raise InvalidInput(f"missing field {name!r}", field=name)


def _string(doc: dict[str, Any], name: str) -> str:
    value = doc[name]
    if not isinstance(value, str):
        raise InvalidInput(f"expected a string, found {type(value).__name__}", field=name)
    return value


def _object_or_none(doc: dict[str, Any], name: str) -> dict[str, Any] | None:
    if name not in doc:
        return None
    value = doc[name]
    if not isinstance(value, dict):
        raise InvalidInput(f"expected a JSON object, found {type(value).__name__}", field=name)
    return value
