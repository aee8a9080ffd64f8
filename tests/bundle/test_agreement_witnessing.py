"""The agreement's ``[witnessing]`` table: optional (older files load unchanged), checked, and
written into the agreement's canonical document only when present."""

from __future__ import annotations

import pytest

from ceasefire.domain.agreement_toml import (
    AgreementFileError,
    bundled_text,
    load_bundled,
    parse_agreement,
)
from ceasefire.domain.agreements import WitnessRules

SOURCE = "istanbul-2025.toml"
TABLE = '[witnessing] # PROPOSAL\nparties = "all"\nmediators = 0\n'


def _text(table: str) -> str:
    text = bundled_text()
    assert TABLE in text
    return text.replace(TABLE, table)


def _refusal(text: str) -> AgreementFileError:
    with pytest.raises(AgreementFileError) as caught:
        parse_agreement(text, SOURCE)
    return caught.value


def test_the_shipped_agreement_needs_a_witness_of_every_party() -> None:
    agreement = load_bundled()

    assert agreement.witnessing == WitnessRules("all", 0)
    assert agreement.to_document()["witnessing"] == {"parties": "all", "mediators": 0}


def test_a_file_without_the_table_loads_with_the_default_and_the_same_document() -> None:
    agreement = parse_agreement(_text(""), SOURCE)

    assert agreement.witnessing is None
    assert agreement.witness_rules == WitnessRules("all", 0)
    assert "witnessing" not in agreement.to_document()  # older digests stay what they were


@pytest.mark.parametrize(
    ("table", "needed"),
    [
        ('[witnessing]\nparties = "any"\nmediators = "all"\n', (1, 2)),
        ("[witnessing]\nparties = 1\nmediators = 1\n", (1, 1)),
        ("[witnessing]\nmediators = 2\n", (2, 2)),
    ],
)
def test_counts_are_numbers_any_or_all(table: str, needed: tuple[int, int]) -> None:
    rules = parse_agreement(_text(table), SOURCE).witness_rules

    assert (rules.needed("parties", 2), rules.needed("mediators", 2)) == needed


@pytest.mark.parametrize(
    ("table", "field", "reason"),
    [
        ("[witnessing]\nparties = 3\n", "witnessing.parties", "expected at most 2"),
        ("[witnessing]\nparties = 0\n", "witnessing.parties", "expected at least 1"),
        ('[witnessing]\nmediators = "most"\n', "witnessing.mediators", 'expected a number, "any"'),
        ("[witnessing]\nquorum = 2\n", "witnessing.quorum", "unknown field"),
    ],
)
def test_bad_counts_are_refused_with_their_line(table: str, field: str, reason: str) -> None:
    text = _text(table)
    line = text.count("\n", 0, text.index(table.splitlines()[1], text.index(table))) + 1

    refused = _refusal(text)

    assert refused.field == field
    assert reason in refused.reason
    assert refused.line == line
