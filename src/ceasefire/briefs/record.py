"""The reports and the agreement as the log's first ``size`` entries leave them.

A brief reads the log itself, not the read models (which show the record as it is now): every
report is taken as it stood at the checkpoint — corrected, withdrawn or disclosed only by
entries before it — and the agreement is the version in force at its last entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ceasefire.domain import events
from ceasefire.domain.actors import Actor
from ceasefire.domain.adoption import Adoption, Proposal, Signature, adoptions, in_force
from ceasefire.domain.agreements import Agreement
from ceasefire.domain.casework import parse_time
from ceasefire.domain.policy import Action, Record, decide
from ceasefire.domain.projection import Entry
from ceasefire.domain.reports import parse_report, public_view
from ceasefire.errors import Conflict


@dataclass(frozen=True)
class BriefReport:
    """One report (its latest version at the checkpoint), as the log holds it.

    ``content`` is None where the store holds only the commitment of a confidential report.
    ``received`` is when its first version entered the log: a correction is not a new report.
    """

    id: str
    index: int
    received: datetime
    actor: str
    affiliation: str | None
    confidential: bool
    disclosed: bool
    withdrawn: bool
    content: Mapping[str, Any] | None

    @property
    def record(self) -> Record:
        return Record(self.actor, self.affiliation, self.confidential, self.disclosed)

    def seen_by(self, viewer: Actor | None) -> Mapping[str, Any] | None:
        """The content as ``viewer`` may see it (withheld sources hidden, places blurred);
        None when the policy withholds the report from it."""
        if self.content is None or not decide(viewer, Action.READ, self.record):
            return None
        if decide(viewer, Action.READ_SOURCES, self.record):
            return self.content
        return public_view(parse_report(self.content))

    def sources_withheld(self, viewer: Actor | None) -> bool:
        """Whether ``viewer`` reads this report with some of its sources withheld."""
        seen = self.seen_by(viewer)
        return seen is not None and seen is not self.content and seen != self.content


@dataclass(frozen=True)
class Reports:
    """Every report at the checkpoint, by id, in log order of first receipt."""

    by_id: Mapping[str, BriefReport]


def reports(entries: Iterable[Entry]) -> Reports:
    """Fold the ``report.*`` entries: each correction replaces its report's content and keeps
    its first receipt; a withdrawal marks it; a disclosure makes it public."""
    found: dict[str, BriefReport] = {}
    versions: dict[str, str] = {}
    """A correction's id → the id of the report it is a version of."""
    for entry in entries:
        content = entry.content
        if entry.type == events.REPORT_SUBMITTED:
            found[entry.id] = BriefReport(
                entry.id,
                entry.index,
                parse_time(entry.time),
                entry.actor,
                entry.affiliation,
                entry.confidential,
                False,
                False,
                content,
            )
        elif entry.type == events.REPORT_CORRECTED and content is not None:
            original = versions.get(str(content["corrects"]), str(content["corrects"]))
            versions[entry.id] = original
            if original in found:
                found[original] = replace(
                    found[original],
                    content=content["report"],
                    confidential=found[original].confidential or entry.confidential,
                )
        elif entry.type == events.REPORT_WITHDRAWN and content is not None:
            target = versions.get(str(content["report"]), str(content["report"]))
            if target in found:
                found[target] = replace(found[target], withdrawn=True)
        elif entry.type == events.REPORT_DISCLOSED and content is not None:
            target = versions.get(str(content["report"]), str(content["report"]))
            disclosed = content["body"]
            if "corrects" in disclosed:
                disclosed = disclosed["report"]
            if target in found:
                found[target] = replace(found[target], disclosed=True, content=disclosed)
    return Reports(found)


def agreement_at(entries: Iterable[Entry]) -> Adoption:
    """The version of the agreement in force after the last of ``entries``."""
    proposals: list[Proposal] = []
    signatures: list[Signature] = []
    for entry in entries:
        body = entry.body
        if body is None:
            continue
        if entry.type == events.AGREEMENT_PROPOSED:
            agreement = Agreement.from_document(body["agreement"])
            proposals.append(Proposal(agreement, str(body["digest"]), entry.index))
        elif entry.type == events.AGREEMENT_SIGNED:
            signatures.append(
                Signature(
                    int(body["version"]),
                    str(body["signatory"]),
                    str(body["digest"]),
                    entry.actor,
                    entry.index,
                )
            )
    adoption = in_force(adoptions(proposals, signatures))
    if adoption is None:
        raise Conflict(
            "no version of the agreement was in force at this checkpoint: a brief is judged by "
            "the adopted agreement",
            field="checkpoint",
        )
    return adoption
