"""`fwdnet simulate --contracts`: the first design's supplier side under each contract, paired."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from fwdnet.scenarios.pipeline import simulate_designs
from fwdnet.simulation.results import read_results

ROOT = Path(__file__).resolve().parents[2]


def test_simulate_compares_contracts_on_the_same_network(tiny_toml: Path, tmp_path: Path
                                                         ) -> None:
    with open("/dev/null", "w") as null:
        out = simulate_designs(tiny_toml, tmp_path, ["all-open"], 2, warmup_days=0,
                               workers=1, console=Console(file=null), dashboard=False,
                               contracts=ROOT / "scenarios" / "rules" / "default_contracts.toml")
    view = read_results(out.results_json).contracts
    assert view is not None
    assert [c.contract for c in view.contracts] == ["fixed", "flexible ±30%"]
    assert view.replications == 2
    fixed, flex = view.contracts
    assert fixed.premium_rmb.mean == 0.0
    assert flex.premium_rmb.mean >= 0.0
    paired = {p.metric: p.difference for p in view.paired}
    assert set(paired) == {"fill_rate", "lost_sales_units", "average_stock_units",
                           "premium_rmb", "total_cost_rmb"}
    assert paired["premium_rmb"].mean == flex.premium_rmb.mean  # the baseline pays none
