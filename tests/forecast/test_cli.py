"""`fwdnet forecast predict` and `fwdnet replenish` end to end on tiny inputs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from fwdnet.scenarios.cli import app


def test_predict_writes_forecast_and_quantiles(tmp_path: Path) -> None:
    """Two weekly series, horizon 3: 6 rows with unique_id,date,forecast,p5,p10,p90,p95,model."""
    dates = pd.date_range("2024-01-01", periods=30, freq="W-MON")
    rng = np.random.default_rng(1)
    df = pd.concat([pd.DataFrame({"unique_id": u, "date": dates.strftime("%Y-%m-%d"),
                                  "quantity": rng.poisson(lam, 30)})
                    for u, lam in (("a", 5), ("b", 20))])
    data = tmp_path / "d.csv"
    df.to_csv(data, index=False)
    out = tmp_path / "fc.csv"
    res = CliRunner().invoke(app, ["forecast", "predict", str(data), "--horizon", "3",
                                   "--out", str(out), "--model", "window_average"])
    assert res.exit_code == 0, res.output
    fc = pd.read_csv(out)
    assert list(fc.columns) == ["unique_id", "date", "forecast", "p5", "p10", "p90", "p95",
                                "model"]
    assert set(fc["model"]) == {"window_average"}
    assert len(fc) == 6
    assert fc["date"].iloc[0] == "2024-07-29"
    assert (fc["p5"] <= fc["p10"]).all()
    assert (fc["p10"] <= fc["p90"]).all()


def test_replenish_on_a_small_generated_scenario(tmp_path: Path) -> None:
    """A generated 20-store, 30-SKU scenario: one suggestion row per FW × SKU, reasons given."""
    from fwdnet.scenarios.generate import Sizes, generate

    toml = generate(tmp_path, "tiny", Sizes(stores=20, skus=30, fw_candidates=3,
                                            history_weeks=30), 7, date(2026, 1, 1))
    out = tmp_path / "repl.csv"
    res = CliRunner().invoke(app, ["replenish", str(toml), "--out", str(out),
                                   "--model", "window_average", "--case-pack", "6"])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out)
    assert len(table) == 3 * 30
    assert {"fw", "sku", "position", "order_up_to", "order_qty", "cover_days",
            "reason"} <= set(table.columns)
    assert (table["order_qty"] % 6 == 0).all()
    assert (table["order_qty"] >= table["order_up_to"] - table["position"] - 1e-9).all()
