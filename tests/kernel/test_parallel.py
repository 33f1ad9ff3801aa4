"""map_in_order: results in call order whatever runs them; a failure cancels the queued rest."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

import pytest

from fwdnet.logistics.kernel.parallel import map_in_order


def _square(x: int) -> int:
    return x * x


def test_inline_and_on_an_executor_give_the_same_order() -> None:
    calls = [(x,) for x in range(6)]
    seen: list[int] = []
    inline = map_in_order(_square, calls, on_done=seen.append)
    assert inline == [0, 1, 4, 9, 16, 25]
    assert seen == list(range(6))
    started: list[int] = []

    def record(x: int) -> int:
        started.append(x)
        return x * x

    with ThreadPoolExecutor(max_workers=1) as pool:  # one worker: runs in submission order
        pooled = map_in_order(record, calls, pool, submit_order=[5, 4, 3, 2, 1, 0])
    assert pooled == inline
    assert started == [5, 4, 3, 2, 1, 0]


def test_submit_order_must_name_every_call_once() -> None:
    with ThreadPoolExecutor(max_workers=1) as pool, pytest.raises(ValueError, match="once"):
        map_in_order(_square, [(1,), (2,)], pool, submit_order=[0, 0])


class _Queued(Executor):
    """Futures that never run, except that the first one fails at once."""

    def __init__(self) -> None:
        self.futures: list[Future[Any]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        f: Future[Any] = Future()
        if not self.futures:
            f.set_exception(RuntimeError("boom"))
        self.futures.append(f)
        return f


def test_a_failure_cancels_what_is_still_queued() -> None:
    pool = _Queued()
    with pytest.raises(RuntimeError, match="boom"):
        map_in_order(_square, [(0,), (1,), (2,), (3,)], pool)
    assert len(pool.futures) == 4
    assert [f.cancelled() for f in pool.futures] == [False, True, True, True]
