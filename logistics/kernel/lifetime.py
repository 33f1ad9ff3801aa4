"""Tie a helper process's life to its parent's: on Linux the kernel kills it when the
parent dies, so a killed server, ingest or solve never leaves its helpers running."""

from __future__ import annotations

import ctypes
import os
import signal
import sys


def die_with_parent(parent: int | None) -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (PR_SET_PDEATHSIG); exit
    at once if `parent` (its pid as the parent saw it) is already gone. No-op off Linux."""
    if not sys.platform.startswith("linux") or parent is None:
        return
    pr_set_pdeathsig = 1
    ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)
