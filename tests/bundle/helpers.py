"""Changing a bundle line by line, as a forger would, keeping every other byte."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

Line = dict[str, Any]


def lines(path: Path) -> list[Line]:
    return [json.loads(raw) for raw in path.read_bytes().splitlines()]


def write(path: Path, records: list[Line]) -> Path:
    text = "".join(
        json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
        for r in records
    )
    path.write_bytes(text.encode())
    return path


def changed(source: Path, target: Path, change: Callable[[list[Line]], list[Line]]) -> Path:
    return write(target, change(lines(source)))


def leaf(record: Line) -> bytes:
    return base64.b64decode(record["leaf"])


def with_leaf(record: Line, raw: bytes) -> Line:
    return {**record, "leaf": base64.b64encode(raw).decode()}


def find(records: list[Line], kind: str) -> list[int]:
    """Positions of the records of ``kind`` (the header has none)."""
    return [i for i, r in enumerate(records) if r.get("kind") == kind]
