"""The frozen result of assortment planning: which SKUs each region lists, and local promotions."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from fwdnet.logistics.design.placement import PlacementProblem
from fwdnet.logistics.kernel.arrays import frozen, frozen_copy
from fwdnet.logistics.network.model import Network, Promotion

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
        object.__setattr__(self, "listed", frozen(arr))

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
        return frozen_copy(self.listed[rows], np.bool_)


@dataclass(frozen=True)
class RangePlan:
    """Ranges over the year: `ranges[i]` applies from ISO week index `season_starts[i]` (0-based,
    ISO week − 1) until the next season starts; one season starting at 0 = one range a year."""

    kind: str
    season_starts: tuple[int, ...]
    ranges: tuple[Assortment, ...]

    def __post_init__(self) -> None:
        if not self.ranges or len(self.ranges) != len(self.season_starts):
            raise ValueError("a range plan needs one range per season start")
        if self.season_starts[0] != 0 or list(self.season_starts) != sorted(
                set(self.season_starts)):
            raise ValueError(f"season starts must rise from 0, got {self.season_starts}")

    @classmethod
    def of(cls, assortment: Assortment) -> RangePlan:
        """A plan with one range for the whole year."""
        return cls(assortment.kind, (0,), (assortment,))

    def season_of(self, iso_week_index: int) -> int:
        """Index of the season (range) in force in ISO week index `iso_week_index` (0..52)."""
        return max(j for j, s in enumerate(self.season_starts) if s <= iso_week_index)

    def at_week(self, iso_week_index: int) -> Assortment:
        """The range in force in ISO week index `iso_week_index` (0..52)."""
        return self.ranges[self.season_of(iso_week_index)]

    def replace(self, **changes: Any) -> RangePlan:
        return dataclasses.replace(self, **changes)


def restrict_placement(problem: PlacementProblem, assortment: Assortment, network: Network,
                       fw_ids: tuple[str, ...]) -> PlacementProblem:
    """A stock-placement problem whose demand is zero for SKUs a FW's region does not list, so
    placement never holds them (`fw_ids` in the problem's FW order)."""
    mask = assortment.site_mask(network, fw_ids)
    return dataclasses.replace(problem, daily_mean=np.asarray(problem.daily_mean) * mask,
                               daily_std=np.asarray(problem.daily_std) * mask)
