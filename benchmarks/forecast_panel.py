"""A held-out weekly region × SKU demand panel, made apart from `scenarios/generate.py`.

The forecast code was never shaped on it: seasonal shapes are asymmetric peaks and plateaus
(not cosines), each region shifts and stretches them, SKUs trend up or down (log-linear) and
some shift level once, promotions are random per region × category with their own lifts and a
post-promotion dip, and noise is negative binomial. The true mean is returned, so the noise
floor (the WAPE of a perfect forecast) can be quoted beside every model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Panel:
    """History (unique_id, date, quantity, region, category, sku, promo), future, actuals."""

    history: pd.DataFrame
    future: pd.DataFrame  # unique_id, date, promo for the horizon
    actual: pd.DataFrame  # unique_id, date, quantity, mean for the horizon
    horizon: int


def _shape(rng: np.random.Generator, weeks: np.ndarray) -> np.ndarray:
    """A yearly shape (mean 1) from one or two skewed peaks, or a plateau, on 52.18 weeks."""
    t = (weeks % 52.1775) / 52.1775
    kind = rng.integers(3)
    if kind == 0:  # one skewed peak (gamma-like bump, wrapped)
        c, w = rng.random(), rng.uniform(0.06, 0.15)
        d = (t - c + 0.5) % 1.0 - 0.5
        out = np.where(d < 0, np.exp(-0.5 * (d / w) ** 2), np.exp(-0.5 * (d / (2.2 * w)) ** 2))
        out = 0.25 + rng.uniform(0.8, 2.0) * out
    elif kind == 1:  # two peaks of different height
        c1 = rng.random()
        c2 = (c1 + rng.uniform(0.3, 0.6)) % 1.0
        out = np.full_like(t, 0.4)
        for c, h in ((c1, rng.uniform(0.8, 1.5)), (c2, rng.uniform(0.3, 0.9))):
            d = (t - c + 0.5) % 1.0 - 0.5
            out = out + h * np.exp(-0.5 * (d / rng.uniform(0.04, 0.09)) ** 2)
    else:  # a plateau season (e.g. a summer range) with soft edges
        a, length = rng.random(), rng.uniform(0.25, 0.45)
        d = (t - a) % 1.0
        rise = 1 / (1 + np.exp(-(d - 0.03) / 0.015))
        fall = 1 / (1 + np.exp((d - length) / 0.02))
        out = 0.35 + rng.uniform(0.8, 1.6) * rise * fall
    return np.asarray(out / out.mean())


def make_panel(*, seed: int = 7, regions: int = 6, skus: int = 120, categories: int = 5,
               history_weeks: int = 156, horizon: int = 13,
               start: str = "2023-01-02") -> Panel:
    """Generate the panel: `regions × skus` weekly series, `history_weeks` + `horizon` weeks."""
    rng = np.random.default_rng(seed)
    n_w = history_weeks + horizon
    weeks = np.arange(n_w, dtype=np.float64)
    dates = pd.date_range(start, periods=n_w, freq="W-MON")
    cat_of = rng.integers(categories, size=skus)
    cat_shape = [_shape(rng, weeks) for _ in range(categories)]
    # each region shifts the category season by a few weeks and damps or sharpens it
    shift = rng.integers(-4, 5, size=regions)
    sharp = rng.uniform(0.6, 1.3, size=regions)
    base = rng.lognormal(np.log(12.0), 1.0, size=skus)
    reg_size = rng.uniform(0.4, 1.6, size=regions)
    trend = rng.normal(0.0, 0.25, size=skus)  # log growth per year
    shift_at = np.where(rng.random(skus) < 0.15, rng.integers(30, n_w - 20, size=skus), n_w)
    shift_by = rng.lognormal(0.0, 0.35, size=skus)
    dispersion = rng.uniform(3.0, 15.0, size=skus)  # NB size: smaller = noisier

    # promotions: per region × category, ~6 a year, 1–3 weeks, lift 1.3–2.5, dip after
    promo = np.zeros((regions, categories, n_w))
    effect = np.ones((regions, categories, n_w))
    for r in range(regions):
        for c in range(categories):
            for s in np.flatnonzero(rng.random(n_w) < 6 / 52).tolist():
                length = int(rng.integers(1, 4))
                depth = rng.uniform(0.1, 0.4)  # price cut shown to the model
                lift = 1 + depth * rng.uniform(3.0, 5.0)
                end = min(n_w, int(s) + length)
                promo[r, c, s:end] = depth
                effect[r, c, s:end] *= lift
                if end < n_w:
                    effect[r, c, end] *= rng.uniform(0.75, 0.95)  # pantry loading dip
    rows = []
    for r in range(regions):
        season = np.stack([np.roll(sh, shift[r]) ** sharp[r] for sh in cat_shape])
        season /= season.mean(axis=1, keepdims=True)
        for k in range(skus):
            c = cat_of[k]
            level = base[k] * reg_size[r] * np.exp(trend[k] * weeks / 52.18)
            level = np.where(weeks >= shift_at[k], level * shift_by[k], level)
            mean = level * season[c] * effect[r, c]
            n = dispersion[k]
            qty = rng.negative_binomial(n, n / (n + mean))
            rows.append(pd.DataFrame({
                "unique_id": f"R{r}|S{k:04d}", "date": dates, "quantity": qty.astype(float),
                "mean": mean, "region": f"R{r}", "category": f"C{c}", "sku": f"S{k:04d}",
                "promo": promo[r, c].round(3)}))
    full = pd.concat(rows, ignore_index=True)
    cut = dates[history_weeks - 1]
    hist = full[full["date"] <= cut]
    fut = full[full["date"] > cut]
    return Panel(
        history=hist[["unique_id", "date", "quantity", "region", "category", "sku", "promo"]]
        .reset_index(drop=True),
        future=fut[["unique_id", "date", "promo"]].reset_index(drop=True),
        actual=fut[["unique_id", "date", "quantity", "mean"]].reset_index(drop=True),
        horizon=horizon)
