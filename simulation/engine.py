"""SimPy replay of daily demand through one network design with an (R, S) policy per node × SKU.

Stock is held at stocking nodes (open FWs, plus the CDC for stores no FW reaches); each store
draws from its node. The per-day update over all store × SKU pairs is one numpy step; orders
travel as SimPy truck processes. Times within a day: receipts 0.1, sales 0.5, review 0.9.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import simpy

from logistics.inventory import RS, InventoryState
from logistics.network import DemandModel
from logistics.network.model import FloatArray, IntArray

Sampler = Callable[[np.random.Generator, FloatArray], FloatArray]


def poisson_sampler(rng: np.random.Generator, rate: FloatArray) -> FloatArray:
    """Units sold per store × SKU: Poisson with the day's expected demand."""
    return rng.poisson(rate).astype(np.float64)


@dataclass(frozen=True)
class SimulationInput:
    """Everything one replay needs; built by the runner from a scenario and a design."""

    start: date
    days: int
    demand: DemandModel  # expected demand per store × SKU
    store_node: IntArray  # (stores,) stocking node serving each store
    node_ids: tuple[str, ...]
    order_up_to_by_week: FloatArray  # (53, nodes, skus) S by ISO week − 1 of the arrival day
    review_days: int  # (R, S) review period
    lead_days: IntArray  # (nodes,) days from order to receipt
    initial_on_hand: FloatArray  # (nodes, skus)
    unit_cost: FloatArray  # (skus,) RMB
    price: FloatArray  # (skus,) RMB
    holding_rate_per_year: float
    replenishment_cost_per_delivery: FloatArray  # (nodes,) RMB per truck delivery to a node
    delivery_cost_per_day: float  # RMB per day for FW → store vans
    lost_sales: bool = True
    sampler: Sampler = field(default=poisson_sampler, compare=False)

    @property
    def nodes(self) -> int:
        return len(self.node_ids)


@dataclass(frozen=True)
class DailyKpis:
    """Per-day totals over the network (arrays of length `days`), units and RMB."""

    demand: FloatArray
    sales: FloatArray
    lost: FloatArray
    backorders: FloatArray
    on_hand: FloatArray
    receipts: FloatArray
    transport_cost: FloatArray
    holding_cost: FloatArray
    node_fill_rate: FloatArray  # (nodes,) over the whole run


@dataclass(frozen=True)
class SimulationResult:
    """Daily KPIs of one replay plus its totals."""

    kpis: DailyKpis
    final_on_hand: FloatArray  # (nodes, skus)

    def summary(self) -> dict[str, float]:
        k = self.kpis
        demand = float(k.demand.sum())
        return {
            "fill_rate": float(k.sales.sum() / demand) if demand else 1.0,
            "demand_units": demand,
            "sales_units": float(k.sales.sum()),
            "lost_sales_units": float(k.lost.sum()),
            "average_stock_units": float(k.on_hand.mean()),
            "transport_cost_rmb": float(k.transport_cost.sum()),
            "holding_cost_rmb": float(k.holding_cost.sum()),
        }


def _node_sum(values: FloatArray, store_node: IntArray, nodes: int) -> FloatArray:
    """(nodes, skus) sums of (stores, skus) rows by the node serving each store."""
    out = np.zeros((nodes, values.shape[1]))
    np.add.at(out, store_node, values)
    return out


def _policy_for(inp: SimulationInput, day: int) -> RS:
    """The (R, S) rule of `day`: S of the ISO week in which a typical order placed today lands."""
    lands = inp.start + timedelta(days=day + int(np.median(inp.lead_days)))
    week = min(lands.isocalendar()[1], 53) - 1
    return RS.of(inp.review_days, inp.order_up_to_by_week[week])


def simulate(inp: SimulationInput, rng: np.random.Generator,
             on_day: Callable[[int], None] | None = None) -> SimulationResult:
    """Replay `inp.days` days of demand; the same generator state gives the same result.

    `on_day(day)` is called after each simulated day (progress reporting).
    """
    env = simpy.Environment()
    nodes, skus = inp.initial_on_hand.shape
    on_hand = np.array(inp.initial_on_hand, dtype=np.float64)
    on_order = np.zeros((nodes, skus))
    backorders = np.zeros((nodes, skus))
    days = inp.days
    out = {k: np.zeros(days) for k in ("demand", "sales", "lost", "backorders", "on_hand",
                                       "receipts", "transport", "holding")}
    node_demand_total = np.zeros(nodes)
    node_sales_total = np.zeros(nodes)
    daily_holding = inp.unit_cost * inp.holding_rate_per_year / 365.0

    def truck(node: int, qty: FloatArray, lead: float) -> simpy.events.ProcessGenerator:
        yield env.timeout(lead)
        day = int(env.now)
        on_hand[node] += qty
        on_order[node] -= qty
        out["receipts"][day] += qty.sum()
        out["transport"][day] += inp.replenishment_cost_per_delivery[node]

    def sales_day() -> simpy.events.ProcessGenerator:
        yield env.timeout(0.5)
        for day in range(days):
            demand = inp.sampler(rng, inp.demand.rate(inp.start + timedelta(days=day)))
            need = _node_sum(demand, inp.store_node, nodes)
            if not inp.lost_sales:
                # old backorders are served first from today's stock
                served_old = np.minimum(backorders, on_hand)
                backorders[:] -= served_old
                on_hand[:] -= served_old
            sold = np.minimum(need, on_hand)
            on_hand[:] -= sold
            short = need - sold
            if inp.lost_sales:
                out["lost"][day] = short.sum()
            else:
                backorders[:] += short
            out["demand"][day] = need.sum()
            out["sales"][day] = sold.sum()
            out["backorders"][day] = backorders.sum()
            out["on_hand"][day] = on_hand.sum()
            out["holding"][day] = float((on_hand * daily_holding[None, :]).sum())
            out["transport"][day] += inp.delivery_cost_per_day
            node_demand_total[:] += need.sum(axis=1)
            node_sales_total[:] += sold.sum(axis=1)
            if on_day is not None:
                on_day(day)
            yield env.timeout(1.0)

    def review() -> simpy.events.ProcessGenerator:
        yield env.timeout(0.9)
        for day in range(days):
            state = InventoryState(on_hand.copy(), on_order.copy(), backorders.copy())
            qty = _policy_for(inp, day).order(state, period=day)
            for node in np.flatnonzero(qty.sum(axis=1) > 0):
                q = np.rint(qty[node])
                if q.sum() <= 0:
                    continue
                on_order[node] += q
                # arrives at 0.1 of day + lead; a zero lead still arrives tomorrow morning
                lead = max(int(inp.lead_days[node]), 1) - 0.8
                env.process(truck(int(node), q, lead))
            yield env.timeout(1.0)

    env.process(sales_day())
    env.process(review())
    env.run(until=days)
    fill = np.divide(node_sales_total, node_demand_total, out=np.ones(nodes),
                     where=node_demand_total > 0)
    kpis = DailyKpis(
        demand=out["demand"], sales=out["sales"], lost=out["lost"],
        backorders=out["backorders"], on_hand=out["on_hand"], receipts=out["receipts"],
        transport_cost=out["transport"], holding_cost=out["holding"], node_fill_rate=fill,
    )
    for arr in (*kpis.__dict__.values(),):
        arr.flags.writeable = False
    return SimulationResult(kpis=kpis, final_on_hand=on_hand)
