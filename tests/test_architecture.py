"""The house rules on imports: one root (`fwdnet.…`), arrows one way (logistics ← simulation ←
scenarios; dashboards read only the results schema)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROOMS = ("logistics", "simulation", "scenarios", "dashboards")
ALLOWED: dict[str, set[str]] = {
    "logistics": {"fwdnet.logistics"},
    "simulation": {"fwdnet.logistics", "fwdnet.simulation"},
    "dashboards": {"fwdnet.dashboards", "fwdnet.simulation.results"},
}


def _imports(path: Path) -> set[str]:
    """Dotted names of every absolute import in the file (also inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def _ours(path: Path) -> set[str]:
    return {n for n in _imports(path) if n == "fwdnet" or n.startswith("fwdnet.")}


def _bare(path: Path) -> set[str]:
    """Imports of a room by its folder name: a second copy of the module beside `fwdnet.…`."""
    return {n for n in _imports(path) if n.split(".")[0] in ROOMS}


def _allowed(package: str, imported: str) -> bool:
    return any(imported == a or imported.startswith(a + ".") for a in ALLOWED[package])


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_the_design_allows(package: str) -> None:
    """logistics imports nothing of ours; simulation only logistics; dashboards only results."""
    bad = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in sorted((ROOT / package).rglob("*.py"))
        for name in sorted(_ours(p))
        if not _allowed(package, name)
    ]
    assert bad == []


def test_every_import_goes_through_the_fwdnet_root() -> None:
    """No file imports `logistics.x` directly: that would load a second copy of the module."""
    files = [p for d in (*ROOMS, "tests", "benchmarks") for p in sorted((ROOT / d).rglob("*.py"))]
    bad = [f"{p.relative_to(ROOT)} imports {n}" for p in files for n in sorted(_bare(p))]
    assert bad == []


def test_the_root_package_links_every_room() -> None:
    """`fwdnet/<room>` is the top-level folder itself, so both paths name one file."""
    for room in ROOMS:
        assert (ROOT / "fwdnet" / room).resolve() == (ROOT / room).resolve()


def test_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    """The checkers catch a violation (guards against a test that cannot fail)."""
    f = tmp_path / "x.py"
    f.write_text("def f():\n    from fwdnet.simulation.engine import run\n"
                 "import logistics.geo\n")
    assert _ours(f) == {"fwdnet.simulation.engine"}
    assert not _allowed("logistics", "fwdnet.simulation.engine")
    assert _bare(f) == {"logistics.geo"}


# What `fwdnet run` and `fwdnet simulate` import must work with the core + [forecast] install:
# drivers and servers of other extras are blocked here as if they were not installed.
RUN_PATH_MODULES = ("fwdnet.scenarios.pipeline", "fwdnet.scenarios.commands.run",
                    "fwdnet.scenarios.commands.simulate", "fwdnet.simulation.waybills",
                    "fwdnet.logistics.tracking.schema")
OTHER_EXTRAS = ("psycopg", "fastapi", "uvicorn", "redis", "dask", "distributed")


def test_run_path_needs_no_other_extra() -> None:
    """The wheel smoke test installs only [forecast] and runs `fwdnet run` (CI found psycopg)."""
    import subprocess
    import sys

    code = ("import sys\n"
            f"for m in {OTHER_EXTRAS!r}: sys.modules[m] = None\n"
            f"import importlib\nfor m in {RUN_PATH_MODULES!r}: importlib.import_module(m)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
