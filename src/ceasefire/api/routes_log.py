"""The log, read as transparency logs are read: C2SP tlog-tiles paths and JSON proofs.

``checkpoint`` is the latest signed checkpoint with its cosignatures (never cached without
revalidation); ``tile/<L>/<N>[.p/<W>]`` and ``tile/entries/<N>[.p/<W>]`` are immutable (a
tile's path names its width, so its bytes never change) and cached for a year, exactly as the
static files ``ceasefire log tiles`` writes (c2sp.org/tlog-tiles). The log is public: it holds
a confidential entry only as its envelope and commitment, so these routes take no caller.
"""

from __future__ import annotations

import json
from typing import Annotated, Final

from fastapi import APIRouter, Path, Query, Response

from ceasefire.api.deps import StoreDep
from ceasefire.api.problems import documented
from ceasefire.api.schemas import ConsistencyProofOut, EntryOut, InclusionProofOut, b64
from ceasefire.errors import NotFound
from ceasefire.services import log as log_service
from ceasefire.services import tiles as tile_service

IMMUTABLE: Final = "public, max-age=31536000, immutable"
REVALIDATE: Final = "no-cache"
TILE_TYPE: Final = "application/octet-stream"
NOTE_TYPE: Final = "text/plain; charset=utf-8"

router = APIRouter(prefix="/log", tags=["log"], responses=documented(404, 422))

TilePath = Annotated[
    str,
    Path(description="`<N>[.p/<W>]`: the tile index in 3-digit elements (`x001/x234/067`)."),
]


@router.get(
    "/checkpoint",
    operation_id="get_checkpoint",
    response_class=Response,
    responses={200: {"content": {NOTE_TYPE: {}}, "description": "The signed checkpoint note."}},
)
def checkpoint(store: StoreDep) -> Response:
    """The latest checkpoint, a signed note with every witness's cosignature."""
    note = log_service.checkpoint_note(store)
    return Response(note, media_type=NOTE_TYPE, headers={"Cache-Control": REVALIDATE})


@router.get(
    "/tile/entries/{index:path}",
    operation_id="get_entry_bundle",
    response_class=Response,
    responses={200: {"content": {TILE_TYPE: {}}, "description": "An entry bundle."}},
)
def entry_bundle(store: StoreDep, index: TilePath) -> Response:
    """The entries behind level-0 tile ``N``, each after its length as a big-endian uint16."""
    return _tile(store, f"tile/entries/{index}")


@router.get(
    "/tile/{level}/{index:path}",
    operation_id="get_tile",
    response_class=Response,
    responses={200: {"content": {TILE_TYPE: {}}, "description": "A hash tile."}},
)
def hash_tile(store: StoreDep, level: str, index: TilePath) -> Response:
    """The hashes of tree level ``8·L`` at ``N·256 …``, 32 bytes each, concatenated."""
    return _tile(store, f"tile/{level}/{index}")


def _tile(store: StoreDep, path: str) -> Response:
    data = tile_service.tile(store, path)
    return Response(data, media_type=TILE_TYPE, headers={"Cache-Control": IMMUTABLE})


@router.get("/proof/inclusion", operation_id="prove_inclusion", response_model=InclusionProofOut)
def inclusion(
    store: StoreDep,
    response: Response,
    index: Annotated[int, Query(ge=0, description="The entry's log index.")],
    size: Annotated[int | None, Query(ge=1, description="Tree size [default: current].")] = None,
) -> InclusionProofOut:
    """Entry ``index``'s inclusion proof in the tree of ``size`` leaves (RFC 9162 §2.1.3)."""
    proof = log_service.prove_inclusion(store, index, size)
    response.headers["Cache-Control"] = IMMUTABLE if size is not None else REVALIDATE
    return InclusionProofOut.of(proof)


@router.get(
    "/proof/consistency", operation_id="prove_consistency", response_model=ConsistencyProofOut
)
def consistency(
    store: StoreDep,
    response: Response,
    old: Annotated[int, Query(ge=0, description="The older tree size.")],
    new: Annotated[int | None, Query(ge=0, description="The newer [default: current].")] = None,
) -> ConsistencyProofOut:
    """The proof that the tree of ``old`` leaves is a prefix of the tree of ``new``
    (RFC 9162 §2.1.4)."""
    proof = log_service.prove_consistency(store, old, new)
    response.headers["Cache-Control"] = IMMUTABLE if new is not None else REVALIDATE
    return ConsistencyProofOut.of(proof)


@router.get("/entries/{index}", operation_id="get_entry", response_model=EntryOut)
def entry(store: StoreDep, response: Response, index: Annotated[int, Path(ge=0)]) -> EntryOut:
    """The entry at ``index``: its signed envelope (a confidential one shows only its
    commitment) and its leaf hash, to check against an inclusion proof."""
    rows = store.entry_rows(index, index + 1) if index < store.head().size else []
    if not rows:
        raise NotFound(f"no entry {index} in the log", field="index")
    _, leaf, leaf_hash = rows[0]
    response.headers["Cache-Control"] = IMMUTABLE
    return EntryOut(index=index, leaf_hash=b64(leaf_hash), envelope=json.loads(leaf))
