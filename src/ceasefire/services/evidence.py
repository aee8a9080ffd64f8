"""The evidence locker: files in, custody recorded, and what each file says checked.

A file is read (type sniffed from its bytes, size and pixel limits, EXIF, perceptual hashes)
before anything is stored, then stored by its SHA-256 and announced by a signed
``evidence.submitted`` event that is also the first step of its chain of custody. Flags are
computed when the evidence is read, from the record as it stands: a capture time or place that
disagrees with the report, and images that match earlier ones in the locker.

Over HTTP the same happens in two steps, because the server never signs for an actor:
:func:`receive_file` reads and stores an upload and answers the body the submitter must sign;
:func:`check_submission` then holds the signed ``evidence.submitted`` against the stored file
before it is admitted, so a client can neither announce a file the locker does not hold nor
claim a capture time, place or device that the file does not carry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from ceasefire.domain import events
from ceasefire.domain import projection as pj
from ceasefire.domain.actors import Actor
from ceasefire.domain.evidence import (
    Claim,
    Flag,
    Limits,
    LockerImage,
    MediaMetadata,
    check_against_claim,
    find_recycled,
)
from ceasefire.domain.policy import Action, decide, may_read, may_see_file, require
from ceasefire.domain.reports import claim_of, parse_report
from ceasefire.errors import CeasefireError, InvalidInput, NotFound, VerificationError
from ceasefire.log.keys import SigningKey
from ceasefire.services.log import Appended, Submission, submit
from ceasefire.services.ports import Analyser, BlobStore, Clock, LogStore, RecordStore, Row, Store
from ceasefire.services.record import file_record, record_of
from ceasefire.services.reports import signer_of


@dataclass(frozen=True)
class Added:
    sha256: str
    size: int
    metadata: MediaMetadata
    appended: Appended


@dataclass(frozen=True)
class CustodyStep:
    index: int
    action: str
    actor: str
    to: str | None
    note: str | None
    tool: str | None
    time: str


@dataclass(frozen=True)
class EvidenceView:
    index: int
    sha256: str
    report: str | None
    actor: str
    name: str
    size: int
    metadata: MediaMetadata
    flags: tuple[Flag, ...]
    custody: tuple[CustodyStep, ...]


def add_evidence(
    store: Store,
    blobs: BlobStore,
    analyse: Analyser,
    path: Path,
    *,
    report: str | None,
    name: str | None,
    key: SigningKey,
    limits: Limits,
    log_key: SigningKey,
    clock: Clock,
) -> Added:
    """Read, store and announce one file; a refused file leaves neither blob nor event.

    Evidence for a confidential or protected report (a withheld source, a blurred place) is
    itself confidential: its name, capture place and device would otherwise say in public what
    the report keeps back."""
    shown = name or path.name
    row = _report_row(store, report) if report is not None else None
    if report is not None and (
        row is None or not may_read(signer_of(store, key.name), record_of(row))
    ):
        raise NotFound(f"no report {report} in the record", field="report")
    confidential = _protected(row)
    metadata = analyse(path, limits=limits, name=shown)
    blob = blobs.put_file(path, max_bytes=limits.max_bytes)
    body: dict[str, object] = {
        "sha256": blob.sha256,
        "size": blob.size,
        "name": shown,
        "metadata": metadata.to_body(),
    }
    if report is not None:
        body["report"] = report
    appended, _ = submit(
        store,
        key,
        events.EVIDENCE_SUBMITTED,
        body,
        log_key=log_key,
        clock=clock,
        confidential=confidential,
    )
    return Added(blob.sha256, blob.size, metadata, appended)


@dataclass(frozen=True)
class Received:
    """An uploaded file in the locker, and the ``evidence.submitted`` body to sign for it."""

    sha256: str
    size: int
    metadata: MediaMetadata
    body: dict[str, object]
    confidential: bool


def receive_file(
    store: Store,
    blobs: BlobStore,
    analyse: Analyser,
    path: Path,
    *,
    actor: Actor,
    name: str,
    report: str | None,
    declared: str | None,
    limits: Limits,
) -> Received:
    """Read and store an uploaded file: the first of the two steps of a submission over HTTP.

    The file is read before it is stored, so a refused file leaves no blob. ``confidential``
    says the event must be signed sealed (evidence for a protected report, as in
    :func:`add_evidence`). ``declared`` is the type the sender says the file is, if any."""
    require(actor, Action.SUBMIT_EVIDENCE)
    row = _readable_report(store, actor, report, "report")
    metadata = analyse(path, limits=limits, name=name)
    if declared is not None and declared != metadata.media_type:
        raise InvalidInput(
            f"the request says {declared}, the content is {metadata.media_type}",
            field="Content-Type",
        )
    blob = blobs.put_file(path, max_bytes=limits.max_bytes)
    body: dict[str, object] = {
        "sha256": blob.sha256,
        "size": blob.size,
        "name": name,
        "metadata": metadata.to_body(),
    }
    if report is not None:
        body["report"] = report
    return Received(blob.sha256, blob.size, metadata, body, _protected(row))


def check_submission(
    store: Store,
    blobs: BlobStore,
    analyse: Analyser,
    submission: Submission,
    *,
    actor: Actor,
    limits: Limits,
) -> None:
    """Hold an ``evidence.submitted`` event signed elsewhere against the locker, before it is
    admitted: 1. the file is in the locker (NotFound); 2. its size is the stored file's and
    3. its metadata is exactly what the server reads from the stored file under the signed
    name (VerificationError otherwise); 4. evidence for a protected report is sealed."""
    envelope, sealed = submission.envelope, submission.sealed
    part, content = (
        ("sealed.body", sealed.body) if sealed is not None else ("envelope.body", envelope.body)
    )
    if content is None:
        raise InvalidInput("a confidential event comes with its sealed content", field="sealed")
    try:
        claimed = events.evidence_submitted(content)
    except CeasefireError as exc:
        raise type(exc)(exc.message, field=_under(part, exc.field)) from exc
    if not blobs.exists(claimed.sha256):
        raise NotFound(
            f"no file {claimed.sha256} in the locker: upload it first "
            "(POST /api/v1/evidence/files)",
            field=f"{part}.sha256",
        )
    path = blobs.path(claimed.sha256)
    try:
        found = analyse(path, limits=limits, name=claimed.name)
    except InvalidInput as exc:  # the stored file is fine; the signed name contradicts it
        field = f"{part}.name" if exc.field == "name" else f"{part}.sha256"
        raise InvalidInput(exc.message, field=field) from exc
    size = path.stat().st_size
    if claimed.size != size:
        raise VerificationError(
            f"the signed size is {claimed.size} bytes, the stored file has {size}",
            field=f"{part}.size",
        )
    if claimed.metadata != found:
        differ = sorted(
            k
            for k in claimed.metadata.to_body().keys() | found.to_body().keys()
            if claimed.metadata.to_body().get(k) != found.to_body().get(k)
        )
        raise VerificationError(
            f"the signed metadata differs from what the file says in {', '.join(differ)}: "
            "sign the metadata the upload answered",
            field=f"{part}.metadata.{differ[0]}" if differ else f"{part}.metadata",
        )
    row = _readable_report(store, actor, claimed.report, f"{part}.report")
    if sealed is None and _protected(row):
        raise InvalidInput(
            f"evidence for report {claimed.report} must be confidential: the report is "
            "confidential or protects a source or a place",
            field="envelope.confidential",
        )


def _readable_report(store: Store, actor: Actor, report: str | None, field: str) -> Row | None:
    if report is None:
        return None
    row = _report_row(store, report)
    if row is None or not may_read(actor, record_of(row)):
        raise NotFound(f"no report {report} in the record", field=field)
    return row


def _under(part: str, field: str | None) -> str:
    if field is None:
        return part
    return f"{part}.{field.removeprefix('body.').removeprefix('body')}".rstrip(".")


def record_custody(
    store: LogStore,
    sha256: str,
    *,
    action: str,
    to: str | None,
    note: str | None,
    tool: str | None,
    key: SigningKey,
    log_key: SigningKey,
    clock: Clock,
) -> Appended:
    body = {"sha256": sha256, "action": action}
    body.update({k: v for k, v in (("to", to), ("note", note), ("tool", tool)) if v is not None})
    appended, _ = submit(store, key, events.CUSTODY_RECORDED, body, log_key=log_key, clock=clock)
    return appended


def evidence_of(records: RecordStore, viewer: Actor | None, sha256: str) -> list[EvidenceView]:
    """Every submission of the file ``sha256`` that ``viewer`` may see, with flags."""
    rows = [
        r for r in records.find(pj.EVIDENCE, "sha256", [sha256]) if _visible(records, viewer, r)
    ]
    if not rows:
        raise NotFound(f"no evidence {sha256} in the locker", field="sha256")
    locker = _locker(records, viewer)
    return [_view(records, viewer, row, locker) for row in rows]


def evidence_for_report(
    records: RecordStore, viewer: Actor | None, report_id: str
) -> list[EvidenceView]:
    """The evidence of a report and of the versions it corrects (a correction keeps them)."""
    ids = [report_id]
    while (row := _report_row(records, ids[-1])) is not None and row["corrects"] is not None:
        ids.append(row["corrects"])
    rows = sorted(records.find(pj.EVIDENCE, "report", ids), key=lambda r: r["idx"])
    visible = [r for r in rows if _visible(records, viewer, r)]
    locker = _locker(records, viewer) if visible else []
    return [_view(records, viewer, row, locker) for row in visible]


def verify_locker(records: RecordStore, blobs: BlobStore) -> list[str]:
    """Problems with the locker's files: missing (erased or lost) or changed on disk."""
    problems = []
    for sha256 in sorted({r["sha256"] for r in records.table(pj.EVIDENCE)}):
        if not blobs.exists(sha256):
            problems.append(f"evidence {sha256}: the file is not in the locker (erased or lost)")
        elif not blobs.verify(sha256):
            problems.append(f"evidence {sha256}: the stored file no longer has this SHA-256")
    return problems


def _report_row(records: RecordStore, report_id: str) -> Row | None:
    rows = records.find(pj.REPORTS, "id", [report_id])
    return rows[0] if rows else None


def _protected(row: Row | None) -> bool:
    if row is None:
        return False  # admission will refuse the unknown report
    if row["confidential"] and row["disclosed_at"] is None:
        return True
    body = json.loads(row["body"]) if row["body"] is not None else {}
    location = body.get("location") or {}
    return location.get("blur_km") is not None or any(
        source.get("withheld") for source in body.get("sources") or ()
    )


def _visible(records: RecordStore, viewer: Actor | None, row: Row) -> bool:
    if row["report"] is None:
        return may_see_file(viewer, file_record(row), None)
    report = _report_row(records, row["report"])
    return report is not None and may_see_file(viewer, file_record(row), record_of(report))


def _locker(records: RecordStore, viewer: Actor | None) -> list[LockerImage]:
    """The images ``viewer`` may see, for the recycled-image search: a flag must not reveal
    a confidential report. Read once per query, not once per file shown."""
    images = []
    for row in records.table(pj.EVIDENCE):
        image = _locker_image(row)
        if image is not None and _visible(records, viewer, row):
            images.append(image)
    return images


def _sees_sources(records: RecordStore, viewer: Actor | None, row: Row) -> bool:
    report = _report_row(records, row["report"]) if row["report"] is not None else None
    if report is None:
        return True  # _visible has already decided the viewer may read this submission
    return decide(viewer, Action.READ_SOURCES, record_of(report)).allowed


def _view(
    records: RecordStore, viewer: Actor | None, row: Row, locker: list[LockerImage]
) -> EvidenceView:
    metadata = MediaMetadata.from_body(json.loads(row["metadata"]))
    flags = tuple(_flags(records, row, metadata, locker))
    if not _sees_sources(records, viewer, row):
        # the capture place and device could locate a protected source
        metadata = replace(metadata, latitude=None, longitude=None, device=None)
    custody = tuple(
        CustodyStep(
            c["idx"], c["action"], c["actor"], c["to_actor"], c["note"], c["tool"], c["time"]
        )
        for c in records.find(pj.CUSTODY, "sha256", [row["sha256"]])
    )
    return EvidenceView(
        index=row["idx"],
        sha256=row["sha256"],
        report=row["report"],
        actor=row["actor"],
        name=row["name"],
        size=row["size"],
        metadata=metadata,
        flags=flags,
        custody=custody,
    )


def _flags(
    records: RecordStore, row: Row, metadata: MediaMetadata, locker: list[LockerImage]
) -> list[Flag]:
    flags: list[Flag] = []
    claim = _claim(records, row["report"])
    if claim is not None:
        flags.extend(check_against_claim(metadata, claim))
    if metadata.phash is not None:
        earlier = [image for image in locker if image.index < row["idx"]]
        flags.extend(find_recycled(row["sha256"], row["report"], metadata, earlier))
    return flags


def _claim(records: RecordStore, report_id: str | None) -> Claim | None:
    if report_id is None:
        return None
    rows = records.find(pj.REPORTS, "id", [report_id])
    if not rows or rows[0]["body"] is None:
        return None
    start, end, latitude, longitude = claim_of(parse_report(json.loads(rows[0]["body"])))
    return Claim(start, end, latitude, longitude)


def _locker_image(row: Row) -> LockerImage | None:
    if row["phash"] is None:
        return None
    return LockerImage(
        sha256=row["sha256"],
        index=row["idx"],
        report=row["report"],
        submitted_at=datetime.fromisoformat(row["time"]),
        phash=row["phash"],
        dhash=row["dhash"],
        phash_mirrored=row["phash_mirrored"],
    )
