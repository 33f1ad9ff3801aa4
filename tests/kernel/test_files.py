"""Atomic writes: the target holds the old content or the new, never a part; no temp left."""

from __future__ import annotations

import gzip
import json
import os
import stat
from pathlib import Path

import pytest

from fwdnet.logistics.kernel.files import (
    atomic_open,
    atomic_path,
    is_gzip,
    open_read,
    write_json_atomic,
    write_lines_atomic,
    write_text_atomic,
)


def test_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")

    def interrupted_write() -> None:
        with atomic_open(target) as fh:
            fh.write("half a ")
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        interrupted_write()
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_writes_land_whole_with_usual_permissions(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "r.json"
    write_json_atomic(target, {"b": 1, "a": "前置仓"}, sort_keys=True)
    assert target.read_text(encoding="utf-8") == '{\n "a": "前置仓",\n "b": 1\n}\n'
    mode = stat.S_IMODE(os.stat(target).st_mode)
    mask = os.umask(0)
    os.umask(mask)
    assert mode == 0o666 & ~mask


def test_compressed_lines_are_byte_identical_for_the_same_content(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    write_lines_atomic(a, ['{"x":1}', '{"x":2}'], compress=True)
    write_lines_atomic(b, ['{"x":1}', '{"x":2}'], compress=True)
    assert a.read_bytes() == b.read_bytes()
    assert [json.loads(x) for x in gzip.decompress(a.read_bytes()).splitlines()] == [
        {"x": 1}, {"x": 2}]


def test_open_read_reads_plain_and_gzip_files_alike(tmp_path: Path) -> None:
    """By content, not by name: a gzip file without .gz and a plain one with it both read."""
    packed, plain = tmp_path / "a.jsonl", tmp_path / "b.jsonl.gz"
    write_lines_atomic(packed, ["x", "前置仓"], compress=True, level=1)
    write_lines_atomic(plain, ["x", "前置仓"])
    assert is_gzip(packed)
    assert not is_gzip(plain)
    for p in (packed, plain):
        with open_read(p) as fh:
            assert fh.read().decode("utf-8") == "x\n前置仓\n"


def test_atomic_path_serves_writers_that_want_a_file_name(tmp_path: Path) -> None:
    target = tmp_path / "t.txt"
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path
        assert tmp != target
        tmp.write_text("done")
        assert not target.exists()
    assert target.read_text() == "done"
    write_text_atomic(target, "again")
    assert target.read_text() == "again"
