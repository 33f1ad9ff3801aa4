"""Weeks of the year as the planners count them: ISO weeks, as a 0-based index 0..52."""

from __future__ import annotations

from datetime import date

WEEKS = 53  # ISO years have 52 or 53 weeks; week 53 gets its own slot


def iso_week_index(day: date) -> int:
    """0 for ISO week 1 … 52 for ISO week 53."""
    return min(day.isocalendar()[1], WEEKS) - 1
