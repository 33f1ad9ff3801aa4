"""Shared fixtures: the hand-made tiny scenario and a small generated one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fwdnet.scenarios.generate import Sizes, generate

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def tiny_toml() -> Path:
    """1 CDC, 2 FW candidates (Chengdu, Chongqing), 4 stores, 3 SKUs; answers known by hand."""
    return DATA / "tiny" / "tiny.toml"


@pytest.fixture(scope="session")
def small_toml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated 30-store, 60-SKU, 6-candidate scenario over 42 days (same code as default)."""
    out = tmp_path_factory.mktemp("scenario")
    sizes = Sizes(stores=30, skus=60, fw_candidates=6, history_weeks=52, hot_items=2)
    return generate(out, "small", sizes, seed=11, start=date(2026, 1, 1), horizon_days=42)
