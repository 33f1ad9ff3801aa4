"""Service regions: hull of a FW's stores grown by a margin in kilometres."""

from __future__ import annotations

import math

import pytest
from shapely import Point

from fwdnet.dashboards.regions import KM_PER_DEG_LAT, service_polygon, service_regions
from fwdnet.simulation.results import Results


def test_one_point_becomes_a_disc_of_the_buffer_radius_in_km() -> None:
    """At 60°N a degree of longitude is half as long: the disc is twice as wide in degrees."""
    poly = service_polygon([(100.0, 60.0)], buffer_km=11.132)
    minx, miny, maxx, maxy = poly.bounds
    assert maxy - miny == pytest.approx(2 * 11.132 / KM_PER_DEG_LAT, rel=1e-3)
    assert maxx - minx == pytest.approx(2 * 2 * 11.132 / KM_PER_DEG_LAT, rel=1e-3)
    # area in km² (lon scaled back by cos 60°) is close to π r² (a 24-gon: within 2%)
    km2 = poly.area * KM_PER_DEG_LAT**2 * math.cos(math.radians(60))
    assert km2 == pytest.approx(math.pi * 11.132**2, rel=0.02)


def test_square_hull_contains_its_corners_with_margin() -> None:
    pts = [(104.0, 30.0), (104.1, 30.0), (104.1, 30.1), (104.0, 30.1)]
    poly = service_polygon(pts, buffer_km=2.0)
    assert all(poly.contains(Point(p)) for p in pts)
    assert not poly.contains(Point(104.05, 30.2))  # 11 km north of the square: outside


def test_empty_region_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one point"):
        service_polygon([])


def test_every_open_fw_region_covers_its_stores(core_results: Results) -> None:
    res = core_results
    by_id = {s.id: s for s in res.sites}
    regions = service_regions(res)
    assert set(regions) <= set(res.design.open_fw)
    for sid, node in res.design.assignment.items():
        if node in regions:
            assert regions[node].contains(Point(by_id[sid].lon, by_id[sid].lat)), sid
