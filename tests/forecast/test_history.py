"""Bad input stops at the boundary with one line naming the row; gaps are filled and reported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from fwdnet.logistics.errors import InputError
from fwdnet.logistics.forecast.frequency import Frequency
from fwdnet.logistics.forecast.history import read_history, validate_history

GOOD = "unique_id,date,quantity\nA,2025-01-06,3\nA,2025-01-13,4\nA,2025-01-20,5\n"

BAD = {
    "missing column": ("unique_id,date\nA,2025-01-06\n", r"missing column\(s\) quantity"),
    "negative": ("unique_id,date,quantity\nA,2025-01-06,3\nA,2025-01-13,-2\n",
                 r"row 3: field 'quantity': -2 is negative"),
    "not a number": ("unique_id,date,quantity\nA,2025-01-06,three\n",
                     r"row 2: field 'quantity': 'three' is not a number"),
    "empty quantity": ("unique_id,date,quantity\nA,2025-01-06,\n",
                       r"row 2: field 'quantity'"),
    "bad date": ("unique_id,date,quantity\nA,2025-01-06,1\nA,2025-13-45,1\n",
                 r"row 3: field 'date': .* is not a date"),
    "duplicate": ("unique_id,date,quantity\nA,2025-01-06,1\nB,2025-01-06,1\nA,2025-01-06,2\n",
                  r"row 4: duplicate row for unique_id 'A' and date 2025-01-06 \(same as row 2\)"),
    "off the weekly grid": ("unique_id,date,quantity\nA,2025-01-06,1\nA,2025-01-14,1\n",
                            r"row 3: field 'date': 2025-01-14 is not on the W grid"),
    "empty id": ("unique_id,date,quantity\n,2025-01-06,1\n", r"row 2: field 'unique_id'"),
    "no rows": ("unique_id,date,quantity\n", r"no data rows"),
    "varying text feature": ("unique_id,date,quantity,region\nA,2025-01-06,1,X\n"
                             "A,2025-01-13,1,Y\n", r"column 'region': text feature changes"),
    "empty numeric feature": ("unique_id,date,quantity,promo\nA,2025-01-06,1,1.0\n"
                              "A,2025-01-13,1,\n", r"row 3: field 'promo': empty"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_names_the_row(tmp_path: Path, case: str) -> None:
    """Each broken file raises an InputError whose one-line message names file and row."""
    text, pattern = BAD[case]
    path = tmp_path / "data.csv"
    path.write_text(text)
    freq = "W" if case == "off the weekly grid" else None
    with pytest.raises(InputError, match=pattern) as err:
        read_history(path, freq)
    assert str(path) in str(err.value)
    assert "\n" not in str(err.value)


def test_unknown_frequency_is_refused(tmp_path: Path) -> None:
    """--freq Q is not D/W/M: the error says what is accepted."""
    path = tmp_path / "data.csv"
    path.write_text(GOOD)
    with pytest.raises(InputError, match=r"unknown frequency 'Q': expected D .*W .*M"):
        read_history(path, "Q")


def _gappy() -> pd.DataFrame:
    return pd.DataFrame({"unique_id": ["B", "A", "B", "A"],
                         "date": ["2025-01-06", "2025-01-06", "2025-01-13", "2025-01-27"],
                         "quantity": [1, 3, 2, 4], "promo": [1.0, 1.0, 1.0, 2.0]})


def test_a_gap_in_a_series_names_the_row_after_it() -> None:
    """Series A jumps from 6 to 27 Jan: CSV row 5 (the 27 Jan row) is named, with the fix."""
    with pytest.raises(InputError, match=r"^data.csv: row 5: field 'date': series 'A' jumps "
                                         r"from 2025-01-06 to 2025-01-27 \(missing "
                                         r"2025-01-13\).*--fill-gaps"):
        validate_history(_gappy(), source="data.csv")


def test_missing_periods_are_filled_with_zero_and_reported() -> None:
    """With fill_gaps, series A missing 13 and 20 Jan gets two zero rows, listed in `filled`."""
    raw = _gappy()
    h = validate_history(raw, source="mem", fill_gaps=True)
    assert h.freq is Frequency.WEEK
    assert h.pandas_freq == "W-MON"
    assert h.filled == (("A", "2025-01-13"), ("A", "2025-01-20"))
    a = h.frame[h.frame["unique_id"] == "A"]
    assert a["y"].tolist() == [3.0, 0.0, 0.0, 4.0]
    assert a["promo"].tolist() == [1.0, 0.0, 0.0, 2.0]
    assert "filled 2 missing period(s)" in h.gap_report()
    assert raw["quantity"].tolist() == [1, 3, 2, 4]  # input untouched


@pytest.mark.parametrize(
    ("dates", "freq", "alias"),
    [
        (["2025-01-01", "2025-01-02", "2025-01-03"], Frequency.DAY, "D"),
        (["2025-01-01", "2025-02-01", "2025-03-01"], Frequency.MONTH, "MS"),
        (["2025-01-31", "2025-02-28", "2025-03-31"], Frequency.MONTH, "ME"),
        (["2025-01-05", "2025-01-12", "2025-01-19"], Frequency.WEEK, "W-SUN"),
    ],
)
def test_frequency_is_inferred(dates: list[str], freq: Frequency, alias: str) -> None:
    """Daily, month-start, month-end and Sunday-weekly dates are recognised."""
    h = validate_history(pd.DataFrame({"unique_id": "A", "date": dates, "quantity": 1.0}))
    assert (h.freq, h.pandas_freq) == (freq, alias)
    assert h.filled == ()


def test_cli_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    """`fwdnet forecast backtest` on a negative quantity: exit 2, `error: … row 3 …`, no trace."""
    path = tmp_path / "bad.csv"
    path.write_text(BAD["negative"][0])
    proc = subprocess.run(
        [sys.executable, "-c", "from scenarios.cli import main; main()", "forecast", "backtest",
         str(path)], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"error: {path}: row 3: field 'quantity': -2 is negative; expected a quantity >= 0 "
        "(returns belong in a separate column)"]
