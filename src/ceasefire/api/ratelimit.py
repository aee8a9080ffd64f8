"""Rate limits on writes: a token bucket per actor and one per client address, in process.

Each bucket holds up to ``rate`` tokens and refills at ``rate`` per minute; a write takes one.
An empty bucket answers 429 with ``Retry-After`` (whole seconds until a token is back). The
buckets live in one worker's memory: with N workers an actor may write up to N times the rate,
which still bounds a flood (design: "a party might flood reports"); a shared limit across
workers or machines belongs in the reverse proxy. The checks are ``async`` dependencies, run
on the event loop, except the actor's check of ``POST /events``, made on the worker thread that
also looks up its token and appends (``routes_events``): a bucket takes a lock.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Final

from fastapi import Depends, FastAPI, HTTPException, Request

from ceasefire.api.deps import CallerDep
from ceasefire.domain.actors import Actor, Role
from ceasefire.settings import Settings

MAX_BUCKETS: Final = 100_000
"""Beyond this many keys the fullest (idle) buckets are forgotten: a full bucket is the
state a forgotten key starts in again, so dropping one changes nothing."""


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class TokenBucket:
    """Buckets of ``rate`` tokens per minute, one per key."""

    rate_per_minute: int
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def take(self, key: str) -> float:
        """Take a token for ``key``: 0 if there was one, else the seconds until there is."""
        with self._lock:
            return self._take(key)

    def _take(self, key: str) -> float:
        now = self.clock()
        capacity = float(self.rate_per_minute)
        bucket = self._buckets.get(key)
        if bucket is None:
            self._forget_idle()
            bucket = self._buckets[key] = _Bucket(capacity, now)
        per_second = self.rate_per_minute / 60.0
        bucket.tokens = min(capacity, bucket.tokens + (now - bucket.at) * per_second)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / per_second

    def _forget_idle(self) -> None:
        if len(self._buckets) < MAX_BUCKETS:
            return
        now, per_second = self.clock(), self.rate_per_minute / 60.0
        full = [
            key
            for key, b in self._buckets.items()
            if b.tokens + (now - b.at) * per_second >= self.rate_per_minute
        ]
        for key in full or list(self._buckets)[: MAX_BUCKETS // 10]:
            del self._buckets[key]


@dataclass
class Limits:
    """The app's write limits (``app.state.limits``): an importer's writes (a dataset's rows,
    in batches) are counted against a rate of their own, any other actor's against
    ``per_actor``."""

    per_actor: TokenBucket
    per_address: TokenBucket
    per_importer: TokenBucket

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            TokenBucket(settings.api_rate_per_minute),
            TokenBucket(settings.api_address_rate_per_minute),
            TokenBucket(settings.api_importer_rate_per_minute),
        )

    def of(self, actor: Actor) -> tuple[TokenBucket, str]:
        """The bucket ``actor``'s writes take from, and the setting that sizes it."""
        if actor.role is Role.IMPORTER:
            return self.per_importer, "CEASEFIRE_API_IMPORTER_RATE_PER_MINUTE"
        return self.per_actor, "CEASEFIRE_API_RATE_PER_MINUTE"


def install(app: FastAPI, settings: Settings) -> None:
    app.state.limits = Limits.from_settings(settings)


def _refuse(wait: float, who: str) -> HTTPException:
    seconds = max(1, math.ceil(wait))
    return HTTPException(
        429,
        f"too many writes from this {who}: try again in {seconds} s",
        {"Retry-After": str(seconds)},
    )


async def address_limit(request: Request) -> None:
    """Counted before the token is even looked at, so guessing tokens is limited too."""
    limits: Limits = request.app.state.limits
    address = request.client.host if request.client else "unknown"
    wait = limits.per_address.take(address)
    if wait:
        raise _refuse(wait, "address")


async def limited_caller(request: Request, actor: CallerDep) -> Actor:
    """The calling actor, once its own bucket has a token for this write."""
    take_for_actor(request.app.state.limits, actor)
    return actor


def take_for_actor(limits: Limits, actor: Actor) -> None:
    """A token from ``actor``'s bucket for one write, or 429."""
    wait = limits.of(actor)[0].take(actor.id)
    if wait:
        raise _refuse(wait, "actor")


WriterDep = Annotated[Actor, Depends(limited_caller)]
