"""How a solve ended, for every solver (routing, location, placement, two-echelon)."""

from __future__ import annotations

from enum import StrEnum


class SolveStatus(StrEnum):
    """optimal (proven), feasible (not proven), infeasible (with a reason), timed_out (best
    plan so far)."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    TIMED_OUT = "timed_out"
