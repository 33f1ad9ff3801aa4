"""Run independent calls inline or on any `concurrent.futures.Executor`, results in call order.

Replications and routing solves are independent tasks: a process pool or a Dask client runs
them side by side, and an error or Ctrl-C cancels what is still queued instead of finishing it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from typing import Any, TypeVar

T = TypeVar("T")


def map_in_order(fn: Callable[..., T], calls: Sequence[tuple[Any, ...]],
                 executor: Executor | None = None, *, submit_order: Sequence[int] | None = None,
                 on_done: Callable[[int], None] | None = None) -> list[T]:
    """`fn(*args)` for each `args` of `calls`, returned in that order; `on_done(i)` after each.

    Without an executor the calls run here, one by one. With one, all are submitted first (in
    `submit_order` when given, e.g. the largest first so the pool stays busy)."""
    if executor is None:
        out = []
        for i, args in enumerate(calls):
            out.append(fn(*args))
            if on_done is not None:
                on_done(i)
        return out
    order = range(len(calls)) if submit_order is None else submit_order
    if sorted(order) != list(range(len(calls))):  # before any work is queued
        raise ValueError("submit_order must name every call exactly once")
    futures: dict[int, Future[T]] = {i: executor.submit(fn, *calls[i]) for i in order}
    try:
        done = []
        for i in range(len(calls)):
            done.append(futures[i].result())
            if on_done is not None:
                on_done(i)
        return done
    except BaseException:
        for f in futures.values():
            f.cancel()
        raise
