"""Which keys may sign at each index of the log: a pure fold over the log's key events.

Actors' keys are enrolled, rotated and revoked by events in the same log they sign, so a
verifier replaying the log from index 0 learns every key from the log itself. For the event at
index ``i`` (the rules :meth:`Keyring.check` applies, in this order):

1. Index 0 holds ``log.genesis`` and no other index does. Its body is
   ``{"origin", "log_key", "operator"}``: the log's origin, the C2SP vkey (type 0x01) that signs
   its checkpoints, and the operator's actor id. The genesis is the root of trust: its signer
   must be the operator (envelope actor == ``operator``), and its key becomes the operator's
   first key, with role ``operator``.
2. Every event names the log it is meant for (``log``, the origin): it must be this log's, so a
   party's signed event cannot be replayed into another ceasefire's log.
3. Every other event is signed by a known key of its actor that is valid at ``i``: enrolled at
   an index ``e < i`` and not revoked or rotated away at an index ``r < i``. A key valid when an
   event was appended stays valid for that event for ever.
4. ``key.enrolled`` ``{"actor", "public_key", "role"}`` and optionally ``"affiliation"`` (the
   id of the party or mediator the actor acts for; what the ids mean is the agreement's
   business, not the keyring's): signed with an operator key (role ``operator``). The key was
   never seen in this log before, for anyone. An actor keeps one role and one affiliation: all
   its keys carry those of its first.
5. ``key.rotated`` ``{"actor", "old_key", "new_key"}``: signed by ``actor`` itself or with an
   operator key; ``old_key`` is a valid key of ``actor`` and is valid up to ``i``; ``new_key``
   was never seen before, takes the role of ``old_key`` and is valid from ``i + 1``.
6. ``key.revoked`` ``{"actor", "key", "reason"}``: signed by ``actor`` itself or with an
   operator key; ``key`` is a valid key of ``actor`` and is valid up to ``i``. The last valid
   operator key cannot be revoked (rotating it keeps an operator, so that is allowed).
7. Key event bodies are public and have exactly the fields named (optional ones may be
   absent). Other ``log.*`` and ``key.*`` types are refused: those namespaces belong to this module.

Rules 4-6 allow only what they name: it is always safe to relax a rule later (old logs stay
valid), never to tighten one.

The :class:`Keyring` is mutable: it is the running state of one fold over one log, updated
event by event for millions of events, and the appender checks an event, writes it, and only
then applies it. :meth:`Keyring.rows` and :meth:`Keyring.from_rows` let that state live in a
database table so an appender need not replay the log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

from ceasefire.errors import Conflict, InvalidInput, PermissionDenied
from ceasefire.log.envelope import Envelope, b64decode_exact, b64encode, check_actor_id
from ceasefire.log.keys import ED25519_KEY_SIZE, ED25519_NOTE, VerifierKey, check_key_name

GENESIS: Final = "log.genesis"
KEY_ENROLLED: Final = "key.enrolled"
KEY_ROTATED: Final = "key.rotated"
KEY_REVOKED: Final = "key.revoked"
OPERATOR_ROLE: Final = "operator"
_RESERVED: Final = ("log.", "key.")
_ROLE: Final = re.compile(r"[a-z][a-z0-9_]{0,31}")


@dataclass(frozen=True)
class KeyRecord:
    """One key of one actor: signs events at indices ``valid_from`` to ``revoked_at`` inclusive.

    ``enrolled_at`` is the index of the event that introduced the key (genesis, enrolment or
    rotation); ``revoked_at`` the index of the event that revoked or rotated it away.
    """

    actor: str
    public_key: bytes
    role: str
    enrolled_at: int
    revoked_at: int | None = None
    affiliation: str | None = None

    def __post_init__(self) -> None:
        if len(self.public_key) != ED25519_KEY_SIZE:
            raise InvalidInput(
                f"expected a {ED25519_KEY_SIZE}-byte key, found {len(self.public_key)} bytes",
                field="public_key",
            )
        if self.enrolled_at < 0 or (
            self.revoked_at is not None and self.revoked_at <= self.enrolled_at
        ):
            raise InvalidInput(
                f"expected 0 <= enrolled_at < revoked_at, found {self.enrolled_at}, "
                f"{self.revoked_at}",
                field="revoked_at",
            )

    @property
    def valid_from(self) -> int:
        # The genesis key signs its own event at index 0; every other key starts one later.
        return 0 if self.enrolled_at == 0 else self.enrolled_at + 1

    def valid_at(self, index: int) -> bool:
        return self.valid_from <= index and (self.revoked_at is None or index <= self.revoked_at)

    def describe(self) -> str:
        return f"key {b64encode(self.public_key)} of actor {self.actor!r}"


@dataclass(frozen=True)
class Genesis:
    """What index 0 declares: the log's identity, checkpoint key and first operator."""

    origin: str
    log_key: VerifierKey
    operator: str


@dataclass(frozen=True)
class _Update:
    records: tuple[KeyRecord, ...] = ()
    genesis: Genesis | None = None


@dataclass
class Keyring:
    """The key state after a prefix of the log. Build with :meth:`empty` or :meth:`from_rows`."""

    genesis: Genesis | None = None
    _records: dict[bytes, KeyRecord] = field(default_factory=dict, repr=False)
    _last_key_event: int = -1

    @classmethod
    def empty(cls) -> Keyring:
        return cls()

    @classmethod
    def from_rows(cls, rows: Iterable[KeyRecord], *, genesis: Genesis) -> Keyring:
        """Restore the state saved by :meth:`rows`; ``genesis`` is re-read from leaf 0."""
        ring = cls(genesis=genesis)
        for row in rows:
            if row.public_key in ring._records:
                raise Conflict(f"{row.describe()} appears in two rows", field="public_key")
            ring._records[row.public_key] = row
            ring._last_key_event = max(ring._last_key_event, row.enrolled_at, row.revoked_at or 0)
        return ring

    def rows(self) -> list[KeyRecord]:
        """Every key ever seen, in the order the log introduced them."""
        return sorted(self._records.values(), key=lambda r: (r.enrolled_at, r.public_key))

    def record(self, public_key: bytes) -> KeyRecord | None:
        return self._records.get(public_key)

    def keys_of(self, actor: str) -> list[KeyRecord]:
        return [row for row in self.rows() if row.actor == actor]

    def check(self, envelope: Envelope, index: int) -> None:
        """Raise unless ``envelope`` may stand at ``index`` (rules 1-6). Changes nothing."""
        self._plan(envelope, index)

    def apply(self, envelope: Envelope, index: int) -> None:
        """Record a key event's effect; other events change nothing. Checks first, so a
        refused event is never half-applied."""
        self._commit(self._plan(envelope, index), index)

    def admit(self, envelope: Envelope, index: int, *, verified: bool = False) -> None:
        """Check, verify the signature, and apply: what a verifier does with each leaf.

        ``verified``: the signature is already known to verify under ``envelope.key`` (checked
        before the append lock); whether that key may sign here is still checked."""
        update = self._plan(envelope, index)
        if not verified:
            envelope.verify_signature()
        self._commit(update, index)

    def _commit(self, update: _Update, index: int) -> None:
        if update.genesis is not None:
            self.genesis = update.genesis
        for row in update.records:
            self._records[row.public_key] = row
        if update.records:
            self._last_key_event = index

    def _plan(self, envelope: Envelope, index: int) -> _Update:
        if index < 0:
            raise InvalidInput(f"expected an index >= 0, found {index}", field="index")
        if envelope.type == GENESIS:
            return self._genesis(envelope, index)
        if index == 0 or self.genesis is None:
            raise PermissionDenied(
                f"the log starts with {GENESIS} at index 0; found {envelope.type} at index "
                f"{index} before any genesis",
                field="type",
            )
        _require_log(envelope, self.genesis.origin)
        signer = self._signer(envelope, index)
        if envelope.type in (KEY_ENROLLED, KEY_ROTATED, KEY_REVOKED):
            self._check_order(index)
        if envelope.type == KEY_ENROLLED:
            return self._enrol(envelope, signer, index)
        if envelope.type == KEY_ROTATED:
            return self._rotate(envelope, signer, index)
        if envelope.type == KEY_REVOKED:
            return self._revoke(envelope, signer, index)
        if envelope.type.startswith(_RESERVED):
            raise InvalidInput(
                f"unknown event type {envelope.type!r}: the log.* and key.* types are "
                f"{GENESIS}, {KEY_ENROLLED}, {KEY_ROTATED} and {KEY_REVOKED}",
                field="type",
            )
        return _Update()

    def _genesis(self, envelope: Envelope, index: int) -> _Update:
        if index != 0:
            raise PermissionDenied(
                f"{GENESIS} is allowed only at index 0, found at index {index}", field="type"
            )
        if self.genesis is not None:
            raise Conflict("this keyring already holds the log's genesis", field="type")
        body = _body(envelope, ("origin", "log_key", "operator"))
        genesis = Genesis(
            origin=_origin(body),
            log_key=_log_key(body),
            operator=check_actor_id(_string(body, "operator"), "body.operator"),
        )
        _require_log(envelope, genesis.origin)
        if envelope.actor != genesis.operator:
            raise PermissionDenied(
                f"the genesis must be signed by its operator {genesis.operator!r}, found actor "
                f"{envelope.actor!r}",
                field="actor",
            )
        operator_key = KeyRecord(genesis.operator, envelope.key, OPERATOR_ROLE, enrolled_at=0)
        return _Update((operator_key,), genesis)

    def _signer(self, envelope: Envelope, index: int) -> KeyRecord:
        record = self._records.get(envelope.key)
        if record is None:
            raise PermissionDenied(
                f"key {b64encode(envelope.key)} is not enrolled in this log", field="key"
            )
        if record.actor != envelope.actor:
            raise PermissionDenied(
                f"{record.describe()} does not belong to actor {envelope.actor!r}", field="key"
            )
        if index < record.valid_from:
            raise PermissionDenied(
                f"{record.describe()} is valid from index {record.valid_from}, found it signing "
                f"index {index}",
                field="key",
            )
        if record.revoked_at is not None and index > record.revoked_at:
            raise PermissionDenied(
                f"{record.describe()} was revoked at index {record.revoked_at}, found it "
                f"signing index {index}",
                field="key",
            )
        return record

    def _check_order(self, index: int) -> None:
        if index <= self._last_key_event:
            raise InvalidInput(
                f"key events are applied in log order: expected an index after "
                f"{self._last_key_event}, found {index}",
                field="index",
            )

    def _enrol(self, envelope: Envelope, signer: KeyRecord, index: int) -> _Update:
        body = _body(envelope, ("actor", "public_key", "role"), optional=("affiliation",))
        if signer.role != OPERATOR_ROLE:
            raise PermissionDenied(
                f"only an operator key may enrol keys; {signer.describe()} has role "
                f"{signer.role!r}",
                field="key",
            )
        actor = check_actor_id(_string(body, "actor"), "body.actor")
        public_key = _key(body, "public_key")
        role = _role(body)
        affiliation = (
            check_actor_id(_string(body, "affiliation"), "body.affiliation")
            if "affiliation" in body
            else None
        )
        self._require_unseen(public_key, "body.public_key")
        self._require_one_role(actor, role, affiliation)
        record = KeyRecord(actor, public_key, role, enrolled_at=index, affiliation=affiliation)
        return _Update((record,))

    def _rotate(self, envelope: Envelope, signer: KeyRecord, index: int) -> _Update:
        body = _body(envelope, ("actor", "old_key", "new_key"))
        actor = check_actor_id(_string(body, "actor"), "body.actor")
        _require_authority(signer, actor, "rotate")
        old = self._valid_key_of(actor, _key(body, "old_key"), index, "body.old_key")
        new_key = _key(body, "new_key")
        self._require_unseen(new_key, "body.new_key")
        new = KeyRecord(actor, new_key, old.role, enrolled_at=index, affiliation=old.affiliation)
        return _Update((replace(old, revoked_at=index), new))

    def _revoke(self, envelope: Envelope, signer: KeyRecord, index: int) -> _Update:
        body = _body(envelope, ("actor", "key", "reason"))
        actor = check_actor_id(_string(body, "actor"), "body.actor")
        _require_authority(signer, actor, "revoke")
        record = self._valid_key_of(actor, _key(body, "key"), index, "body.key")
        if not _string(body, "reason"):
            raise InvalidInput(
                "expected a reason for the revocation, found ''", field="body.reason"
            )
        if record.role == OPERATOR_ROLE and not any(
            row.role == OPERATOR_ROLE and row.revoked_at is None and row != record
            for row in self._records.values()
        ):
            raise PermissionDenied(
                f"{record.describe()} is the last valid operator key: revoking it would leave "
                "the log without an operator (enrol another operator key first, or rotate it)",
                field="body.key",
            )
        return _Update((replace(record, revoked_at=index),))

    def _valid_key_of(self, actor: str, public_key: bytes, index: int, name: str) -> KeyRecord:
        record = self._records.get(public_key)
        if record is None or record.actor != actor:
            owner = "not enrolled" if record is None else f"of actor {record.actor!r}"
            raise PermissionDenied(
                f"expected a key of actor {actor!r}, found key {b64encode(public_key)} {owner}",
                field=name,
            )
        if not record.valid_at(index):
            raise PermissionDenied(
                f"{record.describe()} was already revoked at index {record.revoked_at}",
                field=name,
            )
        return record

    def _require_unseen(self, public_key: bytes, name: str) -> None:
        record = self._records.get(public_key)
        if record is not None:
            raise Conflict(
                f"{record.describe()} was already enrolled at index {record.enrolled_at}: "
                "a key is enrolled once in a log's life",
                field=name,
            )

    def _require_one_role(self, actor: str, role: str, affiliation: str | None) -> None:
        existing = next((row for row in self._records.values() if row.actor == actor), None)
        if existing is not None and existing.role != role:
            raise Conflict(
                f"actor {actor!r} has role {existing.role!r}, found {role!r}: an actor keeps "
                "one role (enrol a new actor id for a new role)",
                field="body.role",
            )
        if existing is not None and existing.affiliation != affiliation:
            raise Conflict(
                f"actor {actor!r} acts for {existing.affiliation!r}, found {affiliation!r}: an "
                "actor keeps one affiliation (enrol a new actor id)",
                field="body.affiliation",
            )


def _require_log(envelope: Envelope, origin: str) -> None:
    if envelope.log != origin:
        raise PermissionDenied(
            f"event {envelope.id} was signed for the log {envelope.log!r}, not this log "
            f"{origin!r}: an event cannot be replayed into another log",
            field="log",
        )


def _require_authority(signer: KeyRecord, actor: str, verb: str) -> None:
    if signer.actor != actor and signer.role != OPERATOR_ROLE:
        raise PermissionDenied(
            f"actor {signer.actor!r} may not {verb} keys of actor {actor!r}: only the actor "
            "itself or an operator may",
            field="actor",
        )


def _body(
    envelope: Envelope, names: tuple[str, ...], optional: tuple[str, ...] = ()
) -> Mapping[str, Any]:
    if envelope.body is None:
        raise InvalidInput(
            f"{envelope.type} must carry a public body, found a commitment", field="commitment"
        )
    missing = [name for name in names if name not in envelope.body]
    unknown = sorted(set(envelope.body) - set(names) - set(optional))
    if missing or unknown:
        raise InvalidInput(
            f"{envelope.type} body has exactly the fields {', '.join(names)}; found missing "
            f"{missing or 'none'}, unknown {unknown or 'none'}",
            field="body",
        )
    return envelope.body


def _string(body: Mapping[str, Any], name: str) -> str:
    value = body[name]
    if not isinstance(value, str):
        raise InvalidInput(
            f"expected a string, found {type(value).__name__} {value!r}", field=f"body.{name}"
        )
    return value


def _key(body: Mapping[str, Any], name: str) -> bytes:
    return b64decode_exact(_string(body, name), size=ED25519_KEY_SIZE, field=f"body.{name}")


def _role(body: Mapping[str, Any]) -> str:
    role = _string(body, "role")
    if not _ROLE.fullmatch(role):
        raise InvalidInput(
            f"expected a role of 1-32 of a-z 0-9 _ starting with a letter, found {role!r}",
            field="body.role",
        )
    return role


def _origin(body: Mapping[str, Any]) -> str:
    origin = _string(body, "origin")
    try:
        return check_key_name(origin)
    except InvalidInput as exc:
        raise InvalidInput(f"not a log origin: {exc.message}", field="body.origin") from exc


def _log_key(body: Mapping[str, Any]) -> VerifierKey:
    text = _string(body, "log_key")
    try:
        key = VerifierKey.from_text(text)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="body.log_key") from exc
    if key.key_type != ED25519_NOTE:
        raise InvalidInput(
            f"expected a note-signing key (type 0x01), found type 0x{key.key_type:02x}",
            field="body.log_key",
        )
    if key.to_text() != text:
        raise InvalidInput(
            f"expected the vkey spelt {key.to_text()!r}, found {text!r}", field="body.log_key"
        )
    return key
