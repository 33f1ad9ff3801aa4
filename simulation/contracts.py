"""Fixed versus flexible supplier contracts inside the network replay (common random numbers).

The supplier side of a design's replay takes a contract (`logistics.inventory.contracts`):
the CDC orders every `review_days` on its position in lots, lead times come from the
contract's distribution (inverse CDF of the replication's supplier uniforms, so every contract
sees the same luck), and a flexible contract revises open orders within ±x% until its cut-off
(premium on delivered units, fees on revised units: the `supplier_premium` cost term). The
same design, demand and disruptions under each contract give paired 95% CIs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from pathlib import Path

import numpy as np

from fwdnet.logistics.inventory.contracts import Contract
from fwdnet.logistics.kernel.calendar import iso_week_index
from fwdnet.logistics.network.model import Scenario
from fwdnet.simulation.compare import DesignCase, interval, run_replications
from fwdnet.simulation.engine import SimulationInput
from fwdnet.simulation.results import ContractsView

# results-section metric → replication metric (`simulation.kpis.summary_of` + with_costs)
METRICS = {"fill_rate": "fill_rate", "lost_sales_units": "lost_sales_units",
           "average_stock_units": "average_stock_units", "premium_rmb": "supplier_premium_rmb",
           "total_cost_rmb": "total_cost_rmb"}


def with_contract(inp: SimulationInput, contract: Contract) -> SimulationInput:
    """The replay input with `contract` on the supplier side; the CDC's order-up-to level
    covers planned demand over the contract's mean lead time plus the CDC cover days."""
    lg = inp.logistics
    if lg is None or lg.cdc_daily_by_week is None:
        raise ValueError("contracts need the physical replay with a finite CDC")
    level = np.ceil(lg.cdc_daily_by_week * (contract.lead_time.mean + lg.cdc_cover_days))
    return dataclasses.replace(inp, logistics=dataclasses.replace(
        lg, contract=contract, cdc_order_up_to_by_week=level,
        cdc_initial=level[_start_week(inp)]))


def _start_week(inp: SimulationInput) -> int:
    return iso_week_index(inp.start)


def contract_cases(inp: SimulationInput, contracts: Sequence[Contract], fixed_cost_per_year: float,
                   open_fw: tuple[str, ...] = ()) -> list[DesignCase]:
    """One replay case per contract on the same design (the first is the baseline)."""
    names = [c.name for c in contracts]
    if not contracts or len(set(names)) != len(names):
        raise ValueError(f"contracts need distinct names, got {names}")
    return [DesignCase(c.name, with_contract(inp, c), open_fw, fixed_cost_per_year)
            for c in contracts]


def contracts_view(contracts: Sequence[Contract], cases: Sequence[DesignCase], *, seed: int,
                   replications: int, warmup: int = 0, executor: Executor | None = None,
                   on_done: Callable[[str, int], None] | None = None) -> ContractsView:
    """Replay every contract's case on common random numbers; means with 95% CIs and contract −
    baseline paired differences (the `contracts` section of results.json)."""
    metrics = run_replications(cases, seed, replications, warmup, executor, on_done=on_done)
    base = contracts[0].name
    rows = []
    for c in contracts:
        ms = metrics[c.name]
        rows.append({
            "contract": c.name, "flexible": c.flexible, "flex_pct": c.flex_pct,
            "cutoff_days": c.cutoff_days, "premium_rmb_per_unit": c.premium_rmb_per_unit,
            **{k: interval([m[v] for m in ms]).model_dump() for k, v in METRICS.items()},
            "revisions_per_run": float(np.mean([m["revision_days"] for m in ms])),
            "revised_units_per_run": float(np.mean([m["revised_units"] for m in ms])),
        })
    paired = [{"design": c.name, "baseline": base, "metric": k,
               "difference": interval([a[v] - b[v] for a, b in zip(
                   metrics[c.name], metrics[base], strict=True)]).model_dump()}
              for c in contracts[1:] for k, v in METRICS.items()]
    days = cases[0].inp.days - warmup
    return ContractsView.model_validate({
        "baseline": base, "replications": replications,
        "skus": int(cases[0].inp.initial_on_hand.shape[1]), "days": days,
        "contracts": rows, "paired": paired})


def default_contracts_path(scn: Scenario) -> Path:
    """`rules/default_contracts.toml` next to the scenario file."""
    return Path(scn.source).parent / "rules" / "default_contracts.toml"
