"""`fwdnet rebalance --stock`: the stock CSV is checked row by row; transfers on the tiny net."""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from fwdnet.logistics.design.current_stock import read_stock_csv, suggest_transfers
from fwdnet.logistics.design.matrices import network_matrices
from fwdnet.logistics.errors import InputError
from fwdnet.logistics.network import load_scenario
from fwdnet.scenarios.pipeline import design

HEADER = "site,sku,on_hand,on_order,daily_demand\n"


@pytest.fixture(scope="module")
def tiny(tiny_toml: Path):  # type: ignore[no-untyped-def]
    scn = load_scenario(tiny_toml)
    mats = network_matrices(scn)
    return scn, mats, design(scn, mats, "all-open", routes=False)


def _write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    p = tmp_path / "stock.csv"
    p.write_text(header + body, encoding="utf-8")
    return p


def test_hot_coat_in_chongqing_comes_from_chengdu(tiny, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """FW-B sells 10 coats a day and has 2; FW-A has 1,000 and sells 1: FW-B's next receipt
    is lead 2 + half a review 3.5 days away, the transfer lands tomorrow: 4.5 × 10 = 45 coats
    worth 0.5 × ¥700 each, on one truck costing ¥500 + ¥4/km × the road km between them."""
    scn, mats, d = tiny
    assert d.open_fw == ("FW-A", "FW-B")
    path = _write(tmp_path, "FW-B,K1,2,0,10\nFW-A,K1,1000,0,1\nFW-A,K2,5,0,2\n")
    stock = read_stock_csv(path, scn, d.open_fw)
    s = suggest_transfers(scn, d, mats, stock, date(2026, 1, 5))
    km = mats.distance_m[mats.index["FW-A"], mats.index["FW-B"]] / 1000.0
    assert [(t.sku, t.from_site, t.to_site, t.units) for t in s.transfers] == [
        ("K1", "FW-A", "FW-B", 45)]
    t = s.transfers[0]
    assert t.km == pytest.approx(km)
    assert s.transport_cost_rmb == pytest.approx(500 + 4 * km)
    holding = 300 * 0.25 * 30 / 365
    assert t.value_rmb == pytest.approx(45 * (0.5 * 700 + holding))
    # rows the file leaves out (FW-B's K2, …) sell at the design's planning rate
    assert s.demand_basis.startswith("daily_demand column of the stock file, elsewhere the "
                                     "design's planning demand of ISO week 2")


def test_without_rates_the_design_demand_of_the_week_is_used(tiny, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    scn, mats, d = tiny
    stock = read_stock_csv(_write(tmp_path, "FW-A,K1,3\n", "site,sku,on_hand\n"), scn,
                           d.open_fw)
    assert stock.daily_demand is None
    assert stock.on_hand[0, 0] == 3
    assert np.all(stock.on_order == 0)
    s = suggest_transfers(scn, d, mats, stock, date(2026, 1, 5))
    assert s.demand_basis.startswith("the design's planning demand of ISO week 2")


@pytest.mark.parametrize(("body", "header", "pattern"), [
    ("FW-Z,K1,3,,\n", HEADER, r"row 2: field 'site': 'FW-Z' is not a site of the scenario"),
    ("FW-A,K1,3,,\nS1,K1,3,,\n", HEADER,
     r"row 3: field 'site': 'S1' is not an open FW of the design \(open FWs: FW-A, FW-B\)"),
    ("FW-A,K9,3,,\n", HEADER, r"row 2: field 'sku': unknown SKU 'K9'"),
    ("FW-A,K1,-3,,\n", HEADER, r"row 2: field 'on_hand': expected a number >= 0 \(got '-3'\)"),
    ("FW-A,K1,lots,,\n", HEADER, r"row 2: field 'on_hand': expected a number \(got 'lots'\)"),
    ("FW-A,K1,3,,\nFW-A,K1,4,,\n", HEADER, r"row 3: duplicate \(FW-A, K1\) \(first at row 2\)"),
    ("FW-A,K1\n", "site,sku\n", r"missing column\(s\) on_hand"),
    ("", HEADER, r"no rows"),
])
def test_bad_stock_rows_name_file_and_row(tiny, tmp_path: Path, body: str, header: str,  # type: ignore[no-untyped-def]
                                          pattern: str) -> None:
    scn, _, d = tiny
    with pytest.raises(InputError, match=r"stock\.csv: " + pattern):
        read_stock_csv(_write(tmp_path, body, header), scn, d.open_fw)


def test_cli_suggests_and_writes_csv_and_refuses_bad_rows(tiny_toml: Path,
                                                          tmp_path: Path) -> None:
    good = _write(tmp_path, "FW-B,K1,2,0,10\nFW-A,K1,1000,0,1\n")
    out = tmp_path / "transfers.csv"
    proc = subprocess.run([sys.executable, "-m", "fwdnet", "rebalance", str(tiny_toml),
                           "--design", "all-open", "--stock", str(good), "--out", str(out)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "1 transfer(s), 45 units" in proc.stdout
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["sku"], r["from_site"], r["to_site"], r["units"]) for r in rows] == [
        ("K1", "FW-A", "FW-B", "45")]
    bad = tmp_path / "bad.csv"
    bad.write_text("site,sku,on_hand\nFW-A,K1,3\nFW-A,KX,1\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "fwdnet", "rebalance", str(tiny_toml),
                           "--design", "all-open", "--stock", str(bad)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert f"error: {bad}: row 3: field 'sku': unknown SKU 'KX'" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "fwdnet", "rebalance", str(tiny_toml)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "give --stock FILE" in proc.stderr
