"""The benchmarks' inputs: signed envelopes, fresh stores and big prebuilt stores.

Everything slow to make is cached in ``bench/.cache/`` under a name that carries its
parameters, and marked complete only once built, so an interrupted build starts again.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import struct
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Final

from sqlalchemy import create_engine, text

from ceasefire import bootstrap
from ceasefire.log.envelope import Envelope, sign_event
from ceasefire.log.keys import SigningKey
from ceasefire.services import keys as key_service
from ceasefire.services import log as log_service
from ceasefire.services.log import Submission
from ceasefire.settings import Settings
from ceasefire.storage import migrate
from ceasefire.storage.log_store import SqlLogStore

CACHE: Final = Path(__file__).parent / ".cache"
FORMAT: Final = "v1"
ORIGIN: Final = "ceasefire.bench/log"
PARTY: Final = "pk-liaison"
T0: Final = datetime(2025, 10, 19, 12, 0, tzinfo=UTC)
_LENGTH: Final = struct.Struct(">H")


def say(message: str) -> None:
    """Progress and cache notices go to stderr; the tables go to stdout."""
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Pool:
    """Envelopes signed by one enrolled party, and the keys of the log they were made for."""

    log_key: SigningKey
    operator_key: SigningKey
    party_key: SigningKey
    leaves: list[bytes]

    @property
    def tag(self) -> str:
        """Names caches built from this pool, so they are rebuilt if the pool is."""
        return self.party_key.public_key[:4].hex()

    def cycle(self, start: int, end: int) -> list[bytes]:
        """Leaves ``start..end-1`` of an endless repetition of the pool."""
        size = len(self.leaves)
        return [self.leaves[i % size] for i in range(start, end)]

    def envelopes(self, count: int) -> list[Envelope]:
        return [Envelope.from_leaf(leaf) for leaf in self.leaves[:count]]


def _sign(key: SigningKey, number: int) -> bytes:
    envelope, _ = sign_event(
        key,
        log=ORIGIN,
        actor=PARTY,
        type="note.added",
        time=T0 + timedelta(seconds=number),
        body={"kind": "shelling", "location": "Torkham crossing", "casualties": 0, "n": number},
    )
    return envelope.to_leaf()


def _write_pool(folder: Path, count: int) -> None:
    keys = {
        "log": SigningKey.generate(ORIGIN),
        "operator": SigningKey.generate("operator"),
        "party": SigningKey.generate(PARTY),
    }
    (folder / "keys.json").write_text(json.dumps({k: v.to_text() for k, v in keys.items()}))
    with (folder / "leaves.bin").open("wb") as out:
        for number in range(count):
            leaf = _sign(keys["party"], number)
            out.write(_LENGTH.pack(len(leaf)) + leaf)


def _read_leaves(path: Path) -> list[bytes]:
    data, leaves, at = path.read_bytes(), [], 0
    while at < len(data):
        (length,) = _LENGTH.unpack_from(data, at)
        leaves.append(data[at + 2 : at + 2 + length])
        at += 2 + length
    return leaves


def load_pool(count: int) -> Pool:
    folder = cached(f"pool-{count}-{FORMAT}", lambda f: _write_pool(f, count))
    texts: dict[str, str] = json.loads((folder / "keys.json").read_text())
    keys = {name: SigningKey.from_text(key) for name, key in texts.items()}
    leaves = _read_leaves(folder / "leaves.bin")
    return Pool(keys["log"], keys["operator"], keys["party"], leaves)


def cached(name: str, build: Callable[[Path], None]) -> Path:
    """``bench/.cache/<name>``, built by ``build(folder)`` unless a complete copy is there."""
    folder = CACHE / name
    if (folder / ".complete").exists():
        return folder
    say(f"building cache {folder} (once; reruns reuse it)")
    partial = CACHE / f"{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    shutil.rmtree(folder, ignore_errors=True)
    partial.mkdir(parents=True)
    build(partial)
    (partial / ".complete").touch()
    partial.rename(folder)
    return folder


@cache
def schema() -> str:
    """A digest of the migrations: part of every cached store's name, so that any change to
    the schema (even an edit of a revision not yet released) rebuilds the store."""
    versions = Path(migrate.__file__).parent / "migrations" / "versions"
    digest = hashlib.sha256()
    for path in sorted(versions.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"schema{digest.hexdigest()[:10]}"


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'ceasefire.db'}"


def new_log(url: str, pool: Pool) -> SqlLogStore:
    """A migrated store holding the genesis entry and the enrolment of the pool's party."""
    store = bootstrap.create_store(Settings(data=Path(tempfile.gettempdir()), database_url=url))
    log_service.initialise(store, ORIGIN, pool.log_key, pool.operator_key, T0)
    key_service.enrol(
        store,
        actor=PARTY,
        public_key=pool.party_key.public_key,
        role="monitor",
        operator_key=pool.operator_key,
        log_key=pool.log_key,
        clock=lambda: T0,
    )
    return store


def open_sqlite(folder: Path) -> SqlLogStore:
    return bootstrap.open_store(Settings(data=folder))


@contextmanager
def temporary_store(make: Callable[[str], SqlLogStore]) -> Iterator[SqlLogStore]:
    """A store ``make`` builds on a fresh SQLite file, deleted afterwards."""
    with tempfile.TemporaryDirectory(prefix="ceasefire-bench-") as folder:
        store = make(sqlite_url(Path(folder)))
        try:
            yield store
        finally:
            store.engine.dispose()


def temporary_sqlite(pool: Pool) -> AbstractContextManager[SqlLogStore]:
    return temporary_store(lambda url: new_log(url, pool))


def append_in_batches(store: SqlLogStore, pool: Pool, end: int, batch: int) -> None:
    """Grow the log to ``end`` leaves through the log layer, ``batch`` leaves a transaction."""
    for start in range(store.head().size, end, batch):
        with store.appending() as tx:
            leaves = pool.cycle(start, min(start + batch, end))
            log_service.append_leaves(tx, leaves, pool.log_key, T0)
        if start // batch % 10 == 0:
            say(f"  … {start + len(leaves):,} of {end:,} leaves")


def proof_store(size: int, pool: Pool) -> SqlLogStore:
    """A SQLite log of ``size`` leaves (pool envelopes, repeated), built once and cached."""

    def build(folder: Path) -> None:
        store = new_log(sqlite_url(folder), pool)
        append_in_batches(store, pool, size, batch=100_000)
        store.engine.dispose()

    return open_sqlite(cached(f"proofs-{size}-{schema()}-{FORMAT}", build))


def event_store(size: int, pool: Pool, batch: int) -> SqlLogStore:
    """A SQLite log of ``size`` distinct envelopes appended through ``services.log.append``."""

    def build(folder: Path) -> None:
        store = new_log(sqlite_url(folder), pool)
        envelopes = pool.envelopes(size - store.head().size)
        append_events(store, pool.log_key, submission_batches(envelopes, batch))
        store.engine.dispose()

    return open_sqlite(cached(f"events-{size}-{pool.tag}-{schema()}-{FORMAT}", build))


def submission_batches(envelopes: Sequence[Envelope], batch: int) -> list[list[Submission]]:
    return [
        [Submission(e) for e in envelopes[start : start + batch]]
        for start in range(0, len(envelopes), batch)
    ]


def append_events(store: SqlLogStore, log_key: SigningKey, batches: list[list[Submission]]) -> None:
    """The full event path: keyring admission, signature checks, leaves, checkpoint."""
    for batch in batches:
        log_service.append(store, batch, log_key, lambda: T0)


POSTGRES: Final = os.environ.get(
    "CEASEFIRE_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can."""
    engine = create_engine(POSTGRES, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to connect means "skip PostgreSQL"
        return f"PostgreSQL unreachable at {POSTGRES}: {exc}"
    finally:
        engine.dispose()
    return None


@contextmanager
def postgres_schema() -> Iterator[str]:
    """The URL of a fresh private schema, dropped afterwards."""
    schema = f"bench_{secrets.token_hex(6)}"
    admin = create_engine(POSTGRES)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def temporary_postgres_store(make: Callable[[str], SqlLogStore]) -> Iterator[SqlLogStore]:
    """A store ``make`` builds in a fresh PostgreSQL schema, dropped afterwards."""
    with postgres_schema() as url:
        store = make(url)
        try:
            yield store
        finally:
            store.engine.dispose()


def temporary_postgres(pool: Pool) -> AbstractContextManager[SqlLogStore]:
    return temporary_postgres_store(lambda url: new_log(url, pool))
