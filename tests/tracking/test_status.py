"""The state machine: status from event time, impossible steps flagged, nothing dropped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from fwdnet.logistics.tracking import EventType, TrackingEvent, derive_status

T0 = datetime(2026, 11, 19, tzinfo=UTC)
E = EventType


def seq(*types: str, start: int = 0, corrects: dict[int, int] | None = None,
        ) -> list[TrackingEvent]:
    """Events of waybill W1, one hour apart in the given order."""
    out: list[TrackingEvent] = []
    for i, t in enumerate(types):
        c = None if corrects is None or i not in corrects else out[corrects[i]].key
        out.append(TrackingEvent.create(waybill_no="W1", event_type=t, carrier="sf",
                                        event_time=T0 + timedelta(hours=start + i),
                                        corrects=c))
    return out


def test_normal_life_is_delivered_without_anomalies() -> None:
    s = derive_status(seq("created", "picked_up", "in_transit", "arrived_at_hub",
                          "departed_hub", "out_for_delivery", "delivered"))
    assert s.status is E.DELIVERED
    assert s.consistent
    assert s.delivered_at == T0 + timedelta(hours=6)
    assert s.events_applied == 7


def test_delivered_before_picked_up_is_flagged_and_kept() -> None:
    evs = seq("created", "delivered", "picked_up")
    s = derive_status(evs)
    assert [a.reason for a in s.anomalies] == ["delivered before picked_up",
                                               "picked_up after terminal delivered"]
    assert s.status is E.DELIVERED  # terminal states stick
    assert s.events_applied == 3    # nothing dropped


def test_arrival_order_does_not_matter_event_time_does() -> None:
    evs = seq("created", "picked_up", "in_transit", "delivered")
    assert derive_status(reversed(evs)) == derive_status(evs)


def test_missing_scans_are_normal() -> None:
    s = derive_status(seq("picked_up", "arrived_at_hub", "delivered"))
    assert s.status is E.DELIVERED
    assert s.consistent


def test_delivery_retry_after_failure() -> None:
    s = derive_status(seq("created", "picked_up", "out_for_delivery", "delivery_failed",
                          "out_for_delivery", "delivered"))
    assert s.status is E.DELIVERED
    assert s.consistent


def test_cancel_after_pickup_and_late_created_are_flagged() -> None:
    s = derive_status(seq("picked_up", "created", "cancelled"))
    assert [a.event_type for a in s.anomalies] == [E.CREATED, E.CANCELLED]
    assert s.status is E.CANCELLED


def test_failed_delivery_needs_out_for_delivery() -> None:
    s = derive_status(seq("picked_up", "in_transit", "delivery_failed"))
    assert [a.reason for a in s.anomalies] == ["delivery_failed cannot follow in_transit"]


def test_a_correction_replaces_the_corrected_event() -> None:
    """A wrong 'delivered' scan corrected to 'out_for_delivery' no longer ends the life."""
    evs = seq("created", "picked_up", "delivered", "out_for_delivery", corrects={3: 2})
    s = derive_status(evs)
    assert s.status is E.OUT_FOR_DELIVERY
    assert s.delivered_at is None
    assert s.events_applied == 3


def test_no_events_no_status() -> None:
    s = derive_status([])
    assert s.status is None
    assert s.last_event_time is None


events = st.lists(
    st.tuples(st.sampled_from(list(EventType)), st.integers(0, 6)), min_size=0, max_size=12,
).map(lambda xs: [TrackingEvent.create(waybill_no="W1", event_type=t, carrier="sf",
                                       event_time=T0 + timedelta(hours=h)) for t, h in xs])


@settings(max_examples=200, deadline=None)
@given(evs=events, data=st.data())
def test_status_is_invariant_under_shuffle_and_duplication(
    evs: list[TrackingEvent], data: st.DataObject
) -> None:
    """Any permutation with any repeats of a history derives the same status and anomalies."""
    extra = data.draw(st.lists(st.sampled_from(evs), max_size=6)) if evs else []
    mixed = data.draw(st.permutations(evs + extra))
    assert derive_status(mixed) == derive_status(evs)


@settings(max_examples=200, deadline=None)
@given(evs=events)
def test_every_event_is_applied_or_flagged(evs: list[TrackingEvent]) -> None:
    s = derive_status(evs)
    assert s.events_applied == len({e.key for e in evs})
    assert len(s.anomalies) <= s.events_applied
