"""The network domain: sites, SKUs, vehicles, demand model, and the scenario loader."""

from fwdnet.logistics.network.demand import DemandModel
from fwdnet.logistics.network.load import load_scenario
from fwdnet.logistics.network.model import (
    Costs,
    DemandHistory,
    Echelon,
    Network,
    Policy,
    Promotion,
    Scenario,
    Site,
    SiteKind,
    Sku,
    VehicleType,
)

__all__ = [
    "Costs",
    "DemandHistory",
    "DemandModel",
    "Echelon",
    "Network",
    "Policy",
    "Promotion",
    "Scenario",
    "Site",
    "SiteKind",
    "Sku",
    "VehicleType",
    "load_scenario",
]
