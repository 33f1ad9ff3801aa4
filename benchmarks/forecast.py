"""Forecast benchmark: fwdnet's one-run forecast (ensemble chosen by backtest, reconciled
levels, calibrated intervals) against library defaults, on data it was not shaped on.

Every data set is cut at a forecast origin; everything after it is held out and only used to
score. Data sets:
1. `panel`: a weekly region × SKU panel from `benchmarks/forecast_panel.py` (not the scenario
   generator): 156 weeks of history, 13 weeks ahead, regional seasonality, trends, level
   shifts, known future promotions; its true mean gives the noise floor.
2. `scenario`: the committed default scenario's 52-week region × SKU history (a sample of
   SKUs), the last 4 weeks held out.
3. `public`: real series shipped in installed packages: the weekly Mauna Loa CO₂ record
   (statsmodels, gaps interpolated), AirPassengers (statsforecast), electrical-equipment
   orders (statsmodels), each with its last season held out.
Library defaults: seasonal naive, MSTL (statsforecast, default trend model), LightGBM through
mlforecast with the promotion feature (default trees, lags 1–4 and 52), and their plain mean.
Coverage: the share of held-out outcomes inside p10..p90 (80 %) and p5..p95 (90 %), per
level; and inside the backtest, each origin's band calibrated on the other origins.
Writes benchmarks/results/forecast.json atomically.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.forecast_panel import make_panel  # noqa: E402
from fwdnet.logistics.forecast.history import DS, ID, Y, validate_history  # noqa: E402
from fwdnet.logistics.forecast.intervals import calibrate, coverage  # noqa: E402
from fwdnet.logistics.forecast.pipeline import (  # noqa: E402
    DEFAULT_MODELS,
    ForecastRun,
    describe,
    run_forecast,
)
from fwdnet.logistics.kernel.files import write_json_atomic  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "forecast.json"


def log(msg: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {msg}", flush=True)


def wape(f: pd.Series, y: pd.Series) -> float:
    return float((f - y).abs().sum() / y.abs().sum())


def library_defaults(hist: pd.DataFrame, future: pd.DataFrame | None, horizon: int,
                     freq: str, season: int) -> pd.DataFrame:
    """unique_id, ds and the library-default forecasts a new user would try first."""
    import lightgbm as lgb
    from mlforecast import MLForecast
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL, Naive, SeasonalNaive

    df = hist[[ID, DS, Y]]
    models: list[Any] = [SeasonalNaive(season, alias="seasonal_naive"), Naive(alias="naive")]
    if hist.groupby(ID).size().min() >= 2 * season:
        models.append(MSTL(season_length=season, alias="mstl"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = StatsForecast(models=models, freq=freq).forecast(h=horizon, df=df)
        dyn = [c for c in hist.columns if c not in (ID, DS, Y) and
               pd.api.types.is_numeric_dtype(hist[c])]
        lags = sorted({1, 2, 3, 4, season}) if season > 1 else [1, 2, 3, 4]
        mlf = MLForecast(models={"lgbm": lgb.LGBMRegressor(random_state=0, verbose=-1,
                                                           n_jobs=1)},
                         freq=freq, lags=lags, date_features=["month"])
        mlf.fit(hist[[ID, DS, Y, *dyn]], static_features=[], dropna=False)
        fc = mlf.predict(horizon, X_df=future[[ID, DS, *dyn]] if dyn and future is not None
                         else None)
    out = out.merge(fc, on=[ID, DS], how="left")
    cols = [c for c in ("seasonal_naive", "naive", "mstl", "lgbm") if c in out.columns]
    out[cols] = out[cols].clip(lower=0.0)
    if "mstl" in out.columns:
        out["mean_mstl_lgbm"] = (out["mstl"] + out["lgbm"]) / 2
    return out


def backtest_coverage(run: ForecastRun, probs: tuple[float, float]) -> dict[str, float]:
    """Per level: mean over origins of the coverage of a band calibrated on the others."""
    frame = run.level_backtest
    if frame is None:
        frame = run.backtest.assign(level="series")
    value = "reconciled" if "reconciled" in frame.columns else "ensemble"
    cuts = sorted(frame["cutoff"].unique())
    lo, hi = (f"p{100 * p:g}" for p in probs)
    out = {}
    for lv, sub in frame.groupby("level", sort=False):
        got = []
        for c in cuts:
            if len(cuts) < 2:
                break
            cal = calibrate(sub[sub["cutoff"] != c], value, probs)
            test = sub[sub["cutoff"] == c].rename(columns={value: "forecast"})
            got.append(coverage(cal.apply(test[[ID, DS, "forecast", Y]]), lo, hi))
        out[str(lv)] = round(float(np.mean(got)), 4) if got else float("nan")
    return out


def score_panel(name: str, hist: pd.DataFrame, future: pd.DataFrame | None,
                actual: pd.DataFrame, *, horizon: int, freq: str, season: int,
                hierarchy: dict[str, list[str]] | None, windows: int,
                truth: str | None = None, threads: int = 1) -> dict[str, Any]:
    """Run library defaults and fwdnet on `hist`, score both on the held-out `actual`."""
    history = validate_history(hist.rename(columns={DS: "date", Y: "quantity"}), source=name)
    log(f"{name}: {history.frame[ID].nunique()} series, library defaults …")
    t0 = time.perf_counter()
    lib = library_defaults(history.frame, future, horizon, history.pandas_freq, season)
    t_lib = time.perf_counter() - t0
    log(f"{name}: fwdnet run …")
    t0 = time.perf_counter()
    run = run_forecast(history, horizon=horizon, future=future, models=DEFAULT_MODELS,
                       n_windows=windows, levels=(80, 90), hierarchy=hierarchy,
                       season=season, num_threads=threads,
                       progress=lambda m: log(f"  {m[:160]}"))
    t_fw = time.perf_counter() - t0
    act = actual.rename(columns={"date": DS, "quantity": Y})
    m = act.merge(lib, on=[ID, DS]).merge(run.forecast, on=[ID, DS])
    # the seasonal naive needs a season of history; without it the naive is the yardstick
    base = "seasonal_naive" if m["seasonal_naive"].notna().all() else "naive"
    sn = wape(m[base], m[Y])
    ratios = {c: round(wape(m[c], m[Y]) / sn, 4) for c in
              ("seasonal_naive", "naive", "mstl", "lgbm", "mean_mstl_lgbm", "forecast")
              if c in m.columns and m[c].notna().all()}
    ratios["fwdnet"] = ratios.pop("forecast")
    if truth:
        ratios["true_mean_noise_floor"] = round(wape(m[truth], m[Y]) / sn, 4)
    log(f"{name}: WAPE / {base} {ratios}; held-out 80 % coverage "
        f"{coverage(m, 'p10', 'p90'):.3f}")
    block: dict[str, Any] = {
        "series": int(history.frame[ID].nunique()), "horizon": horizon,
        "history_periods": int(history.frame.groupby(ID).size().max()),
        "baseline": base, "wape_baseline": round(sn, 4),
        "wape_ratio_to_baseline": ratios,
        "coverage_held_out": {"series": {
            "p10_p90": round(coverage(m, "p10", "p90"), 4),
            "p5_p95": round(coverage(m, "p5", "p95"), 4)}},
        "coverage_backtest_leave_one_origin_out": {
            "p10_p90": backtest_coverage(run, (0.1, 0.9)),
            "p5_p95": backtest_coverage(run, (0.05, 0.95))},
        "fwdnet": describe(run),
        "seconds": {"library_defaults": round(t_lib, 1), "fwdnet": round(t_fw, 1)},
    }
    if hierarchy and len(run.levels):
        block["levels_held_out"] = level_scores(history, hierarchy, act, lib, run)
        block["coverage_held_out"].update({
            lv: v for lv, v in block["levels_held_out"]["coverage_p10_p90"].items()})
    return block


def level_scores(history: Any, hierarchy: dict[str, list[str]], act: pd.DataFrame,
                 lib: pd.DataFrame, run: ForecastRun) -> dict[str, Any]:
    """WAPE of fwdnet's reconciled levels vs the summed baseline, and level coverage."""
    from fwdnet.logistics.forecast.reconcile import aggregate_frame

    cols = sorted({c for keys in hierarchy.values() for c in keys})
    tags = history.frame.groupby(ID)[cols].first().reset_index()
    base = "seasonal_naive" if lib["seasonal_naive"].notna().all() else "naive"
    truth = aggregate_frame(act[[ID, DS, Y]].merge(lib[[ID, DS, base]], on=[ID, DS]),
                            tags, hierarchy, sums=(Y, base))
    got = truth.merge(run.levels, on=["level", ID, DS])
    out: dict[str, Any] = {"baseline": base, "wape_fwdnet": {}, "wape_baseline": {},
                           "coverage_p10_p90": {}}
    for lv, g in got.groupby("level"):
        out["wape_fwdnet"][str(lv)] = round(wape(g["forecast"], g[Y]), 4)
        out["wape_baseline"][str(lv)] = round(wape(g[base], g[Y]), 4)
        out["coverage_p10_p90"][str(lv)] = round(coverage(g, "p10", "p90"), 4)
    out["not_worse_than_baseline"] = {
        lv: out["wape_fwdnet"][lv] <= out["wape_baseline"][lv] + 1e-12
        for lv in out["wape_fwdnet"]}
    return out


def panel_block(seed: int, skus: int, threads: int) -> dict[str, Any]:
    p = make_panel(seed=seed, skus=skus)
    hist = p.history.rename(columns={"date": DS, "quantity": Y})
    fut = p.future.rename(columns={"date": DS})
    act = p.actual.rename(columns={"date": DS})
    return score_panel(f"panel(seed={seed})", hist, fut, act, horizon=p.horizon,
                       freq="W-MON", season=52, windows=3, truth="mean", threads=threads,
                       hierarchy={"total": [], "region": ["region"],
                                  "category": ["category"], "sku": ["sku"]})


def scenario_block(skus: int, seed: int, threads: int) -> dict[str, Any]:
    from fwdnet.logistics.forecast.scenario import scenario_frame
    from fwdnet.logistics.network.load import load_scenario

    sc = load_scenario(ROOT / "scenarios" / "default.toml")
    frame = scenario_frame(sc).rename(columns={"date": DS, "quantity": Y})
    rng = np.random.default_rng(seed)
    ids = np.array([k.id for k in sc.network.skus])
    pick = set(rng.choice(ids, size=min(skus, len(ids)), replace=False).tolist())
    frame = frame[frame[ID].str.split("|").str[1].isin(pick)].copy()
    frame["sku"] = frame[ID].str.split("|").str[1]
    last = frame[DS].max()
    cut = last - pd.Timedelta(weeks=4)
    hist = frame[frame[DS] <= cut]
    # series launched in the last weeks have nothing to learn from: cold start covers them
    act = frame[frame[DS] > cut][[ID, DS, Y]]
    fut = frame[frame[DS] > cut][[ID, DS, "promo_lift"]]
    block = score_panel("scenario(default, 52 weeks)", hist, fut, act, horizon=4,
                        freq="W-MON", season=52, windows=3, threads=threads,
                        hierarchy={"total": [], "region": ["region"],
                                   "category": ["category"]})
    block["note"] = ("48 weeks of history before the origin: no seasonal naive (a season "
                     "is 52 weeks) and no MSTL (two seasons), so the yardstick is the naive")
    return block


def public_block(threads: int) -> dict[str, Any]:
    from statsforecast.utils import AirPassengersDF
    from statsmodels.datasets import co2, elec_equip

    out: dict[str, Any] = {}
    c = co2.load_pandas().data["co2"].interpolate().iloc[-6 * 52:]
    ee = elec_equip.load_pandas().data
    sets = {
        "co2_weekly": (pd.DataFrame({ID: "co2", DS: c.index, Y: c.to_numpy()}), 52, 52),
        "air_passengers": (AirPassengersDF.assign(unique_id="air"), 12, 12),
        "elec_equip": (pd.DataFrame({ID: "elec", DS: ee.index,
                                     Y: ee.iloc[:, 0].to_numpy()}), 12, 12),
    }
    for name, (df, season, horizon) in sets.items():
        df = df.sort_values(DS)
        cut = df[DS].iloc[-horizon - 1]
        hist, act = df[df[DS] <= cut], df[df[DS] > cut]
        freq = pd.infer_freq(df[DS]) or "MS"
        out[name] = score_panel(name, hist, None, act, horizon=horizon, freq=freq,
                                season=season, windows=3, hierarchy=None, threads=threads)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller panel and scenario sample")
    ap.add_argument("--seeds", default="7,11", help="held-out panel seeds")
    ap.add_argument("--skus", type=int, default=300, help="scenario SKUs sampled (× 12)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=OUT)
    a = ap.parse_args()
    started = time.perf_counter()
    result: dict[str, Any] = {
        "command": "python benchmarks/forecast.py " + " ".join(sys.argv[1:]),
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_avg_1m_at_start": round(os.getloadavg()[0], 2),
                    "note": "shared 2-core machine, other engineers running"},
        "protocol": "held-out future after a forecast origin; WAPE ratios to the seasonal "
                    "naive on the same rows; fwdnet = run_forecast with its default models "
                    f"({', '.join(m.value for m in DEFAULT_MODELS)}), 3 backtest origins",
    }
    skus = 60 if a.quick else 120
    result["panel"] = {f"seed_{s}": panel_block(int(s), skus, a.threads)
                       for s in a.seeds.split(",") if s.strip()}
    result["scenario"] = scenario_block(100 if a.quick else a.skus, 0, a.threads)
    result["public"] = public_block(a.threads)
    result["seconds_total"] = round(time.perf_counter() - started, 1)
    write_json_atomic(a.out, json.loads(json.dumps(result, default=str)), indent=2)
    for key, blk in [*result["panel"].items(), ("scenario", result["scenario"]),
                     *result["public"].items()]:
        log(f"{key}: WAPE / {blk['baseline']} {blk['wape_ratio_to_baseline']}; "
            f"held-out 80 % coverage {blk['coverage_held_out']['series']['p10_p90']}")
    log(f"wrote {a.out}")


if __name__ == "__main__":
    main()
