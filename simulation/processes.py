"""The SimPy processes of one replay: sales, (R, S) reviews, trucks, supplier, rebalancing, close.

Processes change the stock (`Stock`) and report what happened to the injected KPI tracker and
event emitter; they count nothing themselves. Times within a day (fractions): transfers land
0.05, trucks aim at 0.1, sales 0.5, supplier reviews 0.8, node reviews 0.9 (staggered over the
review period by route), rebalancing 0.95, day close 0.99.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from datetime import timedelta
from typing import Any

import numpy as np
import simpy

from fwdnet.logistics.design.transfers import plan_transfers
from fwdnet.logistics.inventory import RS, InventoryState
from fwdnet.logistics.inventory.contracts import revise_orders
from fwdnet.logistics.kernel.calendar import iso_week_index
from fwdnet.logistics.network.model import FloatArray, IntArray
from fwdnet.simulation.demand import DailyDemand, DemandLayout
from fwdnet.simulation.disruptions import Disruption, DisruptionKind, wait_until_clear
from fwdnet.simulation.docks import use_dock
from fwdnet.simulation.inputs import SimulationInput, TrunkRoute
from fwdnet.simulation.kpis import ShipmentRecord, TransferRecord
from fwdnet.simulation.streams import Streams
from fwdnet.simulation.tracker import KpiTracker
from fwdnet.simulation.waybills import E, Emitter, Event, StoreLegs, WaybillRow

Proc = Generator[simpy.Event, Any, None]
OUTAGE = (DisruptionKind.FW_OUTAGE,)
BLOCKED = (DisruptionKind.FW_OUTAGE, DisruptionKind.ROAD_CLOSURE)
DIRECT_TRUCK_KMH = 60.0  # speed of an unplanned CDC → FW truck
SEEN_RATE_WEIGHT = 1.0 / 14.0  # weight of today's demand in the smoothed rate rebalancing uses


class Stock:
    """Stock of the nodes (on hand, on order, backorders) and of the CDC warehouse (units)."""

    def __init__(self, inp: SimulationInput) -> None:
        nodes, skus = inp.initial_on_hand.shape
        self.on_hand = np.array(inp.initial_on_hand, dtype=np.float64)
        self.on_order = np.zeros((nodes, skus))
        self.backorders = np.zeros((nodes, skus))
        lg = inp.logistics
        self.cdc_finite = lg is not None and lg.cdc_order_up_to_by_week is not None
        self.cdc_on_hand = (np.array(lg.cdc_initial, dtype=np.float64)
                            if lg is not None and lg.cdc_initial is not None else np.zeros(skus))
        self.cdc_on_order = np.zeros(skus)


def week_of(inp: SimulationInput, day: int) -> int:
    return iso_week_index(inp.start + timedelta(days=day))


def policy_for(inp: SimulationInput, day: int, nodes: IntArray, offset: int) -> RS:
    """The (R, S) rule of `day`: S of the ISO week in which a typical order placed today lands."""
    lands = inp.start + timedelta(days=day + int(np.median(inp.lead_days)))
    return RS.of(inp.review_days, inp.order_up_to_by_week[iso_week_index(lands)][nodes], offset)


class Replay:
    """The processes of one replay over shared stock, tracker and emitter."""

    def __init__(self, inp: SimulationInput, streams: Streams, layout: DemandLayout,
                 tracker: KpiTracker, emitter: Emitter, disruptions: tuple[Disruption, ...],
                 on_day: Callable[[int], None] | None = None) -> None:
        self.inp, self.lay, self.kpi, self.emit = inp, layout, tracker, emitter
        self.on_day, self.disruptions = on_day, disruptions
        self.env = simpy.Environment()
        self.lg, self.cfg = inp.logistics, inp.settings
        self.n_nodes, self.n_skus = inp.initial_on_hand.shape
        self.stock = Stock(inp)
        self.demand = DailyDemand(inp, layout, streams.demand)
        self.daily_holding = inp.unit_cost * inp.holding_rate_per_year / 365.0
        # carrier delays per day × store, drawn up front in store order: identical per design
        days, n_stores = inp.days, inp.store_node.size
        c = streams.carrier
        self.carrier_delay_h = c.exponential(max(self.cfg.carrier_delay_mean_hours, 1e-9),
                                             (days, n_stores))
        self.carrier_exception = c.random((days, n_stores)) < self.cfg.carrier_exception_prob
        shape = self.cfg.supplier_lead_cv ** -2 if self.cfg.supplier_lead_cv > 0 else 0.0
        contract = inp.logistics.contract if inp.logistics is not None else None
        if contract is not None:  # the contract's lead times, by inverse CDF (CRN)
            self.supplier_lead = contract.lead_time.quantile(
                streams.supplier.random(days)).astype(np.float64)
        else:
            self.supplier_lead = (
                streams.supplier.gamma(shape, self.cfg.supplier_lead_days / shape, days)
                if shape > 0 else np.full(days, self.cfg.supplier_lead_days))
        self.network_demand = np.zeros(inp.initial_on_hand.shape[1])  # today's, for forecasts
        self.cdc_dock = simpy.Resource(self.env, capacity=max(1, self.cfg.cdc_docks))
        self.fw_docks = [simpy.Resource(self.env, capacity=max(1, self.cfg.fw_docks))
                         for _ in range(self.n_nodes)]
        self.ops = streams.operations
        lg = self.lg
        self.store_region = (tuple(lg.regions[int(r)] for r in inp.demand.store_region)
                             if lg is not None else ())
        self.held = None if inp.held is None or bool(np.all(inp.held)) else np.asarray(inp.held)
        self.spill_node = lg.direct_node if lg is not None else -1
        if self.held is not None and self.spill_node < 0:
            raise ValueError("held SKUs need a CDC node (logistics.direct_node) to serve the rest")
        # per node: the trunk waybill whose drop last filled its stock (parent of store waybills)
        self.fed_by: list[str | None] = [None] * self.n_nodes
        # demand seen lately per node × SKU (units/day, exponentially smoothed over ~2 weeks),
        # starting from the expected rate of the first day: what rebalancing calls hot or slow
        self.seen_rate = np.zeros((self.n_nodes, self.n_skus))
        np.add.at(self.seen_rate, inp.store_node, inp.demand.rate(inp.start))

    def _day_of(self, t: float) -> int:
        return min(int(t), self.inp.days - 1)

    # ---- demand and store deliveries -----------------------------------------------------
    def sales(self) -> Proc:
        """Draw every store × SKU demand of the day and serve it from the nodes' stock."""
        inp, env, st = self.inp, self.env, self.stock
        yield env.timeout(0.5)
        for day in range(inp.days):
            drawn = self.demand.draw(day)
            need = drawn.node
            self.network_demand = need.sum(axis=0)
            if self.held is not None:  # SKUs a FW does not hold: the CDC node serves them
                spill = np.where(self.held, 0.0, need)
                need = need - spill
                need[self.spill_node] += spill.sum(axis=0)
            self.seen_rate += SEEN_RATE_WEIGHT * (need - self.seen_rate)
            down = np.array([bool(wait_until_clear(self.disruptions, OUTAGE, n, env.now)
                                  > env.now) for n in inp.node_ids])
            avail = np.where(down[:, None], 0.0, st.on_hand)
            served_old = np.zeros_like(avail)
            if not inp.lost_sales:
                served_old = np.minimum(st.backorders, avail)
                st.backorders -= served_old
                avail = avail - served_old
            filled = np.minimum(need, avail)
            st.on_hand -= filled + served_old
            short = need - filled
            if inp.lost_sales:
                lost = short
            else:
                st.backorders += short
                lost = np.zeros_like(short)
            frac = np.divide(filled, need, out=np.ones_like(need), where=need > 0)
            gn = self.lay.group_node
            gfrac = (frac[gn] if self.held is None
                     else np.where(self.held[gn], frac[gn], frac[self.spill_node][None, :]))
            self._deliveries(day, drawn.store, drawn.group, frac, gfrac, served_old, need)
            self.kpi.sales(day, need, filled, served_old, lost, drawn.group, gfrac,
                           inp.delivery_cost_per_day, inp.lost_sales)
            self._penalties(day, filled + served_old, lost)
            yield env.timeout(1.0)

    def _penalties(self, day: int, sold: FloatArray, lost: FloatArray) -> None:
        """Lost sales (per-unit lost margin) and late sales (per unit and day of lead time
        beyond the FW's) of the day, at the scenario's rates (`Costs`)."""
        inp = self.inp
        lost_rmb = float(lost.sum(axis=0) @ inp.lost_unit_rmb) if inp.lost_unit_rmb is not None \
            else 0.0
        late_rmb = 0.0
        if inp.late_unit_day_rmb is not None and inp.late_days is not None:
            late_rmb = float(inp.late_days @ (sold @ inp.late_unit_day_rmb))
        self.kpi.penalties(day, lost_rmb, late_rmb)

    def _deliveries(self, day: int, store_units: IntArray, gd: FloatArray, frac: FloatArray,
                    gfrac: FloatArray, served_old: FloatArray, need: FloatArray) -> None:
        """Store deliveries of today's orders: units, weight, lead time, cost, CO2, waybills.

        Stores of one (node, region) group share its demand mix (same SKU rates up to store
        size), so a store gets the group's shipped units and kg in proportion to its own demand.
        Units of SKUs their FW does not hold come from the CDC as parcels (no waybills).
        """
        lg, lay, inp = self.lg, self.lay, self.inp
        w = lg.sku_weight_kg if lg is not None else np.zeros(self.n_skus)
        gf = gd * frac[lay.group_node]
        spilled = None
        if self.held is not None:
            held_g = self.held[lay.group_node]
            gf = gd * np.where(held_g, gfrac, 0.0)
            spilled = gd * np.where(held_g, 0.0, gfrac)
        g_total = gd.sum(axis=1)
        node_total = need.sum(axis=1)
        g_share = np.divide(g_total, node_total[lay.group_node], out=np.zeros_like(g_total),
                            where=node_total[lay.group_node] > 0)
        g_units = gf.sum(axis=1) + g_share * served_old.sum(axis=1)[lay.group_node]
        g_kg = gf @ w + g_share * (served_old @ w)[lay.group_node]
        total = np.asarray(store_units, dtype=np.float64)  # units per drawn store
        gid = lay.store_group
        share = np.divide(total, g_total[gid], out=np.zeros_like(total), where=g_total[gid] > 0)
        units = share * g_units[gid]
        kg = share * g_kg[gid]
        if lg is None:  # no physical model: stores get today's units tomorrow
            self.kpi.deliveries(day, units.sum(), units.sum())
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
        tkm = kg / 1000.0 * lg.store_km[store]
        ef = self.cfg.emission_kg_per_tkm
        self.kpi.deliveries(
            day, units.sum(), (units * (arrive - order_t)).sum(),
            float((tkm * np.where(third, ef.get("carrier", 0.0), ef.get("van", 0.0))).sum()),
            float((kg * third).sum()) * lg.carrier_rmb_per_kg)
        if spilled is not None:
            self._spilled_parcels(day, store, share, spilled @ w, spilled.sum(axis=1))
        if self.emit.log is None:
            return
        promised = np.asarray(day + lead_days + self.cfg.promised_hour / 24.0, dtype=np.float64)
        vol_per_unit = float(np.mean(lg.sku_volume_m3)) if lg.sku_volume_m3.size else 0.0
        self.emit.stores(StoreLegs(day, store, lay.store_node, units, kg, leave, arrive, third,
                                   promised, self.carrier_exception[day], tuple(self.fed_by)),
                         inp.node_ids, lg.store_ids, self.store_region, vol_per_unit)

    def _spilled_parcels(self, day: int, store: IntArray, share: FloatArray, g_kg: FloatArray,
                         g_units: FloatArray) -> None:
        """Parcels from the CDC for the SKUs a store's FW does not hold: carrier cost per kg,
        CDC lead time, the carrier's delays, CO2."""
        lg, lay = self.lg, self.lay
        assert lg is not None
        assert lg.store_cdc_km is not None
        assert lg.store_cdc_hours is not None
        gid = lay.store_group
        units, kg = share * g_units[gid], share * g_kg[gid]
        if not units.any():
            return
        delay_h = (self.carrier_delay_h[day, store]
                   + self.carrier_exception[day, store] * self.cfg.carrier_exception_hours)
        lead = int(lg.store_lead_days[self.spill_node])
        arrive = (day + 1 + self.cfg.van_start_hour / 24.0 + max(lead - 1, 0)
                  + (lg.store_cdc_hours[store] + delay_h) / 24.0)
        tkm = kg / 1000.0 * lg.store_cdc_km[store]
        self.kpi.deliveries(day, float(units.sum()), float((units * (arrive - day - 0.5)).sum()),
                            float(tkm.sum()) * self.cfg.emission_kg_per_tkm.get("carrier", 0.0),
                            float(kg.sum()) * lg.carrier_rmb_per_kg)

    # ---- replenishment -----------------------------------------------------------------------
    def review(self, group: int, nodes: IntArray, route: TrunkRoute | None) -> Proc:
        """(R, S) review of a group of nodes (one trunk route), staggered by the group index."""
        inp, env, st = self.inp, self.env, self.stock
        offset = group % inp.review_days
        yield env.timeout(0.9)
        for day in range(inp.days):
            policy = policy_for(inp, day, nodes, offset)
            if policy.reviews(day):
                state = InventoryState(st.on_hand[nodes], st.on_order[nodes],
                                       st.backorders[nodes])
                qty = np.rint(policy.order(state, period=day))
                if qty.sum() > 0:
                    st.on_order[nodes] += qty
                    env.process(self.trip(day, nodes, qty, route))
            yield env.timeout(1.0)

    def trip(self, day: int, nodes: IntArray, qty: FloatArray, route: TrunkRoute | None) -> Proc:
        """Pick at the CDC, drive the route, unload at each FW's dock; orders land as receipts."""
        inp, env, lg, cfg, st = self.inp, self.env, self.lg, self.cfg, self.stock
        ordered_t = env.now
        lead = max(int(inp.lead_days[nodes].min()), 1)
        if lg is None:
            # no physical model: the order lands at 0.1 of day + lead (tomorrow at the earliest)
            yield env.timeout(day + lead + 0.1 - env.now)
            for j, n in enumerate(nodes):
                self._receive(int(n), qty[j], ordered_t, ordered_t, "direct")
                self.kpi.replenishment_rmb(self._day_of(env.now),
                                           float(inp.replenishment_cost_per_delivery[n]))
            return
        legs_h = route.leg_hours if route is not None else (0.0,) * len(nodes)
        unload_h = cfg.unload_hours if route is not None else 0.0
        work_h = cfg.load_hours + sum(legs_h) + unload_h * len(nodes)
        depart = max(day + lead + 0.25 - work_h / 24.0, env.now)
        yield env.timeout(depart - env.now)
        shipped = qty
        if route is not None:
            yield env.process(use_dock(env, self.cdc_dock, self.ops.exponential(cfg.load_hours)))
        if st.cdc_finite:
            want = qty.sum(axis=0)
            ratio = np.divide(st.cdc_on_hand, want, out=np.ones_like(want), where=want > 0)
            shipped = np.floor(qty * np.minimum(ratio, 1.0)[None, :])
            st.cdc_on_hand -= shipped.sum(axis=0)
            st.on_order[nodes] -= qty - shipped  # not shipped: cancelled, re-ordered later
        picked = float(shipped.sum())
        self.kpi.handling(self._day_of(env.now), picked * lg.cdc_handling_rmb_per_unit)
        if route is None:  # the CDC's own store stock: an internal move, lands next morning
            yield env.timeout(max(day + lead + 0.1 - env.now, 0.0))
            for j, n in enumerate(nodes):
                self._receive(int(n), shipped[j], ordered_t, depart, "direct")
            return
        trucks = max(1, math.ceil(picked / lg.truck_capacity_units))
        w = lg.sku_weight_kg
        on_board_t = float((shipped @ w).sum()) / 1000.0
        ef = cfg.emission_kg_per_tkm.get("truck", 0.0)
        hours = work_h
        waybills = [self.emit.number("TR") for _ in nodes]
        events: list[list[Event]] = [
            [(E.CREATED, ordered_t, lg.cdc_id), (E.PICKED_UP, env.now, lg.cdc_id),
             (E.IN_TRANSIT, env.now + 1e-3, lg.cdc_id)] for _ in nodes]
        co2 = 0.0
        for j, n in enumerate(nodes):
            yield env.timeout(route.leg_hours[j] / 24.0)
            co2 += on_board_t * route.leg_km[j] * ef
            fw = inp.node_ids[int(n)]
            clear = wait_until_clear(self.disruptions, BLOCKED, fw, env.now)
            if clear > env.now:
                events[j].append((E.EXCEPTION, env.now, fw))
                hours += (clear - env.now) * 24.0
                yield env.timeout(clear - env.now)
            events[j].append((E.ARRIVED_AT_HUB, env.now, fw))
            yield env.process(use_dock(env, self.fw_docks[int(n)],
                                       self.ops.exponential(cfg.unload_hours)))
            self._receive(int(n), shipped[j], ordered_t, depart, "trunk")
            if waybills[j] and shipped[j].sum() > 0:
                self.fed_by[int(n)] = waybills[j]
            events[j].append((E.DELIVERED, env.now, fw))
            on_board_t -= float(shipped[j] @ w) / 1000.0
        km = sum(route.leg_km) + route.return_km
        hours += route.return_hours
        cost = trucks * (lg.truck_fixed_rmb + km * lg.truck_rmb_per_km
                         + hours * lg.truck_rmb_per_hour)
        self.kpi.trunk_trip(self._day_of(depart), nodes, cost, co2, picked,
                            trucks * lg.truck_capacity_units)
        if self.emit.log is None:
            return
        for j, n in enumerate(nodes):
            fw = inp.node_ids[int(n)]
            self.emit.trunk(WaybillRow(
                waybills[j], "own-fleet", lg.cdc_id, fw, lg.regions[int(lg.node_region[int(n)])],
                "replenishment", float(shipped[j].sum()), float(shipped[j] @ w),
                float(shipped[j] @ lg.sku_volume_m3), ordered_t, day + lead + 0.25), events[j])

    def _receive(self, node: int, shipped: FloatArray, ordered_t: float, departed: float,
                 kind: str) -> None:
        st = self.stock
        st.on_hand[node] += shipped
        st.on_order[node] -= shipped
        handling = self.lg.handling_rmb_per_unit[node] if self.lg is not None else None
        self.kpi.receipt(self._day_of(self.env.now), node, shipped, handling,
                         ShipmentRecord(kind, node, ordered_t, departed, self.env.now,
                                        float(shipped.sum())))

    # ---- the CDC's supplier ------------------------------------------------------------------
    def supplier(self) -> Proc:
        """Weekly CDC review on its echelon position; deliveries land after a random lead time."""
        inp, env, lg, st = self.inp, self.env, self.lg, self.stock
        assert lg is not None
        assert lg.cdc_order_up_to_by_week is not None
        yield env.timeout(0.8)
        for day in range(inp.days):
            if day % 7 == 0:
                target = lg.cdc_order_up_to_by_week[week_of(inp, day)]
                position = (st.cdc_on_hand + st.cdc_on_order)
                qty = np.rint(np.maximum(target - position, 0.0))
                if qty.sum() > 0:
                    st.cdc_on_order += qty
                    env.process(self.supplier_delivery(day, qty))
            yield env.timeout(1.0)

    def supplier_contract(self) -> Proc:
        """The CDC's orders under a supplier contract: (R, S) every `review_days` on its
        position, lots (MOQ, case pack); a flexible contract revises open orders each evening
        to the latest forecast (exponential smoothing of network demand) within its band
        until the cut-off (`logistics.inventory.contracts.revise_orders`)."""
        inp, env, lg, st = self.inp, self.env, self.lg, self.stock
        assert lg is not None
        assert lg.contract is not None
        assert lg.cdc_order_up_to_by_week is not None
        c = lg.contract
        first = week_of(inp, 0)
        f = (np.array(lg.cdc_daily_by_week[first]) if lg.cdc_daily_by_week is not None
             else np.zeros(self.n_skus))
        safety_days = max(lg.cdc_cover_days - c.review_days, 0.0)
        self.open_orders: list[list[Any]] = []  # [placed, due, base, qty]
        yield env.timeout(0.8)
        for day in range(inp.days):
            f = 0.8 * f + 0.2 * self.network_demand
            if c.flexible and self.open_orders:
                nxt = -(-(day + 1) // c.review_days) * c.review_days
                res = revise_orders(
                    c, today=day, on_hand=st.cdc_on_hand,
                    open_qty=np.array([o[3] for o in self.open_orders]),
                    base_qty=np.array([o[2] for o in self.open_orders]),
                    due_days=[o[1] for o in self.open_orders], forecast=f,
                    safety_stock=f * safety_days, next_arrival=nxt + c.lead_time.mean)
                moved = float(np.abs(res.changed_units).sum())
                if moved > 0:
                    for o, new in zip(self.open_orders, res.qty, strict=True):
                        st.cdc_on_order += new - o[3]
                        o[3] = np.array(new)
                    self.kpi.revision(day, moved, res.fee_rmb)
            if day % c.review_days == 0:
                target = lg.cdc_order_up_to_by_week[week_of(inp, day)]
                qty = c.lot(np.maximum(target - st.cdc_on_hand - st.cdc_on_order, 0.0))
                if qty.sum() > 0:
                    order = [day, day + int(self.supplier_lead[day]), qty, qty.copy()]
                    self.open_orders.append(order)
                    st.cdc_on_order += qty
                    env.process(self.contract_delivery(order))
            yield env.timeout(1.0)

    def contract_delivery(self, order: list[Any]) -> Proc:
        """A contract order lands on its due day (plus any supplier delay), as last revised."""
        env, st, lg = self.env, self.stock, self.lg
        assert lg is not None
        assert lg.contract is not None
        placed, due = float(order[0]) + 0.8, float(order[1]) + 0.05
        extra = max((d.extra_days for d in self.disruptions
                     if d.kind == DisruptionKind.SUPPLIER_DELAY and d.active(due)), default=0.0)
        yield env.timeout(max(due + extra - env.now, 0.0))
        self.open_orders.remove(order)
        qty = order[3]
        st.cdc_on_hand += qty
        st.cdc_on_order -= qty
        units = float(qty.sum())
        premium = units * lg.contract.premium_rmb_per_unit if lg.contract.flexible else 0.0
        self.kpi.supplier_receipt(ShipmentRecord("supplier", -1, placed, placed, env.now, units),
                                  self._day_of(env.now), premium)

    def supplier_delivery(self, day: int, qty: FloatArray) -> Proc:
        env, st = self.env, self.stock
        ordered = env.now
        due = day + max(1.0, float(self.supplier_lead[day])) + 0.05
        extra = max((d.extra_days for d in self.disruptions
                     if d.kind == DisruptionKind.SUPPLIER_DELAY and d.active(due)), default=0.0)
        yield env.timeout(due + extra - env.now)
        st.cdc_on_hand += qty
        st.cdc_on_order -= qty
        self.kpi.supplier_receipt(ShipmentRecord("supplier", -1, ordered, ordered, env.now,
                                                 float(qty.sum())), self._day_of(env.now))

    # ---- rebalancing -------------------------------------------------------------------------
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
                    self.disruptions, BLOCKED, inp.node_ids[int(n)], env.now) <= env.now]
                if len(up) >= 2:
                    self._send_transfers(day, np.array(up, dtype=np.int64))
            yield env.timeout(1.0)

    def _send_transfers(self, day: int, nodes: IntArray) -> None:
        """Move stock from FWs that sell a SKU slowly to FWs about to run out of it, where the
        lost sales avoided (the scenario's penalty rate × price) pay for the trucks."""
        inp, lg, st = self.inp, self.lg, self.stock
        assert lg is not None
        km = lg.node_km[np.ix_(nodes, nodes)]
        moves = plan_transfers(st.on_hand[nodes], st.on_order[nodes], self.seen_rate[nodes],
                               inp.lead_days[nodes].astype(np.float64), inp.review_days, km,
                               lg.truck_capacity_units, lg.truck_fixed_rmb,
                               lg.truck_rmb_per_km, lg.lost_sale_penalty_rate * inp.price,
                               self.daily_holding * 30.0, self.cfg.rebalance_min_units)
        if not moves.transfers:
            return
        w = lg.sku_weight_kg
        ef = self.cfg.emission_kg_per_tkm.get("truck", 0.0)
        for t in moves.transfers:
            src, dst = int(nodes[t.src]), int(nodes[t.dst])
            st.on_hand[src, t.sku] -= t.units
            st.on_order[dst, t.sku] += t.units
            self.kpi.transfer_sent(
                day, TransferRecord(day, t.sku, src, dst, float(t.units), moves.unit_cost(t)),
                t.units * w[t.sku] / 1000.0 * km[t.src, t.dst] * ef)
            self.env.process(self._land_transfer(day, src, dst, t.sku, float(t.units)))
        self.kpi.transfer_cost(day, moves.cost)

    def _land_transfer(self, day: int, src: int, dst: int, sku: int, units: float) -> Proc:
        sent = self.env.now
        yield self.env.timeout(day + 1.05 - self.env.now)
        st = self.stock
        st.on_hand[dst, sku] += units
        st.on_order[dst, sku] -= units
        self.kpi.transfer_landed(self._day_of(self.env.now), dst, sku,
                                 ShipmentRecord("transfer", dst, sent, sent, self.env.now, units))

    # ---- end of day --------------------------------------------------------------------------
    def close(self) -> Proc:
        """End of day: stock, stockouts, holding cost, backorders; progress callback."""
        inp, env, st = self.inp, self.env, self.stock
        yield env.timeout(0.99)
        for day in range(inp.days):
            stocked = inp.order_up_to_by_week[week_of(inp, day)] > 0
            self.kpi.close(day, st.on_hand, st.cdc_on_hand, st.backorders, stocked,
                           self.daily_holding)
            if self.on_day is not None:
                self.on_day(day)
            yield env.timeout(1.0)

    # ---- driver ------------------------------------------------------------------------------
    def groups(self) -> list[tuple[IntArray, TrunkRoute | None]]:
        """Nodes reviewed together: one group per planned trunk route, then the rest alone
        (a FW missing from the planned routes gets a direct truck; the CDC's own stock none)."""
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
            if n != lg.direct_node:
                km = float(lg.node_km[-1, n])
                back = float(lg.node_km[n, -1])
                route = TrunkRoute((n,), (km,), (km / DIRECT_TRUCK_KMH,), back,
                                   back / DIRECT_TRUCK_KMH)
            out.append((np.array([n], dtype=np.int64), route))
        return out

    def run(self) -> None:
        """Register every process and run the horizon."""
        env = self.env
        env.process(self.sales())
        for g, (nodes, route) in enumerate(self.groups()):
            env.process(self.review(g, nodes, route))
        if self.stock.cdc_finite:
            contract = self.lg.contract if self.lg is not None else None
            env.process(self.supplier() if contract is None else self.supplier_contract())
        if self.lg is not None and self.cfg.rebalance_every_days > 0 and self.n_nodes >= 2:
            env.process(self.rebalance())
        env.process(self.close())
        env.run(until=self.inp.days)
