"""`fwdnet assortment suggest/apply` on the default scenario: files written, refusals exit 2."""

from __future__ import annotations

import csv
import subprocess
import sys

from typer.testing import CliRunner

from fwdnet.scenarios.cli import app


def test_suggest_writes_one_row_per_sku_for_the_region(tmp_path):
    out = tmp_path / "s.csv"
    res = CliRunner().invoke(app, ["assortment", "suggest", "scenarios/default.toml",
                                   "--region", "GY", "--season-weeks", "0", "--out", str(out)])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 2000
    assert {r["region"] for r in rows} == {"GY"}
    listed = [r for r in rows if r["listed"] == "True"]
    assert len(listed) == 666  # FW-GY 40,000 units // 60 units per SKU
    assert all(r["reason"] for r in rows)


def test_suggest_by_season_writes_every_season(tmp_path):
    """The default rules re-plan every 4 ISO weeks: 13 seasons (week 53 joins the last)."""
    out = tmp_path / "s.csv"
    res = CliRunner().invoke(app, ["assortment", "suggest", "scenarios/default.toml",
                                   "--region", "XC", "--out", str(out)])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    starts = sorted({int(r["season_start_week"]) for r in rows})
    assert starts == list(range(1, 53, 4))
    for s in starts:
        assert sum(r["listed"] == "True" for r in rows if int(r["season_start_week"]) == s) == 666


def test_apply_refuses_a_core_removal_naming_the_rule(tmp_path):
    """K00006 is among the 200 national best sellers (core): removal refused, exit 2, no file."""
    ov = tmp_path / "o.csv"
    ov.write_text("region,action,sku,category,lift,start,end\nGY,remove,K00006,,,,\n")
    out = tmp_path / "a.csv"
    res = subprocess.run([sys.executable, "-m", "fwdnet", "assortment", "apply",
                          "scenarios/default.toml", str(ov), "--out", str(out)],
                         capture_output=True, text=True, check=False)
    assert res.returncode == 2
    assert "rule core_range" in res.stderr
    assert "Traceback" not in res.stderr
    assert not out.exists()
