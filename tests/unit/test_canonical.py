"""Canonical JSON (RFC 8785): golden examples from the RFC, stability, and strict parsing."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.errors import InvalidInput
from ceasefire.log import canonical
from ceasefire.log.canonical import (
    MAX_DEPTH,
    MAX_SAFE_INTEGER,
    canonical_copy,
    canonical_form,
    canonical_json,
    parse_canonical,
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
json_objects = st.dictionaries(st.text(), json_values, max_size=5)


def nested(depth: int) -> Any:
    value: Any = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def test_rfc8785_section_3_2_4_example() -> None:
    value = json.loads(
        '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
        ' "literals": [null, true, false]}'
    )
    assert canonical_json(value) == (
        b'{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        b'"string":"\xe2\x82\xac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )


def test_keys_are_sorted_by_utf16_code_units_as_rfc8785_section_3_2_3() -> None:
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    parsed = json.loads(canonical_json(value))
    assert list(parsed.values()) == [
        "Carriage Return",
        "One",
        "Control",
        "Latin Small Letter O With Diaeresis",
        "Euro Sign",
        "Emoji: Grinning Face",
        "Hebrew Letter Dalet With Dagesh",
    ]


@pytest.mark.parametrize(
    ("number", "spelling"),
    [
        (1.0, b"1"),
        (-0.0, b"0"),
        (1e21, b"1e+21"),
        (1e20, b"100000000000000000000"),
        (1e-7, b"1e-7"),
        (0.000001, b"0.000001"),
        (5e-324, b"5e-324"),
        (1.7976931348623157e308, b"1.7976931348623157e+308"),
        (MAX_SAFE_INTEGER, b"9007199254740991"),
    ],
)
def test_numbers_take_their_ecmascript_spelling(number: float, spelling: bytes) -> None:
    assert canonical_json([number]) == b"[" + spelling + b"]"


@given(json_objects)
def test_canonical_output_is_stable_and_parses_back_to_the_same_value(
    value: dict[str, Any],
) -> None:
    data = canonical_json(value)
    parsed = parse_canonical(data, "doc")
    assert canonical_json(parsed) == data
    assert parsed == value


@given(json_values)
def test_canonical_copy_is_a_fixed_point(value: Any) -> None:
    copy = canonical_copy(value)
    assert canonical_copy(copy) == copy
    assert canonical_json(copy) == canonical_json(value)


RENDERINGS: list[Callable[[Any], str]] = [
    json.dumps,
    lambda v: json.dumps(v, separators=(",", ":")),
    lambda v: json.dumps(v, separators=(",", ":"), sort_keys=True, ensure_ascii=False),
    lambda v: json.dumps(v, indent=1, ensure_ascii=False),
    lambda v: json.dumps(dict(reversed(v.items())), separators=(",", ":"), ensure_ascii=False),
]


@given(json_objects, st.sampled_from(RENDERINGS))
def test_parse_accepts_exactly_the_canonical_rendering(
    value: dict[str, Any], render: Callable[[Any], str]
) -> None:
    data = render(value).encode()
    if data == canonical_json(value):
        assert parse_canonical(data, "doc") == value
    else:
        with pytest.raises(InvalidInput, match="not in canonical form"):
            parse_canonical(data, "doc")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"a":1,"a":1}', "key 'a' appears more than once"),
        (b'{"a":NaN}', "NaN is not a JSON number"),
        (b'{"a":Infinity}', "Infinity is not a JSON number"),
        (b'{"a":-Infinity}', "-Infinity is not a JSON number"),
        (b'{"a":"\xff"}', "expected UTF-8, found byte 0xff at offset 6"),
        (b"\xef\xbb\xbf{}", "Unexpected UTF-8 BOM"),
        (b"[1]", "expected a JSON object, found an array"),
        (b'"a"', "expected a JSON object, found a string"),
        (b"1", "expected a JSON object, found a number"),
        (b"null", "expected a JSON object, found null"),
        (b"{", "not valid JSON"),
        (b"", "not valid JSON"),
        (b'{"a":1} ', "at byte 7 expected b'', found b' '"),
        (b'{"b":1,"a":2}', "at byte 2 expected"),
        (b'{"a":1.0}', "expected b'}', found b'.0}'"),
        (b'{"a":1E2}', "not in canonical form"),
        (b'{"a":-0}', "not in canonical form"),
        (b'{"a":9007199254740993}', "not in canonical form"),
        (b'{"a":"\\u00e9"}', "not in canonical form"),
        (b'{"a":"\\ud800"}', "lone surrogate U+D800"),
        (b'{"a":1e400}', "inf is not a JSON number"),
        (b'{"a":' + b"1" * 5000 + b"}", "inf is not a JSON number"),
    ],
)
def test_parse_refuses_with_the_reason(data: bytes, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_canonical(data, "doc")
    assert reason in caught.value.message
    assert caught.value.field is not None
    assert caught.value.field.startswith("doc")


def test_large_float_integers_round_trip_as_floats() -> None:
    data = canonical_json({"a": 1e20, "b": -(2.0**60)})
    assert data == b'{"a":100000000000000000000,"b":-1152921504606847000}'
    assert parse_canonical(data, "doc") == {"a": 1e20, "b": -(2.0**60)}


def test_nesting_is_limited_in_both_directions() -> None:
    assert parse_canonical(canonical_json(nested(MAX_DEPTH)), "doc") == nested(MAX_DEPTH)
    with pytest.raises(InvalidInput, match="nested more than 32 levels deep"):
        canonical_json(nested(MAX_DEPTH + 1))
    too_deep = b'{"a":' * MAX_DEPTH + b"[]" + b"}" * MAX_DEPTH
    with pytest.raises(InvalidInput, match="nested more than 32 levels deep"):
        parse_canonical(too_deep, "doc")


def test_pathologically_deep_input_is_refused_not_crashed() -> None:
    with pytest.raises(InvalidInput, match="nested more than 32 levels deep"):
        parse_canonical(b'{"a":' + b"[" * 60000 + b"]" * 60000 + b"}", "doc")


@pytest.mark.parametrize(
    ("value", "path", "reason"),
    [
        ({"a": [1, math.nan]}, "value.a[1]", "nan is not a JSON number"),
        ({"a": math.inf}, "value.a", "inf is not a JSON number"),
        ({"a": 2**53}, "value.a", "outside the JSON safe range"),
        ({"a": -(2**53)}, "value.a", "outside the JSON safe range"),
        ({"a": b"bytes"}, "value.a", "found bytes"),
        ({"a": {1, 2}}, "value.a", "found set"),
        ({1: "a"}, "value", "object keys must be strings, found int 1"),
        ({"a": "\ud800"}, "value.a", "lone surrogate U+D800 at position 0"),
        ({"\udfff": 1}, "value", "lone surrogate U+DFFF"),
    ],
)
def test_values_without_a_canonical_form_are_refused_at_their_path(
    value: Any, path: str, reason: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        canonical_json(value)
    assert caught.value.field == path
    assert reason in caught.value.message


def test_mappings_and_tuples_serialise_as_objects_and_arrays() -> None:
    value = MappingProxyType({"b": (1, 2), "a": MappingProxyType({})})
    assert canonical_json(value) == b'{"a":{},"b":[1,2]}'
    assert canonical_copy(value) == {"a": {}, "b": [1, 2]}


def test_canonical_copy_normalises_numbers_as_a_parser_would() -> None:
    copy = canonical_copy({"one": 1.0, "half": 0.5, "big": 1e20})
    assert copy == {"one": 1, "half": 0.5, "big": 1e20}
    assert type(copy["one"]) is int
    assert type(copy["big"]) is float


@given(json_values)
def test_the_fast_path_gives_exactly_the_rfc8785_bytes(value: Any) -> None:
    # canonical_json takes the standard library's encoder when it can tell the bytes agree;
    # rfc8785 itself is the reference for every value, fast path or not.
    assert canonical_json(value) == rfc8785.dumps(canonical_copy(value))


# -- the fast path against the reference -------------------------------------------------------

AWKWARD_KEYS = ["", "a", "1", "\r", "\u0080", "\u00f6", "\u20ac", "\ufb33", "\U0001f600", "\uffff"]
AWKWARD_FLOATS = [
    0.0, -0.0, 1.0, -1.0, 0.5, 1e-4, 9.999999999999999e-05, 1.0001e-4, 1e-7, 5e-324,
    1e15 + 0.5, 4503599627370496.5, 9999999999999998.0, 1e16, 1e20, 1e21, 1e22,
    0.1 + 0.2, 333333333.33333329, 1.7976931348623157e308, -2.0**60,
]  # fmt: skip
AWKWARD_INTS = [0, -1, MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER, MAX_SAFE_INTEGER + 1, -(2**53), 2**64]
awkward_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from(AWKWARD_INTS)
    | st.floats()
    | st.sampled_from(AWKWARD_FLOATS)
    | st.text()
    | st.sampled_from(["\ud800", "a\udfffb", "\u2028", '"\\/\x00\x1f\x7f'])
)
awkward_keys = st.text(max_size=3) | st.sampled_from(AWKWARD_KEYS)


def nest(value: Any, depth: int, kind: str) -> Any:
    for _ in range(depth):
        value = {"n": value} if kind == "object" else [value] if kind == "array" else (value,)
    return value


awkward_values = st.recursive(
    awkward_scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(awkward_keys, inner, max_size=4)
        | st.builds(
            nest,
            inner,
            st.integers(1, MAX_DEPTH + 2),
            st.sampled_from(["object", "array", "tuple"]),
        )
    ),
    max_leaves=12,
)


def depth_of(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    if isinstance(value, list | tuple):
        return 1 + max(map(depth_of, value), default=0)
    return 0


def reference(value: Any) -> bytes | None:
    """rfc8785's bytes, with the depth limit it does not have; None when it refuses."""
    if depth_of(value) > MAX_DEPTH:
        return None
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):
        return None


def typed(value: Any) -> Any:
    """``value`` with each scalar's type beside it, so that 1 and 1.0 compare unequal."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    return (type(value).__name__, value)


@given(awkward_values)
def test_the_fast_path_and_the_careful_path_agree_byte_for_byte(value: Any) -> None:
    expected = reference(value)
    fast = canonical._fast_json(value)
    if fast is not None:
        assert fast == expected
    if expected is None:
        with pytest.raises(InvalidInput):
            canonical_json(value)
        return
    assert canonical_json(value) == expected
    data, copy = canonical_form(value)
    assert data == expected
    assert typed(copy) == typed(canonical._loads(expected.decode(), "doc"))
    if isinstance(copy, dict):
        assert typed(parse_canonical(expected, "doc")) == typed(copy)


@given(json_values)
def test_the_fast_path_takes_values_whose_keys_and_numbers_python_spells_alike(value: Any) -> None:
    # not vacuous: the common case, including non-ASCII keys of the BMP, takes the fast path
    value = {"\u20ac\ufb33": value, "a": ({"\u00f6": 0.5}, [-MAX_SAFE_INTEGER, "\U0001f600"])}
    keys = "".join(_members(value, dict))
    floats = _members(value, float)
    ordinary = max(keys) < "\U00010000" and all(
        1e-4 <= abs(f) < 1e16 and not f.is_integer() for f in floats
    )
    assert (canonical._fast_json(value) is not None) == ordinary


def _members(value: Any, kind: type) -> list[Any]:
    """The keys of every object (kind dict) or every scalar of ``kind`` in ``value``."""
    if isinstance(value, dict):
        own = list(value) if kind is dict else []
        return own + [m for item in value.values() for m in _members(item, kind)]
    if isinstance(value, list | tuple):
        return [m for item in value for m in _members(item, kind)]
    return [value] if type(value) is kind else []


def test_the_parse_fast_path_leaves_refusals_to_the_careful_path() -> None:
    # each parses without hooks to a value whose encoding differs from the input, or not at all
    for data, reason in [
        (b'{"a":1,"a":2}', "key 'a' appears more than once"),
        (b'{"a":NaN}', "NaN is not a JSON number"),
        (b'{"a":1e400}', "inf is not a JSON number"),
        (b'{"a":"\\udfff"}', "lone surrogate U+DFFF"),
        (b'{"a":' + b"[" * MAX_DEPTH + b"]" * MAX_DEPTH + b"}", "nested more than 32"),
    ]:
        with pytest.raises(InvalidInput, match=re.escape(reason)):
            parse_canonical(data, "doc")
    assert parse_canonical(b'{"a":100000000000000000000}', "doc") == {"a": 1e20}
    assert type(parse_canonical(b'{"a":100000000000000000000}', "doc")["a"]) is float
