"""The scenario generator: sizes are parameters, the same seed writes the same bytes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np

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
