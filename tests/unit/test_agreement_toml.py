"""Agreement files in TOML: the shipped file, and errors that name the file, line and field."""

from __future__ import annotations

from datetime import date

import pytest

from ceasefire.domain.agreement_toml import (
    AgreementFileError,
    bundled_names,
    bundled_text,
    load_bundled,
    locate,
    parse_agreement,
    positions,
)
from ceasefire.domain.agreements import Recurring
from ceasefire.errors import InvalidInput, NotFound

SOURCE = "istanbul-2025.toml"


def line_of(text: str, needle: str, after: str = "") -> int:
    """The line (from 1) of the first ``needle`` at or after the first ``after``."""
    start = text.index(after) if after else 0
    return text.count("\n", 0, text.index(needle, start)) + 1


def replace_once(text: str, old: str, new: str, after: str = "") -> str:
    start = text.index(after) if after else 0
    at = text.index(old, start)
    return text[:at] + new + text[at + len(old) :]


def refusal(text: str) -> AgreementFileError:
    with pytest.raises(AgreementFileError) as caught:
        parse_agreement(text, SOURCE)
    return caught.value


# --- the shipped file -------------------------------------------------------------------------


def test_the_bundled_istanbul_agreement_loads() -> None:
    assert "istanbul-2025" in bundled_names()
    agreement = load_bundled("istanbul-2025")
    assert agreement == parse_agreement(bundled_text(), SOURCE)
    assert [p.id for p in agreement.parties] == ["pk", "af"]
    assert [m.id for m in agreement.mediators] == ["tr", "qa"]


def test_an_unknown_bundled_agreement_is_not_found_and_the_known_ones_listed() -> None:
    with pytest.raises(NotFound, match="the bundled agreements are istanbul-2025"):
        load_bundled("minsk-2015")
    with pytest.raises(NotFound):
        bundled_text("../agreements/istanbul-2025")


def marked_as_proposal(text: str, key: str) -> bool:
    """Whether the paragraph (lines between blank lines) holding ``key`` says PROPOSAL."""
    paragraphs = text.split("\n\n")
    return any("PROPOSAL" in p for p in paragraphs if key in p)


@pytest.mark.parametrize(
    "key",
    [
        "quorum = ",
        "standard_for_violation = ",
        "reply_window_hours = ",
        "monitors_may_propose = ",
        "clock = { every_days",
        'id = "3(b)"',
        'id = "obstruction_of_monitors"',
        'id = "pk-report"',
        "level = 4",
        'reason = "A verified airstrike',
        'id = "kurram"',
        "first_due = 2025-11-20",
        'id = "adopt-modalities"',
    ],
)
def test_a_parameter_the_public_record_does_not_give_is_marked_as_a_proposal(key: str) -> None:
    marked = marked_as_proposal(bundled_text(), key)
    assert marked, f"no PROPOSAL beside {key!r}"


# --- bad input: one precise error each, on its line --------------------------------------------


def test_an_unknown_party_in_a_commitment_is_refused_on_its_line() -> None:
    text = bundled_text()
    anchor = 'id = "af-dismantle-hideouts"'
    bad = replace_once(text, 'party = "af"', 'party = "xx"', after=anchor)
    error = refusal(bad)
    line = line_of(bad, 'party = "xx"')
    assert error.field == "commitments[4].party"
    assert error.line == line
    assert str(error) == (
        f"{SOURCE}:{line}: commitments[4].party: unknown party 'xx'; the parties are pk, af"
    )


def test_a_clause_id_used_twice_is_refused_on_the_second_use() -> None:
    bad = replace_once(bundled_text(), 'id = "2(b)"', 'id = "2(a)"')
    second = bad.index('id = "2(a)"', bad.index('id = "2(a)"') + 1)
    line = bad.count("\n", 0, second) + 1
    error = refusal(bad)
    assert error.field == "clauses[2].id"
    assert error.message == f"{SOURCE}:{line}: clauses[2].id: clause '2(a)' is used twice"


def test_a_commitment_without_a_clock_is_refused_at_its_table() -> None:
    text = bundled_text()
    anchor = 'id = "pk-ceasefire"'
    bad = replace_once(text, 'clock = "continuous"\n', "", after=anchor)
    error = refusal(bad)
    assert error.field == "commitments[0].clock"
    assert error.reason.startswith("a commitment needs a clock")
    assert error.line == line_of(bad, "[[commitments]]")


def test_a_quorum_larger_than_the_mediators_is_refused_on_its_line() -> None:
    bad = replace_once(bundled_text(), "quorum = 2", "quorum = 3")
    error = refusal(bad)
    assert error.field == "verification.quorum"
    assert error.line == line_of(bad, "quorum = 3")
    assert error.reason == "expected a quorum of 1 to 2 (the mediators who sign), found 3"


def test_an_act_mapped_to_an_unknown_clause_is_refused_on_its_line() -> None:
    text = bundled_text()
    bad = replace_once(text, 'clauses = ["1", "2(a)"]', 'clauses = ["1", "9"]', after='"airstrike"')
    error = refusal(bad)
    assert error.field == "acts[0].clauses[1]"
    assert error.line == line_of(bad, 'clauses = ["1", "9"]')
    assert error.reason.startswith("unknown clause '9'; the clauses are 1, 2(a), 2(b)")


def test_a_toml_syntax_error_is_refused_with_its_line_and_column() -> None:
    text = bundled_text()
    bad = replace_once(text, "quorum = 2", "quorum 2")
    error = refusal(bad)
    line = line_of(bad, "quorum 2")
    assert error.field is None
    assert error.line == line
    assert error.message.startswith(f"{SOURCE}:{line}: ")
    assert "(column " in error.message


def test_a_syntax_error_at_the_end_of_the_file_names_the_last_line() -> None:
    error = refusal('id = "x"\ntitle = "unterminated')
    assert error.message == f"{SOURCE}:2: Unterminated string (at the end of the file)"


def test_an_unknown_field_is_refused_on_its_line() -> None:
    text = bundled_text()
    bad = replace_once(text, "quorum = 2", 'quorum = 2\ncolour = "red"')
    error = refusal(bad)
    assert error.field == "verification.colour"
    assert error.line == line_of(bad, 'colour = "red"')
    assert error.reason == "unknown field 'colour'"


def test_an_error_deep_in_an_inline_table_is_placed_on_its_own_line() -> None:
    text = bundled_text()
    old = '{ metric = "replies_missed", at_least = 2, window_days = 60 }'
    bad = replace_once(text, old, old.replace("replies_missed", "rumours"))
    error = refusal(bad)
    assert error.field == "penalties[3].when.any[1].all[1].metric"
    assert error.line == line_of(bad, '"rumours"')


def test_an_agreement_file_error_is_an_invalid_input() -> None:
    error = refusal(replace_once(bundled_text(), "quorum = 2", "quorum = 0"))
    assert isinstance(error, InvalidInput)
    assert error.code == "invalid_input"


# --- the locator ------------------------------------------------------------------------------

SMALL = """\
# a comment [not = a table]
id = "x"
title = '''two
lines'''

[[commitments]]
id = "a"

[[commitments]]
id = "b"
clock.every_days = 7

[commitments.clock2]
first_due = 2025-11-20

[[meetings]]
id = "m"
[[meetings.decisions]]
id = "d0"
[[meetings.decisions]]
sign = [
  "pk",  # a comment, ] with a bracket
  "af",
]
"""


def test_the_locator_follows_array_tables_sub_tables_and_dotted_keys() -> None:
    lines = positions(SMALL)
    assert lines["id"] == 2
    assert lines["title"] == 3
    assert lines["commitments[0].id"] == 7
    assert lines["commitments[1].id"] == 10
    assert lines["commitments[1].clock.every_days"] == 11
    assert lines["commitments[1].clock2.first_due"] == 14
    assert lines["meetings[0].decisions[1]"] == 20
    assert lines["meetings[0].decisions[1].sign[1]"] == 23


def test_a_missing_field_is_placed_on_its_nearest_located_ancestor() -> None:
    assert locate(SMALL, "commitments[0].clock") == 6
    assert locate(SMALL, "meetings[0].decisions[1].sign[5]") == 21
    assert locate(SMALL, "nowhere.at.all") == 1
    assert locate(SMALL, None) == 1


def test_a_clock_written_as_a_sub_table_reads_like_an_inline_one() -> None:
    text = bundled_text()
    inline = "{ every_days = 14, first_due = 2025-11-20, grace_days = 2 } # PROPOSAL"
    anchor = 'id = "pk-report"'
    sub_table = replace_once(text, f"clock = {inline}\n", "", after=anchor)
    sub_table = replace_once(
        sub_table,
        "# --- verification",
        "[commitments.clock]\nevery_days = 14\nfirst_due = 2025-11-20\ngrace_days = 2\n\n"
        "# --- verification",
    )
    agreement = parse_agreement(sub_table, SOURCE)
    assert agreement == load_bundled()
    assert agreement.commitment("pk-report").clock == Recurring(14, date(2025, 11, 20), 2)


def test_the_locator_reads_quoted_keys_and_escaped_quotes() -> None:
    text = 'title = "a \\"quoted\\" [title]"\n"quoted key".inner = 1\n\'literal\' = 2\nlast = 3\n'
    lines = positions(text)
    assert lines["quoted key.inner"] == 2
    assert lines["literal"] == 3
    assert lines["last"] == 4


@pytest.mark.parametrize("text", ["a = [1, }\nb = 2", "a = {b = ]}", 'a = "open', "a = 1\n= 2"])
def test_the_locator_keeps_what_it_found_in_text_that_is_not_toml(text: str) -> None:
    assert positions(text)["a"] == 1
