"""The results.json schema (the contract between engines and dashboards) and its atomic I/O.

Everything here is plain data: dashboards import only this module (times are shown in
`CHINA_TZ`, re-exported here for them). Closed vocabularies are typed: solve statuses
(`SolveStatus`), tracking event types (`EventType`), and `Literal`s for the rest. Results are
deterministic for a seed (timings live in run_meta.json, not here), so two runs give
byte-identical files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from fwdnet.logistics.kernel.clock import CHINA_TZ
from fwdnet.logistics.kernel.files import write_json_atomic as _write_json
from fwdnet.logistics.kernel.status import SolveStatus
from fwdnet.logistics.tracking.schema import EventType

__all__ = ["CHINA_TZ", "EventType", "SolveStatus"]

SCHEMA_VERSION = 1


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScenarioInfo(_Out):
    name: str
    source: str
    seed: int
    start: str  # ISO date of the first simulated day
    horizon_days: int
    stores: int
    skus: int
    fw_candidates: int


SiteKind = Literal["cdc", "fw", "store"]
EchelonName = Literal["cdc_fw", "fw_store"]
# paired metrics of the design comparison and of the contract study
PairedMetric = Literal["fill_rate", "total_cost_rmb", "lead_time_days", "co2_kg",
                       "lost_sales_units", "average_stock_units", "premium_rmb"]
RegionMetric = Literal["fill_rate", "lost_sales_units", "average_stock_units"]
StockStatus = Literal["short", "ok", "excess"]
WaybillStatus = EventType | Literal["none"]  # "none": no event by the end of the horizon


class SiteOut(_Out):
    id: str
    kind: SiteKind
    name: str
    region: str
    lon: float
    lat: float


class DesignOut(_Out):
    """Which FWs are open and which stocking node serves each store (`CDC` = direct)."""

    status: SolveStatus
    objective_rmb: float
    bound_rmb: float
    gap: float
    open_fw: list[str]
    closed_fw: list[str]
    assignment: dict[str, str]  # store id → FW id or the CDC id
    unreachable_stores: list[str]  # no candidate FW within reach: served from the CDC
    fixed_cost_rmb: float
    transport_cost_estimate_rmb: float


class RouteOut(_Out):
    echelon: EchelonName
    depot: str
    vehicle: str
    stops: list[str]  # site ids in visiting order, depot excluded
    load_units: float
    distance_m: float
    cost_rmb: float
    path: list[tuple[float, float]]  # [lon, lat] from depot through the stops back to the depot


class RoutingOut(_Out):
    """The routes of one echelon for a typical day, as planned by the routing engine."""

    echelon: EchelonName
    status: SolveStatus
    cost_rmb: float
    distance_m: float
    routes: list[RouteOut]
    unassigned: list[str]


class RoutingDay(_Out):
    """Which day the routes of `routing` (and routes.geojson / routes.csv) are planned for."""

    date: str | None  # ISO date; None = a typical day (mean daily demand of the year)
    iso_week: int | None  # 1..53 of `date`, whose planning demand loads the vehicles
    basis: str  # in words, for people


TYPICAL_DAY = RoutingDay(date=None, iso_week=None,
                         basis="typical day: mean daily demand of the year")


class KpiSummary(_Out):
    fill_rate: float
    demand_units: float
    sales_units: float
    lost_sales_units: float
    average_stock_units: float
    transport_cost_rmb: float
    holding_cost_rmb: float
    fixed_cost_rmb: float
    total_cost_rmb: float
    # optional detail from the physical replay (None when not simulated)
    handling_cost_rmb: float | None = None
    transport_cdc_fw_rmb: float | None = None
    transport_fw_store_rmb: float | None = None
    co2_kg: float | None = None
    lead_time_days: float | None = None  # order-to-delivery at the store, unit-weighted
    truck_utilisation: float | None = None  # CDC → FW units loaded / truck capacity used
    lost_sales_cost_rmb: float | None = None  # lost units × price × lost_sale_penalty_rate
    late_sales_cost_rmb: float | None = None  # units × late days × late-sale penalty per day


class DailySeries(_Out):
    """Network totals per simulated day; every list has `horizon_days` entries."""

    date: list[str]
    demand: list[float]
    sales: list[float]
    lost: list[float]
    on_hand: list[float]
    transport_cost_rmb: list[float]
    holding_cost_rmb: list[float]
    co2_kg: list[float] | None = None
    stockout_pairs: list[float] | None = None


class Interval(_Out):
    """A mean with its 95% confidence interval over replications."""

    mean: float
    low: float
    high: float


class DesignRow(_Out):
    """One simulated network design, averaged over replications (after the warm-up cut)."""

    design: str
    open_fw: list[str]
    fill_rate: Interval
    lead_time_days: Interval  # order-to-delivery at the store
    total_cost_rmb: Interval
    cost_breakdown_rmb: dict[str, float]  # fixed, transport_cdc_fw, transport_fw_store,
    #                                       transfers, handling, holding, lost_sales, late_sales
    model_cost_rmb: float | None = None  # the design model's (calibrated) estimate, same terms
    model_cost_breakdown_rmb: dict[str, float] | None = None
    lost_sales_units: float
    average_stock_units: float
    co2_kg: float
    truck_utilisation: float | None = None
    stockout_pairs_per_day: float | None = None


class PairedDifference(_Out):
    """design − baseline on the same demand (common random numbers), with its 95% CI."""

    design: str
    baseline: str
    metric: PairedMetric
    difference: Interval


class Comparison(_Out):
    baseline: str
    replications: int
    warmup_days: int
    designs: list[DesignRow]
    paired: list[PairedDifference]


class RegionKpi(_Out):
    region: str
    category: str | None = None  # None = all categories
    fill_rate: float
    lost_sales_units: float
    average_stock_units: float
    days_of_cover: float
    stockout_days: float


class HotItem(_Out):
    """Where a SKU is short and where it piles up at the end of the run."""

    sku: str
    name: str
    site: str
    region: str
    on_hand_units: float
    days_of_cover: float
    status: StockStatus


class Transfer(_Out):
    sku: str
    from_site: str
    to_site: str
    units: float
    cost_rmb: float


class SiteKpi(_Out):
    """One stocking node (FW, or the CDC serving stores directly) over the run after warm-up."""

    site: str
    region: str
    fill_rate: float
    demand_units: float
    lost_sales_units: float
    average_stock_units: float
    days_of_cover: float
    stockout_days: float  # average days out of stock per stocked SKU
    receipts_units: float
    truck_trips: float


class StockView(_Out):
    regions: list[RegionKpi]  # region × category rows (heatmap) and region totals
    stockout_pairs_by_day: list[float]  # node × SKU pairs out of stock, per simulated day
    hot_items: list[HotItem]
    transfers: list[Transfer]
    sites: list[SiteKpi] | None = None


class ForecastSeries(_Out):
    """Weekly actual and forecast units for one SKU (or category) in one region."""

    key: str  # SKU id or category
    region: str
    dates: list[str]
    actual: list[float | None]  # None where the future is not known
    forecast: list[float | None]
    low: list[float | None]  # prediction interval (e.g. 80%)
    high: list[float | None]


class AccuracyRow(_Out):
    level: str  # sku | category | region | total
    key: str
    wape: float
    mase: float | None
    bias: float


class ForecastView(_Out):
    model: str
    series: list[ForecastSeries]
    accuracy: list[AccuracyRow]


class WaybillEventOut(_Out):
    event_type: EventType
    event_time: str  # ISO 8601 with zone
    location: str | None = None


class WaybillTimeline(_Out):
    waybill_no: str
    carrier: str
    status: WaybillStatus
    events: list[WaybillEventOut]


class LateRow(_Out):
    carrier: str
    region: str
    late: int
    total: int


class WaybillView(_Out):
    status_counts: dict[WaybillStatus, int]  # last event type by the horizon end → waybills
    on_time_rate: float
    late: list[LateRow]
    timelines: list[WaybillTimeline]  # a sample for the timeline view


class ContractRow(_Out):
    """One supplier contract replayed on the shared demand paths (means and 95% CIs)."""

    contract: str
    flexible: bool
    flex_pct: float  # ±share of each order line a revision may move (0 = fixed)
    cutoff_days: int
    premium_rmb_per_unit: float
    fill_rate: Interval
    lost_sales_units: Interval
    average_stock_units: Interval
    premium_rmb: Interval
    total_cost_rmb: Interval  # holding + lost-sales penalty + premium
    revisions_per_run: float
    revised_units_per_run: float


class ContractsView(_Out):
    """Fixed versus flexible supplier contracts (simulation.contracts), paired on demand."""

    baseline: str
    replications: int
    skus: int
    days: int
    contracts: list[ContractRow]
    paired: list[PairedDifference]  # contract − baseline per metric


class AssortmentRow(_Out):
    """One assortment in one region (`all` = network), means and 95% CIs over replications."""

    assortment: str  # national | regional | regional+overrides
    region: str
    range_size: int  # SKUs listed
    fill_rate: Interval
    lost_sales_units: Interval
    average_stock_units: Interval


class AssortmentDifference(_Out):
    assortment: str
    baseline: str
    region: str
    metric: RegionMetric
    difference: Interval


class AssortmentView(_Out):
    """Regional versus national assortment (simulation.assortment) on the same demand."""

    baseline: str
    replications: int
    substitution: float  # share of an unlisted SKU's demand that moves to listed ones
    season_weeks: int = 0  # ranges re-planned every this many ISO weeks (0 = one a year)
    replay: str = "pooled"  # pooled: one stock point per region; network: the design's replay
    design: str | None = None  # the network design the ranges were replayed on
    local_promotions: int = 0  # approved local promotions in the overrides' demand
    rows: list[AssortmentRow]
    paired: list[AssortmentDifference]


class Results(_Out):
    schema_version: int = SCHEMA_VERSION
    scenario: ScenarioInfo
    sites: list[SiteOut]
    design: DesignOut
    routing: list[RoutingOut]
    kpis: KpiSummary
    node_fill_rate: dict[str, float]
    daily: DailySeries
    # optional sections, filled by the stages that produce them (None = not run)
    comparison: Comparison | None = None
    stock: StockView | None = None
    forecast: ForecastView | None = None
    waybills: WaybillView | None = None
    contracts: ContractsView | None = None
    assortment: AssortmentView | None = None
    routing_day: RoutingDay | None = None  # None: results written before routes had a day


def _rounded(value: Any, digits: int = 6) -> Any:
    """Round floats so the JSON text is stable and compact."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: _rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v, digits) for v in value]
    return value


def write_json_atomic(path: Path, payload: Any) -> None:
    """Rounded, key-sorted JSON written atomically (temp file + rename): never half a file."""
    _write_json(path, _rounded(payload), indent=1, sort_keys=True)


def write_results(path: Path, results: Results) -> None:
    write_json_atomic(path, results.model_dump(mode="json"))


def read_results(path: Path) -> Results:
    """Parse and validate a results.json (raises ValueError with the field path when invalid)."""
    return Results.model_validate_json(Path(path).read_text(encoding="utf-8"))
