"""Service settings from the environment (`FWDNET_*`), validated once with pydantic-settings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the app reads from outside. Env names: `FWDNET_<FIELD>` (e.g. `FWDNET_DB`).

    Units: bytes, seconds, requests per minute, metres/km/h for the haversine fallback.
    """

    model_config = SettingsConfigDict(env_prefix="FWDNET_", frozen=True, extra="ignore")

    db: str | None = Field(default=None, description="database URL; None → sqlite fwdnet.db")
    max_body_bytes: int = Field(default=5_000_000, gt=0)
    rate_per_minute: float = Field(default=1200.0, gt=0)
    rate_burst: int = Field(default=100, ge=1)
    key_cache_s: float = Field(default=5.0, ge=0)
    cors_origins: tuple[str, ...] = ()
    default_time_limit_s: float = Field(default=5.0, gt=0)
    max_sync_time_limit_s: float = Field(default=60.0, gt=0)
    max_job_time_limit_s: float = Field(default=3600.0, gt=0)
    road_factor: float = Field(default=1.3, ge=1.0)
    speed_kmh: float = Field(default=40.0, gt=0)
    executor: Literal["process", "thread", "dask"] = "process"
    job_workers: int = Field(default=1, ge=1)
    dask_scheduler: str | None = None
    job_stale_s: float = Field(default=60.0, gt=0)
    job_sweep_s: float = Field(default=15.0, gt=0)
    job_poll_s: float = Field(default=0.5, gt=0)
    job_max_attempts: int = Field(default=3, ge=1)
    max_jobs_per_key: int = Field(default=20, ge=1)
    max_jobs_total: int = Field(default=200, ge=1)
    start_jobs: bool = True
    solve_workers: int = Field(default=2, ge=1)
    solve_nice: int = Field(default=0, ge=0, le=19)
    max_sync_size: int = Field(default=250_000, ge=1)
    max_job_size: int = Field(default=2_500_000, ge=1)
    redis_url: str | None = None
    redis_prefix: str = Field(default="fwdnet", min_length=1, max_length=100)
    bad_key_cache_s: float = Field(default=60.0, ge=0)
    auth_failures_per_minute: int = Field(default=60, ge=1)
    scenario: str | None = None
    assortment_rules: str | None = None
    log_json: bool = True
