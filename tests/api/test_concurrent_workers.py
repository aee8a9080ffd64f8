"""Two ``ceasefire serve`` workers appending to one PostgreSQL log at once.

The real command runs as a child process on a free port; two liaisons post client-signed
reports from many threads. Every post must get a receipt that verifies, and the log must come
out whole: contiguous indices, each event exactly once, at the index its receipt names, and
``ceasefire verify`` content with it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final

import httpx
import pytest

from ceasefire.log.envelope import Envelope
from ceasefire.log.hashing import leaf_hash
from ceasefire.log.receipt import Receipt, verify_receipt
from ceasefire.services import tokens as token_service
from ceasefire.services.verify import verify_store
from ceasefire.settings import Settings
from ceasefire.storage.keyfiles import write_key
from tests.api.conftest import payload, signed
from tests.record_factories import Mechanism, make_mechanism
from tests.report_bodies import allegation_body

EVENTS: Final = 200
THREADS: Final = 16
LIAISONS: Final = ("af_liaison", "pk_liaison")
CEASEFIRE: Final = Path(sys.executable).with_name("ceasefire")

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def report(persona: str, n: int) -> dict[str, Any]:
    """Report ``n``, each unlike the others (the record refuses the same report twice), alleged
    against the other party."""
    if persona == "af_liaison":
        return allegation_body(narrative=f"Aircraft struck a compound (report {n}).")
    return allegation_body(
        alleged_party="af",
        act="artillery_fire",
        actors=["Afghan border forces"],
        narrative=f"Mortar fire hit a checkpost near Chaman (report {n}).",
    )


def start_server(settings: Settings, port: int, output: Path) -> subprocess.Popen[bytes]:
    assert settings.database_url is not None
    command = [
        str(CEASEFIRE),
        "serve",
        *("--workers", "2", "--port", str(port)),
        *("--data", str(settings.data), "--database-url", settings.database_url),
    ]
    unlimited = str(1_000_000)  # the rate limits are not under test: all posts share one address
    env = os.environ | {
        "CEASEFIRE_API_RATE_PER_MINUTE": unlimited,
        "CEASEFIRE_API_ADDRESS_RATE_PER_MINUTE": unlimited,
    }
    with output.open("wb") as sink:
        # a session of its own, so stopping it stops its workers too
        return subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=sink,
            start_new_session=True,
        )


def stop_server(process: subprocess.Popen[bytes]) -> None:
    for how, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
        if process.poll() is not None:
            break
        os.killpg(process.pid, how)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue


def wait_ready(base: str, process: subprocess.Popen[bytes], output: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server exited:\n{output.read_text()[-4000:]}"
        try:
            if httpx.get(f"{base}/log/checkpoint", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"the server was not ready in 30 s:\n{output.read_text()[-4000:]}")


def post_all(base: str, documents: list[tuple[str, dict[str, Any]]]) -> list[httpx.Response]:
    """Post each ``(token, document)`` from a pool of threads, a client per thread."""

    def post(chunk: list[tuple[str, dict[str, Any]]]) -> list[httpx.Response]:
        with httpx.Client(base_url=base, timeout=30) as client:
            return [
                client.post("/events", json=doc, headers={"Authorization": f"Bearer {token}"})
                for token, doc in chunk
            ]

    chunks = [documents[i::THREADS] for i in range(THREADS)]
    with ThreadPoolExecutor(THREADS) as pool:
        return [response for answers in pool.map(post, chunks) for response in answers]


def check_log(mechanism: Mechanism, posted: list[Envelope], receipts: list[Receipt]) -> None:
    size = mechanism.size()
    entries = list(mechanism.store.entries(0, size))
    assert [index for index, _ in entries] == list(range(size)), "gaps or repeats in the log"
    ids = Counter(Envelope.from_leaf(leaf).id for _, leaf in entries)
    assert all(ids[envelope.id] == 1 for envelope in posted), "an event is not in the log once"
    assert sorted(r.index for r in receipts) == list(range(size - len(posted), size))
    for receipt in receipts:
        leaf = entries[receipt.index][1]
        assert (Envelope.from_leaf(leaf).id, leaf_hash(leaf)) == (
            receipt.event_id,
            receipt.leaf_hash,
        )
    verified = verify_store(mechanism.store, records=mechanism.store)
    assert verified.ok, verified.problems


def test_two_workers_append_concurrent_posts_once_each_without_gaps(
    postgres_url: str, tmp_path: Path
) -> None:
    settings = Settings(data=tmp_path / "data", database_url=postgres_url)
    mechanism = make_mechanism(postgres_url, settings.data)
    try:
        write_key(settings.log_key_path, mechanism.log_key)
        tokens = {
            persona: token_service.create(
                mechanism.store, mechanism.actor(persona).id, mechanism.now
            ).secret
            for persona in LIAISONS
        }
        personas = [LIAISONS[n % 2] for n in range(EVENTS)]
        envelopes = [signed(mechanism, p, body=report(p, n))[0] for n, p in enumerate(personas)]
        documents = [(tokens[p], payload(e)) for p, e in zip(personas, envelopes, strict=True)]
        answers = serve_and_post(settings, tmp_path / "serve.out", documents)
        refused = [a.text for a in answers if a.status_code != 201]
        assert not refused, f"{len(refused)} posts refused, e.g. {refused[:3]}"
        note_key = mechanism.log_key.note_key()
        receipts = [verify_receipt(a.json()["receipt"], note_key) for a in answers]
        assert sorted(r.event_id for r in receipts) == sorted(e.id for e in envelopes)
        check_log(mechanism, envelopes, receipts)
    finally:
        mechanism.close()


def serve_and_post(
    settings: Settings, output: Path, documents: list[tuple[str, dict[str, Any]]]
) -> list[httpx.Response]:
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    server = start_server(settings, port, output)
    try:
        wait_ready(base, server, output)
        return post_all(base, documents)
    finally:
        stop_server(server)
