"""The log pushes its checkpoints to witnesses that speak C2SP add-checkpoint (the public
witness network's way), here to this project's own witness side of the protocol in process:
the first push is cosigned; a witness that knows another size answers 409 and the push is made
again from there with the consistency proof; a cosignature by a key the log has not enrolled
as a witness is reported and not kept; an unreachable witness is said so."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from ceasefire import bootstrap
from ceasefire.log.keys import SigningKey, VerifierKey
from ceasefire.settings import Settings
from ceasefire.storage.keyfiles import read_key
from ceasefire.storage.log_store import SqlLogStore
from ceasefire.witness.protocol import add_checkpoint
from ceasefire.witness.push import push
from ceasefire.witness.state import LogState, StateFile
from tests.witness.conftest import ceasefire


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "log"
    ceasefire("init", "--data", str(folder), "--origin", "ceasefire.test/push", check=True)
    ceasefire("actors", "enrol", "witness-tr", "--role", "witness", "--for", "tr",
              "--data", str(folder), check=True)  # fmt: skip
    return folder


@contextmanager
def opened(data: Path) -> Iterator[SqlLogStore]:
    with bootstrap.opened(Settings(data=data)) as store:
        yield store


def witness_of(store: SqlLogStore, folder: Path, key: SigningKey) -> httpx.Client:
    """An HTTP client whose every request is answered by the witness side of the protocol."""
    state = StateFile(folder)
    vkey = VerifierKey.from_text(store.head().identity.log_vkey)
    state.put(LogState(vkey.name, vkey.to_text()))

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/witness/add-checkpoint"
        reply = add_checkpoint(request.content, state, key, lambda: datetime.now(UTC), {vkey.name})
        return httpx.Response(
            reply.status, text=reply.body, headers={"content-type": reply.content_type}
        )

    return httpx.Client(transport=httpx.MockTransport(answer), base_url="http://witness")


def test_the_log_pushes_its_checkpoint_and_keeps_the_cosignature(
    data: Path, tmp_path: Path
) -> None:
    key = read_key(data / "keys" / "witness-tr.key")
    with opened(data) as store, witness_of(store, tmp_path / "w", key) as client:
        first = push(store, "http://witness/witness", client)
        assert (first.status, first.cosigned_by, first.refused) == (200, ("witness-tr",), ())
        assert [row.name for row in store.cosignatures(first.size)] == ["witness-tr"]
        # The log grows; pushing from 0 again, the witness answers its size (409) and the
        # push is made once more from there, with the consistency proof.
        ceasefire("actors", "enrol", "monitor-x", "--role", "monitor", "--data", str(data),
                  check=True)  # fmt: skip
    with opened(data) as store, witness_of(store, tmp_path / "w", key) as client:
        second = push(store, "http://witness/witness", client)
        assert second.status == 200 and second.size > first.size
        assert second.cosigned_by == ("witness-tr",)


def test_a_cosignature_by_a_key_not_enrolled_is_reported_not_kept(
    data: Path, tmp_path: Path
) -> None:
    stranger = SigningKey.generate("public-witness")
    with opened(data) as store, witness_of(store, tmp_path / "w", stranger) as client:
        pushed = push(store, "http://witness/witness", client)
        assert pushed.status == 200 and not pushed.ok
        assert pushed.cosigned_by == () and "not an enrolled witness key" in pushed.refused[0]
        assert store.cosignatures(pushed.size) == []


def test_an_unreachable_witness_is_said_so(data: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with opened(data) as store, httpx.Client(transport=httpx.MockTransport(refuse)) as client:
        pushed = push(store, "http://nowhere", client)
    assert pushed.status == 0 and "unreachable" in pushed.detail


def test_the_push_command_prints_what_each_witness_answered(data: Path) -> None:
    result = ceasefire(
        "log", "push-witness", "http://127.0.0.1:9/none", "--data", str(data), "--json"
    )
    assert result.returncode == 7, result.stderr
    assert '"status": 0' in result.stdout and "unreachable" in result.stdout
