"""Freed heap pages go back to the OS when asked (glibc)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import numpy as np, psutil
    from fwdnet.logistics.kernel.memory import release_freed_memory
    me = psutil.Process()
    big = np.ones(16 * 2**20 // 8)  # freeing an mmapped block raises glibc's mmap threshold
    del big
    blocks, pins = [], []
    for _ in range(300):  # 300 MB of 1 MB blocks on the heap, small live arrays between them
        blocks.append(np.ones(2**20 // 8))
        pins.append(np.ones(64))
    del blocks
    before = me.memory_info().rss
    released = release_freed_memory()
    print(released, before - me.memory_info().rss)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc_trim")
def test_freed_heap_memory_is_returned() -> None:
    """Blocks freed between live arrays stay resident (the heap cannot shrink from its top)
    until the release hands their pages back. A fresh process: the test runner's own heap
    history moves glibc's thresholds."""
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[0] == "True"
    assert int(out[1]) > 150 * 2**20
