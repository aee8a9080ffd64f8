"""C2SP tlog-policy: the example of the log spec, precise refusals, and thresholds as properties."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.errors import VerificationError
from ceasefire.log.checkpoint import Checkpoint, sign_checkpoint
from ceasefire.log.cosignature import cosign
from ceasefire.log.keys import SigningKey
from ceasefire.log.policy import Group, Policy, PolicyError, Witness, group, parse_policy

LOG = SigningKey.generate("ceasefire.example/pak-afg")
WITNESS_KEYS = {
    name: SigningKey.generate(f"witness.{name.lower()}") for name in ["PK", "AF", "TR", "QA"]
}


def vkey(name: str) -> str:
    return WITNESS_KEYS[name].cosignature_key().to_text()


# The example of /work/shared/log-spec.md (§ Quorum policy), with real keys for its "…".
SPEC_EXAMPLE = f"""\
log {LOG.note_key().to_text()}
witness PK  {vkey("PK")}
witness AF  {vkey("AF")}
witness TR  {vkey("TR")}
witness QA  {vkey("QA")}
group parties   all PK AF
group mediators all TR QA
group all4      all parties mediators
quorum all4
"""


def test_the_spec_example_needs_all_four_witnesses() -> None:
    policy = parse_policy(SPEC_EXAMPLE)

    assert [w.name for w in policy.witnesses] == ["PK", "AF", "TR", "QA"]
    assert policy.quorum == "all4"
    assert policy.satisfied({"PK", "AF", "TR", "QA"})
    for three in itertools.combinations(["PK", "AF", "TR", "QA"], 3):
        assert not policy.satisfied(set(three))
    assert not policy.satisfied(set())


def test_the_spec_alternative_two_mediators_and_any_party() -> None:
    text = SPEC_EXAMPLE.replace("group parties   all", "group parties   any").replace(
        "group mediators all", "group mediators 2"
    )
    policy = parse_policy(text)

    assert policy.satisfied({"AF", "TR", "QA"})
    assert not policy.satisfied({"PK", "AF", "TR"})


def test_text_round_trips() -> None:
    policy = parse_policy(SPEC_EXAMPLE + "# a comment\n\n")

    assert parse_policy(policy.to_text()) == policy
    assert "group parties all PK AF\n" in policy.to_text()


def test_cosigners_are_the_witnesses_whose_cosignature_verifies() -> None:
    policy = parse_policy(SPEC_EXAMPLE)
    note = sign_checkpoint(Checkpoint("ceasefire.example/pak-afg", 5, bytes(32)), LOG)
    signed = note.with_signatures(
        cosign(note, WITNESS_KEYS["PK"], 1_700_000_000),
        cosign(note, WITNESS_KEYS["TR"], 1_700_000_001),
    )

    assert policy.cosigners(signed) == {"PK": 1_700_000_000, "TR": 1_700_000_001}
    assert policy.cosigners(note) == {}


def test_a_forged_cosignature_under_a_known_witness_is_refused() -> None:
    policy = parse_policy(SPEC_EXAMPLE)
    note = sign_checkpoint(Checkpoint("ceasefire.example/pak-afg", 5, bytes(32)), LOG)
    other = sign_checkpoint(Checkpoint("ceasefire.example/pak-afg", 6, bytes(32)), LOG)
    stolen = cosign(other, WITNESS_KEYS["PK"], 1_700_000_000)  # PK's, but of another checkpoint

    with pytest.raises(VerificationError):
        policy.cosigners(note.with_signatures(stolen))


@pytest.mark.parametrize(
    ("change", "line", "reason"),
    [
        (("quorum all4", "quorum all5"), 9, "quorum 'all5' names no witness or group"),
        (("group all4      all", "group all4      5"), 8, "expected a threshold of 1 to 2"),
        (("group all4      all", "group all4      0"), 8, "expected a threshold of 1 to 2"),
        (("group all4      all", "group all4      some"), 8, "expected a threshold k, any or all"),
        (("group all4      all", "group all4      01"), 8, "expected a threshold k, any or all"),
        (("parties mediators", "parties nobody"), 8, "member 'nobody' is not a witness or group"),
        (("parties mediators", "parties parties"), 8, "names a member twice"),
        (("group mediators", "group PK"), 7, "the name 'PK' is already used"),
        (("witness QA", "witness PK"), 5, "the name 'PK' is already used"),
        (("witness QA", "wittness QA"), 5, "unknown keyword 'wittness'"),
        (
            ("quorum all4", "quorum all4\nquorum none"),
            10,
            "a second quorum line (the first is line 9)",
        ),
        (("quorum all4", ""), 10, "no quorum line"),
        (("witness TR  ", "witness TR a b "), 4, "expected `witness <name> <vkey> [<url>]`"),
    ],
)
def test_refusals_name_the_line(change: tuple[str, str], line: int, reason: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(SPEC_EXAMPLE.replace(*change, 1))

    assert caught.value.line == line
    assert reason in caught.value.message


def test_a_witness_key_must_be_a_cosignature_key_and_a_log_line_is_needed() -> None:
    note_key = WITNESS_KEYS["PK"].note_key().to_text()
    with pytest.raises(PolicyError, match="line 2: expected a cosignature key"):
        parse_policy(SPEC_EXAMPLE.replace(vkey("PK"), note_key))
    with pytest.raises(PolicyError, match="line 1: bad vkey"):
        parse_policy(SPEC_EXAMPLE.replace(LOG.note_key().to_text(), "not+a+key"))
    with pytest.raises(PolicyError, match="no log line"):
        parse_policy("\n".join(SPEC_EXAMPLE.splitlines()[1:]))


def test_quorum_none_needs_no_witness() -> None:
    policy = parse_policy(f"log {LOG.note_key().to_text()}\nquorum none\n")

    assert policy.quorum is None
    assert policy.satisfied(set())


# --- thresholds as properties ------------------------------------------------------------------

NAMES = [f"w{i}" for i in range(8)]
KEYS = {name: SigningKey.generate(name).cosignature_key() for name in NAMES}


def _flat(count: int, threshold: int) -> Policy:
    members = NAMES[:count]
    return Policy(
        (LOG.note_key(),),
        tuple(Witness(n, KEYS[n]) for n in members),
        (group("g", threshold, members),),
        "g",
    )


@given(st.data())
def test_a_group_holds_iff_at_least_k_members_cosigned(data: st.DataObject) -> None:
    count = data.draw(st.integers(1, 8))
    threshold = data.draw(st.integers(1, count))
    cosigned = data.draw(st.sets(st.sampled_from(NAMES[:count])))
    policy = _flat(count, threshold)

    assert policy.satisfied(cosigned) == (len(cosigned) >= threshold)
    assert parse_policy(policy.to_text()) == policy


@given(st.data())
def test_more_cosigners_never_undo_a_quorum(data: st.DataObject) -> None:
    count = data.draw(st.integers(2, 8))
    split = data.draw(st.integers(1, count - 1))
    k1, k2 = data.draw(st.integers(1, split)), data.draw(st.integers(1, count - split))
    top = data.draw(st.sampled_from(["any", "all"]))
    policy = Policy(
        (LOG.note_key(),),
        tuple(Witness(n, KEYS[n]) for n in NAMES[:count]),
        (
            group("a", k1, NAMES[:split]),
            group("b", k2, NAMES[split:count]),
            group("top", top, ["a", "b"]),
        ),
        "top",
    )
    some = data.draw(st.sets(st.sampled_from(NAMES[:count])))
    more = some | data.draw(st.sets(st.sampled_from(NAMES[:count])))
    in_a, in_b = len(some & set(NAMES[:split])), len(some & set(NAMES[split:count]))
    expected = (in_a >= k1) and (in_b >= k2) if top == "all" else (in_a >= k1) or (in_b >= k2)

    assert policy.satisfied(some) == expected
    assert not policy.satisfied(some) or policy.satisfied(more)


def test_a_policy_built_in_code_is_checked() -> None:
    with pytest.raises(PolicyError, match="member 'ghost' is not a witness or group"):
        Policy((LOG.note_key(),), (), (Group("g", 1, ("ghost",)),), "g")
    with pytest.raises(PolicyError, match="no log line"):
        Policy((), (), (), None)
