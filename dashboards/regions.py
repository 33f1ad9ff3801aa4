"""Service regions: one shapely polygon per open FW around the stores it serves.

The hull is buffered in kilometres on a locally equal-scale plane (lon scaled by cos(lat)), so
a region of one or two stores is still an area and the margin looks the same east-west.
"""

from __future__ import annotations

import math

from shapely import MultiPoint, Polygon
from shapely.affinity import scale

from fwdnet.simulation.results import Results

KM_PER_DEG_LAT = 111.32


def service_polygon(points: list[tuple[float, float]], buffer_km: float = 4.0) -> Polygon:
    """Convex hull of `[lon, lat]` points grown by `buffer_km` (a Polygon even for 1 point)."""
    if not points:
        raise ValueError("a service region needs at least one point")
    mid_lat = sum(p[1] for p in points) / len(points)
    kx = math.cos(math.radians(mid_lat))
    hull = MultiPoint(points).convex_hull
    plane = scale(hull, xfact=kx, yfact=1.0, origin=(0.0, 0.0))
    grown = plane.buffer(buffer_km / KM_PER_DEG_LAT, quad_segs=6)
    out = scale(grown, xfact=1.0 / kx, yfact=1.0, origin=(0.0, 0.0))
    assert isinstance(out, Polygon)  # buffer of a convex set is one polygon
    return out


def service_regions(res: Results, buffer_km: float = 4.0) -> dict[str, Polygon]:
    """Open FW id → polygon covering the FW and every store assigned to it."""
    by_id = {s.id: s for s in res.sites}
    regions: dict[str, Polygon] = {}
    for fw in res.design.open_fw:
        stores = [by_id[sid] for sid, node in res.design.assignment.items() if node == fw]
        if not stores:
            continue
        pts = [(s.lon, s.lat) for s in stores]
        if fw in by_id:
            pts.append((by_id[fw].lon, by_id[fw].lat))
        regions[fw] = service_polygon(pts, buffer_km)
    return regions
