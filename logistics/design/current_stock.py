"""Transfers from today's stock: read a planner's stock CSV, suggest hot-in-A, slow-in-B moves.

The CSV (`site,sku,on_hand[,on_order][,daily_demand]`) names open FWs of the design and SKUs
of the scenario; a FW × SKU it leaves out holds nothing. `daily_demand` is the rate the planner
has seen lately; left out, the design's planning demand of the date's ISO week is used. Errors
name the file and the row. Units: units of stock, units/day, RMB, km.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from fwdnet.logistics.design.matrices import NetworkMatrices
from fwdnet.logistics.design.network_design import NetworkDesign
from fwdnet.logistics.design.transfers import TransferPlan, plan_transfers
from fwdnet.logistics.errors import InputError
from fwdnet.logistics.kernel.calendar import iso_week_index
from fwdnet.logistics.network.model import Echelon, FloatArray, Scenario

REQUIRED = ("site", "sku", "on_hand")
OPTIONAL = ("on_order", "daily_demand")
MIN_TRANSFER_UNITS = 5


@dataclass(frozen=True)
class CurrentStock:
    """Stock of the open FWs (rows follow `fw_ids`) × the scenario's SKUs."""

    fw_ids: tuple[str, ...]
    on_hand: FloatArray
    on_order: FloatArray
    daily_demand: FloatArray | None  # None: no such column; NaN where a row left it blank


@dataclass(frozen=True)
class SuggestedTransfer:
    sku: str
    from_site: str
    to_site: str
    units: int
    km: float
    cost_rmb: float  # the lane's trucks shared by units
    value_rmb: float  # lost sales avoided (penalty rate × price) + excess cleared


@dataclass(frozen=True)
class Suggestion:
    transfers: tuple[SuggestedTransfer, ...]
    transport_cost_rmb: float
    value_rmb: float
    demand_basis: str  # where the demand rates came from


def _number(path: Path, line: int, field: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"row {line}: field '{field}': expected a number (got {text!r})",
                         source=str(path)) from None
    if not math.isfinite(value) or value < 0:
        raise InputError(f"row {line}: field '{field}': expected a number >= 0 (got {text!r})",
                         source=str(path))
    return value


def read_stock_csv(path: Path, scn: Scenario, fw_ids: tuple[str, ...]) -> CurrentStock:
    """The stock CSV as arrays; an unknown site or SKU, a FW the design does not open, a bad
    number or a repeated (site, sku) is an InputError naming the file and the row."""
    if not path.is_file():
        raise InputError("file not found (expected a stock CSV: site,sku,on_hand"
                         "[,on_order][,daily_demand])", source=str(path))
    skus = {k.id: i for i, k in enumerate(scn.network.skus)}
    fws = {f: i for i, f in enumerate(fw_ids)}
    shape = (len(fw_ids), len(skus))
    on_hand, on_order, rate = np.zeros(shape), np.zeros(shape), np.full(shape, np.nan)
    seen: dict[tuple[str, str], int] = {}
    site_ids = {s.id for s in scn.network.sites}
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise InputError(f"missing column(s) {', '.join(missing)}; expected "
                                 f"{', '.join(REQUIRED)} (and optionally "
                                 f"{', '.join(OPTIONAL)})", source=str(path))
            has_rate = "daily_demand" in header
            for row in reader:
                line = reader.line_num
                site, sku = (row.get("site") or "").strip(), (row.get("sku") or "").strip()
                if site not in fws:
                    why = ("is not an open FW of the design" if site in site_ids
                           else "is not a site of the scenario")
                    raise InputError(f"row {line}: field 'site': {site!r} {why} (open FWs: "
                                     f"{', '.join(fw_ids)})", source=str(path))
                if sku not in skus:
                    raise InputError(f"row {line}: field 'sku': unknown SKU {sku!r} (not in "
                                     "the scenario's SKU file)", source=str(path))
                if (site, sku) in seen:
                    raise InputError(f"row {line}: duplicate ({site}, {sku}) (first at row "
                                     f"{seen[(site, sku)]})", source=str(path))
                seen[(site, sku)] = line
                f, k = fws[site], skus[sku]
                on_hand[f, k] = _number(path, line, "on_hand", (row.get("on_hand") or ""))
                if (row.get("on_order") or "").strip():
                    on_order[f, k] = _number(path, line, "on_order", row["on_order"])
                if has_rate and (row.get("daily_demand") or "").strip():
                    rate[f, k] = _number(path, line, "daily_demand", row["daily_demand"])
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text (expected a CSV file)", source=str(path)) from None
    if not seen:
        raise InputError("no rows; expected one row per FW × SKU held", source=str(path))
    return CurrentStock(fw_ids, on_hand, on_order, rate if has_rate else None)


def suggest_transfers(scn: Scenario, design: NetworkDesign, mats: NetworkMatrices,
                      stock: CurrentStock, day: date) -> Suggestion:
    """Transfers from slow FWs to hot ones for today's stock (the replay's weekly rule); a FW ×
    SKU without a `daily_demand` sells at the design's planning rate of the date's week."""
    node = [design.node_ids.index(f) for f in stock.fw_ids]
    week = iso_week_index(day)
    planned = design.stock.daily_mean_by_week[week][node]
    basis = f"the design's planning demand of ISO week {week + 1} ({day.isoformat()})"
    rate = planned
    if stock.daily_demand is not None:
        given = ~np.isnan(stock.daily_demand)
        rate = np.where(given, stock.daily_demand, planned)
        if given.all():
            basis = "daily_demand column of the stock file"
        else:
            basis = f"daily_demand column of the stock file, elsewhere {basis}"
    idx = [mats.index[f] for f in stock.fw_ids]
    km = mats.distance_m[np.ix_(idx, idx)] / 1000.0
    truck = scn.largest_vehicle(Echelon.CDC_FW)
    price = np.array([k.price_rmb for k in scn.network.skus])
    cost = np.array([k.unit_cost_rmb for k in scn.network.skus])
    holding_30d = cost * scn.costs.holding_rate_per_year * 30.0 / 365.0
    lead = design.stock.lead_days[node].astype(np.float64)
    plan: TransferPlan = plan_transfers(
        stock.on_hand, stock.on_order, rate, lead, scn.policy.review_days, km,
        truck.capacity_units, truck.fixed_cost_rmb, truck.cost_per_km_rmb,
        scn.costs.lost_sale_penalty_rate * price, holding_30d, MIN_TRANSFER_UNITS)
    unit_value = scn.costs.lost_sale_penalty_rate * price + holding_30d
    rows = tuple(SuggestedTransfer(
        sku=scn.network.skus[t.sku].id, from_site=stock.fw_ids[t.src],
        to_site=stock.fw_ids[t.dst], units=t.units, km=float(km[t.src, t.dst]),
        cost_rmb=plan.unit_cost(t), value_rmb=float(unit_value[t.sku] * t.units))
        for t in sorted(plan.transfers, key=lambda t: (t.src, t.dst, t.sku)))
    return Suggestion(rows, plan.cost, plan.value, basis)
