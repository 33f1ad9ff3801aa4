"""Scenario files → frozen domain objects: TOML settings plus CSV data, validated once here.

Every error is a `logistics.errors.InputError` naming the file, the row (its line number in
the file) or key, and what was expected. Nothing downstream re-validates.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import os
import tomllib
from collections.abc import Collection, Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from fwdnet.logistics.errors import InputError
from fwdnet.logistics.kernel.arrays import frozen
from fwdnet.logistics.network.model import (
    CostCalibration,
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
    frozen_array,
)

M = TypeVar("M", bound=BaseModel)
NonNeg = Annotated[float, Field(ge=0)]
Pos = Annotated[float, Field(gt=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---- TOML settings -------------------------------------------------------------------------


class ScenarioSection(_Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    seed: int = 0
    start: date = date(2026, 1, 1)
    horizon_days: int = Field(default=365, ge=1, le=3660)


class DataSection(_Strict):
    sites: str = "sites.csv"
    skus: str = "skus.csv"
    seasonality: str = "seasonality.csv"
    promotions: str | None = None
    affinity: str | None = None
    demand_history: str = "demand_history.csv"


class NetworkSection(_Strict):
    road_factor: float = Field(default=1.3, ge=1.0, le=5.0)
    # the sales regions sites may name; None = the regions of the seasonality file
    regions: list[Annotated[str, Field(min_length=1)]] | None = None


class CalibrationSection(_Strict):
    transport_cdc_fw: Pos = 1.0
    transport_fw_store: Pos = 1.0
    handling: Pos = 1.0
    holding: Pos = 1.0
    lost_sales: Pos = 1.0
    late_sales: Pos = 1.0


class CostsSection(_Strict):
    holding_rate_per_year: NonNeg = 0.25
    lost_sale_penalty_rate: NonNeg = 0.5
    cdc_fw_handling_rmb_per_unit: NonNeg = 0.3
    late_sale_share_per_day: NonNeg = 0.05
    parcel_rmb_per_kg: NonNeg = 1.2
    calibration: CalibrationSection = CalibrationSection()


class PolicySection(_Strict):
    service_level: float = Field(default=0.95, gt=0, lt=1)
    review_days: int = Field(default=7, ge=1)
    cdc_fw_lead_days: int = Field(default=2, ge=0)
    fw_store_lead_days: int = Field(default=1, ge=0)
    cdc_direct_lead_days: int = Field(default=3, ge=0)
    max_store_distance_km: Pos = 250.0
    min_open_fw: int = Field(default=1, ge=0)
    max_open_fw: int | None = Field(default=None, ge=1)
    lost_sales: bool = True
    supplier_lead_days: NonNeg = 10.0
    cdc_cover_days: NonNeg = 21.0


class VehicleSection(_Strict):
    name: str = Field(min_length=1)
    echelon: Echelon
    capacity_units: int = Field(gt=0)
    capacity_m3: Pos = 1e9
    count: int = Field(default=1, ge=1)
    fixed_cost_rmb: NonNeg = 0.0
    cost_per_km_rmb: NonNeg = 0.0
    cost_per_hour_rmb: NonNeg = 0.0
    speed_kmh: Pos = 50.0
    shift_hours: Pos = 10.0


class SolverSection(_Strict):
    routing_time_limit_s: Pos = 5.0
    design_time_limit_s: Pos = 30.0


class ScenarioFile(_Strict):
    """The whole TOML document; an empty `[section]` means its defaults."""

    scenario: ScenarioSection
    data: DataSection = DataSection()
    network: NetworkSection = NetworkSection()
    costs: CostsSection = CostsSection()
    policy: PolicySection = PolicySection()
    vehicles: list[VehicleSection] = Field(default_factory=list, validate_default=True)
    solver: SolverSection = SolverSection()

    @field_validator("vehicles")
    @classmethod
    def _both_echelons(cls, v: list[VehicleSection]) -> list[VehicleSection]:
        missing = {e.value for e in Echelon} - {x.echelon.value for x in v}
        if missing:
            raise ValueError(f"needs at least one vehicle for echelon(s) {sorted(missing)}")
        return v


# ---- CSV rows ------------------------------------------------------------------------------


def _blank_to_default(v: Any, default: Any) -> Any:
    return default if v is None or (isinstance(v, str) and v.strip() == "") else v


class SiteRow(_Strict):
    id: str = Field(min_length=1)
    kind: SiteKind
    name: str = ""
    city: str = ""
    region: str = Field(min_length=1)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    capacity_units: NonNeg = math.inf
    capacity_m3: NonNeg = math.inf
    fixed_cost_rmb: NonNeg = 0.0
    handling_rmb_per_unit: NonNeg = 0.0
    weight: NonNeg = 1.0
    existing: bool = False

    @field_validator("capacity_units", "capacity_m3", mode="before")
    @classmethod
    def _inf(cls, v: Any) -> Any:
        return _blank_to_default(v, math.inf)

    @field_validator("fixed_cost_rmb", "handling_rmb_per_unit", mode="before")
    @classmethod
    def _zero(cls, v: Any) -> Any:
        return _blank_to_default(v, 0.0)

    @field_validator("weight", mode="before")
    @classmethod
    def _one(cls, v: Any) -> Any:
        return _blank_to_default(v, 1.0)

    @field_validator("existing", mode="before")
    @classmethod
    def _false(cls, v: Any) -> Any:
        return _blank_to_default(v, False)


class SkuRow(_Strict):
    id: str = Field(min_length=1)
    name: str = ""
    category: str = Field(min_length=1)
    unit_volume_m3: Pos
    unit_weight_kg: Pos
    unit_cost_rmb: NonNeg
    price_rmb: NonNeg
    base_daily_demand: NonNeg
    hot: bool = False


class SeasonRow(_Strict):
    region: str
    category: str
    week: int = Field(ge=1, le=53)
    factor: NonNeg


class AffinityRow(_Strict):
    region: str
    sku: str
    factor: NonNeg


class PromotionRow(_Strict):
    name: str = Field(min_length=1)
    start: date
    end: date
    lift: Pos
    categories: str = ""
    regions: str = ""


SITE_COLUMNS = ("id", "kind", "region", "lon", "lat")
SKU_COLUMNS = ("id", "category", "unit_volume_m3", "unit_weight_kg", "unit_cost_rmb",
               "price_rmb", "base_daily_demand")
SEASON_COLUMNS = ("region", "category", "week", "factor")
PROMO_COLUMNS = ("name", "start", "end", "lift")
HISTORY_COLUMNS = ("week_start", "region", "sku", "quantity")
AFFINITY_COLUMNS = ("region", "sku", "factor")


def _open_text(path: Path) -> io.TextIOBase:
    if not path.is_file():
        raise InputError("file not found", source=str(path))
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")  # closed by the caller


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a CSV file after checking its header."""
    with _open_text(path) as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in required if c not in header]
        if missing:
            raise InputError(
                f"missing column(s) {', '.join(missing)}; expected at least {', '.join(required)}",
                source=str(path),
            )
        for row in reader:
            yield reader.line_num, {k: v for k, v in row.items() if k is not None}


def _parse_row(model: type[M], path: Path, line: int, row: dict[str, str]) -> M:
    clean = {k: v for k, v in row.items() if v is not None and v.strip() != ""}
    try:
        return model.model_validate(clean)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(x) for x in err["loc"]) or "?"
        got = row.get(str(err["loc"][0]), "") if err["loc"] else ""
        what = "missing value" if err["type"] == "missing" else err["msg"]
        raise InputError(
            f"row {line}: field '{field}': {what} (got {got!r})", source=str(path)
        ) from None


def _unique(path: Path, items: list[tuple[int, str]], what: str) -> None:
    seen: dict[str, int] = {}
    for line, key in items:
        if key in seen:
            raise InputError(f"row {line}: duplicate {what} {key!r} (first at row {seen[key]})",
                             source=str(path))
        seen[key] = line


def load_sites(path: Path, regions: Collection[str] | None = None,
               regions_from: str = "the declared regions") -> tuple[Site, ...]:
    """Sites of a CSV file; with `regions`, a site naming another region is an error (a typo
    such as 'ZZ' must not become a region of its own)."""
    rows = [(line, _parse_row(SiteRow, path, line, r)) for line, r in _rows(path, SITE_COLUMNS)]
    _unique(path, [(line, r.id) for line, r in rows], "site id")
    if regions is not None:
        for line, r in rows:
            if r.region not in regions:
                raise InputError(
                    f"row {line}: field 'region': unknown region {r.region!r} of site {r.id!r}; "
                    f"expected one of {regions_from}: {', '.join(sorted(regions))}",
                    source=str(path))
    sites = tuple(Site(**r.model_dump()) for _, r in rows)
    kinds = [s.kind for s in sites]
    for kind in SiteKind:
        if kind not in kinds:
            raise InputError(f"no site of kind '{kind.value}'; expected at least one",
                             source=str(path))
    if kinds.count(SiteKind.CDC) != 1:
        raise InputError("expected exactly one site of kind 'cdc'", source=str(path))
    return sites


def load_skus(path: Path) -> tuple[Sku, ...]:
    rows = [(line, _parse_row(SkuRow, path, line, r)) for line, r in _rows(path, SKU_COLUMNS)]
    _unique(path, [(line, r.id) for line, r in rows], "SKU id")
    if not rows:
        raise InputError("no SKUs; expected at least one row", source=str(path))
    return tuple(Sku(**r.model_dump()) for _, r in rows)


def _known(path: Path, line: int, field: str, value: str, positions: dict[str, int]) -> int:
    """The index of `value` among the known ones, or an error naming the row and field."""
    if value not in positions:
        raise InputError(f"row {line}: field '{field}': unknown {field} {value!r}",
                         source=str(path))
    return positions[value]


def declared_regions(season_path: Path) -> frozenset[str]:
    """The regions a seasonality file lists: the scenario's regions unless the TOML lists
    them under `[network] regions`."""
    return frozenset(raw["region"].strip() for _, raw in _rows(season_path, SEASON_COLUMNS))


def load_seasonality(path: Path, regions: tuple[str, ...], categories: tuple[str, ...]) -> Any:
    """(regions, categories, 53) multipliers; missing (region, category, week) cells are 1."""
    season = np.ones((len(regions), len(categories), 53))
    rpos = {r: i for i, r in enumerate(regions)}
    cpos = {c: i for i, c in enumerate(categories)}
    for line, raw in _rows(path, SEASON_COLUMNS):
        row = _parse_row(SeasonRow, path, line, raw)
        r = _known(path, line, "region", row.region, rpos)
        c = _known(path, line, "category", row.category, cpos)
        season[r, c, row.week - 1] = row.factor
    return frozen_array(season)


def load_affinity(path: Path, regions: tuple[str, ...], skus: tuple[Sku, ...]) -> Any:
    """(regions, skus) local-taste multipliers; missing (region, SKU) cells are 1."""
    out = np.ones((len(regions), len(skus)))
    rpos = {r: i for i, r in enumerate(regions)}
    kpos = {k.id: i for i, k in enumerate(skus)}
    for line, raw in _rows(path, AFFINITY_COLUMNS):
        row = _parse_row(AffinityRow, path, line, raw)
        out[_known(path, line, "region", row.region, rpos),
            _known(path, line, "sku", row.sku, kpos)] = row.factor
    return frozen_array(out)


def _split(v: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in v.split(";") if x.strip())


def load_promotions(
    path: Path, regions: tuple[str, ...], categories: tuple[str, ...]
) -> tuple[Promotion, ...]:
    promos = []
    for line, raw in _rows(path, PROMO_COLUMNS):
        row = _parse_row(PromotionRow, path, line, raw)
        if row.end < row.start:
            raise InputError(f"row {line}: field 'end': {row.end} is before start {row.start}",
                             source=str(path))
        cats, regs = _split(row.categories), _split(row.regions)
        for field, values, known in (("categories", cats, categories), ("regions", regs, regions)):
            unknown = sorted(set(values) - set(known))
            if unknown:
                raise InputError(f"row {line}: field '{field}': unknown {unknown}",
                                 source=str(path))
        promos.append(Promotion(row.name, row.start, row.end, row.lift, cats, regs))
    return tuple(promos)


def load_history(path: Path, regions: tuple[str, ...], skus: tuple[Sku, ...]) -> DemandHistory:
    """Weekly region × SKU sales; checked column-wise with numpy (the file has ~1M rows)."""
    import pandas as pd

    if not path.is_file():
        raise InputError("file not found", source=str(path))
    try:
        df = pd.read_csv(path, dtype={"region": str, "sku": str}, keep_default_na=False)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise InputError(f"unreadable CSV ({exc})", source=str(path)) from None
    missing = [c for c in HISTORY_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}; expected "
                         f"{', '.join(HISTORY_COLUMNS)}", source=str(path))

    def fail(mask: Any, field: str, what: str) -> None:
        bad = np.flatnonzero(np.asarray(mask))
        if bad.size:
            i = int(bad[0])
            raise InputError(f"row {i + 2}: field '{field}': {what} (got '{df[field].iloc[i]}')",
                             source=str(path))

    qty = pd.to_numeric(df["quantity"], errors="coerce")
    fail(qty.isna(), "quantity", "expected a number")
    fail(qty < 0, "quantity", "negative demand; expected >= 0")
    weeks = pd.to_datetime(df["week_start"], errors="coerce", format="%Y-%m-%d")
    fail(weeks.isna(), "week_start", "expected a date YYYY-MM-DD")
    fail(~df["region"].isin(regions), "region", "unknown region (not in sites file)")
    sku_ids = [k.id for k in skus]
    fail(~df["sku"].isin(sku_ids), "sku", "unknown SKU (not in SKU file)")
    dup = df.duplicated(subset=["week_start", "region", "sku"])
    fail(dup, "sku", "duplicate (week_start, region, sku) row")

    week_values = np.sort(weeks.unique())
    week_pos = {w: i for i, w in enumerate(week_values)}
    qty_arr = np.zeros((len(regions), len(skus), len(week_values)), dtype=np.int64)
    r_idx = df["region"].map({r: i for i, r in enumerate(regions)}).to_numpy()
    k_idx = df["sku"].map({k: i for i, k in enumerate(sku_ids)}).to_numpy()
    w_idx = weeks.map(week_pos).to_numpy()
    qty_arr[r_idx, k_idx, w_idx] = np.rint(qty.to_numpy()).astype(np.int64)
    starts = tuple(pd.Timestamp(w).date() for w in week_values)
    return DemandHistory(week_start=starts, quantity=frozen(qty_arr))


def _validate_file(path: Path) -> ScenarioFile:
    if not path.is_file():
        raise InputError("scenario file not found", source=str(path))
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid TOML ({exc})", source=str(path)) from None
    try:
        return ScenarioFile.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(x) for x in err["loc"])
        what = "missing" if err["type"] == "missing" else err["msg"]
        raise InputError(f"key '{key}': {what}", source=str(path)) from None


def load_scenario(path: str | Path) -> Scenario:
    """Parse and validate a scenario TOML and the CSV files it names (relative to the TOML)."""
    path = Path(path)
    cfg = _validate_file(path)
    base = path.parent

    def data(name: str) -> Path:
        return Path(os.path.normpath(base / name))

    season_path = data(cfg.data.seasonality)
    if cfg.network.regions is not None:
        known, known_from = frozenset(cfg.network.regions), f"{path}'s [network] regions"
    else:
        known, known_from = declared_regions(season_path), f"the regions of {season_path}"
    sites = load_sites(data(cfg.data.sites), known, known_from)
    skus = load_skus(data(cfg.data.skus))
    regions = tuple(sorted({s.region for s in sites}))
    categories = tuple(sorted({k.category for k in skus}))
    season = load_seasonality(season_path, regions, categories)
    affinity = (load_affinity(data(cfg.data.affinity), regions, skus)
                if cfg.data.affinity else None)
    promos = (load_promotions(data(cfg.data.promotions), regions, categories)
              if cfg.data.promotions else ())
    history = load_history(data(cfg.data.demand_history), regions, skus)
    p = cfg.policy
    n_fw = sum(1 for s in sites if s.kind == SiteKind.FW)
    if p.max_open_fw is not None and p.max_open_fw < p.min_open_fw:
        raise InputError("key 'policy.max_open_fw': below policy.min_open_fw", source=str(path))
    if p.min_open_fw > n_fw:
        raise InputError(f"key 'policy.min_open_fw': {p.min_open_fw} exceeds the {n_fw} FW "
                         "candidates in the sites file", source=str(path))
    return Scenario(
        name=cfg.scenario.name,
        source=str(path),
        seed=cfg.scenario.seed,
        start=cfg.scenario.start,
        horizon_days=cfg.scenario.horizon_days,
        road_factor=cfg.network.road_factor,
        network=Network(sites, skus, regions, categories, season, promos, affinity),
        history=history,
        vehicles=tuple(VehicleType(**v.model_dump()) for v in cfg.vehicles),
        costs=Costs(**{**cfg.costs.model_dump(exclude={"calibration"}),
                       "calibration": CostCalibration(**cfg.costs.calibration.model_dump())}),
        policy=Policy(**p.model_dump()),
        routing_time_limit_s=cfg.solver.routing_time_limit_s,
        design_time_limit_s=cfg.solver.design_time_limit_s,
    )

