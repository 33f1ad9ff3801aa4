"""Confidence intervals for replicated simulation output (Student t, via scipy.stats)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Interval:
    """A mean and its two-sided confidence interval."""

    mean: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "low": self.low, "high": self.high}


def mean_interval(values: Sequence[float] | np.ndarray, level: float = 0.95) -> Interval:
    """Mean with a Student-t interval at `level`; one value gives a zero-width interval."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        raise ValueError("mean_interval needs at least one value")
    mean = float(x.mean())
    if x.size < 2 or float(x.std(ddof=1)) == 0.0:
        return Interval(mean, mean, mean)
    low, high = stats.t.interval(level, x.size - 1, loc=mean, scale=stats.sem(x))
    return Interval(mean, float(low), float(high))


def paired_interval(values: Sequence[float] | np.ndarray, baseline: Sequence[float] | np.ndarray,
                    level: float = 0.95) -> Interval:
    """Interval of `values − baseline`, replication by replication (common random numbers)."""
    a, b = np.asarray(values, dtype=np.float64), np.asarray(baseline, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"paired samples differ in shape: {a.shape} vs {b.shape}")
    return mean_interval(a - b, level)
