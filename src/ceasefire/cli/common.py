"""Options shared by every command, and the error-to-exit-code mapping."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from ceasefire.errors import (
    CeasefireError,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    StorageError,
    VerificationError,
)
from ceasefire.settings import Settings

DataOption = Annotated[
    Path | None,
    typer.Option("--data", help="Data folder [env CEASEFIRE_DATA; default ./ceasefire-data]."),
]
DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db "
        "[env CEASEFIRE_DATABASE_URL; default SQLite in the data folder].",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]

EXIT_CODES: dict[type[CeasefireError], int] = {
    InvalidInput: 3,
    NotFound: 4,
    Conflict: 5,
    PermissionDenied: 6,
    VerificationError: 7,
    StorageError: 8,
}
"""Exit codes by error type (the most specific class wins); 1 for any other CeasefireError."""


def exit_code(error: CeasefireError) -> int:
    for cls in type(error).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return 1


def settings(data: Path | None, database_url: str | None) -> Settings:
    return Settings.load(data=data, database_url=database_url)


def now() -> datetime:
    return datetime.now(UTC)


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
