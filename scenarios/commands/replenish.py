"""`fwdnet replenish SCENARIO.toml`: FW × SKU order suggestions from forecasts of the history."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from fwdnet.logistics.errors import InputError


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
    f_pos = {f: i for i, f in enumerate(fw_ids)}
    k_pos = {k: i for i, k in enumerate(sku_ids)}
    arrays = {c: np.zeros((len(fw_ids), len(sku_ids))) for c in cols[2:]}
    for line, row in enumerate(df.itertuples(index=False), start=2):
        if row.fw not in f_pos:
            raise InputError(f"row {line}: field 'fw': {row.fw!r} is not an open FW "
                             f"({', '.join(fw_ids)})", source=str(path))
        if row.sku not in k_pos:
            raise InputError(f"row {line}: field 'sku': unknown SKU {row.sku!r}",
                             source=str(path))
        for c in cols[2:]:
            v = pd.to_numeric(getattr(row, c), errors="coerce")
            if not np.isfinite(v) or v < 0:
                raise InputError(f"row {line}: field {c!r}: expected a number >= 0",
                                 source=str(path))
            arrays[c][f_pos[row.fw], k_pos[row.sku]] = v
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
    k_pos = {k: i for i, k in enumerate(sku_ids)}
    out = np.zeros(len(sku_ids))
    for line, row in enumerate(df.itertuples(index=False), start=2):
        v = pd.to_numeric(row.available, errors="coerce")
        if row.sku not in k_pos or not np.isfinite(v) or v < 0:
            raise InputError(f"row {line}: expected a known sku and available >= 0",
                             source=str(path))
        out[k_pos[row.sku]] = v
    return out


def replenish(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML (e.g. scenarios/default.toml).")],
    out: Annotated[Path | None, typer.Option(
        help="Suggestion CSV (default results/<scenario>/replenishment.csv).")] = None,
    stock: Annotated[Path | None, typer.Option(
        help="Current stock: fw,sku,on_hand,on_order,backorders (default: empty FWs).")] = None,
    cdc_stock: Annotated[Path | None, typer.Option(
        help="CDC stock: sku,available (default: unlimited).")] = None,
    case_pack: Annotated[float, typer.Option(help="Units per case (all SKUs).")] = 1.0,
    moq: Annotated[float, typer.Option(help="Minimum order quantity in units.")] = 0.0,
    allocation: Annotated[str, typer.Option(help="CDC shortage rule: fair_share or priority.")]
    = "fair_share",
    model: Annotated[str, typer.Option(help="Forecast model (see `fwdnet forecast`).")] = "lgbm",
    threads: Annotated[int, typer.Option(help="Threads for model fitting.")] = 1,
) -> None:
    """Forecast region × SKU demand, then suggest (R, S) orders per FW × SKU on inventory position.

    Writes fw, sku, stock figures, order-up-to level, order qty, days of cover and the reason.
    """
    import numpy as np

    from fwdnet.logistics.forecast.engine import cross_validate, predict, residual_sigma
    from fwdnet.logistics.forecast.models import ModelName
    from fwdnet.logistics.forecast.scenario import future_promotions, scenario_history
    from fwdnet.logistics.inventory.constraints import Allocation
    from fwdnet.logistics.inventory.replenish import ReplenishmentSettings, plan_replenishment
    from fwdnet.logistics.inventory.suggest import suggestion_table
    from fwdnet.logistics.network.load import load_scenario

    try:
        rule = Allocation(allocation)
        chosen = ModelName(model)
    except ValueError:
        known = ", ".join(m.value for m in ModelName)
        raise InputError(f"--allocation must be fair_share or priority and --model one of "
                         f"{known}", source="command line") from None
    if case_pack < 1 or moq < 0:
        raise InputError("--case-pack must be >= 1 and --moq >= 0", source="command line")
    sc = load_scenario(scenario)
    typer.echo(f"forecasting {len(sc.network.regions)} regions × {len(sc.network.skus)} SKUs "
               f"with {chosen.value} …", err=True)
    history = scenario_history(sc)
    horizon = 4
    # σ of the weekly forecast error: RMSE over 3 rolling origins of the same model
    bt = cross_validate(history, horizon=horizon, n_windows=3, models=[chosen],
                        num_threads=threads)
    sigma = residual_sigma(bt, chosen)
    fc = predict(history, horizon=horizon, model=chosen, levels=(),
                 future=future_promotions(history, sc, horizon), num_threads=threads)
    settings = ReplenishmentSettings(
        service_level=sc.policy.service_level, review_days=sc.policy.review_days,
        lead_days=sc.policy.cdc_fw_lead_days, case_pack=case_pack, moq=moq, allocation=rule)
    fws = tuple(s for s in sc.network.fw_candidates if s.existing) or sc.network.fw_candidates
    fw_ids = [s.id for s in fws]
    sku_ids = [k.id for k in sc.network.skus]
    state = _read_stock(stock, fw_ids, sku_ids) if stock else None
    cdc = _read_cdc(cdc_stock, sku_ids) if cdc_stock else None
    plan, _ = plan_replenishment(sc.network, fc, settings, fws=fws, state=state,
                                 cdc_available=cdc, sigma=sigma)
    table = suggestion_table(plan, fw_ids, sku_ids, period_unit="days")
    cats = {k.id: k.category for k in sc.network.skus}
    table.insert(1, "fw_region", [sc.network.site(f).region for f in table["fw"]])
    table.insert(3, "category", table["sku"].map(cats))
    target = out or Path("results") / sc.name / "replenishment.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        table.to_csv(tmp, index=False)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    ordered = table[table["order_qty"] > 0]
    note = "" if any(s.existing for s in sc.network.fw_candidates) else (
        " (no FW is marked existing: all FW candidates treated as open)")
    typer.echo(f"wrote {len(table)} FW×SKU rows to {target}: {len(ordered)} order lines, "
               f"{int(np.sum(plan.order)):,} units{note}")
