"""The house rule on imports: arrows point one way (logistics ← simulation ← scenarios)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"logistics", "simulation", "scenarios", "dashboards"}
ALLOWED: dict[str, set[str]] = {
    "logistics": {"logistics"},
    "simulation": {"logistics", "simulation"},
    "dashboards": {"dashboards", "simulation.results"},
}


def _our_imports(path: Path) -> set[str]:
    """Dotted names of fwdnet modules imported anywhere in the file (also inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] in OURS)
        elif (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
              and node.module.split(".")[0] in OURS):
            found.add(node.module)
    return found


def _allowed(package: str, imported: str) -> bool:
    return any(imported == a or imported.startswith(a + ".") for a in ALLOWED[package])


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_the_design_allows(package: str) -> None:
    """logistics imports nothing of ours; simulation only logistics; dashboards only results."""
    bad = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in sorted((ROOT / package).rglob("*.py"))
        for name in sorted(_our_imports(p))
        if not _allowed(package, name)
    ]
    assert bad == []


def test_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    """The checker itself catches a violation (guards against a test that cannot fail)."""
    f = tmp_path / "x.py"
    f.write_text("def f():\n    from simulation.engine import run\n")
    assert _our_imports(f) == {"simulation.engine"}
    assert not _allowed("logistics", "simulation.engine")
