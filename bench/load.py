"""6. The service under load: ``ceasefire serve`` in a subprocess, 50 closed-loop HTTP clients.

Each engine gets a fresh store (the Istanbul agreement adopted by both liaisons and both
mediators, a monitor enrolled, reports preloaded, API tokens for the two liaisons and the
monitor, the log key where ``ceasefire serve`` finds it) and its own server: SQLite with one
worker, PostgreSQL with two. Three closed-loop phases (the server saturated: throughput, and
latency at saturation) load it — reads only, 80 % reads and 20 % signed submissions, and
submissions only (the ceiling) — and, after reads only, two open-loop phases offer a fixed
load (``OFFERED``) and measure latency at that load. After the server stops, the log is
checked against the receipts: no submission lost or duplicated. The raw limit is the same
uvicorn serving a bare ASGI "hello" app (``bench.hello``) with as many workers, loaded by the
same client: what the HTTP stack and the client cost before any of our code runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

import httpx

from bench.config import FULL, Config
from bench.corpus import T0, postgres_schema, say
from bench.load_client import (
    READS,
    WRITE,
    Offered,
    Outcome,
    Read,
    Workload,
    Write,
    run_open_phase,
    run_phase,
)
from bench.measure import Latency, Rate, Section, Target, timed
from bench.record import PEOPLE, Cast, event_leaf, record_log
from ceasefire import bootstrap
from ceasefire.domain.actors import Actor, Role
from ceasefire.log.envelope import Envelope
from ceasefire.log.keys import SigningKey
from ceasefire.services import keys as key_service
from ceasefire.services import log as log_service
from ceasefire.services import tokens as token_service
from ceasefire.services.log import Submission
from ceasefire.services.receipts import Terms, accept
from ceasefire.settings import Settings
from ceasefire.storage.keyfiles import write_key
from ceasefire.storage.log_store import SqlLogStore

MONITOR: Final = "monitor"
LIMITS: Final = {
    "CEASEFIRE_API_RATE_PER_MINUTE": "1000000",
    "CEASEFIRE_API_ADDRESS_RATE_PER_MINUTE": "1000000",
}
"""The write limits raised for the run (defaults 60 and 120 a minute would answer 429)."""
READ_P95_MS: Final = 50.0
WRITE_TARGET: Final = 500.0
PHASES: Final = {"reads only": 0.0, "mixed 80/20": 0.2, "writes only": 1.0}
"""The closed-loop phases and their share of submissions."""
OFFERED: Final = (Offered(50.0, 10.0), Offered(200.0, 50.0))
"""The open-loop phases' offered loads, run after "reads only": a light one, and the issue's."""
HELLO: Final = Read("GET / (hello)", ("/",), {})
_BATCH: Final = 500


@dataclass(frozen=True)
class Engine:
    name: str
    workers: int
    postgres: bool


@dataclass(frozen=True)
class Stage:
    """A prepared store: where it is, the tokens, and the reports reads ask for."""

    settings: Settings
    tokens: dict[str, str]
    report_ids: list[str]


@dataclass
class Run:
    """One engine's phases, the log size before each, and the CPU the processes used."""

    engine: Engine
    outcomes: dict[str, Outcome]
    sizes: dict[str, int]
    server_cpu: dict[str, float]
    """phase → CPU seconds of the server and its workers, against ``Outcome.seconds``."""
    check: str
    """"" when the log matches the receipts, else what is wrong."""
    accept_rate: float
    """In process, no HTTP: ``receipts.accept`` of one submission per call, sequential."""
    load: tuple[float, float] = (0.0, 0.0)
    """The machine's 1-minute load average when the engine's phases began and ended: other
    work on the two cores shows here."""


# -- the store ------------------------------------------------------------------------------------


def _prepare(settings: Settings, cast: Cast, preload: list[bytes]) -> Stage:
    store = record_log(settings.resolved_database_url, cast)
    try:
        key_service.enrol(
            store,
            actor=MONITOR,
            public_key=SigningKey.generate(MONITOR).public_key,
            role="monitor",
            operator_key=cast.operator_key,
            log_key=cast.log_key,
            clock=lambda: T0,
        )
        for start in range(0, len(preload), _BATCH):
            batch = [
                Submission(Envelope.from_leaf(leaf)) for leaf in preload[start : start + _BATCH]
            ]
            log_service.append(store, batch, cast.log_key, lambda: T0)
        actors = [*(a for a, (role, _) in PEOPLE.items() if role == "liaison"), MONITOR]
        tokens = {actor: token_service.create(store, actor, T0).secret for actor in actors}
    finally:
        store.close()
    write_key(settings.log_key_path, cast.log_key)
    return Stage(settings, tokens, [json.loads(leaf)["id"] for leaf in preload])


def _reads(stage: Stage) -> list[Read]:
    auth = {"Authorization": f"Bearer {stage.tokens[MONITOR]}"}
    ids = stage.report_ids[-50:]
    return [
        Read("GET /log/checkpoint", ("/api/v1/log/checkpoint",), {}),
        Read("GET /status", ("/api/v1/status",), {}),
        Read("GET /reports?limit=20", ("/api/v1/reports?limit=20",), auth),
        Read("GET /reports/{id}", tuple(f"/api/v1/reports/{i}" for i in ids), auth),
    ]


def _writes(stage: Stage, leaves: list[bytes]) -> list[Write]:
    writes = []
    for leaf in leaves:
        document = json.loads(leaf)
        token = stage.tokens[document["actor"]]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        writes.append(Write(leaf, document["id"], headers))
    return writes


# -- the server -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def _serving(argv: list[str], env: dict[str, str], log: Path) -> Iterator[tuple[str, int]]:
    """Run ``argv --port P`` until the block ends; yields its base URL and its pid."""
    port = _free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*argv, "--port", str(port)],
            env=os.environ | env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).parents[1],
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, log)
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/api/v1/log/checkpoint", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within 60 s: {log.read_text()[-2000:]}")


def _cpu_seconds(pid: int) -> float:
    """User and system CPU of ``pid`` and its descendants (uvicorn's workers), from /proc."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            stat = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += int(stat[11]) + int(stat[12])
        pending += [int(child) for child in children]
    return total / os.sysconf("SC_CLK_TCK")


def _serve_argv(engine: Engine, settings: Settings) -> list[str]:
    argv = [str(Path(sys.executable).parent / "ceasefire"), "serve", "--workers"]
    argv += [str(engine.workers), "--data", str(settings.data)]
    if settings.database_url is not None:
        argv += ["--database-url", settings.database_url]
    return argv


# -- one engine -----------------------------------------------------------------------------------


def _run_engine(
    engine: Engine, settings: Settings, cast: Cast, leaves: list[bytes], config: Config
) -> Run:
    preload, pool = leaves[: config.load_preload], leaves[config.load_preload :]
    say(f"  … {engine.name}: preparing the store ({len(preload):,} reports)")
    stage = _prepare(settings, cast, preload)
    reads, writes = _reads(stage), _writes(stage, pool)
    store = bootstrap.open_store(settings)
    outcomes, sizes, cpu, used = {}, {}, {}, 0
    began = os.getloadavg()[0]
    try:
        argv = _serve_argv(engine, settings)
        with _serving(argv, LIMITS, settings.data / "server.log") as (base, pid):
            for phase, load in _phases(reads, config):
                say(f"  … {engine.name}: {phase}, {config.load_seconds:.0f} s")
                sizes[phase] = store.head().size
                server = _cpu_seconds(pid)
                outcome = load(base, writes[used:])
                cpu[phase] = _cpu_seconds(pid) - server
                used += outcome.count(WRITE)
                outcomes[phase] = outcome
        ended = os.getloadavg()[0]
        check = _check(store, sizes["reads only"], outcomes.values())
        rate = _accept_rate(store, cast, writes[used : used + 200])
    finally:
        store.close()
    return Run(engine, outcomes, sizes, cpu, check, rate, (began, ended))


Phase = Callable[[str, list[Write]], Outcome]
"""One phase: given the server's base URL and the submissions not yet spent."""


def open_name(offered: Offered) -> str:
    return f"open loop, {offered.label}"


def _phases(reads: list[Read], config: Config) -> list[tuple[str, Phase]]:
    """The phases in the order they run: reads only, the open loops, mixed, writes only."""
    clients, seconds = config.load_clients, config.load_seconds

    def closed(share: float) -> Phase:
        return lambda base, writes: run_phase(
            base, Workload(reads, share), writes, clients, seconds
        )

    def open_loop(offered: Offered) -> Phase:
        return lambda base, writes: run_open_phase(base, reads, writes, offered, clients, seconds)

    phases = [(name, closed(share)) for name, share in PHASES.items()]
    return [phases[0], *((open_name(o), open_loop(o)) for o in OFFERED), *phases[1:]]


def _check(store: SqlLogStore, before: int, outcomes: Iterable[Outcome]) -> str:
    """The log against the receipts: every 201's index holds the posted leaf, the log grew by
    exactly the 201s, and no event id is in it twice; "" when all hold."""
    accepted = [pair for outcome in outcomes for pair in outcome.accepted]
    after = store.head().size
    leaves = dict(store.entries(before, after))
    indices = [index for _, index in accepted]
    ids = [json.loads(leaf)["id"] for _, leaf in store.entries(0, after)]
    problems = []
    if after - before != len(accepted):
        problems.append(f"the log grew by {after - before:,} for {len(accepted):,} receipts")
    if len(set(indices)) != len(indices):
        problems.append("two receipts name the same index")
    if any(leaves.get(index) != write.leaf for write, index in accepted):
        problems.append("a receipt's index holds another leaf")
    if len(set(ids)) != len(ids):
        problems.append(f"{len(ids) - len(set(ids))} event ids are in the log twice")
    return "; ".join(problems)


def _accept_rate(store: SqlLogStore, cast: Cast, writes: list[Write]) -> float:
    """What one writer does without HTTP: ``receipts.accept``, one submission per call."""
    terms = Terms(cast.log_key, lambda: datetime.now(UTC), timedelta(seconds=60))
    calls = []
    for write in writes:
        envelope = Envelope.from_leaf(write.leaf)
        caller = Actor(envelope.actor, Role.LIAISON, PEOPLE[envelope.actor][1])
        calls.append((caller, Submission(envelope)))
    seconds = timed(lambda: [accept(store, actor, sub, terms) for actor, sub in calls])
    return len(calls) / seconds


def _hello(workers: int, config: Config, folder: Path) -> tuple[Outcome, float]:
    """The raw limit: ``bench.hello`` under the same uvicorn, the same client, reads only."""
    argv = [sys.executable, "-m", "uvicorn", "bench.hello:app", "--lifespan", "off"]
    argv += ["--workers", str(workers)]
    say(f"  … bare uvicorn hello, {workers} worker(s), {config.load_seconds:.0f} s")
    with _serving(argv, {}, folder / f"hello-{workers}.log") as (base, pid):
        server = _cpu_seconds(pid)
        outcome = run_phase(
            base, Workload([HELLO], 0.0), [], config.load_clients, config.load_seconds
        )
        return outcome, _cpu_seconds(pid) - server


# -- the section ----------------------------------------------------------------------------------


def run(config: Config, postgres_problem: str | None) -> Section:
    """``postgres_problem``: why PostgreSQL cannot be used, or None to include it."""
    cast = Cast.generate()
    count = config.load_preload + config.load_writes
    say(f"  … signing {count:,} reports")
    leaves = [event_leaf(cast, number, mixed=False) for number in range(count)]
    runs, hello = [], {}
    with tempfile.TemporaryDirectory(prefix="ceasefire-bench-") as name:
        folder = Path(name)
        sqlite = Engine("SQLite", 1, postgres=False)
        runs.append(
            _run_engine(sqlite, Settings(data=_mkdir(folder / "sqlite")), cast, leaves, config)
        )
        hello[1] = _hello(1, config, folder)
        if postgres_problem is None:
            with postgres_schema() as url:
                settings = Settings(data=_mkdir(folder / "postgres"), database_url=url)
                postgres = Engine("PostgreSQL", 2, postgres=True)
                runs.append(_run_engine(postgres, settings, cast, leaves, config))
            hello[2] = _hello(2, config, folder)
    return _section(config, runs, hello, postgres_problem)


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def _section(
    config: Config,
    runs: list[Run],
    hello: dict[int, tuple[Outcome, float]],
    postgres_problem: str | None,
) -> Section:
    section = Section(
        f"6. The service under load ({config.load_clients} clients, "
        f"{config.load_seconds:.0f} s a phase)",
        rate_unit="requests/s",
        baseline="bare uvicorn hello",
        size_header="log size",
    )
    for run in runs:
        raw = hello[run.engine.workers][0].rate(READS)
        section.rates += _rates(run, raw)
        section.latencies += _latencies(run)
    for workers, (outcome, _) in hello.items():
        label = f"bare uvicorn hello, {workers} worker{'s' * (workers > 1)}"
        section.rates.append(Rate(label, outcome.rate(READS), outcome.rate(READS)))
        section.latencies.append(outcome.latency(READS, 0, label))
    section.targets = [target for run in runs for target in _targets(run)]
    section.notes = _notes(config, runs, hello, postgres_problem)
    return section


def _name(run: Run) -> str:
    workers = run.engine.workers
    return f"{run.engine.name}, {workers} worker{'s' * (workers > 1)}"


def _rates(run: Run, raw: float) -> list[Rate]:
    name, phases = _name(run), run.outcomes
    return [
        Rate(f"{name}: reads only, reads/s", phases["reads only"].rate(READS), raw),
        Rate(f"{name}: mixed 80/20, reads/s", phases["mixed 80/20"].rate(READS), raw),
        Rate(f"{name}: mixed 80/20, submissions/s", phases["mixed 80/20"].rate(WRITE), raw),
        Rate(f"{name}: writes only, submissions/s", phases["writes only"].rate(WRITE), raw),
        *(
            Rate(f"{name}: {open_name(o)} offered: {what} achieved", rate, raw)
            for o in OFFERED
            for what, rate in (
                ("reads/s", phases[open_name(o)].rate(READS)),
                ("submissions/s", phases[open_name(o)].rate(WRITE)),
            )
        ),
        Rate(
            f"{run.engine.name}: receipts.accept in process, one writer, no HTTP",
            run.accept_rate,
            raw,
        ),
    ]


def _latencies(run: Run) -> list[Latency]:
    name, rows = _name(run), []
    for phase, outcome in run.outcomes.items():
        kinds = [READS] if phase == "reads only" else [WRITE]
        if phase == "mixed 80/20" or phase.startswith("open loop"):
            kinds = [*sorted(k for k in outcome.times if k != WRITE), READS, WRITE]
        size = run.sizes[phase]
        rows += [outcome.latency(kind, size, f"{name}: {phase}: {kind}") for kind in kinds]
    return rows


def _targets(run: Run) -> list[Target]:
    name = _name(run)
    mixed = run.outcomes["mixed 80/20"].latency(READS, 0, "")
    targets = [
        Target(
            f"{name}: read p95 < {READ_P95_MS:.0f} ms (mixed 80/20, {READS}; closed loop, "
            "saturated)",
            f"{mixed.p95_ms:.1f} ms (p50 {mixed.median_ms:.1f}, p99 {mixed.p99_ms or 0:.1f})",
            mixed.p95_ms < READ_P95_MS,
        ),
        *(_open_target(name, run.outcomes[open_name(o)], o) for o in OFFERED),
        Target(
            f"{name}: no submission lost or duplicated",
            run.check
            or f"{sum(len(o.accepted) for o in run.outcomes.values()):,} receipts, "
            "all in the log once",
            not run.check,
        ),
    ]
    if run.engine.postgres:
        rate = run.outcomes["writes only"].rate(WRITE)
        targets.append(
            Target(
                f"{name}: ≥ {WRITE_TARGET:.0f} signed submissions/s (writes only)",
                f"{rate:,.0f}/s ({rate / WRITE_TARGET:.2f}× the target)",
                rate >= WRITE_TARGET,
            )
        )
    return targets


def _open_target(name: str, outcome: Outcome, offered: Offered) -> Target:
    reads = outcome.latency(READS, 0, "")
    return Target(
        f"{name}: read p95 < {READ_P95_MS:.0f} ms at {offered.label} offered (open loop)",
        f"{reads.p95_ms:.1f} ms (p50 {reads.median_ms:.1f}, p99 {reads.p99_ms or 0:.1f}); "
        f"achieved {outcome.rate(READS):.0f} reads/s + {outcome.rate(WRITE):.0f} submissions/s",
        reads.p95_ms < READ_P95_MS,
    )


def _notes(
    config: Config,
    runs: list[Run],
    hello: dict[int, tuple[Outcome, float]],
    postgres_problem: str | None,
) -> list[str]:
    notes = [
        "`ceasefire serve` in a subprocess on 127.0.0.1, write limits raised for the run: "
        + ", ".join(f"{k}={v}" for k, v in LIMITS.items())
        + f" (defaults 60 and 120 a minute); uvicorn as `serve` runs it: access log on, "
        f"{_stack()}",
        f"{config.load_clients} closed-loop clients in the bench process (one asyncio thread, "
        "an httpx.AsyncClient with one connection each): each sends its next request when "
        "the last is answered, so mean latency ≈ "
        "clients ÷ throughput; reads drawn evenly from GET /log/checkpoint, /status (no token), "
        "/reports?limit=20 and /reports/{id} (one of the 50 newest, monitor's token); "
        f"submissions are allegations by the two liaisons, signed before the clock starts; "
        f"{config.load_preload:,} reports preloaded",
        "open loop (run after reads only, before mixed): requests arrive as two seeded Poisson "
        "processes at the offered rates ("
        + "; ".join(o.label for o in OFFERED)
        + f") whatever the server does, sent on whichever of the {config.load_clients} "
        "connections is free; a request's latency counts from its scheduled arrival (waiting "
        "for a connection included), and the phase lasts until the last request sent is "
        "answered, so an achieved rate under the offered one means the server fell behind",
        "the client shares the machine's cores with the server (and with PostgreSQL); CPU "
        "seconds per wall second below (1.0 = one core busy; what is left of 2.0 went to "
        "PostgreSQL or was idle)",
    ]
    for run in runs:
        notes.append(f"{_name(run)}: {_usage(run)}")
        notes.append(f"{_name(run)}: errors: {_errors(run)}")
        notes.append(
            f"{_name(run)}: machine load average {run.load[0]:.1f} when the phases began, "
            f"{run.load[1]:.1f} when they ended (2 cores; above ~2 other work competed)"
        )
    for workers, (outcome, server) in hello.items():
        notes.append(
            f"hello, {workers} worker(s): {_cpu(outcome, server)}; errors: "
            + (", ".join(f"{k} ×{n}" for k, n in outcome.errors().items()) or "none")
        )
    if any(o.exhausted for run in runs for o in run.outcomes.values()):
        notes.append(f"every one of the {config.load_writes:,} pre-signed submissions was spent")
    if postgres_problem is not None:
        notes.append(postgres_problem)
    return notes


def _stack() -> str:
    """The event loop and HTTP parser uvicorn picks ("auto": uvloop and httptools if found)."""
    found = [name for name in ("uvloop", "httptools") if importlib.util.find_spec(name)]
    if len(found) == 2:
        return "uvloop event loop and httptools parser"
    return f"asyncio loop and h11 ({', '.join(found) or 'neither uvloop nor httptools'} found)"


def _usage(run: Run) -> str:
    return "; ".join(
        f"{phase}: {_cpu(outcome, run.server_cpu[phase])}"
        for phase, outcome in run.outcomes.items()
    )


def _cpu(outcome: Outcome, server: float) -> str:
    return (
        f"client {outcome.client_cpu / outcome.seconds:.2f}, "
        f"server {server / outcome.seconds:.2f} CPU s per s"
    )


def _errors(run: Run) -> str:
    found = [
        f"{phase}: {kind} ×{n}"
        for phase, outcome in run.outcomes.items()
        for kind, n in outcome.errors().items()
    ]
    return ", ".join(found) or "none (every answer 200 or 201)"


# -- one phase alone, to iterate on the write path ------------------------------------------------


def writes_only(config: Config, *, postgres: bool, workers: int, hello: bool) -> str:
    """The closed-loop "writes only" phase alone, on a fresh store (and, with ``hello``, the
    bare hello with as many workers after it): a summary line per server."""
    cast = Cast.generate()
    count = config.load_preload + config.load_writes
    say(f"  … signing {count:,} reports")
    leaves = [event_leaf(cast, number, mixed=False) for number in range(count)]
    engine = Engine("PostgreSQL" if postgres else "SQLite", workers, postgres=postgres)
    lines = []
    with tempfile.TemporaryDirectory(prefix="ceasefire-bench-") as name, _database(postgres) as url:
        folder = Path(name)
        settings = Settings(data=_mkdir(folder / "store"), database_url=url)
        preload, pool = leaves[: config.load_preload], leaves[config.load_preload :]
        stage = _prepare(settings, cast, preload)
        writes = _writes(stage, pool)
        store = bootstrap.open_store(settings)
        try:
            before = store.head().size
            with _serving(_serve_argv(engine, settings), LIMITS, folder / "server.log") as (
                base,
                pid,
            ):
                say(f"  … {_name_of(engine)}: writes only, {config.load_seconds:.0f} s")
                server, database = _cpu_seconds(pid), _postgres_cpu()
                outcome = run_phase(
                    base,
                    Workload(_reads(stage), 1.0),
                    writes,
                    config.load_clients,
                    config.load_seconds,
                )
                server, database = _cpu_seconds(pid) - server, _postgres_cpu() - database
            check = _check(store, before, [outcome]) or "no submission lost or duplicated"
        finally:
            store.close()
        done = outcome.count(WRITE)
        lines.append(
            f"{_name_of(engine)}: writes only: {outcome.rate(WRITE):,.1f} submissions/s, "
            f"server CPU {1000 * server / max(done, 1):.2f} ms per submission; "
            f"{_cpu(outcome, server)}, PostgreSQL {database / outcome.seconds:.2f}; "
            f"errors: {_errors_of(outcome)}; {check}"
        )
        if hello:
            raw, raw_cpu = _hello(workers, config, folder)
            lines.append(
                f"bare uvicorn hello, {workers} worker(s): {raw.rate(READS):,.1f} requests/s; "
                f"{_cpu(raw, raw_cpu)}"
            )
    return "\n".join(lines)


def _postgres_cpu() -> float:
    """CPU seconds of every process named postgres on this machine (0 if none is visible)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().split(" (", 1)[1].split(")", 1)
        except (OSError, IndexError, ValueError):
            continue
        if name == "postgres":
            fields = rest.split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


@contextmanager
def _database(postgres: bool) -> Iterator[str | None]:
    if not postgres:
        yield None
        return
    with postgres_schema() as url:
        yield url


def _name_of(engine: Engine) -> str:
    return f"{engine.name}, {engine.workers} worker{'s' * (engine.workers > 1)}"


def _errors_of(outcome: Outcome) -> str:
    return ", ".join(f"{kind} ×{n}" for kind, n in outcome.errors().items()) or "none"


def open_loop_only(config: Config, *, postgres: bool, workers: int, offered: Offered) -> str:
    """One open-loop phase alone, on a fresh store prepared as the section prepares it: a
    summary line with the reads' p50/p95/p99, each kind of read's, and the server's CPU."""
    cast = Cast.generate()
    count = config.load_preload + config.load_writes
    say(f"  … signing {count:,} reports")
    leaves = [event_leaf(cast, number, mixed=False) for number in range(count)]
    engine = Engine("PostgreSQL" if postgres else "SQLite", workers, postgres=postgres)
    with tempfile.TemporaryDirectory(prefix="ceasefire-bench-") as name, _database(postgres) as url:
        folder = Path(name)
        settings = Settings(data=_mkdir(folder / "store"), database_url=url)
        stage = _prepare(settings, cast, leaves[: config.load_preload])
        writes = _writes(stage, leaves[config.load_preload :])
        argv = _serve_argv(engine, settings)
        with _serving(argv, LIMITS, folder / "server.log") as (base, pid):
            say(f"  … {_name_of(engine)}: {open_name(offered)}, {config.load_seconds:.0f} s")
            server = _cpu_seconds(pid)
            outcome = run_open_phase(
                base, _reads(stage), writes, offered, config.load_clients, config.load_seconds
            )
            server = _cpu_seconds(pid) - server
    kinds = [*sorted(k for k in outcome.times if k != WRITE), READS, WRITE]
    rows = [outcome.latency(kind, 0, kind) for kind in kinds]
    return "\n".join(
        [
            f"{_name_of(engine)}: {open_name(offered)}: achieved {outcome.rate(READS):.1f} "
            f"reads/s + {outcome.rate(WRITE):.1f} submissions/s; {_cpu(outcome, server)}; "
            f"errors: {_errors_of(outcome)}; load average {os.getloadavg()[0]:.1f}",
            *(
                f"  {r.label:24s} p50 {r.median_ms:8.1f}  p95 {r.p95_ms:8.1f}  "
                f"p99 {r.p99_ms or 0:8.1f} ms  ({r.samples} samples)"
                for r in rows
            ),
        ]
    )


def main(argv: list[str] | None = None) -> None:
    """``python -m bench.load --writes-only``: the writes-only phase alone (about a minute);
    ``--open-loop 50,10``: one open-loop phase alone (reads/s, submissions/s offered)."""
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=main.__doc__)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--writes-only", action="store_true")
    mode.add_argument("--open-loop", metavar="READS,WRITES", help="offered reads/s,submissions/s")
    parser.add_argument("--sqlite", action="store_true", help="SQLite, 1 worker (default PG)")
    parser.add_argument("--workers", type=int, help="server workers (default 2 on PG, 1 SQLite)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--hello", action="store_true", help="the bare hello after, same load")
    args = parser.parse_args(argv)
    workers = args.workers or (1 if args.sqlite else 2)
    if args.open_loop:
        reads, writes = (float(rate) for rate in args.open_loop.split(","))
        spare = int(args.seconds * writes * 2) + 100
        config = replace(FULL, load_seconds=args.seconds, load_writes=spare)
        offered = Offered(reads, writes)
        print(open_loop_only(config, postgres=not args.sqlite, workers=workers, offered=offered))
        return
    config = replace(FULL, load_seconds=args.seconds, load_writes=int(args.seconds * 1_500))
    print(writes_only(config, postgres=not args.sqlite, workers=workers, hello=args.hello))


if __name__ == "__main__":
    main()
