"""Reading untrusted JSON-like documents (event bodies, agreement files) with precise errors.

Every value read through a :class:`Fields` knows its path (``location.latitude``,
``sources[2].reliability``), so a refusal always names the field at fault and says what was
expected and what was found. Unknown fields are refused: a document has one spelling.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Final, TypeVar

from ceasefire.errors import InvalidInput

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")

IDENT: Final = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
EVENT_ID: Final = re.compile(r"[0-9a-f]{32}")
SHA256: Final = re.compile(r"[0-9a-f]{64}")
DIGEST: Final = re.compile(r"sha256:[0-9a-f]{64}")
DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def join(path: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{path}[{name}]"
    return f"{path}.{name}" if path else name


def describe(value: object) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


class Fields:
    """A mapping read field by field; :meth:`done` refuses whatever was not read."""

    def __init__(self, value: object, path: str = "") -> None:
        if not isinstance(value, Mapping):
            raise InvalidInput(f"expected an object, found {describe(value)}", field=path or None)
        self._doc: Mapping[str | int, Any] = value
        self._path = path
        self._read: set[str | int] = set()

    @property
    def path(self) -> str:
        return self._path

    def where(self, name: str | int) -> str:
        return join(self._path, name)

    def has(self, name: str) -> bool:
        return name in self._doc and self._doc[name] is not None

    def raw(self, name: str | int) -> Any:
        self._read.add(name)
        if name not in self._doc or self._doc[name] is None:
            raise InvalidInput("is required", field=self.where(name))
        return self._doc[name]

    def optional(self, name: str, read: Callable[[str], T]) -> T | None:
        self._read.add(name)
        return read(name) if self.has(name) else None

    def text(self, name: str | int, *, max_length: int = 10_000, empty: bool = False) -> str:
        value = self.raw(name)
        if not isinstance(value, str):
            raise InvalidInput(
                f"expected a string, found {describe(value)}", field=self.where(name)
            )
        if not empty and not value.strip():
            raise InvalidInput("must not be empty", field=self.where(name))
        if len(value) > max_length:
            raise InvalidInput(
                f"expected at most {max_length} characters, found {len(value)}",
                field=self.where(name),
            )
        return value

    def matching(self, name: str, pattern: re.Pattern[str], expected: str) -> str:
        """A text that must match ``pattern`` in full; ``expected`` says what it should be."""
        value = self.text(name, max_length=80)
        if not pattern.fullmatch(value):
            raise InvalidInput(f"expected {expected}, found {value!r}", field=self.where(name))
        return value

    def event_id(self, name: str) -> str:
        return self.matching(name, EVENT_ID, "an event id (32 lowercase hex digits)")

    def sha256(self, name: str) -> str:
        """A file's SHA-256 as 64 lowercase hex digits."""
        return self.matching(name, SHA256, "64 lowercase hex digits")

    def digest(self, name: str) -> str:
        """A digest written ``sha256:`` and 64 hex digits."""
        return self.matching(name, DIGEST, "sha256: and 64 hex digits")

    def ident(self, name: str) -> str:
        value = self.text(name, max_length=64)
        if not IDENT.fullmatch(value):
            raise InvalidInput(
                f"expected an id of 1-64 of a-z 0-9 . _ - starting with a letter or digit, "
                f"found {value!r}",
                field=self.where(name),
            )
        return value

    def flag(self, name: str) -> bool:
        value = self.raw(name)
        if not isinstance(value, bool):
            raise InvalidInput(
                f"expected true or false, found {describe(value)}", field=self.where(name)
            )
        return value

    def integer(self, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
        value = self.raw(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput(
                f"expected an integer, found {describe(value)}", field=self.where(name)
            )
        _check_range(value, minimum, maximum, self.where(name))
        return value

    def number(
        self, name: str, *, minimum: float | None = None, maximum: float | None = None
    ) -> float:
        value = self.raw(name)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise InvalidInput(
                f"expected a number, found {describe(value)}", field=self.where(name)
            )
        _check_range(value, minimum, maximum, self.where(name))
        return float(value)

    def enum(self, name: str, kind: type[E]) -> E:
        value = self.text(name, max_length=64)
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(member.value for member in kind)
            raise InvalidInput(
                f"expected one of {allowed}, found {value!r}", field=self.where(name)
            ) from None

    def day(self, name: str) -> date:
        value = self.raw(name)
        if isinstance(value, date) and not isinstance(value, datetime):
            return value  # TOML has dates of its own
        if not isinstance(value, str) or not DATE.fullmatch(value):
            raise InvalidInput(
                f"expected a date YYYY-MM-DD, found {describe(value)}", field=self.where(name)
            )
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise InvalidInput(f"not a calendar date: {value!r}", field=self.where(name)) from exc

    def moment(self, name: str) -> datetime:
        value = self.text(name, max_length=32)
        if not _TIME.fullmatch(value):
            raise InvalidInput(
                f"expected a UTC time YYYY-MM-DDTHH:MM:SSZ, found {value!r}", field=self.where(name)
            )
        try:
            return datetime.fromisoformat(value)
        except ValueError as exc:
            raise InvalidInput(f"not a calendar time: {value!r}", field=self.where(name)) from exc

    def array(self, name: str, *, max_items: int = 1000, empty: bool = True) -> list[Any]:
        value = self.raw(name)
        if not isinstance(value, list):
            raise InvalidInput(f"expected a list, found {describe(value)}", field=self.where(name))
        if not empty and not value:
            raise InvalidInput("must not be empty", field=self.where(name))
        if len(value) > max_items:
            raise InvalidInput(
                f"expected at most {max_items} items, found {len(value)}", field=self.where(name)
            )
        return value

    def items(self, name: str, read: Callable[[Fields], T], **limits: Any) -> tuple[T, ...]:
        """Each element of the list ``name``, an object read by ``read`` (which calls done)."""
        values = self.array(name, **limits) if self.has(name) else []
        self._read.add(name)
        return tuple(read(Fields(v, self.where(name) + f"[{i}]")) for i, v in enumerate(values))

    def texts(self, name: str, *, ident: bool = False, **limits: Any) -> tuple[str, ...]:
        """The list ``name`` of strings (absent means empty); ``ident`` checks each is an id."""
        values = self.array(name, **limits) if self.has(name) else []
        self._read.add(name)
        found: list[str] = []
        items = Fields(dict(enumerate(values)), self.where(name))
        for i in range(len(values)):
            where = items.where(i)
            item = items.text(i, max_length=64 if ident else 10_000)
            if ident and not IDENT.fullmatch(item):
                raise InvalidInput(f"expected an id, found {item!r}", field=where)
            found.append(item)
        return tuple(found)

    def object(self, name: str) -> Fields:
        return Fields(self.raw(name), self.where(name))

    def done(self) -> None:
        unknown = sorted(set(self._doc) - self._read)
        if unknown:
            raise InvalidInput(
                f"unknown field {unknown[0]!r}"
                + (f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""),
                field=self.where(unknown[0]),
            )


def _check_range(value: float, minimum: float | None, maximum: float | None, where: str) -> None:
    if minimum is not None and value < minimum:
        raise InvalidInput(f"expected at least {minimum}, found {value}", field=where)
    if maximum is not None and value > maximum:
        raise InvalidInput(f"expected at most {maximum}, found {value}", field=where)


def unique(ids: list[str] | tuple[str, ...], where: str, what: str) -> None:
    """Refuse an id used twice, naming the second use."""
    seen: set[str] = set()
    for i, value in enumerate(ids):
        if value in seen:
            raise InvalidInput(f"{what} {value!r} is used twice", field=f"{where}[{i}]")
        seen.add(value)


def build(f: Fields, make: Callable[[], T]) -> T:
    """Refuse unknown fields of ``f``, then make the value, placing its errors under ``f``."""
    f.done()
    try:
        return make()
    except InvalidInput as exc:
        where = join(f.path, exc.field) if exc.field else f.path
        raise InvalidInput(exc.message, field=where or None) from None
