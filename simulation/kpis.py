"""KPI records of one replay: per day, per stocking node and per region × SKU category.

Plain frozen data with read-only arrays. Units: units of stock, RMB, kg CO2e, days.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from fwdnet.logistics.kernel.arrays import frozen
from fwdnet.logistics.network.model import FloatArray

# the replay's cost terms (docs/costs.md) → their key in `summary_of`; fixed cost is added by
# `with_costs` (it is a yearly rate, not a flow)
COST_TERMS = {"transport_cdc_fw": "transport_cdc_fw_rmb",
              "transport_fw_store": "transport_fw_store_rmb", "transfers": "transfers_rmb",
              "handling": "handling_cost_rmb", "holding": "holding_cost_rmb",
              "lost_sales": "lost_sales_cost_rmb", "late_sales": "late_sales_cost_rmb",
              "supplier_premium": "supplier_premium_rmb"}


def freeze(obj: object) -> None:
    """Mark every numpy array field of a dataclass read-only."""
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if isinstance(value, np.ndarray):
            frozen(value)


@dataclass(frozen=True)
class DailyKpis:
    """Network totals per simulated day (arrays of length `days`)."""

    demand: FloatArray
    filled: FloatArray  # served from stock on the day of demand (fill-rate numerator)
    sales: FloatArray  # shipped to stores today: filled + old backorders served
    lost: FloatArray
    backorders: FloatArray  # open at the end of the day
    on_hand: FloatArray  # at the stocking nodes, end of day
    cdc_on_hand: FloatArray  # CDC warehouse stock (0 when the CDC is unlimited)
    receipts: FloatArray  # truck receipts at the nodes
    transfers: FloatArray  # units sent between FWs by rebalancing
    stockout_pairs: FloatArray  # stocked node × SKU pairs with nothing on hand, end of day
    transport_cost: FloatArray  # all echelons, RMB
    transport_cdc_fw: FloatArray
    transport_fw_store: FloatArray
    transfer_cost: FloatArray
    handling_cost: FloatArray
    holding_cost: FloatArray
    lost_sales_cost: FloatArray  # lost units × lost-sale penalty
    late_sales_cost: FloatArray  # units sold × late days × late-sale penalty per day
    supplier_premium: FloatArray  # flexible contract: premium on delivered units + fees
    supplier_units: FloatArray  # units the supplier delivered to the CDC
    revised_units: FloatArray  # units added or removed by contract revisions
    co2_kg: FloatArray
    trunk_units: FloatArray  # units loaded on CDC → FW trucks that day
    trunk_capacity: FloatArray  # capacity of the trucks used that day
    lead_units: FloatArray  # units delivered to stores (order-to-delivery denominator)
    lead_unit_days: FloatArray  # Σ units × days from store order to delivery
    node_fill_rate: FloatArray  # (nodes,) over the run after the warm-up


@dataclass(frozen=True)
class NodeKpis:
    """Per stocking node, over the run after the warm-up."""

    demand: FloatArray
    filled: FloatArray
    lost: FloatArray
    average_on_hand: FloatArray
    stockout_pair_days: FloatArray  # Σ days × stocked SKUs with nothing on hand
    stocked_pairs: FloatArray  # SKUs with a positive order-up-to level (average)
    receipts: FloatArray
    trips: FloatArray


@dataclass(frozen=True)
class RegionKpis:
    """(regions, categories) after the warm-up, by store region. A node's stock (and its
    stocked / out-of-stock pairs) is split over the regions it serves, per SKU, by their share
    of its base demand: "stock serving the region"."""

    demand: FloatArray
    filled: FloatArray
    lost: FloatArray
    average_on_hand: FloatArray
    stockout_pair_days: FloatArray
    stocked_pairs: FloatArray


@dataclass(frozen=True)
class SkuKpis:
    """Per node × SKU after the warm-up: demand and end stock (hot items, days of cover)."""

    demand: FloatArray  # (nodes, skus)
    lost: FloatArray  # (nodes, skus)
    final_on_hand: FloatArray  # (nodes, skus)


@dataclass(frozen=True)
class TransferRecord:
    day: int
    sku: int
    src: int
    dst: int
    units: float
    cost_rmb: float


@dataclass(frozen=True)
class Flows:
    """Per day × node × SKU flows (only with `audit=True`): the conservation check's input."""

    start: FloatArray
    receipts: FloatArray
    sales: FloatArray
    lost: FloatArray
    transfers_out: FloatArray
    transfers_in: FloatArray
    end: FloatArray


@dataclass(frozen=True)
class ShipmentRecord:
    """A truck or transfer movement: when it was caused, left and arrived (days)."""

    kind: str  # trunk | direct | transfer | supplier
    node: int  # receiving node (-1 = CDC)
    ordered: float
    departed: float
    arrived: float
    units: float


def summary_of(k: DailyKpis, warmup: int = 0) -> dict[str, float]:
    """Totals and rates over days `warmup`…end: the comparison's per-replication metrics."""
    s = slice(warmup, None)
    demand = float(k.demand[s].sum())
    lead_units = float(k.lead_units[s].sum())
    cap = float(k.trunk_capacity[s].sum())
    return {
        "fill_rate": float(k.filled[s].sum() / demand) if demand else 1.0,
        "demand_units": demand,
        "sales_units": float(k.sales[s].sum()),
        "lost_sales_units": float(k.lost[s].sum()),
        "average_backorders_units": float(k.backorders[s].mean()) if k.demand[s].size else 0.0,
        "average_stock_units": float(k.on_hand[s].mean()) if k.demand[s].size else 0.0,
        "transport_cost_rmb": float(k.transport_cost[s].sum()),
        "holding_cost_rmb": float(k.holding_cost[s].sum()),
        "handling_cost_rmb": float(k.handling_cost[s].sum()),
        "transport_cdc_fw_rmb": float(k.transport_cdc_fw[s].sum()),
        "transport_fw_store_rmb": float(k.transport_fw_store[s].sum()),
        "transfers_rmb": float(k.transfer_cost[s].sum()),
        "lost_sales_cost_rmb": float(k.lost_sales_cost[s].sum()),
        "late_sales_cost_rmb": float(k.late_sales_cost[s].sum()),
        "supplier_premium_rmb": float(k.supplier_premium[s].sum()),
        "supplier_units": float(k.supplier_units[s].sum()),
        "revised_units": float(k.revised_units[s].sum()),
        "revision_days": float((k.revised_units[s] > 0).sum()),
        "co2_kg": float(k.co2_kg[s].sum()),
        "lead_time_days": (float(k.lead_unit_days[s].sum()) / lead_units) if lead_units else 0.0,
        "truck_utilisation": float(k.trunk_units[s].sum()) / cap if cap else 0.0,
        "stockout_pairs_per_day": float(k.stockout_pairs[s].mean()) if k.demand[s].size else 0.0,
    }


def with_costs(m: dict[str, float], counted_days: int, fixed_cost_per_year: float
               ) -> dict[str, float]:
    """Add the FW fixed cost of the counted days and the total: fixed + every replay cost term
    (transport, transfers, handling, holding, lost and late sales) — the one cost model."""
    out = dict(m)
    out["fixed_cost_rmb"] = fixed_cost_per_year * counted_days / 365.0
    out["total_cost_rmb"] = out["fixed_cost_rmb"] + sum(m[v] for v in COST_TERMS.values())
    return out
