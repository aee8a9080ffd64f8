"""The keyring fold: who may sign what, at each index of the log."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ceasefire.errors import Conflict, InvalidInput, PermissionDenied, VerificationError
from ceasefire.log.envelope import Envelope, b64encode, sign_event
from ceasefire.log.keyring import Genesis, KeyRecord, Keyring
from ceasefire.log.keys import SigningKey

T0 = datetime(2025, 10, 19, 12, tzinfo=UTC)
ORIGIN = "ceasefire.example/pak-afg"
LOG_KEY = SigningKey(ORIGIN, bytes([99]) * 32)
SECRETARIAT = SigningKey("secretariat", bytes([1]) * 32)
SECRETARIAT_2 = SigningKey("secretariat-2", bytes([2]) * 32)
PK = SigningKey("pk-liaison", bytes([3]) * 32)
PK_2 = SigningKey("pk-liaison-2", bytes([4]) * 32)
AF = SigningKey("af-liaison", bytes([5]) * 32)
MONITOR = SigningKey("monitor", bytes([6]) * 32)


def b64(key: SigningKey) -> str:
    return b64encode(key.public_key)


def event(key: SigningKey, actor: str, type_: str, body: dict[str, Any]) -> Envelope:
    envelope, _ = sign_event(key, log=ORIGIN, actor=actor, type=type_, time=T0, body=body)
    return envelope


def genesis_event(
    key: SigningKey = SECRETARIAT, actor: str = "secretariat", **changes: Any
) -> Envelope:
    body = {"origin": ORIGIN, "log_key": LOG_KEY.note_key().to_text(), "operator": "secretariat"}
    return event(key, actor, "log.genesis", {**body, **changes})


def enrol(
    key: SigningKey,
    actor: str,
    role: str = "party",
    *,
    by: SigningKey = SECRETARIAT,
    by_actor: str = "secretariat",
) -> Envelope:
    body = {"actor": actor, "public_key": b64(key), "role": role}
    return event(by, by_actor, "key.enrolled", body)


def rotate(
    actor: str, old: SigningKey, new: SigningKey, *, by: SigningKey, by_actor: str
) -> Envelope:
    body = {"actor": actor, "old_key": b64(old), "new_key": b64(new)}
    return event(by, by_actor, "key.rotated", body)


def revoke(actor: str, key: SigningKey, *, by: SigningKey, by_actor: str) -> Envelope:
    body = {"actor": actor, "key": b64(key), "reason": "device lost"}
    return event(by, by_actor, "key.revoked", body)


def use(key: SigningKey, actor: str) -> Envelope:
    return event(key, actor, "report.submitted", {"text": "shelling near Torkham"})


@dataclass
class Log:
    """A keyring with the index of the next leaf, as an appender drives it."""

    ring: Keyring = field(default_factory=Keyring.empty)
    size: int = 0

    def append(self, *envelopes: Envelope) -> int:
        for envelope in envelopes:
            self.ring.admit(envelope, self.size)
            self.size += 1
        return self.size - 1


def started() -> Log:
    """A log with a genesis, a Pakistani liaison (PK) and an Afghan liaison (AF) enrolled."""
    log = Log()
    log.append(genesis_event(), enrol(PK, "pk-liaison"), enrol(AF, "af-liaison"))
    return log


def test_genesis_must_be_first() -> None:
    with pytest.raises(PermissionDenied, match=r"starts with log\.genesis at index 0; found key"):
        Keyring.empty().check(enrol(PK, "pk-liaison"), 0)


def test_genesis_only_at_index_zero() -> None:
    log = started()
    with pytest.raises(PermissionDenied, match="allowed only at index 0, found at index 3"):
        log.append(genesis_event())


def test_events_need_a_genesis_first() -> None:
    with pytest.raises(PermissionDenied, match=r"found report\.submitted at index 5 before any"):
        Keyring.empty().check(use(PK, "pk-liaison"), 5)


def test_second_genesis_at_index_zero_is_refused() -> None:
    ring = started().ring
    with pytest.raises(Conflict, match="already holds the log's genesis"):
        ring.check(genesis_event(), 0)


def test_genesis_must_be_signed_by_its_operator() -> None:
    with pytest.raises(PermissionDenied, match="signed by its operator 'secretariat', found actor"):
        Keyring.empty().check(genesis_event(PK, "pk-liaison"), 0)


def test_genesis_declares_origin_log_key_and_first_operator_key() -> None:
    ring = started().ring
    assert ring.genesis == Genesis(ORIGIN, LOG_KEY.note_key(), "secretariat")
    operator = ring.record(SECRETARIAT.public_key)
    assert operator == KeyRecord("secretariat", SECRETARIAT.public_key, "operator", 0, None)
    assert operator.valid_from == 0


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"origin": "has space"}, "body.origin", "not a log origin"),
        ({"origin": "a+b"}, "body.origin", "not a log origin"),
        ({"origin": 1}, "body.origin", "expected a string, found int"),
        ({"log_key": "nonsense"}, "body.log_key", "<name>+<hex key id>+<base64 key>"),
        ({"log_key": LOG_KEY.cosignature_key().to_text()}, "body.log_key", "found type 0x04"),
        ({"log_key": " " + LOG_KEY.note_key().to_text()}, "body.log_key", "expected the vkey"),
        ({"operator": "Secretariat"}, "body.operator", "expected 1-64 of"),
        ({"extra": "x"}, "body", "unknown ['extra']"),
    ],
)
def test_genesis_body_is_checked(changes: dict[str, Any], field: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Keyring.empty().check(genesis_event(**changes), 0)
    assert caught.value.field == field
    assert reason in caught.value.message


def test_event_signed_for_another_log_is_refused() -> None:
    log = started()
    replayed, _ = sign_event(
        PK,
        log="ceasefire.example/other",
        actor="pk-liaison",
        type="report.submitted",
        time=T0,
        body={"n": 1},
    )
    with pytest.raises(PermissionDenied, match="cannot be replayed into another log") as caught:
        log.append(replayed)
    assert caught.value.field == "log"


def test_genesis_must_name_its_own_log() -> None:
    envelope, _ = sign_event(
        SECRETARIAT,
        log="ceasefire.example/other",
        actor="secretariat",
        type="log.genesis",
        time=T0,
        body={"origin": ORIGIN, "log_key": LOG_KEY.note_key().to_text(), "operator": "secretariat"},
    )
    with pytest.raises(PermissionDenied, match=r"signed for the log 'ceasefire\.example/other'"):
        Keyring.empty().admit(envelope, 0)


def test_only_operator_may_enrol_keys() -> None:
    log = started()
    with pytest.raises(PermissionDenied, match="only an operator key may enrol keys") as caught:
        log.append(enrol(MONITOR, "monitor-1", "monitor", by=PK, by_actor="pk-liaison"))
    assert "has role 'party'" in str(caught.value)
    log.append(enrol(MONITOR, "monitor-1", "monitor"))


def test_enrolled_key_is_valid_from_the_next_index() -> None:
    log = started()
    index = log.append(enrol(MONITOR, "monitor-1", "monitor"))
    with pytest.raises(PermissionDenied, match=f"valid from index {index + 1}, found it signing"):
        log.ring.check(use(MONITOR, "monitor-1"), index)
    log.ring.check(use(MONITOR, "monitor-1"), index + 1)
    assert log.ring.record(MONITOR.public_key) == KeyRecord(
        "monitor-1", MONITOR.public_key, "monitor", index
    )


def test_a_key_is_enrolled_once_for_anyone() -> None:
    log = started()
    with pytest.raises(Conflict, match="was already enrolled at index 1") as caught:
        log.append(enrol(PK, "af-liaison"))
    assert caught.value.field == "body.public_key"


def test_a_revoked_key_cannot_be_enrolled_again() -> None:
    log = started()
    log.append(revoke("pk-liaison", PK, by=PK, by_actor="pk-liaison"))
    with pytest.raises(Conflict, match="already enrolled"):
        log.append(enrol(PK, "pk-liaison"))


def test_an_actor_keeps_one_role() -> None:
    log = started()
    with pytest.raises(Conflict, match="actor 'pk-liaison' has role 'party', found 'monitor'"):
        log.append(enrol(PK_2, "pk-liaison", "monitor"))
    log.append(enrol(PK_2, "pk-liaison", "party"))
    assert [row.public_key for row in log.ring.keys_of("pk-liaison")] == [
        PK.public_key,
        PK_2.public_key,
    ]


def test_envelope_signed_with_revoked_key_is_refused() -> None:
    log = started()
    revoked_at = log.append(revoke("pk-liaison", PK, by=SECRETARIAT, by_actor="secretariat"))
    with pytest.raises(PermissionDenied, match=f"was revoked at index {revoked_at}, found it"):
        log.append(use(PK, "pk-liaison"))


def test_events_before_a_revocation_stay_valid() -> None:
    log = started()
    report = use(PK, "pk-liaison")
    report_index = log.append(report)
    revoked_at = log.append(revoke("pk-liaison", PK, by=PK, by_actor="pk-liaison"))
    log.ring.check(report, report_index)
    record = log.ring.record(PK.public_key)
    assert record is not None
    assert (record.valid_from, record.revoked_at) == (2, revoked_at)
    assert record.valid_at(revoked_at)
    assert not record.valid_at(revoked_at + 1)


def test_party_may_not_revoke_another_partys_key() -> None:
    log = started()
    with pytest.raises(PermissionDenied, match="'af-liaison' may not revoke keys of actor 'pk"):
        log.append(revoke("pk-liaison", PK, by=AF, by_actor="af-liaison"))


def test_revoking_an_already_revoked_key_is_refused() -> None:
    log = started()
    log.append(enrol(PK_2, "pk-liaison"))
    revoked_at = log.append(revoke("pk-liaison", PK, by=PK_2, by_actor="pk-liaison"))
    with pytest.raises(PermissionDenied, match=f"already revoked at index {revoked_at}"):
        log.append(revoke("pk-liaison", PK, by=PK_2, by_actor="pk-liaison"))


def test_revoking_a_key_of_someone_else_is_refused() -> None:
    log = started()
    with pytest.raises(PermissionDenied, match="expected a key of actor 'pk-liaison', found key"):
        log.append(revoke("pk-liaison", AF, by=SECRETARIAT, by_actor="secretariat"))
    with pytest.raises(PermissionDenied, match="not enrolled"):
        log.append(revoke("pk-liaison", MONITOR, by=SECRETARIAT, by_actor="secretariat"))


def test_rotation_hands_over_at_the_next_index() -> None:
    log = started()
    rotated_at = log.append(rotate("pk-liaison", PK, PK_2, by=PK, by_actor="pk-liaison"))
    with pytest.raises(PermissionDenied, match=f"valid from index {rotated_at + 1}"):
        log.ring.check(use(PK_2, "pk-liaison"), rotated_at)
    log.append(use(PK_2, "pk-liaison"))
    with pytest.raises(PermissionDenied, match=f"revoked at index {rotated_at}"):
        log.append(use(PK, "pk-liaison"))
    new = log.ring.record(PK_2.public_key)
    assert new == KeyRecord("pk-liaison", PK_2.public_key, "party", rotated_at)


def test_operator_may_rotate_a_partys_key() -> None:
    log = started()
    log.append(rotate("pk-liaison", PK, PK_2, by=SECRETARIAT, by_actor="secretariat"))
    log.append(use(PK_2, "pk-liaison"))


def test_party_may_not_rotate_another_partys_key() -> None:
    log = started()
    with pytest.raises(PermissionDenied, match="may not rotate keys of actor 'pk-liaison'"):
        log.append(rotate("pk-liaison", PK, PK_2, by=AF, by_actor="af-liaison"))


def test_rotation_to_a_known_key_is_refused() -> None:
    log = started()
    with pytest.raises(Conflict, match="already enrolled at index 2") as caught:
        log.append(rotate("pk-liaison", PK, AF, by=PK, by_actor="pk-liaison"))
    assert caught.value.field == "body.new_key"


def test_last_operator_key_cannot_be_revoked() -> None:
    log = started()
    with pytest.raises(PermissionDenied, match="last valid operator key"):
        log.append(revoke("secretariat", SECRETARIAT, by=SECRETARIAT, by_actor="secretariat"))
    log.append(enrol(SECRETARIAT_2, "secretariat", "operator"))
    log.append(revoke("secretariat", SECRETARIAT, by=SECRETARIAT_2, by_actor="secretariat"))
    with pytest.raises(PermissionDenied, match="last valid operator key"):
        log.append(revoke("secretariat", SECRETARIAT_2, by=SECRETARIAT_2, by_actor="secretariat"))


def test_last_operator_key_may_be_rotated() -> None:
    log = started()
    log.append(
        rotate("secretariat", SECRETARIAT, SECRETARIAT_2, by=SECRETARIAT, by_actor="secretariat")
    )
    log.append(enrol(MONITOR, "monitor-1", "monitor", by=SECRETARIAT_2))


def test_unknown_key_is_refused() -> None:
    log = started()
    with pytest.raises(PermissionDenied, match=f"key {b64(MONITOR)} is not enrolled"):
        log.append(use(MONITOR, "monitor-1"))


def test_key_of_another_actor_is_refused() -> None:
    log = started()
    with pytest.raises(
        PermissionDenied, match="of actor 'pk-liaison' does not belong to actor 'af"
    ):
        log.append(use(PK, "af-liaison"))


@pytest.mark.parametrize(
    ("type_", "body", "field", "reason"),
    [
        ("key.enrolled", {"actor": "x", "public_key": "AAAA"}, "body", "missing ['role']"),
        (
            "key.enrolled",
            {"actor": "x", "public_key": "AAAA", "role": "p", "y": 1},
            "body",
            "unknown ['y']",
        ),
        (
            "key.enrolled",
            {"actor": "x", "public_key": "AAAA", "role": "p"},
            "body.public_key",
            "expected base64 of 32 bytes",
        ),
        (
            "key.enrolled",
            {"actor": "X", "public_key": "AAAA", "role": "p"},
            "body.actor",
            "expected 1-64 of",
        ),
        (
            "key.enrolled",
            {"actor": "x", "public_key": None, "role": "p"},
            "body.public_key",
            "expected a string, found NoneType",
        ),
        (
            "key.enrolled",
            {"actor": "x", "public_key": b64(MONITOR), "role": "Monitor"},
            "body.role",
            "expected a role of 1-32",
        ),
        (
            "key.revoked",
            {"actor": "pk-liaison", "key": b64(PK), "reason": ""},
            "body.reason",
            "expected a reason",
        ),
        (
            "key.rotated",
            {"actor": "pk-liaison", "old_key": b64(PK)},
            "body",
            "missing ['new_key']",
        ),
        ("key.renamed", {}, "type", "unknown event type 'key.renamed'"),
        ("log.reset", {}, "type", "unknown event type 'log.reset'"),
    ],
)
def test_malformed_key_events_are_refused(
    type_: str, body: dict[str, Any], field: str, reason: str
) -> None:
    log = started()
    with pytest.raises(InvalidInput) as caught:
        log.append(event(SECRETARIAT, "secretariat", type_, body))
    assert caught.value.field == field
    assert reason in caught.value.message


def test_key_events_must_be_public() -> None:
    log = started()
    envelope, _ = sign_event(
        SECRETARIAT,
        log=ORIGIN,
        actor="secretariat",
        type="key.enrolled",
        time=T0,
        body={"actor": "monitor-1", "public_key": b64(MONITOR), "role": "monitor"},
        confidential=True,
    )
    with pytest.raises(InvalidInput, match="must carry a public body"):
        log.append(envelope)


def test_other_events_change_nothing() -> None:
    log = started()
    before = log.ring.rows()
    log.append(use(PK, "pk-liaison"), event(AF, "af-liaison", "keys.enrolled", {}))
    assert log.ring.rows() == before


def test_admit_refuses_a_bad_signature_and_changes_nothing() -> None:
    log = started()
    good = enrol(MONITOR, "monitor-1", "monitor")
    forged = dataclasses.replace(good, sig=bytes(64))
    before = log.ring.rows()
    with pytest.raises(VerificationError):
        log.append(forged)
    assert log.ring.rows() == before


def test_apply_checks_before_it_changes_anything() -> None:
    log = started()
    with pytest.raises(PermissionDenied):
        log.ring.apply(enrol(MONITOR, "monitor-1", "monitor", by=PK, by_actor="pk-liaison"), 3)
    assert log.ring.record(MONITOR.public_key) is None
    log.ring.apply(enrol(MONITOR, "monitor-1", "monitor"), 3)
    assert log.ring.record(MONITOR.public_key) is not None


def test_key_events_are_applied_in_log_order() -> None:
    log = started()
    with pytest.raises(InvalidInput, match="expected an index after 2, found 1"):
        log.ring.check(enrol(MONITOR, "monitor-1", "monitor"), 1)
    with pytest.raises(InvalidInput, match="expected an index >= 0, found -1"):
        log.ring.check(use(PK, "pk-liaison"), -1)


def test_from_rows_restores_a_keyring_that_behaves_identically() -> None:
    log = started()
    log.append(rotate("pk-liaison", PK, PK_2, by=PK, by_actor="pk-liaison"))
    log.append(revoke("af-liaison", AF, by=SECRETARIAT, by_actor="secretariat"))
    assert log.ring.genesis is not None
    restored = Keyring.from_rows(log.ring.rows(), genesis=log.ring.genesis)
    assert restored == log.ring
    for envelope in (use(PK, "pk-liaison"), use(AF, "af-liaison"), enrol(AF, "af-liaison")):
        outcomes = []
        for ring in (log.ring, restored):
            try:
                ring.check(envelope, log.size)
                outcomes.append("ok")
            except (PermissionDenied, Conflict) as exc:
                outcomes.append(str(exc))
        assert outcomes[0] == outcomes[1]


def test_from_rows_refuses_a_key_twice() -> None:
    row = KeyRecord("secretariat", SECRETARIAT.public_key, "operator", 0)
    genesis = Genesis(ORIGIN, LOG_KEY.note_key(), "secretariat")
    with pytest.raises(Conflict, match="appears in two rows"):
        Keyring.from_rows([row, row], genesis=genesis)


@pytest.mark.parametrize(
    ("public_key", "enrolled_at", "revoked_at", "reason"),
    [
        (bytes(31), 0, None, "expected a 32-byte key, found 31 bytes"),
        (bytes(32), -1, None, "expected 0 <= enrolled_at < revoked_at, found -1, None"),
        (bytes(32), 3, 3, "expected 0 <= enrolled_at < revoked_at, found 3, 3"),
    ],
)
def test_key_records_hold_their_invariants(
    public_key: bytes, enrolled_at: int, revoked_at: int | None, reason: str
) -> None:
    with pytest.raises(InvalidInput, match=reason.replace("(", r"\(")):
        KeyRecord("a", public_key, "party", enrolled_at, revoked_at)


# --- The state machine, against a model written from the rules alone -------------------------

POOL = [SigningKey(f"k{i}", bytes([40 + i]) * 32) for i in range(10)]
ROLES = {"secretariat": "operator", "pk-liaison": "party", "af-liaison": "party"}
Operation = tuple[str, int, str, str, int, int]  # action, signer, claimed actor, target, key, new
mostly = st.sampled_from([True, True, True, False])
choices = st.tuples(
    st.sampled_from(("enrol", "enrol", "rotate", "revoke", "revoke", "use", "use")),
    st.integers(0, len(POOL) - 1),  # signer: an index into the pool or into the known keys
    mostly,  # ...into the known keys
    mostly,  # the envelope claims the signer's own actor (else the next field)
    st.sampled_from(sorted(ROLES)),
    st.integers(0, len(POOL) - 1),  # the key the event is about, like the signer
    mostly,
    mostly,  # the event is about that key's own actor (else the next field)
    st.sampled_from(sorted(ROLES)),
    st.integers(0, len(POOL) - 1),  # the new key of a rotation
)
Choice = tuple[str, int, bool, bool, str, int, bool, bool, str, int]


@dataclass
class ModelKey:
    actor: str
    revoked: bool = False


@dataclass
class Model:
    keys: dict[int, ModelKey] = field(default_factory=lambda: {0: ModelKey("secretariat")})

    def valid(self, key: int, actor: str) -> bool:
        return key in self.keys and self.keys[key].actor == actor and not self.keys[key].revoked

    def is_operator(self, key: int) -> bool:
        return ROLES[self.keys[key].actor] == "operator"

    def allows(self, op: Operation) -> bool:
        action, signer, claimed, target, key, new_key = op
        if not self.valid(signer, claimed):
            return False
        may_act_for_target = claimed == target or self.is_operator(signer)
        if action == "enrol":
            return self.is_operator(signer) and key not in self.keys
        if action == "rotate":
            return may_act_for_target and self.valid(key, target) and new_key not in self.keys
        if action == "revoke":
            other_operators = [
                k
                for k, v in self.keys.items()
                if k != key and not v.revoked and self.is_operator(k)
            ]
            last_operator = ROLES[target] == "operator" and not other_operators
            return may_act_for_target and self.valid(key, target) and not last_operator
        return True

    def apply(self, op: Operation) -> None:
        action, _, _, target, key, new_key = op
        if action == "enrol":
            self.keys[key] = ModelKey(target)
        if action in ("rotate", "revoke"):
            self.keys[key].revoked = True
        if action == "rotate":
            self.keys[new_key] = ModelKey(target)


def resolve(choice: Choice, model: Model) -> Operation:
    """Turn random choices into an operation that is plausible most of the time."""
    action, signer, signer_known, claim_own, claimed, key, key_known, own_target, target, new = (
        choice
    )
    known = sorted(model.keys)
    live = sorted(k for k, v in model.keys.items() if not v.revoked)
    signer = known[signer % len(known)] if signer_known else signer
    key = live[-1 - key % len(live)] if key_known and action != "enrol" else key
    if claim_own and signer in model.keys:
        claimed = model.keys[signer].actor
    if own_target and key in model.keys:
        target = model.keys[key].actor
    return action, signer, claimed, target, key, new


def envelope_for(op: Operation) -> Envelope:
    action, signer, claimed, target, key, new_key = op
    by, subject, new = POOL[signer], POOL[key], POOL[new_key]
    if action == "enrol":
        return enrol(subject, target, ROLES[target], by=by, by_actor=claimed)
    if action == "rotate":
        return rotate(target, subject, new, by=by, by_actor=claimed)
    if action == "revoke":
        return revoke(target, subject, by=by, by_actor=claimed)
    return use(by, claimed)


def admitted(ring: Keyring, envelope: Envelope, index: int) -> bool:
    try:
        ring.admit(envelope, index)
    except (PermissionDenied, Conflict):
        return False
    return True


@settings(max_examples=200, deadline=None)
@given(st.lists(choices, max_size=40))
def test_keyring_agrees_with_a_simple_model(choices: list[Choice]) -> None:
    log = Log()
    log.append(genesis_event(POOL[0], "secretariat"))
    model = Model()
    uses: list[tuple[Envelope, int]] = []
    for choice in choices:
        op = resolve(choice, model)
        envelope = envelope_for(op)
        assert log.ring.genesis is not None
        restored = Keyring.from_rows(log.ring.rows(), genesis=log.ring.genesis)
        expected = model.allows(op)
        assert admitted(log.ring, envelope, log.size) == expected, op
        assert admitted(restored, envelope, log.size) == expected, op
        assert restored == log.ring
        if expected:
            model.apply(op)
            if op[0] == "use":
                uses.append((envelope, log.size))
            log.size += 1
    for envelope, index in uses:
        log.ring.check(envelope, index)
