"""A waybill's status, derived from its events by a state machine that flags, never drops.

Events are applied in event-time order (ties: lifecycle order, then key, so any arrival order
gives the same answer). Corrected events are replaced by their corrections first.
Terminal states (delivered, returned, cancelled) stick: later events are flagged, not applied.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fwdnet.logistics.tracking.model import TrackingEvent
from fwdnet.logistics.tracking.schema import EventType

E = EventType
LIFECYCLE: tuple[EventType, ...] = (
    E.CREATED, E.PICKED_UP, E.IN_TRANSIT, E.ARRIVED_AT_HUB, E.DEPARTED_HUB,
    E.OUT_FOR_DELIVERY, E.DELIVERY_FAILED, E.EXCEPTION, E.DELIVERED, E.RETURNED, E.CANCELLED,
)
_RANK = {t: i for i, t in enumerate(LIFECYCLE)}
TERMINAL = frozenset({E.DELIVERED, E.RETURNED, E.CANCELLED})
_MOVING = frozenset({E.IN_TRANSIT, E.ARRIVED_AT_HUB, E.DEPARTED_HUB, E.OUT_FOR_DELIVERY,
                     E.DELIVERED, E.DELIVERY_FAILED, E.RETURNED})
_HUB = frozenset({E.IN_TRANSIT, E.ARRIVED_AT_HUB, E.DEPARTED_HUB})

# Allowed next event types from each state (None = no event yet). Anything else is flagged.
# Carriers skip scans (hub → delivered is common), so only truly impossible steps are absent:
# created after anything, pickup after movement, cancel after pickup, a failed delivery
# that was never out for delivery, anything after a terminal state.
_ON_THE_WAY = _HUB | {E.OUT_FOR_DELIVERY, E.DELIVERED, E.EXCEPTION, E.RETURNED}
ALLOWED: dict[EventType | None, frozenset[EventType]] = {
    None: frozenset({E.CREATED, E.PICKED_UP, E.CANCELLED, E.EXCEPTION}),
    E.CREATED: frozenset({E.PICKED_UP, E.CANCELLED, E.EXCEPTION}),
    E.PICKED_UP: _ON_THE_WAY,
    E.IN_TRANSIT: _ON_THE_WAY,
    E.ARRIVED_AT_HUB: _ON_THE_WAY,
    E.DEPARTED_HUB: _ON_THE_WAY,
    E.OUT_FOR_DELIVERY: _ON_THE_WAY | {E.DELIVERY_FAILED},
    E.DELIVERY_FAILED: _ON_THE_WAY,
    E.EXCEPTION: frozenset(EventType) - {E.CREATED},
    E.DELIVERED: frozenset(),
    E.RETURNED: frozenset(),
    E.CANCELLED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Anomaly:
    """An impossible step in a waybill's history: which event, from which state, and why."""

    event_key: str
    event_type: EventType
    event_time: datetime
    after: EventType | None
    reason: str


@dataclass(frozen=True, slots=True)
class DerivedStatus:
    """The status a waybill's events imply, with every flagged anomaly.

    `status` is None when there are no events; `delivered_at` is the first applied delivery.
    """

    status: EventType | None
    anomalies: tuple[Anomaly, ...]
    events_applied: int
    last_event_time: datetime | None
    delivered_at: datetime | None

    @property
    def consistent(self) -> bool:
        """True when the history has no impossible step."""
        return not self.anomalies

    def to_json_dict(self) -> dict[str, Any]:
        """JSON form (times ISO 8601 UTC with Z)."""
        def z(t: datetime | None) -> str | None:
            return None if t is None else t.isoformat().replace("+00:00", "Z")

        return {
            "status": None if self.status is None else self.status.value,
            "consistent": self.consistent,
            "anomalies": [{"event_key": a.event_key, "event_type": a.event_type.value,
                           "event_time": z(a.event_time), "reason": a.reason}
                          for a in self.anomalies],
            "events_applied": self.events_applied,
            "last_event_time": z(self.last_event_time),
            "delivered_at": z(self.delivered_at),
        }


def effective_events(events: Iterable[TrackingEvent]) -> list[TrackingEvent]:
    """Events with the corrected ones removed, in canonical order (time, lifecycle, key)."""
    evs = {e.key: e for e in events}
    corrected = {e.corrects for e in evs.values() if e.corrects is not None}
    kept = [e for k, e in evs.items() if k not in corrected]
    return sorted(kept, key=lambda e: (e.event_time, _RANK[e.event_type], e.key))


def derive_status(events: Iterable[TrackingEvent]) -> DerivedStatus:
    """Run the state machine over one waybill's events (duplicates by key count once)."""
    state: EventType | None = None
    picked = False
    anomalies: list[Anomaly] = []
    delivered_at: datetime | None = None
    ordered = effective_events(events)
    for ev in ordered:
        t = ev.event_type
        reason = None
        if state in TERMINAL:
            reason = f"{t.value} after terminal {state}"
            anomalies.append(Anomaly(ev.key, t, ev.event_time, state, reason))
            continue
        if t in _MOVING and not picked:
            reason = f"{t.value} before picked_up"
        elif t is E.CANCELLED and picked:
            reason = "cancelled after picked_up"
        elif t not in ALLOWED[state]:
            reason = f"{t.value} cannot follow {state.value if state else 'nothing'}"
        if reason is not None:
            anomalies.append(Anomaly(ev.key, t, ev.event_time, state, reason))
        if t is E.PICKED_UP:
            picked = True
        if t is E.DELIVERED and delivered_at is None:
            delivered_at = ev.event_time
        state = t
    return DerivedStatus(
        status=state, anomalies=tuple(anomalies), events_applied=len(ordered),
        last_event_time=ordered[-1].event_time if ordered else None, delivered_at=delivered_at,
    )

