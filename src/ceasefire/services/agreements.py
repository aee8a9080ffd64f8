"""The agreement's versions: proposed by the secretariat, adopted when every signatory signs."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ceasefire.domain import events
from ceasefire.domain import projection as pj
from ceasefire.domain.adoption import Adoption, Proposal, Signature, adoptions, in_force
from ceasefire.domain.agreements import Agreement
from ceasefire.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ceasefire.log.keys import SigningKey
from ceasefire.services.log import Appended, submit
from ceasefire.services.ports import Clock, LogStore, RecordStore, Store


@dataclass(frozen=True)
class Version:
    """One proposed version: its signatures so far, and whether (and where) it was adopted."""

    proposal: Proposal
    signatures: tuple[Signature, ...]
    adopted_at: int | None
    missing: tuple[str, ...]


def propose(
    store: LogStore, agreement: Agreement, *, key: SigningKey, log_key: SigningKey, clock: Clock
) -> Appended:
    body = {
        "version": agreement.version,
        "digest": agreement.digest(),
        "agreement": agreement.to_document(),
    }
    appended, _ = submit(store, key, events.AGREEMENT_PROPOSED, body, log_key=log_key, clock=clock)
    return appended


def sign(
    store: Store,
    *,
    key: SigningKey,
    version: int | None,
    log_key: SigningKey,
    clock: Clock,
) -> Appended:
    """``key``'s actor signs a version (default: the latest) for the party or mediator it
    acts for."""
    proposals = _proposals(store)
    if not proposals:
        raise NotFound("no version of the agreement has been proposed", field="version")
    chosen = proposals[-1] if version is None else _version(proposals, version)
    signer = next((r for r in store.key_records() if r.public_key == key.public_key), None)
    if signer is None or signer.affiliation is None:
        raise PermissionDenied(
            f"actor {key.name!r} signs for no party or mediator (enrol it with an affiliation)",
            field="key",
        )
    body = {"version": chosen.version, "digest": chosen.digest, "signatory": signer.affiliation}
    appended, _ = submit(store, key, events.AGREEMENT_SIGNED, body, log_key=log_key, clock=clock)
    return appended


def versions(records: RecordStore) -> list[Version]:
    proposals = _proposals(records)
    signatures = _signatures(records)
    adopted = {a.proposal.version: a for a in adoptions(proposals, signatures)}
    found = []
    for proposal in proposals:
        mine = tuple(s for s in signatures if s.version == proposal.version)
        signed = {s.signatory for s in mine if s.digest == proposal.digest}
        adoption = adopted.get(proposal.version)
        found.append(
            Version(
                proposal,
                mine,
                adoption.adopted_at if adoption else None,
                tuple(s for s in proposal.agreement.signatories() if s not in signed),
            )
        )
    return found


def in_force_now(records: RecordStore) -> Adoption | None:
    return in_force(adoptions(_proposals(records), _signatures(records)))


def in_force_at(records: RecordStore, index: int) -> Adoption | None:
    """The version in force just after entry ``index``; before any was adopted, the first one
    adopted (its rules, with nothing yet to count, give the state of the record then)."""
    adopted = adoptions(_proposals(records), _signatures(records))
    return in_force(adopted, index) or (adopted[0] if adopted else None)


def require_in_force(records: RecordStore) -> Adoption:
    adoption = in_force_now(records)
    if adoption is None:
        raise Conflict(
            "no version of the agreement is in force: propose it (`ceasefire agreement propose`) "
            "and have every party and mediator sign it (`ceasefire agreement sign`)",
            field="agreement",
        )
    return adoption


def _version(proposals: list[Proposal], version: int) -> Proposal:
    for proposal in proposals:
        if proposal.version == version:
            return proposal
    known = ", ".join(str(p.version) for p in proposals)
    raise NotFound(f"no version {version}; the versions are {known}", field="version")


def _proposals(records: RecordStore) -> list[Proposal]:
    return [
        Proposal(Agreement.from_document(json.loads(r["document"])), r["digest"], r["idx"])
        for r in records.table(pj.AGREEMENTS)
    ]


def _signatures(records: RecordStore) -> list[Signature]:
    return [
        Signature(r["version"], r["signatory"], r["digest"], r["actor"], r["idx"])
        for r in records.table(pj.SIGNATURES)
    ]


def check_terms(
    records: RecordStore,
    *,
    act: str | None = None,
    party: str | None = None,
    sector: str | None = None,
) -> None:
    """Refuse a filter that names an act, a party (or mediator) or a sector the agreement in
    force does not know: a typo would otherwise read as "nothing matches". With no agreement
    in force there is nothing to hold a name against."""
    if act is None and party is None and sector is None:
        return
    adoption = in_force_now(records)
    if adoption is None:
        return
    agreement = adoption.agreement
    terms = (
        ("act", act, [a.id for a in agreement.acts]),
        ("party", party, list(agreement.signatories())),
        ("sector", sector, [s.id for s in agreement.sectors]),
    )
    for field, value, known in terms:
        if value is not None and value not in known:
            raise InvalidInput(
                f"the agreement in force knows no {field} {value!r}; "
                f"it knows {', '.join(known) or 'none'}",
                field=field,
            )
