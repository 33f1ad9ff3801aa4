"""The pipeline's one `design()`: the same NetworkDesign reaches routes and the replay."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

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
