"""The frozen result of assortment planning: which SKUs each region lists, and local promotions."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from logistics.network.model import Network, Promotion

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Assortment:
    """`listed[r, k]`: region `regions[r]` carries SKU `sku_ids[k]` (read-only array)."""

    kind: str  # national | regional | regional+overrides
    regions: tuple[str, ...]
    sku_ids: tuple[str, ...]
    listed: BoolArray  # (regions, skus)
    promotions: tuple[Promotion, ...] = ()  # local promotions set by regions

    def __post_init__(self) -> None:
        arr = np.array(self.listed, dtype=np.bool_)
        if arr.shape != (len(self.regions), len(self.sku_ids)):
            raise ValueError(f"listed has shape {arr.shape}, expected "
                             f"({len(self.regions)}, {len(self.sku_ids)})")
        arr.flags.writeable = False
        object.__setattr__(self, "listed", arr)

    def replace(self, **changes: Any) -> Assortment:
        return dataclasses.replace(self, **changes)

    def region_row(self, region: str) -> BoolArray:
        return np.asarray(self.listed[self.regions.index(region)])

    def listed_skus(self, region: str) -> tuple[str, ...]:
        row = self.region_row(region)
        return tuple(k for k, on in zip(self.sku_ids, row, strict=True) if on)

    def range_size(self, region: str) -> int:
        return int(self.region_row(region).sum())

    def site_mask(self, network: Network, site_ids: tuple[str, ...]) -> BoolArray:
        """(sites, skus) listed mask of the region of each site (FW or store), for placement and
        simulation: zero the demand or order-up-to level where it is False."""
        pos = {r: i for i, r in enumerate(self.regions)}
        rows = [pos[network.site(s).region] for s in site_ids]
        out = np.array(self.listed[rows], dtype=np.bool_)
        out.flags.writeable = False
        return out
