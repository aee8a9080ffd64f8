"""Which checkpoints the witnesses have confirmed, under the policy written from the agreement.

``policy`` is the C2SP tlog-policy text (``services.confirmation`` says how it is written from
the agreement in force and the enrolled witness keys); ``confirmation`` the latest checkpoint,
the policy's witnesses whose cosignature of it verifies, whether they meet the quorum, and the
latest checkpoint that does. Both are public, like the log they describe.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Response
from pydantic import Field

from ceasefire.api.deps import StoreDep
from ceasefire.api.problems import documented
from ceasefire.api.schemas import Shape
from ceasefire.services import confirmation as confirmation_service

POLICY_TYPE: Final = "text/plain; charset=utf-8"

router = APIRouter(prefix="/log", tags=["log"])


class ConfirmationOut(Shape):
    """The latest checkpoint under the witness policy."""

    checkpoint_size: int = Field(description="The size of the latest signed checkpoint.")
    cosigners: list[str] = Field(
        description="The policy's witnesses whose cosignature of that checkpoint verifies."
    )
    quorum_met: bool = Field(description="Whether those cosigners meet the policy's quorum.")
    latest_confirmed_size: int | None = Field(
        description="The latest checkpoint whose cosigners meet the quorum (null: none)."
    )
    policy_problem: str | None = Field(
        description="Why no checkpoint can be confirmed now (e.g. a party with no witness "
        "enrolled); null otherwise."
    )


@router.get(
    "/policy",
    operation_id="get_witness_policy",
    response_class=Response,
    responses={
        200: {"content": {POLICY_TYPE: {}}, "description": "The C2SP tlog-policy text."},
        **documented(404, 409),
    },
)
def policy(store: StoreDep) -> Response:
    """The witness policy (C2SP tlog-policy) a checkpoint's cosignatures must meet."""
    text = confirmation_service.store_policy(store).to_text()
    return Response(text, media_type=POLICY_TYPE, headers={"Cache-Control": "no-cache"})


@router.get(
    "/confirmation",
    operation_id="get_checkpoint_confirmation",
    response_model=ConfirmationOut,
    responses=documented(404),
)
def confirmation(store: StoreDep) -> ConfirmationOut:
    """The latest checkpoint, its cosigners, and whether they meet the witness policy."""
    found = confirmation_service.confirmation(store)
    return ConfirmationOut(
        checkpoint_size=found.size,
        cosigners=list(found.cosigners),
        quorum_met=found.quorum_met,
        latest_confirmed_size=found.latest_confirmed,
        policy_problem=found.problem,
    )
