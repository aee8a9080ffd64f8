"""Options shared by every command, and the error-to-exit-code mapping."""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

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


KeyOption = Annotated[
    Path,
    typer.Option(
        "--key",
        help="The acting actor's private key file: the CLI signs as that actor "
        "[env CEASEFIRE_KEY].",
        envvar="CEASEFIRE_KEY",
    ),
]
AsOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Read as this enrolled actor (what its role may see) [default: the public].",
    ),
]


def read_document(path: Path) -> dict[str, Any]:
    """A JSON or YAML object from a file (YAML by the .yaml/.yml suffix), or InvalidInput
    naming the file and the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}", field="file") from exc
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f":{mark.line + 1}" if mark is not None else ""
            raise InvalidInput(f"{path}{where}: not valid YAML: {exc}", field="file") from exc
        # YAML reads dates as dates; the record speaks JSON, where a date is a string
        value = json.loads(json.dumps(value, default=str))
    else:
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                f"{path}:{exc.lineno}: not valid JSON: {exc.msg} at column {exc.colno}",
                field="file",
            ) from exc
    if not isinstance(value, dict):
        raise InvalidInput(
            f"{path}: expected an object, found {type(value).__name__}", field="file"
        )
    return value


def writable(path: Path | None, field: str) -> None:
    """Refuse ``path`` (for ``field``, e.g. ``--rejects``) unless a file can be written there,
    before any work is done: an import must not append its rows and then fail to write the
    rejects beside them."""
    if path is None:
        return
    folder = path.parent
    if path.is_dir():
        raise InvalidInput(f"cannot write {path}: it is a folder", field=field)
    if not folder.is_dir():
        raise InvalidInput(f"cannot write {path}: there is no folder {folder}", field=field)
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InvalidInput(f"cannot write {path}: permission denied", field=field)
