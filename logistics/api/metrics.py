"""Prometheus metrics (created once per process; multi-process mode when
`PROMETHEUS_MULTIPROC_DIR` is set, as `fwdnet serve --workers N` does).

Gauges of the pools are summed over live server processes (`livesum`); jobs by state come from
the database at scrape time, so every server reports the same queue.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

REQUESTS = Counter("fwdnet_http_requests_total", "HTTP requests answered",
                   ["method", "route", "status"])
LATENCY = Histogram("fwdnet_http_request_seconds", "HTTP request latency (s)",
                    ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 5, 10, 30))
SOLVE = Histogram("fwdnet_solve_seconds", "routing solve wall time (s) by mode and outcome "
                  "(ok, timed_out, cancelled, died, error)", ["mode", "outcome"],
                  buckets=(0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 5, 10, 30, 60, 300))
INGEST = Counter("fwdnet_ingest_events_total", "tracking items ingested over HTTP", ["outcome"])
JOBS = Counter("fwdnet_route_jobs_total", "route job transitions seen by this server "
               "(queued, done, failed, cancelled, requeued)", ["state"])
REJECTED = Counter("fwdnet_rejected_requests_total", "requests refused before any work, by "
                   "reason (rate_limit, auth_throttle, pool_busy, job_queue_key, "
                   "job_queue_total, too_large, body_too_large, db_unavailable)", ["reason"])
POOL_SIZE = Gauge("fwdnet_pool_workers", "solver worker processes by pool", ["pool"],
                  multiprocess_mode="livesum")
POOL_BUSY = Gauge("fwdnet_pool_busy", "busy solver worker processes by pool", ["pool"],
                  multiprocess_mode="livesum")
POOL_REPLACED = Counter("fwdnet_pool_replaced_total", "worker processes replaced (killed at a "
                        "deadline, died, cancelled)", ["pool"])
AUDIT = Counter("fwdnet_region_changes_total", "region override changes by kind and outcome",
                ["kind", "outcome"])


def render(extra: str = "") -> tuple[bytes, str]:
    """The exposition text of this process, or of all workers in multi-process mode, plus
    `extra` lines (gauges read from the database)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest()
    return body + extra.encode(), CONTENT_TYPE_LATEST
