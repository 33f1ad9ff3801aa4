"""The page's building blocks: a figure panel, a dropdown that restyles figures, a tab section.

A dropdown carries, per option, the plotly restyle/relayout steps to apply, so the page needs
no server and embeds each option's data only once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go


@dataclass(frozen=True)
class Step:
    """One `Plotly.restyle(div, update, traces)` (then `relayout(div, layout)` if given)."""

    div: str
    traces: tuple[int, ...]
    update: dict[str, list[Any]]  # attribute → one value per trace in `traces`
    layout: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Selector:
    """An HTML <select>: choosing option i runs `steps[i]`; option `initial` is drawn first."""

    id: str
    label: str
    options: tuple[str, ...]
    steps: tuple[tuple[Step, ...], ...]
    initial: int = 0

    def __post_init__(self) -> None:
        if len(self.options) != len(self.steps):
            raise ValueError(f"selector {self.id}: {len(self.options)} options, "
                             f"{len(self.steps)} step lists")


@dataclass(frozen=True)
class Panel:
    """One plotly figure in a div with a known id, optional dropdown above, note below."""

    div: str
    figure: go.Figure
    selector: Selector | None = None
    note: str = ""


@dataclass(frozen=True)
class Section:
    """One tab: its panels, or `missing` (the "not run" note) when its data is absent."""

    key: str
    title: str
    panels: tuple[Panel, ...] = ()
    missing: str | None = None
    intro: str = ""
