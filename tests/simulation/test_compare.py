"""Comparing designs: CIs by hand, paired differences, executors (Dask), the CLI's files."""

from __future__ import annotations

import gzip
import math
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rich.console import Console

from fwdnet.logistics.errors import InputError
from fwdnet.scenarios.pipeline import simulate_designs
from fwdnet.simulation.compare import (
    DesignCase,
    comparison,
    interval,
    open_executor,
    replicate,
    run_replications,
)
from fwdnet.simulation.results import read_results
from fwdnet.simulation.settings import load_settings
from tests.simulation.test_engine import _one_store


def _quiet() -> Console:
    return Console(file=open("/dev/null", "w"), force_terminal=False)


def test_interval_by_hand() -> None:
    """[1, 2, 3]: mean 2, s = 1, t(0.975, 2) = 4.3027 → 2 ± 4.3027/√3."""
    iv = interval([1.0, 2.0, 3.0])
    half = 4.302652729911275 / math.sqrt(3)
    assert (iv.mean, iv.low, iv.high) == pytest.approx((2.0, 2 - half, 2 + half))
    one = interval([5.0])
    assert one.low == one.high == 5.0


def _cases() -> list[DesignCase]:
    from dataclasses import replace

    from fwdnet.simulation.engine import poisson_sampler

    inp = replace(_one_store(40, 45, review=3, lead=2), sampler=poisson_sampler)
    tight = replace(inp, order_up_to_by_week=inp.order_up_to_by_week * 0 + 25)
    return [DesignCase("a", inp, ("FW",), 1000.0), DesignCase("copy", inp, ("FW",), 1000.0),
            DesignCase("tight", tight, ("FW",), 1000.0)]


def test_identical_designs_have_zero_paired_difference() -> None:
    """Common random numbers: a design compared with itself differs by exactly 0 in every
    replication; a leaner stock level loses fill rate in every replication (same demand)."""
    cases = _cases()
    metrics = run_replications(cases, seed=1, replications=4, warmup_days=5)
    comp = comparison(cases, metrics, 5)
    assert [r.design for r in comp.designs] == ["a", "copy", "tight"]
    for p in comp.paired:
        if p.design == "copy":
            assert (p.difference.mean, p.difference.low, p.difference.high) == (0.0, 0.0, 0.0)
    fill = next(p for p in comp.paired if p.design == "tight" and p.metric == "fill_rate")
    assert fill.difference.high < 0
    # fixed cost over the 35 counted days of a 1000 RMB/year site
    assert comp.designs[0].cost_breakdown_rmb["fixed"] == pytest.approx(1000 * 35 / 365)


def test_bad_arguments_are_input_errors() -> None:
    with pytest.raises(InputError, match="replications"):
        run_replications(_cases(), 1, 0, 0)
    with pytest.raises(InputError, match="warm-up"):
        run_replications(_cases(), 1, 1, 40)
    with pytest.raises(InputError, match="scheduler"), open_executor("dask", None):
        pass
    with pytest.raises(InputError, match="local or dask"), open_executor("spark"):
        pass


def test_dask_local_cluster_gives_the_same_numbers_as_inline() -> None:
    """The executor changes where replications run, not what they compute."""
    from distributed import Client, LocalCluster

    cases = _cases()[:2]
    inline = run_replications(cases, seed=3, replications=2, warmup_days=0)
    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        remote = run_replications(cases, seed=3, replications=2, warmup_days=0,
                                  executor=client.get_executor())
    assert remote == inline
    assert inline["a"][1] == replicate(cases[0].inp, 3, 1, 0, 1000.0)


def test_cli_simulate_is_byte_identical_and_complete(tiny_toml: Path, tmp_path: Path) -> None:
    a = simulate_designs(tiny_toml, tmp_path / "a", ["optimal", "cdc-only", "FW-A"], 2,
                          workers=1, console=_quiet(), dashboard=False)
    b = simulate_designs(tiny_toml, tmp_path / "b", ["optimal", "cdc-only", "FW-A"], 2,
                          workers=1, console=_quiet(), dashboard=False)
    for name in ("results.json", "designs.csv", "waybill_events.jsonl.gz"):
        assert (tmp_path / "a" / "tiny" / name).read_bytes() == (
            tmp_path / "b" / "tiny" / name).read_bytes(), name
    res = read_results(a.results_json)
    assert res.comparison is not None
    assert res.stock is not None
    assert res.waybills is not None
    assert [r.design for r in res.comparison.designs] == ["optimal", "cdc-only", "FW-A"]
    assert res.comparison.designs[1].open_fw == []
    assert {p.metric for p in res.comparison.paired} >= {"fill_rate", "total_cost_rmb"}
    assert sum(res.waybills.status_counts.values()) > 0
    assert res.stock.sites is not None
    assert [s.site for s in res.stock.sites] == res.design.open_fw
    assert sum(s.demand_units for s in res.stock.sites) == pytest.approx(res.kpis.demand_units)
    assert sum(r.lost_sales_units for r in res.stock.regions if r.category is None) == (
        pytest.approx(res.kpis.lost_sales_units))
    lines = a.designs_csv.read_text().splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("design,open_fw,fill_rate")
    assert b.results == a.results


def test_the_feed_is_the_replays_lines_gzipped_and_a_sample_a_subset(
        tiny_toml: Path, tmp_path: Path) -> None:
    """waybill_events.jsonl.gz holds exactly the replay's JSONL lines; --waybill-sample 0.5
    keeps whole waybills, a subset in the same order, and the same results.json."""
    from fwdnet.logistics.design.matrices import network_matrices
    from fwdnet.logistics.network import load_scenario
    from fwdnet.scenarios.pipeline import design, replay_with_progress
    from fwdnet.simulation.inputs import replay_input

    full = simulate_designs(tiny_toml, tmp_path / "a", ["optimal"], 1, workers=1,
                            console=_quiet(), dashboard=False)
    half = simulate_designs(tiny_toml, tmp_path / "b", ["optimal"], 1, workers=1,
                            console=_quiet(), dashboard=False, waybill_sample=0.5)
    scn = load_scenario(tiny_toml)
    mats = network_matrices(scn)
    inp = replay_input(scn, design(scn, mats, "optimal"), mats)
    sim = replay_with_progress(inp, scn.seed, _quiet(), min(28, scn.horizon_days // 5))
    assert sim.waybills is not None
    feed = full.results_json.parent / "waybill_events.jsonl.gz"
    lines = gzip.decompress(feed.read_bytes()).decode("utf-8").splitlines()
    assert lines == list(sim.waybills.lines())
    part = gzip.decompress((half.results_json.parent / "waybill_events.jsonl.gz").read_bytes()
                           ).decode("utf-8").splitlines()
    assert 0 < len(part) < len(lines)
    assert part == [x for x in lines if x in set(part)]
    assert half.results_json.read_bytes() == full.results_json.read_bytes()
    with pytest.raises(InputError, match="waybill-sample"):
        simulate_designs(tiny_toml, tmp_path / "c", ["optimal"], 1, workers=1,
                         console=_quiet(), dashboard=False, waybill_sample=0.0)


def test_interrupt_while_writing_keeps_the_old_files_whole(
        tiny_toml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C in the middle of writing waybill_events.jsonl.gz (after 10 lines went out) leaves the
    previous run's files byte for byte, no temp file, and no new results.json."""
    from fwdnet.simulation.waybills import WaybillLog

    first = simulate_designs(tiny_toml, tmp_path, ["optimal", "cdc-only"], 1, workers=1,
                             console=_quiet(), dashboard=False)
    folder = first.results_json.parent
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert len(gzip.decompress(before["waybill_events.jsonl.gz"]).splitlines()) > 10
    real_lines = WaybillLog.lines

    def cut(self: WaybillLog, keep: Callable[[str], bool] | None = None) -> Iterator[str]:
        for i, line in enumerate(real_lines(self, keep)):
            if i == 10:
                raise KeyboardInterrupt
            yield line

    monkeypatch.setattr(WaybillLog, "lines", cut)
    with pytest.raises(KeyboardInterrupt):
        simulate_designs(tiny_toml, tmp_path, ["cdc-only", "optimal"], 1, workers=1,
                         console=_quiet(), dashboard=False)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_cli_bad_design_or_warmup_exits_2(tiny_toml: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    for extra in (["--designs", "optimal,FW-NOPE"], ["--warmup", "400"]):
        proc = subprocess.run([sys.executable, "-m", "fwdnet", "simulate", str(tiny_toml),
                               "--out", str(tmp_path), "--workers", "1", *extra],
                              capture_output=True, text=True, check=False)
        assert proc.returncode == 2, proc.stderr
        errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
        assert len(errors) == 1
        assert "Traceback" not in proc.stderr
    assert not list(tmp_path.rglob("*.json"))


def test_settings_override_and_errors(tmp_path: Path) -> None:
    good = tmp_path / "sim.toml"
    good.write_text("cdc_docks = 6\nfw_outage_days = [2, 4]\n"
                    "[emission_kg_per_tkm]\nvan = 0.5\n")
    s = load_settings(good)
    assert s.cdc_docks == 6
    assert s.fw_outage_days == (2, 4)
    assert s.emission_kg_per_tkm["van"] == 0.5
    assert s.emission_kg_per_tkm["truck"] == 0.110
    sched = tmp_path / "sched.toml"
    sched.write_text('[[disruptions]]\nkind = "fw_outage"\ntarget = "FW-A"\nstart_day = 30\n'
                     'days = 2\n[[disruptions]]\nkind = "supplier_delay"\nstart_day = 5\n'
                     'days = 4\n')
    got = load_settings(sched).scheduled
    assert [(d.kind.value, d.target, d.start, d.end, d.extra_days) for d in got] == [
        ("fw_outage", "FW-A", 30.0, 32.0, 0.0), ("supplier_delay", "supplier", 5.0, 9.0, 4.0)]
    bad = tmp_path / "bad.toml"
    bad.write_text('[[disruptions]]\nkind = "flood"\nstart_day = 1\n')
    with pytest.raises(InputError, match="disruptions #1: kind must be one of"):
        load_settings(bad)
    bad.write_text("cdc_dock = 6\n")
    with pytest.raises(InputError, match="unknown key 'cdc_dock'"):
        load_settings(bad)
    bad.write_text("fw_docks = -1\n")
    with pytest.raises(InputError, match="fw_docks"):
        load_settings(bad)


def test_cli_executors_give_identical_files(tiny_toml: Path, tmp_path: Path) -> None:
    """Inline, a local process pool and a Dask scheduler address give the same results.json."""
    from distributed import LocalCluster

    designs = ["optimal", "cdc-only"]
    inline = simulate_designs(tiny_toml, tmp_path / "inline", designs, 2, workers=1,
                               console=_quiet(), dashboard=False)
    pool = simulate_designs(tiny_toml, tmp_path / "pool", designs, 2, workers=2,
                             console=_quiet(), dashboard=False)
    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        dask = simulate_designs(tiny_toml, tmp_path / "dask", designs, 2, executor="dask",
                                 scheduler=cluster.scheduler_address, console=_quiet(),
                                 dashboard=False)
    ref = inline.results_json.read_bytes()
    assert pool.results_json.read_bytes() == ref
    assert dask.results_json.read_bytes() == ref
