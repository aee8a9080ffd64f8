"""Witnesses send their cosignatures back: ``POST /log/cosignatures``.

A party's witness (``ceasefire witness``) follows the log, checks it and cosigns the checkpoint
it checked (C2SP tlog-cosignature). It posts the cosignature line here; the store keeps it only
if it verifies under a key enrolled in the log with the ``witness`` role
(``services.witnessing.attach``), so the route takes no token: the signature is the
credential. ``GET /log/checkpoint`` then serves the checkpoint with it attached.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from ceasefire.api.deps import StoreDep
from ceasefire.api.problems import documented
from ceasefire.api.schemas import Shape
from ceasefire.errors import InvalidInput
from ceasefire.log.note import NoteSignature
from ceasefire.services import witnessing

router = APIRouter(prefix="/log", tags=["log"], responses=documented(400, 403, 404, 422))


class CosignatureIn(Shape):
    """A witness's cosignature of the checkpoint of ``size`` leaves."""

    size: int
    cosignature: str
    """The note signature line, ``— <witness name> <base64>``."""


class CosignatureOut(Shape):
    size: int
    name: str
    timestamp: int


@router.post(
    "/cosignatures", operation_id="add_cosignature", status_code=201, response_model=CosignatureOut
)
def add_cosignature(
    store: StoreDep, cosignature: Annotated[CosignatureIn, Body()]
) -> CosignatureOut:
    """Attach an enrolled witness's cosignature (C2SP tlog-cosignature, Ed25519 cosignature/v1)
    to the stored checkpoint of ``size`` leaves."""
    if cosignature.size < 1:
        raise InvalidInput("a cosigned checkpoint has at least one entry", field="size")
    signature = NoteSignature.from_line(cosignature.cosignature)
    timestamp = witnessing.attach(store, cosignature.size, signature)
    return CosignatureOut(size=cosignature.size, name=signature.name, timestamp=timestamp)
