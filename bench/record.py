"""5. The record: replaying the log into the read models, and ingesting signed reports.

Replay (``services.readmodels.rebuild``) runs on a store built once and cached: the Istanbul
agreement adopted, then pre-signed events written with ``append_leaves``, without admission.
Replay trusts the entries (``verify`` checks their signatures separately), so it is measured
against the target of 100,000 events/s. Ingestion (``services.log.append``: the keyring's
Ed25519 check and the record's admission, in one transaction per batch) is measured against
the bare Ed25519 verification rate of the same envelopes, with ``cryptography`` and with
PyNaCl, in the same run.
"""

from __future__ import annotations

import gc
import hashlib
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, partial
from importlib.metadata import version
from pathlib import Path
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from nacl.signing import VerifyKey
from sqlalchemy import func, select

from bench.config import Config
from bench.corpus import (
    FORMAT,
    T0,
    cached,
    postgres_schema,
    say,
    schema,
    sqlite_url,
    temporary_postgres_store,
    temporary_store,
)
from bench.measure import Rate, Section, Target, best_rate, raw_sha256, timed
from ceasefire import bootstrap
from ceasefire.domain import events
from ceasefire.domain import projection as pj
from ceasefire.domain.agreement_toml import load_bundled
from ceasefire.domain.agreements import Agreement
from ceasefire.log.envelope import SIGNING_PREFIX, Envelope, b64encode, format_time
from ceasefire.log.keys import SigningKey
from ceasefire.services import agreements as agreement_service
from ceasefire.services import keys as key_service
from ceasefire.services import log as log_service
from ceasefire.services import readmodels
from ceasefire.services.log import Submission
from ceasefire.settings import Settings
from ceasefire.storage.log_store import SqlLogStore
from ceasefire.storage.tables import rm_events

ORIGIN: Final = "ceasefire.bench/record"
CORPUS: Final = "r1"
"""Names the event generator below: change it when the events it makes change."""
PEOPLE: Final = {
    "pk-liaison": ("liaison", "pk"),
    "af-liaison": ("liaison", "af"),
    "tr-mediator": ("mediator", "tr"),
    "qa-mediator": ("mediator", "qa"),
}
REPLAY_TARGET: Final = 100_000
WRITE_LIMIT: Final = "SQLite: write limit (the same rows, prebuilt, written as a rebuild writes)"
ENTRIES_TOO: Final = "SQLite with the entry index derived again: readmodels.rebuild(entries=True)"
CRYPTOGRAPHY: Final = "Ed25519 verify, cryptography"
PYNACL: Final = "Ed25519 verify, PyNaCl"
_WRITE_CHUNK: Final = 10_000
_BLOCK: Final = 20
"""Events come in blocks of 20 by one liaison: 17 reports, one evidence, one custody record
and one withdrawal, each referring to an earlier event of the block."""


# -- the cast: the log's keys and the four actors who adopt the agreement ------------------------


@dataclass(frozen=True)
class Cast:
    log_key: SigningKey
    operator_key: SigningKey
    keys: dict[str, SigningKey]

    @classmethod
    def generate(cls) -> Cast:
        keys = {actor: SigningKey.generate(actor) for actor in PEOPLE}
        return cls(SigningKey.generate(ORIGIN), SigningKey.generate("operator"), keys)

    def save(self, path: Path) -> None:
        texts = {name: key.to_text() for name, key in self.keys.items()}
        texts |= {"log": self.log_key.to_text(), "operator": self.operator_key.to_text()}
        path.write_text(json.dumps(texts))

    @classmethod
    def load(cls, path: Path) -> Cast:
        keys = {k: SigningKey.from_text(v) for k, v in json.loads(path.read_text()).items()}
        return cls(keys.pop("log"), keys.pop("operator"), keys)


def record_log(url: str, cast: Cast) -> SqlLogStore:
    """A migrated store with the Istanbul agreement adopted by both parties and both mediators."""
    store = bootstrap.create_store(Settings(data=Path(tempfile.gettempdir()), database_url=url))
    log_key, operator = cast.log_key, cast.operator_key

    def clock() -> datetime:
        return T0

    log_service.initialise(store, ORIGIN, log_key, operator, T0)
    agreement_service.propose(store, _agreement(), key=operator, log_key=log_key, clock=clock)
    for actor, (role, affiliation) in PEOPLE.items():
        key_service.enrol(
            store,
            actor=actor,
            public_key=cast.keys[actor].public_key,
            role=role,
            affiliation=affiliation,
            operator_key=operator,
            log_key=log_key,
            clock=clock,
        )
    for actor in PEOPLE:
        key = cast.keys[actor]
        agreement_service.sign(store, key=key, version=None, log_key=log_key, clock=clock)
    return store


@cache
def _agreement() -> Agreement:
    return load_bundled()


# -- events: valid bodies, signed, encoded without the cost of the general encoder ---------------


def event_leaf(cast: Cast, number: int, *, mixed: bool) -> bytes:
    """Event ``number``: a report, or (``mixed``) one of the block's other kinds of event."""
    actor = "pk-liaison" if number // _BLOCK % 2 == 0 else "af-liaison"
    position = number % _BLOCK if mixed else 0
    if position == 5:
        kind, body = events.EVIDENCE_SUBMITTED, _evidence(number)
    elif position == 10:
        kind, body = events.CUSTODY_RECORDED, _custody(number)
    elif position == 15:
        kind, body = (
            events.REPORT_WITHDRAWN,
            {"report": _event_id(number - 1), "reason": "sent twice"},
        )
    else:
        kind, body = events.REPORT_SUBMITTED, _report(number, PEOPLE[actor][1])
    return _sign(cast.keys[actor], number, kind, body)


def _sign(key: SigningKey, number: int, kind: str, body: dict[str, Any]) -> bytes:
    """The leaf ``sign_event`` would make, ten times faster: these bodies hold only ASCII
    strings, integers and short decimals, for which sorted compact ``json.dumps`` is RFC 8785
    (checked on a sample by ``Envelope.from_leaf``), so a million events take ~2 minutes."""
    doc: dict[str, Any] = {
        "v": 1,
        "id": _event_id(number),
        "log": ORIGIN,
        "type": kind,
        "actor": key.name,
        "key": b64encode(key.public_key),
        "time": format_time(T0 + timedelta(seconds=number)),
        "body": body,
    }
    doc["sig"] = b64encode(key.sign(SIGNING_PREFIX + _jcs(doc)))
    return _jcs(doc)


def _jcs(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _event_id(number: int) -> str:
    return hashlib.sha256(b"event %d" % number).hexdigest()[:32]


def _report(number: int, party: str) -> dict[str, Any]:
    """An allegation against the other party, in one of the agreement's sectors."""
    agreement = _agreement()
    act = agreement.acts[number % len(agreement.acts)]
    sector = agreement.sectors[number // 7 % len(agreement.sectors)]
    west, south, east, north = sector.bbox
    day = (T0 + timedelta(seconds=number)).date() - timedelta(days=number % 3)
    day = max(day, agreement.effective_from)
    return {
        "kind": "allegation",
        "dates": {"start": day.isoformat(), "end": day.isoformat(), "precision": "day"},
        "location": {
            "latitude": round(south + (north - south) * (number * 0.6180339 % 1), 5),
            "longitude": round(west + (east - west) * (number * 0.3819660 % 1), 5),
            "precision": "near",
            "country": "AF" if party == "pk" else "PK",
            "sector": sector.id,
        },
        "act": act.id,
        "alleged_party": "af" if party == "pk" else "pk",
        "actors": ["unidentified armed group"],
        "targets": ["border post", "village"],
        "casualties": {"killed": {"civilian": number % 7}, "injured": {"civilian": number % 11}},
        "narrative": f"Report {number}: residents describe the incident near the crossing.",
        "language": "en",
        "sources": [
            {"name": "District official", "kind": "party", "reliability": "C", "credibility": 3}
        ],
        "clauses": ["1"],
    }


def _sha256(number: int) -> str:
    return hashlib.sha256(b"file %d" % number).hexdigest()


def _evidence(number: int) -> dict[str, Any]:
    return {
        "sha256": _sha256(number),
        "size": 200_000 + number % 100_000,
        "name": f"photo-{number}.jpg",
        "report": _event_id(number - 5),
        "metadata": {
            "media_type": "image/jpeg",
            "tool": "ceasefire-bench",
            "width": 4032,
            "height": 3024,
            "phash": f"{number:016x}",
        },
    }


def _custody(number: int) -> dict[str, Any]:
    return {"sha256": _sha256(number - 5), "action": "viewed", "note": "opened for review"}


def _check_sample(leaves: list[bytes]) -> None:
    """Every kind of event of the first block parses strictly and verifies."""
    for leaf in leaves[:_BLOCK]:
        Envelope.from_leaf(leaf).verify_signature()


# -- the replay store ----------------------------------------------------------------------------


def replay_store(size: int) -> tuple[SqlLogStore, Cast]:
    """A SQLite log of ``size`` entries, read models current, built once and cached."""

    def build(folder: Path) -> None:
        cast = Cast.generate()
        cast.save(folder / "keys.json")
        store = record_log(sqlite_url(folder), cast)
        fill(store, cast, size)
        say(f"  … replaying {size:,} entries once into the read models")
        readmodels.rebuild(store)
        store.engine.dispose()

    folder = cached(f"record-{size}-{CORPUS}-{schema()}-{FORMAT}", build)
    return bootstrap.open_store(Settings(data=folder)), Cast.load(folder / "keys.json")


def fill(store: SqlLogStore, cast: Cast, size: int) -> None:
    """Grow the log to ``size`` with pre-signed mixed events; the read models are not touched."""
    first = store.head().size
    for start in range(first, size, _WRITE_CHUNK):
        end = min(start + _WRITE_CHUNK, size)
        leaves = [event_leaf(cast, n - first, mixed=True) for n in range(start, end)]
        if start == first:
            _check_sample(leaves)
        with store.appending() as tx:
            log_service.append_leaves(tx, leaves, cast.log_key, T0)
        if (start - first) // _WRITE_CHUNK % 10 == 0:
            say(f"  … {end:,} of {size:,} entries")


@contextmanager
def _postgres_replay(source: SqlLogStore, cast: Cast, size: int) -> Iterator[SqlLogStore]:
    """A PostgreSQL copy of the first ``size`` entries of the cached SQLite replay store."""
    with postgres_schema() as url:
        store = record_log(url, cast)
        try:
            for start in range(store.head().size, size, _WRITE_CHUNK):
                leaves = [
                    leaf for _, leaf in source.entries(start, min(start + _WRITE_CHUNK, size))
                ]
                with store.appending() as tx:
                    log_service.append_leaves(tx, leaves, cast.log_key, T0)
            yield store
        finally:
            store.engine.dispose()


def _write_limit(store: SqlLogStore, repeats: int) -> float:
    """The raw limit of a rebuild: every read-model row the last rebuild made, already in
    memory as row operations, written back the way a rebuild writes (tables emptied, indexes
    dropped and built again, one durable transaction), with no log read and no projection."""
    size = store.head().size
    ops: list[pj.Op] = []
    for name in pj.KEYS:
        if name != pj.EVENTS:  # the entry index, which a rebuild keeps
            ops.extend(pj.Insert(name, dict(row)) for row in store.table(name))

    def write() -> None:
        with store.rebuilding() as view, view.bulk():
            view.apply(ops, size)

    rate = best_rate(size, [timed(write) for _ in range(repeats)])
    readmodels.rebuild(store)  # leave the store as the replay left it
    return rate


def _replay_rate(store: SqlLogStore, repeats: int, *, entries: bool = False) -> float:
    """``entries``: the log's entry index derived again from the leaves too (``rebuild
    --entries``), which a rebuild otherwise keeps, as it keeps the leaf hashes: both are
    written with the leaves at append, and that cost is in the ingestion figures."""
    size = store.head().size
    rebuild = partial(readmodels.rebuild, store, entries=entries)
    rate = best_rate(size, [timed(rebuild) for _ in range(repeats)])
    with store.engine.connect() as connection:
        events_rows = connection.execute(select(func.count()).select_from(rm_events)).scalar()
    if events_rows != size or store.record_applied() != size:
        raise AssertionError(f"the rebuild left {events_rows} events of {size}")
    return rate


# -- ingestion -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ingestion:
    """Signed reports by the two liaisons, as the bytes a client sends. A trial parses each
    batch just before its append, outside the timed region, and so holds one batch of parsed
    envelopes at a time, as a server does. (Until 26 November 2026 all 10,000 were parsed
    beforehand and held for the whole trial: every full garbage collection in the timed
    region then walked them, about 10 µs a report that was the harness's, not the system's.)"""

    cast: Cast
    leaves: list[bytes]
    batch: int
    signed: list[tuple[bytes, bytes, bytes]]
    """(public key, signing message, signature) of every report."""

    @classmethod
    def prepare(cls, count: int, batch: int) -> _Ingestion:
        cast = Cast.generate()
        leaves = [event_leaf(cast, number, mixed=False) for number in range(count)]
        _check_sample(leaves)
        signed = []
        for leaf in leaves:
            envelope = Envelope.from_leaf(leaf)
            signed.append((envelope.key, envelope.signing_message(), envelope.sig))
        return cls(cast, leaves, batch, signed)


def _cryptography(signed: list[tuple[bytes, bytes, bytes]]) -> None:
    for key, message, signature in signed:
        Ed25519PublicKey.from_public_bytes(key).verify(signature, message)


def _pynacl(signed: list[tuple[bytes, bytes, bytes]]) -> None:
    for key, message, signature in signed:
        VerifyKey(key).verify(message, signature)


Opener = Callable[[Cast], AbstractContextManager[SqlLogStore]]


def _sqlite_record(cast: Cast) -> AbstractContextManager[SqlLogStore]:
    return temporary_store(lambda url: record_log(url, cast))


def _postgres_record(cast: Cast) -> AbstractContextManager[SqlLogStore]:
    return temporary_postgres_store(lambda url: record_log(url, cast))


def _ingest_trial(opener: Opener, work: _Ingestion) -> float:
    """Seconds to append every batch to a fresh store; the read models are then checked."""
    with opener(work.cast) as store:
        gc.collect()  # one trial's garbage is not another's
        seconds = _ingest(store, work)
        differences = readmodels.compare(store)
        if differences or store.record_applied() != store.head().size:
            raise AssertionError(f"ingestion left the read models wrong: {differences[:3]}")
    return seconds


def _ingest(store: SqlLogStore, work: _Ingestion) -> float:
    """Seconds spent in the appends; each batch is parsed just before its own, untimed."""
    seconds = 0.0
    for start in range(0, len(work.leaves), work.batch):
        leaves = work.leaves[start : start + work.batch]
        batch = [Submission(Envelope.from_leaf(leaf)) for leaf in leaves]
        began = time.perf_counter()
        log_service.append(store, batch, work.cast.log_key, lambda: T0)
        seconds += time.perf_counter() - began
    return seconds


# -- the section ---------------------------------------------------------------------------------


def run(config: Config, postgres_problem: str | None) -> Section:
    """``postgres_problem``: why PostgreSQL cannot be used, or None to include it."""
    work = _Ingestion.prepare(config.record_reports, config.record_batch)
    engines: dict[str, Opener] = {"SQLite": _sqlite_record}
    if postgres_problem is None:
        engines["PostgreSQL"] = _postgres_record
    verify, ingest = _verify_and_ingest(work, engines, config)
    replay = _replay_figures(config, postgres_problem is None)
    raw = raw_sha256(work.leaves, config.repeats)
    figures = {"raw SHA-256 of the same report leaves": raw, **verify, **ingest, **replay}
    section = Section(
        f"5. The record: replay ({config.record_events:,} entries) and ingestion "
        f"({config.record_reports:,} signed reports)"
    )
    section.rates = [Rate(label, value, raw) for label, value in figures.items()]
    faster = max(verify, key=verify.__getitem__)
    section.targets = _targets(config, verify[faster], faster, ingest, replay)
    section.notes = _notes(config, work, verify, ingest, replay, postgres_problem)
    return section


def _verify_and_ingest(
    work: _Ingestion, engines: dict[str, Opener], config: Config
) -> tuple[dict[str, float], dict[str, float]]:
    """The best rates of the Ed25519 verifiers and of each engine's ingestion, their trials
    taken in turn (each verifier, then each engine; again): the ratio the target asks for
    compares the two over the same minutes of a shared machine whose speed drifts (PyNaCl
    moved between 8,400 and 14,900 verifies/s within an hour on 26 November 2026)."""
    count, per = len(work.leaves), f"{config.record_batch:,} per append"
    verifiers = {CRYPTOGRAPHY: _cryptography, PYNACL: _pynacl}
    appends = {f"{name}: services.log.append, reports ({per})": opener
               for name, opener in engines.items()}  # fmt: skip
    trials: dict[str, list[float]] = {label: [] for label in (*verifiers, *appends)}
    for _ in range(config.repeats):
        for label, check in verifiers.items():
            trials[label].append(timed(partial(check, work.signed)))
        for label, opener in appends.items():
            trials[label].append(_ingest_trial(opener, work))
    rates = {label: best_rate(count, seconds) for label, seconds in trials.items()}
    return {label: rates[label] for label in verifiers}, {label: rates[label] for label in appends}


def _replay_figures(config: Config, postgres: bool) -> dict[str, float]:
    source, cast = replay_store(config.record_events)
    try:
        figures = {
            f"SQLite: readmodels.rebuild, {config.record_events:,} entries": _replay_rate(
                source, config.replay_repeats
            )
        }
        figures[f"{ENTRIES_TOO}, {config.record_events:,} entries"] = _replay_rate(
            source, 1, entries=True
        )
        figures[f"{WRITE_LIMIT}, {config.record_events:,} entries"] = _write_limit(
            source, config.replay_repeats
        )
        if postgres:
            size = min(config.record_events_postgres, config.record_events)
            say(f"  … copying {size:,} entries to PostgreSQL")
            with _postgres_replay(source, cast, size) as store:
                readmodels.rebuild(store)  # untimed: fills the tables, as the cache is
                figures[f"PostgreSQL: readmodels.rebuild, {size:,} entries"] = _replay_rate(
                    store, config.replay_repeats
                )
    finally:
        source.engine.dispose()
    return figures


def _targets(
    config: Config,
    fastest: float,
    faster: str,
    ingest: dict[str, float],
    replay: dict[str, float],
) -> list[Target]:
    replayed = next(iter(replay.values()))
    limit = next(rate for label, rate in replay.items() if label.startswith(WRITE_LIMIT))
    ingested = next(iter(ingest.values()))
    return [
        Target(
            f"replay (SQLite rebuild, {config.record_events:,} entries) ≥ "
            f"{REPLAY_TARGET:,} events/s",
            f"{replayed:,.0f} events/s ({replayed / REPLAY_TARGET:.2f}× the target; "
            f"{replayed / limit:.2f}× the write limit of the same rows, {limit:,.0f}/s)",
            replayed >= REPLAY_TARGET,
        ),
        Target(
            "ingestion (SQLite) ≥ 0.5 × the faster Ed25519 verify",
            f"{ingested:,.0f} reports/s = {ingested / fastest:.2f}× {faster} ({fastest:,.0f}/s)",
            ingested >= fastest / 2,
        ),
    ]


def _notes(
    config: Config,
    work: _Ingestion,
    verify: dict[str, float],
    ingest: dict[str, float],
    replay: dict[str, float],
    postgres_problem: str | None,
) -> list[str]:
    fastest = max(verify.values())
    mean = sum(len(leaf) for leaf in work.leaves) / len(work.leaves)
    ingest_ratios = ", ".join(
        f"{label.split(':')[0]} {rate / fastest:.2f}" for label, rate in ingest.items()
    )
    replay_ratios = ", ".join(
        f"{label.split(':')[0]} {rate / REPLAY_TARGET:.2f}"
        for label, rate in replay.items()
        if not label.startswith(WRITE_LIMIT)
    )
    notes = [
        f"ingestion ÷ the faster Ed25519 verify ({fastest:,.0f}/s): {ingest_ratios} "
        "(target ≥ 0.5); replay ÷ 100,000 events/s: " + replay_ratios + " (target ≥ 1)",
        f"PyNaCl {version('pynacl')} verifies {verify[PYNACL] / verify[CRYPTOGRAPHY]:.2f}× "
        "as fast as cryptography; both build a key object per signature, as each envelope "
        "carries its own key",
        f"ingestion: {config.record_reports:,} allegations ({mean:,.0f} B per leaf on average) "
        "by two party liaisons, on a fresh log with the Istanbul agreement adopted; each "
        "append is one transaction: keyring and Ed25519 check, record admission (parse, check "
        "against the agreement, duplicate check), rows, leaves, checkpoint; the read models "
        "are checked against a replay afterwards",
        f"replay: the cached log holds {_BLOCK - 3} reports, one evidence.submitted, one "
        f"custody.recorded and one report.withdrawn in every {_BLOCK} events, real Ed25519 "
        "signatures, written with append_leaves (no admission); rebuild empties the read "
        "models and replays every entry; it trusts the entries: signatures verified "
        "separately (verify_store, section 4); it keeps the log's entry index (rm_events: "
        "each entry's id, type, signer, time and body digest), written with the leaves at "
        "append as the leaf hashes are (its cost is in the ingestion figures), and derives "
        "it again only when asked or incomplete (the 'entry index derived again' row)",
        "write limit: the rows the rebuild made, read back into memory as row operations and "
        "written the way a rebuild writes them (tables emptied, secondary indexes dropped and "
        "built again, one durable transaction): what a rebuild costs with no log to read and "
        "nothing to project",
        f"ingestion: best of {config.repeats}, a fresh log each time, each batch parsed just "
        "before its append (untimed), its trials taken in turn with the verifiers' (so both "
        f"are measured over the same minutes); replay: best of "
        f"{config.replay_repeats}",
    ]
    if postgres_problem is not None:
        notes.append(postgres_problem)
    elif config.record_events_postgres != config.record_events:
        notes.append(
            f"PostgreSQL replay on the first {config.record_events_postgres:,} entries only "
            "(loading and replaying a million entries there takes too long for a bench run)"
        )
    return notes
