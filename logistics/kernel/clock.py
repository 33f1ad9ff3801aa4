"""China's civil time: waybills, labels and carrier feeds show times in Asia/Shanghai."""

from __future__ import annotations

from zoneinfo import ZoneInfo

CHINA_TZ = ZoneInfo("Asia/Shanghai")  # UTC+8 all year (no daylight saving since 1991)
