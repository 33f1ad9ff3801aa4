"""`fwdnet generate --stores N --skus M --out DIR`: write a seeded chain scenario of any size.

The same generator as `python scenarios/generate.py`; the default sizes and seed rewrite the
bundled default scenario byte for byte. FW candidates and capacities grow with the chain.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from fwdnet.logistics.errors import InputError
from fwdnet.scenarios.generate import (
    DEFAULT_SEED,
    DEFAULT_START,
    Sizes,
    default_name,
    fw_candidates_for,
    generate_chain,
    size_problem,
)


def generate(
    out: Annotated[Path, typer.Option(
        "--out", help="Folder to write NAME.toml and data/NAME/*.csv into (created if needed).",
        show_default=False)],
    stores: Annotated[int, typer.Option(
        "--stores", help="Number of stores (1–9,999).")] = Sizes.stores,
    skus: Annotated[int, typer.Option(
        "--skus", help="Number of SKUs (1–99,999).")] = Sizes.skus,
    name: Annotated[str | None, typer.Option(
        "--name", help="Scenario name (default: 'default' at 300 × 2,000, else s<N>x<M>).",
        show_default=False)] = None,
    seed: Annotated[int, typer.Option(
        "--seed", help="Random seed; the same seed writes the same bytes.")] = DEFAULT_SEED,
    fw_candidates: Annotated[int | None, typer.Option(
        "--fw-candidates", help="FW candidates (1–60; default 12 up to 400 stores, then one "
        "per 33 stores: 30 at 1,000).", show_default=False)] = None,
) -> None:
    """Generate a Sichuan/Chongqing apparel-chain scenario with STORES stores and SKUS SKUs.

    FW candidates are real county seats; their capacities grow with the demand, so the FWs can
    carry at least twice the expected demand. Prints the TOML's path.
    """
    fw = fw_candidates_for(stores) if fw_candidates is None else fw_candidates
    sizes = Sizes(stores=stores, skus=skus, fw_candidates=fw)
    label = name or default_name(stores, skus)
    problem = size_problem(sizes)
    if not problem and not label.replace("-", "").replace("_", "").isalnum():
        problem = f"--name: expected letters, digits, '-' or '_' (got {label!r})"
    if problem:  # same contract as scenarios.cli.main, also when the app is invoked directly
        typer.echo(f"error: {InputError(problem, source='fwdnet generate')}", err=True)
        raise typer.Exit(2)
    t0 = time.perf_counter()
    typer.echo(f"generating {label}: {stores:,} stores × {skus:,} SKUs, {fw} FW candidates …",
               err=True)
    chain = generate_chain(out, label, sizes, seed, DEFAULT_START)
    typer.echo(f"FW throughput {chain.fw_units_per_year:,.0f} units/year for an expected "
               f"demand of {chain.demand_units_per_year:,.0f} "
               f"(capacities × {chain.capacity_scale:.2f}); done in "
               f"{time.perf_counter() - t0:.1f} s", err=True)
    typer.echo(str(chain.toml))
