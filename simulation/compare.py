"""Compare designs honestly: common random numbers, replications, warm-up cut, paired CIs.

Replications run on any `concurrent.futures.Executor` (a local process pool, or a Dask
`distributed` cluster through `Client(address).get_executor()`); each task is one
(design, replication) replay returning its summary metrics.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from fwdnet.logistics.errors import InputError
from fwdnet.logistics.kernel.parallel import map_in_order
from fwdnet.logistics.kernel.stats import mean_interval
from fwdnet.simulation.engine import SimulationInput, simulate
from fwdnet.simulation.kpis import COST_TERMS, with_costs
from fwdnet.simulation.results import Comparison, DesignRow, Interval, PairedDifference
from fwdnet.simulation.streams import Streams

__all__ = ["with_costs"]

Metrics = dict[str, float]
PAIRED_METRICS = ("fill_rate", "total_cost_rmb", "lead_time_days", "co2_kg", "lost_sales_units")
COST_PARTS = COST_TERMS


def replicate(inp: SimulationInput, seed: int, replication: int, warmup_days: int,
              fixed_cost_per_year: float) -> Metrics:
    """One replay on the streams of (seed, replication); metrics after the warm-up cut."""
    m = simulate(inp, Streams.of(seed, replication), warmup_days=warmup_days).summary()
    return with_costs(m, inp.days - warmup_days, fixed_cost_per_year)


def interval(values: Sequence[float], level: float = 0.95) -> Interval:
    """The kernel's Student-t interval as the results schema's `Interval`."""
    return Interval(**mean_interval(values, level).as_dict())


@dataclass(frozen=True)
class DesignCase:
    """A named design ready to replay: its input, open FWs and yearly fixed cost."""

    name: str
    inp: SimulationInput
    open_fw: tuple[str, ...]
    fixed_cost_per_year: float


def run_replications(cases: Sequence[DesignCase], seed: int, replications: int,
                     warmup_days: int, executor: Executor | None = None,
                     known: dict[tuple[str, int], Metrics] | None = None,
                     on_done: Callable[[str, int], None] | None = None
                     ) -> dict[str, list[Metrics]]:
    """Metrics per design and replication (index = replication), computed on `executor`.

    `known` holds results already computed (e.g. the showcase run); an interrupt cancels
    everything still queued and re-raises.
    """
    if replications < 1:
        raise InputError("replications must be >= 1")
    if not 0 <= warmup_days < min(c.inp.days for c in cases):
        raise InputError("warm-up must be >= 0 and shorter than the horizon")
    known = dict(known or {})
    out: dict[str, list[Metrics | None]] = {c.name: [None] * replications for c in cases}
    for (name, r), m in known.items():
        out[name][r] = m
    todo = [(c, r) for r in range(replications) for c in cases if out[c.name][r] is None]
    metrics = map_in_order(replicate, [(c.inp, seed, r, warmup_days, c.fixed_cost_per_year)
                                       for c, r in todo], executor,
                           on_done=None if on_done is None else
                           (lambda i: on_done(todo[i][0].name, todo[i][1])))
    for (c, r), m in zip(todo, metrics, strict=True):
        out[c.name][r] = m
    return {k: [m for m in v if m is not None] for k, v in out.items()}


def comparison(cases: Sequence[DesignCase], metrics: dict[str, list[Metrics]],
               warmup_days: int, model: dict[str, dict[str, float]] | None = None
               ) -> Comparison:
    """One row per design (means with 95% CIs) and design − baseline paired differences;
    `model` (design → term → RMB over the counted days) puts the design model's estimate
    next to the replay's."""
    base = cases[0].name
    rows = []
    for c in cases:
        ms = metrics[c.name]
        mean = {k: float(np.mean([m[k] for m in ms])) for k in ms[0]}
        terms = (model or {}).get(c.name)
        rows.append(DesignRow(
            design=c.name, open_fw=list(c.open_fw),
            fill_rate=interval([m["fill_rate"] for m in ms]),
            lead_time_days=interval([m["lead_time_days"] for m in ms]),
            total_cost_rmb=interval([m["total_cost_rmb"] for m in ms]),
            cost_breakdown_rmb={"fixed": mean["fixed_cost_rmb"],
                                **{k: mean[v] for k, v in COST_PARTS.items()}},
            lost_sales_units=mean["lost_sales_units"],
            average_stock_units=mean["average_stock_units"], co2_kg=mean["co2_kg"],
            truck_utilisation=mean["truck_utilisation"],
            stockout_pairs_per_day=mean["stockout_pairs_per_day"],
            model_cost_rmb=None if terms is None else float(sum(terms.values())),
            model_cost_breakdown_rmb=terms))
    paired = []
    for c in cases[1:]:
        for metric in PAIRED_METRICS:
            diff = [a[metric] - b[metric]
                    for a, b in zip(metrics[c.name], metrics[base], strict=True)]
            paired.append(PairedDifference(design=c.name, baseline=base, metric=metric,
                                           difference=interval(diff)))
    return Comparison(baseline=base, replications=len(metrics[base]), warmup_days=warmup_days,
                      designs=rows, paired=paired)


@contextmanager
def open_executor(kind: str = "local", scheduler: str | None = None,
                  workers: int | None = None) -> Iterator[Executor | None]:
    """`local`: a process pool (None = run inline when one worker); `dask`: the cluster at
    `scheduler` through `Client(scheduler).get_executor()`."""
    if kind == "dask":
        if not scheduler:
            raise InputError("--executor dask needs --scheduler tcp://HOST:PORT")
        from distributed import Client

        try:
            client = Client(scheduler, timeout="10s")  # type: ignore[no-untyped-call]
        except OSError as exc:
            raise InputError(f"cannot reach the Dask scheduler at {scheduler} ({exc})") from exc
        try:
            yield client.get_executor()  # type: ignore[no-untyped-call]
        finally:
            client.close()  # type: ignore[no-untyped-call]
        return
    if kind != "local":
        raise InputError(f"--executor must be local or dask, got '{kind}'")
    n = workers or min(2, os.cpu_count() or 1)
    if n <= 1:
        yield None
        return
    pool = ProcessPoolExecutor(max_workers=n)
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def designs_csv_lines(comp: Comparison) -> list[str]:
    """designs.csv: one row per design with means and 95% CI bounds of the headline metrics."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    parts = list(comp.designs[0].cost_breakdown_rmb)
    w.writerow(["design", "open_fw", "fill_rate", "fill_rate_low", "fill_rate_high",
                "total_cost_rmb", "total_cost_low", "total_cost_high", "lead_time_days",
                "lost_sales_units", "average_stock_units", "co2_kg",
                *[f"cost_{p}_rmb" for p in parts]])
    for r in comp.designs:
        w.writerow([r.design, "+".join(r.open_fw), f"{r.fill_rate.mean:.6f}",
                    f"{r.fill_rate.low:.6f}", f"{r.fill_rate.high:.6f}",
                    f"{r.total_cost_rmb.mean:.2f}", f"{r.total_cost_rmb.low:.2f}",
                    f"{r.total_cost_rmb.high:.2f}", f"{r.lead_time_days.mean:.4f}",
                    f"{r.lost_sales_units:.1f}", f"{r.average_stock_units:.1f}",
                    f"{r.co2_kg:.1f}", *[f"{r.cost_breakdown_rmb[p]:.2f}" for p in parts]])
    return buf.getvalue().splitlines()
