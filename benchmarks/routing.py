"""Routing quality benchmark: our solve() next to HGS-CVRP alone, PyVRP alone and plain
OR-Tools, side by side in one run, on CVRP, VRPTW and MDVRP instances.

Runs every instance in ../shared/benchmarks/{cvrp,vrptw,mdvrp} per time limit and engine,
re-checks each plan with the independent checker, records cost, best-known value, gap, wall
time and machine load, and writes benchmarks/results/routing.json atomically (records of
earlier runs with other keys are kept, so the 10 s and 60 s sets can run as separate
commands). Engines: `fwdnet` (solve() with the time limit as target: HGS/PyVRP race on two
cores), `converged` (solve()'s default stop: converged, the limit only as a cap), `hgs`
(hygese's HGS-CVRP called directly, its CPU-time limit scaled to the machine's CPU share,
one core, CVRP only), `pyvrp` (PyVRP alone with its own parameters, one core), `ortools`
(textbook OR-Tools, one core). Also times the first
feasible solution of a seeded 1,000-stop instance with time windows (`--scale`).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from fwdnet.logistics.kernel.files import write_json_atomic
from fwdnet.logistics.routing import (
    AnyOf,
    FirstFeasible,
    MaxRuntime,
    RoutingModel,
    RoutingResult,
    Stop,
    TimeWindow,
    VehicleType,
    default_stop,
    solve,
)
from fwdnet.logistics.routing.checker import violations
from fwdnet.logistics.routing.hgs_backend import HgsRun, cpu_share, solve_hgs
from fwdnet.logistics.routing.pyvrp_backend import solve_pyvrp
from fwdnet.logistics.routing.readers import bks_table, read_instance
from fwdnet.logistics.routing.solve import _result

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "benchmarks"
OUT = ROOT / "benchmarks" / "results" / "routing.json"
FAMILIES = {"cvrp": "*.vrp", "vrptw": "*.txt", "mdvrp": "p*.txt"}
ENGINES = {"fwdnet": ("auto", 2), "converged": ("auto", 2), "hgs": ("hgs", 1),
           "pyvrp": ("pyvrp", 1), "ortools": ("ortools-plain", 1)}
"""engine name → (solve backend, workers)."""
ONLY_CVRP = {"hgs"}
log = logging.getLogger("bench.routing")


def instances(family: str, names: set[str] | None) -> list[Path]:
    files = sorted(p for p in (SHARED / family).glob(FAMILIES[family])
                   if not p.name.endswith(".sintef.txt") and p.name != "README.md")
    return [p for p in files if names is None or p.stem in names]


def run_one(path: Path, family: str, engine: str, limit: float, seed: int) -> dict[str, Any]:
    inst = read_instance(path)
    bks = bks_table(SHARED / family / "bks.csv").get(path.stem)
    backend, workers = ENGINES[engine]
    t0 = time.perf_counter()
    if engine == "hgs":
        res = _hgs_alone(inst.problem, limit, seed)
    elif engine == "pyvrp":
        res = _pyvrp_alone(inst.problem, limit, seed)
    else:
        stop = (default_stop(len(inst.problem.clients), limit) if engine == "converged"
                else MaxRuntime(limit))
        res = solve(inst.problem, stop, seed, backend=backend,  # type: ignore[arg-type]
                    workers=workers)
    wall = time.perf_counter() - t0
    bad = violations(inst.problem, res)
    cost = inst.cost(res) if res.is_feasible else None
    return {
        "instance": path.stem, "family": family, "time_limit_s": limit, "engine": engine,
        "backend": res.backend, "status": res.status.value, "cost": cost, "bks": bks,
        "gap_pct": None if cost is None or not bks else round(100 * (cost - bks) / bks, 3),
        "feasible": res.is_feasible and not bad, "checker_violations": bad[:5],
        "routes": len(res.routes), "runtime_s": res.runtime_s, "wall_s": round(wall, 3),
        "seed": seed, "workers": workers, "load1": round(os.getloadavg()[0], 2),
    }


def _pyvrp_alone(problem: Any, limit: float, seed: int) -> RoutingResult:
    """PyVRP alone on one core with its own parameters (the library as a user runs it)."""
    t0 = time.perf_counter()
    out = solve_pyvrp(problem, lambda _best: False, limit, seed, short=False)
    return _result(problem, out, "pyvrp", time.perf_counter() - t0, False)


def _hgs_alone(problem: Any, limit: float, seed: int) -> RoutingResult:
    """hygese's HGS-CVRP alone on one core at equal wall time: its own time limit (which
    counts CPU seconds) scaled by the machine's current CPU share, never killed."""
    t0 = time.perf_counter()
    out = solve_hgs(problem, HgsRun(None, cpu_share() * limit, seed))
    return _result(problem, out, "hgs", time.perf_counter() - t0, False)


def scale_check(n: int = 1000, seed: int = 0) -> dict[str, Any]:
    """First feasible plan for n stops with 2-hour windows in an 8-hour day (seeded)."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 50_000, size=(n + 1, 2))  # metres
    dist = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    dur = np.rint(dist / 10.0)  # 36 km/h
    m = RoutingModel(f"scale{n}")
    m.add_depot(0)
    for i in range(1, n + 1):
        open_s = int(rng.integers(0, 6)) * 3600
        m.add_client(Stop(location=i, delivery=(int(rng.integers(1, 10)),), service_s=300,
                          time_windows=(TimeWindow(open_s, open_s + 2 * 3600),)))
    m.add_vehicle_type(VehicleType(capacity=(100,), num_available=n // 5, shift_end_s=10 * 3600))
    m.set_matrices(dist.astype(np.int64), dur.astype(np.int64))
    p = m.problem()
    out: dict[str, Any] = {"stops": n, "target_s": 5.0}
    for backend in ("auto", "ortools"):
        t0 = time.perf_counter()
        res = solve(p, AnyOf(FirstFeasible(), MaxRuntime(30)), seed, backend=backend)
        wall = time.perf_counter() - t0
        out[backend] = {"status": res.status.value, "backend": res.backend,
                        "first_feasible_s": round(wall, 2), "routes": len(res.routes),
                        "feasible": res.is_feasible and not violations(p, res)}
    return out


def _key(rec: dict[str, Any]) -> tuple[str, float, str, int]:
    """One record per instance, time limit, engine and seed."""
    return (rec["instance"], rec["time_limit_s"], rec["engine"], rec.get("seed", 0))


def summarise(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, float, str], list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault((r["family"], r["time_limit_s"], r["engine"]), []).append(r)
    out = []
    for (fam, tl, eng), rs in sorted(groups.items()):
        gaps = [r["gap_pct"] for r in rs if r["gap_pct"] is not None and r["feasible"]]
        out.append({"family": fam, "time_limit_s": tl, "engine": eng,
                    "instances": len({r["instance"] for r in rs}),
                    "seeds": sorted({r.get("seed", 0) for r in rs}), "runs": len(rs),
                    "feasible": sum(r["feasible"] for r in rs),
                    "mean_gap_pct": round(statistics.fmean(gaps), 3) if gaps else None,
                    "max_gap_pct": round(max(gaps), 3) if gaps else None,
                    "median_wall_s": round(statistics.median(
                        r.get("wall_s", r["runtime_s"]) for r in rs), 2)})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limits", default="10,60", help="seconds per instance, e.g. 10,60")
    ap.add_argument("--families", default="cvrp,vrptw,mdvrp")
    ap.add_argument("--instances", default=None, help="comma-separated names (default all)")
    ap.add_argument("--engines", default="fwdnet,converged,hgs,pyvrp,ortools",
                    help="fwdnet (2-core race), converged (default stop), hgs (HGS-CVRP "
                    "alone, cvrp only), pyvrp (alone), ortools (plain)")
    ap.add_argument("--seeds", default="0",
                    help="comma-separated seeds; every run is repeated per seed and the "
                    "summary's mean gap is over instances and seeds")
    ap.add_argument("--scale", action="store_true", help="also time 1,000 stops with windows")
    ap.add_argument("--quick", action="store_true", help="2 s, two instances per family")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--fresh", action="store_true", help="drop earlier records in --out")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    limits = [float(x) for x in args.time_limits.split(",")] if not args.quick else [2.0]
    names = set(args.instances.split(",")) if args.instances else None
    engines = args.engines.split(",")
    families = args.families.split(",")
    doc: dict[str, Any] = {"records": [], "scale": None}
    if args.out.exists() and not args.fresh:
        doc = json.loads(args.out.read_text(encoding="utf-8"))
    records: list[dict[str, Any]] = doc.get("records", [])
    seeds = [int(x) for x in args.seeds.split(",")]
    plan = [(tl, fam, p, eng, seed) for tl in limits for fam in families
            for p in (instances(fam, names)[:2] if args.quick else instances(fam, names))
            for seed in seeds
            for eng in engines if not (eng in ONLY_CVRP and fam != "cvrp")]
    log.info("%d runs planned (%.0f s of solving)", len(plan), sum(t for t, *_ in plan))
    for k, (tl, fam, path, eng, seed) in enumerate(plan, 1):
        rec = run_one(path, fam, eng, tl, seed)
        records = [r for r in records if _key(r) != _key(rec)] + [rec]
        log.info("[%d/%d] %s %s %gs: cost %s bks %s gap %s%% feasible %s", k, len(plan),
                 eng, path.stem, tl, rec["cost"], rec["bks"], rec["gap_pct"], rec["feasible"])
        doc.update(records=records, summary=summarise(records), meta=_meta())
        write_json_atomic(args.out, doc)
    if args.scale:
        doc["scale"] = scale_check(seed=seeds[0])
        log.info("scale: %s", doc["scale"])
        doc.update(meta=_meta())
        write_json_atomic(args.out, doc)
    for row in doc.get("summary", []):
        print(f"{row['family']:6} {row['time_limit_s']:>5g}s {row['engine']:9} "
              f"mean gap {row['mean_gap_pct']}% max {row['max_gap_pct']}% "
              f"feasible {row['feasible']}/{row.get('runs', row['instances'])} "
              f"median wall {row.get('median_wall_s')} s")
    return 0


def _meta() -> dict[str, Any]:
    return {"machine": platform.node(), "cpus": os.cpu_count(), "python": platform.python_version(),
            "note": "2-core machine shared with other agents; one solve at a time; fwdnet and "
                    "converged use both cores, hgs/pyvrp/ortools one; load1 per record",
            "written": time.strftime("%Y-%m-%dT%H:%M:%S")}


if __name__ == "__main__":
    sys.exit(main())
