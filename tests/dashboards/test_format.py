"""Labels and formats: RMB with thousands separators, local (Asia/Shanghai) time, zh and en."""

from __future__ import annotations

import pytest

from fwdnet.dashboards.i18n import _LABELS, check_lang, local_time, pct, rmb, status_label, t


def test_rmb_has_thousands_separators_and_sign() -> None:
    assert rmb(26_903_748.36) == "¥26,903,748"
    assert rmb(1234.5, 2) == "¥1,234.50"
    assert rmb(-200_000) == "-¥200,000"


def test_pct() -> None:
    assert pct(0.959161) == "95.9%"


def test_utc_event_time_is_shown_in_shanghai_time() -> None:
    """UTC+8, no daylight saving: 18:30 UTC is 02:30 the next local day."""
    assert local_time("2026-01-05T18:30:00+00:00") == "2026-01-06 02:30"
    assert local_time("2026-07-01T09:00:00+08:00") == "2026-07-01 09:00"
    assert local_time("2026-07-01T09:00:00") == "2026-07-01 09:00"  # no zone: already local


def test_every_label_has_both_languages() -> None:
    assert all(zh and en for zh, en in _LABELS.values())
    assert t("zh", "tab_stock") == "库存"
    assert t("en", "tab_stock") == "Stock"
    assert t("en", "not_run", section="stock").startswith("Not run for this scenario")


def test_status_labels_translate_known_codes_and_keep_unknown_ones() -> None:
    assert status_label("zh", "delivered") == "已签收"
    assert status_label("en", "picked_up") == "picked up"
    assert status_label("zh", "held_at_customs") == "held_at_customs"


def test_unknown_language_is_refused() -> None:
    assert check_lang("en") == "en"
    with pytest.raises(ValueError, match="zh, en"):
        check_lang("fr")


def test_every_tracking_event_type_has_a_label_in_both_languages() -> None:
    """The labels follow the tracking vocabulary (EventType): no type shows as a raw code."""
    from fwdnet.simulation.results import EventType

    for e in EventType:
        assert status_label("zh", e) != e.value, e
        assert status_label("en", e) == e.value.replace("_", " ")
    assert status_label("zh", "arrived_at_hub") == "到达转运中心"
