"""What every request handler needs, built once per app: settings, engine, keys, limits, jobs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from fwdnet.logistics.api.jobs import JobRunner
from fwdnet.logistics.api.keys import KeyStore
from fwdnet.logistics.api.ratelimit import RateLimiter
from fwdnet.logistics.api.settings import Settings


@dataclass(frozen=True)
class Context:
    """Shared, thread-safe service objects (one per app)."""

    settings: Settings
    engine: Engine
    keys: KeyStore
    limiter: RateLimiter
    jobs: JobRunner
