"""`fwdnet assortment …`: regional range suggestions, region overrides, and the chain remedies'
simulated comparisons (regional vs national range; fixed vs flexible supplier contract)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from fwdnet.logistics.errors import InputError
from fwdnet.logistics.kernel.files import atomic_path

app = typer.Typer(help="Regional assortment within HQ rules, and supplier-contract comparison.",
                  no_args_is_help=True)

RulesOpt = Annotated[Path | None, typer.Option(
    "--rules", help="HQ assortment rules TOML (default: rules/default_assortment.toml next to "
                    "the scenario).")]


def _write_csv(frame: Any, target: Path) -> None:
    """Write a DataFrame atomically (temp file + rename)."""
    with atomic_path(target) as tmp:
        frame.to_csv(tmp, index=False)


def _load(scenario: Path, rules: Path | None) -> tuple[Any, Any, Any]:
    from fwdnet.logistics.assortment import load_rules, resolve_rules
    from fwdnet.logistics.network.load import load_scenario
    from fwdnet.simulation.assortment import default_rules_path

    sc = load_scenario(scenario)
    path = rules or default_rules_path(sc)
    raw = load_rules(path)
    return sc, raw, resolve_rules(sc, raw, source=str(path))


SeasonOpt = Annotated[int | None, typer.Option(
    "--season-weeks", min=0, max=53,
    help="Re-plan ranges every N ISO weeks from last year's same weeks (0 = one range a year; "
         "default: the rules' season_weeks).")]


@app.command("suggest")
def suggest_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML (e.g. scenarios/default.toml).")],
    region: Annotated[list[str] | None, typer.Option(
        help="Region code(s) to suggest for (repeatable; default all).")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Suggestion CSV (default results/<scenario>/assortment_suggestions.csv).")] = None,
    rules: RulesOpt = None,
    season_weeks: SeasonOpt = None,
) -> None:
    """Suggest each region's range from its sales history, within HQ rules.

    One row per season × region × SKU: action relative to the national range
    (keep/add/drop/skip), whether listed, ranks, expected units in the season and the reason.
    """
    import dataclasses

    import pandas as pd

    from fwdnet.logistics.assortment import plan_ranges

    sc, raw, resolved = _load(scenario, rules)
    weeks = raw.season_weeks if season_weeks is None else season_weeks
    _, _, rows = plan_ranges(sc, resolved, season_weeks=weeks, shrinkage=raw.shrinkage,
                             similar=raw.similar_regions, regions=region or None)
    table = pd.DataFrame([dataclasses.asdict(r) for r in rows])
    target = out or Path("results") / sc.name / "assortment_suggestions.csv"
    _write_csv(table, target)
    seasons = table["season_start_week"].nunique()
    for code in region or sc.network.regions:
        sub = table[table["region"] == code]
        counts = sub["action"].value_counts()
        typer.echo(f"{code}: {int(sub['listed'].sum()) // seasons} SKUs listed per season (max "
                   f"{resolved.max_range[code]}), add {int(counts.get('add', 0))}, "
                   f"drop {int(counts.get('drop', 0))} vs the national range over {seasons} "
                   f"season(s)")
    typer.echo(f"wrote {len(table)} rows to {target}")


@app.command("apply")
def apply_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML.")],
    overrides: Annotated[Path, typer.Argument(
        help="Region overrides CSV: region,action,sku,category,lift,start,end "
             "(action add/remove/promote).")],
    out: Annotated[Path | None, typer.Option(
        help="Resulting assortment CSV (default results/<scenario>/assortment.csv).")] = None,
    rules: RulesOpt = None,
    region_scope: Annotated[str | None, typer.Option(
        help="Only this region may be changed (as an API key region:<code> would allow).")]
    = None,
    season_weeks: SeasonOpt = None,
) -> None:
    """Validate region overrides against HQ rules and write the resulting assortment.

    Any change that breaks a rule is listed with the rule's name and nothing is written
    (exit code 2).
    """
    import pandas as pd

    from fwdnet.logistics.assortment import plan_ranges
    from fwdnet.logistics.assortment.overrides import apply_overrides_plan, read_overrides

    sc, raw, resolved = _load(scenario, rules)
    rows = read_overrides(overrides, sc.network)
    weeks = raw.season_weeks if season_weeks is None else season_weeks
    plan, _, _ = plan_ranges(sc, resolved, season_weeks=weeks, shrinkage=raw.shrinkage,
                             similar=raw.similar_regions)
    plan, refused = apply_overrides_plan(plan, resolved, sc.network, rows,
                                         region_scope=region_scope)
    if refused:
        for r in refused:
            typer.echo(f"refused {r.line()}", err=True)
        raise InputError(f"{len(refused)} change(s) refused, nothing written; first: "
                         f"{refused[0].line()}", source=str(overrides))
    cats = {k.id: k.category for k in sc.network.skus}
    added = {(o.region, o.sku) for o in rows if o.action == "add"}
    core = {sc.network.skus[i].id for i in resolved.core}
    lines = [{"season_start_week": start + 1, "region": region, "sku": sku,
              "category": cats[sku],
              "origin": ("core" if sku in core
                         else "override" if (region, sku) in added else "suggested")}
             for start, a in zip(plan.season_starts, plan.ranges, strict=True)
             for r, region in enumerate(a.regions)
             for k, sku in enumerate(a.sku_ids) if a.listed[r, k]]
    target = out or Path("results") / sc.name / "assortment.csv"
    _write_csv(pd.DataFrame(lines), target)
    promotions = plan.ranges[0].promotions
    if promotions:
        promos = pd.DataFrame([{"name": p.name, "start": p.start.isoformat(),
                                "end": p.end.isoformat(), "lift": p.lift,
                                "categories": ";".join(p.categories),
                                "regions": ";".join(p.regions)} for p in promotions])
        _write_csv(promos, target.with_name(target.stem + "_promotions.csv"))
    typer.echo(f"applied {len(rows)} change(s); wrote {len(lines)} season × region × SKU "
               f"listings to {target}" + (f" and {len(promotions)} local promotion(s)"
                                          if promotions else ""))


def _progress(total: int, label: str) -> Any:
    def tick(rep: int) -> None:
        typer.echo(f"{label}: replication {rep + 1}/{total} done", err=True)
    return tick


@app.command("compare")
def compare_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML.")],
    rules: RulesOpt = None,
    overrides: Annotated[Path | None, typer.Option(
        help="Region overrides applied to the regional range first.")] = None,
    replications: Annotated[int, typer.Option(min=1, help="Demand paths (common to both).")] = 3,
    substitution: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="Share of an unlisted SKU's demand bought as a listed one of "
                               "its category.")] = 0.0,
    out: Annotated[Path | None, typer.Option(
        help="JSON (the results.json `assortment` section; default "
             "results/<scenario>/assortment.json).")] = None,
    season_weeks: SeasonOpt = None,
) -> None:
    """Simulate the regional range against one national range on the same demand."""
    from fwdnet.logistics.network.load import load_scenario
    from fwdnet.simulation.assortment import assortment_view
    from fwdnet.simulation.results import write_json_atomic

    sc = load_scenario(scenario)
    view = assortment_view(sc, rules, replications=replications, substitution=substitution,
                           overrides=overrides, season_weeks=season_weeks,
                           on_replication=_progress(replications, "assortment"))
    target = out or Path("results") / sc.name / "assortment.json"
    write_json_atomic(target, view.model_dump(mode="json"))
    typer.echo(f"{'region':<6} {'SKUs':>5} {'fill nat':>9} {'fill reg':>9} {'Δfill (95% CI)':>26} "
               f"{'lost nat':>10} {'lost reg':>10} {'stock nat':>10} {'stock reg':>10}")
    rows = {(r.assortment, r.region): r for r in view.rows}
    diff = {(d.region, d.metric): d.difference for d in view.paired}
    other = next(r.assortment for r in view.rows if r.assortment != view.baseline)
    for region in dict.fromkeys(r.region for r in view.rows):
        n, g = rows[(view.baseline, region)], rows[(other, region)]
        d = diff[(region, "fill_rate")]
        typer.echo(f"{region:<6} {g.range_size:>5} {n.fill_rate.mean:>9.4f} "
                   f"{g.fill_rate.mean:>9.4f} {d.mean:>+9.5f} [{d.low:+.5f}, {d.high:+.5f}] "
                   f"{n.lost_sales_units.mean:>10.0f} {g.lost_sales_units.mean:>10.0f} "
                   f"{n.average_stock_units.mean:>10.0f} {g.average_stock_units.mean:>10.0f}")
    typer.echo(f"wrote {target}")


@app.command("contracts")
def contracts_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML.")],
    contracts: Annotated[Path | None, typer.Option(
        help="Contracts TOML (default: rules/default_contracts.toml next to the scenario); "
             "the first contract is the baseline.")] = None,
    replications: Annotated[int, typer.Option(min=1, help="Replays per contract (common "
                                                         "random numbers).")] = 5,
    design: Annotated[str, typer.Option(
        help="The network whose supplier side takes the contracts (optimal, all-open, …).")]
    = "optimal",
    out: Annotated[Path | None, typer.Option(
        help="JSON (the results.json `contracts` section; default "
             "results/<scenario>/contracts.json).")] = None,
) -> None:
    """Replay fixed versus flexible supplier contracts on the supplier side of a design's
    network (same demand and disruptions; paired 95% CIs). Plans the design and its routes
    first (minutes on the default scenario); `fwdnet simulate --contracts` does the same."""
    from fwdnet.logistics.design.matrices import network_matrices
    from fwdnet.logistics.network.load import load_scenario
    from fwdnet.scenarios.pipeline import design as plan_design
    from fwdnet.scenarios.pipeline import network_contracts
    from fwdnet.simulation.contracts import default_contracts_path
    from fwdnet.simulation.inputs import replay_input
    from fwdnet.simulation.results import write_json_atomic

    sc = load_scenario(scenario)
    mats = network_matrices(sc)
    typer.echo(f"planning {design} with its routes …", err=True)
    planned = plan_design(sc, mats, design)
    typer.echo(f"replaying {replications} × each contract …", err=True)
    view = network_contracts(contracts or default_contracts_path(sc), planned,
                             replay_input(sc, planned, mats), sc.seed, replications)
    target = out or Path("results") / sc.name / "contracts.json"
    write_json_atomic(target, view.model_dump(mode="json"))
    for c in view.contracts:
        typer.echo(f"{c.contract}: fill {c.fill_rate.mean:.4f}, lost {c.lost_sales_units.mean:,.0f}"
                   f" units, stock {c.average_stock_units.mean:,.0f} units, premium "
                   f"{c.premium_rmb.mean:,.0f} RMB, total cost {c.total_cost_rmb.mean:,.0f} RMB")
    for d in view.paired:
        typer.echo(f"  {d.design} − {d.baseline} {d.metric}: {d.difference.mean:+,.4f} "
                   f"[{d.difference.low:+,.4f}, {d.difference.high:+,.4f}]")
    typer.echo(f"wrote {target}")
