"""Outcome of a design solve: the kernel's one `SolveStatus`, shared with routing."""

from __future__ import annotations

from fwdnet.logistics.kernel.status import SolveStatus

__all__ = ["SolveStatus"]
