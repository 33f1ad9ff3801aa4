"""Road distances and travel times between every pair of a scenario's sites, built once.

Haversine × road factor (`logistics.geo.road_matrices`), integer metres and seconds; trucks
(CDC → FW) and vans (FW → store) have their own speeds, hence two time matrices.
"""

from __future__ import annotations

from dataclasses import dataclass

from fwdnet.logistics.geo import road_matrices
from fwdnet.logistics.network.model import Echelon, IntArray, Scenario, Site


@dataclass(frozen=True)
class NetworkMatrices:
    """All sites in the scenario's order with road metres and per-echelon seconds."""

    sites: tuple[Site, ...]
    index: dict[str, int]  # site id → row
    distance_m: IntArray
    truck_s: IntArray
    van_s: IntArray


def network_matrices(scn: Scenario) -> NetworkMatrices:
    """Road distances and truck / van travel times for every site pair (read-only arrays)."""
    sites = scn.network.sites
    lonlat = scn.network.lonlat(sites)
    truck_kmh = scn.largest_vehicle(Echelon.CDC_FW).speed_kmh
    van_kmh = scn.largest_vehicle(Echelon.FW_STORE).speed_kmh
    dist, truck = road_matrices(lonlat, scn.road_factor, truck_kmh)
    _, van = road_matrices(lonlat, scn.road_factor, van_kmh)
    return NetworkMatrices(sites, {s.id: i for i, s in enumerate(sites)}, dist, truck, van)
