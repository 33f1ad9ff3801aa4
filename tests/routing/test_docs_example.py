"""The example in docs/routing.md runs and gives the hand-computed answer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "routing.md"


def test_docs_example_runs_and_costs_220_5_rmb(capsys):
    """13 km x 3.5 + 2250 s x 40/h (600 + 300 service + 450 + 900) + 150 fixed = 220.5 RMB."""
    code = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert code is not None
    scope: dict[str, object] = {}
    exec(compile(code.group(1), str(DOC), "exec"), scope)
    result = scope["result"]
    assert result.status.value == "feasible"
    assert result.cost == pytest.approx(220.5)
    assert [r.stops for r in result.routes] == [(0, 1)]
    assert "feasible" in capsys.readouterr().out
