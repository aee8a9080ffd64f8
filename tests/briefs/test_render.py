"""Rendering: the same checkpoint and options give the same bytes; the PDF says what the HTML
says; the SVG charts carry no date."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ceasefire.briefs.render import Format
from ceasefire.services import briefs
from ceasefire.services.ports import Store
from tests.briefs.conftest import BUSY_WEEK


def _twice(store: Store, kind: Format) -> tuple[bytes, bytes]:
    request = briefs.brief_request("weekly", BUSY_WEEK)
    first = briefs.render_brief(briefs.compute_brief(store, request), kind).content
    second = briefs.render_brief(briefs.compute_brief(store, request), kind).content
    return first, second


@pytest.mark.parametrize("kind", [Format.HTML, Format.MD, Format.PDF])
def test_two_runs_give_the_same_bytes(demo_store: Store, kind: Format) -> None:
    first, second = _twice(demo_store, kind)
    assert first == second
    assert len(first) > 1000


def test_the_html_charts_are_inline_svg_without_a_date(demo_store: Store) -> None:
    html, _ = _twice(demo_store, Format.HTML)
    text = html.decode()
    assert text.count("<svg") == 2
    assert "<dc:date>" not in text
    assert "Reports received per day" in text and "New incidents of the period" in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) absent")
def test_the_pdf_text_says_what_the_brief_says(demo_store: Store, tmp_path: Path) -> None:
    brief = briefs.compute_brief(demo_store, briefs.brief_request("weekly", BUSY_WEEK))
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(briefs.render_brief(brief, Format.PDF).content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert brief.title in text
    assert f"size {brief.checkpoint.size}" in text
    assert brief.checkpoint.root[:40] in text.replace("\n", "")
    assert f"Findings issued: {len(brief.findings)}" in text
    assert f"version {brief.agreement_version}" in text
    assert "Restrictions on the monitors" in text


def test_the_pdf_is_the_same_from_two_processes(demo_dir: Path, tmp_path: Path) -> None:
    """Font subsets carry a timestamp unless ``SOURCE_DATE_EPOCH`` fixes it: two separate
    runs (two clocks) must still give the same bytes."""
    made = []
    for n in (1, 2):
        out = tmp_path / f"{n}.pdf"
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from ceasefire.cli.main import run; run()",
                "brief",
                "--data",
                str(demo_dir),
                "--period",
                "weekly",
                "--date",
                BUSY_WEEK,
                "--format",
                "pdf",
                "--out",
                str(out),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        made.append(out.read_bytes())
    assert made[0] == made[1]
    assert made[0].startswith(b"%PDF-")
