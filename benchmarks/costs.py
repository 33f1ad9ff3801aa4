"""One cost model: the design model's estimate of each named design next to the replay's.

Plans every design (`fwdnet.scenarios.pipeline.design`: MIP or fixed open set, placement,
stock targets, routes), replays it on common random numbers (`fwdnet simulate`'s warm-up
cut) and writes, per design and cost term, the design model's estimate and the replay's mean
with its 95% CI, the gap between the totals and whether both rank the designs alike, to
benchmarks/results/costs.json. `--calibrate` also prints the `[costs.calibration]` factors
(replay ÷ uncalibrated model, summed over the designs) to paste into the scenario.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402

from fwdnet.logistics.design.costs import DesignCosts, design_context  # noqa: E402
from fwdnet.logistics.design.matrices import network_matrices  # noqa: E402
from fwdnet.logistics.design.network_design import NetworkDesign, design_costs  # noqa: E402
from fwdnet.logistics.network.load import load_scenario  # noqa: E402
from fwdnet.logistics.network.model import CostCalibration, Scenario  # noqa: E402
from fwdnet.scenarios.pipeline import DEFAULT_DESIGNS, design, replay_comparison  # noqa: E402
from fwdnet.simulation.compare import open_executor  # noqa: E402
from fwdnet.simulation.engine import SimulationInput, simulate  # noqa: E402
from fwdnet.simulation.inputs import replay_input  # noqa: E402
from fwdnet.simulation.results import Comparison, write_json_atomic  # noqa: E402
from fwdnet.simulation.streams import Streams  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "costs.json"
CALIBRATED = ("transport_cdc_fw", "transport_fw_store", "handling", "holding", "lost_sales",
              "late_sales")


def log(msg: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def uncalibrated(scn: Scenario) -> Scenario:
    """The scenario with every calibration factor 1 (the model's formulas as they stand)."""
    return scn.replace(costs=dataclasses.replace(scn.costs, calibration=CostCalibration()))


def calibration(raw: dict[str, DesignCosts], cmp: Comparison, share: float) -> dict[str, float]:
    """Replay ÷ model per term over all designs; parcels (priced exactly) are taken out of the
    transport-to-stores term first, so its factor scales only the van estimate."""
    replay = {r.design: r.cost_breakdown_rmb for r in cmp.designs}
    out: dict[str, float] = {}
    for term in CALIBRATED:
        num = sum(replay[n][term] for n in raw)
        den = sum(getattr(c, term) for c in raw.values()) * share
        if term == "transport_fw_store":
            num -= sum(c.transport_cdc_store for c in raw.values()) * share
        out[term] = round(num / den, 3) if den > 0 else 1.0
    return out


def report(cmp: Comparison) -> list[dict[str, Any]]:
    """Per design: model and replay totals, the gap, and both breakdowns."""
    rows = []
    for r in cmp.designs:
        model = r.model_cost_rmb or 0.0
        rows.append({
            "design": r.design, "open_fw": r.open_fw,
            "model_total_rmb": round(model, 0),
            "replay_total_rmb": r.total_cost_rmb.model_dump(),
            "gap": round(model / r.total_cost_rmb.mean - 1.0, 4),
            "fill_rate": r.fill_rate.model_dump(),
            "terms": {k: {"model_rmb": round((r.model_cost_breakdown_rmb or {}).get(k, 0.0), 0),
                          "replay_rmb": round(v, 0)} for k, v in r.cost_breakdown_rmb.items()},
        })
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "default.toml")
    ap.add_argument("--designs", default=",".join(DEFAULT_DESIGNS),
                    help="comma-separated design names (optimal, all-open, cdc-only, …)")
    ap.add_argument("--replications", type=int, default=5, help="replays per design")
    ap.add_argument("--calibrate", action="store_true",
                    help="also print the [costs.calibration] factors measured on this run")
    ap.add_argument("--quick", action="store_true", help="2 replications")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    reps = 2 if args.quick else args.replications
    t0 = time.perf_counter()
    scn = load_scenario(args.scenario)
    mats = network_matrices(scn)
    ctx = design_context(scn)
    names = [n.strip() for n in args.designs.split(",") if n.strip()]
    planned: dict[str, tuple[NetworkDesign, SimulationInput]] = {}
    for name in names:
        log(f"design {name}: plan and routes")
        d = design(scn, mats, name, ctx=ctx)
        planned[name] = (d, replay_input(scn, d, mats))
    warmup = min(28, scn.horizon_days // 5)
    log(f"replays: {len(names)} designs × {reps}")
    first = simulate(planned[names[0]][1], Streams.of(scn.seed, 0), warmup_days=warmup)
    with open_executor() as pool:
        cmp = replay_comparison(scn, ctx, planned, reps, warmup, pool, first,
                                Console(stderr=True))
    rows = report(cmp)
    by_model = [r["design"] for r in sorted(rows, key=lambda r: r["model_total_rmb"])]
    by_replay = [r["design"] for r in sorted(rows, key=lambda r: r["replay_total_rmb"]["mean"])]
    raw_scn = uncalibrated(scn)
    raw_ctx = design_context(raw_scn)
    raw = {n: design_costs(raw_scn, d, raw_ctx) for n, (d, _) in planned.items()}
    share = (scn.horizon_days - warmup) / scn.horizon_days
    factors = calibration(raw, cmp, share)
    out = {
        "scenario": str(args.scenario.relative_to(ROOT) if args.scenario.is_absolute()
                        else args.scenario),
        "command": "python benchmarks/costs.py" + (" --quick" if args.quick else ""),
        "replications": reps, "warmup_days": warmup,
        "machine": f"{platform.machine()} {os.cpu_count()} cores, shared (load "
                   f"{os.getloadavg()[0]:.1f})",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "calibration_in_scenario": dataclasses.asdict(scn.costs.calibration),
        "calibration_measured": factors,
        "designs": rows,
        "max_abs_gap": max(abs(r["gap"]) for r in rows),
        "rank_model": by_model, "rank_replay": by_replay,
        "same_ranking": by_model == by_replay,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    write_json_atomic(args.out, out)
    for r in rows:
        iv = r["replay_total_rmb"]
        log(f"{r['design']:>10}: model ¥{r['model_total_rmb']:,.0f}  replay ¥{iv['mean']:,.0f} "
            f"[{iv['low']:,.0f}, {iv['high']:,.0f}]  gap {r['gap']:+.1%}")
    log(f"ranking model {by_model} replay {by_replay}")
    if args.calibrate:
        print("[costs.calibration]")
        for k, v in factors.items():
            print(f"{k} = {v}")
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
