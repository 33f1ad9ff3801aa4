"""One forecast run: backtest → ensemble choice → final fit → reconciliation → intervals.

Everything downstream (the `predict` command, replenishment, the run's forecast view) reuses
one `ForecastRun`: the rolling-origin backtest that chose the ensemble also calibrates the
intervals and the reconciliation, so the models are fitted once per origin and once at the end.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from fwdnet.logistics.errors import InputError
from fwdnet.logistics.forecast import reconcile as rec
from fwdnet.logistics.forecast.engine import (
    MAX_CATEGORIES,
    MIN_FIT,
    cross_validate,
    fit_predict,
    future_frame,
    min_length,
)
from fwdnet.logistics.forecast.ensemble import ALL, EnsembleChoice, choose, clusters
from fwdnet.logistics.forecast.history import DS, ID, History, Y, validate_history
from fwdnet.logistics.forecast.intervals import (
    Calibration,
    calibrate,
    prob_column,
    probs_for,
)
from fwdnet.logistics.forecast.models import ModelName

if TYPE_CHECKING:
    import pandas as pd

M = ModelName
DEFAULT_MODELS = (M.NAIVE, M.SEASONAL_NAIVE, M.WINDOW_AVERAGE, M.MSTL, M.LGBM)
Progress = Callable[[str], None]
RECONCILE_MARGIN = 0.05  # share of bottom-up's backtest score another method must win by


@dataclass(frozen=True)
class ForecastRun:
    """Forecasts of every bottom series and level, with what produced them.

    `forecast`: unique_id, ds, forecast, p-columns, model (how each series was forecast).
    `levels`: level, unique_id, ds, forecast, p-columns for each aggregate node (empty
    without a hierarchy). `backtest`: the bottom backtest (one column per model, `ensemble`,
    and `reconciled` with a hierarchy). `level_backtest`: level, unique_id, ds, cutoff, y,
    the models, `ensemble`, `reconciled` for every node (None without a hierarchy).
    """

    forecast: pd.DataFrame
    levels: pd.DataFrame
    backtest: pd.DataFrame
    level_backtest: pd.DataFrame | None
    choice: EnsembleChoice
    calibration: dict[str, Calibration]
    reconciliation: str | None
    method_scores: dict[str, float]
    models: tuple[str, ...]
    windows: int
    cold_start: tuple[str, ...]
    notes: tuple[str, ...]


def _say(progress: Progress | None, msg: str) -> None:
    if progress is not None:
        progress(msg)


def _subset(history: History, ids: Sequence[str]) -> History:
    keep = history.frame[ID].isin(set(ids))
    return dataclasses.replace(history, frame=history.frame[keep].reset_index(drop=True))


def _cluster_tag(history: History) -> str | None:
    """The lowest-cardinality text feature with 2..MAX_CATEGORIES values (e.g. category)."""
    f = history.frame
    counts = {c: f[c].nunique() for c in history.static_features}
    ok = [c for c, n in counts.items() if 2 <= n <= MAX_CATEGORIES]
    return min(ok, key=lambda c: (counts[c], c)) if ok else None


def _windows(lengths: pd.Series, horizon: int, wanted: int) -> int:
    """Most origins (≤ wanted, ≥ 1) that leave some series long enough to be backtested."""
    longest = int(lengths.max())
    for w in range(wanted, 0, -1):
        if longest >= w * horizon + MIN_FIT:
            return w
    return 1


def run_forecast(
    history: History,
    *,
    horizon: int,
    future: pd.DataFrame | None = None,
    future_source: str = "features",
    models: Sequence[ModelName] = DEFAULT_MODELS,
    n_windows: int = 3,
    levels: Sequence[int] = (80, 90),
    hierarchy: Mapping[str, Sequence[str]] | None = None,
    season: int | None = None,
    num_threads: int = 1,
    seed: int = 0,
    n_estimators: int = 300,
    progress: Progress | None = None,
) -> ForecastRun:
    """Backtest `models` on `n_windows` origins, ensemble per cluster, forecast `horizon`
    periods, reconcile over `hierarchy` (level name → key columns) and calibrate intervals."""
    import pandas as pd

    from fwdnet.logistics.forecast.coldstart import cold_start

    if horizon < 1:
        raise InputError("horizon must be >= 1", source=history.source)
    lengths = history.frame.groupby(ID, sort=False).size()
    windows = _windows(lengths, horizon, n_windows)
    need = max(min_length(horizon), windows * horizon + MIN_FIT)
    established = [str(x) for x in lengths.index[lengths >= need]]
    short = tuple(str(x) for x in lengths.index[lengths < need])
    notes: list[str] = []
    probs = probs_for(levels) if levels else (0.1, 0.9)
    qcols = [prob_column(p) for p in probs]
    if not established:
        raise InputError(f"no series has the {need} periods a forecast needs ({windows} "
                         f"backtest origin(s) of {horizon} plus {MIN_FIT}); longest has "
                         f"{int(lengths.max())}", source=history.source)
    est = _subset(history, established)
    # bad future features stop here, before any model is fitted
    future_frame(history, horizon, future, established, future_source=future_source)
    _say(progress, f"backtest: {len(established)} series, {windows} origin(s) × {horizon} "
                   f"periods, models {', '.join(m.value for m in models)}")
    bt = cross_validate(est, horizon=horizon, n_windows=windows, season=season, models=models,
                        num_threads=num_threads, seed=seed, n_estimators=n_estimators)
    notes += bt.notes
    names = [m.value for m in bt.models]
    choice = choose(bt.frame, names, clusters(est.frame, established, by=_cluster_tag(est)))
    bt_frame = bt.frame.assign(ensemble=choice.combine(bt.frame))
    members = [ModelName(m) for m in choice.members()]
    counts: dict[str, int] = {}
    for name, combo in choice.combos.items():
        if name != ALL or len(choice.combos) == 1:
            counts[combo.label] = counts.get(combo.label, 0) + 1
    _say(progress, f"ensemble chosen on the backtest for {sum(counts.values())} cluster(s): "
         + ", ".join(f"{lab} ×{n}" for lab, n in sorted(counts.items(), key=lambda x: -x[1])))
    _say(progress, f"final fit: {', '.join(m.value for m in members)}")
    final = fit_predict(history, horizon=horizon, models=members, ids=established,
                        season=season, future=future, future_source=future_source,
                        num_threads=num_threads, seed=seed, n_estimators=n_estimators)
    final["forecast"] = choice.combine(final)

    value = "ensemble"
    level_bt: pd.DataFrame | None = None
    level_fc = pd.DataFrame(columns=["level", ID, DS, "forecast", *qcols])
    method: str | None = None
    scores: dict[str, float] = {}
    calib: dict[str, Calibration] = {}
    if hierarchy:
        got = _reconcile(history, est, bt_frame, final, bt.models, hierarchy, horizon=horizon,
                         windows=windows, future=future, season=season,
                         num_threads=num_threads, seed=seed, n_estimators=n_estimators,
                         progress=progress)
        if isinstance(got, str):
            notes.append(got)
        else:
            method, scores, level_bt, rec_final = got
            bottom_bt = level_bt[level_bt["level"] == rec.BOTTOM][[ID, DS, "cutoff",
                                                                   "reconciled"]]
            bt_frame = bt_frame.merge(bottom_bt, on=[ID, DS, "cutoff"], how="left")
            value = "reconciled"
            bottom_fc = rec_final[rec_final["level"] == rec.BOTTOM][[ID, DS, "reconciled"]]
            final = final.drop(columns="forecast").merge(bottom_fc, on=[ID, DS], how="left")
            final = final.rename(columns={"reconciled": "forecast"})
            parts = []
            for name, sub in level_bt.groupby("level", sort=False):
                cal = calibrate(sub, "reconciled", probs)
                calib[str(name)] = cal
                if name != rec.BOTTOM:
                    fc = rec_final[rec_final["level"] == name].rename(
                        columns={"reconciled": "forecast"})
                    parts.append(cal.apply(fc))
            level_fc = pd.concat(parts, ignore_index=True)[["level", ID, DS, "forecast", *qcols]]
    if rec.BOTTOM not in calib:
        calib[rec.BOTTOM] = calibrate(bt_frame, value, probs)
    out = calib[rec.BOTTOM].apply(final[[ID, DS, "forecast"]])
    tag = f" reconciled ({method})" if method else ""
    out["model"] = out[ID].map(lambda u: choice.label_of(str(u)) + tag)
    if short:
        cs = cold_start(history, out[[ID, DS, "forecast", *qcols]], list(short), horizon,
                        qcols)
        n_of = lengths.reindex(list(short))
        cs["model"] = cs[ID].map(lambda u: f"cold start: {int(n_of[u])} periods of history "
                                           f"(< {need})")
        out = pd.concat([out, cs], ignore_index=True)
        if len(level_fc) and hierarchy:
            level_fc = _add_cold_start(level_fc, cs, history, hierarchy, qcols)
            notes.append(f"{len(short)} cold-start series added bottom-up to the levels")
    out = out.sort_values([ID, DS]).reset_index(drop=True)[[ID, DS, "forecast", *qcols,
                                                            "model"]]
    return ForecastRun(forecast=out, levels=level_fc.reset_index(drop=True),
                       backtest=bt_frame, level_backtest=level_bt, choice=choice,
                       calibration=calib, reconciliation=method, method_scores=scores,
                       models=tuple(names), windows=windows, cold_start=short,
                       notes=tuple(notes))


def _add_cold_start(level_fc: pd.DataFrame, cs: pd.DataFrame, history: History,
                    hierarchy: Mapping[str, Sequence[str]], qcols: Sequence[str]
                    ) -> pd.DataFrame:
    """Add cold-start means to their aggregate nodes (quantiles shift by the same amount)."""
    cols = sorted({c for keys in hierarchy.values() for c in keys})
    tags = history.frame.groupby(ID, sort=False)[cols].first().reset_index() if cols else \
        history.frame[[ID]].drop_duplicates()
    add = rec.aggregate_frame(cs[[ID, DS, "forecast"]], tags, hierarchy,
                              sums=("forecast",)).rename(columns={"forecast": "_add"})
    out = level_fc.merge(add, on=["level", ID, DS], how="left")
    delta = out["_add"].fillna(0.0)
    for c in ("forecast", *qcols):
        out[c] = out[c] + delta
    return out.drop(columns="_add")


def _reconcile(
    history: History, est: History, bt_frame: pd.DataFrame, final: pd.DataFrame,
    bt_models: Sequence[ModelName], hierarchy: Mapping[str, Sequence[str]], *,
    horizon: int, windows: int, future: pd.DataFrame | None, season: int | None,
    num_threads: int, seed: int, n_estimators: int, progress: Progress | None,
) -> str | tuple[str, dict[str, float], pd.DataFrame, pd.DataFrame]:
    """Base forecasts for every level, method chosen on the backtest, final reconciled.

    Returns a note (str) when the history cannot be reconciled.
    """
    import pandas as pd

    cols = sorted({c for keys in hierarchy.values() for c in keys})
    missing = [c for c in cols if c not in history.static_features]
    if missing:
        return f"not reconciled: no text column {', '.join(missing)} to build levels from"
    if est.frame.groupby(ID)[DS].max().nunique() != 1:
        return "not reconciled: series end on different dates"
    tags = est.frame.groupby(ID, sort=True)[cols].first().reset_index()
    hier = rec.build(tags, hierarchy)
    dynamic = [c for c in est.dynamic_features if c not in ("ev_spring_festival", "ev_618",
                                                             "ev_double11")]
    agg = rec.aggregate_frame(est.frame, tags, hierarchy, sums=(Y,), means=dynamic)
    agg[ID] = agg["level"] + ":" + agg[ID]
    agg_hist = validate_history(agg.rename(columns={DS: "date", Y: "quantity"}),
                                source=history.source, freq=history.freq)
    agg_future = None
    if future is not None and dynamic:
        fut = future.rename(columns={"date": DS}).copy()
        fut[ID] = fut[ID].astype(str)
        fut[DS] = pd.to_datetime(fut[DS])
        agg_future = rec.aggregate_frame(fut[[ID, DS, *dynamic]], tags, hierarchy, sums=(),
                                         means=dynamic)
        agg_future[ID] = agg_future["level"] + ":" + agg_future[ID]
        agg_future = agg_future.drop(columns="level")
    n_agg = agg_hist.frame[ID].nunique()
    _say(progress, f"levels: backtest of {n_agg} aggregate series "
                   f"({', '.join(hierarchy)})")
    abt = cross_validate(agg_hist, horizon=horizon, n_windows=windows, season=season,
                         models=bt_models, num_threads=num_threads, seed=seed,
                         n_estimators=n_estimators)
    names = [m.value for m in abt.models]
    level_of = agg_hist.frame.groupby(ID)["level"].first()
    achoice = choose(abt.frame, names, level_of.astype(str).rename(None))
    abt_frame = abt.frame.assign(ensemble=achoice.combine(abt.frame))
    afinal = fit_predict(agg_hist, horizon=horizon,
                         models=[ModelName(m) for m in achoice.members()],
                         ids=list(level_of.index), season=season, future=agg_future,
                         num_threads=num_threads, seed=seed, n_estimators=n_estimators)
    afinal["forecast"] = achoice.combine(afinal)

    def split(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        parts = out[ID].str.split(":", n=1)
        out["level"] = parts.str[0]
        out[ID] = parts.str[1]
        return out

    shared = [c for c in names if c in bt_frame.columns]
    both_bt = pd.concat([split(abt_frame[[ID, DS, "cutoff", Y, *shared, "ensemble"]]),
                         bt_frame[[ID, DS, "cutoff", Y, *shared, "ensemble"]]
                         .assign(level=rec.BOTTOM)], ignore_index=True)
    cutoffs = sorted(set(abt_frame["cutoff"]) & set(bt_frame["cutoff"]))
    if not cutoffs:
        return "not reconciled: the levels' backtest origins differ from the series'"
    both_bt = both_bt[both_bt["cutoff"].isin(cutoffs)]
    errors = both_bt.assign(_e=both_bt[Y] - both_bt["ensemble"],
                            _t=both_bt["cutoff"].astype(str) + "@" + both_bt[DS].astype(str))
    resid, _ = rec.to_matrix(errors.drop(columns=DS).rename(columns={"_t": DS}), hier, "_e")
    resid = np.nan_to_num(resid)
    methods = rec.methods_for(hier)
    if len(cutoffs) < 2:
        methods = tuple(m for m in methods if m != "mint_shrink")
    rec_bt: dict[str, list[pd.DataFrame]] = {m: [] for m in methods}
    for cut in cutoffs:
        sub = both_bt[both_bt["cutoff"] == cut]
        base, dates = rec.to_matrix(sub, hier, "ensemble")
        if np.isnan(base).any():
            return "not reconciled: a level has no backtest forecast at some origin"
        # MinT's error covariance from the other origins only: an origin never sees its own
        other, _ = rec.to_matrix(errors[errors["cutoff"] != cut].drop(columns=DS)
                                 .rename(columns={"_t": DS}), hier, "_e")
        other = np.nan_to_num(other)
        for m in list(methods):
            try:
                mat = rec.reconcile(hier, base, m, other)
            except Exception:  # e.g. MinT refuses all-zero residuals: the method is out
                if m == "bottom_up":
                    raise
                methods = tuple(x for x in methods if x != m)
                rec_bt.pop(m)
                continue
            rec_bt[m].append(rec.from_matrix(mat, hier, dates, "reconciled")
                             .assign(cutoff=cut))
    scores: dict[str, float] = {}
    base_w = _level_wape(both_bt, "ensemble")
    for m in methods:
        frame = both_bt.merge(pd.concat(rec_bt[m]), on=["level", ID, DS, "cutoff"])
        w = _level_wape(frame, "reconciled")
        ratios = [w[lv] / base_w[lv] for lv in w if base_w[lv] > 0]
        scores[m] = float(np.mean(ratios)) if ratios else 1.0  # no demand: nothing to gain
    # few origins make the choice noisy: another method must beat bottom-up by a margin
    best = min(methods, key=lambda m: (scores[m], methods.index(m)))
    method = best if scores[best] < scores["bottom_up"] * (1 - RECONCILE_MARGIN) \
        else "bottom_up"
    level_bt = both_bt.merge(pd.concat(rec_bt[method]), on=["level", ID, DS, "cutoff"])
    _say(progress, "reconciliation: " + ", ".join(f"{m} {scores[m]:.3f}" for m in methods)
         + f" (mean WAPE ratio to base) → {method}")

    base_final = pd.concat([split(afinal[[ID, DS, "forecast"]]),
                            final[[ID, DS, "forecast"]].assign(level=rec.BOTTOM)],
                           ignore_index=True)
    base, dates = rec.to_matrix(base_final, hier, "forecast")
    rec_final = rec.from_matrix(rec.reconcile(hier, base, method, resid), hier, dates,
                                "reconciled")
    rec_final["reconciled"] = rec_final["reconciled"].clip(lower=0.0)
    return method, scores, level_bt, rec_final


def _level_wape(frame: pd.DataFrame, col: str) -> dict[str, float]:
    out = {}
    for lv, sub in frame.groupby("level", sort=False):
        denom = float(sub[Y].abs().sum())
        out[str(lv)] = float((sub[col] - sub[Y]).abs().sum() / denom) if denom > 0 else 0.0
    return out


def level_scores(frame: pd.DataFrame, cols: Sequence[str]) -> dict[str, dict[str, float]]:
    """level → column → WAPE over all origins (for reports)."""
    out: dict[str, dict[str, float]] = {}
    for c in cols:
        if c in frame.columns:
            for lv, w in _level_wape(frame, c).items():
                out.setdefault(lv, {})[c] = w
    return out


def describe(run: ForecastRun) -> dict[str, Any]:
    """A JSON-ready summary of the run: ensemble per cluster, reconciliation, cold start."""
    return {
        "models": list(run.models), "windows": run.windows,
        "ensemble": {k: {"models": list(c.models), "how": c.how,
                         "backtest_wape": round(c.wape, 4)}
                     for k, c in sorted(run.choice.combos.items()) if k != ALL or
                     len(run.choice.combos) == 1},
        "reconciliation": run.reconciliation,
        "reconciliation_scores": {k: round(v, 4) for k, v in run.method_scores.items()},
        "cold_start_series": len(run.cold_start), "notes": list(run.notes),
    }
