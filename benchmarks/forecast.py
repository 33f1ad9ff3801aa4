"""Forecast benchmark: rolling-origin backtests on scenario history and on real public series.

Honest protocol: the model is *selected* by WAPE on the earlier origins and *scored* on the
later origins it never saw. Three data sets:
1. the committed default scenario (52 weeks, region × SKU; a 52-week seasonal naive has no
   origin here, so the baselines are naive / moving average / ETS / Croston);
2. the same generator and seed with 104 weeks of history (seasonal naive at lag 52 defined);
3. real series shipped in installed packages: AirPassengers (statsforecast) and the euro-area
   electrical-equipment orders index (statsmodels `elec_equip`), monthly.
Writes benchmarks/results/forecast.json atomically.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fwdnet.logistics.forecast.engine import Backtest, cross_validate  # noqa: E402
from fwdnet.logistics.forecast.history import ID, History, validate_history  # noqa: E402
from fwdnet.logistics.forecast.metrics import score_levels  # noqa: E402
from fwdnet.logistics.forecast.models import ModelName  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "forecast.json"
M = ModelName


def log(msg: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {msg}", flush=True)


def _split_scores(bt: Backtest, history: History, n_select: int, levels: dict[str, str | None],
                  tags: pd.DataFrame | None) -> dict[str, Any]:
    """Select by total WAPE on the first `n_select` origins, score every model on the rest."""
    cutoffs = sorted(bt.frame["cutoff"].unique())
    sel = bt.frame[bt.frame["cutoff"].isin(cutoffs[:n_select])]
    test = bt.frame[bt.frame["cutoff"].isin(cutoffs[n_select:])]
    models = [m.value for m in bt.models]
    sel_wape = {m: float((sel[m] - sel["y"]).abs().sum() / sel["y"].sum()) for m in models}
    chosen = min(models, key=lambda m: sel_wape[m])
    scores = score_levels(test, history.frame, models, bt.season, tags=tags, levels=levels)
    return {
        "selection_cutoffs": [str(pd.Timestamp(c).date()) for c in cutoffs[:n_select]],
        "test_cutoffs": [str(pd.Timestamp(c).date()) for c in cutoffs[n_select:]],
        "selection_wape": {m: round(v, 4) for m, v in sel_wape.items()},
        "chosen_model": chosen,
        "test_scores": [{k: (round(v, 4) if isinstance(v, float) else v)
                         for k, v in s.__dict__.items()} for s in scores],
        "series_scored": int(bt.frame[ID].nunique()),
        "series_excluded_short": len(bt.excluded),
        "notes": list(bt.notes),
    }


def _score(block: dict[str, Any], level: str, model: str) -> float:
    return float(next(s["wape"] for s in block["test_scores"]
                      if s["level"] == level and s["model"] == model))


def scenario_block(toml: Path, n_skus: int, models: list[ModelName], *, horizon: int,
                   windows: int, n_select: int, threads: int, n_estimators: int,
                   seed: int, min_weeks: int = 0) -> dict[str, Any]:
    from fwdnet.logistics.forecast.scenario import scenario_frame
    from fwdnet.logistics.network.load import load_scenario

    sc = load_scenario(toml)
    frame = scenario_frame(sc)
    rng = np.random.default_rng(seed)
    skus = np.array([k.id for k in sc.network.skus])
    pick = set(rng.choice(skus, size=min(n_skus, len(skus)), replace=False))
    frame = frame[frame[ID].str.split("|").str[1].isin(pick)]
    sizes = frame.groupby(ID)[ID].transform("size")
    dropped = int(frame.loc[sizes < min_weeks, ID].nunique())
    frame = frame[sizes >= min_weeks]
    history = validate_history(frame, source=str(toml), freq="W")
    log(f"  {history.frame[ID].nunique()} series, {len(history.frame)} rows, "
        f"{sc.history.weeks} weeks")
    t0 = time.perf_counter()
    bt = cross_validate(history, horizon=horizon, n_windows=windows, step=horizon,
                        models=models, num_threads=threads, n_estimators=n_estimators, seed=seed)
    elapsed = time.perf_counter() - t0
    tags = history.frame.groupby(ID)[["region", "category"]].first().reset_index()
    tags["sku"] = tags[ID].str.split("|").str[1]
    levels = {"region_sku": ID, "sku": "sku", "category": "category", "region": "region",
              "total": None}
    block = _split_scores(bt, history, n_select, levels, tags)
    block["interval_coverage_last_origin"] = {
        "conformal_lgbm": coverage(history, bt, threads, n_estimators, seed),
        "backtest_sigma_lgbm": sigma_coverage(bt, M.LGBM),
    }
    block.update(history_weeks=sc.history.weeks, skus_sampled=len(pick), horizon_weeks=horizon,
                 backtest_seconds=round(elapsed, 1), unit="region × SKU weekly units",
                 series_dropped_shorter_than_min_weeks=dropped, min_weeks=min_weeks)
    return block


def coverage(history: History, bt: Backtest, threads: int, n_estimators: int,
             seed: int) -> dict[str, Any]:
    """Share of actuals inside the lgbm 80 % / 90 % conformal intervals from the last origin."""
    from fwdnet.logistics.forecast.engine import predict

    f = history.frame
    cut = bt.frame["cutoff"].max()
    train = validate_history(f[f["ds"] <= cut].rename(columns={"ds": "date", "y": "quantity"}),
                             source="train", freq="W")
    future = f[f["ds"] > cut][[ID, "ds", "promo_lift"]].rename(columns={"ds": "date"})
    fc = predict(train, horizon=bt.horizon, model=M.LGBM, levels=(80, 90), future=future,
                 num_threads=threads, seed=seed, n_estimators=n_estimators)
    got = fc.merge(f[[ID, "ds", "y"]], on=[ID, "ds"], how="inner")
    return {
        "origin": str(pd.Timestamp(cut).date()), "rows": len(got),
        "p10_p90": round(float(((got["y"] >= got["p10"]) & (got["y"] <= got["p90"])).mean()), 4),
        "p5_p95": round(float(((got["y"] >= got["p5"]) & (got["y"] <= got["p95"])).mean()), 4),
        "nominal": {"p10_p90": 0.8, "p5_p95": 0.9},
    }


def sigma_coverage(bt: Backtest, model: ModelName) -> dict[str, Any]:
    """μ ± zσ with σ = RMSE over the earlier origins, checked on the last origin's actuals.

    This is the σ `fwdnet replenish` uses for safety stock; the one-sided 95 % share is the
    cycle-service view (actual ≤ μ + 1.645σ).
    """
    from fwdnet.logistics.forecast.engine import residual_sigma

    f = bt.frame
    last = f["cutoff"].max()
    earlier = Backtest(frame=f[f["cutoff"] < last], models=bt.models, horizon=bt.horizon,
                       season=bt.season, excluded=bt.excluded, notes=bt.notes)
    sigma = residual_sigma(earlier, model)
    test = f[f["cutoff"] == last].copy()
    test["sigma"] = test[ID].map(sigma)
    mu, y, sd = test[model.value], test["y"], test["sigma"]
    return {
        "origin": str(pd.Timestamp(last).date()), "rows": len(test),
        "mu_pm_1.2816_sigma": round(float(((y >= mu - 1.2816 * sd) & (y <= mu + 1.2816 * sd))
                                          .mean()), 4),
        "y_le_mu_plus_1.645_sigma": round(float((y <= mu + 1.6449 * sd).mean()), 4),
        "nominal": {"mu_pm_1.2816_sigma": 0.8, "y_le_mu_plus_1.645_sigma": 0.95},
    }


def real_block(name: str, df: pd.DataFrame, *, horizon: int, windows: int, n_select: int,
               threads: int) -> dict[str, Any]:
    history = validate_history(df, source=name)
    models = [M.NAIVE, M.SEASONAL_NAIVE, M.ETS, M.THETA, M.LGBM]
    bt = cross_validate(history, horizon=horizon, n_windows=windows, step=horizon,
                        models=models, season=12, num_threads=threads, n_estimators=200)
    block = _split_scores(bt, history, n_select, {"series": ID}, None)
    chosen = block["chosen_model"]
    block["chosen_test_wape"] = _score(block, "series", chosen)
    block["ets_test_wape"] = _score(block, "series", "ets")
    block["target_not_worse_than_ets"] = block["chosen_test_wape"] <= block["ets_test_wape"] + 1e-12
    block["observations"] = len(df)
    return block


def real_series() -> dict[str, pd.DataFrame]:
    from statsforecast.utils import AirPassengersDF
    from statsmodels.datasets import elec_equip

    air = AirPassengersDF.rename(columns={"ds": "date", "y": "quantity"}).assign(
        unique_id="air_passengers")
    ee = elec_equip.load_pandas().data
    elec = pd.DataFrame({"unique_id": "elec_equip", "date": ee.index,
                         "quantity": ee.iloc[:, 0].to_numpy()})
    return {"air_passengers": air[["unique_id", "date", "quantity"]], "elec_equip": elec}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--skus", type=int, default=400, help="SKUs sampled (× 12 regions)")
    ap.add_argument("--quick", action="store_true", help="100 SKUs, fewer trees")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=OUT)
    a = ap.parse_args()
    n_skus = 100 if a.quick else a.skus
    n_est = 150 if a.quick else 300
    started = time.perf_counter()
    result: dict[str, Any] = {
        "command": "python benchmarks/forecast.py " + " ".join(sys.argv[1:]),
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_avg_1m_at_start": round(os.getloadavg()[0], 2),
                    "note": "shared 2-core machine, other agents running"},
        "protocol": "rolling origins, step = horizon; model chosen by total WAPE on the "
                    "earlier origins, all scores below are on the later (unseen) origins; "
                    "aggregate levels are bottom-up sums of region × SKU forecasts",
    }
    scen_models = [M.NAIVE, M.WINDOW_AVERAGE, M.ETS, M.CROSTON, M.LGBM]

    log("scenario (committed default, 52 weeks) …")
    result["scenario_52w"] = scenario_block(
        ROOT / "scenarios" / "default.toml", n_skus, scen_models, horizon=4, windows=5,
        n_select=2, threads=a.threads, n_estimators=n_est, seed=a.seed)
    b = result["scenario_52w"]
    b["seasonal_naive"] = ("not evaluable: with 52 weeks no origin has a full season of "
                           "history; see scenario_104w")
    b["chosen_vs_naive_region_sku_wape_improvement"] = round(
        1 - _score(b, "region_sku", b["chosen_model"]) / _score(b, "region_sku", "naive"), 4)

    log("scenario generator, same seed, 104 weeks of history …")
    from fwdnet.scenarios.generate import Sizes, generate

    with tempfile.TemporaryDirectory() as tmp:
        toml = generate(Path(tmp), "bench104", Sizes(history_weeks=104), 20260101,
                        date(2026, 1, 1))
        result["scenario_104w"] = scenario_block(
            toml, n_skus, [M.SEASONAL_NAIVE, *scen_models], horizon=4, windows=5, n_select=2,
            threads=a.threads, n_estimators=n_est, seed=a.seed, min_weeks=52 + 5 * 4)
    b = result["scenario_104w"]
    improvement = (1 - _score(b, "region_sku", b["chosen_model"])
                   / _score(b, "region_sku", "seasonal_naive"))
    b["chosen_vs_seasonal_naive_region_sku_wape_improvement"] = round(improvement, 4)
    b["improvement_by_level"] = {
        lv: round(1 - _score(b, lv, b["chosen_model"]) / _score(b, lv, "seasonal_naive"), 4)
        for lv in ("region_sku", "sku", "category", "region", "total")}
    b["target_beats_seasonal_naive_by_15pct"] = improvement >= 0.15

    result["real"] = {}
    for name, df in real_series().items():
        log(f"real series {name} …")
        result["real"][name] = real_block(name, df, horizon=12, windows=4, n_select=2,
                                          threads=a.threads)
    result["seconds_total"] = round(time.perf_counter() - started, 1)

    a.out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".forecast.", dir=a.out.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=2)
    os.chmod(tmp_name, 0o644)
    os.replace(tmp_name, a.out)
    s52, s104 = result["scenario_52w"], result["scenario_104w"]
    c52, c104 = s52["chosen_model"], s104["chosen_model"]
    log(f"52w: chosen {c52}, region×SKU WAPE {_score(s52, 'region_sku', c52):.3f} vs naive "
        f"{_score(s52, 'region_sku', 'naive'):.3f}")
    log(f"104w: chosen {c104}, region×SKU WAPE {_score(s104, 'region_sku', c104):.3f} vs "
        f"seasonal naive {_score(s104, 'region_sku', 'seasonal_naive'):.3f} "
        f"({improvement:+.1%})")
    for name, blk in result["real"].items():
        log(f"{name}: chosen {blk['chosen_model']} test WAPE {blk['chosen_test_wape']:.4f}, "
            f"ETS {blk['ets_test_wape']:.4f}")
    log(f"wrote {a.out}")


if __name__ == "__main__":
    main()
