"""Replenishment on inventory position: policies, safety stock, constraints and suggestions.

Units: stock in units, time in review periods (the caller's period: days or weeks, stated once
by the caller). Every policy reads `InventoryState.position` (on hand + on order − backorders),
never on-hand alone.
"""

from fwdnet.logistics.inventory.policies import RS, SS, BaseStock, InventoryState, Policy
from fwdnet.logistics.inventory.safety import (
    cycle_service_safety_stock,
    fill_rate_safety_factor,
    normal_loss,
    poisson_base_stock,
    poisson_fill_rate,
)

__all__ = [
    "RS",
    "SS",
    "BaseStock",
    "InventoryState",
    "Policy",
    "cycle_service_safety_stock",
    "fill_rate_safety_factor",
    "normal_loss",
    "poisson_base_stock",
    "poisson_fill_rate",
]
