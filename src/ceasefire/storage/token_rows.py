"""The HTTP API's bearer tokens and idempotency keys (``api_tokens``, ``api_idempotency``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Row, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from ceasefire.log.keyring import KeyRecord
from ceasefire.services.ports import TokenRow
from ceasefire.storage.engine import WRITE
from ceasefire.storage.tables import api_idempotency, api_tokens, log_keys

_TOKEN_WITH_KEYS = (
    select(
        api_tokens,
        log_keys.c.public_key,
        log_keys.c.role,
        log_keys.c.enrolled_at,
        log_keys.c.affiliation,
    )
    .outerjoin(log_keys, (log_keys.c.actor == api_tokens.c.actor) & log_keys.c.revoked_at.is_(None))
    .where(api_tokens.c.digest == bindparam("digest"))
    .order_by(log_keys.c.enrolled_at)
)


def add_token(engine: Engine, row: TokenRow) -> None:
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        connection.execute(
            insert(api_tokens).values(
                id=row.id,
                actor=row.actor,
                digest=row.digest,
                created_at=row.created_at.astimezone(UTC),
                revoked_at=None,
            )
        )


def token_with_keys(engine: Engine, digest: bytes) -> tuple[TokenRow, list[KeyRecord]] | None:
    """The token and its actor's unrevoked keys in one query (every request makes it).

    On PostgreSQL the one statement runs outside a transaction: a BEGIN before it and a
    ROLLBACK after it are two more round trips for every request, and one statement reads one
    snapshot anyway."""
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
    with connection:
        rows = connection.execute(_TOKEN_WITH_KEYS, {"digest": digest}).all()
    if not rows:
        return None
    token = _token(rows[0])
    keys = [
        KeyRecord(
            actor=token.actor,
            public_key=bytes(row.public_key),
            role=row.role,
            enrolled_at=row.enrolled_at,
            affiliation=row.affiliation,
        )
        for row in rows
        if row.public_key is not None
    ]
    return token, keys


def revoke_token(engine: Engine, token_id: str, at: datetime) -> bool:
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        changed = connection.execute(
            update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at.astimezone(UTC))
        ).rowcount
    return changed == 1


def tokens(engine: Engine) -> list[TokenRow]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(api_tokens).order_by(api_tokens.c.created_at, api_tokens.c.id)
        ).all()
    return [_token(row) for row in rows]


def idempotent_event(engine: Engine, actor: str, key: str) -> str | None:
    with engine.connect() as connection:
        found = connection.execute(
            select(api_idempotency.c.event_id).where(
                api_idempotency.c.actor == actor, api_idempotency.c.key == key
            )
        ).scalar_one_or_none()
    return None if found is None else str(found)


def remember_idempotency(engine: Engine, actor: str, key: str, event_id: str, at: datetime) -> None:
    """Insert the key; a concurrent request that recorded it first wins (the row is kept)."""
    try:
        with engine.connect().execution_options(**WRITE) as connection, connection.begin():
            connection.execute(
                insert(api_idempotency).values(
                    actor=actor, key=key, event_id=event_id, created_at=at.astimezone(UTC)
                )
            )
    except IntegrityError:
        return


def _utc(value: datetime | None) -> datetime | None:
    # SQLite keeps no offset: times are written in UTC and read back as UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _token(row: Row[Any]) -> TokenRow:
    created = _utc(row.created_at)
    assert created is not None
    return TokenRow(
        id=row.id,
        actor=row.actor,
        digest=bytes(row.digest),
        created_at=created,
        revoked_at=_utc(row.revoked_at),
    )
