"""Canonical JSON for log entries: RFC 8785, the JSON Canonicalization Scheme (JCS).

Every leaf of the log is the canonical JSON of an object, so the bytes a signer signs, the bytes
the log stores and the bytes a verifier re-derives years later are the same bytes. A document is
accepted only in that one form: :func:`parse_canonical` refuses anything that does not
re-serialise to itself byte for byte, so no two leaves can mean the same thing.

The values allowed are the I-JSON subset (RFC 7493) that RFC 8785 is defined on:

- objects with string keys, no key twice; arrays; ``true``, ``false``, ``null``;
- strings of Unicode scalar values (no lone surrogates), UTF-8 encoded;
- numbers that are IEEE 754 doubles: finite floats, and integers within ±(2**53 − 1) (beyond
  that an integer cannot be told apart from its neighbours once parsed as a double). Numbers are
  written in the ECMAScript form of RFC 8785 §3.2.2.3: ``1.0`` is ``1``, ``1e21`` is ``1e+21``;
- at most :data:`MAX_DEPTH` nested objects and arrays. An explicit limit, rather than whatever
  recursion depth a runtime allows, keeps "is this leaf valid?" the same answer everywhere.

A parsed number is what a JavaScript verifier would see: an ``int`` when it is an integer in the
safe range, otherwise a ``float``. :func:`canonical_copy` gives that view of any value.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any, Final

import rfc8785

from ceasefire.errors import InvalidInput

MAX_DEPTH: Final = 32
MAX_SAFE_INTEGER: Final = 2**53 - 1
_SAFE_DIGITS: Final = len(str(MAX_SAFE_INTEGER))
_CONTEXT: Final = 24
_STR_ONLY: Final = frozenset({str})


class _Refused(Exception):
    """Raised inside :func:`json.loads` hooks; turned into InvalidInput naming the document."""


def canonical_json(value: object, *, what: str = "value") -> bytes:
    """The RFC 8785 canonical JSON of ``value`` (objects, lists, tuples, str, int, float, bool,
    None). InvalidInput names the path of the first value that has no canonical form."""
    return _encode(value, what)[0]


def canonical_form(value: object, *, what: str = "value") -> tuple[bytes, Any]:
    """``(canonical_json(value), canonical_copy(value))``, encoding ``value`` only once."""
    data, standard = _encode(value, what)
    # What the standard library wrote holds only safe integers and floats that are not
    # integral, which its parser reads back exactly as _loads would, without the hooks.
    return data, json.loads(data) if standard else _loads(data.decode(), what)


def canonical_copy(value: object, *, what: str = "value") -> Any:
    """``value`` as a parser of its canonical JSON sees it: fresh containers, ``1.0`` as ``1``."""
    return canonical_form(value, what=what)[1]


def _encode(value: object, what: str) -> tuple[bytes, bool]:
    """The canonical JSON of ``value``, and whether the standard library's encoder wrote it."""
    data = _fast_json(value)
    if data is not None:
        return data, True
    plain = _plain(value, what, 0)  # refuses, naming its path, what has no canonical form
    data = _fast_json(plain)  # integral floats, the usual reason to be here, are ints in plain
    if data is not None:
        return data, True
    return rfc8785.dumps(plain), False


def _fast_json(value: object) -> bytes | None:
    """The standard library's compact, key-sorted JSON of ``value`` when :func:`_plain_json`
    shows that it is already the RFC 8785 form (the common case, at C speed); None otherwise,
    and the careful path through ``rfc8785`` decides and names what is wrong."""
    if not _plain_json(value):
        return None
    try:
        return _dumps(value).encode()
    except UnicodeEncodeError:
        return None  # a lone surrogate


def _dumps(value: object) -> str:
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    )


def _plain_json(value: object) -> bool:
    """Whether the standard library's compact, key-sorted JSON of ``value`` is its RFC 8785
    form. It is when every container is a dict, list or tuple at most :data:`MAX_DEPTH` deep,
    every key a str of the Basic Multilingual Plane (where code-point order is UTF-16 order),
    every integer safe, every float one that Python and ECMAScript spell alike (not integral,
    1e-4 <= |x| < 1e16: shortest round-trip digits, no exponent), and every other scalar a
    str, bool or None, all of exact types. Strings are left to the encoder: a lone surrogate
    fails to encode as UTF-8. This runs on every value signed or parsed, so it is a loop over
    an explicit stack that looks at each string only to skip it, and checks keys all at once."""
    keys: list[object] = []
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        kind = type(item)
        children: Iterable[object]
        if kind is dict or kind is list or kind is tuple:
            if depth >= MAX_DEPTH:
                return False
            if kind is dict:
                assert isinstance(item, dict)
                keys.extend(item)
                children = item.values()
            else:
                assert isinstance(item, list | tuple)
                children = item
        else:
            children, depth = (item,), depth - 1  # a bare scalar: a member of no container
        for child in children:
            kind = type(child)
            if kind is str:
                continue
            if kind is dict or kind is list or kind is tuple:
                stack.append((child, depth + 1))
            elif not _plain_scalar(child):
                return False
    return _plain_keys(keys)


def _plain_keys(keys: list[object]) -> bool:
    if not set(map(type, keys)) <= _STR_ONLY:
        return False
    joined = "".join(keys)  # type: ignore[arg-type]  # checked just above
    return joined.isascii() or max(joined) < "\U00010000"


def _plain_scalar(value: object) -> bool:
    kind = type(value)
    if kind is int:
        assert isinstance(value, int)
        return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER
    if kind is float:
        assert isinstance(value, float)
        return 1e-4 <= abs(value) < 1e16 and not value.is_integer()
    return value is None or kind is bool


def parse_canonical(data: bytes, what: str) -> dict[str, Any]:
    """Parse ``data`` as a JSON object that must already be in canonical form.

    Refuses, with InvalidInput naming ``what``: bytes that are not UTF-8, text that is not JSON,
    ``NaN``/``Infinity``, a key given twice, a document that is not an object, and any document
    that differs from its canonical form (whitespace, key order, number or string spelling).
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"expected UTF-8, found byte 0x{data[exc.start]:02x} at offset {exc.start}", field=what
        ) from exc
    fast = _parse_plain(text)
    if fast is not None and _fast_json(fast) == data:
        return fast
    value = _loads(text, what)
    if not isinstance(value, dict):
        raise InvalidInput(f"expected a JSON object, found {_json_type(value)}", field=what)
    canonical = canonical_json(value, what=what)
    if canonical != data:
        raise InvalidInput(_difference(canonical, data), field=what)
    return value


def _parse_plain(text: str) -> dict[str, Any] | None:
    """``text`` parsed at C speed, without the hooks of :func:`_loads`: right whenever the
    result encodes back to the same bytes, since a key given twice, a constant, a long integer
    literal or an integral float would not. Anything else is left to the careful parse, which
    names what is wrong."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if type(value) is dict else None


def _loads(text: str, what: str) -> Any:
    try:
        return json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_constant=_no_constants,
            parse_int=_parse_int,
        )
    except _Refused as exc:
        raise InvalidInput(str(exc), field=what) from exc
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"not valid JSON: {exc.msg} at offset {exc.pos}", field=what) from exc
    except RecursionError as exc:
        raise InvalidInput(f"nested more than {MAX_DEPTH} levels deep", field=what) from exc


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Refused(f"key {key!r} appears more than once in one object")
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number (RFC 8785 allows finite numbers only)")


def _parse_int(text: str) -> int | float:
    # JSON numbers are doubles (RFC 8785 §3.2.2.3): a long integer literal is read as the double
    # it denotes, so that "1e+20"'s canonical spelling "100000000000000000000" parses back.
    if len(text.lstrip("-")) <= _SAFE_DIGITS:
        number = int(text)
        if abs(number) <= MAX_SAFE_INTEGER:
            return number
    return float(text)


def _plain(value: object, path: str, depth: int) -> Any:
    """A copy of ``value`` made of dict, list and scalars, checked against the rules above;
    an integral float in the safe range becomes the int its canonical JSON spells."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise InvalidInput(
                f"integer {value} is outside the JSON safe range ±{MAX_SAFE_INTEGER}", field=path
            )
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(
                f"{value} is not a JSON number: numbers must be finite IEEE 754 doubles",
                field=path,
            )
        if value.is_integer() and abs(value) <= MAX_SAFE_INTEGER:
            return int(value)  # spelt as that integer (RFC 8785 §3.2.2.3), and parsed as one
        return float(value)
    if isinstance(value, str):
        return _text(value, path)
    if isinstance(value, Mapping | list | tuple):
        if depth >= MAX_DEPTH:
            raise InvalidInput(f"nested more than {MAX_DEPTH} levels deep", field=path)
        if isinstance(value, Mapping):
            return {_key(k, path): _plain(v, f"{path}.{k}", depth + 1) for k, v in value.items()}
        return [_plain(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
    raise InvalidInput(
        "expected a JSON value (object, array, string, number, true, false or null), "
        f"found {type(value).__name__}",
        field=path,
    )


def _key(key: object, path: str) -> str:
    if not isinstance(key, str):
        raise InvalidInput(
            f"object keys must be strings, found {type(key).__name__} {key!r}", field=path
        )
    return _text(key, path)


def _text(text: str, path: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput(
            f"strings must be Unicode scalar values, found lone surrogate "
            f"U+{ord(text[exc.start]):04X} at position {exc.start}",
            field=path,
        ) from exc
    return str(text)


def _json_type(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    return "a number"


def _difference(canonical: bytes, found: bytes) -> str:
    """Where ``found`` first departs from its canonical form, and how."""
    offset = next(
        (i for i, (a, b) in enumerate(zip(canonical, found, strict=False)) if a != b),
        min(len(canonical), len(found)),
    )
    expected = canonical[offset : offset + _CONTEXT]
    actual = found[offset : offset + _CONTEXT]
    return (
        f"not in canonical form (RFC 8785): at byte {offset} expected {expected!r}, "
        f"found {actual!r}"
    )
