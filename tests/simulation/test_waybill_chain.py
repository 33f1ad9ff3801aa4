"""Store waybills of the replay name the trunk waybill that last filled their FW's stock."""

from __future__ import annotations

from pathlib import Path

from fwdnet.logistics.design.matrices import network_matrices
from fwdnet.logistics.network import load_scenario
from fwdnet.scenarios.pipeline import design
from fwdnet.simulation.engine import simulate
from fwdnet.simulation.inputs import replay_input
from fwdnet.simulation.streams import Streams
from fwdnet.simulation.waybills import E


def test_every_fw_store_waybill_points_at_the_latest_trunk_drop_before_it(
        tiny_toml: Path) -> None:
    """For each own-van store waybill: its parent is the trunk waybill to the same FW with the
    latest delivery before the store order (None only before the FW's first drop)."""
    scn = load_scenario(tiny_toml)
    mats = network_matrices(scn)
    d = design(scn, mats, "all-open")
    sim = simulate(replay_input(scn, d, mats), Streams.of(scn.seed, 0), emit_waybills=True)
    log = sim.waybills
    assert log is not None
    delivered = {i: t for i, e, t, _ in log.events if e == E.DELIVERED}
    drops: dict[str, list[tuple[float, str]]] = {}  # FW → (delivered at, trunk waybill)
    for i, row in enumerate(log.rows):
        if row.waybill_no.startswith("TR") and row.units > 0 and i in delivered:
            drops.setdefault(row.receiver, []).append((delivered[i], row.waybill_no))
            assert row.parent is None  # the trunk drop is the chain's source
    stores = [r for r in log.rows if r.waybill_no.startswith("ST")]
    assert stores
    with_parent = 0
    for r in stores:
        before = [no for t, no in sorted(drops.get(r.sender, [])) if t <= r.created]
        expected = before[-1] if before else None
        assert r.parent == expected, r
        with_parent += r.parent is not None
    assert with_parent > len(stores) // 2
    lines = list(log.lines())
    child = next(x for x in lines if '"parent_waybill_no"' in x)
    assert '"kind":"waybill"' in child
