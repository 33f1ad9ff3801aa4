"""SimPy replay of daily demand through one network design.

Stock sits at stocking nodes (open FWs, plus the CDC for stores no FW reaches), fed from a
finite CDC stock that suppliers refill. Discrete things are SimPy processes: supplier
deliveries, CDC → FW trucks on the planned routes through CDC and FW docks (`Resource`s),
third-party parcels, disruptions and rebalancing transfers. The per-day stock update over all
store × SKU pairs is one numpy step. Times within a day (days, fractions): transfers land 0.05,
trucks aim at 0.1, sales 0.5, reviews 0.9 (staggered over the review period by route),
rebalancing 0.95, day close 0.99.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import simpy
from scipy import sparse

from fwdnet.logistics.inventory import RS, InventoryState
from fwdnet.logistics.network.model import FloatArray, IntArray
from fwdnet.simulation.disruptions import (
    Disruption,
    DisruptionKind,
    random_disruptions,
    wait_until_clear,
)
from fwdnet.simulation.docks import use_dock
from fwdnet.simulation.inputs import (
    Logistics,
    Sampler,
    SimulationInput,
    TrunkRoute,
    poisson_sampler,
)
from fwdnet.simulation.kpis import (
    DailyKpis,
    Flows,
    NodeKpis,
    RegionKpis,
    ShipmentRecord,
    SkuKpis,
    TransferRecord,
    freeze,
    summary_of,
)
from fwdnet.simulation.rebalancing import plan_transfers
from fwdnet.simulation.streams import Streams
from fwdnet.simulation.waybills import WaybillLog, WaybillRow

__all__ = ["Logistics", "Sampler", "SimulationInput", "SimulationResult", "TrunkRoute",
           "poisson_sampler", "simulate"]

Proc = Generator[simpy.Event, Any, None]
OUTAGE = (DisruptionKind.FW_OUTAGE,)
DIRECT_TRUCK_KMH = 60.0  # speed of an unplanned CDC → FW truck
BLOCKED = (DisruptionKind.FW_OUTAGE, DisruptionKind.ROAD_CLOSURE)


@dataclass(frozen=True)
class SimulationResult:
    """KPIs of one replay (daily, per node, per region × category, per node × SKU)."""

    kpis: DailyKpis
    final_on_hand: FloatArray  # (nodes, skus)
    node: NodeKpis
    region: RegionKpis
    sku: SkuKpis
    transfers: tuple[TransferRecord, ...]
    shipments: tuple[ShipmentRecord, ...]
    disruptions: tuple[Disruption, ...]
    waybills: WaybillLog | None = None
    flows: Flows | None = None
    warmup_days: int = 0

    def summary(self) -> dict[str, float]:
        """Totals and rates after the warm-up (fill rate = served on the day of demand)."""
        return summary_of(self.kpis, self.warmup_days)


def _policy_for(inp: SimulationInput, day: int, nodes: IntArray, offset: int) -> RS:
    """The (R, S) rule of `day`: S of the ISO week in which a typical order placed today lands."""
    lands = inp.start + timedelta(days=day + int(np.median(inp.lead_days)))
    week = min(lands.isocalendar()[1], 53) - 1
    return RS.of(inp.review_days, inp.order_up_to_by_week[week][nodes], offset)


def _week(inp: SimulationInput, day: int) -> int:
    return min((inp.start + timedelta(days=day)).isocalendar()[1], 53) - 1


@dataclass
class _Layout:
    """Design-dependent index structures for the per-day numpy step (built once per run)."""

    perm: IntArray  # store order of the draw (by region: design independent)
    blocks: list[tuple[int, int, int]]  # (region, first, last+1) in draw order
    wb: FloatArray  # (stores, skus) weight × base in draw order
    group: Any  # sparse (groups, stores) sum of the drawn stores into (node, region) groups
    group_int: Any  # the same with int64 entries (Poisson draws stay integers: no copy)
    store_group: IntArray  # (stores,) group of each drawn store
    group_node: IntArray
    group_region: IntArray
    node_of_group: FloatArray  # (nodes, groups) 0/1
    region_of_group: FloatArray  # (regions, groups) 0/1
    store_node: IntArray  # (stores,) in draw order


def _layout(inp: SimulationInput) -> _Layout:
    dm = inp.demand
    n_regions = int(dm.seasonality.shape[0])
    perm = np.argsort(dm.store_region, kind="stable").astype(np.int64)
    reg = dm.store_region[perm]
    blocks = []
    for r in range(n_regions):
        idx = np.flatnonzero(reg == r)
        if idx.size:
            blocks.append((r, int(idx[0]), int(idx[-1]) + 1))
    wb = np.asarray(dm.store_base()[perm], dtype=np.float64)
    node = inp.store_node[perm]
    key = node * n_regions + reg
    keys, gid = np.unique(key, return_inverse=True)
    groups = keys.size
    g = sparse.csr_matrix((np.ones(perm.size), (gid, np.arange(perm.size))),
                          shape=(groups, perm.size))
    gn, gr = (keys // n_regions).astype(np.int64), (keys % n_regions).astype(np.int64)
    nog = np.zeros((inp.nodes, groups))
    nog[gn, np.arange(groups)] = 1.0
    rog = np.zeros((n_regions, groups))
    rog[gr, np.arange(groups)] = 1.0
    return _Layout(perm, blocks, wb, g, g.astype(np.int64), gid.astype(np.int64), gn, gr, nog,
                   rog, node)


def simulate(inp: SimulationInput, rng: np.random.Generator | Streams,
             on_day: Callable[[int], None] | None = None, *, warmup_days: int = 0,
             emit_waybills: bool = False, audit: bool = False) -> SimulationResult:
    """Replay `inp.days` days; the same streams give the same result, byte for byte.

    `rng` is either one generator (demand from it, other streams spawned from it) or `Streams`
    (common random numbers across designs). `on_day(day)` is called after each day.
    """
    streams = rng if isinstance(rng, Streams) else Streams.from_generator(rng)
    return _Run(inp, streams, on_day, warmup_days, emit_waybills, audit).run()


class _Run:
    """The state of one replay; SimPy processes are its generator methods."""

    def __init__(self, inp: SimulationInput, streams: Streams,
                 on_day: Callable[[int], None] | None, warmup: int, emit: bool,
                 audit: bool) -> None:
        self.inp, self.streams, self.on_day, self.warmup, self.audit = (
            inp, streams, on_day, warmup, audit)
        self.env = simpy.Environment()
        self.lg = inp.logistics
        self.cfg = inp.settings
        nodes, skus = inp.initial_on_hand.shape
        self.n_nodes, self.n_skus, days = nodes, skus, inp.days
        self.on_hand = np.array(inp.initial_on_hand, dtype=np.float64)
        self.on_order = np.zeros((nodes, skus))
        self.backorders = np.zeros((nodes, skus))
        self.lay = _layout(inp)
        cats = inp.demand.sku_category
        n_cats = int(inp.demand.seasonality.shape[1])
        self.cat = np.zeros((skus, n_cats))
        self.cat[np.arange(skus), cats] = 1.0
        n_regions = int(inp.demand.seasonality.shape[0])
        # a node's stock serves the regions of its stores: split it per SKU by their base demand
        gw = np.asarray(self.lay.group @ self.lay.wb)
        node_w = self.lay.node_of_group @ gw
        self.group_share = np.divide(gw, node_w[self.lay.group_node],
                                     out=np.zeros_like(gw), where=node_w[self.lay.group_node] > 0)
        self.daily = {f: np.zeros(days) for f in DailyKpis.__dataclass_fields__
                      if f != "node_fill_rate"}
        self.n_demand, self.n_filled, self.n_lost = (np.zeros(nodes) for _ in range(3))
        self.n_stock, self.n_out, self.n_stocked = (np.zeros(nodes) for _ in range(3))
        self.n_receipts, self.n_trips = np.zeros(nodes), np.zeros(nodes)
        shape_rc = (n_regions, n_cats)
        self.r_demand, self.r_filled, self.r_lost = (np.zeros(shape_rc) for _ in range(3))
        self.r_stock, self.r_out, self.r_stocked = (np.zeros(shape_rc) for _ in range(3))
        self.k_demand, self.k_lost = np.zeros((nodes, skus)), np.zeros((nodes, skus))
        self.daily_holding = inp.unit_cost * inp.holding_rate_per_year / 365.0
        self.transfers: list[TransferRecord] = []
        self.shipments: list[ShipmentRecord] = []
        fw_ids = self.lg.fw_candidates if self.lg is not None else ()
        drawn = (random_disruptions(streams.disruptions, fw_ids, days, self.cfg)
                 if inp.random_disruptions else ())
        self.disruptions = (*inp.disruptions, *self.cfg.scheduled, *drawn)
        # carrier delays per day × store, drawn up front in store order: identical per design
        n_stores = inp.store_node.size
        c = streams.carrier
        self.carrier_delay_h = c.exponential(max(self.cfg.carrier_delay_mean_hours, 1e-9),
                                             (days, n_stores))
        self.carrier_exception = c.random((days, n_stores)) < self.cfg.carrier_exception_prob
        shape = self.cfg.supplier_lead_cv ** -2 if self.cfg.supplier_lead_cv > 0 else 0.0
        self.supplier_lead = (
            streams.supplier.gamma(shape, self.cfg.supplier_lead_days / shape, days)
            if shape > 0 else np.full(days, self.cfg.supplier_lead_days))
        self.cdc_finite = self.lg is not None and self.lg.cdc_order_up_to_by_week is not None
        self.cdc_on_hand = (np.array(self.lg.cdc_initial, dtype=np.float64)
                            if self.lg is not None and self.lg.cdc_initial is not None
                            else np.zeros(skus))
        self.cdc_on_order = np.zeros(skus)
        self.cdc_dock = simpy.Resource(self.env, capacity=max(1, self.cfg.cdc_docks))
        self.fw_docks = [simpy.Resource(self.env, capacity=max(1, self.cfg.fw_docks))
                         for _ in range(nodes)]
        self.log = (WaybillLog(inp.start, float(days)) if emit and self.lg is not None
                    else None)
        self.wb_seq = 0
        if audit:
            self.flow = {k: np.zeros((days, nodes, skus)) for k in Flows.__dataclass_fields__}
        self.factors = [inp.demand.factor(inp.start + timedelta(days=d))[:, cats]
                        for d in range(days)]
        self.rate = np.empty_like(self.lay.wb)
        self.ops = streams.operations

    # ---- helpers -------------------------------------------------------------------------
    def _day_of(self, t: float) -> int:
        return min(int(t), self.inp.days - 1)

    def _counted(self, day: int) -> bool:
        return day >= self.warmup

    def _node_name(self, node: int) -> str:
        return self.inp.node_ids[node]

    def _waybill_no(self, prefix: str) -> str:
        self.wb_seq += 1
        return f"{prefix}{self.wb_seq:08d}"

    def _flow(self, key: str, day: int, node: int | slice, qty: Any) -> None:
        if self.audit:
            self.flow[key][day, node] += qty

    # ---- processes -----------------------------------------------------------------------
    def sales(self) -> Proc:
        """Draw every store × SKU demand of the day and serve it from the nodes' stock."""
        inp, lay, env = self.inp, self.lay, self.env
        yield env.timeout(0.5)
        for day in range(inp.days):
            fk = self.factors[day]
            if day == 0 or not np.array_equal(fk, self.factors[day - 1]):
                # seasons change weekly and promotions by day: most days reuse the rates
                for r, a, b in lay.blocks:
                    np.multiply(lay.wb[a:b], fk[r], out=self.rate[a:b])
            demand = np.asarray(inp.sampler(self.streams.demand, self.rate))
            grouping = lay.group_int if demand.dtype.kind in "iu" else lay.group
            gd = np.asarray(grouping @ demand, dtype=np.float64)  # (groups, skus)
            need = lay.node_of_group @ gd
            down = np.array([bool(wait_until_clear(self.disruptions, OUTAGE, n, env.now)
                                  > env.now) for n in inp.node_ids])
            avail = np.where(down[:, None], 0.0, self.on_hand)
            served_old = np.zeros_like(avail)
            if not inp.lost_sales:
                served_old = np.minimum(self.backorders, avail)
                self.backorders -= served_old
                avail = avail - served_old
            filled = np.minimum(need, avail)
            self.on_hand -= filled + served_old
            short = need - filled
            if inp.lost_sales:
                lost = short
            else:
                self.backorders += short
                lost = np.zeros_like(short)
            frac = np.divide(filled, need, out=np.ones_like(need), where=need > 0)
            self._deliveries(day, demand, gd, frac, served_old, need)
            d = self.daily
            d["demand"][day] = need.sum()
            d["filled"][day] = filled.sum()
            d["sales"][day] = filled.sum() + served_old.sum()
            d["lost"][day] = lost.sum()
            d["transport_fw_store"][day] += inp.delivery_cost_per_day
            self._flow("sales", day, slice(None), filled + served_old)
            self._flow("lost", day, slice(None), lost)
            if self._counted(day):
                self.n_demand += need.sum(axis=1)
                self.n_filled += filled.sum(axis=1)
                self.n_lost += lost.sum(axis=1)
                self.k_demand += need
                self.k_lost += lost
                gf = gd * frac[lay.group_node]
                self.r_demand += lay.region_of_group @ (gd @ self.cat)
                self.r_filled += lay.region_of_group @ (gf @ self.cat)
                if inp.lost_sales:
                    self.r_lost += lay.region_of_group @ ((gd - gf) @ self.cat)
            yield env.timeout(1.0)

    def _deliveries(self, day: int, demand: Any, gd: FloatArray, frac: FloatArray,
                    served_old: FloatArray, need: FloatArray) -> None:
        """Store deliveries of today's orders: units, weight, lead time, cost, CO2, waybills.

        Stores of one (node, region) group share its demand mix (same SKU rates up to store
        size), so a store gets the group's shipped units and kg in proportion to its own demand.
        """
        lg, lay, inp = self.lg, self.lay, self.inp
        w = lg.sku_weight_kg if lg is not None else np.zeros(self.n_skus)
        gf = gd * frac[lay.group_node]
        g_total = gd.sum(axis=1)
        node_total = need.sum(axis=1)
        g_share = np.divide(g_total, node_total[lay.group_node], out=np.zeros_like(g_total),
                            where=node_total[lay.group_node] > 0)
        g_units = gf.sum(axis=1) + g_share * served_old.sum(axis=1)[lay.group_node]
        g_kg = gf @ w + g_share * (served_old @ w)[lay.group_node]
        total = np.asarray(demand.sum(axis=1), dtype=np.float64)
        gid = lay.store_group
        share = np.divide(total, g_total[gid], out=np.zeros_like(total), where=g_total[gid] > 0)
        units = share * g_units[gid]
        kg = share * g_kg[gid]
        if lg is None:  # no physical model: stores get today's units tomorrow
            self.daily["lead_units"][day] = units.sum()
            self.daily["lead_unit_days"][day] = units.sum()
            return
        store = lay.perm  # original store index of each drawn row
        lead_days = lg.store_lead_days[lay.store_node]
        third = lay.store_node == lg.direct_node
        # own vans leave on the due day; the carrier collects the next morning and spends the
        # remaining days in its network, plus the road time and its own delay
        leave = day + np.where(third, 1, lead_days) + self.cfg.van_start_hour / 24.0
        delay_h = np.where(third, self.carrier_delay_h[day, store]
                           + self.carrier_exception[day, store] * self.cfg.carrier_exception_hours,
                           0.0)
        network_days = np.where(third, lead_days - 1, 0)
        arrive = leave + network_days + (lg.store_hours[store] + delay_h) / 24.0
        order_t = day + 0.5
        self.daily["lead_units"][day] = units.sum()
        self.daily["lead_unit_days"][day] = (units * (arrive - order_t)).sum()
        tkm = kg / 1000.0 * lg.store_km[store]
        ef = self.cfg.emission_kg_per_tkm
        self.daily["co2_kg"][day] += float(
            (tkm * np.where(third, ef.get("carrier", 0.0), ef.get("van", 0.0))).sum())
        self.daily["transport_fw_store"][day] += float((kg * third).sum()) * lg.carrier_rmb_per_kg
        if self.log is None:
            return
        promised = day + lead_days + self.cfg.promised_hour / 24.0
        vol_per_unit = float(np.mean(lg.sku_volume_m3)) if lg.sku_volume_m3.size else 0.0
        for i in np.flatnonzero(units > 0.5):
            s, n = int(store[i]), int(lay.store_node[i])
            src, dst = self._node_name(n), lg.store_ids[s]
            if third[i]:
                carrier, svc = "3pl-express", "standard"
                mid = (leave[i] + arrive[i]) / 2
                ev = [("created", order_t, src), ("picked_up", leave[i], src),
                      ("in_transit", leave[i] + 0.001, src),
                      ("arrived_at_hub", max(mid, leave[i] + 0.002), "HUB-3PL")]
                if self.carrier_exception[day, s]:
                    ev.append(("exception", mid + 0.01, "HUB-3PL"))
                ofd = max(arrive[i] - 0.05, mid + 0.02)
                ev += [("out_for_delivery", ofd, "HUB-3PL"),
                       ("delivered", max(arrive[i], ofd + 0.001), dst)]
            else:
                carrier, svc = "own-fleet", "scheduled"
                ev = [("created", order_t, src), ("picked_up", leave[i], src),
                      ("out_for_delivery", leave[i] + 1e-3, src), ("delivered", arrive[i], dst)]
            row = WaybillRow(self._waybill_no("ST"), carrier, src, dst,
                             lg.regions[int(inp.demand.store_region[s])], svc, float(units[i]),
                             float(kg[i]), float(units[i]) * vol_per_unit, order_t,
                             float(promised[i]))
            self.log.add(row, ev)

    def review(self, group: int, nodes: IntArray, route: TrunkRoute | None) -> Proc:
        """(R, S) review of a group of nodes (one trunk route), staggered by the group index."""
        inp, env = self.inp, self.env
        offset = group % inp.review_days
        yield env.timeout(0.9)
        for day in range(inp.days):
            policy = _policy_for(inp, day, nodes, offset)
            if policy.reviews(day):
                state = InventoryState(self.on_hand[nodes], self.on_order[nodes],
                                       self.backorders[nodes])
                qty = np.rint(policy.order(state, period=day))
                if qty.sum() > 0:
                    self.on_order[nodes] += qty
                    env.process(self.trip(day, nodes, qty, route))
            yield env.timeout(1.0)

    def trip(self, day: int, nodes: IntArray, qty: FloatArray, route: TrunkRoute | None) -> Proc:
        """Pick at the CDC, drive the route, unload at each FW's dock; orders land as receipts."""
        inp, env, lg, cfg = self.inp, self.env, self.lg, self.cfg
        ordered_t = env.now
        lead = max(int(inp.lead_days[nodes].min()), 1)
        if lg is None:
            # no physical model: the order lands at 0.1 of day + lead (tomorrow at the earliest)
            yield env.timeout(day + lead + 0.1 - env.now)
            for j, n in enumerate(nodes):
                self._receive(int(n), qty[j], qty[j], ordered_t, ordered_t, "direct")
                self.daily["transport_cdc_fw"][self._day_of(env.now)] += (
                    inp.replenishment_cost_per_delivery[n])
            return
        legs_h = route.leg_hours if route is not None else (0.0,) * len(nodes)
        unload_h = cfg.unload_hours if route is not None else 0.0
        work_h = cfg.load_hours + sum(legs_h) + unload_h * len(nodes)
        depart = max(day + lead + 0.25 - work_h / 24.0, env.now)
        yield env.timeout(depart - env.now)
        shipped = qty
        if route is not None:
            yield env.process(use_dock(env, self.cdc_dock, self.ops.exponential(cfg.load_hours)))
        if self.cdc_finite:
            want = qty.sum(axis=0)
            ratio = np.divide(self.cdc_on_hand, want, out=np.ones_like(want), where=want > 0)
            shipped = np.floor(qty * np.minimum(ratio, 1.0)[None, :])
            self.cdc_on_hand -= shipped.sum(axis=0)
            self.on_order[nodes] -= qty - shipped  # not shipped: cancelled, re-ordered later
        picked = float(shipped.sum())
        day_now = self._day_of(env.now)
        self.daily["handling_cost"][day_now] += picked * lg.cdc_handling_rmb_per_unit
        if route is None:  # the CDC's own store stock: an internal move, lands next morning
            yield env.timeout(max(day + lead + 0.1 - env.now, 0.0))
            for j, n in enumerate(nodes):
                self._receive(int(n), shipped[j], shipped[j], ordered_t, depart, "direct")
            return
        trucks = max(1, math.ceil(picked / lg.truck_capacity_units))
        w = lg.sku_weight_kg
        on_board_t = float((shipped @ w).sum()) / 1000.0
        ef = cfg.emission_kg_per_tkm.get("truck", 0.0)
        hours = work_h
        waybills = [self._waybill_no("TR") for _ in nodes]
        events: list[list[tuple[str, float, str]]] = [
            [("created", ordered_t, lg.cdc_id), ("picked_up", env.now, lg.cdc_id),
             ("in_transit", env.now + 1e-3, lg.cdc_id)] for _ in nodes]
        co2 = 0.0
        for j, n in enumerate(nodes):
            yield env.timeout(route.leg_hours[j] / 24.0)
            co2 += on_board_t * route.leg_km[j] * ef
            fw = self._node_name(int(n))
            clear = wait_until_clear(self.disruptions, BLOCKED, fw, env.now)
            if clear > env.now:
                events[j].append(("exception", env.now, fw))
                hours += (clear - env.now) * 24.0
                yield env.timeout(clear - env.now)
            events[j].append(("arrived_at_hub", env.now, fw))
            yield env.process(use_dock(env, self.fw_docks[int(n)],
                                       self.ops.exponential(cfg.unload_hours)))
            self._receive(int(n), shipped[j], qty[j], ordered_t, depart, "trunk")
            events[j].append(("delivered", env.now, fw))
            on_board_t -= float(shipped[j] @ w) / 1000.0
        km = sum(route.leg_km) + route.return_km
        hours += route.return_hours
        d = self._day_of(depart)
        cost = trucks * (lg.truck_fixed_rmb + km * lg.truck_rmb_per_km
                         + hours * lg.truck_rmb_per_hour)
        self.daily["transport_cdc_fw"][d] += cost
        self.daily["co2_kg"][d] += co2
        self.daily["trunk_units"][d] += picked
        self.daily["trunk_capacity"][d] += trucks * lg.truck_capacity_units
        self.n_trips[nodes] += 1
        if self.log is not None:
            for j, n in enumerate(nodes):
                fw = self._node_name(int(n))
                row = WaybillRow(waybills[j], "own-fleet", lg.cdc_id, fw,
                                 lg.regions[int(lg.node_region[int(n)])], "replenishment",
                                 float(shipped[j].sum()), float(shipped[j] @ w),
                                 float(shipped[j] @ lg.sku_volume_m3), ordered_t,
                                 day + lead + 0.25)
                self.log.add(row, events[j])

    def _receive(self, node: int, shipped: FloatArray, ordered: FloatArray, ordered_t: float,
                 departed: float, kind: str) -> None:
        day = self._day_of(self.env.now)
        self.on_hand[node] += shipped
        self.on_order[node] -= shipped
        units = float(shipped.sum())
        self.daily["receipts"][day] += units
        self.n_receipts[node] += units if self._counted(day) else 0.0
        if self.lg is not None:
            self.daily["handling_cost"][day] += units * self.lg.handling_rmb_per_unit[node]
        self._flow("receipts", day, node, shipped)
        self.shipments.append(ShipmentRecord(kind, node, ordered_t, departed, self.env.now,
                                             units))

    def supplier(self) -> Proc:
        """Weekly CDC review on its echelon position; deliveries land after a random lead time."""
        inp, env, lg = self.inp, self.env, self.lg
        assert lg is not None
        assert lg.cdc_order_up_to_by_week is not None
        yield env.timeout(0.8)
        for day in range(inp.days):
            if day % 7 == 0:
                target = lg.cdc_order_up_to_by_week[_week(inp, day)]
                position = (self.cdc_on_hand + self.cdc_on_order)
                qty = np.rint(np.maximum(target - position, 0.0))
                if qty.sum() > 0:
                    self.cdc_on_order += qty
                    env.process(self.supplier_delivery(day, qty))
            yield env.timeout(1.0)

    def supplier_delivery(self, day: int, qty: FloatArray) -> Proc:
        env = self.env
        ordered = env.now
        due = day + max(1.0, float(self.supplier_lead[day])) + 0.05
        extra = max((d.extra_days for d in self.disruptions
                     if d.kind == DisruptionKind.SUPPLIER_DELAY and d.active(due)), default=0.0)
        yield env.timeout(due + extra - env.now)
        self.cdc_on_hand += qty
        self.cdc_on_order -= qty
        self.shipments.append(ShipmentRecord("supplier", -1, ordered, ordered, env.now,
                                             float(qty.sum())))

    def rebalance(self) -> Proc:
        """Every few days move stock from FWs holding more than S to FWs nearly out."""
        inp, env, lg, cfg = self.inp, self.env, self.lg, self.cfg
        assert lg is not None
        fw_nodes = np.array([n for n in range(self.n_nodes) if n != lg.direct_node],
                            dtype=np.int64)
        yield env.timeout(0.95)
        for day in range(inp.days):
            if day % cfg.rebalance_every_days == cfg.rebalance_every_days // 2:
                up = [n for n in fw_nodes if wait_until_clear(
                    self.disruptions, BLOCKED, self._node_name(int(n)), env.now) <= env.now]
                if len(up) >= 2:
                    self._send_transfers(day, np.array(up, dtype=np.int64))
            yield env.timeout(1.0)

    def _send_transfers(self, day: int, nodes: IntArray) -> None:
        inp, lg = self.inp, self.lg
        assert lg is not None
        level = inp.order_up_to_by_week[_week(inp, day)][nodes]
        km = lg.node_km[np.ix_(nodes, nodes)]
        moves = plan_transfers(self.on_hand[nodes], level, km, lg.truck_capacity_units,
                               lg.truck_fixed_rmb, lg.truck_rmb_per_km,
                               inp.price - inp.unit_cost, self.daily_holding * 30.0,
                               self.cfg.rebalance_min_units)
        if not moves.transfers:
            return
        w = lg.sku_weight_kg
        ef = self.cfg.emission_kg_per_tkm.get("truck", 0.0)
        for t in moves.transfers:
            src, dst = int(nodes[t.src]), int(nodes[t.dst])
            self.on_hand[src, t.sku] -= t.units
            self.on_order[dst, t.sku] += t.units
            self._flow("transfers_out", day, src, np.eye(1, self.n_skus, t.sku)[0] * t.units)
            self.daily["transfers"][day] += t.units
            self.daily["co2_kg"][day] += t.units * w[t.sku] / 1000.0 * km[t.src, t.dst] * ef
            self.transfers.append(TransferRecord(day, t.sku, src, dst, float(t.units),
                                                 moves.unit_cost(t)))
            self.env.process(self._land_transfer(day, src, dst, t.sku, float(t.units)))
        self.daily["transfer_cost"][day] += moves.cost

    def _land_transfer(self, day: int, src: int, dst: int, sku: int, units: float) -> Proc:
        sent = self.env.now
        yield self.env.timeout(day + 1.05 - self.env.now)
        d = self._day_of(self.env.now)
        self.on_hand[dst, sku] += units
        self.on_order[dst, sku] -= units
        self._flow("transfers_in", d, dst, np.eye(1, self.n_skus, sku)[0] * units)
        self.shipments.append(ShipmentRecord("transfer", dst, sent, sent, self.env.now, units))

    def close(self) -> Proc:
        """End of day: stock, stockouts, holding cost, backorders; progress callback."""
        inp, env = self.inp, self.env
        yield env.timeout(0.99)
        for day in range(inp.days):
            d = self.daily
            level = inp.order_up_to_by_week[_week(inp, day)]
            stocked = level > 0
            out = stocked & (self.on_hand <= 0)
            d["on_hand"][day] = self.on_hand.sum()
            d["cdc_on_hand"][day] = self.cdc_on_hand.sum()
            d["backorders"][day] = self.backorders.sum()
            d["stockout_pairs"][day] = out.sum()
            d["holding_cost"][day] = float(self.on_hand.sum(axis=0) @ self.daily_holding
                                           + self.cdc_on_hand @ self.daily_holding)
            self._flow("end", day, slice(None), self.on_hand)
            if self._counted(day):
                self.n_stock += self.on_hand.sum(axis=1)
                self.n_out += out.sum(axis=1)
                self.n_stocked += stocked.sum(axis=1)
                share, gn = self.group_share, self.lay.group_node
                rog = self.lay.region_of_group
                self.r_stock += rog @ ((self.on_hand[gn] * share) @ self.cat)
                self.r_out += rog @ ((out[gn] * share) @ self.cat)
                self.r_stocked += rog @ ((stocked[gn] * share) @ self.cat)
            if self.on_day is not None:
                self.on_day(day)
            yield env.timeout(1.0)

    # ---- driver ----------------------------------------------------------------------------
    def _groups(self) -> list[tuple[IntArray, TrunkRoute | None]]:
        lg = self.lg
        if lg is None:
            return [(np.array([n], dtype=np.int64), None) for n in range(self.n_nodes)]
        out: list[tuple[IntArray, TrunkRoute | None]] = [
            (np.array(r.nodes, dtype=np.int64), r) for r in lg.trunk_routes]
        routed = {n for r in lg.trunk_routes for n in r.nodes}
        for n in range(self.n_nodes):
            if n in routed:
                continue
            route = None
            if n != lg.direct_node:  # a FW missing from the planned routes: a direct truck
                km = float(lg.node_km[-1, n])
                back = float(lg.node_km[n, -1])
                route = TrunkRoute((n,), (km,), (km / DIRECT_TRUCK_KMH,), back,
                                   back / DIRECT_TRUCK_KMH)
            out.append((np.array([n], dtype=np.int64), route))
        return out

    def run(self) -> SimulationResult:
        inp, env = self.inp, self.env
        env.process(self.sales())
        for g, (nodes, route) in enumerate(self._groups()):
            env.process(self.review(g, nodes, route))
        if self.cdc_finite:
            env.process(self.supplier())
        if self.lg is not None and self.cfg.rebalance_every_days > 0 and self.n_nodes > 2:
            env.process(self.rebalance())
        env.process(self.close())
        env.run(until=inp.days)
        return self._result()

    def _result(self) -> SimulationResult:
        d = self.daily
        d["transport_cost"] = d["transport_cdc_fw"] + d["transport_fw_store"] + d["transfer_cost"]
        fill = np.divide(self.n_filled, self.n_demand, out=np.ones(self.n_nodes),
                         where=self.n_demand > 0)
        counted = max(self.inp.days - self.warmup, 1)
        kpis = DailyKpis(node_fill_rate=fill, **d)
        node = NodeKpis(self.n_demand, self.n_filled, self.n_lost, self.n_stock / counted,
                        self.n_out, self.n_stocked / counted, self.n_receipts, self.n_trips)
        region = RegionKpis(self.r_demand, self.r_filled, self.r_lost, self.r_stock / counted,
                            self.r_out, self.r_stocked / counted)
        sku = SkuKpis(self.k_demand, self.k_lost, self.on_hand.copy())
        flows = None
        if self.audit:
            f = self.flow
            start = np.concatenate([np.asarray(self.inp.initial_on_hand)[None], f["end"][:-1]])
            flows = Flows(start=start, receipts=f["receipts"], sales=f["sales"], lost=f["lost"],
                          transfers_out=f["transfers_out"], transfers_in=f["transfers_in"],
                          end=f["end"])
            freeze(flows)
        for obj in (kpis, node, region, sku):
            freeze(obj)
        final = self.on_hand
        final.flags.writeable = False
        return SimulationResult(kpis, final, node, region, sku, tuple(self.transfers),
                                tuple(self.shipments), self.disruptions, self.log, flows,
                                self.warmup)
