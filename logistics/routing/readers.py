"""Instance readers: CVRPLIB `.vrp`, Solomon, Cordeau MDVRP and our JSON → `Instance`.

Each benchmark convention is applied here, once: CVRPLIB EUC_2D rounded to the nearest
integer; Solomon distance = travel time = Euclidean truncated to one decimal (matrices hold
tenths); Cordeau double precision (matrices hold 1e-4 units, durations rounded up so that a
duration limit holding on the matrix also holds exactly). `Instance.cost()` re-evaluates a
plan with the instance's own convention.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from fwdnet.logistics.errors import InputError
from fwdnet.logistics.routing.model import (
    Break,
    Depot,
    RoutingModel,
    RoutingProblem,
    Stop,
    TimeWindow,
    VehicleType,
)
from fwdnet.logistics.routing.result import RoutingResult

Format = Literal["vrplib", "solomon", "cordeau", "json"]
FORMATS: tuple[str, ...] = ("vrplib", "solomon", "cordeau", "json")

CORDEAU_SCALE = 10_000
SOLOMON_SCALE = 10


@dataclass(frozen=True)
class Instance:
    """A read problem plus the file's ids (`client_ids[i]`, `depot_ids[k]`) and cost rule."""

    problem: RoutingProblem
    format: str
    client_ids: tuple[int | str, ...]
    depot_ids: tuple[int | str, ...]
    coords: npt.NDArray[np.float64] | None = None  # per location, benchmark formats only
    convention: str = "objective"

    def cost(self, result: RoutingResult) -> float:
        """Cost of the plan under the instance's own convention (JSON: the RMB objective)."""
        if self.format == "json":
            return result.cost
        total = 0.0
        for r in result.routes:
            path = [self.problem.depots[r.start_depot].location]
            for k, trip in enumerate(r.trips):
                if k:
                    path.append(self.problem.depots[r.start_depot].location)
                path += [self.problem.clients[c].location for c in trip]
            if r.end_depot is not None:
                path.append(self.problem.depots[r.end_depot].location)
            total += sum(self._arc(a, b) for a, b in itertools.pairwise(path))
        return round(total, 2) if self.format == "cordeau" else round(total, 1)

    def _arc(self, a: int, b: int) -> float:
        if self.format == "cordeau" and self.coords is not None:
            return float(np.hypot(*(self.coords[a] - self.coords[b])))
        if self.format == "solomon":
            return int(self.problem.distance_m[a, b]) / SOLOMON_SCALE
        return float(self.problem.distance_m[a, b])


def detect_format(path: Path) -> str:
    """Format from the file name: .vrp → vrplib, .json → json, p01-like → cordeau, else solomon."""
    suffix = path.suffix.lower()
    if suffix == ".vrp":
        return "vrplib"
    if suffix == ".json":
        return "json"
    if path.stem.lower().startswith("p") and path.stem[1:].isdigit():
        return "cordeau"
    return "solomon"


def read_instance(path: str | Path, fmt: str | None = None) -> Instance:
    """Read `path` in `fmt` (default: from the file name); InputError on bad content."""
    p = Path(path)
    fmt = fmt or detect_format(p)
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}",
                         source=str(p))
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read file ({exc.__class__.__name__})", source=str(p)) from None
    readers: dict[str, Callable[[str, str], Instance]] = {
        "vrplib": _read_vrplib, "solomon": _read_solomon, "cordeau": _read_cordeau,
        "json": _read_json}
    try:
        return readers[fmt](text, p.stem)
    except InputError as exc:
        if exc.source is None:
            raise InputError(str(exc), source=str(p)) from None
        raise


def _num(tok: str, where: str) -> float:
    try:
        v = float(tok)
    except ValueError:
        raise InputError(f"{where}: number expected, got {tok!r}") from None
    if not math.isfinite(v):
        raise InputError(f"{where}: finite number expected, got {tok!r}")
    return v


def _int(tok: str, where: str) -> int:
    v = _num(tok, where)
    if v != int(v):
        raise InputError(f"{where}: integer expected, got {tok!r}")
    return int(v)


def _euclid(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    diff = xy[:, None, :] - xy[None, :, :]
    return np.asarray(np.sqrt((diff**2).sum(axis=2)), dtype=np.float64)


def _read_vrplib(text: str, stem: str) -> Instance:
    header: dict[str, str] = {}
    coords: dict[int, tuple[float, float]] = {}
    demand: dict[int, int] = {}
    depots: list[int] = []
    section = ""
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        where = f"line {lineno}"
        kw = line.split()[0].rstrip(":").upper()
        if kw in ("NODE_COORD_SECTION", "DEMAND_SECTION", "DEPOT_SECTION"):
            section = kw
            continue
        if kw == "EOF":
            break
        if ":" in line and not line[0].isdigit() and line[0] != "-":
            hk, _, hv = line.partition(":")
            header[hk.strip().upper()] = hv.strip()
            section = ""
            continue
        toks = line.split()
        if section == "NODE_COORD_SECTION":
            if len(toks) < 3:
                raise InputError(f"{where}: 'id x y' expected in NODE_COORD_SECTION")
            coords[_int(toks[0], where)] = (_num(toks[1], where), _num(toks[2], where))
        elif section == "DEMAND_SECTION":
            if len(toks) < 2:
                raise InputError(f"{where}: 'id demand' expected in DEMAND_SECTION")
            demand[_int(toks[0], where)] = _int(toks[1], where)
        elif section == "DEPOT_SECTION":
            node = _int(toks[0], where)
            if node == -1:
                section = ""
            else:
                depots.append(node)
        else:
            raise InputError(f"{where}: unexpected content {line[:40]!r}")
    for hk in ("DIMENSION", "CAPACITY"):
        if hk not in header:
            raise InputError(f"header: {hk} missing")
    ewt = header.get("EDGE_WEIGHT_TYPE", "EUC_2D").upper()
    if ewt != "EUC_2D":
        raise InputError(f"header: EDGE_WEIGHT_TYPE EUC_2D expected, got {ewt}")
    dim = _int(header["DIMENSION"], "DIMENSION")
    cap = _int(header["CAPACITY"], "CAPACITY")
    ids = sorted(coords)
    if len(ids) != dim:
        raise InputError(f"NODE_COORD_SECTION: {len(ids)} nodes, DIMENSION says {dim}")
    if set(demand) != set(ids):
        raise InputError("DEMAND_SECTION: one demand per node id expected")
    if any(q < 0 for q in demand.values()):
        raise InputError("DEMAND_SECTION: negative demand")
    depots = depots or [ids[0]]
    for d in depots:
        if d not in coords:
            raise InputError(f"DEPOT_SECTION: unknown depot node {d}")
    xy = np.array([coords[i] for i in ids], dtype=np.float64)
    dist = np.floor(_euclid(xy) + 0.5).astype(np.int64)
    pos = {node: k for k, node in enumerate(ids)}
    m = RoutingModel(header.get("NAME", stem))
    for d in depots:
        m.add_depot(Depot(location=pos[d], name=str(d)))
    customers = [i for i in ids if i not in depots]
    for i in customers:
        m.add_client(Stop(location=pos[i], delivery=(demand[i],), name=str(i)))
    fleet = max(len(customers), 1)  # CVRPLIB: unlimited fleet
    for k in range(len(depots)):
        m.add_vehicle_type(VehicleType(capacity=(cap,), num_available=fleet, start_depot=k,
                                       end_depot=k))
    m.set_matrices(dist, dist)
    return Instance(m.problem(), "vrplib", tuple(customers), tuple(depots), xy,
                    "EUC_2D rounded to nearest integer")


def _rows(text: str) -> list[tuple[int, list[str]]]:
    return [(n, ln.split()) for n, ln in enumerate(text.splitlines(), 1) if ln.strip()]


def _read_solomon(text: str, stem: str) -> Instance:
    rows = _rows(text)
    number = capacity = None
    nodes: list[tuple[int, list[float]]] = []
    for k, (lineno, toks) in enumerate(rows):
        where = f"line {lineno}"
        if toks[0].upper() == "NUMBER" and k + 1 < len(rows):
            nxt_line, nxt = rows[k + 1]
            if len(nxt) < 2:
                raise InputError(f"line {nxt_line}: 'NUMBER CAPACITY' values expected")
            number = _int(nxt[0], f"line {nxt_line}")
            capacity = _int(nxt[1], f"line {nxt_line}")
        elif toks[0].isdigit() and number is not None and len(toks) >= 7:
            nodes.append((lineno, [_num(t, where) for t in toks[:7]]))
        elif toks[0].isdigit() and number is not None and (len(toks) != 2 or nodes):
            raise InputError(f"{where}: 7 columns expected (CUST NO., X, Y, DEMAND, READY, "
                             f"DUE, SERVICE), got {len(toks)}")
    if number is None or capacity is None:
        raise InputError("header: VEHICLE NUMBER/CAPACITY section missing")
    if len(nodes) < 2:
        raise InputError("CUSTOMER section: depot row and at least one customer expected")
    xy = np.array([[v[1], v[2]] for _, v in nodes], dtype=np.float64)
    # CVRPLIB convention: Euclidean truncated to one decimal, held in tenths.
    dist = np.floor(_euclid(xy) * SOLOMON_SCALE + 1e-9).astype(np.int64)
    m = RoutingModel(stem)
    _, dep = nodes[0]
    horizon = round(dep[5] * SOLOMON_SCALE)
    m.add_depot(Depot(location=0, open_s=round(dep[4] * SOLOMON_SCALE), close_s=horizon,
                      name=str(int(dep[0]))))
    for k, (lineno, v) in enumerate(nodes[1:], 1):
        where = f"line {lineno}"
        if v[3] < 0 or v[6] < 0:
            raise InputError(f"{where}: negative demand or service time")
        if v[5] < v[4]:
            raise InputError(f"{where}: DUE DATE {v[5]:g} before READY TIME {v[4]:g}")
        if v[3] > capacity:
            raise InputError(f"{where}: DEMAND {v[3]:g} exceeds vehicle CAPACITY {capacity}")
        m.add_client(Stop(location=k, delivery=(int(v[3]),),
                          service_s=round(v[6] * SOLOMON_SCALE),
                          time_windows=(TimeWindow(round(v[4] * SOLOMON_SCALE),
                                                   round(v[5] * SOLOMON_SCALE)),),
                          name=str(int(v[0]))))
    m.add_vehicle_type(VehicleType(capacity=(capacity,), num_available=number,
                                   shift_end_s=horizon))
    m.set_matrices(dist, dist)
    return Instance(m.problem(), "solomon", tuple(int(v[0]) for _, v in nodes[1:]),
                    (int(dep[0]),), xy, "Euclidean truncated to one decimal")


def _read_cordeau(text: str, stem: str) -> Instance:
    rows = _rows(text)
    if not rows or len(rows[0][1]) < 4:
        raise InputError("line 1: 'type m n t' expected")
    lineno, head = rows[0]
    typ, m_veh, n, t = (_int(x, f"line {lineno}") for x in head[:4])
    if typ != 2:
        raise InputError(f"line {lineno}: type 2 (MDVRP) expected, got {typ}")
    if len(rows) < 1 + t + n + t:
        raise InputError(f"file: {1 + t + n + t} non-empty lines expected, got {len(rows)}")
    limits = []
    for lineno, toks in rows[1:1 + t]:
        if len(toks) < 2:
            raise InputError(f"line {lineno}: 'D Q' expected")
        limits.append((_num(toks[0], f"line {lineno}"), _int(toks[1], f"line {lineno}")))
    pts = []
    for lineno, toks in rows[1 + t:1 + t + n + t]:
        if len(toks) < 5:
            raise InputError(f"line {lineno}: 'i x y d q ...' expected")
        pts.append([_num(x, f"line {lineno}") for x in toks[:5]])
    depot_rows, cust_rows = pts[n:], pts[:n]
    xy = np.array([[p[1], p[2]] for p in depot_rows + cust_rows], dtype=np.float64)
    exact = _euclid(xy) * CORDEAU_SCALE
    dist = np.floor(exact + 0.5).astype(np.int64)
    dur = np.ceil(exact - 1e-6).astype(np.int64)
    mdl = RoutingModel(stem)
    for k, p in enumerate(depot_rows):
        mdl.add_depot(Depot(location=k, name=str(int(p[0]))))
    max_q = max(q for _, q in limits)
    for k, p in enumerate(cust_rows):
        if p[4] > max_q or p[4] < 0:
            raise InputError(f"customer {int(p[0])}: demand {p[4]:g} outside [0, {max_q}]")
        mdl.add_client(Stop(location=t + k, delivery=(int(p[4]),),
                            service_s=math.ceil(p[3] * CORDEAU_SCALE), name=str(int(p[0]))))
    for k, (d_lim, q) in enumerate(limits):
        mdl.add_vehicle_type(VehicleType(
            capacity=(q,), num_available=m_veh, start_depot=k, end_depot=k,
            max_duration_s=math.floor(d_lim * CORDEAU_SCALE) if d_lim > 0 else None))
    mdl.set_matrices(dist, dur)
    return Instance(mdl.problem(), "cordeau", tuple(int(p[0]) for p in cust_rows),
                    tuple(int(p[0]) for p in depot_rows), xy, "Euclidean, double precision")


_JSON_KEYS = {"name", "distance_m", "duration_s", "depots", "clients", "vehicle_types",
              "shipments", "locked"}


def _obj(x: Any, where: str) -> dict[str, Any]:
    if not isinstance(x, dict):
        raise InputError(f"{where}: object expected")
    return x


def _build(cls: Any, raw: Any, where: str, convert: dict[str, Callable[[Any], Any]]) -> Any:
    data = _obj(raw, where)
    fields = set(cls.__dataclass_fields__)
    unknown = set(data) - fields
    if unknown:
        raise InputError(f"{where}: unknown field(s) {sorted(unknown)}; expected {sorted(fields)}")
    try:
        kwargs = {k: convert.get(k, lambda v: v)(v) for k, v in data.items()}
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{where}: {exc}") from None


def _ints(v: Sequence[Any]) -> tuple[int, ...]:
    return tuple(int(x) for x in v)


def _read_json(text: str, stem: str) -> Instance:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"line {exc.lineno}: invalid JSON ({exc.msg})") from None
    doc = _obj(raw, "document")
    unknown = set(doc) - _JSON_KEYS
    if unknown:
        raise InputError(f"document: unknown key(s) {sorted(unknown)}")
    for key in ("distance_m", "depots", "clients", "vehicle_types"):
        if key not in doc:
            raise InputError(f"document: key {key!r} missing")
    m = RoutingModel(str(doc.get("name", stem)))
    for k, d in enumerate(doc["depots"]):
        m.add_depot(_build(Depot, d, f"depots[{k}]", {}))
    stop_conv: dict[str, Callable[[Any], Any]] = {
        "delivery": _ints, "pickup": _ints, "skills": frozenset,
        "time_windows": lambda ws: tuple(TimeWindow(int(a), int(b)) for a, b in ws)}
    for k, c in enumerate(doc["clients"]):
        m.add_client(_build(Stop, c, f"clients[{k}]", stop_conv))
    vt_conv: dict[str, Callable[[Any], Any]] = {
        "capacity": _ints, "skills": frozenset,
        "breaks": lambda bs: tuple(Break(int(a), int(b), int(c)) for a, b, c in bs)}
    for k, v in enumerate(doc["vehicle_types"]):
        m.add_vehicle_type(_build(VehicleType, v, f"vehicle_types[{k}]", vt_conv))
    for k, raw_s in enumerate(doc.get("shipments", [])):
        sh = _obj(raw_s, f"shipments[{k}]")
        try:
            m.add_shipment(int(sh["pickup"]), int(sh["delivery"]), _ints(sh.get("amount", [])))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"shipments[{k}]: pickup, delivery, amount expected ({exc})"
                             ) from None
    for k, raw_r in enumerate(doc.get("locked", [])):
        lr = _obj(raw_r, f"locked[{k}]")
        try:
            m.lock_route(int(lr["vehicle"]), _ints(lr["stops"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"locked[{k}]: vehicle and stops expected ({exc})") from None
    try:
        dist = np.array(doc["distance_m"], dtype=np.float64)
        dur = np.array(doc.get("duration_s", np.zeros_like(dist)), dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("distance_m/duration_s: numeric square matrices expected") from None
    if dist.ndim != 2 or dur.shape != dist.shape or not np.isfinite(dist).all():
        raise InputError(f"distance_m: square numeric matrix expected, shape {dist.shape}")
    m.set_matrices(np.rint(dist).astype(np.int64), np.rint(dur).astype(np.int64))
    p = m.problem()
    return Instance(p, "json", tuple(range(len(p.clients))), tuple(range(len(p.depots))))


def bks_table(path: str | Path) -> dict[str, float]:
    """`instance,bks,...` CSV as a dict."""
    out: dict[str, float] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines()[1:]:
        parts = line.split(",")
        if len(parts) >= 2 and parts[1]:
            out[parts[0]] = float(parts[1])
    return out


__all__ = ["FORMATS", "Instance", "bks_table", "detect_format", "read_instance"]
