"""How close a clustering is to the truth: pairwise and B-cubed precision, recall and F1.

*Pairwise* counts pairs of reports put together: precision is the share of predicted pairs
that are true, recall the share of true pairs predicted. *B-cubed* (Bagga & Baldwin 1998)
averages over reports: for each, the share of its predicted incident that truly belongs with
it (precision) and the share of its true incident that was found with it (recall). Both take
mappings report → cluster label over the same reports; with no pairs to find or to get
wrong, a score is 1.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from ceasefire.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Scores:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 0.0 if total == 0 else 2 * self.precision * self.recall / total

    def __str__(self) -> str:
        return f"P {self.precision:.4f}  R {self.recall:.4f}  F1 {self.f1:.4f}"


def _counts(
    predicted: Mapping[str, Hashable], gold: Mapping[str, Hashable]
) -> tuple[Counter[tuple[Hashable, Hashable]], Counter[Hashable], Counter[Hashable]]:
    if predicted.keys() != gold.keys():
        raise InvalidInput("predicted and gold clusterings must cover the same reports")
    cells = Counter((predicted[r], gold[r]) for r in gold)
    return cells, Counter(predicted.values()), Counter(gold.values())


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise(predicted: Mapping[str, Hashable], gold: Mapping[str, Hashable]) -> Scores:
    """Pairwise precision and recall of ``predicted`` against ``gold``."""
    cells, by_predicted, by_gold = _counts(predicted, gold)
    true = sum(_pairs(n) for n in cells.values())
    found = sum(_pairs(n) for n in by_predicted.values())
    wanted = sum(_pairs(n) for n in by_gold.values())
    return Scores(true / found if found else 1.0, true / wanted if wanted else 1.0)


def bcubed(predicted: Mapping[str, Hashable], gold: Mapping[str, Hashable]) -> Scores:
    """B-cubed precision and recall of ``predicted`` against ``gold``."""
    cells, by_predicted, by_gold = _counts(predicted, gold)
    if not gold:
        return Scores(1.0, 1.0)
    precision = sum(n * n / by_predicted[p] for (p, _), n in cells.items()) / len(gold)
    recall = sum(n * n / by_gold[g] for (_, g), n in cells.items()) / len(gold)
    return Scores(precision, recall)
