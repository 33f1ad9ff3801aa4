"""Portfolio over cores: PyVRP with seeds seed, seed+1, … in forked processes; best plan wins.

Opt-in (`solve(..., workers=2)`): the extra processes follow the main search's stop (they stop
when it does, at the latest at the hard time limit), so the wall time does not grow.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event

from fwdnet.logistics.routing.model import PlannedRoute, RoutingProblem
from fwdnet.logistics.routing.ortools_backend import BackendOutput
from fwdnet.logistics.routing.pyvrp_backend import solve_pyvrp
from fwdnet.logistics.routing.scaling import route_cost_rmb
from fwdnet.logistics.routing.stop import Check


def plan_rank(problem: RoutingProblem, out: BackendOutput) -> tuple[int, int, float]:
    """Sort key: complete plans first, then fewer required stops left out, then RMB cost."""
    missing = sum(problem.clients[c].required for c in out.unserved)
    cost = sum(route_cost_rmb(problem, r.vehicle_type, r.distance_m, r.duration_s)
               for r in out.routes)
    cost += sum(problem.clients[c].penalty for c in out.unserved
                if not problem.clients[c].required)
    return (0 if out.found else 1, missing, cost)


def _worker(conn: Connection, problem: RoutingProblem, seed: int, limit: float, stop: Event,
            initial: tuple[PlannedRoute, ...]) -> None:
    out = solve_pyvrp(problem, lambda _best: stop.is_set(), limit, seed, initial)
    conn.send(out)
    conn.close()


def solve_pyvrp_portfolio(problem: RoutingProblem, check: Check, limit: float, seed: int,
                          initial: tuple[PlannedRoute, ...], workers: int) -> BackendOutput:
    """Run `workers` PyVRP searches at once (this process runs `seed`) and keep the best."""
    ctx = mp.get_context("fork")
    stop = ctx.Event()
    procs = []
    for k in range(1, workers):
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_worker, args=(child, problem, seed + k, limit, stop, initial),
                           daemon=True)
        proc.start()
        procs.append((proc, parent))
    outs = [solve_pyvrp(problem, check, limit, seed, initial)]
    stop.set()
    for proc, conn in procs:
        if conn.poll(timeout=2.0):
            outs.append(conn.recv())
        proc.join(timeout=1.0)
        if proc.is_alive():
            proc.kill()
    return min(outs, key=lambda o: plan_rank(problem, o))
