"""``ceasefire status`` and ``ceasefire commitments``: what enforcement concludes from the log as
of a moment, with the explanation each figure rests on (its log indices shown ``[#18 #19]``).
The JSON is the evaluation's own document, the bytes any party recomputes from its copy."""

from __future__ import annotations

from pathlib import Path

from ceasefire.cli import output
from ceasefire.cli.casework_common import AsOfOption, as_of, cited, reading
from ceasefire.cli.common import DatabaseOption, DataOption, JsonOption
from ceasefire.domain.enforcement import Evaluation, Explanation, PartyStanding, PartyStatus
from ceasefire.services import casework


def status(
    when: AsOfOption = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """The ceasefire's status (holding, strained, breached), the party it names and who
    declares it, why, and each party's status and standing on the penalty ladder."""
    evaluation = _evaluate(when, data, database_url)
    if json:
        output.json_line(evaluation.to_document())
        return
    output.data(_headline(evaluation))
    output.tree(branch(evaluation.explanation))
    statuses = {s.party: s for s in evaluation.party_statuses}
    for standing in evaluation.parties:
        output.data(_party_line(statuses[standing.party], standing))


def commitments(
    when: AsOfOption = None,
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Each commitment's status (met, due, overdue, breached), next deadline and missed ones."""
    evaluation = _evaluate(when, data, database_url)
    if json:
        for commitment in evaluation.commitments:
            output.json_line(commitment.to_document())
        return
    output.table(
        f"commitments as of {evaluation.to_document()['as_of']}",
        ["commitment", "party", "kind", "status", "next deadline", "missed deadlines"],
        [
            [c.id, c.party, c.kind, c.status,
             c.next_deadline.isoformat() if c.next_deadline else "—",
             ", ".join(day.isoformat() for day in c.missed) or "—"]
            for c in evaluation.commitments
        ],
    )  # fmt: skip


def _evaluate(when: str | None, data: Path | None, database_url: str | None) -> Evaluation:
    moment = as_of(when)
    with reading(data, database_url) as store:
        return casework.status(store, moment)


def branch(node: Explanation) -> output.Branch:
    """An explanation as a tree for people, each statement with the indices it cites."""
    children = tuple(branch(child) for child in node.children)
    return output.Branch(node.text + cited(node.indices), node.holds, children)


def _headline(evaluation: Evaluation) -> str:
    document = evaluation.to_document()
    line = (
        f"{evaluation.agreement} version {evaluation.version}, as of {document['as_of']}: "
        f"{evaluation.status}"
    )
    if evaluation.status_party:
        line += f" by {evaluation.status_party}"
    if evaluation.declared_by:
        line += f", as declared by {evaluation.declared_by}"
    return line


def _party_line(status: PartyStatus, standing: PartyStanding) -> str:
    step = f"step {standing.step}" + (f" ({standing.step_name})" if standing.step_name else "")
    imposed = (
        f"step {standing.imposed}"
        + (f" ({standing.imposed_name})" if standing.imposed_name else "")
        if standing.imposed
        else "none"
    )
    return (
        f"{standing.party}: {status.status}; ladder: {step}, imposed: {imposed}; "
        f"{standing.verified_violations} verified violation(s), "
        f"{standing.alleged_violations} open allegation(s), "
        f"{standing.replies_missed} reply window(s) missed, "
        f"{standing.commitments_overdue} overdue, {standing.commitments_breached} breached"
    )
