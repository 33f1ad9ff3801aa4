"""Branch and bound over the open set for large single-source location problems.

Each node fixes some candidates open or closed and takes the Lagrangian bound of `lagrangian`
(assignments relaxed: one continuous knapsack per candidate; a relaxation of single source and
of the m³ row, so it stays a valid bound). Per-candidate forced bounds fix more candidates at
each node, the strongest one is branched on; each open set a node suggests is priced by its
transportation LP rounded to single source and repaired for both capacities. The search stops
once the best plan is within `rel_gap` of the smallest open bound (0.1 %: a few thousand RMB at
1,000 stores), or at the caller's time limit, which stays hard. Units as in `LocationProblem`.
"""

from __future__ import annotations

import dataclasses
import heapq
import math
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from fwdnet.logistics.design.lagrangian import _cover_lp, _Knapsacks, transport_cost
from fwdnet.logistics.design.location import (
    LocationProblem,
    LocationResult,
    _gap,
    _status,
)
from fwdnet.logistics.kernel.arrays import frozen

FloatArray = NDArray[np.float64]

REL_GAP = 1e-3  # stop when the plan is proven within 0.1 % of the optimum
REPAIR_ROUNDS = 6  # LP re-solves with shrunk capacities when rounding overfills a FW
ROOT_ITERATIONS = 150  # subgradient steps at the root …
NODE_ITERATIONS = 40  # … and at every other node (warm-started from the parent's multipliers)


@dataclass(frozen=True)
class _Node:
    bound: float
    opened: frozenset[int]
    closed: frozenset[int]
    lam: FloatArray


class _Search:
    """The problem's data shared by every node, and the best single-source plan found so far."""

    def __init__(self, problem: LocationProblem, rel_gap: float, deadline: float) -> None:
        self.p = problem
        self.reach = problem.reach()
        self.rel_gap = rel_gap
        self.deadline = deadline
        self.ub = math.inf
        self.best_open: tuple[int, ...] = ()
        self.best_assign = np.zeros((problem.n_candidates, problem.n_customers))
        self.priced: dict[frozenset[int], float] = {}
        self.nodes = 0
        self.floor = math.inf  # smallest bound of any part of the tree pruned so far

    def prune(self, bound: float) -> None:
        """Record the bound of a subtree left out (the final bound is the least of these)."""
        self.floor = min(self.floor, bound)

    def target(self) -> float:
        """A node whose bound reaches this cannot improve the plan by more than the gap."""
        return self.ub * (1 - self.rel_gap) if math.isfinite(self.ub) else math.inf

    # --- bounds -------------------------------------------------------------------------
    def bound(self, opened: frozenset[int], closed: frozenset[int], lam: FloatArray
              ) -> tuple[float, FloatArray, FloatArray, FloatArray, FloatArray, list[int]]:
        """Lagrangian bound with `opened` forced open and `closed` removed: (bound, multipliers,
        open fractions y, forced-open and forced-closed bounds per free candidate, free ids)."""
        p = self.p
        keep = [i for i in range(p.n_candidates) if i not in closed]
        if not keep or not self.reach[keep].any(axis=0).all():
            return math.inf, lam, np.zeros(0), np.zeros(0), np.zeros(0), []
        pos = {i: k for k, i in enumerate(keep)}
        sub = LocationProblem(
            fixed_cost=p.fixed_cost[keep], capacity=p.capacity[keep], demand=p.demand,
            assign_cost=p.assign_cost[keep], reachable=self.reach[keep], single_source=False,
            min_open=p.min_open, locked_open=tuple(pos[i] for i in sorted(opened)))
        ks = _Knapsacks(sub)
        if ks.k_min > len(keep):
            return math.inf, lam, np.zeros(0), np.zeros(0), np.zeros(0), []
        best_lb, best_lam, best_y, best_mu = -math.inf, lam, np.zeros(len(keep)), 0.0
        alpha, since, mu = 1.0, 0, 0.0
        for _ in range(ROOT_ITERATIONS if self.nodes <= 1 else NODE_ITERATIONS):
            v, x = ks.solve(lam)
            y, val, mu = _cover(ks, v, p.max_open, mu)
            lb = float(lam.sum() + val)
            if lb > best_lb + 1e-10 * abs(lb):
                best_lb, best_lam, best_y, best_mu, since = lb, lam, y, mu, 0
            else:
                since += 1
                if since >= 10:
                    alpha, since = alpha / 2, 0
            if best_lb >= self.target() or alpha < 1e-4 or time.perf_counter() > self.deadline:
                break
            g = 1.0 - (y[:, None] * x).sum(axis=0)
            norm = float(g @ g)
            if norm < 1e-12:
                break
            goal = self.ub if math.isfinite(self.ub) else abs(lb) * 1.05 + 1.0
            lam = lam + alpha * max(goal - lb, 1e-9 * abs(lb)) / norm * g
        v, _ = ks.solve(best_lam)
        opened_b, closed_b = ks.forced_bounds(float(best_lam.sum()), v)
        if p.max_open is not None and p.max_open < len(keep):
            capped_open, capped_closed = _forced_capped(ks, float(best_lam.sum()), v,
                                                        p.max_open, best_mu)
            opened_b = np.maximum(opened_b, capped_open)
            closed_b = np.maximum(closed_b, capped_closed)
        full_y = np.zeros(p.n_candidates)
        full_y[keep] = best_y
        ob = np.full(p.n_candidates, -math.inf)
        cb = np.full(p.n_candidates, -math.inf)
        ob[keep], cb[keep] = opened_b, closed_b
        free = [i for i in keep if i not in opened]
        return best_lb, best_lam, full_y, ob, cb, free

    # --- plans --------------------------------------------------------------------------
    def price(self, open_set: frozenset[int]) -> float:
        """Single-source plan for `open_set` (transportation LP, rounded and repaired), kept
        when it beats the best so far; returns the LP's value, a bound for this open set."""
        if not open_set:
            return math.inf
        if open_set not in self.priced:
            split, cost, assign = single_source_plan(self.p, tuple(sorted(open_set)),
                                                     above=self.ub)
            self.priced[open_set] = split
            if cost < self.ub:
                self.ub, self.best_open, self.best_assign = cost, tuple(sorted(open_set)), assign
        return self.priced[open_set]


def _cover(ks: _Knapsacks, v: FloatArray, cap: int | None, hint: float = 0.0
           ) -> tuple[FloatArray, float, float]:
    """Open fractions y, the y-subproblem's bound and the μ that gave it: the knapsack
    module's cover, and with an open-count cap K also [cover LP of v + μ] − μK for μ >= 0
    (weak duality on Σy ≤ K: any μ is valid), over a grid, or near the last μ (`hint`)."""
    y = ks.cover(v)
    val, best_mu = float(v @ y), 0.0
    if cap is None or cap >= v.shape[0]:
        return y, val, 0.0
    if hint > 0:  # multipliers move little between steps: look around the last μ
        mus = hint * 2.0 ** np.arange(-2.0, 2.5, 0.5)
    else:
        mus = max(float(np.abs(v).max()), 1.0) * 2.0 ** -np.arange(0, 40, 1.0)
    for mu in mus.tolist():
        y_mu = ks._cover_lp_y(v + mu)
        got = float((v + mu) @ y_mu) - mu * cap
        if got > val:
            y, val, best_mu = y_mu, got, mu
    return y, val, best_mu


def _card_capped(values: FloatArray, k_min: int, k_max: int, forced: NDArray[np.bool_]
                 ) -> float:
    """min Σ v_i y_i with k_min <= Σy <= k_max, y binary, forced ones at 1 (inf if none)."""
    total = float(values[forced].sum())
    room = k_max - int(forced.sum())
    free = np.sort(values[~forced])
    need = max(0, k_min - int(forced.sum()))
    if room < need or need > free.size:
        return math.inf
    take = need + int((free[need:room] < 0).sum())
    return total + float(free[:take].sum())


def _forced_capped(ks: _Knapsacks, base: float, v: FloatArray, cap: int, hint: float = 0.0
                   ) -> tuple[FloatArray, FloatArray]:
    """Bounds with candidate i forced open / closed under the open-count cap: the capacity
    cover by weak duality on Σy <= cap (μ on a grid, or around the node's μ `hint`) and the
    count bounds with the cap."""
    m = v.shape[0]
    opened, closed = np.full(m, math.inf), np.full(m, math.inf)
    scale = max(float(np.abs(v).max()), 1.0)
    grid = hint * 2.0 ** np.arange(-3.0, 3.5, 0.5) if hint > 0 else \
        scale * 2.0 ** -np.arange(0, 40, 1.0)
    mus = [0.0, *grid.tolist()]
    for i in range(m):
        mask = np.ones(m, dtype=np.bool_)
        mask[i] = False
        vm, cm, fm = v[mask], ks.cap[mask], ks.locked[mask]
        if int(fm.sum()) + 1 <= cap:
            best = _card_capped(vm, ks.k_min - 1, cap - 1, fm)
            for mu in mus:
                best = max(best, _cover_lp(vm + mu, cm, ks.need - float(ks.cap[i]), fm)
                           - mu * (cap - 1))
            opened[i] = base + float(v[i]) + best
        if not ks.locked[i]:
            best = _card_capped(vm, ks.k_min, cap, fm)
            for mu in mus:
                best = max(best, _cover_lp(vm + mu, cm, ks.need, fm) - mu * cap)
            closed[i] = base + best
    return opened, closed


def single_source_plan(problem: LocationProblem, open_idx: tuple[int, ...],
                       above: float = math.inf) -> tuple[float, float, FloatArray]:
    """(split LP value, single-source cost, its (m, n) 0/1 assignment) for the open set: each
    store to its largest share in the transportation LP, then stores moved off any FW over its
    units or m³ capacity (cheapest move first); costs inf when the LP or the repair fails, or
    when the LP alone already costs `above` (no plan of this set can beat it)."""
    split, frac = transport_cost(problem, open_idx)
    m, n = problem.n_candidates, problem.n_customers
    if not split < above:
        return split, math.inf, np.zeros((m, n))
    rows = np.asarray(open_idx)
    reach = problem.reach()[rows]
    cost = np.where(reach, problem.assign_cost[rows], np.inf)
    dims = [(problem.demand, problem.capacity[rows])]
    if problem.capacity_m3 is not None and problem.demand_m3 is not None:
        dims.append((problem.demand_m3, problem.capacity_m3[rows]))
    cap_lp = problem.capacity.copy()
    for _ in range(REPAIR_ROUNDS):  # round the LP; shrink the LP capacity of overfull FWs
        to = np.argmax(frac[rows], axis=0)
        loads = [np.bincount(to, weights=d, minlength=len(rows)).astype(np.float64)
                 for d, _ in dims]
        first = [load.copy() for load in loads]
        if _repair(to, cost, dims, loads):
            break
        over = first[0] - dims[0][1]
        for extra, (_, cap) in zip(first[1:], dims[1:], strict=True):
            over = np.maximum(over, (extra - cap) / np.maximum(cap, 1e-300) * dims[0][1])
        cap_lp[rows] = np.maximum(cap_lp[rows] - np.maximum(over, 0.0) * 1.05, 0.0)
        shrunk = dataclasses.replace(problem, capacity=cap_lp)
        value, frac = transport_cost(shrunk, open_idx)
        if not math.isfinite(value):
            return split, math.inf, np.zeros((m, n))
    else:
        return split, math.inf, np.zeros((m, n))
    to = _local_search(to, cost, dims, loads)
    assign = np.zeros((m, n))
    assign[rows[to], np.arange(n)] = 1.0
    total = float(problem.fixed_cost[rows].sum()) + float(cost[to, np.arange(n)].sum())
    return split, total, assign


def _repair(to: NDArray[np.intp], cost: FloatArray, dims: list[tuple[FloatArray, FloatArray]],
            loads: list[FloatArray]) -> bool:
    """Bring every FW within its capacities by moving stores off it, or swapping them for
    smaller ones, at the least cost per unit of excess removed; False when stuck."""
    here = cost[to, np.arange(cost.shape[1])]
    for _ in range(4 * cost.shape[1]):
        excess = [load - cap * (1 + 1e-12) for load, (_, cap) in zip(loads, dims, strict=True)]
        worst = [(float(e.max()), d) for d, e in enumerate(excess)]
        top, dim = max(worst)
        if top <= 0:
            return True
        k = int(np.argmax(excess[dim]))
        a = np.flatnonzero(to == k)
        best = (math.inf, -1, -1, -1)  # (cost per unit removed, store out, FW in, store back)
        for r in range(cost.shape[0]):
            if r == k:
                continue
            b = np.flatnonzero(to == r)
            # column 0: plain move; others: swap with a store of r
            back = np.concatenate([[-1], b])
            out = dims[dim][0][a][:, None] - np.concatenate([[0.0], dims[dim][0][b]])[None, :]
            delta = (cost[r, a][:, None] - here[a][:, None]
                     + np.concatenate([[0.0], cost[k, b] - here[b]])[None, :])
            ok = np.isfinite(delta) & (out > 0)
            for load, (dem, cap) in zip(loads, dims, strict=True):
                net = dem[a][:, None] - np.concatenate([[0.0], dem[b]])[None, :]
                ok &= load[r] + net <= cap[r]
            if not ok.any():
                continue
            with np.errstate(divide="ignore", invalid="ignore"):
                score = np.where(ok, delta / np.minimum(out, top), np.inf)
            ia, ib = np.unravel_index(int(np.argmin(score)), score.shape)
            if score[ia, ib] < best[0]:
                best = (float(score[ia, ib]), int(a[ia]), r, int(back[ib]))
        if not math.isfinite(best[0]):
            return False
        _, ja, r, jb = best
        for load, (dem, _) in zip(loads, dims, strict=True):
            load[k] -= dem[ja]
            load[r] += dem[ja]
            if jb >= 0:
                load[r] -= dem[jb]
                load[k] += dem[jb]
        to[ja], here[ja] = r, cost[r, ja]
        if jb >= 0:
            to[jb], here[jb] = k, cost[k, jb]
    return False


def _local_search(to: NDArray[np.intp], cost: FloatArray,
                  dims: list[tuple[FloatArray, FloatArray]], loads: list[FloatArray],
                  rounds: int = 50) -> NDArray[np.intp]:
    """Single-source assignment improved by moves (a store to a FW with room) and swaps (two
    stores of two FWs trade places) while both capacities hold; best improvement per FW pair."""
    r_count, n = cost.shape
    cols = np.arange(n)
    for _ in range(rounds):
        better = False
        here = cost[to, cols]
        room = np.ones((r_count, n), dtype=np.bool_)
        for load, (dem, cap) in zip(loads, dims, strict=True):
            room &= (cap - load)[:, None] >= dem[None, :]
        delta = np.where(room, cost - here[None, :], np.inf)
        delta[to, cols] = np.inf
        for j in np.argsort(delta.min(axis=0), kind="stable").tolist():
            r = int(np.argmin(delta[:, j]))
            if not delta[r, j] < -1e-9:
                break
            if all(cap[r] - load[r] >= dem[j] for load, (dem, cap) in zip(loads, dims,
                                                                             strict=True)):
                for load, (dem, _) in zip(loads, dims, strict=True):
                    load[to[j]] -= dem[j]
                    load[r] += dem[j]
                to[j] = r
                better = True
        here = cost[to, cols]
        for k in range(r_count):
            a = np.flatnonzero(to == k)
            for r in range(k + 1, r_count):
                b = np.flatnonzero(to == r)
                if a.size == 0 or b.size == 0:
                    continue
                gain = (cost[r, a][:, None] - here[a][:, None]
                        + cost[k, b][None, :] - here[b][None, :])
                ok = np.isfinite(gain) & (gain < -1e-9)
                if not ok.any():
                    continue
                for load, (dem, cap) in zip(loads, dims, strict=True):
                    shift = dem[a][:, None] - dem[b][None, :]  # what k sends r, net
                    ok &= (load[k] - shift <= cap[k]) & (load[r] + shift <= cap[r])
                if not ok.any():
                    continue
                ia, ib = np.unravel_index(int(np.argmin(np.where(ok, gain, np.inf))), gain.shape)
                ja, jb = int(a[ia]), int(b[ib])
                for load, (dem, _) in zip(loads, dims, strict=True):
                    load[k] += dem[jb] - dem[ja]
                    load[r] += dem[ja] - dem[jb]
                to[ja], to[jb] = r, k
                here[ja], here[jb] = cost[r, ja], cost[k, jb]
                a = np.flatnonzero(to == k)
                better = True
        if not better:
            break
    return to


def solve_open_set(problem: LocationProblem, time_limit_s: float = 30.0,
                   rel_gap: float = REL_GAP) -> LocationResult:
    """Branch and bound over which candidates open, for single-source problems (`max_open`
    cuts nodes and the plans priced); fields as `solve_location`, status optimal once the plan
    is proven within `rel_gap` (its `gap` says how close)."""
    start = time.perf_counter()
    s = _Search(problem, rel_gap, start + time_limit_s)
    finite = np.where(s.reach, problem.assign_cost, np.nan)
    lam0 = np.nan_to_num(np.nanmin(finite, axis=0))
    locked = frozenset(problem.locked_open)
    cap = problem.max_open  # nodes with more open are cut, at the cap the rest are closed
    heap: list[tuple[float, int, _Node]] = [(-math.inf, 0, _Node(-math.inf, locked,
                                                                   frozenset(), lam0))]
    proven = -math.inf  # smallest bound of the nodes left when the search stopped
    counter = 1
    while heap:
        if time.perf_counter() > s.deadline:
            proven = min(s.floor, *(n.bound for _, _, n in heap))
            break
        _, _, node = heapq.heappop(heap)
        if node.bound >= s.target():
            s.prune(node.bound)
            continue
        opened, closed, lam = set(node.opened), set(node.closed), node.lam
        while True:  # bound, fix what the forced bounds decide, bound again
            if cap is not None and len(opened) >= cap:
                if len(opened) > cap:  # more open than max_open allows: no plan here
                    lb = math.inf
                    break
                closed = set(range(problem.n_candidates)) - opened
            s.nodes += 1
            lb, lam, y, ob, cb, free = s.bound(frozenset(opened), frozenset(closed), lam)
            if lb >= s.target():
                s.prune(lb)
                break
            more = [i for i in np.argsort(-y, kind="stable").tolist()
                    if y[i] > 1e-9 and i not in opened]
            if cap is not None:  # the most-open candidates the cap leaves room for
                more = more[:max(0, cap - len(opened))]
            s.price(frozenset(opened) | frozenset(more))
            goal = s.target()
            off = [i for i in free if ob[i] >= goal]
            must = [i for i in free if cb[i] >= goal and ob[i] < goal]
            if not off and not must:
                break
            for i in off:
                s.prune(float(ob[i]))
            for i in must:
                s.prune(float(cb[i]))
            closed |= set(off)
            opened |= set(must)
        if lb >= s.target():
            continue
        free = [i for i in free if i not in closed and i not in opened]
        if not free:  # every candidate decided: the open set's LP is the node's exact bound
            s.prune(s.price(frozenset(opened)))
            continue
        br = max(free, key=lambda i: (min(ob[i], cb[i]), -i))
        for child_open, child_closed, child_bound in (
                (opened | {br}, closed, max(lb, ob[br])),
                (opened, closed | {br}, max(lb, cb[br]))):
            if child_bound < s.target():
                heapq.heappush(heap, (child_bound, counter,
                                      _Node(child_bound, frozenset(child_open),
                                            frozenset(child_closed), lam)))
                counter += 1
            else:
                s.prune(child_bound)
    else:
        proven = s.floor
    runtime = time.perf_counter() - start
    if not math.isfinite(s.ub):
        from fwdnet.logistics.design.location import _no_plan

        return _no_plan(problem.n_candidates, problem.n_customers, runtime, time_limit_s,
                        "no single-source plan found for the open sets tried")
    bound = min(s.ub, proven)
    gap = _gap(s.ub, bound)
    done = gap <= rel_gap + 1e-12
    fixed = float(problem.fixed_cost[list(s.best_open)].sum())
    return LocationResult(
        status=_status(done, runtime, time_limit_s),
        objective=s.ub,
        bound=bound,
        gap=gap,
        runtime_s=runtime,
        open=s.best_open,
        assignment=frozen(s.best_assign),
        reason=(f"proven within {gap:.3%} of the optimum (branch and bound over the open set, "
                f"{s.nodes} nodes, stop at {rel_gap:.1%})" if done else ""),
        fixed_total=fixed,
        assign_total=s.ub - fixed,
    )
