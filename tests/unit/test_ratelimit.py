"""The write limits: a token bucket refills at its rate, and an importer's writes take from a
bucket of their own."""

from __future__ import annotations

from ceasefire.api.ratelimit import Limits, TokenBucket
from ceasefire.domain.actors import Actor, Role
from ceasefire.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_holds_a_minute_of_writes_and_refills_at_its_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(60, clock=clock)
    assert [bucket.take("pk-liaison-1") for _ in range(60)] == [0.0] * 60
    assert bucket.take("pk-liaison-1") == 1.0  # one write a second: the next in a second
    assert bucket.take("af-liaison-1") == 0.0  # every key has its own bucket
    clock.now += 30
    assert [bucket.take("pk-liaison-1") for _ in range(30)] == [0.0] * 30
    assert bucket.take("pk-liaison-1") > 0.0
    clock.now += 3_600  # idle: full again, never more than a minute's writes
    assert sum(bucket.take("pk-liaison-1") == 0.0 for _ in range(100)) == 60


def test_an_importer_writes_at_the_importers_rate() -> None:
    limits = Limits.from_settings(Settings(api_rate_per_minute=3, api_importer_rate_per_minute=500))
    importer = Actor("importer-1", Role.IMPORTER)
    monitor = Actor("monitor-1", Role.MONITOR)
    assert limits.of(importer) == (limits.per_importer, "CEASEFIRE_API_IMPORTER_RATE_PER_MINUTE")
    assert limits.of(monitor) == (limits.per_actor, "CEASEFIRE_API_RATE_PER_MINUTE")
    assert (limits.per_importer.rate_per_minute, limits.per_actor.rate_per_minute) == (500, 3)
