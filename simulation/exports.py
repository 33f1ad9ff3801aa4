"""Planner exports of one run: routes (GeoJSON, CSV), FW stock placement (CSV), transfers (CSV).

Pure functions from results, design and replay to rows; `write_exports` writes them into the
run folder through the kernel's atomic writes, so an interrupted run leaves no half file.
Units: metres, RMB, units of stock; coordinates `[lon, lat]` (WGS84); days from the start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from fwdnet.logistics.design.network_design import NetworkDesign
from fwdnet.logistics.kernel.files import csv_lines, write_json_atomic, write_lines_atomic
from fwdnet.logistics.network.model import Scenario
from fwdnet.simulation.engine import SimulationInput, SimulationResult
from fwdnet.simulation.results import RoutingDay, RoutingOut

ROUTE_COLUMNS = ("date", "echelon", "depot", "route", "vehicle", "seq", "site", "lon", "lat",
                 "route_load_units", "route_distance_m", "route_cost_rmb")
PLACEMENT_COLUMNS = ("fw", "region", "sku", "name", "category", "target_units",
                     "daily_mean_units", "order_up_to_units")
TRANSFER_COLUMNS = ("day", "date", "sku", "from_site", "to_site", "units", "cost_rmb")


@dataclass(frozen=True)
class ExportFiles:
    """The files `write_exports` wrote (paths in the run folder)."""

    routes_geojson: Path
    routes_csv: Path
    placement_csv: Path
    transfers_csv: Path


def _day_label(day: RoutingDay) -> str:
    return day.date if day.date is not None else "typical"


def routes_geojson(routing: Sequence[RoutingOut], day: RoutingDay) -> dict[str, Any]:
    """A FeatureCollection: one LineString per route (depot → stops → depot) with its figures."""
    features = []
    for plan in routing:
        for i, r in enumerate(plan.routes):
            features.append({
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [list(p) for p in r.path]},
                "properties": {"date": _day_label(day), "echelon": r.echelon, "depot": r.depot,
                               "route": i + 1, "vehicle": r.vehicle, "stops": list(r.stops),
                               "load_units": r.load_units, "distance_m": r.distance_m,
                               "cost_rmb": r.cost_rmb}})
    return {"type": "FeatureCollection", "features": features,
            "properties": {"date": day.date, "iso_week": day.iso_week, "basis": day.basis}}


def routes_rows(routing: Sequence[RoutingOut], day: RoutingDay) -> list[list[Any]]:
    """One row per stop of every route, in visiting order (`seq` from 1)."""
    rows: list[list[Any]] = []
    for plan in routing:
        for i, r in enumerate(plan.routes):
            for seq, (site, (lon, lat)) in enumerate(zip(r.stops, r.path[1:], strict=False),
                                                     start=1):
                rows.append([_day_label(day), r.echelon, r.depot, i + 1, r.vehicle, seq, site,
                             lon, lat, r.load_units, r.distance_m, r.cost_rmb])
    return rows


def placement_rows(scn: Scenario, design: NetworkDesign, start_week: int) -> list[list[Any]]:
    """One row per SKU each open FW holds: placement target, expected daily units and the
    (R, S) order-up-to level of the first simulated week."""
    if design.placement is None:
        return []
    skus = scn.network.skus
    node = {nid: n for n, nid in enumerate(design.node_ids)}
    daily = design.stock.daily_mean_by_week.mean(axis=0)
    level = design.stock.order_up_to_by_week[start_week]
    rows: list[list[Any]] = []
    for f, fw in enumerate(design.open_fw):
        n = node[fw]
        region = scn.network.site(fw).region
        for k in np.flatnonzero(design.placement.held[f]).tolist():
            rows.append([fw, region, skus[k].id, skus[k].name, skus[k].category,
                         float(design.placement.target_units[f, k]), float(daily[n, k]),
                         float(level[n, k])])
    return rows


def transfer_rows(scn: Scenario, inp: SimulationInput, sim: SimulationResult
                  ) -> list[list[Any]]:
    """Every rebalancing transfer the replay sent, in the order sent."""
    skus = scn.network.skus
    return [[t.day, (scn.start + timedelta(days=t.day)).isoformat(), skus[t.sku].id,
             inp.node_ids[t.src], inp.node_ids[t.dst], float(t.units), float(t.cost_rmb)]
            for t in sim.transfers]


def write_exports(out_dir: Path, scn: Scenario, design: NetworkDesign, inp: SimulationInput,
                  sim: SimulationResult, routing: Sequence[RoutingOut], day: RoutingDay,
                  start_week: int) -> ExportFiles:
    """Write routes.geojson, routes.csv, placement.csv and transfers.csv into `out_dir`."""
    files = ExportFiles(out_dir / "routes.geojson", out_dir / "routes.csv",
                        out_dir / "placement.csv", out_dir / "transfers.csv")
    write_json_atomic(files.routes_geojson, routes_geojson(routing, day), indent=None)
    write_lines_atomic(files.routes_csv, csv_lines(ROUTE_COLUMNS, routes_rows(routing, day)))
    write_lines_atomic(files.placement_csv, csv_lines(
        PLACEMENT_COLUMNS, placement_rows(scn, design, start_week)))
    write_lines_atomic(files.transfers_csv, csv_lines(
        TRANSFER_COLUMNS, transfer_rows(scn, inp, sim)))
    return files
