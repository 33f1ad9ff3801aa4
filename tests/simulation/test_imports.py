"""A replay worker loads the engine only: no solver (their memory is paid per worker)."""

from __future__ import annotations

import subprocess
import sys


def test_the_engine_loads_no_solver() -> None:
    code = ("import sys, fwdnet.simulation.compare, fwdnet.simulation.engine; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'ortools', 'pyvrp'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
