"""Read and validate a demand history into a long table `unique_id, ds, y` (+ features).

Every problem stops at the boundary with one line naming the file, the CSV row and what was
expected. Missing periods inside a series are filled with zero demand explicitly and reported
in `History.filled` (never silently).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fwdnet.logistics.errors import InputError
from fwdnet.logistics.forecast.frequency import Frequency

if TYPE_CHECKING:
    import pandas as pd

ID, DS, Y = "unique_id", "ds", "y"
KEY_COLUMNS = (ID, DS, Y)
# accepted spellings in CSV files → canonical names
ALIASES = {"date": DS, "week_start": DS, "quantity": Y}
# without a unique_id column, these columns (those present) make it, joined by '|'
ID_PARTS = ("region", "site", "fw", "store", "sku")


@dataclass(frozen=True)
class History:
    """A validated history: long frame sorted by (unique_id, ds), its frequency and gap report.

    `frame` has `unique_id` (str), `ds` (Timestamp), `y` (float ≥ 0), numeric dynamic feature
    columns (known in advance, e.g. promotion lift) and string static columns (constant per
    series, e.g. region, category). `filled` lists (unique_id, ds) rows added as zero demand.
    """

    frame: pd.DataFrame
    freq: Frequency
    pandas_freq: str
    filled: tuple[tuple[str, str], ...]
    source: str

    @property
    def dynamic_features(self) -> list[str]:
        import pandas as pd

        return [
            c
            for c in self.frame.columns
            if c not in KEY_COLUMNS and pd.api.types.is_numeric_dtype(self.frame[c])
        ]

    @property
    def static_features(self) -> list[str]:
        return [
            c for c in self.frame.columns if c not in KEY_COLUMNS and c not in self.dynamic_features
        ]

    def gap_report(self) -> str:
        """One line: how many periods were filled with zero demand, with the first example."""
        if not self.filled:
            return "no missing periods"
        uid, ds = self.filled[0]
        return (
            f"filled {len(self.filled)} missing period(s) with zero demand "
            f"(first: series {uid!r} at {ds})"
        )


def _fail(source: str, row: int, message: str) -> InputError:
    return InputError(f"row {row}: {message}", source=source)


def read_history(path: str | Path, freq: str | None = None, *,
                 fill_gaps: bool = False) -> History:
    """Read a CSV (optionally .gz) with `unique_id,date,quantity` (+ feature columns)."""
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise InputError("file not found", source=str(p))
    try:
        raw = pd.read_csv(p, dtype={"unique_id": str}, keep_default_na=False, na_values=[""])
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise InputError(f"unreadable CSV ({exc})", source=str(p)) from None
    return validate_history(raw, source=str(p), freq=freq, fill_gaps=fill_gaps)


def _infer_pandas_freq(ds: pd.Series, freq: Frequency | None, source: str) -> tuple[Frequency, str]:
    """Pick the pandas offset that every date lies on (e.g. W-MON, MS), or explain the row."""
    first = ds.iloc[0]
    weekday_alias = ["W-MON", "W-TUE", "W-WED", "W-THU", "W-FRI", "W-SAT", "W-SUN"]
    candidates: list[tuple[Frequency, str, Any]] = []
    if freq in (None, Frequency.DAY):
        candidates.append((Frequency.DAY, "D", ds.dt.normalize() == ds))
    if freq in (None, Frequency.WEEK):
        alias = weekday_alias[first.weekday()]
        candidates.append((Frequency.WEEK, alias, (ds.dt.weekday == first.weekday())
                           & (ds.dt.normalize() == ds)))
    if freq in (None, Frequency.MONTH):
        if first.is_month_end and first.day != 1:
            candidates.append((Frequency.MONTH, "ME", ds.dt.is_month_end))
        else:
            candidates.append((Frequency.MONTH, "MS", ds.dt.day == 1))
    if freq is None:
        # the coarsest grid all dates fit, judged by the smallest step between dates
        steps = ds.drop_duplicates().sort_values().diff().dropna()
        step_days = steps.min().days if len(steps) else 1
        preferred = Frequency.MONTH if step_days >= 28 else (
            Frequency.WEEK if step_days >= 7 and step_days % 7 == 0 else Frequency.DAY)
        candidates = [c for c in candidates if c[0] == preferred]
    f, alias, ok = candidates[0]
    bad = ~ok.to_numpy()
    if bad.any():
        i = int(bad.nonzero()[0][0])
        expected = {"D": "a calendar day", "W": f"a {alias[2:]} (weekly, {alias})",
                    "M": "a month start" if alias == "MS" else "a month end"}[f.value]
        raise _fail(source, i + 2, f"field 'date': {ds.iloc[i].date()} is not on the {f.value} "
                    f"grid; expected {expected}")
    return f, alias


def validate_history(
    raw: pd.DataFrame, *, source: str = "<data>", freq: str | Frequency | None = None,
    fill_gaps: bool = False,
) -> History:
    """Check a raw long table and return a sorted `History` (input untouched).

    A missing period inside a series is an error naming the row after the gap, unless
    `fill_gaps`: then it is filled with zero demand and reported in `History.filled`.
    """
    import numpy as np
    import pandas as pd

    fq = Frequency.parse(freq, source=source) if isinstance(freq, str) else freq
    df = raw.rename(columns={k: v for k, v in ALIASES.items() if k in raw.columns}).copy()
    if ID not in df.columns and "sku" in df.columns:
        # e.g. the scenario's demand_history.csv.gz: week_start,region,sku,quantity
        parts = [c for c in ID_PARTS if c in df.columns]
        df.insert(0, ID, df[parts].astype(str).agg("|".join, axis=1))
    missing = [c for c in KEY_COLUMNS if c not in df.columns]
    if missing:
        names = {ID: "unique_id", DS: "date", Y: "quantity"}
        raise InputError(
            f"missing column(s) {', '.join(names[c] for c in missing)}; expected "
            "unique_id (or sku),date,quantity (+ optional feature columns)",
            source=source,
        )
    if df.empty:
        raise InputError("no data rows; expected at least one unique_id,date,quantity row",
                         source=source)
    rows = np.arange(len(df)) + 2  # CSV line numbers (header is line 1)

    uid = df[ID]
    bad = uid.isna().to_numpy() | (uid.astype(str).str.strip() == "").to_numpy()
    if bad.any():
        raise _fail(source, int(rows[bad][0]), "field 'unique_id': empty; expected a series id")
    df[ID] = uid.astype(str)

    ds = pd.to_datetime(df[DS], errors="coerce")
    bad = ds.isna().to_numpy()
    if bad.any():
        i = int(bad.nonzero()[0][0])
        raise _fail(source, int(rows[i]), f"field 'date': {df[DS].iloc[i]!r} is not a date; "
                    "expected YYYY-MM-DD")
    df[DS] = ds

    y = pd.to_numeric(df[Y], errors="coerce")
    bad = (y.isna() | ~np.isfinite(y.fillna(0))).to_numpy()
    if bad.any():
        i = int(bad.nonzero()[0][0])
        raise _fail(source, int(rows[i]), f"field 'quantity': {df[Y].iloc[i]!r} is not a "
                    "number; expected a quantity >= 0")
    bad = (y < 0).to_numpy()
    if bad.any():
        i = int(bad.nonzero()[0][0])
        raise _fail(source, int(rows[i]), f"field 'quantity': {y.iloc[i]:g} is negative; "
                    "expected a quantity >= 0 (returns belong in a separate column)")
    df[Y] = y.astype(np.float64)

    dup = df.duplicated(subset=[ID, DS], keep=False).to_numpy()
    if dup.any():
        first = df.loc[dup].iloc[0]
        both = rows[dup & (df[ID] == first[ID]).to_numpy() & (df[DS] == first[DS]).to_numpy()]
        raise _fail(source, int(both[1]), f"duplicate row for unique_id {first[ID]!r} and date "
                    f"{first[DS].date()} (same as row {int(both[0])}); expected one row per "
                    "series and date")

    for col in [c for c in df.columns if c not in KEY_COLUMNS]:
        if pd.api.types.is_numeric_dtype(df[col]):
            bad = df[col].isna().to_numpy()
            if bad.any():
                raise _fail(source, int(rows[bad][0]), f"field {col!r}: empty; numeric "
                            "feature columns need a value on every row")
        else:
            df[col] = df[col].astype(str)
            per_series = df.groupby(ID)[col].nunique()
            varying = per_series[per_series > 1]
            if len(varying):
                raise InputError(
                    f"column {col!r}: text feature changes within series {varying.index[0]!r}; "
                    "expected text features to be static (one value per series) and dynamic "
                    "features to be numbers", source=source)

    f, alias = _infer_pandas_freq(df[DS], fq, source)
    df["_row"] = rows
    df = df.sort_values([ID, DS], kind="stable").reset_index(drop=True)
    if not fill_gaps:
        _refuse_gaps(df, alias, source)
    full, filled = _fill_gaps(df.drop(columns="_row"), alias)
    return History(frame=full, freq=f, pandas_freq=alias, filled=filled, source=source)


def _refuse_gaps(df: pd.DataFrame, alias: str, source: str) -> None:
    """Stop at the first row that follows a missing period of its series (sorted frame)."""
    import numpy as np
    import pandas as pd

    calendar = pd.date_range(df[DS].min(), df[DS].max(), freq=alias)
    pos = calendar.get_indexer(df[DS])
    same = (df[ID].to_numpy()[1:] == df[ID].to_numpy()[:-1])
    jump = np.flatnonzero(same & (np.diff(pos) > 1))
    if len(jump):
        i = int(jump[0]) + 1
        missing = calendar[pos[i - 1] + 1]
        raise _fail(source, int(df["_row"].iloc[i]),
                    f"field 'date': series {df[ID].iloc[i]!r} jumps from "
                    f"{df[DS].iloc[i - 1].date()} to {df[DS].iloc[i].date()} (missing "
                    f"{missing.date()}); expected one row per period ({alias}), or pass "
                    "--fill-gaps to count missing periods as zero demand")


def _fill_gaps(df: pd.DataFrame, alias: str) -> tuple[pd.DataFrame, tuple[tuple[str, str], ...]]:
    """Add zero-demand rows for periods missing between a series' first and last date."""
    import pandas as pd

    spans = df.groupby(ID, sort=False)[DS].agg(["min", "max", "size"])
    calendar = pd.date_range(df[DS].min(), df[DS].max(), freq=alias)
    lo = calendar.get_indexer(spans["min"])
    hi = calendar.get_indexer(spans["max"])
    gappy = (hi - lo + 1) != spans["size"].to_numpy()
    if not gappy.any():
        return df, ()
    grid = pd.concat(
        [pd.DataFrame({ID: uid, DS: calendar[a : b + 1]})
         for uid, a, b in zip(spans.index[gappy], lo[gappy], hi[gappy], strict=True)],
        ignore_index=True,
    )
    grid = pd.concat([grid, df.loc[~df[ID].isin(spans.index[gappy]), [ID, DS]]],
                     ignore_index=True)
    full = grid.merge(df, on=[ID, DS], how="left", indicator=True)
    added = full["_merge"] == "left_only"
    filled = tuple(
        (str(u), str(d.date())) for u, d in zip(full.loc[added, ID], full.loc[added, DS],
                                                  strict=True)
    )
    full = full.drop(columns="_merge")
    full[Y] = full[Y].fillna(0.0)
    static = [c for c in df.columns if c not in KEY_COLUMNS and not
              pd.api.types.is_numeric_dtype(df[c])]
    dynamic = [c for c in df.columns if c not in KEY_COLUMNS and c not in static]
    if static:
        full[static] = full.groupby(ID, sort=False)[static].transform("first")
    for c in dynamic:
        full[c] = full[c].fillna(0.0)  # a missing period carries no promotion/feature signal
    full = full.sort_values([ID, DS], kind="stable").reset_index(drop=True)
    return full, filled
