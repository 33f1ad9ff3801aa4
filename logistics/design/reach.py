"""Service regions: which stores each FW may serve under a radius or a maximum lead time.

Each FW's region is a shapely disc in a local metric projection (equirectangular about the sites'
mean latitude, metres); a store is reachable when its point lies inside. Stores outside every
region are reported by the caller, never dropped silently. Coordinates are `[lon, lat]`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from fwdnet.logistics.geo import EARTH_RADIUS_M
from fwdnet.logistics.kernel.arrays import frozen

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def _projector(lat0: float) -> tuple[float, float]:
    """Metres per degree of longitude and latitude about latitude `lat0`."""
    per_deg = EARTH_RADIUS_M * math.pi / 180.0
    return per_deg * math.cos(math.radians(lat0)), per_deg


def radius_for_lead_time(max_hours: float, speed_kmh: float, road_factor: float) -> float:
    """Straight-line radius (m) a vehicle covers in `max_hours` on roads `road_factor` longer."""
    if max_hours < 0 or speed_kmh <= 0 or road_factor < 1:
        raise ValueError("max_hours >= 0, speed_kmh > 0 and road_factor >= 1 expected")
    return max_hours * speed_kmh * 1000.0 / road_factor


def service_regions(
    centers: FloatArray, radius_m: FloatArray | float, lat0: float | None = None
) -> list[object]:
    """One shapely polygon per centre: the disc of `radius_m` metres, in `[lon, lat]` degrees."""
    import shapely

    centers = np.asarray(centers, dtype=np.float64).reshape(-1, 2)
    radii = np.broadcast_to(np.asarray(radius_m, dtype=np.float64), (centers.shape[0],))
    lat = float(centers[:, 1].mean()) if lat0 is None else lat0
    kx, ky = _projector(lat)
    discs = shapely.buffer(
        shapely.points(centers[:, 0] * kx, centers[:, 1] * ky), radii, quad_segs=32
    )
    return list(shapely.transform(discs, lambda xy: xy / np.array([kx, ky])))


def reach_matrix(
    fw_lonlat: FloatArray, store_lonlat: FloatArray, radius_m: FloatArray | float
) -> BoolArray:
    """(fws, stores) True where the store lies inside the FW's service region."""
    import shapely

    fw = np.asarray(fw_lonlat, dtype=np.float64).reshape(-1, 2)
    st = np.asarray(store_lonlat, dtype=np.float64).reshape(-1, 2)
    lat0 = float(np.vstack([fw, st])[:, 1].mean())
    kx, ky = _projector(lat0)
    radii = np.broadcast_to(np.asarray(radius_m, dtype=np.float64), (fw.shape[0],))
    discs = shapely.buffer(shapely.points(fw[:, 0] * kx, fw[:, 1] * ky), radii, quad_segs=64)
    out = np.zeros((fw.shape[0], st.shape[0]), dtype=np.bool_)
    for i, disc in enumerate(discs):
        shapely.prepare(disc)
        out[i] = shapely.contains_xy(disc, st[:, 0] * kx, st[:, 1] * ky)
    return frozen(out)


def outside_every_region(reach: BoolArray) -> list[int]:
    """Indices of stores no FW can reach (to be reported, and served from the CDC)."""
    return np.flatnonzero(~np.asarray(reach).any(axis=0)).tolist()
