"""Options shared by every command, and the error-to-exit-code mapping."""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Final

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
from ceasefire.log.keys import VerifierKey
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

# The exit codes of every command, one table (README, "Exit codes"). A command never picks a
# number: it raises the error its failure is (``main._Root`` maps it), or exits with one of
# these names for a failure it reports itself (a check that found problems).
EXIT_OK: Final = 0
EXIT_ERROR: Final = 1
"""A CeasefireError of none of the types below (an answer of a server it cannot class)."""
EXIT_USAGE: Final = 2
"""Typer's: an unknown option, a missing argument, a value outside an option's choices."""
EXIT_CODES: Final[dict[type[CeasefireError], int]] = {
    InvalidInput: 3,  # a value or file it cannot take, a place it cannot write; an ambiguous id
    NotFound: 4,  # a report, case, actor or index, a key or input file, that is not there
    Conflict: 5,  # the record forbids it now (a case's state, an event already recorded)
    PermissionDenied: 6,  # the key is unknown, revoked or not allowed to do this
    VerificationError: 7,  # a signature, proof or check failed; a witness's alarm
    StorageError: 8,  # the store cannot be used, or a server cannot be reached or failed
}
"""Exit codes by error type (the most specific class wins)."""
EXIT_VERIFICATION_FAILED: Final = EXIT_CODES[VerificationError]


def exit_code(error: CeasefireError) -> int:
    for cls in type(error).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return EXIT_ERROR


def unreadable(
    path: Path | str, problem: OSError | UnicodeDecodeError, field: str
) -> CeasefireError:
    """The error for a file named on the command line that cannot be read: NotFound when there
    is no such file (as for a key file or a photo), InvalidInput when it cannot be read."""
    if isinstance(problem, FileNotFoundError):
        return NotFound(f"no file at {path}", field=field)
    reason = problem.strerror if isinstance(problem, OSError) and problem.strerror else problem
    return InvalidInput(f"cannot read {path}: {reason}", field=field)


def verifier_key(text: str, field: str) -> VerifierKey:
    """A verifier key given on the command line: the key itself (C2SP vkey text, which holds a
    ``+``) or the path of a file holding it."""
    if "+" not in text:
        try:
            text = Path(text).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise unreadable(text, exc, field) from exc
    try:
        return VerifierKey.from_text(text)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field=field) from None


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


def must_exist(path: Path, field: str) -> None:
    """NotFound for an input file that is not there, before any work is done: the readers
    below the CLI may say only that they cannot read it (an InvalidInput)."""
    if not path.exists():
        raise NotFound(f"no file at {path}", field=field)


def read_document(path: Path) -> dict[str, Any]:
    """A JSON or YAML object from a file (YAML by the .yaml/.yml suffix), or InvalidInput
    naming the file and the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise unreadable(path, exc, "file") from exc
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
