"""Operational settings of a replay that the scenario file does not carry, with a TOML override.

Defaults are documented constants (docs/simulation.md); `load_settings(path)` reads a small
TOML file (`fwdnet simulate --settings sim.toml`) whose keys mirror the field names below.
Units: hours for dock and travel times, days for lead times and disruptions, kg CO2e per tonne-km.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fwdnet.logistics.errors import InputError
from fwdnet.simulation.disruptions import Disruption, DisruptionKind

# GLEC-style well-to-wheel intensities (kg CO2e per tonne-km), order-of-magnitude defaults for
# Chinese road freight: rigid truck 12–20 t, light van < 3.5 t, parcel carrier network.
EMISSION_KG_PER_TKM: dict[str, float] = {"truck": 0.110, "van": 0.450, "carrier": 0.300}


@dataclass(frozen=True)
class SimSettings:
    """Docks, supplier, carrier, disruption and rebalancing knobs of one replay."""

    cdc_docks: int = 4
    fw_docks: int = 2
    load_hours: float = 1.0  # mean time a truck occupies a CDC dock (exponential)
    unload_hours: float = 0.75  # mean time a truck occupies a FW dock (exponential)
    supplier_lead_days: float = 10.0  # mean supplier → CDC lead time
    supplier_lead_cv: float = 0.3  # coefficient of variation of that lead time (gamma)
    cdc_cover_days: float = 21.0  # CDC order-up-to = mean network demand × (lead + cover)
    carrier_delay_mean_hours: float = 6.0  # third-party leg: extra hours (exponential)
    carrier_exception_prob: float = 0.03  # chance a third-party parcel has an exception
    carrier_exception_hours: float = 24.0  # extra hours an exception costs
    promised_hour: float = 18.0  # store deliveries are promised by this hour of the due day
    van_start_hour: float = 7.0  # vans leave FWs at 07:00 the day after the store orders
    fw_outages_per_year: float = 0.5  # random FW outages per FW candidate (Poisson)
    fw_outage_days: tuple[int, int] = (1, 3)  # uniform duration range, whole days
    road_closures_per_year: float = 1.0  # random CDC→FW lane closures per lane
    road_closure_hours: tuple[float, float] = (6.0, 48.0)
    supplier_delays_per_year: float = 2.0
    supplier_delay_days: tuple[int, int] = (3, 10)
    rebalance_every_days: int = 7  # 0 = no rebalancing
    rebalance_min_units: int = 5
    emission_kg_per_tkm: dict[str, float] = field(
        default_factory=lambda: dict(EMISSION_KG_PER_TKM))
    scheduled: tuple[Disruption, ...] = ()  # `[[disruptions]]` of the settings file

    def replace(self, **changes: Any) -> SimSettings:
        return dataclasses.replace(self, **changes)


def load_settings(path: Path) -> SimSettings:
    """Defaults overridden by `path` (TOML, keys as in `SimSettings`); bad keys → InputError."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: cannot read simulation settings ({exc})") from exc
    defaults = SimSettings()
    known = {f.name: f for f in dataclasses.fields(SimSettings)}
    changes: dict[str, Any] = {}
    if "disruptions" in data:
        changes["scheduled"] = _scheduled(path, data.pop("disruptions"))
    for key, value in data.items():
        if key not in known or key == "scheduled":
            raise InputError(f"{path}: unknown key '{key}' (expected one of {', '.join(known)})")
        current = getattr(defaults, key)
        if isinstance(current, dict):
            if not isinstance(value, dict) or not all(
                    isinstance(v, int | float) and v >= 0 for v in value.values()):
                raise InputError(f"{path}: '{key}' must be a table of numbers >= 0")
            changes[key] = {**current, **{str(k): float(v) for k, v in value.items()}}
        elif isinstance(current, tuple):
            if (not isinstance(value, list) or len(value) != 2
                    or not all(isinstance(v, int | float) and v >= 0 for v in value)
                    or value[0] > value[1]):
                raise InputError(f"{path}: '{key}' must be [low, high] with 0 <= low <= high")
            changes[key] = tuple(type(current[0])(v) for v in value)
        else:
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise InputError(f"{path}: '{key}' must be a number >= 0, got {value!r}")
            changes[key] = type(current)(value)
    return defaults.replace(**changes)


def _scheduled(path: Path, items: Any) -> tuple[Disruption, ...]:
    """`[[disruptions]]` rows: kind, target (FW id or "supplier"), start_day, days, extra_days."""
    kinds = ", ".join(k.value for k in DisruptionKind)
    if not isinstance(items, list):
        raise InputError(f"{path}: 'disruptions' must be an array of tables [[disruptions]]")
    out = []
    for i, row in enumerate(items, start=1):
        where = f"{path}: disruptions #{i}"
        if not isinstance(row, dict):
            raise InputError(f"{where}: expected a table")
        unknown = set(row) - {"kind", "target", "start_day", "days", "extra_days"}
        if unknown:
            raise InputError(f"{where}: unknown key '{sorted(unknown)[0]}'")
        try:
            kind = DisruptionKind(str(row.get("kind")))
        except ValueError:
            raise InputError(f"{where}: kind must be one of {kinds}") from None
        nums = [row.get("start_day"), row.get("days", 1), row.get("extra_days", 0)]
        if not all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0
                   for v in nums):
            raise InputError(f"{where}: start_day, days, extra_days must be numbers >= 0")
        target = row.get("target", "supplier" if kind == DisruptionKind.SUPPLIER_DELAY else None)
        if not isinstance(target, str) or not target:
            raise InputError(f"{where}: target (a FW id) is required for {kind.value}")
        start, days, extra = (float(v) for v in nums)
        if kind == DisruptionKind.SUPPLIER_DELAY and extra == 0:
            extra = days
        out.append(Disruption(kind, target, start, days, extra))
    return tuple(out)
