"""When a version of the agreement is in force: proposed, then signed by every signatory.

A version is proposed by the secretariat (``agreement.proposed``, carrying the document and its
digest) and adopted at the index of the last ``agreement.signed`` event that completes its
signatories (every party and every mediator, :meth:`Agreement.signatories`). The version in
force at an index is the highest version adopted at or before it: an amendment is a new
version, adopted the same way, and every figure names the version it used.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ceasefire.domain.agreements import Agreement


@dataclass(frozen=True)
class Proposal:
    agreement: Agreement
    digest: str
    index: int

    @property
    def version(self) -> int:
        return self.agreement.version


@dataclass(frozen=True)
class Signature:
    version: int
    signatory: str
    digest: str
    actor: str
    index: int


@dataclass(frozen=True)
class Adoption:
    """A version in force from ``adopted_at``, with the signatures (and their indices) that
    adopted it."""

    proposal: Proposal
    adopted_at: int
    signatures: tuple[Signature, ...]

    @property
    def agreement(self) -> Agreement:
        return self.proposal.agreement

    @property
    def indices(self) -> tuple[int, ...]:
        """The log entries the adoption rests on: the proposal and every signature."""
        return (self.proposal.index, *(s.index for s in self.signatures))


def adoptions(proposals: Iterable[Proposal], signatures: Iterable[Signature]) -> list[Adoption]:
    """Every adopted version, in the order they were adopted."""
    by_version: dict[int, list[Signature]] = {}
    for signature in sorted(signatures, key=lambda s: s.index):
        by_version.setdefault(signature.version, []).append(signature)
    adopted: list[Adoption] = []
    for proposal in proposals:
        needed = set(proposal.agreement.signatories())
        valid = [
            s
            for s in by_version.get(proposal.version, [])
            if s.digest == proposal.digest and s.signatory in needed
        ]
        signed = {s.signatory for s in valid}
        if needed and needed <= signed:
            adopted.append(Adoption(proposal, max(s.index for s in valid), tuple(valid)))
    return sorted(adopted, key=lambda a: a.adopted_at)


def in_force(adopted: Iterable[Adoption], index: int | None = None) -> Adoption | None:
    """The highest version adopted at or before ``index`` (None: at the end of the log)."""
    candidates = [a for a in adopted if index is None or a.adopted_at <= index]
    return max(candidates, key=lambda a: a.proposal.version, default=None)
