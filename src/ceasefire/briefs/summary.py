"""The brief's summary paragraph, written from its figures alone.

Every sentence is a template filled with numbers and names the brief already holds; nothing is
said that a table below does not show, and the same brief always reads the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ceasefire.briefs.model import Brief, Count


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def compared(current: int, previous: int) -> str:
    if current == previous:
        return "the same as in the previous period"
    direction = "up" if current > previous else "down"
    return f"{direction} from {previous} in the previous period"


def summarise(brief: Brief) -> str:
    """One paragraph: reports, where and against whom, incidents, findings, compliance,
    replies, penalties, status, and what the edition withheld."""
    sentences = [
        f"Between {brief.current.first.isoformat()} and {brief.current.last.isoformat()} the "
        f"mechanism received {plural(brief.received, 'report')} of acts on the ground "
        "(allegations and observations), "
        f"{compared(brief.received, brief.received_before)}."
    ]
    top_act, top_sector = _top(brief.by_act), _top(brief.by_sector)
    if top_act is not None and top_sector is not None:
        sentences.append(
            f"The most reported act was {top_act.label.lower()} ({top_act.current}), and the "
            f"most affected sector {top_sector.label} ({top_sector.current})."
        )
    parties = [c for c in brief.by_party if c.current]
    if parties:
        listed = "; ".join(f"{plural(c.current, 'allegation')} against {c.label}" for c in parties)
        sentences.append(f"By alleged party: {listed}.")
    sentences.append(
        f"{plural(len(brief.incidents), 'new incident').capitalize()} "
        f"{'was' if len(brief.incidents) == 1 else 'were'} formed from public reports, and "
        f"{plural(len(brief.findings), 'finding')} issued."
    )
    overdue = sum(1 for c in brief.commitments if c.status == "overdue")
    breached = sum(1 for c in brief.commitments if c.status == "breached")
    sentences.append(
        f"Of {plural(len(brief.commitments), 'commitment')}, {overdue} "
        f"{'is' if overdue == 1 else 'are'} overdue and {breached} breached; "
        f"{plural(brief.evidence_received, 'compliance claim')} received."
    )
    missed = sum(1 for r in brief.replies if r.state == "missed")
    pending = len(brief.replies) - missed
    sentences.append(
        f"{plural(pending, 'reply', 'replies').capitalize()} pending and {missed} missed."
    )
    imposed = sum(1 for p in brief.penalties if p.change == "imposed")
    if brief.penalties:
        sentences.append(f"{plural(imposed, 'penalty', 'penalties').capitalize()} imposed.")
    sentences.append(f"At the end of the period the ceasefire's status was {brief.status}.")
    if brief.restrictions:
        sentences.append(
            f"{plural(len(brief.restrictions), 'restriction').capitalize()} on the monitors "
            f"{'was' if len(brief.restrictions) == 1 else 'were'} reported."
        )
    withheld = brief.withheld
    if withheld.reports:
        sentences.append(
            f"{plural(withheld.reports, 'report').capitalize()} "
            f"{'was' if withheld.reports == 1 else 'were'} withheld from this edition."
        )
    return " ".join(sentences)


def _top(counts: tuple[Count, ...]) -> Count | None:
    found = [c for c in counts if c.current and c.key != "unstated"]
    return found[0] if found else None
