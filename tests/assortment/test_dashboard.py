"""Chain-remedy figures are built from the results sections alone."""

from __future__ import annotations

from fwdnet.dashboards.sections_chain import figures
from fwdnet.logistics.assortment import suggest
from fwdnet.simulation.assortment import assortment_section, compare_assortments, scenario_case
from fwdnet.simulation.results import AssortmentView, ContractsView, Results


def test_figures_from_both_sections(scn, resolved):
    reg, nat, _ = suggest(scn, resolved)
    comp = compare_assortments(scenario_case(scn), [nat, reg], seed=1, replications=2)
    av = AssortmentView.model_validate(assortment_section(comp, 0.0))
    iv = {"mean": 1.0, "low": 0.5, "high": 1.5}
    row = {"flexible": False, "flex_pct": 0.0, "cutoff_days": 0, "premium_rmb_per_unit": 0.0,
           **{m: iv for m in ("fill_rate", "lost_sales_units", "average_stock_units",
                              "premium_rmb", "total_cost_rmb")},
           "revisions_per_run": 0.0, "revised_units_per_run": 0.0}
    cv = ContractsView.model_validate({
        "baseline": "fixed", "replications": 2, "skus": 2, "days": 30,
        "contracts": [{**row, "contract": "fixed"},
                      {**row, "contract": "flex", "flexible": True, "flex_pct": 0.2}],
        "paired": [{"design": "flex", "baseline": "fixed", "metric": "total_cost_rmb",
                    "difference": iv}]})
    res = Results.model_construct(assortment=av, contracts=cv)
    figs = figures(res)
    assert len(figs) == 4
    # the fill-rate panel shows both ranges for N, S and the network total
    bars = [t for t in figs[0].data if t.type == "bar" and t.xaxis == "x"]
    assert {t.name for t in bars} == {"national", "regional"}
    assert list(bars[0].x) == ["N", "S", "all"]
    assert figures(Results.model_construct(assortment=None, contracts=None)) == []
