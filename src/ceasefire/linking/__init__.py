"""Linking reports into incidents: a pure, incremental engine with explained scores.

``Sighting`` (``model``) is one report as the linker sees it; ``compare`` explains one pair;
``Linker`` adds reports one by one and applies monitors' overrides; ``link_all`` links a whole
batch with the same result, fast; ``metrics`` scores a clustering against a gold one.
"""

from __future__ import annotations

from ceasefire.domain.report_places import DatePrecision
from ceasefire.linking.comparison import Comparison, Outcome, compare
from ceasefire.linking.linker import (
    Confirm,
    Decision,
    Detach,
    Link,
    Linker,
    Merge,
    Override,
    Split,
    incidents_of,
    link_all,
)
from ceasefire.linking.model import LocationPrecision, Sighting, sighting_from_body

__all__ = [
    "Comparison",
    "Confirm",
    "DatePrecision",
    "Decision",
    "Detach",
    "Link",
    "Linker",
    "LocationPrecision",
    "Merge",
    "Outcome",
    "Override",
    "Sighting",
    "Split",
    "compare",
    "incidents_of",
    "link_all",
    "sighting_from_body",
]
