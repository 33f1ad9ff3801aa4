"""SimPy replay of daily demand through one network design.

Stock sits at stocking nodes (open FWs, plus the CDC for stores no FW reaches), fed from a
finite CDC stock that suppliers refill. `simulate` wires the parts together: the demand step
(`simulation.demand`), the SimPy processes (`simulation.processes`: sales, reviews, trucks
through docks, supplier, disruptions, rebalancing), an injected KPI tracker
(`simulation.tracker`) and an event emitter (`simulation.waybills`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from fwdnet.logistics.kernel.arrays import frozen
from fwdnet.logistics.kernel.memory import release_freed_memory
from fwdnet.logistics.network.model import FloatArray
from fwdnet.simulation.demand import demand_layout
from fwdnet.simulation.disruptions import Disruption, random_disruptions
from fwdnet.simulation.inputs import (
    Logistics,
    Sampler,
    SimulationInput,
    TrunkRoute,
    poisson_sampler,
)
from fwdnet.simulation.kpis import (
    DailyKpis,
    Flows,
    NodeKpis,
    RegionKpis,
    ShipmentRecord,
    SkuKpis,
    TransferRecord,
    summary_of,
)
from fwdnet.simulation.processes import Replay
from fwdnet.simulation.streams import Streams
from fwdnet.simulation.tracker import KpiTracker
from fwdnet.simulation.waybills import Emitter, NoWaybills, WaybillEmitter, WaybillLog

__all__ = ["Logistics", "Sampler", "SimulationInput", "SimulationResult", "TrunkRoute",
           "poisson_sampler", "simulate"]


@dataclass(frozen=True)
class SimulationResult:
    """KPIs of one replay (daily, per node, per region × category, per node × SKU)."""

    kpis: DailyKpis
    final_on_hand: FloatArray  # (nodes, skus)
    node: NodeKpis
    region: RegionKpis
    sku: SkuKpis
    transfers: tuple[TransferRecord, ...]
    shipments: tuple[ShipmentRecord, ...]
    disruptions: tuple[Disruption, ...]
    waybills: WaybillLog | None = None
    flows: Flows | None = None
    warmup_days: int = 0

    def summary(self) -> dict[str, float]:
        """Totals and rates after the warm-up (fill rate = served on the day of demand)."""
        return summary_of(self.kpis, self.warmup_days)


def simulate(inp: SimulationInput, rng: np.random.Generator | Streams,
             on_day: Callable[[int], None] | None = None, *, warmup_days: int = 0,
             emit_waybills: bool = False, audit: bool = False,
             tracker: KpiTracker | None = None, emitter: Emitter | None = None
             ) -> SimulationResult:
    """Replay `inp.days` days; the same streams give the same result, byte for byte.

    `rng` is either one generator (demand from it, other streams spawned from it) or `Streams`
    (common random numbers across designs). `on_day(day)` is called after each day. The KPI
    tracker and the event emitter may be injected (default: a fresh tracker; waybills only
    with `emit_waybills` and the physical model).
    """
    streams = rng if isinstance(rng, Streams) else Streams.from_generator(rng)
    layout = demand_layout(inp)
    nodes, skus = inp.initial_on_hand.shape
    tracker = tracker or KpiTracker(inp.days, nodes, skus, layout, warmup=warmup_days,
                                    audit=audit)
    if emitter is None:
        emitter = (WaybillEmitter(inp.start, float(inp.days))
                   if emit_waybills and inp.logistics is not None else NoWaybills())
    fw_ids = inp.logistics.fw_candidates if inp.logistics is not None else ()
    drawn = (random_disruptions(streams.disruptions, fw_ids, inp.days, inp.settings)
             if inp.random_disruptions else ())
    disruptions = (*inp.disruptions, *inp.settings.scheduled, *drawn)
    replay = Replay(inp, streams, layout, tracker, emitter, disruptions, on_day)
    # one BLAS thread: the day's products are small, a second thread doubled the CPU time for
    # no speed-up and starved the other replication running beside this one
    with threadpool_limits(limits=1, user_api="blas"):
        replay.run()
    final = frozen(replay.stock.on_hand)
    k, warmup = tracker.result(inp.initial_on_hand, final), tracker.warmup
    del replay, tracker
    release_freed_memory()  # the day arrays are gone: a pool worker would keep their pages
    return SimulationResult(k.daily, final, k.node, k.region, k.sku, k.transfers, k.shipments,
                            disruptions, emitter.log, k.flows, warmup)
