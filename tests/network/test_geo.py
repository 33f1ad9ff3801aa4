"""Great-circle and road matrices against known distances."""

from __future__ import annotations

import numpy as np
import pytest

from fwdnet.logistics.geo import haversine_matrix, road_matrices

CHENGDU = (104.066, 30.572)
CHONGQING = (106.551, 29.563)


def test_haversine_known_city_distance() -> None:
    """Chengdu–Chongqing is about 266 km as the crow flies."""
    d = haversine_matrix([CHENGDU, CHONGQING])
    assert d[0, 1] == pytest.approx(266_000, rel=0.01)
    assert d[0, 0] == 0
    assert d[0, 1] == d[1, 0]


def test_one_degree_of_latitude() -> None:
    d = haversine_matrix([(0.0, 0.0)], [(0.0, 1.0), (1.0, 0.0)])
    assert d.shape == (1, 2)
    assert d[0, 0] == pytest.approx(111_195, rel=1e-3)
    assert d[0, 1] == pytest.approx(111_195, rel=1e-3)


def test_road_matrices_scale_and_are_read_only() -> None:
    dist, time = road_matrices([CHENGDU, CHONGQING], road_factor=1.5, speed_kmh=60)
    assert dist.dtype == np.int64
    assert time.dtype == np.int64
    assert dist[0, 1] == round(haversine_matrix([CHENGDU, CHONGQING])[0, 1] * 1.5)
    assert time[0, 1] == round(dist[0, 1] / (60 / 3.6))
    assert not dist.flags.writeable
    with pytest.raises(ValueError, match="road_factor"):
        road_matrices([CHENGDU], road_factor=0.5, speed_kmh=60)
