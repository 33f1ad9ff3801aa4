"""Outcome of a design solve: shared by location, placement, rebalancing and two-echelon."""

from __future__ import annotations

from enum import StrEnum


class SolveStatus(StrEnum):
    """How a solve ended: proven optimal, feasible (not proven), infeasible, or out of time."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    TIMED_OUT = "timed_out"
