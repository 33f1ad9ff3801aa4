"""Case packs, MOQ, FW capacity and CDC allocation on hand-computed cases; reasons recorded."""

from __future__ import annotations

import numpy as np
import pytest

from fwdnet.logistics.inventory.constraints import (
    Allocation,
    allocate,
    apply_moq,
    cap_to_capacity,
    round_to_case_pack,
)
from fwdnet.logistics.inventory.policies import BaseStock, InventoryState
from fwdnet.logistics.inventory.suggest import Reason, plan_orders, suggestion_table


def test_case_pack_and_moq() -> None:
    """13 in packs of 6 → 18; 0 stays 0; 3 below MOQ 10 → 10; 12 above MOQ stays."""
    assert round_to_case_pack([13.0, 0.0, 12.0], 6).tolist() == [18.0, 0.0, 12.0]
    assert apply_moq([3.0, 0.0, 12.0], 10).tolist() == [10.0, 0.0, 12.0]


def test_capacity_cuts_orders_proportionally() -> None:
    """FW cap 100, 60 held, orders 30 + 30 → room 40 → 20 + 20; the other FW is untouched."""
    q = np.array([[30.0, 30.0], [5.0, 5.0]])
    held = np.array([[30.0, 30.0], [0.0, 0.0]])
    got = cap_to_capacity(q, held, [100.0, 100.0])
    assert got.tolist() == [[20.0, 20.0], [5.0, 5.0]]
    assert q.tolist() == [[30.0, 30.0], [5.0, 5.0]]  # input not modified


def test_fair_share_equalises_cover() -> None:
    """Demand 10 and 30/period, no stock, requests 50 and 150, CDC has 100 → cover 2.5 each."""
    got = allocate([[50.0], [150.0]], [100.0], position=0.0, demand_rate=[[10.0], [30.0]])
    assert got.ravel().tolist() == [25.0, 75.0]


def test_fair_share_tops_up_the_poorer_fw_first() -> None:
    """FW A already holds 40 (cover 4), B holds 0: 60 units go to B first (cover 4 each → 40)."""
    got = allocate(
        [[60.0], [60.0]], [60.0], position=[[40.0], [0.0]], demand_rate=[[10.0], [10.0]]
    )
    assert got.ravel().tolist() == [10.0, 50.0]


def test_priority_serves_the_highest_first_and_plenty_changes_nothing() -> None:
    """Priority [1, 2]: FW 2 gets 100 of its 150, FW 1 nothing; enough stock → requests kept."""
    req = [[50.0, 5.0], [150.0, 5.0]]
    got = allocate(req, [100.0, 50.0], rule=Allocation.PRIORITY, priority=[1.0, 2.0])
    assert got.tolist() == [[0.0, 5.0], [100.0, 5.0]]


def test_plan_orders_applies_constraints_and_explains_them() -> None:
    """Base stock 50: position 47 → 3, raised to MOQ 5 then case pack 6; CDC short cuts."""
    state = InventoryState.of(np.array([[47.0, 0.0]]), 0.0, 0.0)
    plan = plan_orders(
        BaseStock.of(50.0), state, np.array([[10.0, 10.0]]), case_pack=6, moq=5,
        cdc_available=[100.0, 12.0],
    )
    assert plan.order.tolist() == [[6.0, 12.0]]
    flags = plan.reason.ravel().tolist()
    assert flags[0] == Reason.POLICY | Reason.MOQ | Reason.CASE_PACK
    assert flags[1] & Reason.CDC_SHORT
    table = suggestion_table(plan, ["FW1"], ["A", "B"])
    assert table["order_qty"].tolist() == [6.0, 12.0]
    assert table["cover_weeks"].tolist() == pytest.approx([5.3, 1.2])
    assert "raised to MOQ" in table["reason"].iloc[0]
