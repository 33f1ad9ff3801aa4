"""Multi-process ingest of one file: ranges cover every line once, results equal one process."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from fwdnet.logistics.tracking import count_events, ingest_lines, open_engine
from fwdnet.logistics.tracking.model import Reject
from fwdnet.logistics.tracking.parallel import default_workers, ingest_file, read_range, split_lines

from .conftest import clear
from .helpers import ev, lines
from .test_ingest import stored_keys


@pytest.mark.parametrize("parts", [1, 2, 3, 7, 50])
def test_ranges_cover_each_line_once_with_its_number(tmp_path: Path, parts: int) -> None:
    text = [f"line {i}" + "x" * (i % 13) for i in range(1, 41)]
    p = tmp_path / "f.txt"
    p.write_text("\n".join(text))  # no trailing newline on purpose
    got: list[tuple[int, str]] = []
    for r in split_lines(p, parts):
        got += [(r.first_line + k, b.decode().rstrip("\n"))
                for k, b in enumerate(read_range(p, r))]
    assert got == [(i, t) for i, t in enumerate(text, start=1)]


def test_two_workers_store_and_reject_like_one(tmp_path: Path) -> None:
    """SQLite only: the split is dialect-free, and PostgreSQL concurrency has its own test."""
    url = f"sqlite:///{tmp_path / 'p.db'}"
    engine = open_engine(url)
    feed = lines(*(ev(f"W{i % 40}", "in_transit", f"2026-11-19T{i % 24:02d}:{i % 60:02d}:00Z",
                      location={"code": f"H{i}"}) for i in range(300)))
    feed[17] = "{not json"
    feed[250] = feed[3]  # a duplicate in another range
    p = tmp_path / "feed.jsonl"
    p.write_text("\n".join(feed) + "\n")
    one = ingest_lines(engine, feed)
    want = stored_keys(engine)
    clear(engine)
    rejects: list[Reject] = []
    many = ingest_file(url, p, workers=2, batch_size=40, on_reject=rejects.append)
    assert stored_keys(engine) == want
    assert (many.read, many.stored, many.duplicates, many.rejected) == (
        one.read, one.stored, one.duplicates, one.rejected)
    assert [r.line for r in rejects] == [18]


def test_default_workers_only_for_big_lenient_feeds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    big = 64 << 20
    assert default_workers(big, strict=False) == 4
    assert default_workers(big, strict=True) == 1
    assert default_workers(1 << 20, strict=False) == 1
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert default_workers(big, strict=False) == 2


@pytest.mark.postgres
def test_workers_on_postgresql_report_progress_and_store_once(
        tmp_path: Path, pg_url: str, pg_engine: Engine) -> None:
    """Two processes on PostgreSQL with a re-send across their ranges: each event once, and
    the progress callback climbs to the whole file."""
    clear(pg_engine)
    feed = lines(*(ev(f"W{i // 4}", "in_transit", f"2026-11-19T{i % 24:02d}:00:00Z",
                      event_id=f"e{i}") for i in range(3000)))
    feed += feed[:50] + feed[1500:1550]  # re-sent, the first ones into the other range
    p = tmp_path / "feed.jsonl"
    p.write_text("\n".join(feed) + "\n")
    seen: list[int] = []
    c = ingest_file(pg_url, p, workers=2, batch_size=100, on_progress=seen.append)
    assert (c.read, c.stored, c.duplicates, c.rejected) == (3100, 3000, 100, 0)
    assert count_events(pg_engine) == 3000
    assert seen
    assert seen[-1] == p.stat().st_size
    assert seen == sorted(seen)
    clear(pg_engine)
