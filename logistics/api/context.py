"""What every request handler needs, built once per app: settings, engine, keys, limits, the
solver pool, the job dispatcher, and the scenario's sites and regions (when configured)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from fwdnet.logistics.api.jobs import JobRunner
from fwdnet.logistics.api.keys import KeyStore
from fwdnet.logistics.api.pool import WorkerPool
from fwdnet.logistics.api.ratelimit import LocalLimiter, RedisLimiter
from fwdnet.logistics.api.regions import Regions
from fwdnet.logistics.api.settings import Settings


@dataclass(frozen=True)
class Context:
    """Shared, thread-safe service objects (one per app)."""

    settings: Settings
    engine: Engine
    keys: KeyStore
    limiter: LocalLimiter | RedisLimiter
    jobs: JobRunner
    solver: WorkerPool
    regions: Regions | None = None
