"""Chain-remedy figures are built from the results sections alone."""

from __future__ import annotations

import numpy as np

from fwdnet.dashboards.sections_chain import figures
from fwdnet.logistics.assortment import suggest
from fwdnet.logistics.inventory.contracts import Contract, LeadTime
from fwdnet.simulation.assortment import assortment_section, compare_assortments, scenario_case
from fwdnet.simulation.contracts import SupplyCase, compare_contracts, contracts_section
from fwdnet.simulation.results import AssortmentView, ContractsView, Results


def test_figures_from_both_sections(scn, resolved):
    reg, nat, _ = suggest(scn, resolved)
    comp = compare_assortments(scenario_case(scn), [nat, reg], seed=1, replications=2)
    av = AssortmentView.model_validate(assortment_section(comp, 0.0))
    case = SupplyCase(rate=np.full((30, 2), 4.0), initial_forecast=np.full(2, 4.0),
                      unit_cost=np.ones(2), price=np.ones(2))
    cs = [Contract("fixed", LeadTime((5,), (1.0,))),
          Contract("flex", LeadTime((5,), (1.0,)), flex_pct=0.2, cutoff_days=1)]
    cv = ContractsView.model_validate(contracts_section(
        compare_contracts(case, cs, seed=1, replications=2), cs, case))
    res = Results.model_construct(assortment=av, contracts=cv)
    figs = figures(res)
    assert len(figs) == 4
    # the fill-rate panel shows both ranges for N, S and the network total
    bars = [t for t in figs[0].data if t.type == "bar" and t.xaxis == "x"]
    assert {t.name for t in bars} == {"national", "regional"}
    assert list(bars[0].x) == ["N", "S", "all"]
    assert figures(Results.model_construct(assortment=None, contracts=None)) == []
