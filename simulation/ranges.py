"""Regional versus national ranges replayed through the design's network (common random numbers).

Each range plan becomes a variant of the same design (`logistics.design.network_design.
with_ranges`: placement and stock targets on the listed SKUs) whose replay input stocks only
what each season's range lists (`simulation.assortment.restrict_to_assortment`); approved local
promotions (`assortment apply`'s overrides) lift the demand of their variant. Every variant of
a replication sees the same draws, so per-region differences carry paired 95% CIs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np

from fwdnet.logistics.assortment.model import RangePlan
from fwdnet.logistics.kernel.parallel import map_in_order
from fwdnet.logistics.network import DemandModel
from fwdnet.logistics.network.model import Network, Promotion
from fwdnet.simulation.assortment import (
    AssortmentComparison,
    RegionRun,
    assortment_section,
    restrict_to_assortment,
)
from fwdnet.simulation.engine import SimulationInput, simulate
from fwdnet.simulation.results import AssortmentView
from fwdnet.simulation.streams import Streams


@dataclass(frozen=True)
class RangeCase:
    """One range variant ready to replay: its name, replay input and SKUs listed per region."""

    name: str
    inp: SimulationInput
    range_size: tuple[int, ...]  # (regions,) most SKUs listed in any season


def range_case(name: str, inp: SimulationInput, plan: RangePlan, network: Network,
               promotions: Sequence[Promotion] = ()) -> RangeCase:
    """The replay input of a design variant stocking `plan`'s ranges, with local promotions."""
    restricted = restrict_to_assortment(inp, plan, network)
    if promotions:
        local = dataclasses.replace(network, promotions=(*network.promotions, *promotions))
        restricted = dataclasses.replace(restricted, demand=DemandModel.from_network(local))
    size = tuple(int(x) for x in np.max([np.asarray(r.listed).sum(axis=1)
                                         for r in plan.ranges], axis=0))
    return RangeCase(name, restricted, size)


def _region_run(case: RangeCase, regions: tuple[str, ...], seed: int, replication: int,
                warmup: int) -> RegionRun:
    """One replay of a variant: demand, sales, lost and stock per store region."""
    r = simulate(case.inp, Streams.of(seed, replication), warmup_days=warmup).region
    return RegionRun(assortment=case.name, regions=regions, demand=r.demand.sum(axis=1),
                     sales=r.filled.sum(axis=1), lost=r.demand.sum(axis=1) - r.filled.sum(axis=1),
                     average_stock=r.average_on_hand.sum(axis=1), range_size=case.range_size)


def network_ranges_view(cases: Sequence[RangeCase], regions: tuple[str, ...], *, seed: int,
                        replications: int, warmup: int = 0, season_weeks: int = 0,
                        design: str | None = None, local_promotions: int = 0,
                        executor: Executor | None = None) -> AssortmentView:
    """Replay every variant `replications` times on the same streams; the first is the
    baseline of the paired differences (per region and network-wide)."""
    names = [c.name for c in cases]
    if len(set(names)) != len(names):
        raise ValueError(f"range variants must have distinct names, got {names}")
    done = map_in_order(_region_run, [(c, regions, seed, r, warmup)
                                      for r in range(replications) for c in cases], executor)
    runs: dict[str, list[RegionRun]] = {n: [] for n in names}
    for run in done:
        runs[run.assortment].append(run)
    comp = AssortmentComparison(names[0], regions, {k: tuple(v) for k, v in runs.items()})
    return AssortmentView.model_validate({
        **assortment_section(comp, 0.0), "season_weeks": season_weeks, "replay": "network",
        "design": design, "local_promotions": local_promotions})
