"""With vs without rebalancing: paired intervals from the two arms of each replication."""

from __future__ import annotations

from pathlib import Path

import pytest

from fwdnet.logistics.design.matrices import network_matrices
from fwdnet.logistics.errors import InputError
from fwdnet.logistics.network import load_scenario
from fwdnet.scenarios.pipeline import design
from fwdnet.simulation.inputs import replay_input
from fwdnet.simulation.rebalance_compare import compare_rebalancing, summarise


def _arm(lost: float, value: float, cost: float, units: float, holding: float) -> dict[str, float]:
    return {"lost_units": lost, "lost_value_rmb": value, "transfer_cost_rmb": cost,
            "transferred_units": units, "holding_rmb": holding, "fill_rate": 0.9}


def test_paired_differences_by_hand() -> None:
    """Three replications: lost units avoided 10, 20, 30 (mean 20, t-interval 20 ± 4.303 ×
    10/√3); net = value avoided − transfer cost − extra holding = 100 − 40 − 10 each time."""
    without = [_arm(110, 1100, 0, 0, 500), _arm(220, 1200, 0, 0, 500),
               _arm(330, 1300, 0, 0, 500)]
    with_ = [_arm(100, 1000, 40, 5, 510), _arm(200, 1100, 40, 6, 510),
             _arm(300, 1200, 40, 7, 510)]
    res = summarise({"without": without, "with": with_}, 7, 7)
    assert res.lost_units_avoided.mean == pytest.approx(20.0)
    half = 4.302652729911275 * 10.0 / 3 ** 0.5
    assert res.lost_units_avoided.low == pytest.approx(20.0 - half)
    assert res.lost_units_avoided.high == pytest.approx(20.0 + half)
    assert res.lost_value_avoided_rmb.as_dict() == {"mean": 100.0, "low": 100.0, "high": 100.0}
    assert res.transfer_cost_rmb.mean == 40.0
    assert res.transferred_units.mean == pytest.approx(6.0)
    assert res.net_benefit_rmb.mean == pytest.approx(50.0)
    assert res.arms["without"]["lost_units"] == pytest.approx(220.0)


def test_tiny_replay_pairs_the_arms_on_the_same_demand(tiny_toml: Path) -> None:
    """The arm without rebalancing moves nothing; the intervals are the arms' differences."""
    scn = load_scenario(tiny_toml)
    mats = network_matrices(scn)
    inp = replay_input(scn, design(scn, mats, "all-open"), mats)
    res = compare_rebalancing(inp, scn.seed, 2, 0)
    assert res.arms["without"]["transfer_cost_rmb"] == 0.0
    assert res.arms["without"]["transferred_units"] == 0.0
    assert res.lost_units_avoided.mean == pytest.approx(
        res.arms["without"]["lost_units"] - res.arms["with"]["lost_units"])
    assert res.transfer_cost_rmb.mean == pytest.approx(res.arms["with"]["transfer_cost_rmb"])
    assert res.replications == 2
    with pytest.raises(InputError, match="replications must be >= 2"):
        compare_rebalancing(inp, scn.seed, 1, 0)
