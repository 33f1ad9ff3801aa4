"""Replay speed and memory: store × SKU × days per second against numpy's raw Poisson draw.

    .venv/bin/python benchmarks/simulation.py --stores 1000 --skus 2000 --days 365
    .venv/bin/python benchmarks/simulation.py --quick

Builds a synthetic network (6 FWs on 3 trunk routes, a finite CDC refilled by suppliers,
random disruptions, rebalancing, promotions) and replays it (no waybill file): once as the
engine does (demand drawn by region and thinned to stores), once with numpy's `rng.poisson`
on every store × SKU cell each day (the engine's earlier draw). `numpy_poisson_per_s` is that
per-cell draw alone, timed inside the second run (interleaved day by day, so a loaded machine
slows both alike); a standalone loop of the same draws is reported too. A naive
one-SimPy-process-per-store×SKU model runs at a size it can finish. Writes
benchmarks/results/simulation.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt
import simpy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fwdnet.logistics.network import DemandModel  # noqa: E402
from fwdnet.logistics.network.model import FloatArray  # noqa: E402
from fwdnet.simulation.engine import Logistics, SimulationInput, TrunkRoute, simulate  # noqa: E402
from fwdnet.simulation.results import write_json_atomic  # noqa: E402
from fwdnet.simulation.streams import Streams  # noqa: E402

NODES, REGIONS, CATEGORIES = 6, 5, 10


def synthetic_input(stores: int, skus: int, days: int, seed: int = 1) -> SimulationInput:
    """A network shaped like the default scenario, at any size (rates ~0.02–0.1 per pair)."""
    rng = np.random.default_rng(seed)
    season = 1 + 0.3 * np.sin(np.linspace(0, 2 * np.pi, 53))[None, None, :] * rng.uniform(
        -1, 1, (REGIONS, CATEGORIES, 1))
    promos = ((date(2026, 6, 1), date(2026, 6, 18), 1.8, np.arange(CATEGORIES),
               np.arange(REGIONS)),
              (date(2026, 10, 1), date(2026, 10, 7), 1.5, np.arange(3), np.arange(2)))
    region = rng.integers(0, REGIONS, stores)
    demand = DemandModel(
        store_weight=rng.uniform(0.5, 1.5, stores), store_region=region,
        sku_base=rng.gamma(1.0, 0.05, skus), sku_category=rng.integers(0, CATEGORIES, skus),
        seasonality=season, promo_lift=promos)
    store_node = (region + rng.integers(0, 2, stores)) % NODES
    node_mean = np.zeros((NODES, skus))
    np.add.at(node_mean, store_node, demand.store_weight[:, None] * demand.sku_base[None, :])
    review, lead = 7, 2
    level = np.ceil(node_mean * (review + lead) * 1.3 + 2 * np.sqrt(node_mean * (review + lead)))
    weekly = np.repeat(level[None], 53, axis=0)
    km = rng.uniform(30, 300, (NODES + 1, NODES + 1))
    np.fill_diagonal(km, 0)
    routes = tuple(TrunkRoute(nodes=(a, a + 1), leg_km=(120.0, 40.0), leg_hours=(2.0, 0.7),
                              return_km=150.0, return_hours=2.5) for a in range(0, NODES, 2))
    lg = Logistics(
        cdc_id="CDC", fw_candidates=tuple(f"FW{i}" for i in range(NODES + 4)),
        trunk_routes=routes, truck_capacity_units=12000, truck_fixed_rmb=800,
        truck_rmb_per_km=4.5, truck_rmb_per_hour=60, node_km=km,
        store_ids=tuple(f"S{i}" for i in range(stores)), store_km=rng.uniform(5, 200, stores),
        store_hours=rng.uniform(0.2, 4, stores), store_lead_days=np.ones(NODES, np.int64),
        direct_node=-1, carrier_rmb_per_kg=1.2, handling_rmb_per_unit=np.full(NODES, 0.5),
        cdc_handling_rmb_per_unit=0.3, sku_weight_kg=rng.uniform(0.2, 1.5, skus),
        sku_volume_m3=rng.uniform(0.002, 0.02, skus),
        regions=tuple(f"R{i}" for i in range(REGIONS)),
        categories=tuple(f"C{i}" for i in range(CATEGORIES)),
        node_region=np.arange(NODES) % REGIONS,
        cdc_order_up_to_by_week=np.repeat(node_mean.sum(axis=0)[None] * 31, 53, axis=0),
        cdc_initial=node_mean.sum(axis=0) * 31)
    return SimulationInput(
        start=date(2026, 1, 1), days=days, demand=demand, store_node=store_node,
        node_ids=tuple(f"FW{i}" for i in range(NODES)), order_up_to_by_week=weekly,
        review_days=review, lead_days=np.full(NODES, lead, np.int64), initial_on_hand=level,
        unit_cost=rng.uniform(20, 400, skus), price=rng.uniform(50, 900, skus),
        holding_rate_per_year=0.25, replenishment_cost_per_delivery=np.zeros(NODES),
        delivery_cost_per_day=3000.0, logistics=lg)


class TimedPoisson:
    """The engine's Poisson sampler with a stopwatch: numpy's own draw time inside the run,
    interleaved day by day with the rest of the replay (so machine load hits both alike)."""

    def __init__(self) -> None:
        self.seconds, self.variates = 0.0, 0

    def __call__(self, rng: np.random.Generator, rate: FloatArray) -> npt.NDArray[np.int64]:
        t0 = time.perf_counter()
        out = rng.poisson(rate)
        self.seconds += time.perf_counter() - t0
        self.variates += rate.size
        return out


def numpy_poisson_rate(inp: SimulationInput, days: int, seed: int = 2) -> float:
    """Poisson variates per second drawn by numpy alone on a typical day's rate array."""
    rng = np.random.default_rng(seed)
    rate = inp.demand.rate(inp.start)
    t0 = time.perf_counter()
    for _ in range(days):
        rng.poisson(rate)
    return rate.size * days / (time.perf_counter() - t0)


def naive_rate(stores: int, skus: int, days: int, seed: int = 3) -> float:
    """Store×SKU-days per second of one SimPy process per pair (scalar draws, scalar stock)."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    rates = rng.gamma(1.0, 0.05, (stores, skus))
    review, lead = 7, 2

    def pair(mu: float) -> simpy.events.ProcessGenerator:
        s_level = float(np.ceil(mu * (review + lead) * 1.3 + 2))
        stock, pipeline = s_level, 0.0

        def arrive(q: float) -> simpy.events.ProcessGenerator:
            nonlocal stock, pipeline
            yield env.timeout(lead)
            stock += q
            pipeline -= q

        for day in range(days):
            d = float(rng.poisson(mu))
            stock -= min(d, stock)
            if day % review == 0:
                q = s_level - stock - pipeline
                if q > 0:
                    pipeline += q
                    env.process(arrive(q))
            yield env.timeout(1)

    for s in range(stores):
        for k in range(skus):
            env.process(pair(float(rates[s, k])))
    t0 = time.perf_counter()
    env.run()
    return stores * skus * days / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stores", type=int, default=1000)
    ap.add_argument("--skus", type=int, default=2000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--naive-stores", type=int, default=50)
    ap.add_argument("--naive-skus", type=int, default=100)
    ap.add_argument("--quick", action="store_true", help="200 stores × 500 SKUs × 60 days")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" /
                    "simulation.json")
    a = ap.parse_args()
    if a.quick:
        a.stores, a.skus, a.days = 200, 500, 60
    inp = synthetic_input(a.stores, a.skus, a.days)
    t0 = time.perf_counter()
    res = simulate(inp, Streams.of(1, 0))
    wall = time.perf_counter() - t0
    sampler = TimedPoisson()
    t0 = time.perf_counter()
    per_cell = simulate(replace(inp, sampler=sampler), Streams.of(1, 0))
    per_cell_wall = time.perf_counter() - t0
    pairs = a.stores * a.skus * a.days
    sim_rate = pairs / wall
    np_rate = sampler.variates / sampler.seconds
    standalone = numpy_poisson_rate(inp, a.days)
    naive = naive_rate(a.naive_stores, a.naive_skus, a.days)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    out = {
        "stores": a.stores, "skus": a.skus, "days": a.days,
        "wall_s": round(wall, 2),
        "store_sku_days_per_s": round(sim_rate),
        "per_cell_draw_wall_s": round(per_cell_wall, 2),
        "per_cell_draw_fill_rate": round(per_cell.summary()["fill_rate"], 4),
        "numpy_poisson_per_s": round(np_rate),
        "ratio_to_numpy": round(sim_rate / np_rate, 3),
        "numpy_poisson_standalone_per_s": round(standalone),
        "ratio_to_standalone_numpy": round(sim_rate / standalone, 3),
        "naive_store_sku_days_per_s": round(naive),
        "naive_size": f"{a.naive_stores} stores × {a.naive_skus} SKUs × {a.days} days",
        "naive_speedup": round(sim_rate / naive, 1),
        "peak_rss_mb": round(peak, 1),
        "fill_rate": round(res.summary()["fill_rate"], 4),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "note": "2-core machine shared with other agents; one run, figures from the same run",
    }
    write_json_atomic(a.out, out)
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
