"""`fwdnet replenish SCENARIO.toml`: FW × SKU and store × SKU order suggestions on the design's
network, from one forecast run of the region × SKU history (ensemble + calibrated intervals)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from fwdnet.logistics.errors import InputError

HORIZON_WEEKS = 4
WINDOWS = 2  # backtest origins: choose the ensemble and calibrate the intervals
TREES = 150


class _Progress:
    """Elapsed-time lines on stderr (a terminal shows them as they happen)."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()

    def __call__(self, msg: str) -> None:
        typer.echo(f"[{time.perf_counter() - self.t0:6.1f} s] {msg}", err=True)


def _read_stock(path: Path, fw_ids: list[str], sku_ids: list[str]) -> Any:
    """(fw, sku) on_hand, on_order, backorders from `fw,sku,on_hand,on_order,backorders`."""
    import numpy as np
    import pandas as pd

    from fwdnet.logistics.inventory.policies import InventoryState

    if not path.is_file():
        raise InputError("file not found", source=str(path))
    df = pd.read_csv(path, dtype={"fw": str, "sku": str})
    cols = ["fw", "sku", "on_hand", "on_order", "backorders"]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}; expected {','.join(cols)}",
                         source=str(path))
    fi = pd.Index(fw_ids).get_indexer(df["fw"])
    ki = pd.Index(sku_ids).get_indexer(df["sku"])
    if (fi < 0).any():
        i = int(np.flatnonzero(fi < 0)[0])
        raise InputError(f"row {i + 2}: field 'fw': {df['fw'].iloc[i]!r} is not an open FW "
                         f"({', '.join(fw_ids)})", source=str(path))
    if (ki < 0).any():
        i = int(np.flatnonzero(ki < 0)[0])
        raise InputError(f"row {i + 2}: field 'sku': unknown SKU {df['sku'].iloc[i]!r}",
                         source=str(path))
    arrays = {}
    for c in cols[2:]:
        v = pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isfinite(v) | (v < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"row {i + 2}: field {c!r}: expected a number >= 0 (got "
                             f"{df[c].iloc[i]!r})", source=str(path))
        a = np.zeros((len(fw_ids), len(sku_ids)))
        a[fi, ki] = v
        arrays[c] = a
    return InventoryState.of(arrays["on_hand"], arrays["on_order"], arrays["backorders"])


def _read_cdc(path: Path, sku_ids: list[str]) -> Any:
    """(sku,) units available at the CDC from `sku,available` (SKUs not listed: 0)."""
    import numpy as np
    import pandas as pd

    if not path.is_file():
        raise InputError("file not found", source=str(path))
    df = pd.read_csv(path, dtype={"sku": str})
    if not {"sku", "available"} <= set(df.columns):
        raise InputError("expected columns sku,available", source=str(path))
    ki = pd.Index(sku_ids).get_indexer(df["sku"])
    v = pd.to_numeric(df["available"], errors="coerce").to_numpy(dtype=np.float64)
    bad = (ki < 0) | ~np.isfinite(v) | (v < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"row {i + 2}: expected a known sku and available >= 0",
                         source=str(path))
    out = np.zeros(len(sku_ids))
    out[ki] = v
    return out


def open_network(sc: Any, design: Path | None, fws: str | None) -> tuple[Any, Any, str]:
    """(open FW sites, store → FW index (−1 = CDC-direct), where they came from).

    The one place replenishment asks which FWs are open: `--fws`, a `--design` file, or the
    scenario's own design (`plan_network`, the design every command plans).
    """
    import numpy as np

    from fwdnet.logistics.inventory.replenish import nearest_fw

    net = sc.network
    by_id = {s.id: s for s in net.fw_candidates}
    if fws is not None:
        ids = [x.strip() for x in fws.split(",") if x.strip()]
        unknown = [x for x in ids if x not in by_id]
        if unknown or not ids:
            raise InputError(f"--fws: unknown FW {unknown[0] if unknown else '(none)'!r}; "
                             f"expected some of {', '.join(by_id)}", source="command line")
        sites = tuple(by_id[x] for x in dict.fromkeys(ids))
        return sites, nearest_fw(net, sites), f"--fws ({len(sites)} FWs, nearest FW per store)"
    if design is not None:
        open_ids, assignment = _read_design(design, by_id, [s.id for s in net.stores])
        sites = tuple(by_id[x] for x in open_ids)
        pos = {f: i for i, f in enumerate(open_ids)}
        store_fw = np.array([pos.get(assignment.get(s.id, ""), -1) for s in net.stores])
        return sites, store_fw, f"{design} ({len(sites)} open FWs)"
    from fwdnet.logistics.design.network_design import plan_network

    plan = plan_network(sc)  # the one NetworkDesign function (routes are not needed here)
    pos = {f: i for i, f in enumerate(plan.open_fw)}
    store_fw = np.array([pos.get(plan.node_ids[int(n)], -1) for n in plan.store_node])
    return (tuple(by_id[x] for x in plan.open_fw), store_fw,
            f"the scenario's design ({len(plan.open_fw)} of {len(by_id)} FWs open)")


def _read_design(path: Path, fws: dict[str, Any], stores: list[str]
                 ) -> tuple[list[str], dict[str, str]]:
    """open_fw and store assignment from design.json (`fwdnet design run`) or results.json."""
    if not path.is_file():
        raise InputError("file not found", source=str(path))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"not JSON ({exc})", source=str(path)) from None
    section = data.get("location") or data.get("design") or data if isinstance(data, dict) \
        else None
    if not isinstance(section, dict) or not isinstance(section.get("open_fw"), list):
        raise InputError("key 'open_fw': missing; expected a design.json (fwdnet design run) "
                         "or a results.json with a 'design' section", source=str(path))
    open_ids = [str(x) for x in section["open_fw"]]
    bad = [x for x in open_ids if x not in fws]
    if bad or not open_ids:
        raise InputError(f"key 'open_fw': unknown FW {bad[0] if bad else '(none)'!r}; "
                         f"expected FW ids of this scenario", source=str(path))
    assignment = section.get("assignment") or {}
    if not isinstance(assignment, dict):
        raise InputError("key 'assignment': expected an object store → FW", source=str(path))
    known = set(stores)
    stray = [k for k in assignment if k not in known]
    if stray:
        raise InputError(f"key 'assignment': unknown store {stray[0]!r}; the design belongs "
                         "to another scenario", source=str(path))
    return open_ids, {str(k): str(v) for k, v in assignment.items()}


NOT_IN_RANGE = "not in range"


def range_mask(sc: Any, kind: str, site_ids: tuple[str, ...]) -> Any:
    """(sites, skus) SKUs each site's region lists in the `kind` range (regional or national)
    in force in the scenario's start week; InputError without the HQ rules."""
    from fwdnet.logistics.assortment import load_rules, plan_ranges, resolve_rules
    from fwdnet.logistics.kernel.calendar import iso_week_index
    from fwdnet.simulation.assortment import default_rules_path

    if kind not in ("regional", "national"):
        raise InputError(f"--ranges must be regional or national, got {kind!r}",
                         source="command line")
    path = default_rules_path(sc)
    if not path.is_file():
        raise InputError(f"--ranges needs the HQ assortment rules {path}", source=sc.source)
    rules = load_rules(path)
    regional, national, _ = plan_ranges(sc, resolve_rules(sc, rules, source=str(path)),
                                        season_weeks=rules.season_weeks,
                                        shrinkage=rules.shrinkage, similar=rules.similar_regions)
    plan = regional if kind == "regional" else national
    return plan.at_week(iso_week_index(sc.start)).site_mask(sc.network, site_ids)


def not_in_range(table: Any, listed: Any) -> Any:
    """Lines (site-major, SKU-minor) whose SKU the site's region does not list: no stock
    target, no order, reason 'not in range'."""
    out = table.copy()
    off = ~listed.ravel()
    out.loc[off, ["order_up_to", "order_qty"]] = 0
    out.loc[off, "reason"] = NOT_IN_RANGE
    return out


def _write_csv(frame: Any, target: Path) -> None:
    """Temp file + rename; Arrow's CSV writer (4× pandas' at a million store × SKU rows)."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    from fwdnet.logistics.kernel.files import atomic_path

    with atomic_path(target) as tmp:
        pa_csv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), str(tmp),
                         write_options=pa_csv.WriteOptions(quoting_style="needed"))


def replenish(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML (e.g. scenarios/default.toml).")],
    out: Annotated[Path | None, typer.Option(
        help="FW × SKU suggestion CSV (default results/<scenario>/replenishment.csv; the store "
             "× SKU lines go beside it as replenishment_stores.csv).")] = None,
    design: Annotated[Path | None, typer.Option(
        help="design.json (fwdnet design run) or results.json: its open FWs and store "
             "assignment (default: the scenario's own design).")] = None,
    fws: Annotated[str | None, typer.Option(
        help="Comma-separated FW ids to plan instead (stores go to the nearest).")] = None,
    stock: Annotated[Path | None, typer.Option(
        help="Current stock: fw,sku,on_hand,on_order,backorders (default: empty FWs).")] = None,
    cdc_stock: Annotated[Path | None, typer.Option(
        help="CDC stock: sku,available (default: unlimited).")] = None,
    case_pack: Annotated[float, typer.Option(help="Units per case (all SKUs).")] = 1.0,
    moq: Annotated[float, typer.Option(help="Minimum order quantity in units.")] = 0.0,
    allocation: Annotated[str, typer.Option(help="CDC shortage rule: fair_share or priority.")]
    = "fair_share",
    model: Annotated[str, typer.Option(
        help="Forecast model, or 'auto': an ensemble chosen by backtest.")] = "auto",
    threads: Annotated[int, typer.Option(help="Threads for model fitting.")] = 1,
    ranges: Annotated[str | None, typer.Option(
        help="Order only what each site's region lists: regional or national (HQ rules in "
             "rules/default_assortment.toml beside the scenario; the range of the scenario's "
             "start week). Other lines get no order and the reason 'not in range'.")] = None,
) -> None:
    """Forecast region × SKU demand once, then (R, S) orders per FW × SKU and store × SKU.

    Each line has the stock figures, order-up-to level, order qty, days of cover and the reason.
    """
    import numpy as np

    from fwdnet.logistics.forecast.models import ModelName
    from fwdnet.logistics.forecast.pipeline import run_forecast
    from fwdnet.logistics.forecast.scenario import future_promotions, scenario_history
    from fwdnet.logistics.inventory.constraints import Allocation
    from fwdnet.logistics.inventory.replenish import (
        ReplenishmentSettings,
        StoreSettings,
        plan_replenishment,
        plan_stores,
    )
    from fwdnet.logistics.inventory.suggest import suggestion_table
    from fwdnet.logistics.network.load import load_scenario

    say = _Progress()
    try:
        rule = Allocation(allocation)
    except ValueError:
        raise InputError("--allocation must be fair_share or priority",
                         source="command line") from None
    if model == "auto":
        models = [ModelName.NAIVE, ModelName.SEASONAL_NAIVE, ModelName.WINDOW_AVERAGE,
                  ModelName.LGBM]
    else:
        try:
            models = [ModelName(model)]
        except ValueError:
            known = ", ".join(m.value for m in ModelName)
            raise InputError(f"--model must be auto or one of {known}",
                             source="command line") from None
    if case_pack < 1 or moq < 0:
        raise InputError("--case-pack must be >= 1 and --moq >= 0", source="command line")
    if design is not None and fws is not None:
        raise InputError("give --design or --fws, not both", source="command line")
    sc = load_scenario(scenario)
    net = sc.network
    say(f"loaded {scenario.name}: {len(net.regions)} regions × {len(net.skus)} SKUs, "
        f"{len(net.stores)} stores")
    fw_sites, store_fw, where = open_network(sc, design, fws)
    say(f"network: {where}; {int((store_fw < 0).sum())} stores served from the CDC")
    history = scenario_history(sc)
    run = run_forecast(history, horizon=HORIZON_WEEKS,
                       future=future_promotions(history, sc, HORIZON_WEEKS),
                       models=models, n_windows=WINDOWS, levels=(80,),
                       num_threads=threads, seed=sc.seed, n_estimators=TREES, progress=say)
    say(f"forecast: {run.forecast['unique_id'].nunique()} series, "
        f"{len(run.cold_start)} from the cold-start profile")
    settings = ReplenishmentSettings(
        service_level=sc.policy.service_level, review_days=sc.policy.review_days,
        lead_days=sc.policy.cdc_fw_lead_days, case_pack=case_pack, moq=moq, allocation=rule)
    fw_ids = [s.id for s in fw_sites]
    sku_ids = [k.id for k in net.skus]
    state = _read_stock(stock, fw_ids, sku_ids) if stock else None
    cdc = _read_cdc(cdc_stock, sku_ids) if cdc_stock else None
    plan, _ = plan_replenishment(net, run.forecast, settings, fws=fw_sites, store_fw=store_fw,
                                 state=state, cdc_available=cdc)
    splan = plan_stores(net, run.forecast, settings,
                        StoreSettings(fw_lead_days=sc.policy.fw_store_lead_days,
                                      cdc_lead_days=sc.policy.cdc_direct_lead_days), store_fw)
    say("order plans: FW × SKU and store × SKU")
    cats = np.array([k.category for k in net.skus], dtype=object)
    table = suggestion_table(plan, fw_ids, sku_ids, period_unit="days")
    table.insert(1, "fw_region", np.repeat([s.region for s in fw_sites], len(sku_ids)))
    table.insert(3, "category", np.tile(cats, len(fw_ids)))
    store_ids = [s.id for s in net.stores]
    source = np.where(store_fw >= 0, np.array([*fw_ids, ""], dtype=object)[store_fw],
                      net.cdc.id)
    stable = suggestion_table(splan, store_ids, sku_ids, period_unit="days")
    stable = stable.rename(columns={"fw": "store"})
    stable.insert(1, "source", np.repeat(source, len(sku_ids)))
    stable.insert(3, "category", np.tile(cats, len(store_ids)))
    if ranges is not None:
        table = not_in_range(table, range_mask(sc, ranges, tuple(fw_ids)))
        stable = not_in_range(stable, range_mask(sc, ranges, tuple(store_ids)))
        say(f"ranges: {ranges}; {int((table['reason'] == NOT_IN_RANGE).sum()):,} FW×SKU lines "
            "not in range")
    target = out or Path("results") / sc.name / "replenishment.csv"
    store_target = target.with_name(target.stem + "_stores.csv")
    _write_csv(table, target)
    _write_csv(stable, store_target)
    ordered = int((table["order_qty"] > 0).sum())
    units = int(table["order_qty"].sum())
    say(f"wrote {len(table):,} FW×SKU rows to {target}: {ordered:,} order lines, "
        f"{units:,} units")
    typer.echo(f"wrote {len(table):,} FW×SKU rows to {target} ({ordered:,} order lines, "
               f"{units:,} units) and {len(stable):,} store×SKU rows to "
               f"{store_target} ({int((stable['order_qty'] > 0).sum()):,} order lines); "
               f"FWs from {where}")
