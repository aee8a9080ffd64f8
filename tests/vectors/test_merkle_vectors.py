"""RFC 6962 hashing and proofs against third-party vectors (see README.md in this folder)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from ceasefire.errors import VerificationError
from ceasefire.log.hashing import EMPTY_ROOT, leaf_hash, leaf_hashes, node_hash
from ceasefire.log.merkle import MemoryTree, completed_nodes
from ceasefire.log.proofs import verify_consistency, verify_inclusion

HERE = Path(__file__).parent


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((HERE / name).read_text(encoding="utf-8"))
    return data


def unhex(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(value) for value in values]


def checkpoint_root(note: str) -> bytes:
    """Line 3 of a C2SP checkpoint's text: the base64 RFC 6962 root."""
    return base64.b64decode(note.split("\n")[2], validate=True)


HASHING = load("rfc6962_hashing.json")
REFERENCE = load("rfc6962_proofs_reference.json")
INCLUSION_PROBES = load("tdmerkle_inclusion_probes.json")["probes"]
CONSISTENCY_PROBES = load("tdmerkle_consistency_probes.json")["probes"]
REKOR = load("sigstore_rekor_v2_inclusion.json")["cases"]
TESSERA = load("tessera_posix_testlog.json")
TREE_LEAVES = unhex(HASHING["tree"]["leaf_inputs_hex"])


def reference_tree() -> MemoryTree:
    tree = MemoryTree()
    tree.extend(TREE_LEAVES)
    return tree


# --- rfc6962_hashing.json -----------------------------------------------------------------


@pytest.mark.parametrize("case", HASHING["primitive_cases"], ids=lambda case: case["op"])
def test_hashing_primitives_match_rfc6962_vectors(case: dict[str, Any]) -> None:
    want = bytes.fromhex(case["want"])
    if case["op"] == "empty_root":
        assert want == EMPTY_ROOT
    elif case["op"] == "leaf_hash":
        assert leaf_hash(bytes.fromhex(case["input_hex"])) == want
    else:
        assert node_hash(bytes.fromhex(case["left_hex"]), bytes.fromhex(case["right_hex"])) == want


def test_every_node_hash_of_the_reference_tree_matches() -> None:
    levels = HASHING["tree"]["node_hashes_by_level"]["levels"]
    want = {
        (lvl, i): bytes.fromhex(h)
        for lvl, hashes in enumerate(levels)
        for i, h in enumerate(hashes)
    }
    assert reference_tree().read_nodes(list(want)) == want
    nodes, _ = completed_nodes(0, [], leaf_hashes(TREE_LEAVES))
    assert {(level, index): value for level, index, value in nodes} == want


@pytest.mark.parametrize("size", range(9))
def test_root_of_every_reference_tree_size_matches(size: int) -> None:
    want = bytes.fromhex(HASHING["tree"]["roots_by_tree_size"][str(size)])
    assert reference_tree().root(size) == want


# --- rfc6962_proofs_reference.json --------------------------------------------------------


@pytest.mark.parametrize(
    "case", REFERENCE["inclusion"], ids=lambda c: f"{c['leaf_index']}-of-{c['tree_size']}"
)
def test_reference_inclusion_proofs_are_generated_and_verify(case: dict[str, Any]) -> None:
    tree, proof = reference_tree(), unhex(case["proof"])
    index, size, root = case["leaf_index"], case["tree_size"], bytes.fromhex(case["root"])
    assert tree.inclusion_proof(index, size) == proof
    verify_inclusion(leaf_hash(bytes.fromhex(case["leaf_input_hex"])), index, size, proof, root)


@pytest.mark.parametrize(
    "case", REFERENCE["consistency"], ids=lambda c: f"{c['size1']}-to-{c['size2']}"
)
def test_reference_consistency_proofs_are_generated_and_verify(case: dict[str, Any]) -> None:
    tree, proof = reference_tree(), unhex(case["proof"])
    old, new = case["size1"], case["size2"]
    assert tree.consistency_proof(old, new) == proof
    verify_consistency(old, new, bytes.fromhex(case["root1"]), bytes.fromhex(case["root2"]), proof)


# --- tdmerkle_*_probes.json ---------------------------------------------------------------


@pytest.mark.parametrize("probe", INCLUSION_PROBES, ids=lambda probe: probe["file"])
def test_inclusion_probe_fails_exactly_when_expected(probe: dict[str, Any]) -> None:
    args = (
        bytes.fromhex(probe["leafHash"]),
        probe["leafIdx"],
        probe["treeSize"],
        unhex(probe["proof"]),
        bytes.fromhex(probe["root"]),
    )
    if probe["wantErr"]:
        with pytest.raises(VerificationError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("probe", CONSISTENCY_PROBES, ids=lambda probe: probe["file"])
def test_consistency_probe_fails_exactly_when_expected(probe: dict[str, Any]) -> None:
    args = (
        probe["size1"],
        probe["size2"],
        bytes.fromhex(probe["root1"]),
        bytes.fromhex(probe["root2"]),
        unhex(probe["proof"]),
    )
    if probe["wantErr"]:
        with pytest.raises(VerificationError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


# --- sigstore_rekor_v2_inclusion.json -----------------------------------------------------


@pytest.mark.parametrize("case", REKOR, ids=lambda case: f"size-{case['tree_size']}")
def test_rekor_v2_inclusion_proof_verifies_against_its_checkpoint(case: dict[str, Any]) -> None:
    root = checkpoint_root(case["checkpoint"])
    assert root == bytes.fromhex(case["root"])
    assert case["checkpoint"].split("\n")[1] == str(case["tree_size"])
    leaf = leaf_hash(base64.b64decode(case["leaf_input_b64"], validate=True))
    verify_inclusion(leaf, case["leaf_index"], case["tree_size"], unhex(case["proof"]), root)


# --- tessera_posix_testlog.json -----------------------------------------------------------

TESSERA_ENTRIES = [entry.encode("ascii") for entry in TESSERA["entries_ascii"]]


def decode_bundle(bundle: bytes) -> list[bytes]:
    """A tlog-tiles entry bundle: entries, each after its uint16 big-endian length."""
    entries, offset = [], 0
    while offset < len(bundle):
        length = int.from_bytes(bundle[offset : offset + 2], "big")
        entries.append(bundle[offset + 2 : offset + 2 + length])
        offset += 2 + length
    assert offset == len(bundle)
    return entries


@pytest.mark.parametrize("size", range(16))
def test_tessera_checkpoint_root_is_the_rfc6962_root_of_its_entries(size: int) -> None:
    note = TESSERA["checkpoints"][str(size)]
    assert note.split("\n")[:2] == [TESSERA["origin"], str(size)]
    tree = MemoryTree()
    tree.extend(TESSERA_ENTRIES[:size])
    assert tree.root() == checkpoint_root(note)


@pytest.mark.parametrize("size", range(1, 16))
def test_tessera_level0_tile_is_the_concatenated_leaf_hashes(size: int) -> None:
    tile = bytes.fromhex(TESSERA["level0_tiles_hex"][str(size)])
    assert tile == b"".join(leaf_hashes(TESSERA_ENTRIES[:size]))


@pytest.mark.parametrize("size", range(1, 16))
def test_tessera_entry_bundle_holds_the_entries(size: int) -> None:
    bundle = bytes.fromhex(TESSERA["entry_bundles_hex"][str(size)])
    assert decode_bundle(bundle) == TESSERA_ENTRIES[:size]


def test_tessera_checkpoints_are_consistent_with_each_other() -> None:
    tree = MemoryTree()
    tree.extend(TESSERA_ENTRIES)
    roots = [checkpoint_root(TESSERA["checkpoints"][str(size)]) for size in range(16)]
    for new in range(1, 16):
        for old in range(1, new + 1):
            proof = tree.consistency_proof(old, new)
            verify_consistency(old, new, roots[old], roots[new], proof)
