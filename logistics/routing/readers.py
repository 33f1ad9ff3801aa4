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
import re
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


def _section_lines(text: str, section: str) -> list[int]:
    """File line numbers of the non-empty data lines after `section` (up to the next keyword)."""
    out: list[int] = []
    inside = False
    for lineno, raw in enumerate(text.splitlines(), 1):
        tok = raw.strip().split()[:1]
        if not tok:
            continue
        word = tok[0].rstrip(":").upper()
        if inside and word[0].isalpha():
            break
        if inside:
            out.append(lineno)
        elif word == section:
            inside = True
    return out


def _parsed(parse: Callable[[str], dict[str, Any]], text: str) -> dict[str, Any]:
    """`vrplib`'s parse of `text`; its errors become one-line InputErrors."""
    try:
        return parse(text)
    except (ValueError, IndexError, KeyError, TypeError) as exc:
        first = str(exc).strip().splitlines() or [type(exc).__name__]
        raise InputError(f"not a readable instance ({' '.join(x.strip() for x in first)})"
                         ) from None


def _numbers(rows: Any, section: str, lines: list[int], width: int) -> npt.NDArray[np.float64]:
    """Rows of a parsed section as floats; InputError naming the file line of a bad token."""
    out = np.zeros((len(rows), width))
    for k, row in enumerate(rows):
        where = f"line {lines[k]}" if k < len(lines) else section
        vals = list(np.atleast_1d(row))
        if len(vals) < width:
            raise InputError(f"{where}: {width} values expected in {section}")
        out[k] = [_num(str(v), where) for v in vals[:width]]
    return out


def _read_vrplib(text: str, stem: str) -> Instance:
    """CVRPLIB / TSPLIB `.vrp` via `vrplib.parse_vrplib` (node i = i-th coordinate row)."""
    from vrplib.parse import parse_vrplib

    d = _parsed(lambda t: parse_vrplib(t, compute_edge_weights=False), text)
    for key in ("dimension", "capacity", "node_coord", "demand"):
        if key not in d:
            raise InputError(f"header: {key.upper()} missing")
    ewt = str(d.get("edge_weight_type", "EUC_2D")).upper()
    if ewt != "EUC_2D":
        raise InputError(f"header: EDGE_WEIGHT_TYPE EUC_2D expected, got {ewt}")
    dim = _int(str(d["dimension"]), "DIMENSION")
    cap = _int(str(d["capacity"]), "CAPACITY")
    xy = _numbers(d["node_coord"], "NODE_COORD_SECTION",
                  _section_lines(text, "NODE_COORD_SECTION"), 2)
    if len(xy) != dim:
        raise InputError(f"NODE_COORD_SECTION: {len(xy)} nodes, DIMENSION says {dim}")
    demand_rows = np.atleast_1d(d["demand"])
    if len(demand_rows) != dim:
        raise InputError("DEMAND_SECTION: one demand per node id expected")
    demand = [_int(str(q), "DEMAND_SECTION") for q in demand_rows]
    if any(q < 0 for q in demand):
        raise InputError("DEMAND_SECTION: negative demand")
    depots = [int(x) for x in np.atleast_1d(d.get("depot", [0]))] or [0]
    for dep in depots:
        if not 0 <= dep < dim:
            raise InputError(f"DEPOT_SECTION: unknown depot node {dep + 1}")
    dist = np.floor(_euclid(xy) + 0.5).astype(np.int64)
    m = RoutingModel(str(d.get("name", stem)))
    for dep in depots:
        m.add_depot(Depot(location=dep, name=str(dep + 1)))
    customers = [i for i in range(dim) if i not in depots]
    for i in customers:
        m.add_client(Stop(location=i, delivery=(demand[i],), name=str(i + 1)))
    fleet = max(len(customers), 1)  # CVRPLIB: unlimited fleet
    for k in range(len(depots)):
        m.add_vehicle_type(VehicleType(capacity=(cap,), num_available=fleet, start_depot=k,
                                       end_depot=k))
    m.set_matrices(dist, dist)
    return Instance(m.problem(), "vrplib", tuple(i + 1 for i in customers),
                    tuple(dep + 1 for dep in depots), xy, "EUC_2D rounded to nearest integer")


def _rows(text: str) -> list[tuple[int, list[str]]]:
    return [(n, ln.split()) for n, ln in enumerate(text.splitlines(), 1) if ln.strip()]


def _read_solomon(text: str, stem: str) -> Instance:
    """Solomon VRPTW text via `vrplib.parse_solomon` (customer k = k-th data row)."""
    from vrplib.parse import parse_solomon

    rows = _section_lines(text, "CUST")
    try:
        d = parse_solomon(text, compute_edge_weights=False)
    except ValueError as exc:
        got = re.search(r"Line #(\d+) \(got (\d+) columns", str(exc))
        if got and int(got.group(1)) - 1 < len(rows):
            raise InputError(f"line {rows[int(got.group(1)) - 1]}: 7 columns expected (CUST NO., "
                             f"X, Y, DEMAND, READY, DUE, SERVICE), got {got.group(2)}") from None
        raise InputError(f"not a readable Solomon file ({str(exc).strip().splitlines()[0]})"
                         ) from None
    except (IndexError, KeyError) as exc:
        raise InputError(f"header: VEHICLE NUMBER/CAPACITY section missing ({exc})") from None
    number = _int(str(d["vehicles"]), "NUMBER")
    capacity = _int(str(d["capacity"]), "CAPACITY")
    xy = _numbers(d["node_coord"], "CUSTOMER", rows, 2)
    if len(xy) < 2:
        raise InputError("CUSTOMER section: depot row and at least one customer expected")
    demand = [float(q) for q in np.atleast_1d(d["demand"])]
    windows = _numbers(d["time_window"], "CUSTOMER", rows, 2)
    service = [float(q) for q in np.atleast_1d(d["service_time"])]
    # CVRPLIB convention: Euclidean truncated to one decimal, held in tenths.
    dist = np.floor(_euclid(xy) * SOLOMON_SCALE + 1e-9).astype(np.int64)
    m = RoutingModel(stem)
    horizon = round(windows[0][1] * SOLOMON_SCALE)
    m.add_depot(Depot(location=0, open_s=round(windows[0][0] * SOLOMON_SCALE), close_s=horizon,
                      name="0"))
    for k in range(1, len(xy)):
        where = f"line {rows[k]}" if k < len(rows) else f"customer {k}"
        ready, due = windows[k]
        if demand[k] < 0 or service[k] < 0:
            raise InputError(f"{where}: negative demand or service time")
        if due < ready:
            raise InputError(f"{where}: DUE DATE {due:g} before READY TIME {ready:g}")
        if demand[k] > capacity:
            raise InputError(f"{where}: DEMAND {demand[k]:g} exceeds vehicle CAPACITY {capacity}")
        m.add_client(Stop(location=k, delivery=(int(demand[k]),),
                          service_s=round(service[k] * SOLOMON_SCALE),
                          time_windows=(TimeWindow(round(ready * SOLOMON_SCALE),
                                                   round(due * SOLOMON_SCALE)),),
                          name=str(k)))
    m.add_vehicle_type(VehicleType(capacity=(capacity,), num_available=number,
                                   shift_end_s=horizon))
    m.set_matrices(dist, dist)
    return Instance(m.problem(), "solomon", tuple(range(1, len(xy))), (0,), xy,
                    "Euclidean truncated to one decimal")


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
