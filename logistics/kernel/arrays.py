"""Read-only numpy arrays: domain objects hold arrays nobody may change in place."""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np

A = TypeVar("A", bound=np.ndarray[Any, Any])


def frozen(arr: A) -> A:
    """Mark `arr` read-only and return it (no copy): writes then raise ValueError."""
    arr.flags.writeable = False
    return arr


def frozen_copy(values: Any, dtype: Any = None) -> np.ndarray[Any, Any]:
    """A read-only copy of `values`, so that later changes to the source do not leak in."""
    return frozen(np.array(values, dtype=dtype, copy=True))
