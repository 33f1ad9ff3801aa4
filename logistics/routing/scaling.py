"""The one place where RMB rates become the integer arc costs the engines need.

Rates are resolved to 1e-5 RMB per metre / per second; all integer coefficients are then
divided by their common divisor (a pure-distance objective becomes 1 per metre).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fwdnet.logistics.routing.model import RoutingProblem

UNITS_PER_RMB = 100_000


@dataclass(frozen=True)
class IntegerCosts:
    """Per vehicle type: cost per distance unit, per duration unit (route span), per travel
    time unit, fixed; per client penalty."""

    per_distance: tuple[int, ...]
    per_duration: tuple[int, ...]
    fixed: tuple[int, ...]
    penalty: tuple[int, ...]
    unit_rmb: float  # RMB per integer cost unit
    per_travel: tuple[int, ...] = ()

    def travel(self, t: int) -> int:
        return self.per_travel[t] if self.per_travel else 0

    def to_rmb(self, value: int) -> float:
        return value * self.unit_rmb


def integer_costs(problem: RoutingProblem) -> IntegerCosts:
    """Integer objective coefficients for every vehicle type and optional client."""
    dist = [round(vt.cost_per_km * UNITS_PER_RMB / 1000) for vt in problem.vehicle_types]
    dur = [round(vt.cost_per_hour * UNITS_PER_RMB / 3600) for vt in problem.vehicle_types]
    fixed = [round(vt.fixed_cost * UNITS_PER_RMB) for vt in problem.vehicle_types]
    pen = [round(c.penalty * UNITS_PER_RMB) for c in problem.clients]
    travel = [round(vt.cost_per_travel_hour * UNITS_PER_RMB / 3600)
              for vt in problem.vehicle_types]
    g = 0
    for v in (*dist, *dur, *fixed, *pen, *travel):
        g = math.gcd(g, v)
    g = max(g, 1)
    return IntegerCosts(tuple(v // g for v in dist), tuple(v // g for v in dur),
                        tuple(v // g for v in fixed), tuple(v // g for v in pen),
                        g / UNITS_PER_RMB, tuple(v // g for v in travel))


def route_cost_rmb(problem: RoutingProblem, vehicle_type: int, distance_m: int,
                   duration_s: int, travel_s: int = 0) -> float:
    """Exact RMB cost of one used vehicle (no rounding of the rates)."""
    vt = problem.vehicle_types[vehicle_type]
    return (vt.fixed_cost + vt.cost_per_km * distance_m / 1000
            + vt.cost_per_hour * duration_s / 3600 + vt.cost_per_travel_hour * travel_s / 3600)
