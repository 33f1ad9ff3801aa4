"""Great-circle distances and road-network estimates, vectorised with numpy.

Coordinates are `[lon, lat]` in WGS84 degrees; distances are metres, times seconds.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fwdnet.logistics.kernel.arrays import frozen

EARTH_RADIUS_M = 6_371_008.8

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def haversine_matrix(a: npt.ArrayLike, b: npt.ArrayLike | None = None) -> FloatArray:
    """Great-circle metres between every row of `a` (k×2 lon/lat) and every row of `b`."""
    pa = np.radians(np.asarray(a, dtype=np.float64).reshape(-1, 2))
    pb = pa if b is None else np.radians(np.asarray(b, dtype=np.float64).reshape(-1, 2))
    dlon = pb[None, :, 0] - pa[:, None, 0]
    dlat = pb[None, :, 1] - pa[:, None, 1]
    cos_lat = np.cos(pa[:, None, 1]) * np.cos(pb[None, :, 1])
    h = np.sin(dlat / 2) ** 2 + cos_lat * np.sin(dlon / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))))


def road_matrices(
    lonlat: npt.ArrayLike, road_factor: float, speed_kmh: float
) -> tuple[IntArray, IntArray]:
    """Integer road metres (haversine × road factor) and seconds at `speed_kmh`, read-only.

    This is the one place where fwdnet scales geographic distances to solver integers.
    """
    if road_factor < 1.0:
        raise ValueError(f"road_factor must be >= 1, got {road_factor}")
    if speed_kmh <= 0:
        raise ValueError(f"speed_kmh must be > 0, got {speed_kmh}")
    metres = haversine_matrix(lonlat) * road_factor
    seconds = metres / (speed_kmh / 3.6)
    dist = np.rint(metres).astype(np.int64)
    time = np.rint(seconds).astype(np.int64)
    return frozen(dist), frozen(time)
