"""A file's chain of custody: held by its submitters and whoever it is transferred to; only a
holder hands it on or seals it, anyone may view it; over random chains, a transfer always comes
from a holder and a file is never left without one."""

from __future__ import annotations

from typing import Any, Final

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.domain.custody import Handling, check_handling, holders
from ceasefire.domain.events import CustodyAction
from ceasefire.errors import CeasefireError, Conflict, PermissionDenied

SHA: Final = "ab" * 32
SUBMITTED: Final = Handling(3, CustodyAction.SUBMITTED, "af-liaison-1")


def transfer(index: int, actor: str, to: str) -> Handling:
    return Handling(index, CustodyAction.TRANSFERRED, actor, to)


def test_a_file_is_held_by_its_submitter_until_it_is_transferred() -> None:
    chain = [SUBMITTED, Handling(4, CustodyAction.VIEWED, "monitor-1")]
    assert holders(chain) == {"af-liaison-1": 3}
    chain.append(transfer(5, "af-liaison-1", "monitor-1"))
    assert holders(chain) == {"monitor-1": 5}


def test_a_file_submitted_twice_has_two_holders() -> None:
    chain = [SUBMITTED, Handling(8, CustodyAction.SUBMITTED, "monitor-1")]
    assert holders(chain) == {"af-liaison-1": 3, "monitor-1": 8}


def test_only_the_holder_transfers_a_file_and_the_refusal_names_the_holder() -> None:
    with pytest.raises(PermissionDenied) as refused:
        check_handling(SHA, [SUBMITTED], "monitor-1", CustodyAction.TRANSFERRED, "tr-mediator-1")
    assert refused.value.field == "actor"
    assert refused.value.message == (
        f"file {SHA} is held by af-liaison-1 (since index 3); monitor-1 does not hold it and "
        "may not transfer it"
    )
    check_handling(SHA, [SUBMITTED], "af-liaison-1", CustodyAction.TRANSFERRED, "monitor-1")


def test_whoever_handed_a_file_on_holds_it_no_longer() -> None:
    chain = [SUBMITTED, transfer(4, "af-liaison-1", "monitor-1")]
    with pytest.raises(PermissionDenied, match=r"held by monitor-1 \(since index 4\)"):
        check_handling(SHA, chain, "af-liaison-1", CustodyAction.TRANSFERRED, "tr-mediator-1")
    with pytest.raises(PermissionDenied, match="may not seal it"):
        check_handling(SHA, chain, "af-liaison-1", CustodyAction.SEALED, None)
    check_handling(SHA, chain, "monitor-1", CustodyAction.SEALED, None)
    check_handling(SHA, chain, "monitor-1", CustodyAction.SEALED, None)  # sealed again


@pytest.mark.parametrize(
    "action", [CustodyAction.VIEWED, CustodyAction.COPIED, CustodyAction.ANALYSED]
)
def test_viewing_copying_and_analysing_need_no_custody(action: CustodyAction) -> None:
    check_handling(SHA, [SUBMITTED], "tr-mediator-1", action, None)


def test_a_transfer_to_the_holder_itself_moves_nothing_and_is_refused() -> None:
    with pytest.raises(Conflict) as refused:
        check_handling(SHA, [SUBMITTED], "af-liaison-1", CustodyAction.TRANSFERRED, "af-liaison-1")
    assert refused.value.field == "body.to"
    assert "af-liaison-1 holds file" in refused.value.message


ACTORS: Final = ["af-liaison-1", "monitor-1", "tr-mediator-1", "qa-mediator-1"]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(CustodyAction)),
            st.sampled_from(ACTORS),
            st.sampled_from(ACTORS),
        ),
        max_size=40,
    )
)
def test_an_accepted_chain_is_handed_on_only_by_its_holders(attempts: list[Any]) -> None:
    chain = [SUBMITTED]
    for index, (action, actor, to) in enumerate(attempts, start=4):
        if action is CustodyAction.SUBMITTED:
            chain.append(Handling(index, action, actor))
            continue
        receiver = to if action is CustodyAction.TRANSFERRED else None
        held = holders(chain)
        try:
            check_handling(SHA, chain, actor, action, receiver)
        except CeasefireError:
            assert action in (CustodyAction.TRANSFERRED, CustodyAction.SEALED)
            assert actor not in held or receiver == actor
            continue
        if action in (CustodyAction.TRANSFERRED, CustodyAction.SEALED):
            assert actor in held
        chain.append(Handling(index, action, actor, receiver))
        assert holders(chain)  # never left without a holder
