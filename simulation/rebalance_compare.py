"""With versus without rebalancing on the same demand: lost sales avoided and transfer cost.

Each replication replays the design twice on the same random streams (common random numbers),
once with weekly rebalancing and once without; the differences, replication by replication,
give paired 95% confidence intervals (`logistics.kernel.stats`). Lost sales are priced at the
scenario's lost-sale penalty rate × price. Units: units of stock, RMB.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np

from fwdnet.logistics.errors import InputError
from fwdnet.logistics.kernel.parallel import map_in_order
from fwdnet.logistics.kernel.stats import Interval, mean_interval, paired_interval
from fwdnet.simulation.engine import SimulationInput, simulate
from fwdnet.simulation.streams import Streams

Arm = dict[str, float]
ARMS = ("without", "with")


@dataclass(frozen=True)
class RebalanceComparison:
    """Means per arm and paired (with − without) intervals over the replications."""

    replications: int
    warmup_days: int
    rebalance_every_days: int
    arms: dict[str, Arm]  # "with" / "without" → mean metrics
    lost_units_avoided: Interval  # without − with
    lost_value_avoided_rmb: Interval  # without − with, at the penalty rate × price
    transfer_cost_rmb: Interval  # with (without has none)
    transferred_units: Interval
    net_benefit_rmb: Interval  # lost value avoided − transfer cost − extra holding

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form (`fwdnet rebalance --compare --json`)."""
        return {"replications": self.replications, "warmup_days": self.warmup_days,
                "rebalance_every_days": self.rebalance_every_days, "arms": self.arms,
                **{k: getattr(self, k).as_dict() for k in (
                    "lost_units_avoided", "lost_value_avoided_rmb", "transfer_cost_rmb",
                    "transferred_units", "net_benefit_rmb")}}


def arm_input(inp: SimulationInput, every_days: int) -> SimulationInput:
    """The same replay input with rebalancing every `every_days` days (0 = never)."""
    return dataclasses.replace(inp, settings=inp.settings.replace(
        rebalance_every_days=every_days))


def replicate_arm(inp: SimulationInput, seed: int, replication: int, warmup_days: int) -> Arm:
    """One replay: lost units and their value, transfers, holding and total transport."""
    sim = simulate(inp, Streams.of(seed, replication), warmup_days=warmup_days)
    s = sim.summary()
    rate = inp.logistics.lost_sale_penalty_rate if inp.logistics is not None else 0.0
    counted = [t for t in sim.transfers if t.day >= warmup_days]
    return {"lost_units": s["lost_sales_units"],
            "lost_value_rmb": float((sim.sku.lost * (rate * inp.price)[None, :]).sum()),
            "transfer_cost_rmb": s["transfers_rmb"],
            "transferred_units": float(sum(t.units for t in counted)),
            "holding_rmb": s["holding_cost_rmb"], "fill_rate": s["fill_rate"]}


def compare_rebalancing(inp: SimulationInput, seed: int, replications: int, warmup_days: int,
                        executor: Executor | None = None,
                        on_done: Callable[[str, int], None] | None = None
                        ) -> RebalanceComparison:
    """Replay both arms `replications` times on common random numbers and pair them."""
    if replications < 2:
        raise InputError("--replications must be >= 2 for a paired confidence interval")
    if not 0 <= warmup_days < inp.days:
        raise InputError(f"--warmup must be between 0 and {inp.days - 1} days")
    every = inp.settings.rebalance_every_days or 7
    inputs = {"without": arm_input(inp, 0), "with": arm_input(inp, every)}
    jobs = [(arm, r) for r in range(replications) for arm in ARMS]
    arms = map_in_order(replicate_arm, [(inputs[arm], seed, r, warmup_days) for arm, r in jobs],
                        executor, on_done=None if on_done is None else
                        (lambda i: on_done(*jobs[i])))
    out = dict(zip(jobs, arms, strict=True))
    runs = {arm: [out[(arm, r)] for r in range(replications)] for arm in ARMS}
    return summarise(runs, warmup_days, every)


def summarise(runs: Mapping[str, Sequence[Arm]], warmup_days: int, every_days: int
              ) -> RebalanceComparison:
    """Means per arm and the paired intervals from per-replication metrics of both arms."""
    def col(arm: str, key: str) -> np.ndarray:
        return np.array([m[key] for m in runs[arm]], dtype=np.float64)

    w, wo = "with", "without"
    net = (col(wo, "lost_value_rmb") - col(w, "lost_value_rmb") - col(w, "transfer_cost_rmb")
           - (col(w, "holding_rmb") - col(wo, "holding_rmb")))
    return RebalanceComparison(
        replications=len(runs[w]), warmup_days=warmup_days, rebalance_every_days=every_days,
        arms={arm: {k: float(np.mean([m[k] for m in runs[arm]])) for k in runs[arm][0]}
              for arm in ARMS},
        lost_units_avoided=paired_interval(col(wo, "lost_units"), col(w, "lost_units")),
        lost_value_avoided_rmb=paired_interval(col(wo, "lost_value_rmb"),
                                               col(w, "lost_value_rmb")),
        transfer_cost_rmb=mean_interval(col(w, "transfer_cost_rmb")),
        transferred_units=mean_interval(col(w, "transferred_units")),
        net_benefit_rmb=mean_interval(net))
