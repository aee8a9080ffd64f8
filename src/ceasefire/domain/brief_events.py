"""A published brief, as an event: the digests anyone can compare with their own regeneration.

A brief (``ceasefire.briefs``) is a pure function of a log checkpoint and a few options, so
it need not be stored: what the log records is that the secretariat published it, and the
SHA-256 of the HTML and Markdown it rendered. Any party regenerates the brief from its copy of
the log at the same checkpoint and compares the digests.

=====================  ==============================================================
type                   body
=====================  ==============================================================
``brief.published``    ``{period, date, edition, checkpoint: {size, root},
                       agreement_version, sha256: {html, md}}``
=====================  ==============================================================

It is public, and may be made by the secretariat and the operator (``Action.PUBLISH_BRIEF``),
who publish checkpoints and briefs (design notes, "Who uses it").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Final

from ceasefire.domain.fields import Fields

BRIEF_PUBLISHED: Final = "brief.published"
BRIEF_TYPES: Final = frozenset({BRIEF_PUBLISHED})
BRIEF_NAMESPACES: Final = ("brief.",)


class BriefPeriod(StrEnum):
    """How much time a brief covers: the day, the seven days, or the calendar month ending
    on (containing, for a month) its date."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class Edition(StrEnum):
    """Who a brief is for: the public (the public record only) or the mechanism's side."""

    PUBLIC = "public"
    CONFIDENTIAL = "confidential"


@dataclass(frozen=True)
class BriefPublished:
    period: BriefPeriod
    day: date
    edition: Edition
    checkpoint_size: int
    checkpoint_root: str
    """The checkpoint's root hash as 64 lowercase hex digits."""
    agreement_version: int
    html_sha256: str
    md_sha256: str

    def to_body(self) -> dict[str, Any]:
        return {
            "period": self.period.value,
            "date": self.day.isoformat(),
            "edition": self.edition.value,
            "checkpoint": {"size": self.checkpoint_size, "root": self.checkpoint_root},
            "agreement_version": self.agreement_version,
            "sha256": {"html": self.html_sha256, "md": self.md_sha256},
        }


def brief_published(body: Mapping[str, Any]) -> BriefPublished:
    """Parse a ``brief.published`` body strictly (every field named where it is wrong)."""
    fields = Fields(body, "body")
    checkpoint = fields.object("checkpoint")
    digests = fields.object("sha256")
    published = BriefPublished(
        period=fields.enum("period", BriefPeriod),
        day=fields.day("date"),
        edition=fields.enum("edition", Edition),
        checkpoint_size=checkpoint.integer("size", minimum=1),
        checkpoint_root=checkpoint.sha256("root"),
        agreement_version=fields.integer("agreement_version", minimum=1),
        html_sha256=digests.sha256("html"),
        md_sha256=digests.sha256("md"),
    )
    checkpoint.done()
    digests.done()
    fields.done()
    return published
