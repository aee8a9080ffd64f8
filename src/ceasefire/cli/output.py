"""Everything the CLI shows: data to stdout, decoration and progress to stderr (Rich)."""

from __future__ import annotations

import json
import sys
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Final

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

_err = Console(stderr=True, highlight=False)


def data(text: str) -> None:
    """A line of output for machines and pipes (stdout, no markup)."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()  # keep data and the messages on stderr in order when piped


def json_line(value: Any) -> None:
    data(json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=_plain))


def _plain(value: object) -> object:
    """What JSON has no type for, as the API writes it: a moment or a day in ISO 8601, an
    enumeration by its value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} has no JSON form")


def info(message: str) -> None:
    _err.print(message, soft_wrap=True)


def warning(what: str, message: str) -> None:
    """A ``⚠ what:`` line on stderr: something recorded as given that its author should know;
    the message is text, not markup (as for :func:`error`)."""
    _err.print(f"[yellow]⚠ {escape(what)}:[/] {escape(message)}", soft_wrap=True)


def error(message: str) -> None:
    """An error's message as it was written: its square brackets (a list of keys, a field
    path) are text, not Rich markup to be swallowed."""
    _err.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)


ID_WIDTH: Final = 9
"""The narrowest an id column gets: 8 characters and an ellipsis, the shortest prefix the
commands accept for an id (``services.ids``)."""


def table(
    title: str, columns: list[str], rows: list[list[str]], *, ids: Collection[str] = ("id",)
) -> None:
    """A table for people; written to stdout (it is the command's data). The ``ids`` columns
    hold ids: kept on one line and never cut below 8 characters, so what shows can be typed
    back."""
    view = Table(title=title, show_lines=False)
    for column in columns:
        if column in ids:
            view.add_column(column, min_width=ID_WIDTH, overflow="ellipsis")
        else:
            view.add_column(column)
    for row in rows:
        view.add_row(*row)
    Console(highlight=False).print(view)


@dataclass(frozen=True)
class Branch:
    """A line of a tree for people and the lines under it; ``holds`` colours it (True green,
    False red, None plain)."""

    text: str
    holds: bool | None = None
    children: tuple[Branch, ...] = ()


def tree(root: Branch) -> None:
    """A tree for people; written to stdout (it is the command's data). Texts are shown as
    they are, never read as markup."""
    view = Tree(_line(root))
    stack = [(view, root)]
    while stack:
        node, branch = stack.pop()
        for child in branch.children:
            stack.append((node.add(_line(child)), child))
    Console(highlight=False).print(view)


def _line(branch: Branch) -> Text:
    style = {True: "green", False: "red", None: ""}[branch.holds]
    return Text(branch.text, style=style)


class ProgressBar:
    """Adapter from the services' ``progress(stage, done, total)`` callback to a Rich bar."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self._tasks:
            self._tasks[stage] = self._progress.add_task(stage, total=max(total, 1))
        self._progress.update(self._tasks[stage], completed=done, total=max(total, 1))


@contextmanager
def progress_bar() -> Iterator[ProgressBar]:
    columns = (
        TextColumn("{task.description:>10}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=_err, transient=True, disable=not _err.is_terminal) as bar:
        yield ProgressBar(bar)
