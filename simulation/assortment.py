"""Regional versus national assortment, replayed on the same demand (common random numbers).

One stock point per region (its FWs pooled) holds the SKUs the region lists, on an (R, S)
policy (`logistics.inventory.RS`) whose S (`order_up_to_level`, Poisson σ = √μ) comes from the
history's seasonal-naive weekly demand. Demand for an unlisted SKU
is lost, except a `substitution` share that moves to the listed SKUs of the same category (in
proportion to their expected sales). Every assortment of a replication steps through the same
daily Poisson draws, so per-region differences carry paired 95% confidence intervals.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np

from fwdnet.logistics.assortment.model import Assortment, RangePlan
from fwdnet.logistics.inventory import RS, InventoryState
from fwdnet.logistics.inventory.safety import order_up_to_level
from fwdnet.logistics.kernel.arrays import frozen
from fwdnet.logistics.kernel.calendar import iso_week_index
from fwdnet.logistics.kernel.stats import Interval, mean_interval, paired_interval
from fwdnet.logistics.network import DemandModel
from fwdnet.logistics.network.history import history_by_iso_week
from fwdnet.logistics.network.model import FloatArray, Network, Scenario
from fwdnet.simulation.inputs import SimulationInput
from fwdnet.simulation.results import AssortmentView
from fwdnet.simulation.streams import Streams

REGION_METRICS = ("fill_rate", "lost_sales_units", "average_stock_units")


@dataclass(frozen=True)
class RegionRun:
    """Per-region totals of one assortment on one demand path (units)."""

    assortment: str
    regions: tuple[str, ...]
    demand: FloatArray  # (regions,)
    sales: FloatArray
    lost: FloatArray
    average_stock: FloatArray
    range_size: tuple[int, ...]

    def metric(self, name: str) -> FloatArray:
        if name == "fill_rate":
            return np.asarray(np.divide(self.sales, self.demand, out=np.ones_like(self.sales),
                                        where=self.demand > 0))
        if name == "lost_sales_units":
            return self.lost
        if name == "average_stock_units":
            return self.average_stock
        raise KeyError(name)

    def total(self, name: str) -> float:
        """The metric over all regions (fill rate weighted by demand)."""
        if name == "fill_rate":
            d = float(self.demand.sum())
            return float(self.sales.sum()) / d if d else 1.0
        return float(self.metric(name).sum())


def _substitution_matrix(listed: np.ndarray, expected: FloatArray, cat: np.ndarray,
                         ncat: int) -> FloatArray:
    """(regions, skus) share of its category's unlisted demand each listed SKU receives."""
    w = np.where(listed, np.maximum(expected, 1e-9), 0.0)
    tot = np.stack([np.bincount(cat, weights=row, minlength=ncat) for row in w])
    return np.asarray(np.divide(w, tot[:, cat], out=np.zeros_like(w), where=tot[:, cat] > 0))


@dataclass(frozen=True)
class RegionalCase:
    """Daily demand rates by region × SKU and the planning figures all assortments share."""

    regions: tuple[str, ...]
    rate: Callable[[int], FloatArray]  # day → (regions, skus) expected units
    days: int
    weekly_mean: FloatArray  # (53, regions, skus) planned daily units by ISO week − 1
    start_week: int
    week_of_day: tuple[int, ...]  # ISO week − 1 of each simulated day
    category: np.ndarray  # (skus,) category index
    categories: int
    review_days: int
    lead_days: int
    service_level: float


def scenario_case(scn: Scenario) -> RegionalCase:
    """The scenario's regional demand and its seasonal-naive planning levels."""
    net = scn.network
    model = DemandModel.from_network(net)
    cat = model.sku_category
    base = model.region_base()  # regions × skus, local taste included

    def rate(day: int) -> FloatArray:
        f = model.factor(scn.start + timedelta(days=day))  # regions × categories
        return np.asarray(f[:, cat] * base)

    weekly = np.transpose(history_by_iso_week(scn), (2, 0, 1)) / 7.0
    weeks = tuple(iso_week_index(scn.start + timedelta(days=d)) for d in range(scn.horizon_days))
    return RegionalCase(
        regions=net.regions, rate=rate, days=scn.horizon_days, weekly_mean=weekly,
        start_week=weeks[0], week_of_day=weeks, category=np.asarray(cat),
        categories=len(net.categories), review_days=scn.policy.review_days,
        lead_days=scn.policy.cdc_fw_lead_days, service_level=scn.policy.service_level)


Plan = Assortment | RangePlan


def _as_plan(x: Plan) -> RangePlan:
    return x if isinstance(x, RangePlan) else RangePlan.of(x)


def _levels(case: RegionalCase, plan: RangePlan, shares: list[FloatArray],
            substitution: float) -> FloatArray:
    """(53, regions, skus) order-up-to levels of the range in force each ISO week: listed SKUs
    only, including the demand expected to move to them from unlisted SKUs."""
    level = np.zeros_like(case.weekly_mean)
    for w in range(case.weekly_mean.shape[0]):
        i = plan.season_of(w)
        listed = np.asarray(plan.ranges[i].listed)
        mean = case.weekly_mean[w] * listed
        if substitution > 0:
            lost = case.weekly_mean[w] * ~listed
            by_cat = np.stack([np.bincount(case.category, weights=row,
                                           minlength=case.categories) for row in lost])
            mean = mean + substitution * by_cat[:, case.category] * shares[i]
        s, _ = order_up_to_level(mean, np.sqrt(mean), case.lead_days, case.review_days,
                                 case.service_level)
        level[w] = np.where(listed, np.ceil(s), 0.0)
    return level


def simulate_assortments(case: RegionalCase, assortments: Sequence[Plan],
                         rng: np.random.Generator, substitution: float = 0.0
                         ) -> tuple[RegionRun, ...]:
    """Step every assortment (or seasonal range plan) through the same daily demand draws.

    Stock of a SKU dropped at a season change still sells; it is just not reordered.
    """
    if not 0.0 <= substitution <= 1.0:
        raise ValueError(f"substitution must be in [0, 1], got {substitution}")
    n_r = len(case.regions)
    plans = [_as_plan(a) for a in assortments]
    yearly = case.weekly_mean.mean(axis=0)
    shares = [[_substitution_matrix(np.asarray(r.listed), yearly, case.category,
                                    case.categories) for r in p.ranges] for p in plans]
    levels = [_levels(case, p, sh, substitution) for p, sh in zip(plans, shares, strict=True)]
    range_of_day = [[p.season_of(w) for w in case.week_of_day] for p in plans]
    on_hand = [np.array(lv[case.start_week]) for lv in levels]
    pipeline = [np.zeros((case.lead_days + 1, *lv.shape[1:])) for lv in levels]
    acc = [{k: np.zeros(n_r) for k in ("demand", "sales", "lost", "stock")} for _ in levels]
    for day in range(case.days):
        demand = rng.poisson(case.rate(day)).astype(np.float64)
        slot = day % (case.lead_days + 1)
        for i, plan in enumerate(plans):
            oh, pipe, a = on_hand[i], pipeline[i], acc[i]
            oh += pipe[slot]
            pipe[slot] = 0.0
            if day % case.review_days == 0:
                arrive = min(day + case.lead_days, case.days - 1)
                policy = RS.of(case.review_days, levels[i][case.week_of_day[arrive]])
                q = policy.order(InventoryState(oh, pipe.sum(axis=0), np.zeros_like(oh)), day)
                pipe[(day + case.lead_days) % (case.lead_days + 1)] += q
            sold = np.minimum(demand, oh)
            oh -= sold
            sales = sold.sum(axis=1)
            if substitution > 0:
                r = range_of_day[i][day]
                gone = (demand - sold) * ~np.asarray(plan.ranges[r].listed)
                by_cat = np.stack([np.bincount(case.category, weights=row,
                                               minlength=case.categories) for row in gone])
                sub = np.minimum(substitution * by_cat[:, case.category] * shares[i][r], oh)
                oh -= sub
                sales = sales + sub.sum(axis=1)
            a["demand"] += demand.sum(axis=1)
            a["sales"] += sales
            a["lost"] += demand.sum(axis=1) - sales
            a["stock"] += oh.sum(axis=1)
    return tuple(
        RegionRun(assortment=plan.kind, regions=case.regions, demand=a["demand"],
                  sales=a["sales"], lost=a["lost"], average_stock=a["stock"] / case.days,
                  range_size=tuple(int(x) for x in np.max(
                      [np.asarray(r.listed).sum(axis=1) for r in plan.ranges], axis=0)))
        for plan, a in zip(plans, acc, strict=True))


@dataclass(frozen=True)
class AssortmentComparison:
    """Runs per assortment and replication, compared per region against a baseline."""

    baseline: str
    regions: tuple[str, ...]
    runs: dict[str, tuple[RegionRun, ...]]

    @property
    def replications(self) -> int:
        return len(self.runs[self.baseline])

    def interval(self, name: str, metric: str, region: int | None = None) -> Interval:
        """Mean and 95% CI of a metric in one region (None = all regions)."""
        return mean_interval([self._value(r, metric, region) for r in self.runs[name]])

    def paired(self, name: str, metric: str, region: int | None = None) -> Interval:
        """name − baseline on the same demand paths, in one region (None = all regions)."""
        return paired_interval([self._value(r, metric, region) for r in self.runs[name]],
                               [self._value(r, metric, region) for r in self.runs[self.baseline]])

    @staticmethod
    def _value(run: RegionRun, metric: str, region: int | None) -> float:
        return run.total(metric) if region is None else float(run.metric(metric)[region])


def compare_assortments(case: RegionalCase, assortments: Sequence[Plan], *, seed: int,
                        replications: int = 5, substitution: float = 0.0,
                        on_replication: Callable[[int], None] | None = None
                        ) -> AssortmentComparison:
    """Replicate the lockstep replay; the first assortment is the baseline (e.g. national)."""
    names = [a.kind for a in assortments]
    if len(set(names)) != len(names):
        raise ValueError(f"assortment kinds must differ to be compared, got {names}")
    runs: dict[str, list[RegionRun]] = {n: [] for n in names}
    for rep in range(replications):
        for run in simulate_assortments(case, assortments, Streams.of(seed, rep).demand,
                                        substitution):
            runs[run.assortment].append(run)
        if on_replication is not None:
            on_replication(rep)
    return AssortmentComparison(names[0], case.regions, {k: tuple(v) for k, v in runs.items()})


def assortment_section(comp: AssortmentComparison, substitution: float) -> dict[str, object]:
    """The `assortment` section of results.json (schema `simulation.results.AssortmentView`)."""
    rows: list[dict[str, object]] = []
    paired: list[dict[str, object]] = []
    for name, runs in comp.runs.items():
        for r, region in enumerate([*comp.regions, None]):
            rows.append({
                "assortment": name, "region": region or "all",
                "range_size": (runs[0].range_size[r] if region is not None
                               else round(float(np.mean(runs[0].range_size)))),
                **{m: comp.interval(name, m, None if region is None else r).as_dict()
                   for m in REGION_METRICS},
            })
            if name != comp.baseline:
                paired.extend({"assortment": name, "baseline": comp.baseline,
                               "region": region or "all", "metric": m,
                               "difference": comp.paired(name, m, None if region is None
                                                         else r).as_dict()}
                              for m in REGION_METRICS)
    return {"baseline": comp.baseline, "replications": comp.replications,
            "substitution": substitution, "rows": rows, "paired": paired}



def default_rules_path(scn: Scenario) -> Path:
    """`rules/default_assortment.toml` next to the scenario file."""
    return Path(scn.source).parent / "rules" / "default_assortment.toml"


def assortment_view(scn: Scenario, rules_path: Path | None = None, *, replications: int = 3,
                    substitution: float = 0.0, overrides: Path | None = None,
                    season_weeks: int | None = None,
                    on_replication: Callable[[int], None] | None = None) -> AssortmentView:
    """National versus regional (plus `overrides`, if given) ranges on the scenario's demand.

    `season_weeks` (default: the rules') re-plans both every that many ISO weeks (0 = yearly).
    The pipeline's entry point: `results.assortment = assortment_view(scn)`.
    """
    from fwdnet.logistics.assortment import load_rules, plan_ranges, resolve_rules
    from fwdnet.logistics.assortment.overrides import apply_overrides_plan, read_overrides

    path = rules_path or default_rules_path(scn)
    rules = load_rules(path)
    resolved = resolve_rules(scn, rules, source=str(path))
    weeks = rules.season_weeks if season_weeks is None else season_weeks
    regional, national, _ = plan_ranges(scn, resolved, season_weeks=weeks,
                                        shrinkage=rules.shrinkage, similar=rules.similar_regions)
    if overrides is not None:
        rows = read_overrides(overrides, scn.network)
        regional, _ = apply_overrides_plan(regional, resolved, scn.network, rows, strict=True,
                                           source=str(overrides))
    comp = compare_assortments(scenario_case(scn), [national, regional], seed=scn.seed,
                               replications=replications, substitution=substitution,
                               on_replication=on_replication)
    return AssortmentView.model_validate({**assortment_section(comp, substitution),
                                          "season_weeks": weeks})


def restrict_to_assortment(inp: SimulationInput, ranges: Plan, network: Network
                           ) -> SimulationInput:
    """The engine's input with unlisted SKUs never stocked: order-up-to levels (per ISO week,
    the range in force) and the opening stock are zero where a node's region does not list a
    SKU. Returns a new input; `inp` is untouched."""
    plan = _as_plan(ranges)
    masks = [np.array(r.site_mask(network, inp.node_ids)) for r in plan.ranges]
    direct = inp.logistics.direct_node if inp.logistics is not None else -1
    if direct >= 0:  # the CDC node serves every region (unreachable stores, unheld SKUs)
        for m in masks:
            m[direct] = True
    level = np.array(inp.order_up_to_by_week, dtype=np.float64)
    for w in range(level.shape[0]):
        level[w] *= masks[plan.season_of(w)]
    start = iso_week_index(inp.start)
    opening = np.asarray(inp.initial_on_hand * masks[plan.season_of(start)], dtype=np.float64)
    return dataclasses.replace(inp, order_up_to_by_week=frozen(level),
                               initial_on_hand=frozen(opening))
