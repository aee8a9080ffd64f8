"""Composition root: builds the concrete store and keys from explicit settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ceasefire.domain.evidence import Limits
from ceasefire.errors import StorageError
from ceasefire.log.keys import SigningKey
from ceasefire.settings import Settings
from ceasefire.storage import migrate
from ceasefire.storage.blobs import FileBlobStore
from ceasefire.storage.engine import make_engine
from ceasefire.storage.keyfiles import read_key
from ceasefire.storage.log_store import SqlLogStore


def create_store(settings: Settings) -> SqlLogStore:
    """A store on a fresh or current schema: migrations are applied first."""
    settings.data.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    migrate.upgrade(engine)
    return SqlLogStore(engine)


def open_store(settings: Settings) -> SqlLogStore:
    """A store that must already exist with an up-to-date schema."""
    url = settings.resolved_database_url
    if settings.database_url is None and not (settings.data / "ceasefire.db").exists():
        raise StorageError(
            f"no store in {settings.data}: run `ceasefire init --data {settings.data}` first, or "
            "pass --data / --database-url (env CEASEFIRE_DATA / CEASEFIRE_DATABASE_URL)"
        )
    engine = make_engine(url)
    current = migrate.current_revision(engine)
    if current != migrate.HEAD:
        raise StorageError(
            f"the database schema is at revision {current}, this code needs {migrate.HEAD}: "
            "run `ceasefire db upgrade`"
        )
    return SqlLogStore(engine)


@contextmanager
def opened(settings: Settings, *, create: bool = False) -> Iterator[SqlLogStore]:
    """The store for one command, its connections closed afterwards."""
    store = create_store(settings) if create else open_store(settings)
    try:
        yield store
    finally:
        store.close()


def log_key(settings: Settings) -> SigningKey:
    return read_key(settings.log_key_path)


def operator_key(settings: Settings) -> SigningKey:
    return read_key(settings.operator_key_path)


def blob_store(settings: Settings) -> FileBlobStore:
    """The evidence locker in the data folder."""
    return FileBlobStore(settings.evidence_dir)


def evidence_limits(settings: Settings) -> Limits:
    return Limits(
        max_bytes=settings.max_evidence_mb * 1024 * 1024,
        max_pixels=settings.max_image_megapixels * 1_000_000,
    )
