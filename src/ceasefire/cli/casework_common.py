"""What the casework commands (case, finding, penalty, meeting, incident, status) share: the
signer a command acts as, the ids it names resolved from the prefixes a user may type
(``services.ids``), the line it prints for the event it appended, the ``--as-of`` moment, and
plain JSON for the domain's dataclasses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from ceasefire import bootstrap
from ceasefire.cli import output
from ceasefire.cli.common import now, settings
from ceasefire.domain import moments
from ceasefire.domain.enforcement_explain import iso_time
from ceasefire.services import casework, ids
from ceasefire.services.ports import Store
from ceasefire.storage.keyfiles import read_key

EvidenceOption = Annotated[
    list[str] | None,
    typer.Option("--evidence", help="SHA-256 of a file in the locker it rests on (repeat)."),
]
ReportsOption = Annotated[
    list[str] | None,
    typer.Option("--report", help="A report it rests on, by id or prefix (repeat)."),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="As of YYYY-MM-DD (the end of that day, UTC) or YYYY-MM-DDTHH:MM:SSZ [default: now].",
    ),
]


@contextmanager
def signing(
    key: Path, data: Path | None, database_url: str | None
) -> Iterator[tuple[Store, casework.Signer]]:
    """The store, and the signer ``key`` makes of the command's user."""
    config = settings(data, database_url)
    with bootstrap.opened(config) as store:
        yield store, casework.Signer(read_key(key), bootstrap.log_key(config), now)


def append(
    key: Path, data: Path | None, database_url: str | None, event_type: str, body: dict[str, Any]
) -> casework.Recorded:
    """Sign and append one event whose body the command has built, each id it names (a case,
    a penalty, reports…) resolved first: the user may have typed a prefix, the log holds the
    whole id."""
    with signing(key, data, database_url) as (store, signer):
        return casework.record(store, signer, event_type, ids.resolve_body(store, body))


@contextmanager
def reading(data: Path | None, database_url: str | None) -> Iterator[Store]:
    with bootstrap.opened(settings(data, database_url)) as store:
        yield store


def attached(files: list[str] | None, reports: list[str] | None) -> dict[str, Any]:
    """The ``evidence`` and ``reports`` an event cites, left out when there are none."""
    cited: dict[str, Any] = {}
    if files:
        cited["evidence"] = files
    if reports:
        cited["reports"] = reports
    return cited


def done(verb: str, what: str, recorded: casework.Recorded, json: bool, **extra: Any) -> None:
    """The event appended: its id on stdout (for scripts), where it went on stderr."""
    index = recorded.appended.indices.start
    if json:
        output.json_line({"id": recorded.id, "index": index, "status": verb, **extra})
        return
    output.info(f"[green]{verb}[/] {what} at index {index}")
    output.data(recorded.id)


def as_of(text: str | None) -> datetime:
    """``--as-of``: a day means the end of that day (UTC); a time must carry its zone; within
    the bound of ``domain.moments`` seen from this machine's clock."""
    return now() if text is None else moments.bounded_as_of(text, now=now(), field="as-of")


def cited(indices: tuple[int, ...]) -> str:
    """Log indices as a reader follows them: ``[#18 #19]``."""
    return f" [{' '.join(f'#{i}' for i in indices)}]" if indices else ""


def when(moment: datetime | None) -> str:
    return iso_time(moment) if moment is not None else "—"
