"""Ingest one JSONL file with several processes: each takes a byte range of whole lines.

Parsing and validation are CPU-bound Python, so a second process on a second core nearly
doubles what one process can feed the database. Exactly-once still comes from the unique
key: ranges never overlap, and any overlap with other ingests is skipped by the database.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, wait
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, BinaryIO

from fwdnet.logistics.kernel.lifetime import die_with_parent
from fwdnet.logistics.tracking.ingest import DEFAULT_BATCH, ingest_lines
from fwdnet.logistics.tracking.model import IngestCounts, Reject


@dataclass(frozen=True, slots=True)
class LineRange:
    """Bytes [start, end) of a file, holding whole lines; `first_line` is the 1-based number
    of its first line."""

    start: int
    end: int
    first_line: int


def split_lines(path: Path, parts: int) -> list[LineRange]:
    """Cut a file into at most `parts` ranges of about equal size, at line boundaries."""
    size = path.stat().st_size
    cuts = [0]
    with path.open("rb") as f:
        for i in range(1, parts):
            f.seek(max(size * i // parts, cuts[-1]))
            if f.tell() > 0:
                f.readline()  # move to the start of the next line
            pos = min(f.tell(), size)
            if pos > cuts[-1]:
                cuts.append(pos)
        cuts.append(size)
        ranges = []
        line = 1
        f.seek(0)
        for a, b in pairwise(cuts):
            if b <= a:
                continue
            ranges.append(LineRange(a, b, line))
            line += _count_newlines(f, a, b)
    return ranges


def _count_newlines(f: BinaryIO, start: int, end: int) -> int:
    f.seek(start)
    n, left = 0, end - start
    while left > 0:
        chunk = f.read(min(left, 1 << 22))
        if not chunk:
            break
        n += chunk.count(b"\n")
        left -= len(chunk)
    return n


def read_range(path: Path, r: LineRange) -> Iterator[bytes]:
    """The lines of one range (bytes, newline included)."""
    with path.open("rb") as f:
        f.seek(r.start)
        left = r.end - r.start
        for line in f:
            yield line
            left -= len(line)
            if left <= 0:
                return


def _start_method() -> str:
    """fork while this process runs one thread (workers then start with everything imported,
    ~0.5 s of CPU each saved); spawn otherwise, as forking beside other threads is unsafe."""
    return "fork" if threading.active_count() == 1 else "spawn"


def default_workers(size_bytes: int, strict: bool) -> int:
    """Processes for an ingest when the user does not say: one per CPU (at most 4) for a
    feed of 32 MB or more, since parsing is the bottleneck (SQLite writers take turns, the
    parsing still overlaps); else 1. Strict mode must store a waybill line before its
    events, so it reads in order with one."""
    if strict or size_bytes < 32 << 20:
        return 1
    return max(1, min(4, os.cpu_count() or 1))


_bytes_done: Any = None  # a worker's shared progress counter (set by _init_worker)


def _init_worker(counter: Any, parent: int) -> None:
    global _bytes_done
    _bytes_done = counter
    die_with_parent(parent)


def _worker(url: str, path: str, r: LineRange, strict: bool, batch_size: int,
            rejects_out: str) -> IngestCounts:
    """One process: its own engine, its own range, its rejects to its own file."""
    from fwdnet.logistics.tracking.db import open_engine

    engine = open_engine(url, migrate=False)
    read = [0, 0]  # bytes read, bytes reported

    def lines() -> Iterator[bytes]:
        for line in read_range(Path(path), r):
            read[0] += len(line)
            yield line

    def on_batch(_: IngestCounts) -> None:
        if _bytes_done is not None:
            with _bytes_done.get_lock():
                _bytes_done.value += read[0] - read[1]
            read[1] = read[0]

    try:
        with open(rejects_out, "w", encoding="utf-8") as rej:
            def on_reject(x: Reject) -> None:
                rej.write(json.dumps({"line": x.line, "reason": x.reason, "text": x.text},
                                     ensure_ascii=False) + "\n")

            return ingest_lines(engine, lines(), strict=strict, batch_size=batch_size,
                                on_reject=on_reject, on_batch=on_batch,
                                first_line=r.first_line)
    finally:
        engine.dispose()


def ingest_file(
    url: str,
    path: Path,
    *,
    workers: int = 1,
    strict: bool = False,
    batch_size: int = DEFAULT_BATCH,
    on_reject: Callable[[Reject], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> IngestCounts:
    """Ingest a JSONL file into the database at `url` (already migrated) with `workers`
    processes; rejects reach `on_reject` in line order. `on_progress` sees the bytes of the
    file committed so far, about once a second."""
    ranges = split_lines(path, max(1, workers))
    total = IngestCounts()
    with tempfile.TemporaryDirectory(prefix="fwdnet-ingest-") as tmp:
        outs = [os.path.join(tmp, f"rejects{i}.jsonl") for i in range(len(ranges))]
        ctx = mp.get_context(_start_method())
        done = ctx.Value("q", 0)
        with ProcessPoolExecutor(len(ranges), mp_context=ctx, initializer=_init_worker,
                                 initargs=(done, os.getpid())) as pool:
            futures = [pool.submit(_worker, url, str(path), r, strict, batch_size, out)
                       for r, out in zip(ranges, outs, strict=True)]
            waiting = set(futures)
            while waiting:
                _, waiting = wait(waiting, timeout=1.0)
                if on_progress is not None:
                    on_progress(done.value)
            for fut in futures:
                total = total + fut.result()
        if on_reject is not None:
            for out in outs:
                with open(out, encoding="utf-8") as f:
                    for line in f:
                        d = json.loads(line)
                        on_reject(Reject(d["line"], d["reason"], d["text"]))
    return total
