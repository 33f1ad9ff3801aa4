"""`fwdnet regions …`: a region planner's side of tiered authorisation, without the server.

The same rule engine, scoping and audit log as `/v1/regions/...`: the caller's API key
(`--key` or `FWDNET_KEY`) decides what it may do; `region:<code>` keys act on their region only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fwdnet.logistics.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from fwdnet.logistics.api.keys import Principal
    from fwdnet.logistics.api.regions import Regions

app = typer.Typer(help="Read and change a region's assortment and promotions within HQ rules "
                       "(audited); the audit log.", no_args_is_help=True)

DbOpt = Annotated[str | None, typer.Option(
    "--db", help="Database URL (default: $FWDNET_DB, else sqlite:///fwdnet.db).")]
KeyOpt = Annotated[str | None, typer.Option(
    "--key", help="Your API key (default: $FWDNET_KEY).", show_default=False)]
ScenarioOpt = Annotated[Path | None, typer.Option(
    "--scenario", help="Scenario TOML (default: $FWDNET_SCENARIO).")]
RulesOpt = Annotated[Path | None, typer.Option(
    "--rules", help="HQ assortment rules (default: $FWDNET_ASSORTMENT_RULES, else "
                    "rules/default_assortment.toml next to the scenario).")]


def _who(engine: Engine, key: str | None) -> Principal:
    from fwdnet.logistics.api.keys import KeyStore

    key = key or os.environ.get("FWDNET_KEY")
    if not key:
        raise InputError("--key: an API key is required (or set FWDNET_KEY)")
    who = KeyStore(engine, 0).authenticate(key)
    if who is None:
        raise InputError("--key: unknown, malformed or revoked API key")
    return who


def _open(db: str | None, key: str | None, scenario: Path | None, rules: Path | None,
          ) -> tuple[Engine, Principal, Regions]:
    from sqlalchemy.exc import OperationalError

    from fwdnet.logistics.api.db import open_api_engine
    from fwdnet.logistics.api.regions import Regions

    path = scenario or (Path(os.environ["FWDNET_SCENARIO"])
                        if os.environ.get("FWDNET_SCENARIO") else None)
    if path is None:
        raise InputError("--scenario: a scenario TOML is required (or set FWDNET_SCENARIO)")
    try:
        engine = open_api_engine(db)
    except OperationalError as exc:
        raise InputError(f"--db: cannot open the database ({exc.orig})") from exc
    who = _who(engine, key)
    if who.kind not in ("hq", "region"):
        raise InputError(f"--key: role {who.role!r} may not read or change regions")
    return engine, who, Regions(path, rules or os.environ.get("FWDNET_ASSORTMENT_RULES"))


def _check(regions: Regions, who: Principal, region: str) -> None:
    from fwdnet.logistics.api.regions import Forbidden

    try:
        regions.check_region(who, region)
    except (LookupError, Forbidden) as exc:
        raise InputError(f"region {region!r}: {exc}") from None


@app.command("show")
def show(
    region: Annotated[str, typer.Argument(help="Region code.")],
    key: KeyOpt = None, db: DbOpt = None, scenario: ScenarioOpt = None, rules: RulesOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full JSON.")] = False,
) -> None:
    """The region's range (per season), HQ's rules for it, its overrides and promotions."""
    engine, who, regions = _open(db, key, scenario, rules)
    _check(regions, who, region)
    out: dict[str, Any] = {"assortment": regions.assortment(engine, region),
                           "promotions": regions.promotions(engine, region)}
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2, default=str))
        return
    a, p = out["assortment"], out["promotions"]
    sizes = ", ".join(str(s["range_size"]) for s in a["seasons"])
    typer.echo(f"{region}: {sizes} SKUs listed per season (max {a['rules']['max_range']}); "
               f"{len(a['rules']['core_skus'])} core SKUs; locked categories: "
               f"{', '.join(a['rules']['locked_categories']) or '-'}")
    for o in a["overrides"]:
        typer.echo(f"  override {o['id']}: {o['action']} {o['sku']} ({o['created_at']})")
    for q in p["local"]:
        typer.echo(f"  local promotion {q['id']}: {q['category']} x{q['lift']} "
                   f"{q['start']}..{q['end']}")
    typer.echo(f"  {len(p['hq'])} HQ promotion(s) reach {region}")


@app.command("propose")
def propose(
    region: Annotated[str, typer.Argument(help="Region code.")],
    overrides: Annotated[Path, typer.Argument(
        help="CSV region,action,sku,category,lift,start,end (add/remove/promote), as for "
             "`fwdnet assortment apply`.")],
    key: KeyOpt = None, db: DbOpt = None, scenario: ScenarioOpt = None, rules: RulesOpt = None,
) -> None:
    """Propose overrides for one region: all stored, or none (exit 2, naming the HQ rule)."""
    from fwdnet.logistics.api.regions import Change, Forbidden
    from fwdnet.logistics.assortment.overrides import read_overrides

    engine, who, regions = _open(db, key, scenario, rules)
    _check(regions, who, region)
    rows = read_overrides(overrides, regions.scenario.network)
    other = [o for o in rows if o.region != region]
    if other:
        raise InputError(f"row {other[0].row}: field 'region': {other[0].region!r} is not "
                         f"{region!r} (one region per proposal)", source=str(overrides))
    by_kind = {"assortment": [Change(o.action, sku=o.sku) for o in rows if o.action != "promote"],
               "promotion": [Change("promote", category=o.category, lift=o.lift, start=o.start,
                                    end=o.end) for o in rows if o.action == "promote"]}
    for kind, changes in by_kind.items():
        if not changes:
            continue
        try:
            out = regions.propose(engine, who, region, kind, changes)
        except Forbidden as exc:
            raise InputError(str(exc), source=str(overrides)) from None
        typer.echo(f"{kind}: applied {len(out['applied'])} change(s) to {region} "
                   f"(range size {out['before']['range_size']} -> {out['after']['range_size']})")


@app.command("withdraw")
def withdraw(
    region: Annotated[str, typer.Argument(help="Region code.")],
    override_id: Annotated[str, typer.Argument(help="The override id (see `regions show`).")],
    key: KeyOpt = None, db: DbOpt = None, scenario: ScenarioOpt = None, rules: RulesOpt = None,
) -> None:
    """Withdraw one of the region's active overrides (audited)."""
    engine, who, regions = _open(db, key, scenario, rules)
    _check(regions, who, region)
    try:
        regions.withdraw(engine, who, region, override_id)
    except LookupError as exc:
        raise InputError(str(exc)) from None
    typer.echo(f"withdrew {override_id} from {region}")


@app.command("audit")
def audit(
    region: Annotated[str | None, typer.Option("--region", help="Only this region.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Newest lines.")] = 50,
    key: KeyOpt = None, db: DbOpt = None,
) -> None:
    """The audit log, newest first, one JSON object per line (hq keys only)."""
    from fwdnet.logistics.api.db import open_api_engine
    from fwdnet.logistics.api.regions import audit_log

    engine = open_api_engine(db)
    if _who(engine, key).kind != "hq":
        raise InputError("--key: only hq keys may read the audit log")
    for line in audit_log(engine, region, limit):
        typer.echo(json.dumps(line, ensure_ascii=False, default=str))
