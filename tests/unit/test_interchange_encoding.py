"""Encodings, byte-order marks (whole and mangled) and delimiters, as real files have them."""

from __future__ import annotations

import codecs
import re
from datetime import date
from pathlib import Path
from typing import Any, Final

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.errors import InvalidInput
from ceasefire.interchange import files
from ceasefire.interchange.common import Context
from ceasefire.interchange.encoding import MIXED, clean_name, detect_encoding, sniff_delimiter
from ceasefire.interchange.formats import Format, read, sniff
from ceasefire.interchange.rows import Imported
from tests.real_data import real_file

HEADER: Final = "event_date,event_type,latitude,longitude,fatalities"
ROW: Final = "2025-10-12,Battles,31.0052,66.3994,2"


def test_utf8_with_a_bom_and_latin1_are_told_apart() -> None:
    assert detect_encoding([codecs.BOM_UTF8 + b"a,b\n"]) == "utf-8-sig"
    assert detect_encoding([b"caf\xc3", b"\xa9\n"]) == "utf-8"  # split across chunks
    assert detect_encoding([b"Pe\xf1a\n"]) == "latin-1"


@pytest.mark.parametrize("name", ["\ufeffid", "ï»¿id", "ï..id", "id"])
def test_bom_remnants_are_cleaned_from_a_header(name: str) -> None:
    assert clean_name(name) == "id"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_is_sniffed(delimiter: str) -> None:
    line = HEADER.replace(",", delimiter)
    assert sniff_delimiter(line, ("event_date", "latitude"), "ACLED") == delimiter


def test_an_unrecognised_header_names_what_is_missing() -> None:
    with pytest.raises(InvalidInput) as refused:
        sniff_delimiter("event_date,when,lat", ("event_date", "latitude"), "ACLED")
    message = str(refused.value)
    assert refused.value.field == "header"
    assert "lacks the columns latitude" in message and "comma" in message


@pytest.mark.parametrize(
    "encoded",
    [
        (HEADER + "\n" + ROW + "\n").encode("utf-8"),
        codecs.BOM_UTF8 + (HEADER + "\n" + ROW + "\n").encode("utf-8"),
        ("ï»¿" + HEADER + "\n" + ROW + "\n").encode("utf-8"),
        ("ï.." + HEADER + "\n" + ROW + ",\n").encode("latin-1").replace(b",\n", b"\n"),
    ],
)
def test_a_file_reads_the_same_whatever_its_encoding(tmp_path: Path, encoded: bytes) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(encoded)
    with files.open_text(path) as stream:
        results = list(read(Format.ACLED, stream, Context(now=date(2025, 11, 1))))
    assert [type(r) for r in results] == [Imported]
    assert isinstance(results[0], Imported)
    assert "event_date" in results[0].body["origin"]["attributes"]


def test_a_latin1_file_keeps_its_accented_letters(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes((HEADER + ",location\n" + ROW + ",Peña\n").encode("latin-1"))
    with files.open_text(path) as stream:
        (result,) = read(Format.ACLED, stream, Context(now=date(2025, 11, 1)))
    assert isinstance(result, Imported)
    assert result.body["location"]["place"] == "Peña"


def test_the_real_gtd_file_is_utf8_but_for_its_mangled_bom() -> None:
    """Read whole as Latin-1, every curly quote and accent of its text became mojibake
    (``â\x80\x9d`` for ``”``): only the header's three bytes are not UTF-8."""
    path = real_file("gtd_pakistan_fata_1984_2015.csv")
    assert files.encoding_of(path) == MIXED
    with files.open_text(path) as stream:
        header = stream.readline()
        text = stream.read()
    assert sniff_delimiter(header, ("eventid", "latitude", "longitude"), "GTD") == ","
    assert "\u201d" in text and "é" in text
    assert "â\x80" not in text and not re.search("[\x80-\x9f]", text)


def test_the_real_latin1_files_stay_latin1() -> None:
    for name in ("pakistan_suicide_attacks_1995_2017.csv", "pakistan_drone_attacks_2004_2017.csv"):
        assert files.encoding_of(real_file(name)) == "latin-1"


LATIN1_LETTERS: Final = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E)
    | st.sampled_from([chr(c) for c in range(0xC0, 0x100) if c not in (0xD7, 0xF7)]),
    min_size=1,
)


@given(text=LATIN1_LETTERS.filter(lambda t: not t.isascii()))
def test_latin1_text_is_read_as_latin1(text: str) -> None:
    """Accented letters in Latin-1 are bytes no UTF-8 sequence starts and ends with."""
    assert detect_encoding([text.encode("latin-1")]) == "latin-1"


@given(text=st.text(st.characters(exclude_categories=["Cs"]), min_size=1))
def test_utf8_text_is_read_as_utf8(text: str) -> None:
    assert detect_encoding([text.encode("utf-8")]) in ("utf-8", "utf-8-sig")


@given(body=st.text(st.characters(min_codepoint=0xA0, exclude_categories=["Cs"]), min_size=4))
def test_utf8_text_under_a_mangled_header_is_read_as_utf8(tmp_path_factory: Any, body: str) -> None:
    path = tmp_path_factory.mktemp("mixed") / "rows.csv"
    path.write_bytes(b'"","\xef..eventid"\n' + body.encode("utf-8"))
    assert files.encoding_of(path) == MIXED
    with files.open_text(path) as stream:
        assert stream.readline() == '"","ï..eventid"\n'
        assert stream.read() == body


def test_formats_are_sniffed_from_the_header() -> None:
    assert sniff("x.csv", "event_id_cnty,event_date") is Format.ACLED
    assert sniff("x.csv", "id,relid,type_of_violence") is Format.UCDP
    assert sniff("x.geojson", "") is Format.GEOJSON
    assert sniff("x.csv", "a,b") is Format.CSV
