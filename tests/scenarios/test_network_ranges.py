"""`fwdnet run`'s ranges: national, regional and approved regional+overrides, each stocked and
replayed by the chosen design (tiny scenario with HQ rules in a temporary copy)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fwdnet.logistics.design.matrices import network_matrices
from fwdnet.logistics.design.network_design import plan_network
from fwdnet.logistics.errors import InputError
from fwdnet.logistics.network import load_scenario
from fwdnet.scenarios.commands.run import range_lines
from fwdnet.scenarios.pipeline import network_ranges, with_routes
from fwdnet.simulation.results import Results

RULES = """[assortment]
core_top_n = 1
units_per_sku = 2000   # FW capacity 5,000 units: at most 2 SKUs per region
"""
OVERRIDES = """region,action,sku,category,lift,start,end
CD,promote,,heavy_coat,2.0,2026-01-05,2026-01-11
"""


@pytest.fixture(scope="module")
def tiny_rules(tiny_toml: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tiny_rules")
    for f in tiny_toml.parent.iterdir():
        shutil.copy(f, root / f.name)
    (root / "rules").mkdir()
    (root / "rules" / "default_assortment.toml").write_text(RULES, encoding="utf-8")
    (root / "overrides.csv").write_text(OVERRIDES, encoding="utf-8")
    return root / tiny_toml.name


def test_ranges_replayed_on_the_network_with_approved_promotions(tiny_rules: Path) -> None:
    scn = load_scenario(tiny_rules)
    mats = network_matrices(scn)
    chosen = with_routes(scn, mats, plan_network(scn, "all-open"))
    view = network_ranges(scn, mats, chosen, tiny_rules.parent / "overrides.csv",
                          replications=2)
    assert view.replay == "network"
    assert view.design == "all-open"
    assert view.local_promotions == 1
    assert view.baseline == "national"
    kinds = {r.assortment for r in view.rows}
    assert kinds == {"national", "regional", "regional+overrides"}
    for r in view.rows:
        if r.region != "all":
            assert r.range_size == 2  # the capacity cap of 5,000 // 2,000
        assert 0.0 <= r.fill_rate.mean <= 1.0
    res = Results.model_construct(assortment=view)
    lines = range_lines(res)
    assert lines[0].startswith("ranges on the all-open network: national fill")
    assert sum("regional+overrides: fill" in line for line in lines) == 1


def test_refused_override_stops_the_run(tiny_rules: Path) -> None:
    """Removing the core SKU breaks the core_range rule: an InputError, nothing replayed."""
    scn = load_scenario(tiny_rules)
    mats = network_matrices(scn)
    core = max(scn.network.skus, key=lambda k: k.base_daily_demand).id
    bad = tiny_rules.parent / "bad.csv"
    bad.write_text(f"region,action,sku,category,lift,start,end\nCD,remove,{core},,,,\n",
                   encoding="utf-8")
    chosen = plan_network(scn, "all-open")
    with pytest.raises(InputError, match="core_range"):
        network_ranges(scn, mats, chosen, bad, replications=1)


def test_replenishment_orders_only_what_the_range_lists(tiny_rules: Path) -> None:
    """`fwdnet replenish --ranges regional`: each FW's region lists 2 of 3 SKUs; the third
    line keeps its figures but orders nothing and says why."""
    import pandas as pd

    from fwdnet.scenarios.commands.replenish import NOT_IN_RANGE, not_in_range, range_mask

    scn = load_scenario(tiny_rules)
    mask = range_mask(scn, "regional", ("FW-A", "FW-B"))
    assert mask.shape == (2, 3)
    assert mask.sum(axis=1).tolist() == [2, 2]
    table = pd.DataFrame({"fw": ["FW-A"] * 3 + ["FW-B"] * 3, "sku": ["K1", "K2", "K3"] * 2,
                          "order_up_to": [10.0] * 6, "order_qty": [4.0] * 6,
                          "reason": ["below S"] * 6})
    out = not_in_range(table, mask)
    assert (out["reason"] == NOT_IN_RANGE).tolist() == (~mask.ravel()).tolist()
    assert out.loc[~mask.ravel(), "order_qty"].eq(0).all()
    assert out.loc[mask.ravel(), "order_qty"].eq(4.0).all()
    with pytest.raises(InputError, match="regional or national"):
        range_mask(scn, "local", ("FW-A",))
