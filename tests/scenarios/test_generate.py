"""The scenario generator: sizes are parameters, the same seed writes the same bytes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from fwdnet.logistics.network import load_scenario
from fwdnet.scenarios.generate import Sizes, generate, seasonality


def test_same_seed_same_files(tmp_path: Path) -> None:
    sizes = Sizes(stores=10, skus=15, fw_candidates=3, history_weeks=10)
    a = generate(tmp_path / "a", "t", sizes, seed=3, start=date(2026, 1, 1))
    b = generate(tmp_path / "b", "t", sizes, seed=3, start=date(2026, 1, 1))
    for f in sorted((a.parent / "data" / "t").iterdir()):
        assert f.read_bytes() == (b.parent / "data" / "t" / f.name).read_bytes(), f.name
    s = load_scenario(a)
    assert len(s.network.stores) == 10
    assert len(s.network.skus) == 15
    assert len(s.network.fw_candidates) == 3
    assert s.history.weeks == 10


def test_coats_peak_earlier_in_the_mountains() -> None:
    """Heavy coats: the cold Aba region (AB) peaks weeks before warm Xichang (XC)."""
    s = seasonality(["AB", "XC"], ["heavy_coat", "t_shirt"])
    ab, xc = s[0, 0], s[1, 0]
    assert np.argmax(ab) < np.argmax(xc)
    assert s[1, 1].argmax() in range(22, 32)  # T-shirts peak in summer
    assert np.allclose(s.mean(axis=2), 1.0)  # seasonal factors average to one


def test_history_contains_promotion_spikes(tmp_path: Path) -> None:
    """Double 11 week sells clearly more than the weeks around it."""
    toml = generate(tmp_path, "p", Sizes(stores=40, skus=200, fw_candidates=4),
                    seed=5, start=date(2026, 1, 1))
    s = load_scenario(toml)
    total = s.history.quantity.sum(axis=(0, 1))
    weeks = [d.isoformat() for d in s.history.week_start]
    d11 = next(i for i, w in enumerate(weeks) if w >= "2025-11-03") - 1  # week with Nov 1–2
    assert total[d11 + 1] > 1.3 * total[d11 - 3]


def test_regional_taste_shows_in_history_and_demand(tmp_path: Path) -> None:
    """Hot in one region, slow in another: a hot item's home region buys far more per store
    than the others, in the history and in the simulated demand model alike."""
    from fwdnet.logistics.network import DemandModel

    toml = generate(tmp_path, "t", Sizes(stores=120, skus=80, fw_candidates=6, hot_items=3),
                    seed=9, start=date(2026, 1, 1))
    s = load_scenario(toml)
    net = s.network
    taste = net.taste()
    size = np.bincount(net.region_index(net.stores), weights=[x.weight for x in net.stores],
                       minlength=len(net.regions))
    # normalised: a SKU's chain-wide volume does not depend on where it is liked
    assert np.allclose(size @ taste / size.sum(), 1.0, atol=2e-3)
    hot = [i for i, k in enumerate(net.skus) if k.hot]
    per_store = s.history.quantity.sum(axis=2) / np.maximum(size, 1e-9)[:, None]
    for k in hot:
        home = int(np.argmax(taste[:, k]))
        assert taste[home, k] > 2 * np.median(taste[:, k])
        present = size > 0
        assert per_store[home, k] == per_store[present, k].max()
    model = DemandModel.from_network(net)
    assert np.allclose(model.region_base(), size[:, None] * model.sku_base[None, :] * taste)


# --- `fwdnet generate`: any accepted size is feasible, the defaults rewrite the bundled default

def _cli(*args: str) -> tuple[int, str, str]:
    from typer.testing import CliRunner

    from fwdnet.scenarios.cli import app

    res = CliRunner().invoke(app, ["generate", *args])
    return res.exit_code, res.stdout, res.stderr


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_generate_command_writes_a_loadable_feasible_chain(tmp_path: Path) -> None:
    """40 stores × 50 SKUs: the TOML and its data load, every store is served (by a FW in reach,
    or from the CDC in the two Aba/Ganzi towns the twelve default candidates leave out), and
    the FWs can carry well over the demand the design plans for."""
    from fwdnet.logistics.design.costs import design_context, location_problem

    code, out, err = _cli("--stores", "40", "--skus", "50", "--out", str(tmp_path))
    assert code == 0, err
    toml = Path(out.strip())
    assert toml == tmp_path / "s40x50.toml"
    assert {p.name for p in (tmp_path / "data" / "s40x50").iterdir()} == {
        "sites.csv", "skus.csv", "seasonality.csv", "promotions.csv", "affinity.csv",
        "demand_history.csv.gz"}
    s = load_scenario(toml)
    assert (len(s.network.stores), len(s.network.skus), len(s.network.fw_candidates)) == \
        (40, 50, 12)
    ctx = design_context(s)
    problem, served = location_problem(ctx)
    assert problem.capacity.sum() >= 2 * problem.demand.sum()
    outside = {s.network.stores[j].city for j in np.flatnonzero(~ctx.reach.any(axis=0))}
    assert outside <= {"康定 Kangding", "马尔康 Ma'erkang"}
    assert len(served) >= 40 - 4


def test_larger_chains_get_more_candidates_and_every_store_in_reach(tmp_path: Path) -> None:
    """600 stores: 18 candidates, the first extra ones cover the mountain towns, so every store
    has a FW in reach, and the candidates still hold twice the demand."""
    from fwdnet.logistics.design.costs import design_context, location_problem

    code, out, err = _cli("--stores", "600", "--skus", "40", "--out", str(tmp_path))
    assert code == 0, err
    s = load_scenario(Path(out.strip()))
    assert len(s.network.fw_candidates) == 18
    ctx = design_context(s)
    assert ctx.reach.any(axis=0).all()
    problem, _ = location_problem(ctx)
    assert problem.capacity.sum() >= 2 * problem.demand.sum()
    assert problem.capacity_m3 is not None
    assert problem.demand_m3 is not None
    assert problem.capacity_m3.sum() >= problem.demand_m3.sum()


def test_candidate_count_and_capacity_scale_known_answers() -> None:
    """12 candidates up to 400 stores, 30 at 1,000, never more than the 60 real sites; a demand
    equal to the first FW's throughput needs its capacity doubled (headroom 2), its fixed cost
    × √2."""
    from fwdnet.scenarios.generate import (
        FW_CANDIDATES,
        FW_TURNS_PER_YEAR,
        capacity_scale,
        fw_candidates_for,
        fw_rows,
    )

    assert [fw_candidates_for(n) for n in (1, 300, 400, 1000, 3000)] == [12, 12, 12, 30, 60]
    fws = FW_CANDIDATES[:1]
    cap = fws[0][6]
    rate = np.full((1, 1, 52), cap * FW_TURNS_PER_YEAR / 52)
    scale, yearly = capacity_scale(fws, rate, np.array([0.001]), 52)
    assert yearly == pytest.approx(cap * FW_TURNS_PER_YEAR)
    assert scale == pytest.approx(2.0)
    row = fw_rows(fws, 4.0)[0]
    assert row[7] == 4 * cap
    assert row[9] == 2 * fws[0][7]
    assert fw_rows(fws, 1.0)[0][7:10] == [cap, round(cap * 0.012, 1), fws[0][7]]


def test_generate_is_deterministic_per_seed(tmp_path: Path) -> None:
    """The same seed writes the same bytes; another seed writes another chain."""
    for sub, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        code, _, err = _cli("--stores", "40", "--skus", "30", "--seed", seed,
                            "--out", str(tmp_path / sub))
        assert code == 0, err
    a, b, c = (_files(tmp_path / x) for x in "abc")
    assert a == b
    assert a["data/s40x30/sites.csv"] != c["data/s40x30/sites.csv"]


@pytest.mark.parametrize(("args", "words"), [
    (["--stores", "0"], "stores must be between 1 and 9,999 (got 0)"),
    (["--stores", "10000"], "store ids are S0001…S9999"),
    (["--skus", "100000"], "skus must be between 1 and 99,999"),
    (["--stores", "50", "--fw-candidates", "61"], "fw_candidates must be between 1 and 60"),
    (["--stores", "50", "--name", "../x"], "--name: expected letters, digits"),
])
def test_sizes_it_cannot_make_feasible_get_a_clear_error(
        tmp_path: Path, args: list[str], words: str) -> None:
    """One line naming the limit, exit code 2, no traceback and nothing written."""
    code, out, err = _cli(*args, "--out", str(tmp_path / "x"))
    assert code == 2
    assert words in err
    assert "Traceback" not in out + err
    assert not (tmp_path / "x").exists()


def test_default_arguments_rewrite_the_bundled_default_byte_for_byte(tmp_path: Path) -> None:
    """`fwdnet generate --out DIR` (300 stores × 2,000 SKUs, the default seed) writes exactly the
    bundled scenarios/default.toml and scenarios/data/default/."""
    import fwdnet.scenarios as pkg

    code, out, err = _cli("--out", str(tmp_path))
    assert code == 0, err
    here = Path(pkg.__file__).resolve().parent
    assert Path(out.strip()).read_bytes() == (here / "default.toml").read_bytes()
    assert _files(tmp_path / "data" / "default") == _files(here / "data" / "default")
