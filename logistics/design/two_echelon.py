"""Two-echelon plan (CDC→FW trucks, FW→store vans) by decomposition around `logistics.routing`.

For every split of the van fleet between the FWs (satellites), the routing engine solves the
second echelon as a multi-depot VRP, which also assigns each store to a FW; the first echelon is
then solved exactly for the resulting FW loads (split deliveries, two FWs) or by the routing
engine (more FWs). The cheapest total wins. Distances are Euclidean in the instance's units.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from fwdnet.logistics.design.status import SolveStatus
from fwdnet.logistics.errors import InputError

FloatArray = NDArray[np.float64]
SCALE = 10_000  # instance distance units → integer matrix units for the routing engine
MAX_SPLITS = 12  # fleet splits tried before falling back to one unrestricted solve


@dataclass(frozen=True)
class TwoEchelonInstance:
    """Depot, satellites (FWs) and customers (stores) in the plane with two fleets."""

    name: str
    depot_xy: FloatArray  # (2,)
    satellite_xy: FloatArray  # (s, 2)
    customer_xy: FloatArray  # (n, 2)
    demand: NDArray[np.int64]  # (n,)
    l1_capacity: int
    l2_capacity: int
    l1_fleet: int
    l2_fleet: int


@dataclass(frozen=True)
class TruckRoute:
    """A first-echelon truck: satellites visited in order and what it drops at each."""

    satellites: tuple[int, ...]
    loads: tuple[int, ...]
    cost: float


@dataclass(frozen=True)
class VanRoute:
    """A second-echelon van from `satellite` through `customers` (0-based) and back."""

    satellite: int
    customers: tuple[int, ...]
    load: int
    cost: float


@dataclass(frozen=True)
class TwoEchelonResult:
    """Both echelons' routes and costs; status as for every fwdnet solve."""

    status: SolveStatus
    cost: float
    l1_cost: float
    l2_cost: float
    trucks: tuple[TruckRoute, ...]
    vans: tuple[VanRoute, ...]
    satellite_load: tuple[int, ...]
    runtime_s: float
    message: str = ""


def _section_rows(lines: list[tuple[int, str]], start: int) -> list[tuple[int, list[str]]]:
    rows: list[tuple[int, list[str]]] = []
    for ln, text in lines[start + 1 :]:
        parts = text.split()
        if not parts or not (parts[0].lstrip("-").isdigit()) or parts[0] == "-1":
            break
        rows.append((ln, parts))
    return rows


def read_perboli(path: str | Path) -> TwoEchelonInstance:
    """Parse Perboli's 2ECVRP `.dat` text format (see the benchmark README for the fields)."""
    p = Path(path)
    src = str(p)
    try:
        raw = p.read_text(encoding="ascii")
    except FileNotFoundError:
        raise InputError("file not found", source=src) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read as a 2ECVRP text file ({exc})", source=src) from None
    lines = [(i + 1, t.strip()) for i, t in enumerate(raw.splitlines()) if t.strip()]
    keys: dict[str, tuple[int, str]] = {}
    sections: dict[str, int] = {}
    for k, (ln, text) in enumerate(lines):
        if ":" in text:
            key, _, val = text.partition(":")
            keys[key.strip().upper()] = (ln, val.strip())
        elif text.upper().endswith("_SECTION"):
            sections[text.upper()] = k

    def integer(key: str) -> int:
        if key not in keys:
            raise InputError(f"missing field {key}", source=src)
        ln, val = keys[key]
        try:
            out = int(float(val))
        except ValueError:
            raise InputError(
                f"line {ln}: {key} should be an integer, got {val!r}", source=src
            ) from None
        if out < 0:
            raise InputError(f"line {ln}: {key} should be >= 0, got {out}", source=src)
        return out

    if keys.get("TYPE", (0, "2ECVRP"))[1].upper() != "2ECVRP":
        ln, val = keys["TYPE"]
        raise InputError(f"line {ln}: TYPE should be 2ECVRP, got {val!r}", source=src)
    n_sat, n_cust = integer("SATELLITES"), integer("CUSTOMERS")
    l1c, l2c, l1f, l2f = (integer(k) for k in ("L1CAPACITY", "L2CAPACITY", "L1FLEET", "L2FLEET"))
    for name in ("NODE_COORD_SECTION", "SATELLITE_SECTION", "DEMAND_SECTION"):
        if name not in sections:
            raise InputError(f"missing {name}", source=src)

    def table(name: str, width: int, count: int) -> dict[int, list[float]]:
        out: dict[int, list[float]] = {}
        for ln, parts in _section_rows(lines, sections[name]):
            if len(parts) != width:
                raise InputError(
                    f"line {ln}: {name} row should have {width} numbers, got {len(parts)}",
                    source=src,
                )
            try:
                out[int(parts[0])] = [float(v) for v in parts[1:]]
            except ValueError:
                raise InputError(f"line {ln}: {name} row is not numeric", source=src) from None
        if len(out) != count:
            raise InputError(f"{name} has {len(out)} rows, expected {count}", source=src)
        return out

    nodes = table("NODE_COORD_SECTION", 3, n_cust + 1)
    sats = table("SATELLITE_SECTION", 3, n_sat)
    dem = table("DEMAND_SECTION", 2, n_cust + 1)
    if sorted(nodes) != list(range(n_cust + 1)) or sorted(dem) != list(range(n_cust + 1)):
        raise InputError(f"node ids should be 0..{n_cust} (0 = depot)", source=src)
    demand = np.array([dem[j][0] for j in range(1, n_cust + 1)])
    if np.any(demand < 0) or np.any(demand != np.round(demand)):
        raise InputError("DEMAND_SECTION: demands should be integers >= 0", source=src)
    if demand.max(initial=0) > l2c:
        j = int(np.argmax(demand)) + 1
        raise InputError(
            f"customer {j}: demand {int(demand.max())} exceeds L2CAPACITY {l2c}", source=src
        )
    if demand.sum() > l2c * l2f or demand.sum() > l1c * l1f:
        raise InputError("total demand exceeds what L1FLEET/L2FLEET can carry", source=src)
    name = keys.get("NAME", (0, p.stem))[1]
    return TwoEchelonInstance(
        name=name,
        depot_xy=np.array(nodes[0]),
        satellite_xy=np.array([sats[k] for k in sorted(sats)]),
        customer_xy=np.array([nodes[j] for j in range(1, n_cust + 1)]),
        demand=demand.astype(np.int64),
        l1_capacity=l1c,
        l2_capacity=l2c,
        l1_fleet=l1f,
        l2_fleet=l2f,
    )


def _dist(a: FloatArray, b: FloatArray) -> float:
    return float(math.hypot(*(a - b)))


def first_echelon(
    inst: TwoEchelonInstance, loads: tuple[int, ...]
) -> tuple[float, list[TruckRoute]]:
    """Truck routes for given satellite loads; exact for <= 2 satellites (split deliveries)."""
    used = [s for s, q in enumerate(loads) if q > 0]
    d0 = [_dist(inst.depot_xy, inst.satellite_xy[s]) for s in range(len(loads))]
    q, fleet = inst.l1_capacity, inst.l1_fleet
    if len(used) == 0:
        return 0.0, []
    if len(used) == 1:
        s = used[0]
        k = math.ceil(loads[s] / q)
        routes = [TruckRoute((s,), (min(q, loads[s] - i * q),), 2 * d0[s]) for i in range(k)]
        return (2 * d0[s] * k if k <= fleet else math.inf), routes
    if len(used) == 2:
        a, b = used
        la, lb = loads[a], loads[b]
        tour = d0[a] + _dist(inst.satellite_xy[a], inst.satellite_xy[b]) + d0[b]
        best: tuple[float, int, int, int] = (math.inf, 0, 0, 0)
        for na, nb, nab in itertools.product(range(fleet + 1), repeat=3):
            if na + nb + nab > fleet:
                continue
            if la > (na + nab) * q or lb > (nb + nab) * q or la + lb > (na + nb + nab) * q:
                continue
            c = 2 * d0[a] * na + 2 * d0[b] * nb + tour * nab
            if c < best[0] - 1e-12:
                best = (c, na, nb, nab)
        cost, na, nb, nab = best
        if not math.isfinite(cost):
            return math.inf, []
        return cost, _split_routes(a, b, la, lb, na, nb, nab, q, d0, tour)
    return _first_echelon_routed(inst, loads)


def _split_routes(
    a: int,
    b: int,
    la: int,
    lb: int,
    na: int,
    nb: int,
    nab: int,
    q: int,
    d0: list[float],
    tour: float,
) -> list[TruckRoute]:
    """Concrete loads for na direct trucks to a, nb to b and nab touring both."""
    routes: list[TruckRoute] = []
    ra, rb = la, lb
    for _ in range(na):
        take = min(q, ra)
        routes.append(TruckRoute((a,), (take,), 2 * d0[a]))
        ra -= take
    for _ in range(nb):
        take = min(q, rb)
        routes.append(TruckRoute((b,), (take,), 2 * d0[b]))
        rb -= take
    for _ in range(nab):
        ta = min(q, ra)
        tb = min(q - ta, rb)
        routes.append(TruckRoute((a, b), (ta, tb), tour))
        ra, rb = ra - ta, rb - tb
    return routes


def _first_echelon_routed(
    inst: TwoEchelonInstance, loads: tuple[int, ...]
) -> tuple[float, list[TruckRoute]]:
    """More than two satellites: chunks of at most one truckload routed by the routing engine."""
    from fwdnet.logistics.routing import MaxRuntime, solve
    from fwdnet.logistics.routing.model import RoutingModel

    pts = np.vstack([inst.depot_xy[None, :], inst.satellite_xy])
    chunks: list[tuple[int, int]] = []
    for s, q in enumerate(loads):
        while q > 0:
            take = min(q, inst.l1_capacity)
            chunks.append((s, take))
            q -= take
    m = RoutingModel("first echelon")
    m.add_depot(0)
    for s, take in chunks:
        m.add_client(s + 1, delivery=(take,))
    m.add_vehicle_type(capacity=(inst.l1_capacity,), num_available=max(inst.l1_fleet, len(chunks)))
    m.set_matrices(_int_matrix(pts))
    res = solve(m.problem(), MaxRuntime(2.0), seed=0)
    routes = []
    total = 0.0
    for r in res.routes:
        sats = tuple(chunks[c][0] for c in r.stops)
        cost = _path_cost(pts, [0, *[s + 1 for s in sats], 0])
        routes.append(TruckRoute(sats, tuple(chunks[c][1] for c in r.stops), cost))
        total += cost
    return (total if len(routes) <= inst.l1_fleet else math.inf), routes


def _int_matrix(pts: FloatArray) -> NDArray[np.int64]:
    diff = pts[:, None, :] - pts[None, :, :]
    out: NDArray[np.int64] = np.rint(np.hypot(diff[..., 0], diff[..., 1]) * SCALE).astype(np.int64)
    return out


def _path_cost(pts: FloatArray, path: list[int]) -> float:
    return float(sum(_dist(pts[u], pts[v]) for u, v in itertools.pairwise(path)))


def _fleet_splits(n_sat: int, fleet: int) -> list[tuple[int, ...]]:
    """Every way to give the vans to the satellites (order matters), each satellite 0..fleet."""
    return [c for c in itertools.product(range(fleet + 1), repeat=n_sat) if sum(c) == fleet]


def solve_two_echelon(
    inst: TwoEchelonInstance, time_limit_s: float = 30.0, seed: int = 0
) -> TwoEchelonResult:
    """Best plan over the van-fleet splits; each split = one multi-depot routing solve."""
    from fwdnet.logistics.routing import MaxRuntime, solve
    from fwdnet.logistics.routing.model import RoutingModel

    start = time.perf_counter()
    n_sat, n = inst.satellite_xy.shape[0], inst.customer_xy.shape[0]
    # locations: 0..s-1 satellites, s..s+n-1 customers
    pts = np.vstack([inst.satellite_xy, inst.customer_xy])
    matrix = _int_matrix(pts)
    splits = _fleet_splits(n_sat, inst.l2_fleet)
    restricted = len(splits) <= MAX_SPLITS
    if not restricted:
        splits = [tuple([inst.l2_fleet] * n_sat)]
    # the fewest vans that can carry the demand: splits with fewer in total are useless
    need = math.ceil(int(inst.demand.sum()) / inst.l2_capacity)
    best: TwoEchelonResult | None = None
    per_split = max(0.5, (time_limit_s - 0.5) / len(splits))
    for split in splits:
        if sum(split) < need:
            continue
        m = RoutingModel(inst.name)
        for s in range(n_sat):
            m.add_depot(s)
        for j in range(n):
            m.add_client(n_sat + j, delivery=(int(inst.demand[j]),))
        types: list[int] = []
        for s, k in enumerate(split):
            if k > 0:
                m.add_vehicle_type(
                    capacity=(inst.l2_capacity,), num_available=k, start_depot=s, end_depot=s
                )
                types.append(s)
        m.set_matrices(matrix)
        left = time_limit_s - (time.perf_counter() - start)
        if left <= 0.2:
            break
        res = solve(m.problem(), MaxRuntime(min(per_split, left)), seed=seed)
        if not res.is_feasible:
            continue
        vans: list[VanRoute] = []
        loads = [0] * n_sat
        for r in res.routes:
            s = types[r.vehicle_type]
            custs = tuple(c for c in r.stops)
            load = int(inst.demand[list(custs)].sum())
            cost = _path_cost(pts, [s, *[n_sat + c for c in custs], s])
            vans.append(VanRoute(s, custs, load, cost))
            loads[s] += load
        l2 = sum(v.cost for v in vans)
        l1, trucks = first_echelon(inst, tuple(loads))
        total = l1 + l2
        if best is None or total < best.cost:
            best = TwoEchelonResult(
                status=SolveStatus.FEASIBLE,
                cost=total,
                l1_cost=l1,
                l2_cost=l2,
                trucks=tuple(trucks),
                vans=tuple(vans),
                satellite_load=tuple(loads),
                runtime_s=0.0,
                message="" if restricted else "van fleet limit per satellite not enforced",
            )
    runtime = time.perf_counter() - start
    if best is None or not math.isfinite(best.cost):
        return TwoEchelonResult(
            status=SolveStatus.TIMED_OUT
            if runtime >= time_limit_s * 0.95
            else SolveStatus.INFEASIBLE,
            cost=math.nan,
            l1_cost=math.nan,
            l2_cost=math.nan,
            trucks=(),
            vans=(),
            satellite_load=(0,) * n_sat,
            runtime_s=runtime,
            message="no plan within the fleets was found",
        )
    return TwoEchelonResult(
        status=best.status,
        cost=best.cost,
        l1_cost=best.l1_cost,
        l2_cost=best.l2_cost,
        trucks=best.trucks,
        vans=best.vans,
        satellite_load=best.satellite_load,
        runtime_s=runtime,
        message=best.message,
    )
