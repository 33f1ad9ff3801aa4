"""Docks as SimPy `Resource`s, and the Erlang-C waiting time they are validated against."""

from __future__ import annotations

import math
from collections.abc import Callable

import simpy


def use_dock(env: simpy.Environment, dock: simpy.Resource, hours: float,
             on_start: Callable[[float], None] | None = None) -> simpy.events.ProcessGenerator:
    """Queue for a dock, hold it `hours`, release it; `on_start(wait_days)` when served."""
    arrived = env.now
    with dock.request() as req:
        yield req
        if on_start is not None:
            on_start(env.now - arrived)
        yield env.timeout(hours / 24.0)


def erlang_c_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in queue Wq of an M/M/c queue (same time unit as the rates)."""
    a = arrival_rate / service_rate
    rho = a / servers
    if rho >= 1:
        raise ValueError("M/M/c is unstable when arrival_rate >= servers × service_rate")
    head = sum(a**k / math.factorial(k) for k in range(servers))
    tail = a**servers / (math.factorial(servers) * (1 - rho))
    p_wait = tail / (head + tail)
    return p_wait / (servers * service_rate - arrival_rate)
