"""Where an imported report came from: the dataset, its release, its own id, every column.

An observation brought in from ACLED, UCDP or any other dataset keeps the dataset's own id
(so a re-import finds it again, and an analyst can trace it back) and every column the row had,
as the original strings (so nothing is dropped, and an export gives back the same values).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ceasefire.domain.fields import Fields
from ceasefire.domain.report_parts import MAX_NAME, check_text, located, require
from ceasefire.errors import InvalidInput

MAX_ATTRIBUTES: Final = 500
"""More columns than any dataset we know (GTD has 138)."""
MAX_ATTRIBUTE: Final = 20_000
"""As long as a narrative: ACLED's notes and UCDP's source texts run to a few thousand."""
DATASET: Final = re.compile(r"[a-z0-9][a-z0-9._-]*(:[A-Za-z0-9._ -]+)?")


def origin_key(dataset: str, row_id: str) -> str:
    """``dataset:id``, the one spelling of a dataset row's key (``rm_reports.origin``)."""
    return f"{dataset}:{row_id}"


@dataclass(frozen=True)
class Origin:
    """The row of a dataset a report was imported from.

    ``dataset`` names the dataset (``acled``, ``ucdp-ged``, ``ucdp-candidate``,
    ``geojson:<name>``, ``csv:<name>``), ``release`` its version where it has one, ``id`` the
    dataset's own id for the row, and ``attributes`` every column of the row as it was read.
    """

    dataset: str
    id: str
    release: str = ""
    attributes: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        # One order, so that parsing the body back gives an equal value.
        object.__setattr__(self, "attributes", tuple(sorted(self.attributes)))
        require(
            len(self.dataset) <= MAX_NAME and DATASET.fullmatch(self.dataset) is not None,
            "dataset",
            f"expected a dataset name such as acled or csv:my-source, found {self.dataset!r}",
        )
        check_text(self.id, "id")
        if self.release:
            check_text(self.release, "release")
        require(
            len(self.attributes) <= MAX_ATTRIBUTES,
            "attributes",
            f"expected at most {MAX_ATTRIBUTES} columns, found {len(self.attributes)}",
        )
        for name, value in self.attributes:
            if not name or len(name) > MAX_NAME:
                raise InvalidInput(
                    f"expected a column name of 1 to {MAX_NAME} characters, found {name!r:.60}",
                    field="attributes",
                )
            if len(value) > MAX_ATTRIBUTE:
                raise InvalidInput(
                    f"expected at most {MAX_ATTRIBUTE} characters, found {len(value)}",
                    field=f"attributes.{name}",
                )

    @property
    def key(self) -> str:
        """``dataset:id``: how the record finds the report a row became."""
        return origin_key(self.dataset, self.id)

    def attribute(self, name: str) -> str | None:
        return dict(self.attributes).get(name)


def parse_origin(f: Fields) -> Origin:
    dataset = f.text("dataset", max_length=MAX_NAME)
    id = f.text("id", max_length=MAX_NAME)
    release = f.optional("release", lambda n: f.text(n, max_length=MAX_NAME, empty=True)) or ""
    attributes = f.optional("attributes", lambda n: _attributes(f.raw(n), f.where(n))) or ()
    f.done()
    with located(f.path):
        return Origin(dataset, id, release, attributes)


def _attributes(value: object, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping):
        raise InvalidInput(
            f"expected an object of column names to strings, found {type(value).__name__}",
            field=where,
        )
    pairs = []
    for name, text in value.items():
        if not isinstance(text, str):
            raise InvalidInput(
                f"expected the column's original text, found {type(text).__name__}",
                field=f"{where}.{name}",
            )
        pairs.append((str(name), text))
    return tuple(sorted(pairs))


def origin_body(origin: Origin) -> dict[str, Any]:
    body: dict[str, Any] = {"dataset": origin.dataset, "id": origin.id}
    if origin.release:
        body["release"] = origin.release
    if origin.attributes:
        body["attributes"] = dict(origin.attributes)
    return body
