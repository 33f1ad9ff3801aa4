"""The KPI tracker of one replay: the processes report what happened, the tracker counts it.

Per-day network totals for every day; per-node, per-region × category and per-node × SKU sums
only after the warm-up; movement records; and, with `audit`, the day × node × SKU flows of the
conservation check. `result()` freezes everything into the records of `simulation.kpis`.
Units: units of stock, RMB, kg CO2e, days.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from fwdnet.logistics.network.model import FloatArray, IntArray
from fwdnet.simulation import kpis as rec
from fwdnet.simulation.demand import DemandLayout

DAILY = tuple(f for f in rec.DailyKpis.__dataclass_fields__ if f != "node_fill_rate")


@dataclass(frozen=True)
class TrackedKpis:
    """Everything the tracker counted, frozen (read-only arrays)."""

    daily: rec.DailyKpis
    node: rec.NodeKpis
    region: rec.RegionKpis
    sku: rec.SkuKpis
    transfers: tuple[rec.TransferRecord, ...]
    shipments: tuple[rec.ShipmentRecord, ...]
    flows: rec.Flows | None


class KpiTracker:
    """Counters of one replay; `warmup` days are simulated but not counted per node/region."""

    def __init__(self, days: int, nodes: int, skus: int, layout: DemandLayout, *,
                 warmup: int = 0, audit: bool = False) -> None:
        self.days, self.nodes, self.skus, self.warmup, self.audit = days, nodes, skus, warmup, audit
        self.lay = layout
        n_regions, n_cats = layout.region_of_group.shape[0], layout.category.shape[1]
        self.daily = {f: np.zeros(days) for f in DAILY}
        self.n_demand, self.n_filled, self.n_lost = (np.zeros(nodes) for _ in range(3))
        self.n_stock, self.n_out, self.n_stocked = (np.zeros(nodes) for _ in range(3))
        self.n_receipts, self.n_trips = np.zeros(nodes), np.zeros(nodes)
        shape_rc = (n_regions, n_cats)
        self.r_demand, self.r_filled, self.r_lost = (np.zeros(shape_rc) for _ in range(3))
        self.r_stock, self.r_out, self.r_stocked = (np.zeros(shape_rc) for _ in range(3))
        self.k_demand, self.k_lost = np.zeros((nodes, skus)), np.zeros((nodes, skus))
        self.transfers: list[rec.TransferRecord] = []
        self.shipments: list[rec.ShipmentRecord] = []
        self.flow = ({k: np.zeros((days, nodes, skus)) for k in rec.Flows.__dataclass_fields__}
                     if audit else {})

    def counted(self, day: int) -> bool:
        return day >= self.warmup

    def _flow(self, key: str, day: int, node: int | slice, qty: Any) -> None:
        if self.audit:
            self.flow[key][day, node] += qty

    # ---- what the processes report ----------------------------------------------------------
    def deliveries(self, day: int, units: float, unit_days: float, co2_kg: float = 0.0,
                   parcel_rmb: float = 0.0) -> None:
        """Store deliveries of today's orders: units, units × days to delivery, CO2, parcels."""
        self.daily["lead_units"][day] += units
        self.daily["lead_unit_days"][day] += unit_days
        self.daily["co2_kg"][day] += co2_kg
        self.daily["transport_fw_store"][day] += parcel_rmb

    def sales(self, day: int, need: FloatArray, filled: FloatArray, served_old: FloatArray,
              lost: FloatArray, group_demand: FloatArray, fill: FloatArray,
              van_rmb: float, lost_sales: bool) -> None:
        """The day's demand, sales from stock, old backorders served and lost sales."""
        d, lay = self.daily, self.lay
        d["demand"][day] = need.sum()
        d["filled"][day] = filled.sum()
        d["sales"][day] = filled.sum() + served_old.sum()
        d["lost"][day] = lost.sum()
        d["transport_fw_store"][day] += van_rmb
        self._flow("sales", day, slice(None), filled + served_old)
        self._flow("lost", day, slice(None), lost)
        if self.counted(day):
            self.n_demand += need.sum(axis=1)
            self.n_filled += filled.sum(axis=1)
            self.n_lost += lost.sum(axis=1)
            self.k_demand += need
            self.k_lost += lost
            gf = group_demand * fill  # fill per group × SKU
            self.r_demand += lay.region_of_group @ (group_demand @ lay.category)
            self.r_filled += lay.region_of_group @ (gf @ lay.category)
            if lost_sales:
                self.r_lost += lay.region_of_group @ ((group_demand - gf) @ lay.category)

    def penalties(self, day: int, lost_rmb: float, late_rmb: float) -> None:
        """The day's lost-sales and late-sales cost (RMB)."""
        self.daily["lost_sales_cost"][day] += lost_rmb
        self.daily["late_sales_cost"][day] += late_rmb

    def handling(self, day: int, rmb: float) -> None:
        self.daily["handling_cost"][day] += rmb

    def receipt(self, day: int, node: int, shipped: FloatArray, handling_rmb: float | None,
                record: rec.ShipmentRecord) -> None:
        """Stock landed at a node (trunk, direct or internal move)."""
        units = record.units
        self.daily["receipts"][day] += units
        self.n_receipts[node] += units if self.counted(day) else 0.0
        if handling_rmb is not None:
            self.daily["handling_cost"][day] += units * handling_rmb
        self._flow("receipts", day, node, shipped)
        self.shipments.append(record)

    def replenishment_rmb(self, day: int, rmb: float) -> None:
        """Per-delivery CDC → node cost of the simple model (no physical trucks)."""
        self.daily["transport_cdc_fw"][day] += rmb

    def trunk_trip(self, day: int, nodes: IntArray, cost_rmb: float, co2_kg: float,
                   units: float, capacity: float) -> None:
        """A CDC → FW truck run that departed on `day`."""
        d = self.daily
        d["transport_cdc_fw"][day] += cost_rmb
        d["co2_kg"][day] += co2_kg
        d["trunk_units"][day] += units
        d["trunk_capacity"][day] += capacity
        self.n_trips[nodes] += 1

    def supplier_receipt(self, record: rec.ShipmentRecord, day: int | None = None,
                         premium_rmb: float = 0.0) -> None:
        """Units landed at the CDC from the supplier (and the contract premium paid on them)."""
        self.shipments.append(record)
        if day is not None:
            self.daily["supplier_units"][day] += record.units
            self.daily["supplier_premium"][day] += premium_rmb

    def revision(self, day: int, units: float, fee_rmb: float) -> None:
        """A flexible contract's revision of open orders: units moved and fees."""
        self.daily["revised_units"][day] += units
        self.daily["supplier_premium"][day] += fee_rmb

    def transfer_sent(self, day: int, record: rec.TransferRecord, co2_kg: float) -> None:
        """Rebalancing: units leave `record.src` today for `record.dst`."""
        self._flow("transfers_out", day, record.src,
                   np.eye(1, self.skus, record.sku)[0] * record.units)
        self.daily["transfers"][day] += record.units
        self.daily["co2_kg"][day] += co2_kg
        self.transfers.append(record)

    def transfer_cost(self, day: int, rmb: float) -> None:
        self.daily["transfer_cost"][day] += rmb

    def transfer_landed(self, day: int, node: int, sku: int, record: rec.ShipmentRecord) -> None:
        self._flow("transfers_in", day, node, np.eye(1, self.skus, sku)[0] * record.units)
        self.shipments.append(record)

    def close(self, day: int, on_hand: FloatArray, cdc_on_hand: FloatArray,
              backorders: FloatArray, stocked: npt.NDArray[np.bool_],
              daily_holding: FloatArray) -> None:
        """End of day: stock, stocked pairs out of stock, holding cost."""
        d = self.daily
        out = stocked & (on_hand <= 0)
        d["on_hand"][day] = on_hand.sum()
        d["cdc_on_hand"][day] = cdc_on_hand.sum()
        d["backorders"][day] = backorders.sum()
        d["stockout_pairs"][day] = out.sum()
        d["holding_cost"][day] = float(on_hand.sum(axis=0) @ daily_holding
                                       + cdc_on_hand @ daily_holding)
        self._flow("end", day, slice(None), on_hand)
        if self.counted(day):
            self.n_stock += on_hand.sum(axis=1)
            self.n_out += out.sum(axis=1)
            self.n_stocked += stocked.sum(axis=1)
            share, gn = self.lay.group_share, self.lay.group_node
            rog, cat = self.lay.region_of_group, self.lay.category
            self.r_stock += rog @ ((on_hand[gn] * share) @ cat)
            self.r_out += rog @ ((out[gn] * share) @ cat)
            self.r_stocked += rog @ ((stocked[gn] * share) @ cat)

    # ---- the frozen records -----------------------------------------------------------------
    def result(self, initial_on_hand: FloatArray, final_on_hand: FloatArray) -> TrackedKpis:
        d = self.daily
        d["transport_cost"] = d["transport_cdc_fw"] + d["transport_fw_store"] + d["transfer_cost"]
        fill = np.divide(self.n_filled, self.n_demand, out=np.ones(self.nodes),
                         where=self.n_demand > 0)
        counted = max(self.days - self.warmup, 1)
        kpis = rec.DailyKpis(node_fill_rate=fill, **d)
        node = rec.NodeKpis(self.n_demand, self.n_filled, self.n_lost, self.n_stock / counted,
                        self.n_out, self.n_stocked / counted, self.n_receipts, self.n_trips)
        region = rec.RegionKpis(self.r_demand, self.r_filled, self.r_lost, self.r_stock / counted,
                            self.r_out, self.r_stocked / counted)
        sku = rec.SkuKpis(self.k_demand, self.k_lost, final_on_hand.copy())
        flows = None
        if self.audit:
            f = self.flow
            start = np.concatenate([np.asarray(initial_on_hand)[None], f["end"][:-1]])
            flows = rec.Flows(start=start, receipts=f["receipts"], sales=f["sales"], lost=f["lost"],
                          transfers_out=f["transfers_out"], transfers_in=f["transfers_in"],
                          end=f["end"])
            rec.freeze(flows)
        for obj in (kpis, node, region, sku):
            rec.freeze(obj)
        return TrackedKpis(kpis, node, region, sku, tuple(self.transfers),
                           tuple(self.shipments), flows)
