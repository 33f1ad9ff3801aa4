"""`fwdnet run` exports: routes (GeoJSON, CSV), FW placement and transfers (CSV) match results."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console
from shapely.geometry import shape

from fwdnet.logistics.errors import InputError
from fwdnet.logistics.network import load_scenario
from fwdnet.scenarios.pipeline import routing_day, run_scenario
from fwdnet.simulation.results import Results, read_results


def _quiet() -> Console:
    return Console(file=open("/dev/null", "w"), force_terminal=False)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def small_run(small_toml: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Results]:
    out = run_scenario(small_toml, tmp_path_factory.mktemp("run"), console=_quiet(),
                       route_date=date(2026, 1, 20))
    return out.results_json.parent, out.results


def test_routes_geojson_is_valid_and_matches_results(small_run: tuple[Path, Results]) -> None:
    """One closed LineString per route, the results' path as coordinates, the day named."""
    folder, res = small_run
    doc = json.loads((folder / "routes.geojson").read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    assert doc["properties"]["date"] == "2026-01-20"
    assert doc["properties"]["iso_week"] == 4
    routes = [r for plan in res.routing for r in plan.routes]
    assert len(doc["features"]) == len(routes) > 0
    for feat, route in zip(doc["features"], routes, strict=True):
        assert feat["type"] == "Feature"
        geom = shape(feat["geometry"])
        assert geom.geom_type == "LineString"
        assert geom.is_valid
        coords = feat["geometry"]["coordinates"]
        assert coords == [list(p) for p in route.path]
        assert coords[0] == coords[-1]  # a tour back to its depot
        assert all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in coords)
        assert feat["properties"]["stops"] == route.stops
        assert feat["properties"]["date"] == "2026-01-20"


def test_routes_csv_has_one_row_per_stop_in_order(small_run: tuple[Path, Results]) -> None:
    folder, res = small_run
    rows = _rows(folder / "routes.csv")
    by_route: dict[tuple[str, str, str], list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        by_route[(r["echelon"], r["depot"], r["route"])].append(r)
    expected = {}
    for plan in res.routing:
        for i, route in enumerate(plan.routes, start=1):
            expected[(route.echelon, route.depot, str(i))] = route
    assert set(by_route) == set(expected)
    for key, route in expected.items():
        got = by_route[key]
        assert [r["site"] for r in got] == route.stops
        assert [int(r["seq"]) for r in got] == list(range(1, len(route.stops) + 1))
        assert float(got[0]["route_cost_rmb"]) == pytest.approx(route.cost_rmb, abs=1e-5)
        assert {r["date"] for r in got} == {"2026-01-20"}


def test_results_name_the_day_and_the_date_changes_the_routes(
        small_toml: Path, small_run: tuple[Path, Results]) -> None:
    """The results say which day's routes they show; the typical day's loads differ."""
    _, res = small_run
    assert res.routing_day is not None
    assert res.routing_day.date == "2026-01-20"
    assert "ISO week 4" in res.routing_day.basis
    typical = routing_day(load_scenario(small_toml), None)
    assert typical.date is None
    assert "typical day" in typical.basis


def test_placement_csv_lists_every_held_sku(small_run: tuple[Path, Results]) -> None:
    """One row per (open FW, held SKU), only for open FWs, with a positive target."""
    folder, res = small_run
    rows = _rows(folder / "placement.csv")
    assert rows
    assert {r["fw"] for r in rows} <= set(res.design.open_fw)
    assert len({(r["fw"], r["sku"]) for r in rows}) == len(rows)
    assert all(float(r["target_units"]) > 0 for r in rows)
    regions = {s.id: s.region for s in res.sites}
    assert all(r["region"] == regions[r["fw"]] for r in rows)


def test_transfers_csv_adds_up_to_the_stock_view(small_run: tuple[Path, Results]) -> None:
    """Every transfer of the replay: per lane and SKU the rows add up to the results' table."""
    folder, res = small_run
    rows = _rows(folder / "transfers.csv")
    assert res.stock is not None
    summed: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for r in rows:
        acc = summed[(r["sku"], r["from_site"], r["to_site"])]
        acc[0] += float(r["units"])
        acc[1] += float(r["cost_rmb"])
    assert len(summed) >= len(res.stock.transfers)
    for t in res.stock.transfers:
        units, cost = summed[(t.sku, t.from_site, t.to_site)]
        assert units == pytest.approx(t.units)
        assert cost == pytest.approx(t.cost_rmb, abs=1e-3)
    days = [int(r["day"]) for r in rows]
    assert days == sorted(days)


def test_date_outside_the_horizon_is_refused(small_toml: Path) -> None:
    scn = load_scenario(small_toml)
    with pytest.raises(InputError, match=r"--date 2027-01-01 is outside the horizon of "
                                         r"scenario small \(2026-01-01 to 2026-02-11\)"):
        routing_day(scn, date(2027, 1, 1))


def test_cli_bad_date_exits_2(tiny_toml: Path, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "fwdnet", "run", str(tiny_toml), "--out",
                           str(tmp_path), "--date", "2026-13-01"], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 2
    assert "error: --date: expected a date YYYY-MM-DD, got '2026-13-01'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_exports_are_byte_identical_for_a_seed(small_toml: Path, tmp_path: Path,
                                               small_run: tuple[Path, Results]) -> None:
    folder, _ = small_run
    again = run_scenario(small_toml, tmp_path, console=_quiet(), route_date=date(2026, 1, 20))
    for name in ("routes.geojson", "routes.csv", "placement.csv", "transfers.csv",
                 "results.json"):
        assert (again.results_json.parent / name).read_bytes() == (folder / name).read_bytes()
    assert read_results(again.results_json).routing_day == read_results(
        folder / "results.json").routing_day


def test_transfer_rows_name_sites_skus_and_dates(tiny_toml: Path) -> None:
    """Each replay transfer becomes one row: day, its date, SKU id, sites, units, cost."""
    from types import SimpleNamespace

    from fwdnet.simulation.exports import TRANSFER_COLUMNS, transfer_rows
    from fwdnet.simulation.kpis import TransferRecord

    scn = load_scenario(tiny_toml)
    inp = SimpleNamespace(node_ids=("FW-A", "FW-B", "CDC"))
    sim = SimpleNamespace(transfers=(TransferRecord(3, 1, 0, 1, 12.0, 40.5),
                                     TransferRecord(10, 2, 1, 0, 7.0, 20.0)))
    rows = transfer_rows(scn, inp, sim)  # type: ignore[arg-type]
    assert len(TRANSFER_COLUMNS) == len(rows[0])
    assert rows == [[3, "2026-01-04", "K2", "FW-A", "FW-B", 12.0, 40.5],
                    [10, "2026-01-11", "K3", "FW-B", "FW-A", 7.0, 20.0]]
