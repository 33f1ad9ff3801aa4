"""Network-design benchmarks: OR-Library CFL (cap*, capa) and Perboli 2E-VRP set 2.

Writes benchmarks/results/design.json: per instance objective, bks, gap to bks, bound, runtime,
status. Instances are read in place from ../shared/benchmarks (never copied into the repo).
Run: .venv/bin/python benchmarks/design.py [--quick] [--only cfl|2evrp|scenario|scale]
(`scale`: a generated 1,000-store × 2,000-SKU chain with 30 FW candidates: the design's proven
gap and time, the forecast stage of `fwdnet run` and `fwdnet replenish`).
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "benchmarks"
OUT = ROOT / "benchmarks" / "results" / "design.json"
log = logging.getLogger("bench.design")


def _bks(folder: Path) -> dict[str, float]:
    with (folder / "bks.csv").open(encoding="utf-8") as fh:
        return {r["instance"]: float(r["bks"]) for r in csv.DictReader(fh)}


def _num(x: float) -> float | None:
    return x if math.isfinite(x) else None


def bench_cfl(folder: Path, time_limit: float, quick: bool) -> list[dict[str, Any]]:
    """Every cap instance listed in bks.csv; `capa_8000` = capa.txt with capacity 8000."""
    from fwdnet.logistics.design.location import solve_location
    from fwdnet.logistics.design.orlib import read_cap

    rows = []
    for name, bks in _bks(folder).items():
        base, _, cap = name.partition("_")
        if quick and cap:
            continue
        t0 = time.perf_counter()
        problem = read_cap(folder / f"{base}.txt", capacity=float(cap) if cap else None)
        read_s = time.perf_counter() - t0
        c0 = time.process_time()
        res = solve_location(problem, time_limit_s=time_limit)
        cpu = time.process_time() - c0
        gap_bks = (res.objective - bks) / bks
        rows.append(
            {
                "family": "cfl",
                "instance": name,
                "warehouses": problem.n_candidates,
                "customers": problem.n_customers,
                "objective": res.objective,
                "bks": bks,
                "gap": gap_bks,
                "bound": _num(res.bound),
                "proven_gap": _num(res.gap),
                "runtime_s": round(res.runtime_s, 3),
                "cpu_s": round(cpu, 3),
                "read_s": round(read_s, 3),
                "status": res.status.value,
            }
        )
        log.info(
            "cfl %-11s %s obj %.3f bks %.3f gap %.2e proven gap %.2e %.2f s",
            name,
            res.status.value,
            res.objective,
            bks,
            gap_bks,
            res.gap,
            res.runtime_s,
        )
    return rows


def bench_2evrp(folder: Path, time_limit: float, quick: bool, seed: int) -> list[dict[str, Any]]:
    """Perboli set 2 instances listed in bks.csv, decomposition around the routing engine."""
    from fwdnet.logistics.design.two_echelon import read_perboli, solve_two_echelon

    rows = []
    names = list(_bks(folder).items())
    if quick:
        names = names[:2]
    for name, bks in names:
        inst = read_perboli(folder / f"{name}.dat")
        c0 = time.process_time()
        res = solve_two_echelon(inst, time_limit_s=time_limit, seed=seed)
        cpu = time.process_time() - c0
        gap = (res.cost - bks) / bks
        rows.append(
            {
                "family": "2evrp",
                "instance": name,
                "customers": int(inst.demand.size),
                "objective": _num(res.cost),
                "bks": bks,
                "gap": _num(gap),
                "bound": None,
                "l1_cost": _num(res.l1_cost),
                "l2_cost": _num(res.l2_cost),
                "runtime_s": round(res.runtime_s, 3),
                "cpu_s": round(cpu, 3),
                "status": res.status.value,
            }
        )
        log.info(
            "2evrp %-16s %s cost %.4f bks %.2f gap %.3f%% %.1f s",
            name,
            res.status.value,
            res.cost,
            bks,
            100 * gap,
            res.runtime_s,
        )
    return rows


def bench_scenario(scenario: Path) -> list[dict[str, Any]]:
    """The bundled scenario's full design (location + placement + rebalancing), timed once."""
    from fwdnet.scenarios.pipeline import design_scenario

    t0, c0 = time.perf_counter(), time.process_time()
    out = design_scenario(scenario)
    runtime, cpu = time.perf_counter() - t0, time.process_time() - c0
    loc = out["location"]
    log.info("scenario %s full design %.1f s (location %s)", scenario.name, runtime, loc["status"])
    return [
        {
            "family": "scenario",
            "instance": scenario.stem,
            "objective": loc["objective_rmb"],
            "bks": None,
            "gap": None,
            "bound": loc["bound_rmb"],
            "proven_gap": loc["gap"],
            "runtime_s": round(runtime, 3),
            "cpu_s": round(cpu, 3),
            "status": loc["status"],
            "fws_open": len(loc["open_fw"]),
            "stores": len(loc["assignment"]),
            "skus": out["placement"]["skus"],
        }
    ]


def bench_scale(stores: int, skus: int, work: Path) -> list[dict[str, Any]]:
    """A generated chain of `stores` × `skus` (`fwdnet generate`, in `work`, outside the repo):
    the optimal design's location solve (gap, bound, time), then the forecast stage of
    `fwdnet run` and `fwdnet replenish` as a subprocess, from outside (wall and CPU time)."""
    import resource
    import subprocess

    from fwdnet.logistics.design.network_design import plan_network
    from fwdnet.logistics.network import load_scenario
    from fwdnet.scenarios.forecast_view import forecast_view
    from fwdnet.scenarios.generate import (
        DEFAULT_SEED,
        DEFAULT_START,
        Sizes,
        fw_candidates_for,
        generate_chain,
    )

    sizes = Sizes(stores=stores, skus=skus, fw_candidates=fw_candidates_for(stores))
    chain = generate_chain(work, f"s{stores}x{skus}", sizes, DEFAULT_SEED, DEFAULT_START)
    scn = load_scenario(chain.toml)
    base = {"family": "scale", "stores": stores, "skus": skus,
            "fw_candidates": chain.fw_candidates, "bks": None, "gap": None}
    t0, c0 = time.perf_counter(), time.process_time()
    design = plan_network(scn)
    runtime, cpu = time.perf_counter() - t0, time.process_time() - c0
    log.info("scale %s design %.1f s, %s, gap %.4f%%", chain.toml.stem, runtime,
             design.status.value, 100 * design.gap)
    rows = [{**base, "instance": f"{chain.toml.stem} design (plan_network optimal)",
             "objective": design.objective_rmb, "bound": design.bound_rmb,
             "proven_gap": design.gap, "runtime_s": round(runtime, 3), "cpu_s": round(cpu, 3),
             "status": design.status.value, "fws_open": len(design.open_fw),
             "reason": design.reason}]
    t0, c0 = time.perf_counter(), time.process_time()
    forecast_view(scn, scn.seed)
    runtime, cpu = time.perf_counter() - t0, time.process_time() - c0
    log.info("scale %s forecast stage %.1f s", chain.toml.stem, runtime)
    rows.append({**base, "instance": f"{chain.toml.stem} forecast stage of fwdnet run",
                 "runtime_s": round(runtime, 3), "cpu_s": round(cpu, 3), "status": "done"})
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "fwdnet", "replenish", str(chain.toml),
         "--out", str(work / "replenishment.csv")], capture_output=True, text=True, check=False)
    runtime = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    log.info("scale %s fwdnet replenish %.1f s (exit %d)", chain.toml.stem, runtime,
             done.returncode)
    rows.append({**base, "instance": f"{chain.toml.stem} fwdnet replenish (subprocess)",
                 "runtime_s": round(runtime, 3),
                 "cpu_s": round(after.ru_utime + after.ru_stime
                                - before.ru_utime - before.ru_stime, 3),
                 "peak_rss_mib": round(after.ru_maxrss / 1024, 1),
                 "status": "done" if done.returncode == 0 else f"exit {done.returncode}"})
    return rows


def _write(payload: dict[str, Any]) -> None:
    from fwdnet.logistics.kernel.files import write_json_atomic

    write_json_atomic(OUT, payload, indent=2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--quick", action="store_true", help="small instances only, short limits")
    ap.add_argument("--only", choices=("cfl", "2evrp", "scenario", "scale"),
                    help="one family only")
    ap.add_argument("--scale-stores", type=int, default=1000, help="stores of the scale case")
    ap.add_argument("--scale-skus", type=int, default=2000, help="SKUs of the scale case")
    ap.add_argument("--cfl-time-limit", type=float, default=60.0, help="seconds per instance")
    ap.add_argument(
        "--2evrp-time-limit", dest="tl2", type=float, default=30.0, help="seconds per instance"
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "default.toml")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    rows: list[dict[str, Any]] = []
    if args.only in (None, "cfl"):
        rows += bench_cfl(SHARED / "cfl", args.cfl_time_limit, args.quick)
    if args.only in (None, "2evrp"):
        rows += bench_2evrp(
            SHARED / "2evrp", 5.0 if args.quick else args.tl2, args.quick, args.seed
        )
    if args.only in (None, "scenario") and not args.quick and args.scenario.exists():
        rows += bench_scenario(args.scenario)
    if args.only in (None, "scale") and not args.quick:
        with tempfile.TemporaryDirectory(prefix="fwdnet-scale-") as work:
            rows += bench_scale(args.scale_stores, args.scale_skus, Path(work))
    if args.only and OUT.exists():  # keep the other families' rows from the last full run
        old = json.loads(OUT.read_text(encoding="utf-8")).get("results", [])
        rows = [r for r in old if r.get("family") != args.only] + rows
    summary: dict[str, Any] = {}
    scale = [r for r in rows if r["family"] == "scale"]
    if scale:
        summary["scale"] = {r["instance"]: {"runtime_s": r["runtime_s"], "cpu_s": r["cpu_s"],
                                            **({"proven_gap": r["proven_gap"]}
                                               if "proven_gap" in r else {})}
                            for r in scale}
    for fam in ("cfl", "2evrp"):
        fr = [r for r in rows if r["family"] == fam and r["gap"] is not None]
        if fr:
            summary[fam] = {
                "instances": len(fr),
                "mean_gap": statistics.fmean(r["gap"] for r in fr),
                "max_gap": max(r["gap"] for r in fr),
                "median_runtime_s": statistics.median(r["runtime_s"] for r in fr),
                "max_runtime_s": max(r["runtime_s"] for r in fr),
            }
    _write(
        {
            "benchmark": "design",
            "command": " ".join([".venv/bin/python", "benchmarks/design.py", *sys.argv[1:]]),
            "note": "rows of other families kept from the previous full run" if args.only else "",
            "machine": f"{platform.node()} {os.cpu_count()} cores (shared, loaded by other agents)",
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "summary": summary,
            "results": rows,
        }
    )
    log.info("wrote %s", OUT.relative_to(ROOT))


if __name__ == "__main__":
    main()
