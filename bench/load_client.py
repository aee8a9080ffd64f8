"""The load client of section 6: asyncio clients, one ``httpx.AsyncClient`` (one connection)
each, in a closed loop or an open one.

Closed loop (:func:`run_phase`): each of ``clients`` coroutines sends a request, waits for the
answer, and sends the next, until the phase's time is up: a read drawn from ``Workload.reads``
or, with probability ``write_share``, the next pre-signed submission. The server is saturated,
so this measures its throughput; latency is then about clients ÷ throughput (Little's law).

Open loop (:func:`run_open_phase`): requests arrive at a fixed offered rate (a Poisson process
of reads and one of submissions, seeded), whatever the server does, and are sent on whichever
of the ``clients`` connections is free. A request's latency runs from its scheduled arrival,
so time spent waiting for a free connection (the server being behind) counts: a slow server
cannot hide its queue by slowing the load down ("coordinated omission").

Everything a request needs (paths, headers, the signed envelope's bytes) is made before the
clock starts.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

import httpx

from bench.measure import Latency

WRITE: Final = "POST /events"
READS: Final = "all reads"


@dataclass(frozen=True)
class Read:
    """One kind of read; each request picks one of ``paths``."""

    kind: str
    paths: tuple[str, ...]
    headers: dict[str, str]


@dataclass(frozen=True)
class Write:
    """One signed envelope, posted as ``{"envelope": <its leaf>}`` with its actor's token."""

    leaf: bytes
    event_id: str
    headers: dict[str, str]

    @property
    def body(self) -> bytes:
        return b'{"envelope":' + self.leaf + b"}"


@dataclass(frozen=True)
class Workload:
    reads: list[Read]
    write_share: float


@dataclass
class Outcome:
    """What the clients saw in one phase."""

    seconds: float = 0.0
    times: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter[tuple[str, str]] = field(default_factory=Counter)
    accepted: list[tuple[Write, int]] = field(default_factory=list)
    """Every 201: the submission and the index its receipt gave."""
    exhausted: bool = False
    client_cpu: float = 0.0
    """CPU seconds the client process spent in the timed part."""

    def count(self, kind: str) -> int:
        if kind == READS:
            return sum(len(t) for k, t in self.times.items() if k != WRITE)
        return len(self.times.get(kind, []))

    def rate(self, kind: str) -> float:
        return self.count(kind) / self.seconds if self.seconds else 0.0

    def errors(self) -> dict[str, int]:
        """Answers other than 200/201, by kind and status."""
        return {
            f"{kind} {status}": n
            for (kind, status), n in sorted(self.statuses.items())
            if status not in ("200", "201")
        }

    def latency(self, kind: str, size: int, label: str) -> Latency:
        if kind == READS:
            seconds = [s for k, t in self.times.items() if k != WRITE for s in t]
        else:
            seconds = self.times[kind]
        cuts = statistics.quantiles(seconds, n=100, method="inclusive")
        return Latency(
            label=label,
            size=size,
            median_ms=statistics.median(seconds) * 1e3,
            p95_ms=cuts[94] * 1e3,
            samples=len(seconds),
            p99_ms=cuts[98] * 1e3,
        )


def run_phase(
    base: str, workload: Workload, writes: list[Write], clients: int, seconds: float
) -> Outcome:
    """Load ``base`` for ``seconds``; ``writes`` are consumed in order, each posted once."""
    return asyncio.run(_phase(base, workload, iter(writes), clients, seconds))


async def _phase(
    base: str, workload: Workload, writes: Iterator[Write], clients: int, seconds: float
) -> Outcome:
    # One AsyncClient (one connection) per client: 50 clients sharing one httpx pool spent a
    # whole core in the pool and managed ~215 requests/s against a bare "hello".
    limits = httpx.Limits(max_connections=1)
    pool = [httpx.AsyncClient(base_url=base, limits=limits, timeout=60.0) for _ in range(clients)]
    outcome = Outcome()
    try:
        # one untimed request each first, so connections are open before the clock runs
        await asyncio.gather(*(client.get(workload.reads[0].paths[0]) for client in pool))
        start, cpu = time.perf_counter(), time.process_time()
        deadline = start + seconds
        await asyncio.gather(
            *(
                _client(client, workload, writes, random.Random(n), deadline, outcome)
                for n, client in enumerate(pool)
            )
        )
        outcome.seconds = time.perf_counter() - start
        outcome.client_cpu = time.process_time() - cpu
    finally:
        await asyncio.gather(*(client.aclose() for client in pool))
    return outcome


@dataclass(frozen=True)
class Offered:
    """An open loop's offered load: reads and submissions per second."""

    reads: float
    writes: float

    @property
    def label(self) -> str:
        return f"{self.reads:.0f} reads/s + {self.writes:.0f} submissions/s"


def run_open_phase(
    base: str,
    reads: list[Read],
    writes: list[Write],
    offered: Offered,
    clients: int,
    seconds: float,
) -> Outcome:
    """Offer ``offered`` to ``base`` for ``seconds`` over ``clients`` connections; the phase
    ends when the last request sent is answered (its time counts in ``Outcome.seconds``)."""
    return asyncio.run(_open_phase(base, reads, iter(writes), offered, clients, seconds))


def arrivals(offered: Offered, seconds: float, rng: random.Random) -> list[tuple[float, bool]]:
    """Arrival times (from 0) of an open loop, each marked True for a submission."""
    found: list[tuple[float, bool]] = []
    for rate, write in ((offered.reads, False), (offered.writes, True)):
        moment = rng.expovariate(rate) if rate > 0 else seconds
        while moment < seconds:
            found.append((moment, write))
            moment += rng.expovariate(rate)
    return sorted(found)


async def _open_phase(
    base: str,
    reads: list[Read],
    writes: Iterator[Write],
    offered: Offered,
    clients: int,
    seconds: float,
) -> Outcome:
    limits = httpx.Limits(max_connections=1)
    pool = [httpx.AsyncClient(base_url=base, limits=limits, timeout=60.0) for _ in range(clients)]
    free: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()
    rng = random.Random(6)
    schedule = arrivals(offered, seconds, rng)
    outcome = Outcome()
    try:
        await asyncio.gather(*(client.get(reads[0].paths[0]) for client in pool))
        for client in pool:
            free.put_nowait(client)
        start, cpu = time.perf_counter(), time.process_time()
        sent = []
        for at, is_write in schedule:
            delay = start + at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            write = next(writes, None) if is_write else None
            if is_write and write is None:
                outcome.exhausted = True
                continue
            read = rng.choice(reads)
            path = rng.choice(read.paths)
            request = _send(free, read, path, write, start + at, outcome)
            sent.append(asyncio.ensure_future(request))
        await asyncio.gather(*sent)
        outcome.seconds = time.perf_counter() - start
        outcome.client_cpu = time.process_time() - cpu
    finally:
        await asyncio.gather(*(client.aclose() for client in pool))
    return outcome


async def _send(
    free: asyncio.Queue[httpx.AsyncClient],
    read: Read,
    path: str,
    write: Write | None,
    scheduled: float,
    outcome: Outcome,
) -> None:
    """Send one request on a free connection; its time counts from ``scheduled``."""
    client = await free.get()
    try:
        if write is not None:
            response = await client.post(
                "/api/v1/events", content=write.body, headers=write.headers
            )
        else:
            response = await client.get(path, headers=read.headers)
        status = str(response.status_code)
    except httpx.HTTPError as exc:
        response, status = None, type(exc).__name__
    finally:
        free.put_nowait(client)
    _record(outcome, read, write, response, status, time.perf_counter() - scheduled)


def _record(
    outcome: Outcome,
    read: Read,
    write: Write | None,
    response: httpx.Response | None,
    status: str,
    seconds: float,
) -> None:
    kind = WRITE if write is not None else read.kind
    outcome.times.setdefault(kind, []).append(seconds)
    outcome.statuses[kind, status] += 1
    if write is not None and response is not None and response.status_code == 201:
        outcome.accepted.append((write, int(json.loads(response.content)["index"])))


async def _client(
    client: httpx.AsyncClient,
    workload: Workload,
    writes: Iterator[Write],
    rng: random.Random,
    deadline: float,
    outcome: Outcome,
) -> None:
    clock = time.perf_counter
    while clock() < deadline:
        write = None
        if rng.random() < workload.write_share:
            write = next(writes, None)
            if write is None:  # every pre-signed submission is spent
                outcome.exhausted = True
                if workload.write_share >= 1.0:
                    return
        read = rng.choice(workload.reads)
        started = clock()
        try:
            if write is not None:
                response = await client.post(
                    "/api/v1/events", content=write.body, headers=write.headers
                )
            else:
                path = rng.choice(read.paths)
                response = await client.get(path, headers=read.headers)
            status = str(response.status_code)
        except httpx.HTTPError as exc:
            response, status = None, type(exc).__name__
        _record(outcome, read, write, response, status, clock() - started)
