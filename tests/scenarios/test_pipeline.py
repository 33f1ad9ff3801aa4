"""The pipeline's one `design()`: the same NetworkDesign reaches routes and the replay."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from fwdnet.logistics.design.matrices import network_matrices
from fwdnet.logistics.network import Echelon, load_scenario
from fwdnet.scenarios.pipeline import design
from fwdnet.simulation.inputs import replay_input


def test_routes_on_an_executor_equal_the_inline_ones(tiny_toml: Path) -> None:
    """Each depot's solve is an independent task with its own seed: running them on a pool
    gives the same routes, in the same order."""
    scn = load_scenario(tiny_toml)
    mats = network_matrices(scn)
    inline = design(scn, mats, "all-open")
    with ThreadPoolExecutor(max_workers=2) as pool:
        pooled = design(scn, mats, "all-open", executor=pool)
    assert inline.routes is not None
    assert pooled.routes is not None
    assert pooled.routes.depots == inline.routes.depots
    assert np.array_equal(pooled.routes.cost_per_delivery, inline.routes.cost_per_delivery)
    assert [d.depot for d in inline.routes.depots] == ["CDC", "FW-A", "FW-B"]
    assert [d.echelon for d in inline.routes.depots] == [Echelon.CDC_FW, *[Echelon.FW_STORE] * 2]


def test_the_replay_reads_the_design(tiny_toml: Path) -> None:
    """Nodes, assignment, stock targets and trunk routes of the replay are the design's."""
    scn = load_scenario(tiny_toml)
    mats = network_matrices(scn)
    d = design(scn, mats, "all-open")
    inp = replay_input(scn, d, mats)
    assert inp.node_ids == d.node_ids == ("FW-A", "FW-B")
    assert inp.store_node is d.store_node
    assert inp.order_up_to_by_week is d.stock.order_up_to_by_week
    assert inp.logistics is not None
    visited = sorted(n for r in inp.logistics.trunk_routes for n in r.nodes)
    assert visited == [0, 1]  # both FWs on the planned trunk routes
    assert d.routes is not None
    assert np.array_equal(inp.replenishment_cost_per_delivery, d.routes.cost_per_delivery)


def test_big_fws_are_planned_as_sectors_and_joined_back(
        tiny_toml: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With at most one store per task each FW's stores become one-store sectors (a
    partition, by bearing, with a share of the vans each); the plan still has one DepotRoutes
    per FW, visiting each of its stores once."""
    from fwdnet.logistics.design import routes

    scn = load_scenario(tiny_toml)
    mats = network_matrices(scn)
    whole = design(scn, mats, "all-open")
    monkeypatch.setattr(routes, "MAX_STORES_PER_TASK", 1)
    node_daily = whole.stock.daily_mean_by_week.mean(axis=0).sum(axis=1)
    tasks = routes.route_tasks(scn, mats, whole.node_ids, whole.store_node, node_daily)
    vans = [t for t in tasks if t.echelon == Echelon.FW_STORE]
    assert len(vans) == len(scn.network.stores)  # one task per store
    assert all(t.problem.vehicle_types[0].num_available >= 1 for t in vans)
    cut = design(scn, mats, "all-open")
    assert cut.routes is not None
    assert [d.depot for d in cut.routes.depots] == ["CDC", "FW-A", "FW-B"]
    store_ids = [s.id for s in scn.network.stores]
    for n, fw in enumerate(whole.node_ids):
        (plan,) = cut.routes.of(Echelon.FW_STORE)[n:n + 1]
        visited = sorted(s for r in plan.routes for s in r.stops)
        mine = sorted(store_ids[j] for j in np.flatnonzero(whole.store_node == n))
        assert plan.depot == fw
        assert visited == mine


def test_sectors_partition_by_bearing() -> None:
    """Stores on the four sides of a FW, two per side, in sectors of two: each sector one side."""
    from types import SimpleNamespace

    from fwdnet.logistics.design.routes import sectors

    pts = {"FW": (0.0, 0.0), "E1": (1.0, 0.01), "E2": (2.0, -0.01), "N1": (0.01, 1.0),
           "N2": (-0.01, 2.0), "W1": (-1.0, 0.01), "W2": (-2.0, -0.01), "S1": (0.01, -1.0),
           "S2": (-0.01, -2.0)}
    ids = list(pts)
    mats = SimpleNamespace(index={s: i for i, s in enumerate(ids)},
                           sites=[SimpleNamespace(lon=pts[s][0], lat=pts[s][1]) for s in ids])
    members = np.arange(1, 9)
    parts = sectors(mats, "FW", members, ids, 2)  # type: ignore[arg-type]
    groups = sorted(sorted(ids[j][0] for j in p) for p in parts)
    assert groups == [["E", "E"], ["N", "N"], ["S", "S"], ["W", "W"]]
    assert sorted(np.concatenate(parts).tolist()) == members.tolist()
    assert [p.tolist() for p in sectors(mats, "FW", members, ids, 8)] == [members.tolist()]  # type: ignore[arg-type]
