"""Known-future features: Chinese retail calendar events and promotion lift per period.

Each feature is the share of a period's days inside an event window (0..1), or the average
daily promotion lift over the period (1.0 = no promotion), so daily, weekly and monthly data
get the same meaning. Both are known in advance and are passed to the model as `X_df`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Protocol

from fwdnet.logistics.forecast.frequency import Frequency

if TYPE_CHECKING:
    import pandas as pd

# Chinese New Year (Spring Festival) day; outside this table the feature is 0.
SPRING_FESTIVAL = {
    2015: date(2015, 2, 19), 2016: date(2016, 2, 8), 2017: date(2017, 1, 28),
    2018: date(2018, 2, 16), 2019: date(2019, 2, 5), 2020: date(2020, 1, 25),
    2021: date(2021, 2, 12), 2022: date(2022, 2, 1), 2023: date(2023, 1, 22),
    2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17),
    2027: date(2027, 2, 6), 2028: date(2028, 1, 26), 2029: date(2029, 2, 13),
    2030: date(2030, 2, 3), 2031: date(2031, 1, 23), 2032: date(2032, 2, 11),
    2033: date(2033, 1, 31), 2034: date(2034, 2, 19), 2035: date(2035, 2, 8),
}
CALENDAR_FEATURES = ("ev_spring_festival", "ev_618", "ev_double11")


class PromotionLike(Protocol):
    """Anything shaped like a promotion row (e.g. `logistics.network.model.Promotion`)."""

    @property
    def start(self) -> date: ...
    @property
    def end(self) -> date: ...  # inclusive
    @property
    def lift(self) -> float: ...
    @property
    def categories(self) -> tuple[str, ...]: ...  # empty = all
    @property
    def regions(self) -> tuple[str, ...]: ...  # empty = all


@dataclass(frozen=True)
class PromotionWindow:
    """A promotion: demand × `lift` from `start` to `end` (inclusive) in some categories/regions."""

    name: str
    start: date
    end: date
    lift: float
    categories: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()


def _event_windows(year: int) -> dict[str, tuple[date, date]]:
    out = {"ev_618": (date(year, 6, 1), date(year, 6, 18)),
           "ev_double11": (date(year, 11, 1), date(year, 11, 11))}
    sf = SPRING_FESTIVAL.get(year)
    if sf is not None:
        out["ev_spring_festival"] = (sf - timedelta(days=14), sf + timedelta(days=7))
    return out


def _period_ends(starts: pd.DatetimeIndex, freq: Frequency) -> pd.DatetimeIndex:
    import pandas as pd

    if freq == Frequency.DAY:
        return starts + pd.Timedelta(days=1)
    if freq == Frequency.WEEK:
        return starts + pd.Timedelta(days=7)
    return (starts.to_period("M") + 1).to_timestamp()


def _overlap_share(
    starts: pd.DatetimeIndex, ends: pd.DatetimeIndex, first: date, last: date
) -> pd.Series:
    """Share of each period [start, end) inside the inclusive window [first, last]."""
    import pandas as pd

    lo = starts.map(lambda s: max(s, pd.Timestamp(first)))
    hi = ends.map(lambda e: min(e, pd.Timestamp(last) + pd.Timedelta(days=1)))
    days = (hi - lo).days.to_numpy().clip(min=0)
    return pd.Series(days / (ends - starts).days.to_numpy(), index=starts)


def calendar_features(dates: Sequence[pd.Timestamp] | pd.Series, freq: Frequency,
                      *, month_end: bool = False) -> pd.DataFrame:
    """Per distinct period start: share of days in Spring Festival, 618 and Double 11 windows."""
    import pandas as pd

    starts = pd.DatetimeIndex(sorted(set(pd.to_datetime(list(dates)))))
    if month_end and freq == Frequency.MONTH:  # 'ME' periods are labelled by their last day
        starts_eff = starts.to_period("M").to_timestamp()
    else:
        starts_eff = starts
    ends = _period_ends(starts_eff, freq)
    out = pd.DataFrame({"ds": starts})
    for name in CALENDAR_FEATURES:
        out[name] = 0.0
    for year in range(starts_eff.min().year - 1, ends.max().year + 1):
        for name, (a, b) in _event_windows(year).items():
            out[name] += _overlap_share(starts_eff, ends, a, b).to_numpy()
    return out


def promotion_lift(
    keys: pd.DataFrame,
    promotions: Sequence[PromotionLike],
    freq: Frequency,
    *,
    region_col: str = "region",
    category_col: str = "category",
) -> pd.Series:
    """Average daily lift per row of `keys` (columns ds, region, category): 1 + Σ share·(lift−1).

    Exact when promotions do not overlap; overlapping ones add their extra lift.
    """
    import numpy as np
    import pandas as pd

    starts = pd.DatetimeIndex(sorted(keys["ds"].unique()))
    ends = _period_ends(starts, freq)
    lift = np.ones(len(keys))
    pos = pd.Index(starts).get_indexer(keys["ds"])
    reg = keys[region_col].astype(str).to_numpy() if region_col in keys else None
    cat = keys[category_col].astype(str).to_numpy() if category_col in keys else None
    for p in promotions:
        share = _overlap_share(starts, ends, p.start, p.end).to_numpy()
        if not share.any():
            continue
        row_share = share[pos]
        if p.regions and reg is not None:
            row_share = row_share * np.isin(reg, p.regions)
        if p.categories and cat is not None:
            row_share = row_share * np.isin(cat, p.categories)
        lift += row_share * (p.lift - 1.0)
    return pd.Series(lift, index=keys.index, name="promo_lift")


def read_promotions(path: str) -> tuple[PromotionWindow, ...]:
    """Read `name,start,end,lift,categories,regions` (lists separated by ';', empty = all)."""
    import csv

    from fwdnet.logistics.errors import InputError

    out = []
    with open(path, encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            try:
                start = date.fromisoformat(row["start"])
                end = date.fromisoformat(row["end"])
                lift = float(row["lift"])
            except (KeyError, TypeError, ValueError) as exc:
                raise InputError(f"row {line}: expected start,end as YYYY-MM-DD and lift as a "
                                 f"number ({exc})", source=path) from None
            if end < start or lift <= 0:
                raise InputError(f"row {line}: expected end >= start and lift > 0", source=path)

            def split(v: str | None) -> tuple[str, ...]:
                return tuple(x.strip() for x in (v or "").split(";") if x.strip())

            out.append(PromotionWindow(row.get("name", ""), start, end, lift,
                                       split(row.get("categories")), split(row.get("regions"))))
    return tuple(out)


def add_neighbours(frame: pd.DataFrame, columns: Sequence[str], *, id_col: str = "unique_id",
                   ds_col: str = "ds") -> pd.DataFrame:
    """Copy of `frame` with `<c>_prev` and `<c>_next`: a known-future feature one period before
    and after, per series (pre-promotion waiting, post-promotion dip); edges repeat the value."""
    out = frame.sort_values([id_col, ds_col], kind="stable")
    for c in columns:
        g = out.groupby(id_col, sort=False, observed=True)[c]
        out[f"{c}_prev"] = g.shift(1).fillna(out[c])
        out[f"{c}_next"] = g.shift(-1).fillna(out[c])
    return out.loc[frame.index]
