"""Prometheus metrics (created once per process; multi-process mode when
`PROMETHEUS_MULTIPROC_DIR` is set, as `fwdnet serve --workers N` does)."""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

REQUESTS = Counter("fwdnet_http_requests_total", "HTTP requests answered",
                   ["method", "route", "status"])
LATENCY = Histogram("fwdnet_http_request_seconds", "HTTP request latency (s)",
                    ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 5, 10, 30))
SOLVE = Histogram("fwdnet_solve_seconds", "routing solve wall time (s)", ["mode"],
                  buckets=(0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 5, 10, 30, 60, 300))
INGEST = Counter("fwdnet_ingest_events_total", "tracking items ingested over HTTP", ["outcome"])
JOBS = Counter("fwdnet_route_jobs_total", "route jobs by final state", ["state"])


def render() -> tuple[bytes, str]:
    """The exposition text of this process, or of all workers in multi-process mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
