"""How big each benchmark is: the full run, and ``--quick`` for a smoke run under a minute."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Config:
    pool: int
    """Distinct signed envelopes generated (and cached); bigger workloads cycle through them."""
    memory_leaves: int
    batch: int
    """Leaves per ``extend`` call or per transaction in every batched benchmark."""
    single_sqlite: int
    """Transactions of one leaf each on SQLite (fsync-bound, so few)."""
    single_postgres: int
    batched_leaves: int
    proof_sizes: tuple[int, ...]
    proof_samples: int
    pymerkle_proof_size: int
    verify_leaves: int
    repeats: int
    """Trials per throughput figure; the best is kept."""
    record_events: int
    """Entries of the cached SQLite log that ``readmodels.rebuild`` replays."""
    record_events_postgres: int
    """Entries of it copied to PostgreSQL and replayed there."""
    record_reports: int
    """Signed reports appended through ``services.log.append`` in each ingestion trial."""
    record_batch: int
    """Reports per ``services.log.append`` call."""
    replay_repeats: int
    """Trials per replay figure (a full-size replay is long enough to be steady)."""
    load_seconds: float
    """Length of each phase of the load test (reads only, mixed, writes only)."""
    load_clients: int
    """Concurrent closed-loop clients."""
    load_preload: int
    """Reports in the store before the load starts, so that reads return data."""
    load_writes: int
    """Submissions signed before the load starts; a phase that spends them all stops early."""

    @property
    def name(self) -> str:
        return "quick" if self == QUICK else "full"


FULL = Config(
    pool=100_000,
    memory_leaves=100_000,
    batch=10_000,
    single_sqlite=1_000,
    single_postgres=500,
    batched_leaves=100_000,
    proof_sizes=(1_000_000, 10_000_000),
    proof_samples=1_000,
    pymerkle_proof_size=1_000_000,
    verify_leaves=100_000,
    repeats=3,
    record_events=1_000_000,
    record_events_postgres=100_000,
    record_reports=10_000,
    record_batch=1_000,
    replay_repeats=2,
    load_seconds=20.0,
    load_clients=50,
    load_preload=2_000,
    load_writes=30_000,
)

QUICK = Config(
    pool=4_000,
    memory_leaves=4_000,
    batch=1_000,
    single_sqlite=30,
    single_postgres=30,
    batched_leaves=4_000,
    proof_sizes=(10_000, 50_000),
    proof_samples=100,
    pymerkle_proof_size=10_000,
    verify_leaves=2_000,
    repeats=1,
    record_events=20_000,
    record_events_postgres=20_000,
    record_reports=2_000,
    record_batch=1_000,
    replay_repeats=1,
    load_seconds=1.5,
    load_clients=50,
    load_preload=300,
    load_writes=3_000,
)
