"""Atomic file writes: a temp file in the target's folder, flushed to disk, then renamed.

An interrupted run (Ctrl-C, kill, full disk) leaves the old file or none, never half a file.
`open_read` reads back plain or gzip files alike.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, cast

LINE_BATCH = 4096  # lines joined per write in `write_lines_atomic`


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """A temp path beside `path` for a writer that wants a file name (e.g. `DataFrame.to_csv`);
    renamed onto `path` when the block ends without error, deleted otherwise."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600: give the usual permissions
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def atomic_open(path: Path | str, *, binary: bool = False, compress: bool = False,
                level: int = 9) -> Iterator[IO[Any]]:
    """Stream into `path` atomically. `compress` writes gzip (at `level`, 1 fast … 9 small)
    with no name and mtime 0, so the same content gives the same bytes; text mode is UTF-8
    with '\\n' line ends."""
    with atomic_path(path) as tmp:
        if compress:
            with (open(tmp, "wb") as raw,
                  gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0,
                                compresslevel=level) as gz):
                if binary:
                    yield cast(IO[bytes], gz)
                else:
                    with io.TextIOWrapper(gz, encoding="utf-8", newline="\n") as text:
                        yield text
        elif binary:
            with open(tmp, "wb") as fh:
                yield fh
        else:
            with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
                yield fh


def write_bytes_atomic(path: Path | str, data: bytes) -> None:
    with atomic_open(path, binary=True) as fh:
        fh.write(data)


def write_text_atomic(path: Path | str, text: str) -> None:
    with atomic_open(path) as fh:
        fh.write(text)


def write_lines_atomic(path: Path | str, lines: Iterable[str], *, compress: bool = False,
                       level: int = 9) -> None:
    """One line per item, each ended by '\\n' (JSON Lines, CSV rows); gzip with `compress`.
    Lines are written in batches (one write per batch, not two per line)."""
    with atomic_open(path, compress=compress, level=level) as fh:
        it = iter(lines)
        while batch := list(itertools.islice(it, LINE_BATCH)):
            batch.append("")
            fh.write("\n".join(batch))


def write_json_atomic(path: Path | str, payload: Any, *, indent: int | None = 1,
                      sort_keys: bool = False) -> None:
    """UTF-8 JSON (non-ASCII kept readable) ending in a newline."""
    write_text_atomic(path, json.dumps(payload, ensure_ascii=False, indent=indent,
                                       sort_keys=sort_keys) + "\n")


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]], digits: int = 6
              ) -> list[str]:
    """CSV text lines (quoted where needed, floats rounded to `digits`) for
    `write_lines_atomic`, so CSV exports are byte-stable for a seed."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow([round(v, digits) if isinstance(v, float) else v for v in row])
    return buf.getvalue().splitlines()


def is_gzip(path: Path | str) -> bool:
    """True when the file starts with gzip's magic bytes (whatever its name)."""
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def open_read(path: Path | str) -> IO[bytes]:
    """The file's bytes for reading, gunzipped on the fly when it is gzip (by content, not
    name): readers take `feed.jsonl` and `feed.jsonl.gz` alike."""
    if is_gzip(path):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return open(path, "rb")
