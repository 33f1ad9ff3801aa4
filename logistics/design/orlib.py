"""Reader for OR-Library capacitated warehouse location files (`capNN.txt`, `capa/b/c.txt`).

Beasley's convention: customers may be split between warehouses, so the problem comes back with
`single_source=False`; callers flip it with `dataclasses.replace` for the other variant.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from fwdnet.logistics.design.location import LocationProblem
from fwdnet.logistics.errors import InputError


class _Tokens:
    """Whitespace tokens with their 1-based line numbers, for one-line error messages."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self._items: Iterator[tuple[int, str]] = (
            (ln, tok) for ln, line in enumerate(text.splitlines(), 1) for tok in line.split()
        )
        self.line = 0

    def next(self, what: str) -> str:
        try:
            self.line, tok = next(self._items)
        except StopIteration:
            raise InputError(
                f"file ends early: expected {what} after line {self.line}", source=str(self.path)
            ) from None
        return tok

    def number(self, what: str, *, integer: bool = False, word: str | None = None) -> float:
        tok = self.next(what)
        if word is not None and tok.lower() == word:
            return float("nan")
        try:
            value = int(tok) if integer else float(tok)
        except ValueError:
            kind = "an integer" if integer else "a number"
            raise InputError(
                f"line {self.line}: {what} should be {kind}, got {tok!r}", source=str(self.path)
            ) from None
        if not np.isfinite(value) or value < 0:
            raise InputError(
                f"line {self.line}: {what} should be finite and >= 0, got {tok!r}",
                source=str(self.path),
            )
        return float(value)

    def rest(self) -> tuple[int, str] | None:
        return next(self._items, None)


def read_cap(path: str | Path, capacity: float | None = None) -> LocationProblem:
    """Parse an OR-Library cap file; `capacity` replaces every capacity (needed for capa/b/c)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="ascii")
    except FileNotFoundError:
        raise InputError("file not found", source=str(p)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"cannot read as an ASCII OR-Library file ({exc})", source=str(p)
        ) from None
    toks = _Tokens(p, text)
    m = int(toks.number("number of warehouses m", integer=True))
    n = int(toks.number("number of customers n", integer=True))
    if m < 1 or n < 1:
        raise InputError(f"line 1: m and n must be >= 1, got {m} {n}", source=str(p))
    cap = np.empty(m)
    fixed = np.empty(m)
    for i in range(m):
        cap[i] = toks.number(f"capacity of warehouse {i + 1}", word="capacity")
        if np.isnan(cap[i]) and capacity is None:
            raise InputError(
                f"line {toks.line}: capacity is the word 'capacity'; pass --capacity N "
                "(e.g. 8000 for capa)",
                source=str(p),
            )
        fixed[i] = toks.number(f"fixed cost of warehouse {i + 1}")
    demand = np.empty(n)
    cost = np.empty((m, n))
    for j in range(n):
        demand[j] = toks.number(f"demand of customer {j + 1}")
        for i in range(m):
            cost[i, j] = toks.number(f"cost of customer {j + 1} at warehouse {i + 1}")
    extra = toks.rest()
    if extra is not None:
        raise InputError(
            f"line {extra[0]}: unexpected {extra[1]!r} after the {n} customers", source=str(p)
        )
    if capacity is not None:
        if not capacity > 0:
            raise InputError(f"--capacity must be > 0, got {capacity}", source=str(p))
        cap[:] = capacity
    return LocationProblem(
        fixed_cost=fixed,
        capacity=cap,
        demand=demand,
        assign_cost=cost,
        single_source=False,
        store_labels=tuple(f"customer {j + 1}" for j in range(n)),
    )
