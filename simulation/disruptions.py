"""Disruptions: FW outages, CDC→FW road closures and supplier delays, scheduled or random.

Random disruptions are drawn for every FW candidate of the scenario (open or not) from the
disruption stream, so they are the same whatever the design. Times in days from the start.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from fwdnet.simulation.settings import SimSettings


class DisruptionKind(StrEnum):
    FW_OUTAGE = "fw_outage"  # the FW neither receives nor ships
    ROAD_CLOSURE = "road_closure"  # trucks to the FW wait until the lane reopens
    SUPPLIER_DELAY = "supplier_delay"  # supplier deliveries due in the window come later


@dataclass(frozen=True, slots=True)
class Disruption:
    """`kind` at site `target` (FW id, or 'supplier') from day `start` for `duration` days.

    For supplier delays `extra_days` is how much later a delivery due in the window lands.
    """

    kind: DisruptionKind
    target: str
    start: float
    duration: float
    extra_days: float = 0.0

    @property
    def end(self) -> float:
        return self.start + self.duration

    def active(self, t: float) -> bool:
        return self.start <= t < self.end


def random_disruptions(rng: np.random.Generator, fw_ids: tuple[str, ...], days: int,
                       settings: SimSettings) -> tuple[Disruption, ...]:
    """Poisson numbers of outages and closures per FW candidate and of supplier delays."""
    years = days / 365.0
    out: list[Disruption] = []
    for fw in fw_ids:  # fixed order of draws: identical for every design
        for _ in range(int(rng.poisson(settings.fw_outages_per_year * years))):
            lo, hi = settings.fw_outage_days
            out.append(Disruption(DisruptionKind.FW_OUTAGE, fw, float(rng.integers(0, days)),
                                  float(rng.integers(lo, hi + 1))))
        for _ in range(int(rng.poisson(settings.road_closures_per_year * years))):
            lo_h, hi_h = settings.road_closure_hours
            out.append(Disruption(DisruptionKind.ROAD_CLOSURE, fw, float(rng.uniform(0, days)),
                                  float(rng.uniform(lo_h, hi_h)) / 24.0))
    for _ in range(int(rng.poisson(settings.supplier_delays_per_year * years))):
        lo, hi = settings.supplier_delay_days
        extra = float(rng.integers(lo, hi + 1))
        out.append(Disruption(DisruptionKind.SUPPLIER_DELAY, "supplier",
                              float(rng.integers(0, days)), extra, extra))
    return tuple(out)


def wait_until_clear(disruptions: tuple[Disruption, ...], kinds: tuple[DisruptionKind, ...],
                     target: str, t: float) -> float:
    """The earliest time ≥ t at which no disruption of `kinds` at `target` is active."""
    moved = True
    while moved:
        moved = False
        for d in disruptions:
            if d.kind in kinds and d.target == target and d.active(t):
                t, moved = d.end, True
    return t
