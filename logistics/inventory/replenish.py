"""Replenishment suggestions for a scenario: region × SKU forecasts → FW × SKU (R, S) orders.

Each store is served by the FW the design assigns it (default: its nearest open FW), so a
FW's demand is its share of each region's store weight times the region forecast, and a
store's demand is its own share. The order-up-to level covers the
review period plus the CDC→FW lead time at the scenario's cycle service level (normal
demand, or negative binomial / Poisson for slow movers below 20 units over L + R); the forecast
error σ comes from the forecast's backtest-calibrated p10..p90 interval (or a given
backtest RMSE per series), floored at the Poisson √mean.
Units: stock in units, time in days.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from fwdnet.logistics.inventory.constraints import Allocation
from fwdnet.logistics.inventory.policies import RS, InventoryState
from fwdnet.logistics.inventory.safety import discrete_order_up_to, order_up_to_level
from fwdnet.logistics.inventory.suggest import OrderPlan, plan_orders
from fwdnet.logistics.network.model import Network, Site

if TYPE_CHECKING:
    import pandas as pd

FloatArray = npt.NDArray[np.float64]
Z80 = 1.2815515655446004  # Φ⁻¹(0.90): half-width of a central 80 % interval in σ


@dataclass(frozen=True)
class ReplenishmentSettings:
    """Targets and constraints for the suggestion (days, units)."""

    service_level: float = 0.95  # cycle service level
    review_days: int = 7
    lead_days: int = 2
    case_pack: float = 1.0
    moq: float = 0.0
    allocation: Allocation = Allocation.FAIR_SHARE
    slow_mover_units: float = 20.0  # below this mean demand over L + R: discrete S (NB/Poisson)


def _great_circle_m(a: FloatArray, b: FloatArray) -> FloatArray:
    """(len(a), len(b)) metres between [lon, lat] points (haversine, R = 6,371 km)."""
    lon1, lat1 = np.radians(a[:, 0])[:, None], np.radians(a[:, 1])[:, None]
    lon2, lat2 = np.radians(b[:, 0])[None, :], np.radians(b[:, 1])[None, :]
    h = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return np.asarray(2 * 6_371_000.0 * np.arcsin(np.sqrt(h)))


def nearest_fw(network: Network, fws: Sequence[Site]) -> npt.NDArray[np.int64]:
    """(stores,) index of each store's nearest FW among `fws` (great circle)."""
    dist = _great_circle_m(network.lonlat(network.stores), network.lonlat(tuple(fws)))
    return np.asarray(dist.argmin(axis=1), dtype=np.int64)


def region_shares(network: Network, fws: Sequence[Site],
                  store_fw: npt.ArrayLike | None = None) -> FloatArray:
    """(fw, region): share of each region's store weight that each FW serves.

    `store_fw` is each store's FW index (−1: served straight from the CDC); default: the
    nearest FW.
    """
    stores = network.stores
    serve = nearest_fw(network, fws) if store_fw is None else np.asarray(store_fw)
    reg = network.region_index(stores)
    w = np.array([s.weight for s in stores])
    ok = serve >= 0
    share = np.zeros((len(fws), len(network.regions)))
    np.add.at(share, (serve[ok], reg[ok]), w[ok])
    total = np.bincount(reg, weights=w, minlength=len(network.regions))
    return np.asarray(np.divide(share, total, out=np.zeros_like(share), where=total > 0))


def store_shares(network: Network) -> FloatArray:
    """(stores,) each store's share of its region's store weight."""
    stores = network.stores
    reg = network.region_index(stores)
    w = np.array([s.weight for s in stores], dtype=np.float64)
    total = np.bincount(reg, weights=w, minlength=len(network.regions))
    return np.asarray(w / np.where(total[reg] > 0, total[reg], 1.0))


def region_sku_rates(
    forecast: pd.DataFrame, network: Network, weeks: int, sep: str = "|",
    sigma: pd.Series | None = None,
) -> tuple[FloatArray, FloatArray]:
    """(region, sku) mean weekly demand and σ over the first `weeks` forecast weeks.

    σ is the backtest error `sigma` (unique_id → units/week) when given; series without one
    (new items) get the median σ/μ of the others times their μ. Without `sigma`, σ comes from
    the forecast's p10..p90 interval. Always floored at the Poisson √μ.
    """
    import pandas as pd

    fc = forecast.sort_values(["unique_id", "ds"])
    fc = fc[fc.groupby("unique_id").cumcount() < weeks]
    if sigma is None:
        spread = ((fc["p90"] - fc["p10"]) / (2 * Z80)).clip(lower=0.0)
    else:
        spread = fc["unique_id"].map(sigma)
    agg = pd.DataFrame({"unique_id": fc["unique_id"], "mu": fc["forecast"], "sd": spread})
    agg = agg.groupby("unique_id")[["mu", "sd"]].mean()
    known = agg["sd"].notna() & (agg["mu"] > 0)
    ratio = float((agg.loc[known, "sd"] / agg.loc[known, "mu"]).median()) if known.any() else 1.0
    agg["sd"] = agg["sd"].fillna(agg["mu"] * ratio)
    parts = agg.index.str.split(sep, n=1)
    ri = pd.Index(network.regions).get_indexer(parts.str[0])
    ki = pd.Index([k.id for k in network.skus]).get_indexer(parts.str[1])
    ok = (ri >= 0) & (ki >= 0)
    mu = np.zeros((len(network.regions), len(network.skus)))
    sd = np.zeros_like(mu)
    mu[ri[ok], ki[ok]] = agg["mu"].to_numpy()[ok]
    sd[ri[ok], ki[ok]] = agg["sd"].to_numpy()[ok]
    return mu, np.maximum(sd, np.sqrt(mu))


def _levels(mu_d: FloatArray, sd_d: FloatArray, lead: npt.ArrayLike, review: int,
            settings: ReplenishmentSettings) -> FloatArray:
    """Order-up-to S: normal over L + R, or the discrete NB/Poisson S for slow movers."""
    level, _ = order_up_to_level(mu_d, sd_d, lead, review, settings.service_level)
    protect = np.asarray(lead, dtype=np.float64) + review
    mu_p, sd_p = np.broadcast_arrays(mu_d * protect, sd_d * np.sqrt(protect))
    slow = mu_p < settings.slow_mover_units
    out = np.array(np.broadcast_to(level, slow.shape), dtype=np.float64)
    # the discrete quantile only where it is used: a scipy ppf per pair is the slow part
    out[slow] = discrete_order_up_to(mu_p[slow], sd_p[slow], settings.service_level)
    return out


def plan_replenishment(
    network: Network,
    forecast: pd.DataFrame,
    settings: ReplenishmentSettings,
    *,
    fws: Sequence[Site] | None = None,
    store_fw: npt.ArrayLike | None = None,
    state: InventoryState | None = None,
    cdc_available: npt.ArrayLike | None = None,
    sigma: pd.Series | None = None,
) -> tuple[OrderPlan, tuple[Site, ...]]:
    """FW × SKU (R, S) order plan at a review day from weekly region × SKU forecasts.

    `store_fw` (stores,) is the design's FW index per store (−1: CDC-direct); default the
    nearest FW. σ comes from the forecast's calibrated p10..p90 (or a backtest `sigma`).
    """
    fw_sites = tuple(fws) if fws is not None else (
        tuple(s for s in network.fw_candidates if s.existing) or network.fw_candidates)
    weeks = max(1, math.ceil((settings.lead_days + settings.review_days) / 7))
    mu_w, sd_w = region_sku_rates(forecast, network, weeks, sigma=sigma)
    share = region_shares(network, fw_sites, store_fw)
    mu_d = share @ mu_w / 7.0  # (fw, sku) units per day
    sd_d = np.sqrt((share**2) @ (sd_w**2)) / math.sqrt(7.0)  # independent days within a week
    level = _levels(mu_d, sd_d, settings.lead_days, settings.review_days, settings)
    policy = RS.of(settings.review_days, level)
    if state is None:
        state = InventoryState.of(np.zeros_like(mu_d))
    capacity = np.array([s.capacity_units for s in fw_sites])
    plan = plan_orders(policy, state, mu_d, period=0, case_pack=settings.case_pack,
                       moq=settings.moq, capacity=capacity, cdc_available=cdc_available,
                       allocation=settings.allocation,
                       priority=mu_d.sum(axis=1))  # PRIORITY: the busiest FW first
    return plan, fw_sites


@dataclass(frozen=True)
class StoreSettings:
    """Store × SKU replenishment from the serving FW (or the CDC): daily review by default."""

    review_days: int = 1
    fw_lead_days: int = 1
    cdc_lead_days: int = 3


def plan_stores(
    network: Network,
    forecast: pd.DataFrame,
    settings: ReplenishmentSettings,
    store: StoreSettings,
    store_fw: npt.ArrayLike,
    *,
    state: InventoryState | None = None,
    sigma: pd.Series | None = None,
) -> OrderPlan:
    """Store × SKU (R, S) orders: each store's share of its region's forecast.

    A store's weekly σ is √(share²·σ_region² + share·(1 − share)·μ_region): its share of the
    regional forecast error plus the Poisson thinning of regional demand to one store.
    """
    weeks = max(1, math.ceil((store.cdc_lead_days + store.review_days) / 7))
    mu_w, sd_w = region_sku_rates(forecast, network, weeks, sigma=sigma)
    reg = network.region_index(network.stores)
    sh = store_shares(network)[:, None]
    mu_r, sd_r = mu_w[reg], sd_w[reg]  # (stores, sku)
    mu_d = sh * mu_r / 7.0
    sd_d = np.sqrt(sh**2 * sd_r**2 + sh * (1.0 - sh) * mu_r) / math.sqrt(7.0)
    src = np.asarray(store_fw)
    lead = np.where(src >= 0, store.fw_lead_days, store.cdc_lead_days).astype(np.float64)
    level = _levels(mu_d, sd_d, lead[:, None], store.review_days, settings)
    policy = RS.of(store.review_days, level)
    if state is None:
        state = InventoryState.of(np.zeros_like(mu_d))
    return plan_orders(policy, state, mu_d, period=0, case_pack=settings.case_pack,
                       moq=settings.moq)
