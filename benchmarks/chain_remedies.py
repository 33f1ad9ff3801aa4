"""Chain remedies on the default scenario: regional vs national range (pooled study), fixed vs
flexible contract on the supplier side of the optimal design's network replay.

Both comparisons replay the same demand for every variant (common random numbers) and report
means with paired 95% confidence intervals over replications. Writes
benchmarks/results/chain_remedies.json atomically.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fwdnet.logistics.design.matrices import network_matrices  # noqa: E402
from fwdnet.logistics.network.load import load_scenario  # noqa: E402
from fwdnet.scenarios.pipeline import design, network_contracts  # noqa: E402
from fwdnet.simulation.assortment import assortment_view  # noqa: E402
from fwdnet.simulation.contracts import default_contracts_path  # noqa: E402
from fwdnet.simulation.inputs import replay_input  # noqa: E402
from fwdnet.simulation.results import write_json_atomic  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "chain_remedies.json"


def log(msg: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {msg}", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "default.toml")
    ap.add_argument("--replications", type=int, default=10)
    ap.add_argument("--substitution", type=float, nargs="+", default=[0.0, 0.3],
                    help="shares of an unlisted SKU's demand bought as a listed one")
    ap.add_argument("--season-weeks", type=int, nargs="+", default=[0, 13, 4],
                    help="range re-planning periods to compare (0 = one range a year)")
    ap.add_argument("--quick", action="store_true",
                    help="2 replications, substitution 0 and 4-week seasons only")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    reps = 2 if args.quick else args.replications
    subs = [0.0] if args.quick else args.substitution
    season_list = [4] if args.quick else args.season_weeks
    sc = load_scenario(args.scenario)
    out: dict[str, Any] = {
        "scenario": str(args.scenario.relative_to(ROOT) if args.scenario.is_absolute()
                        else args.scenario),
        "replications": reps, "machine": f"{platform.machine()} {os.cpu_count()} cores, "
                                         "shared with other agents (loaded)",
        "when": datetime.now(UTC).isoformat(timespec="seconds"), "assortment": [],
    }
    for weeks in season_list:
        for s in subs:
            t0 = time.perf_counter()

            def tick(r: int, s: float = s, weeks: int = weeks) -> None:
                log(f"assortment seasons {weeks} w, substitution {s}: replication "
                    f"{r + 1}/{reps}")

            view = assortment_view(sc, replications=reps, substitution=s, season_weeks=weeks,
                                   on_replication=tick)
            out["assortment"].append({"seconds": round(time.perf_counter() - t0, 1),
                                      **view.model_dump(mode="json")})
    t0 = time.perf_counter()
    log("contracts: planning the optimal design and its routes")
    mats = network_matrices(sc)
    chosen = design(sc, mats, "optimal")
    log(f"contracts: {reps} replays per contract on the optimal network")
    cview = network_contracts(default_contracts_path(sc), chosen, replay_input(sc, chosen, mats),
                              sc.seed, reps)
    out["contracts"] = {"seconds": round(time.perf_counter() - t0, 1),
                        **cview.model_dump(mode="json")}
    write_json_atomic(args.out, out)
    for a in out["assortment"]:
        log(f"assortment seasons {a['season_weeks']} w, substitution {a['substitution']}:")
        for d in a["paired"]:
            if d["metric"] == "fill_rate":
                iv = d["difference"]
                log(f"  {d['region']:>4} Δfill {iv['mean']:+.5f} [{iv['low']:+.5f}, "
                    f"{iv['high']:+.5f}]")
    for d in out["contracts"]["paired"]:
        iv = d["difference"]
        log(f"contracts {d['design']} − {d['baseline']} {d['metric']}: {iv['mean']:+,.4f} "
            f"[{iv['low']:+,.4f}, {iv['high']:+,.4f}]")
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
