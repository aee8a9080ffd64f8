"""Confirmed checkpoints: the policy written from the agreement, and the API that says which
checkpoint the witnesses have confirmed (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ceasefire.api.app import create_app
from ceasefire.cli.main import app
from ceasefire.domain.agreement_toml import load_bundled
from ceasefire.domain.agreements import WitnessRules
from ceasefire.errors import Conflict
from ceasefire.log.keyring import KeyRecord
from ceasefire.log.keys import SigningKey
from ceasefire.log.policy import parse_policy
from ceasefire.services import keys as key_service
from ceasefire.services import witnessing
from ceasefire.services.confirmation import confirmation, policy_for
from ceasefire.services.ports import LogIdentity
from ceasefire.settings import Settings
from tests.bundle.conftest import DEMO_SIZE
from tests.record_factories import Mechanism, make_mechanism

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

LATER = datetime(2025, 12, 1, tzinfo=UTC)


@pytest.fixture
def mechanism(database_url: str, tmp_path: Path) -> Iterator[Mechanism]:
    """The Istanbul agreement adopted, and a witness enrolled for each party."""
    found = make_mechanism(database_url, tmp_path)
    for party in ("pk", "af"):
        _enrol(found, f"witness-{party}", "witness", party)
    yield found
    found.close()


def _enrol(mechanism: Mechanism, actor: str, role: str, affiliation: str | None) -> None:
    key = SigningKey.generate(actor)
    key_service.enrol(
        mechanism.store,
        actor=actor,
        public_key=key.public_key,
        role=role,
        affiliation=affiliation,
        operator_key=mechanism.operator_key,
        log_key=mechanism.log_key,
        clock=mechanism.tick,
    )
    mechanism.keys[actor] = key


def _client(database_url: str, data: Path) -> TestClient:
    """An in-process client (use it in ``with``, which runs the app's start-up)."""
    return TestClient(create_app(Settings(data=data, database_url=database_url)))


def test_a_checkpoint_is_confirmed_once_every_partys_witness_cosigned(
    mechanism: Mechanism,
) -> None:
    store = mechanism.store
    size = store.head().size

    before = confirmation(store)
    witnessing.cosign_latest(store, mechanism.keys["witness-pk"], LATER)
    one = confirmation(store)
    witnessing.cosign_latest(store, mechanism.keys["witness-af"], LATER)
    both = confirmation(store)
    _enrol(mechanism, "monitor-2", "monitor", None)  # a new checkpoint, not yet cosigned
    grown = confirmation(store)

    assert (before.size, before.cosigners, before.quorum_met, before.latest_confirmed) == (
        size,
        (),
        False,
        None,
    )
    assert (one.cosigners, one.quorum_met, one.latest_confirmed) == (("witness-pk",), False, None)
    assert (both.cosigners, both.quorum_met, both.latest_confirmed) == (
        ("witness-af", "witness-pk"),
        True,
        size,
    )
    assert (grown.size, grown.cosigners, grown.quorum_met, grown.latest_confirmed) == (
        size + 1,
        (),
        False,
        size,
    )


def test_the_api_serves_the_policy_and_the_confirmation(
    mechanism: Mechanism, database_url: str, tmp_path: Path
) -> None:
    store = mechanism.store
    for witness in ("witness-pk", "witness-af"):
        witnessing.cosign_latest(store, mechanism.keys[witness], LATER)
    with _client(database_url, tmp_path) as client:
        policy = client.get("/api/v1/log/policy")
        confirmed = client.get("/api/v1/log/confirmation")

    assert policy.status_code == 200
    assert policy.headers["content-type"].startswith("text/plain")
    parsed = parse_policy(policy.text)
    assert [w.name for w in parsed.witnesses] == ["witness-af", "witness-pk"]
    assert parsed.logs[0].to_text() == store.head().identity.log_vkey
    assert parsed.quorum == "group/parties"
    assert confirmed.status_code == 200
    assert confirmed.json() == {
        "checkpoint_size": store.head().size,
        "cosigners": ["witness-af", "witness-pk"],
        "quorum_met": True,
        "latest_confirmed_size": store.head().size,
        "policy_problem": None,
    }


def test_without_a_witness_for_a_party_nothing_can_be_confirmed(
    database_url: str, tmp_path: Path
) -> None:
    mechanism = make_mechanism(database_url, tmp_path)  # no witness enrolled
    try:
        with _client(database_url, tmp_path) as client:
            policy = client.get("/api/v1/log/policy")
            confirmed = client.get("/api/v1/log/confirmation").json()
    finally:
        mechanism.close()

    assert policy.status_code == 409
    assert "pk, af has no witness enrolled" in policy.json()["detail"]
    assert confirmed["quorum_met"] is False
    assert "no witness enrolled" in confirmed["policy_problem"]


# --- the policy written from the agreement (no store) ------------------------------------------

LOG_KEY = SigningKey.generate("ceasefire.test/x")
IDENTITY = LogIdentity(LOG_KEY.name, LOG_KEY.note_key().to_text())


def _witness(actor: str, affiliation: str, revoked_at: int | None = None) -> KeyRecord:
    key = SigningKey.generate(actor).public_key
    return KeyRecord(actor, key, "witness", 3, revoked_at, affiliation)


def test_policy_of_parties_and_any_mediator_with_two_witnesses_for_one_party() -> None:
    agreement = replace(load_bundled(), witnessing=WitnessRules("all", "any"))
    keys = [
        _witness("pk-w1", "pk"),
        _witness("pk-w2", "pk"),
        _witness("af-w", "af"),
        _witness("tr-w", "tr"),
        _witness("qa-old", "qa", revoked_at=9),
    ]

    policy = policy_for(agreement, IDENTITY, keys)

    assert [line.split()[1] for line in policy.to_text().splitlines()[1:5]] == [
        "af-w",
        "pk-w1",
        "pk-w2",
        "tr-w",
    ]
    assert policy.to_text().splitlines()[5:] == [
        "group party/pk any pk-w1 pk-w2",
        "group party/af any af-w",
        "group group/parties 2 party/pk party/af",
        "group mediator/tr any tr-w",
        "group group/mediators 1 mediator/tr",
        "group group/confirmed all group/parties group/mediators",
        "quorum group/confirmed",
    ]
    assert policy.quorum == "group/confirmed"
    assert policy.satisfied({"pk-w2", "af-w", "tr-w"})
    assert not policy.satisfied({"pk-w1", "pk-w2", "af-w"})
    assert policy.witness("qa-old") is None  # a revoked key no longer counts


def test_policy_refuses_when_a_needed_mediator_has_no_witness() -> None:
    agreement = replace(load_bundled(), witnessing=WitnessRules(1, "all"))
    keys = [_witness("pk-w", "pk"), _witness("tr-w", "tr")]

    with pytest.raises(Conflict, match=r"a witness of 2 of its mediators .*qa has no witness"):
        policy_for(agreement, IDENTITY, keys)


# --- the CLI ------------------------------------------------------------------------------------


def test_cli_prints_the_policy_and_verify_says_the_checkpoint_is_confirmed(
    bundle_file: Path,
) -> None:
    runner = CliRunner()
    data = str(bundle_file.parent / "store")

    policy = runner.invoke(app, ["log", "policy", "--data", data])
    verified = runner.invoke(app, ["verify", "--data", data])
    as_json = runner.invoke(app, ["verify", "--data", data, "--json"])

    assert policy.exit_code == 0, policy.output
    assert parse_policy(policy.output).quorum == "group/parties"
    assert verified.exit_code == 0, verified.output
    confirmed = f"checkpoint {DEMO_SIZE}: confirmed under the agreement's witness policy"
    assert confirmed in verified.output
    assert json.loads(as_json.output)["confirmation"] == {
        "checkpoint_size": DEMO_SIZE,
        "cosigners": ["witness-af", "witness-pk"],
        "quorum_met": True,
        "latest_confirmed_size": DEMO_SIZE,
        "problem": None,
    }
