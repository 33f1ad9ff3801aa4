"""Common random numbers: one independent generator per source of randomness.

Streams depend only on (seed, replication), never on the design, so every design of a
comparison sees the same demand, the same disruptions and the same carrier delays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STREAMS = ("demand", "disruptions", "carrier", "supplier", "operations")


@dataclass(frozen=True)
class Streams:
    """Generators for demand, disruptions, carrier delays, supplier lead times, dock times."""

    demand: np.random.Generator
    disruptions: np.random.Generator
    carrier: np.random.Generator
    supplier: np.random.Generator
    operations: np.random.Generator

    @classmethod
    def of(cls, seed: int, replication: int = 0) -> Streams:
        """The streams of replication `replication` of a scenario seeded with `seed`."""
        root = np.random.SeedSequence(entropy=seed, spawn_key=(replication,))
        return cls(*(np.random.default_rng(s) for s in root.spawn(len(STREAMS))))

    @classmethod
    def from_generator(cls, rng: np.random.Generator) -> Streams:
        """Demand from `rng` itself; the other streams are children spawned from it."""
        return cls(rng, *rng.spawn(len(STREAMS) - 1))
