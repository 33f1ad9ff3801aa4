"""Results to draw: a real run of the small generated scenario, alone and with every optional
section filled by hand (tests/dashboards/sample.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from fwdnet.scenarios.pipeline import run_scenario
from fwdnet.simulation.results import Results, write_results
from tests.dashboards.sample import with_all_sections

OPTIONAL = ("comparison", "stock", "forecast", "waybills")


@pytest.fixture(scope="session")
def run_results(small_toml: Path, tmp_path_factory: pytest.TempPathFactory) -> Results:
    """The small scenario's results as `fwdnet run` writes them (whatever sections it fills)."""
    out = tmp_path_factory.mktemp("dash_run")
    with open("/dev/null", "w") as sink:
        return run_scenario(small_toml, out, console=Console(file=sink)).results


@pytest.fixture(scope="session")
def simulated_results(small_toml: Path, tmp_path_factory: pytest.TempPathFactory) -> Results:
    """The small scenario as `fwdnet simulate` writes it: with a real design comparison."""
    from fwdnet.scenarios.pipeline import simulate_designs

    out = tmp_path_factory.mktemp("dash_sim")
    with open("/dev/null", "w") as sink:
        return simulate_designs(small_toml, out, ["optimal", "all-open", "cdc-only"], 2,
                                 workers=1, console=Console(file=sink), dashboard=False).results


@pytest.fixture(scope="session")
def core_results(run_results: Results) -> Results:
    """Only the core sections: every optional one absent (None)."""
    return run_results.model_copy(update=dict.fromkeys(OPTIONAL))


@pytest.fixture(scope="session")
def full_results(core_results: Results) -> Results:
    """Every optional section filled with the hand-made numbers of sample.py."""
    return with_all_sections(core_results)


@pytest.fixture(scope="session")
def full_dir(full_results: Results, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results folder holding the full results.json."""
    d = tmp_path_factory.mktemp("dash_full")
    write_results(d / "results.json", full_results)
    return d
