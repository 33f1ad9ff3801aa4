"""`fwdnet forecast predict` and `fwdnet replenish` end to end on tiny inputs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
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


@pytest.fixture(scope="module")
def tiny_scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from fwdnet.scenarios.generate import Sizes, generate

    return generate(tmp_path_factory.mktemp("scn"), "tiny",
                    Sizes(stores=20, skus=30, fw_candidates=3, history_weeks=30), 7,
                    date(2026, 1, 1))


def test_replenish_plans_the_designs_open_fws_and_every_store(tiny_scenario: Path,
                                                              tmp_path: Path) -> None:
    """The scenario's design opens some FWs: one row per open FW × SKU (not every candidate),
    one row per store × SKU with its source FW, whole case packs, reasons on every line."""
    from fwdnet.logistics.design.network_design import plan_network
    from fwdnet.logistics.network.load import load_scenario

    sc = load_scenario(tiny_scenario)
    plan = plan_network(sc)
    open_fw = list(plan.open_fw)
    out = tmp_path / "repl.csv"
    res = CliRunner().invoke(app, ["replenish", str(tiny_scenario), "--out", str(out),
                                   "--model", "window_average", "--case-pack", "6"])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out)
    assert sorted(table["fw"].unique()) == sorted(open_fw)
    assert len(open_fw) < len(sc.network.fw_candidates)
    assert len(table) == len(open_fw) * 30
    assert {"fw", "sku", "position", "order_up_to", "order_qty", "cover_days",
            "reason"} <= set(table.columns)
    assert (table["order_qty"] % 6 == 0).all()
    assert (table["order_qty"] >= table["order_up_to"] - table["position"] - 1e-9).all()
    assert table["reason"].notna().all()
    stores = pd.read_csv(out.with_name("repl_stores.csv"))
    assert len(stores) == 20 * 30
    expected = {s.id: plan.node_ids[int(n)] for s, n in zip(sc.network.stores,
                                                             plan.store_node, strict=True)}
    got = stores.drop_duplicates("store").set_index("store")["source"].to_dict()
    assert got == expected
    assert (stores["order_qty"] % 6 == 0).all()


def test_replenish_reads_a_design_file_or_fw_list(
        tiny_scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """--design design.json plans its open FWs and assignment; --fws plans the listed FWs."""
    import json

    from fwdnet.logistics.network.load import load_scenario

    sc = load_scenario(tiny_scenario)
    fws = [s.id for s in sc.network.fw_candidates]
    stores = [s.id for s in sc.network.stores]
    design = tmp_path / "design.json"
    design.write_text(json.dumps({"location": {
        "open_fw": [fws[2]], "assignment": {s: fws[2] for s in stores}}}))
    out = tmp_path / "a.csv"
    res = CliRunner().invoke(app, ["replenish", str(tiny_scenario), "--out", str(out),
                                   "--model", "naive", "--design", str(design)])
    assert res.exit_code == 0, res.output
    assert set(pd.read_csv(out)["fw"]) == {fws[2]}
    assert set(pd.read_csv(tmp_path / "a_stores.csv")["source"]) == {fws[2]}
    res = CliRunner().invoke(app, ["replenish", str(tiny_scenario), "--out", str(out),
                                   "--model", "naive", "--fws", f"{fws[0]},{fws[1]}"])
    assert res.exit_code == 0, res.output
    assert set(pd.read_csv(out)["fw"]) == {fws[0], fws[1]}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"location": {"open_fw": ["NOPE"], "assignment": {}}}))
    code, err = _main(["replenish", str(tiny_scenario), "--design", str(bad)], capsys,
                      monkeypatch)
    assert code == 2
    errors = [ln for ln in err.splitlines() if not ln.startswith("[")]  # not progress lines
    assert len(errors) == 1
    assert "bad.json: key 'open_fw': unknown FW 'NOPE'" in errors[0]


def _main(args: list[str], capsys: pytest.CaptureFixture[str],
          monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """Run the real entry point (`fwdnet …`): exit code and stderr."""
    import sys

    from fwdnet.scenarios.cli import main

    monkeypatch.setattr(sys, "argv", ["fwdnet", *args])
    capsys.readouterr()
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


def _weekly(tmp_path: Path) -> tuple[Path, pd.DatetimeIndex]:
    dates = pd.date_range("2024-01-01", periods=30, freq="W-MON")
    df = pd.concat([pd.DataFrame({"unique_id": u, "date": dates.strftime("%Y-%m-%d"),
                                  "quantity": 10.0, "promo": 1.0}) for u in ("a", "b")])
    data = tmp_path / "d.csv"
    df.to_csv(data, index=False)
    return data, dates


def test_future_features_short_of_the_horizon_name_file_and_series(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The features file stops one week early: exit 2, one line naming the file, the series,
    the date and the column; an empty value names its row."""
    data, dates = _weekly(tmp_path)
    fut = pd.DataFrame({"unique_id": ["a", "a", "b", "b", "b"],
                        "date": [d.strftime("%Y-%m-%d") for d in
                                 (dates[-1] + pd.Timedelta(weeks=w) for w in (1, 2, 1, 2, 3))],
                        "promo": [1.0, 1.0, 1.0, None, 1.0]})
    feat = tmp_path / "future.csv"
    fut.to_csv(feat, index=False)
    args = ["forecast", "predict", str(data), "--horizon", "3", "--out",
            str(tmp_path / "o.csv"), "--features", str(feat), "--model", "naive"]
    code, err = _main(args, capsys, monkeypatch)
    assert code == 2
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1
    assert f"{feat}: no row for unique_id 'a' and date 2024-08-12" in lines[0]
    assert "promo" in lines[0]
    fut.loc[len(fut)] = ["a", "2024-08-12", 1.0]
    fut.to_csv(feat, index=False)
    code, err = _main(args, capsys, monkeypatch)
    assert code == 2
    assert f"{feat}: row 5: column 'promo': empty" in err


def test_gaps_in_the_history_stop_the_cli_unless_filled(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing week: exit 2 naming file, row and field; --fill-gaps forecasts anyway."""
    data, _ = _weekly(tmp_path)
    df = pd.read_csv(data).drop(index=5)
    df.to_csv(data, index=False)
    args = ["forecast", "predict", str(data), "--horizon", "2", "--out",
            str(tmp_path / "o.csv"), "--model", "naive", "--levels-by", "none"]
    code, err = _main(args, capsys, monkeypatch)
    assert code == 2
    assert f"{data}: row 7: field 'date': series 'a' jumps" in err  # line 7 follows the gap
    fut = pd.DataFrame({"unique_id": ["a", "a", "b", "b"],
                        "date": ["2024-07-29", "2024-08-05"] * 2, "promo": 1.0})
    fut.to_csv(tmp_path / "f.csv", index=False)
    res = CliRunner().invoke(app, [*args, "--fill-gaps", "--features", str(tmp_path / "f.csv")])
    assert res.exit_code == 0, res.output
