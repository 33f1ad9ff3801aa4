"""Data frequencies we accept (daily, weekly, monthly) and what they imply."""

from __future__ import annotations

from enum import StrEnum

from fwdnet.logistics.errors import InputError


class Frequency(StrEnum):
    """Sampling frequency of a demand history: D (daily), W (weekly), M (monthly)."""

    DAY = "D"
    WEEK = "W"
    MONTH = "M"

    @classmethod
    def parse(cls, text: str, *, source: str | None = None) -> Frequency:
        """'D', 'W' or 'M' (case-insensitive); anything else is an InputError naming it."""
        try:
            return cls(text.strip().upper())
        except ValueError:
            raise InputError(
                f"unknown frequency {text!r}: expected D (daily), W (weekly) or M (monthly)",
                source=source,
            ) from None

    @property
    def season(self) -> int:
        """Default season length in periods: a week of days, a year of weeks or months."""
        return {"D": 7, "W": 52, "M": 12}[self.value]

    @property
    def days(self) -> float:
        """Average length of one period in days."""
        return {"D": 1.0, "W": 7.0, "M": 30.4375}[self.value]
