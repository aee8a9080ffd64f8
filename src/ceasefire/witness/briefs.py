"""Check 3, briefs: every brief the log says was published, regenerated from the witness's copy.

A ``brief.published`` entry records the checkpoint a brief was computed from and the SHA-256 of
its HTML and Markdown (``domain.brief_events``). A brief is a pure function of the log at that
checkpoint, so the witness computes it again with the server's own use case
(``services.briefs``) over its own copy, and compares:

- the recorded checkpoint root with its copy's root at that size, and the recorded agreement
  version and digests with its regeneration's: a brief the log does not support is an alarm
  (``brief``) naming the entry, the period, date and edition, and both digests;
- the brief the server renders on demand at that checkpoint (``GET /briefs/{period}/{day}``,
  Markdown) with its regeneration: a server that shows another brief than the one its log
  supports is the same alarm;
- the list the server publishes (``GET /briefs``) with the ``brief.published`` entries of its
  copy: a brief listed that the log does not hold, or one omitted, is a ``figures`` alarm.

Only the public edition can be regenerated: a confidential edition counts the sealed content of
confidential reports, which the witness's copy never holds (it has their commitments only), so
its entries are skipped (docs/witness.md). Entries are checked once, in the cycle that first
sees them (those after the last cosigned tree); regenerations are cached per checkpoint size,
period, date and edition for the life of the process.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final, cast

from ceasefire.briefs.render import Format
from ceasefire.domain.brief_events import Edition
from ceasefire.errors import CeasefireError
from ceasefire.log.merkle import root_at
from ceasefire.services import briefs as brief_service
from ceasefire.services.ports import Store, StoredCheckpoint
from ceasefire.witness.alarms import Check, Finding
from ceasefire.witness.figures import MAX_DIFFERENCES, differences, short
from ceasefire.witness.remote import Server, Unreachable

DIGEST_HEADER: Final = "Digest-SHA256"
_Key = tuple[int, str, str, str]
"""A regeneration: checkpoint size, period, date and edition."""


@dataclass(frozen=True)
class Regenerated:
    """What the witness's copy gives for one brief: the digests of both renderings."""

    agreement_version: int
    html: str
    md: str


@dataclass
class Briefs:
    """The brief check of one follower, with its regenerations kept across cycles."""

    cache: dict[_Key, Regenerated] = field(default_factory=dict)
    skipped: int = 0
    """Confidential editions met so far, which a witness cannot regenerate."""

    def check(self, server: Server, store: Store, since: int, size: int) -> list[Finding]:
        """The listing, then each brief published at an index in ``since..size-1``."""
        try:
            held = [p for p in brief_service.published_briefs(store) if p.index < size]
        except CeasefireError as exc:
            return [Finding(Check.BRIEF, f"a brief.published entry cannot be read: {exc}")]
        findings = listing(server, held, size)
        for published in held:
            if len(findings) >= MAX_DIFFERENCES:
                break
            if published.index < since:
                continue
            if published.brief.edition is not Edition.PUBLIC:
                self.skipped += 1
                continue
            findings.extend(self._one(server, store, published, size))
        return findings[:MAX_DIFFERENCES]

    def _one(
        self, server: Server, store: Store, published: brief_service.Published, size: int
    ) -> list[Finding]:
        recorded = published.brief
        at = recorded.checkpoint_size
        where = _where(published)
        if at > published.index:
            return [
                _finding(
                    published,
                    size,
                    f"entry {published.index} records a brief computed from the log of size "
                    f"{at}, which did not exist when it was published",
                    expected=f"a size of at most {published.index}",
                    found=str(at),
                )
            ]
        root = root_at(store, at).hex()
        if root != recorded.checkpoint_root:
            return [
                _finding(
                    published,
                    size,
                    f"entry {published.index} records a brief of the log of size {at} with "
                    "another root than that tree's",
                    expected=root,
                    found=recorded.checkpoint_root,
                )
            ]
        try:
            mine = self.regenerate(store, published, root)
        except CeasefireError as exc:
            return [
                _finding(
                    published,
                    size,
                    f"entry {published.index} records a brief ({where}) that this witness "
                    f"cannot compute from its copy of the log: {exc}",
                    expected="a brief",
                    found=exc.code,
                )
            ]
        findings = [
            _finding(
                published,
                size,
                f"entry {published.index} records the {name} of the brief ({where}) as "
                f"{have}, but this witness's copy of the log (size {at}) gives {want}",
                expected=str(want),
                found=str(have),
                what=name,
            )
            for name, want, have in (
                ("agreement version", mine.agreement_version, recorded.agreement_version),
                ("html sha256", mine.html, recorded.html_sha256),
                ("md sha256", mine.md, recorded.md_sha256),
            )
            if want != have
        ]
        served = _served(server, published, mine, size)
        return findings + ([served] if served is not None else [])

    def regenerate(
        self, store: Store, published: brief_service.Published, root: str
    ) -> Regenerated:
        """The brief ``published`` records, computed from the witness's copy (once)."""
        recorded = published.brief
        key = (
            recorded.checkpoint_size,
            recorded.period.value,
            recorded.day.isoformat(),
            recorded.edition.value,
        )
        if key not in self.cache:
            request = brief_service.BriefRequest(
                recorded.period, recorded.day, recorded.edition, recorded.checkpoint_size
            )
            at = _AtSize(store, recorded.checkpoint_size, bytes.fromhex(root))
            brief = brief_service.compute_brief(cast(Store, at), request)
            self.cache[key] = Regenerated(
                brief.agreement_version,
                brief_service.render_brief(brief, Format.HTML).sha256,
                brief_service.render_brief(brief, Format.MD).sha256,
            )
        return self.cache[key]


class _AtSize:
    """The witness's store, answering for the checkpoint of one size from its own tree.

    ``services.briefs`` reads the checkpoint a brief is computed from as the store's signed
    checkpoint of that size. The witness's copy keeps signed checkpoints only at the sizes it
    followed, but it holds the whole tree: the root at the recorded size, computed from the copy
    (and equal to the one the entry records), is what the brief is drawn from. Everything else
    is the store's."""

    def __init__(self, store: Store, size: int, root: bytes) -> None:
        self._store, self._size, self._root = store, size, root

    def checkpoint(self, size: int) -> StoredCheckpoint:
        if size != self._size:
            return self._store.checkpoint(size)
        try:
            return self._store.checkpoint(size)
        except CeasefireError:
            when = self._store.latest_checkpoint().created_at
            return StoredCheckpoint(size, self._root, "", when)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def listing(server: Server, held: list[brief_service.Published], size: int) -> list[Finding]:
    """The server's ``GET /briefs`` against the ``brief.published`` entries of the copy."""
    expected: list[Any] = [_item(p) for p in held]
    try:
        found: Any = server.document("/briefs")["items"]
    except Unreachable as exc:
        if exc.status is None or exc.status >= 500:
            raise
        found = {"refused": exc.status}
    if isinstance(found, list):
        found = [i for i in found if not (isinstance(i, dict) and _index(i) >= size)]
        mine = {_index(i): i for i in expected}
        theirs = {_index(i): i for i in found if isinstance(i, dict)}
        expected = [mine.get(i) for i in sorted(mine.keys() | theirs.keys())]
        found = [theirs.get(i) for i in sorted(mine.keys() | theirs.keys())]
    return [
        Finding(
            Check.FIGURES,
            _listed(path, want, have, size),
            size=size,
            expected=short(want),
            found=short(have),
            events=tuple(_events(want, have)),
            details={"figure": "briefs", "path": path},
        )
        for path, want, have in differences(expected, found, "briefs")
    ][:MAX_DIFFERENCES]


def _listed(path: str, want: Any, have: Any, size: int) -> str:
    if want is None and isinstance(have, dict):
        return (
            f"the server lists a brief at index {_index(have)} ({_where_item(have)}) that its "
            f"log (size {size}) does not hold"
        )
    if have is None and isinstance(want, dict):
        return (
            f"the server's list of briefs omits the brief its log holds at index "
            f"{_index(want)} ({_where_item(want)})"
        )
    return (
        f"the server publishes {path} = {short(have)}, but its log (size {size}) "
        f"gives {short(want)}"
    )


def _events(want: Any, have: Any) -> Iterator[int]:
    for item in (want, have):
        if isinstance(item, dict) and _index(item) >= 0:
            yield _index(item)
            return


def _item(published: brief_service.Published) -> dict[str, Any]:
    """A published brief as ``GET /briefs`` lists it (api.routes_briefs)."""
    return {
        "index": published.index,
        "id": published.id,
        "actor": published.actor,
        "time": published.time,
        **published.brief.to_body(),
    }


def _index(item: dict[str, Any]) -> int:
    value = item.get("index")
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def _served(
    server: Server, published: brief_service.Published, mine: Regenerated, size: int
) -> Finding | None:
    """The Markdown the server renders at the recorded checkpoint, against the regeneration."""
    recorded = published.brief
    params = {
        "edition": recorded.edition.value,
        "format": Format.MD.value,
        "checkpoint": recorded.checkpoint_size,
    }
    path = f"/briefs/{recorded.period.value}/{recorded.day.isoformat()}"
    try:
        content, header = server.rendered(path, params, DIGEST_HEADER)
    except Unreachable as exc:
        if exc.status is None or exc.status >= 500:
            raise
        return _finding(
            published,
            size,
            f"the server refuses to render the brief entry {published.index} records "
            f"({_where(published)}): {exc.message}",
            expected="a brief",
            found=str(exc.status),
            what="served md",
        )
    digest = hashlib.sha256(content).hexdigest()
    if digest == mine.md and header == mine.md:
        return None
    return _finding(
        published,
        size,
        f"the server renders the brief entry {published.index} records ({_where(published)}) "
        f"as Markdown of sha256 {digest} (header {header or 'missing'}), but this witness's "
        f"copy of the log gives {mine.md}",
        expected=mine.md,
        found=digest if digest != mine.md else header or "missing",
        what="served md",
    )


def _finding(
    published: brief_service.Published,
    size: int,
    message: str,
    *,
    expected: str,
    found: str,
    what: str = "checkpoint",
) -> Finding:
    recorded = published.brief
    return Finding(
        Check.BRIEF,
        message,
        size=size,
        index=published.index,
        expected=expected,
        found=found,
        events=(published.index,),
        details={
            "period": recorded.period.value,
            "date": recorded.day.isoformat(),
            "edition": recorded.edition.value,
            "checkpoint": recorded.checkpoint_size,
            "compared": what,
        },
    )


def _where(published: brief_service.Published) -> str:
    recorded = published.brief
    return f"{recorded.period.value} {recorded.day.isoformat()}, {recorded.edition.value}"


def _where_item(item: dict[str, Any]) -> str:
    return f"{item.get('period')} {item.get('date')}, {item.get('edition')}"
