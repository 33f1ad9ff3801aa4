"""Supplier-order simulation: a fixed versus a flexible contract replayed on the same demand.

One stock point per SKU (the chain's central stock, fed by the supplier) under lost sales. Each
morning: receipts, the revision review (flexible contracts only), the (R, S) order on inventory
position every `review_days` (`logistics.inventory`: `RS` on `InventoryState`, S from
`order_up_to_level` with lead-time variance), then the day's sales; the forecast is exponential
smoothing of the sales seen so far. Demand and lead times come from common random numbers, so
both contracts of a replication see the same days; differences carry paired 95% confidence
intervals (`logistics.kernel.stats`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np

from fwdnet.logistics.errors import InputError
from fwdnet.logistics.inventory import RS, InventoryState
from fwdnet.logistics.inventory.contracts import Contract, Revision, revise_orders
from fwdnet.logistics.inventory.safety import order_up_to_level
from fwdnet.logistics.kernel.arrays import frozen_copy
from fwdnet.logistics.kernel.calendar import iso_week_index
from fwdnet.logistics.kernel.stats import Interval, mean_interval, paired_interval
from fwdnet.logistics.network import DemandModel
from fwdnet.logistics.network.history import history_by_iso_week
from fwdnet.logistics.network.model import FloatArray, IntArray, Scenario
from fwdnet.simulation.results import ContractsView
from fwdnet.simulation.streams import Streams


@dataclass(frozen=True)
class SupplyCase:
    """What the replay needs: expected demand per day × SKU, first forecast, prices and rates."""

    rate: FloatArray  # (days, skus) expected units/day
    initial_forecast: FloatArray  # (skus,) units/day the planner believes on day 0
    unit_cost: FloatArray  # (skus,) RMB
    price: FloatArray  # (skus,) RMB
    holding_rate_per_year: float = 0.25
    lost_sale_penalty_rate: float = 0.5
    service_level: float = 0.95
    alpha: float = 0.2  # smoothing weight of the latest day's sales in the forecast

    @property
    def days(self) -> int:
        return int(self.rate.shape[0])

    @property
    def skus(self) -> int:
        return int(self.rate.shape[1])


@dataclass(frozen=True)
class ContractRun:
    """KPIs of one contract on one demand path (units, RMB)."""

    contract: str
    demand_units: float
    sales_units: float
    lost_sales_units: float
    average_stock_units: float
    holding_cost_rmb: float
    lost_sales_cost_rmb: float
    premium_rmb: float  # band premium on delivered units + revision fees
    revisions: tuple[Revision, ...]

    @property
    def fill_rate(self) -> float:
        return self.sales_units / self.demand_units if self.demand_units else 1.0

    @property
    def total_cost_rmb(self) -> float:
        return self.holding_cost_rmb + self.lost_sales_cost_rmb + self.premium_rmb

    def metric(self, name: str) -> float:
        value = getattr(self, name)
        return float(value)


METRICS = ("fill_rate", "lost_sales_units", "average_stock_units", "premium_rmb",
           "total_cost_rmb")


def _lead_from_uniform(contract: Contract, u: FloatArray) -> IntArray:
    """Lead times by inverse CDF of shared uniforms: every contract uses the same draws (CRN)."""
    days = np.array(contract.lead_time.days, dtype=np.int64)
    cdf = np.cumsum(contract.lead_time.probs)
    idx = np.minimum(np.searchsorted(cdf, u, side="right"), len(days) - 1)
    return np.asarray(days[idx], dtype=np.int64)


def simulate_contract(case: SupplyCase, contract: Contract, demand: FloatArray,
                      lead_uniform: FloatArray) -> ContractRun:
    """Replay realised `demand` (days, skus) under `contract`; `lead_uniform` (days,) in [0, 1)."""
    days, skus = demand.shape
    lead = _lead_from_uniform(contract, lead_uniform)
    l_mean = contract.lead_time.mean
    l_sd = math.sqrt(float(np.dot(contract.lead_time.probs, (np.array(
        contract.lead_time.days, dtype=np.float64) - l_mean) ** 2)))
    review = contract.review_days
    f = np.array(case.initial_forecast, dtype=np.float64)
    mad = np.sqrt(f) * 0.8  # Poisson-sized first guess of the mean absolute error

    def levels(fc: FloatArray, err: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(S, safety stock): forecast error σ = max(1.25·MAD, √forecast), lead time varies."""
        sigma = np.maximum(1.25 * err, np.sqrt(fc))
        return order_up_to_level(fc, sigma, l_mean, review, case.service_level,
                                 lead_time_sd=l_sd)

    def next_review(t: int) -> int:
        """The next placement day from today on (today's order is placed after the revision)."""
        return -(-t // contract.review_days) * contract.review_days

    on_hand = np.ceil(levels(f, mad)[0])
    orders: list[tuple[int, int, FloatArray, FloatArray]] = []  # placed, due, base, qty
    revisions: list[Revision] = []
    daily_holding = case.unit_cost * case.holding_rate_per_year / 365.0
    sold_total = lost_total = holding = lost_cost = premium = stock_sum = 0.0
    for t in range(days):
        arriving = [o for o in orders if o[1] == t]
        orders = [o for o in orders if o[1] != t]
        for _, _, _, qty in arriving:
            on_hand += qty
            if contract.flexible:
                premium += float(qty.sum()) * contract.premium_rmb_per_unit
        target, ss = levels(f, mad)
        if contract.flexible and orders:
            res = revise_orders(contract, today=t, on_hand=on_hand,
                                open_qty=np.array([o[3] for o in orders]),
                                base_qty=np.array([o[2] for o in orders]),
                                due_days=[o[1] for o in orders], forecast=f, safety_stock=ss,
                                next_arrival=next_review(t) + l_mean)
            premium += res.fee_rmb
            for j, (placed, due, _base, _) in enumerate(orders):
                ch = res.changed_units[j]
                if np.any(ch != 0):
                    revisions.append(Revision(
                        day=t, placed_day=placed, due_day=due,
                        units_up=float(ch[ch > 0].sum()), units_down=float(-ch[ch < 0].sum()),
                        lines=int(np.count_nonzero(ch)),
                        fee_rmb=float(np.abs(ch).sum() * contract.revision_fee_rmb_per_unit)))
            orders = [(p, d, b, np.array(res.qty[j])) for j, (p, d, b, _) in enumerate(orders)]
        policy = RS.of(review, target)
        if policy.reviews(t):
            on_order = sum((o[3] for o in orders), np.zeros(skus))
            state = InventoryState(on_hand, on_order, np.zeros(skus))
            qty = contract.lot(policy.order(state, period=t))
            if qty.sum() > 0:
                orders.append((t, t + int(lead[t]), qty, qty))
        d = demand[t]
        sold = np.minimum(d, on_hand)
        on_hand -= sold
        lost = d - sold
        sold_total += float(sold.sum())
        lost_total += float(lost.sum())
        lost_cost += float((lost * case.price).sum()) * case.lost_sale_penalty_rate
        holding += float((on_hand * daily_holding).sum())
        stock_sum += float(on_hand.sum())
        err = np.abs(d - f)
        mad = (1 - case.alpha) * mad + case.alpha * err
        f = (1 - case.alpha) * f + case.alpha * d
    return ContractRun(
        contract=contract.name, demand_units=float(demand.sum()), sales_units=sold_total,
        lost_sales_units=lost_total, average_stock_units=stock_sum / max(days, 1),
        holding_cost_rmb=holding, lost_sales_cost_rmb=lost_cost, premium_rmb=premium,
        revisions=tuple(revisions))


# ------------------------------------------------------------------ replications and CIs


@dataclass(frozen=True)
class ContractComparison:
    """Runs per contract and replication; intervals and paired differences against a baseline."""

    baseline: str
    runs: dict[str, tuple[ContractRun, ...]]  # contract → one run per replication

    @property
    def replications(self) -> int:
        return len(next(iter(self.runs.values())))

    def interval(self, contract: str, metric: str) -> Interval:
        return mean_interval([r.metric(metric) for r in self.runs[contract]])

    def paired(self, contract: str, metric: str) -> Interval:
        """contract − baseline on the same demand paths."""
        return paired_interval([r.metric(metric) for r in self.runs[contract]],
                               [r.metric(metric) for r in self.runs[self.baseline]])


DemandSampler = Callable[[np.random.Generator, FloatArray], FloatArray]


def poisson_demand(rng: np.random.Generator, rate: FloatArray) -> FloatArray:
    return np.asarray(rng.poisson(rate), dtype=np.float64)


def compare_contracts(case: SupplyCase, contracts: Sequence[Contract], *, seed: int,
                      replications: int = 10, sampler: DemandSampler = poisson_demand,
                      on_replication: Callable[[int], None] | None = None
                      ) -> ContractComparison:
    """Replay every contract on the same demand and lead-time draws per replication.

    The first contract is the baseline of the paired differences.
    """
    if not contracts:
        raise ValueError("compare_contracts needs at least one contract")
    runs: dict[str, list[ContractRun]] = {c.name: [] for c in contracts}
    for rep in range(replications):
        streams = Streams.of(seed, rep)
        demand = sampler(streams.demand, case.rate)
        lead_u = streams.supplier.random(case.days)
        for c in contracts:
            runs[c.name].append(simulate_contract(case, c, demand, lead_u))
        if on_replication is not None:
            on_replication(rep)
    return ContractComparison(contracts[0].name, {k: tuple(v) for k, v in runs.items()})


def scenario_supply_case(scn: Scenario, categories: Sequence[str] = ()) -> SupplyCase:
    """The default scenario's chain-wide daily demand per SKU (of `categories`; empty = all).

    The first forecast is the history's seasonal-naive week of the start date, as a planner has.
    """
    net = scn.network
    model = DemandModel.from_network(net)
    keep = np.array([not categories or k.category in categories for k in net.skus])
    if not keep.any():
        raise InputError(f"categories: no SKU in {list(categories)} (known: "
                         f"{', '.join(net.categories)})", source=scn.source)
    rate = np.empty((scn.horizon_days, int(keep.sum())))
    base = model.region_base()[:, keep]  # regions × kept SKUs, local taste included
    cat = model.sku_category[keep]
    for d in range(scn.horizon_days):
        factor = model.factor(scn.start + timedelta(days=d))  # regions × categories
        rate[d] = (factor[:, cat] * base).sum(axis=0)
    first = history_by_iso_week(scn)[:, :, iso_week_index(scn.start)].sum(axis=0)[keep] / 7.0
    skus = [k for k, m in zip(net.skus, keep, strict=True) if m]
    return SupplyCase(
        rate=frozen_copy(rate, np.float64), initial_forecast=frozen_copy(first, np.float64),
        unit_cost=frozen_copy([k.unit_cost_rmb for k in skus], np.float64),
        price=frozen_copy([k.price_rmb for k in skus], np.float64),
        holding_rate_per_year=scn.costs.holding_rate_per_year,
        lost_sale_penalty_rate=scn.costs.lost_sale_penalty_rate,
        service_level=scn.policy.service_level)


def contracts_section(comp: ContractComparison, contracts: Sequence[Contract],
                      case: SupplyCase) -> dict[str, object]:
    """The `contracts` section of results.json (schema `simulation.results.ContractsView`)."""
    rows = []
    for c in contracts:
        runs = comp.runs[c.name]
        rows.append({
            "contract": c.name, "flexible": c.flexible, "flex_pct": c.flex_pct,
            "cutoff_days": c.cutoff_days, "premium_rmb_per_unit": c.premium_rmb_per_unit,
            **{m: comp.interval(c.name, m).as_dict() for m in METRICS},
            "revisions_per_run": float(np.mean([len(r.revisions) for r in runs])),
            "revised_units_per_run": float(np.mean(
                [sum(v.units_up + v.units_down for v in r.revisions) for r in runs])),
        })
    paired = [{"design": c.name, "baseline": comp.baseline, "metric": m,
               "difference": comp.paired(c.name, m).as_dict()}
              for c in contracts if c.name != comp.baseline for m in METRICS]
    return {"baseline": comp.baseline, "replications": comp.replications,
            "skus": case.skus, "days": case.days, "contracts": rows, "paired": paired}


def default_contracts_path(scn: Scenario) -> Path:
    """`rules/default_contracts.toml` next to the scenario file."""
    return Path(scn.source).parent / "rules" / "default_contracts.toml"


def contracts_view(scn: Scenario, contracts_path: Path | None = None, *, replications: int = 5,
                   categories: Sequence[str] = (),
                   on_replication: Callable[[int], None] | None = None) -> ContractsView:
    """Every contract of the file (the first is the baseline) on the scenario's chain demand.

    The pipeline's entry point: `results.contracts = contracts_view(scn)`.
    """
    from fwdnet.logistics.inventory.contracts import load_contracts

    contracts = load_contracts(contracts_path or default_contracts_path(scn))
    case = scenario_supply_case(scn, categories or contracts[0].categories)
    comp = compare_contracts(case, contracts, seed=scn.seed, replications=replications,
                             on_replication=on_replication)
    return ContractsView.model_validate(contracts_section(comp, contracts, case))
