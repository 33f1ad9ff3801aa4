"""Service regions (shapely): reachability by radius and lead time, stores outside reported."""

from __future__ import annotations

import numpy as np
import pytest

from fwdnet.logistics.design.reach import (
    outside_every_region,
    radius_for_lead_time,
    reach_matrix,
    service_regions,
)
from fwdnet.logistics.geo import EARTH_RADIUS_M

# Chengdu-ish latitude; one degree of latitude ≈ 111.195 km everywhere
LAT = 30.0
KM_PER_DEG_LAT = EARTH_RADIUS_M / 1000.0 * np.pi / 180.0


def test_radius_from_lead_time() -> None:
    """2 h at 45 km/h on roads 1.3 × the straight line: 90 km of road = 69.2 km radius."""
    assert radius_for_lead_time(2.0, 45.0, 1.3) == pytest.approx(90_000 / 1.3)


def test_store_inside_and_outside_the_radius() -> None:
    """Stores 49 km and 51 km north of a FW with a 50 km radius: first reachable, second not."""
    fw = np.array([[104.0, LAT]])
    stores = np.array([[104.0, LAT + 49 / KM_PER_DEG_LAT], [104.0, LAT + 51 / KM_PER_DEG_LAT]])
    reach = reach_matrix(fw, stores, 50_000.0)
    assert reach.tolist() == [[True, False]]
    assert outside_every_region(reach) == [1]


def test_per_fw_radius_and_unreachable_report() -> None:
    """Two FWs with their own radii; a store far from both is reported, not dropped."""
    fws = np.array([[104.0, LAT], [106.0, LAT]])
    stores = np.array([[104.1, LAT], [106.3, LAT], [105.0, LAT + 2.0]])
    reach = reach_matrix(fws, stores, np.array([20_000.0, 40_000.0]))
    assert reach.tolist() == [[True, False, False], [False, True, False]]
    assert outside_every_region(reach) == [2]


def test_regions_are_polygons_in_lonlat() -> None:
    """The region polygon is a disc in degrees: wider in longitude than latitude at 30° N."""
    (disc,) = service_regions(np.array([[104.0, LAT]]), 10_000.0)
    minx, miny, maxx, maxy = disc.bounds  # type: ignore[attr-defined]
    assert (maxy - miny) / 2 == pytest.approx(10 / KM_PER_DEG_LAT, rel=1e-3)
    assert (maxx - minx) / (maxy - miny) == pytest.approx(1 / np.cos(np.radians(LAT)), rel=1e-3)
