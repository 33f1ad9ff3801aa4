"""Tiered authorisation over the scenario the service plans for (`FWDNET_SCENARIO`).

HQ publishes the rules (the assortment rules TOML and the scenario's promotions); a
`region:<code>` key reads and proposes overrides for its own region only. Proposals go through
the one rule engine (`logistics.assortment.overrides.apply_overrides`): a change outside HQ's
rules is refused naming the rule, nothing is stored, and every attempt (applied or refused)
lands in the audit log with who, what, when, and the region's state before and after.
The scenario's sites also scope region keys' routes to their own region's sites.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from fwdnet.logistics.api.db import write_lock
from fwdnet.logistics.api.keys import Principal
from fwdnet.logistics.api.metrics import AUDIT
from fwdnet.logistics.api.schemas import RouteRequest
from fwdnet.logistics.api.tables import audit, overrides
from fwdnet.logistics.assortment import Override, RangePlan, ResolvedRules
from fwdnet.logistics.errors import InputError
from fwdnet.logistics.network.model import Scenario

COORD_DECIMALS = 5
"""Coordinates match a site when equal to 5 decimals (about 1 m)."""
_REGION_LOCK = 0x6677_7267  # pg_advisory_xact_lock key ("fwrg") serialising override changes


class Forbidden(Exception):
    """The key's scope does not allow this (HTTP 403); the message names the rule or field."""


class Refused(InputError):
    """A proposal broke an HQ rule (HTTP 422); `rule` names it."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


@dataclass(frozen=True)
class Change:
    """One proposed change as the API and CLI receive it (before it becomes an Override)."""

    action: str  # add | remove | promote
    sku: str = ""
    category: str = ""
    lift: float = 1.0
    start: date | None = None
    end: date | None = None


def _key(lon: float, lat: float) -> tuple[float, float]:
    return round(lon, COORD_DECIMALS), round(lat, COORD_DECIMALS)


def _now() -> datetime:
    return datetime.now(UTC)


class Regions:
    """The scenario's regions, sites and HQ rules, loaded once; the base range plan on first
    use (it is the most expensive part)."""

    def __init__(self, scenario_path: str | Path, rules_path: str | Path | None = None) -> None:
        from fwdnet.logistics.assortment import load_rules
        from fwdnet.logistics.network.load import load_scenario

        self.scenario: Scenario = load_scenario(Path(scenario_path))
        # HQ's rules file: given, else rules/default_assortment.toml beside the scenario
        self.rules_path = Path(rules_path) if rules_path else (
            Path(self.scenario.source).parent / "rules" / "default_assortment.toml")
        self.raw_rules = load_rules(self.rules_path) if self.rules_path.is_file() else None
        net = self.scenario.network
        self.codes = frozenset(net.regions)
        self._sites: dict[tuple[float, float], list[tuple[str, str]]] = {}
        for s in net.sites:
            self._sites.setdefault(_key(s.lon, s.lat), []).append((s.id, s.region))
        self._plan: tuple[RangePlan, ResolvedRules] | None = None
        self._plan_lock = threading.Lock()

    # -------------------------------------------------------------- routes

    def check_route(self, req: RouteRequest, region: str) -> None:
        """Forbidden unless every location of the request is a site of `region`."""
        for path, loc in _locations(req):
            if loc is None:
                raise Forbidden(f"{path}: a region key must give [lon, lat] for every location "
                                "(so the service can check it is a site of its region)")
            sites = self._sites.get(_key(*loc), [])
            if not any(r == region for _, r in sites):
                raise Forbidden(f"{path}: [{loc[0]}, {loc[1]}] is not a site of region "
                                f"{region!r}; a region key routes only between its own sites")

    # -------------------------------------------------------------- rules and plan

    def _rules_plan(self) -> tuple[RangePlan, ResolvedRules]:
        from fwdnet.logistics.assortment import plan_ranges, resolve_rules

        if self.raw_rules is None:
            raise InputError(f"no assortment rules at {self.rules_path} (FWDNET_ASSORTMENT_RULES)")
        with self._plan_lock:
            if self._plan is None:
                resolved = resolve_rules(self.scenario, self.raw_rules, str(self.rules_path))
                plan, _, _ = plan_ranges(self.scenario, resolved,
                                         season_weeks=self.raw_rules.season_weeks,
                                         shrinkage=self.raw_rules.shrinkage,
                                         similar=self.raw_rules.similar_regions)
                self._plan = (plan, resolved)
            return self._plan

    def check_region(self, who: Principal, region: str) -> None:
        """404 for an unknown region; Forbidden when a region key names another region."""
        if region not in self.codes:
            raise LookupError(f"no region {region!r} in scenario {self.scenario.name}")
        if who.kind == "region" and who.code != region:
            raise Forbidden(f"rule region_scope: key {who.role!r} may only read and change "
                            f"region {who.code!r}")

    def _state(self, c: Connection, region: str, extra: Sequence[Override] = ()
               ) -> tuple[RangePlan, list[dict[str, Any]], tuple[Any, ...]]:
        """The region's plan with its active overrides (+ `extra`) applied, those overrides,
        and the refusals (empty unless `extra` breaks a rule)."""
        from fwdnet.logistics.assortment.overrides import apply_overrides_plan

        plan, resolved = self._rules_plan()
        rows = _active(c, region)
        stored = [_override(i + 1, region, r) for i, r in enumerate(rows)]
        out, refused = apply_overrides_plan(plan, resolved, self.scenario.network,
                                            [*stored, *extra], region_scope=region)
        return out, rows, refused

    def _summary(self, plan: RangePlan, region: str, skus: Sequence[str] = ()) -> dict[str, Any]:
        """What an audit line keeps of a region's state: range size per season, the listing of
        the SKUs touched, and its local promotions."""
        r = plan.ranges[0].regions.index(region)
        out: dict[str, Any] = {"range_size": [int(a.listed[r].sum()) for a in plan.ranges]}
        if skus:
            pos = {k: i for i, k in enumerate(plan.ranges[0].sku_ids)}
            out["listed_in_seasons"] = {k: sum(bool(a.listed[r, pos[k]]) for a in plan.ranges)
                                        for k in skus if k in pos}
        out["local_promotions"] = [_promo(p) for p in plan.ranges[0].promotions
                                   if region in p.regions]
        return out

    # -------------------------------------------------------------- reads

    def assortment(self, engine: Engine, region: str) -> dict[str, Any]:
        """The region's range per season (core, overrides and rules included)."""
        _, resolved = self._rules_plan()
        with engine.connect() as c:
            current, rows, _ = self._state(c, region)
        r = current.ranges[0].regions.index(region)
        ids = current.ranges[0].sku_ids
        return {
            "region": region,
            "rules": {"source": str(self.rules_path), "max_range": resolved.max_range[region],
                      "core_skus": sorted(ids[i] for i in resolved.core),
                      "locked_categories": sorted(resolved.locked)},
            "seasons": [{"start_week": s + 1, "range_size": int(a.listed[r].sum()),
                         "listed": [k for k, on in zip(ids, a.listed[r], strict=True) if on]}
                        for s, a in zip(current.season_starts, current.ranges, strict=True)],
            "overrides": [_row_out(x) for x in rows if x["kind"] == "assortment"],
        }

    def promotions(self, engine: Engine, region: str) -> dict[str, Any]:
        """HQ's promotions that reach the region, and the region's own (local) ones."""
        _, resolved = self._rules_plan()
        with engine.connect() as c:
            rows = _active(c, region)
        hq = [_promo(p) for p in self.scenario.network.promotions
              if not p.regions or region in p.regions]
        return {"region": region, "rules": {"locked_categories": sorted(resolved.locked)},
                "hq": hq,
                "local": [_row_out(x) for x in rows if x["kind"] == "promotion"]}

    # -------------------------------------------------------------- changes

    def propose(self, engine: Engine, who: Principal, region: str, kind: str,
                changes: Sequence[Change]) -> dict[str, Any]:
        """Check the changes against HQ's rules together with the region's active overrides;
        store them all or none (Refused names the first broken rule); audit either way."""
        self.check_region(who, region)
        net = self.scenario.network
        skus = {k.id for k in net.skus}
        for i, ch in enumerate(changes):
            _validate(i, ch, kind, skus, net.categories)
        with engine.begin() as c:
            write_lock(c, _REGION_LOCK)
            before_plan, rows, _ = self._state(c, region)
            n = len(rows)
            extra = [Override(n + i + 1, region, ch.action, sku=ch.sku, category=ch.category,
                              lift=ch.lift, start=ch.start, end=ch.end)
                     for i, ch in enumerate(changes)]
            after_plan, _, refused = self._state(c, region, extra)
            touched = [ch.sku for ch in changes if ch.sku]
            before = self._summary(before_plan, region, touched)
            detail: dict[str, Any] = {"kind": kind, "changes": [_change_out(ch) for ch in changes]}
            if refused:
                first = refused[0]
                i = first.override.row - n - 1
                o = first.override
                where = (f"change {i}" if 0 <= i < len(changes)
                         else f"active override {o.row}")
                msg = (f"{where} ({o.action} {o.sku or o.category}): refused by HQ rule "
                       f"{first.rule}: {first.message}")
                detail["refused"] = {"rule": first.rule, "message": msg}
                failure: Refused | None = Refused(first.rule, msg)
            else:
                failure = None
                ids = []
                for ch in changes:
                    oid = uuid.uuid4().hex
                    ids.append(oid)
                    c.execute(insert(overrides).values(
                        override_id=oid, region=region, kind=kind, action=ch.action,
                        sku=ch.sku or None, category=ch.category or None,
                        lift=ch.lift if ch.action == "promote" else None,
                        start_date=ch.start, end_date=ch.end, status="active",
                        created_at=_now(), created_by=who.key_id))
                detail["override_ids"] = ids
        after = before if failure else self._summary(after_plan, region, touched)
        self._audit(engine, who, f"{kind}.propose", region,
                    "refused" if failure else "applied", detail, before, after)
        AUDIT.labels(kind, "refused" if failure else "applied").inc()
        if failure is not None:
            raise failure
        return {"region": region, "applied": detail["override_ids"], "before": before,
                "after": after}

    def withdraw(self, engine: Engine, who: Principal, region: str,
                 override_id: str) -> dict[str, Any]:
        """Withdraw an active override of the region (LookupError when there is none)."""
        self.check_region(who, region)
        with engine.begin() as c:
            write_lock(c, _REGION_LOCK)
            row = c.execute(select(overrides).where(
                overrides.c.override_id == override_id, overrides.c.region == region,
                overrides.c.status == "active")).mappings().first()
            if row is None:
                raise LookupError(f"no active override {override_id} in region {region}")
            before_plan, _, _ = self._state(c, region)
            c.execute(update(overrides).where(overrides.c.override_id == override_id)
                      .values(status="withdrawn", withdrawn_at=_now(), withdrawn_by=who.key_id))
            after_plan, _, _ = self._state(c, region)
        touched = [row["sku"]] if row["sku"] else []
        before = self._summary(before_plan, region, touched)
        after = self._summary(after_plan, region, touched)
        self._audit(engine, who, f"{row['kind']}.withdraw", region, "applied",
                    {"override": _row_out(dict(row))}, before, after)
        AUDIT.labels(row["kind"], "withdrawn").inc()
        return {"region": region, "withdrawn": override_id, "before": before, "after": after}

    @staticmethod
    def _audit(engine: Engine, who: Principal, action: str, region: str, outcome: str,
               detail: dict[str, Any], before: Any, after: Any) -> None:
        with engine.begin() as c:
            c.execute(insert(audit).values(
                at=_now(), key_id=who.key_id, role=who.role, action=action, region=region,
                outcome=outcome, detail=json.dumps(detail, default=str),
                before=json.dumps(before, default=str), after=json.dumps(after, default=str)))


def audit_log(engine: Engine, region: str | None = None, limit: int = 1000
              ) -> list[dict[str, Any]]:
    """The newest audit lines first (of one region when given)."""
    q = select(audit).order_by(audit.c.audit_id.desc()).limit(limit)
    if region is not None:
        q = q.where(audit.c.region == region)
    with engine.connect() as c:
        rows = c.execute(q).mappings().all()
    out = []
    for r in rows:
        at = r["at"] if r["at"].tzinfo else r["at"].replace(tzinfo=UTC)
        out.append({"id": r["audit_id"], "at": at.isoformat(), "key_id": r["key_id"],
                    "role": r["role"], "action": r["action"], "region": r["region"],
                    "outcome": r["outcome"], "detail": json.loads(r["detail"]),
                    "before": json.loads(r["before"]) if r["before"] else None,
                    "after": json.loads(r["after"]) if r["after"] else None})
    return out


def _locations(req: RouteRequest) -> Iterator[tuple[str, tuple[float, float] | None]]:
    for i, j in enumerate(req.jobs):
        yield f"jobs.{i}.location", j.location
    for i, s in enumerate(req.shipments):
        yield f"shipments.{i}.pickup.location", s.pickup.location
        yield f"shipments.{i}.delivery.location", s.delivery.location
    for i, v in enumerate(req.vehicles):
        yield f"vehicles.{i}.start", v.start
        if v.end is not None or v.end_index is not None:
            yield f"vehicles.{i}.end", v.end


def _active(c: Connection, region: str) -> list[dict[str, Any]]:
    rows = c.execute(select(overrides).where(overrides.c.region == region,
                                             overrides.c.status == "active")
                     .order_by(overrides.c.created_at, overrides.c.override_id)).mappings()
    return [dict(r) for r in rows]


def _override(row_no: int, region: str, r: dict[str, Any]) -> Override:
    return Override(row_no, region, r["action"], sku=r["sku"] or "", category=r["category"] or "",
                    lift=r["lift"] if r["lift"] is not None else 1.0, start=r["start_date"],
                    end=r["end_date"])


def _row_out(r: dict[str, Any]) -> dict[str, Any]:
    at = r["created_at"]
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    out = {"id": r["override_id"], "action": r["action"], "created_at": at.isoformat(),
           "created_by": r["created_by"]}
    for k in ("sku", "category", "lift"):
        if r[k] is not None:
            out[k] = r[k]
    if r["start_date"] is not None:
        out["start"] = r["start_date"].isoformat()
        out["end"] = r["end_date"].isoformat()
    return out


def _promo(p: Any) -> dict[str, Any]:
    return {"name": p.name, "start": p.start.isoformat(), "end": p.end.isoformat(),
            "lift": p.lift, "categories": list(p.categories), "regions": list(p.regions)}


def _change_out(ch: Change) -> dict[str, Any]:
    out: dict[str, Any] = {"action": ch.action}
    if ch.sku:
        out["sku"] = ch.sku
    if ch.category:
        out.update(category=ch.category, lift=ch.lift, start=ch.start, end=ch.end)
    return out


def _validate(i: int, ch: Change, kind: str, skus: set[str],
              categories: Sequence[str]) -> None:
    """Input errors (422) naming the change and field; rule checks come after."""
    where = f"changes.{i}"
    if kind == "assortment":
        if ch.action not in ("add", "remove"):
            raise InputError(f"{where}.action: expected add or remove, got {ch.action!r}")
        if ch.sku not in skus:
            raise InputError(f"{where}.sku: unknown SKU {ch.sku!r}")
        return
    if ch.action != "promote":
        raise InputError(f"{where}.action: expected promote, got {ch.action!r}")
    if ch.category not in categories:
        raise InputError(f"{where}.category: unknown category {ch.category!r} (known: "
                         f"{', '.join(categories)})")
    if not 0 < ch.lift <= 10:
        raise InputError(f"{where}.lift: expected a demand multiplier in (0, 10], got {ch.lift}")
    if ch.start is None or ch.end is None:
        raise InputError(f"{where}: a promotion needs start and end dates")
    if ch.end < ch.start:
        raise InputError(f"{where}.end: {ch.end} is before start {ch.start}")
