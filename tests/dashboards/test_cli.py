"""`fwdnet dashboard RESULTS_DIR [--out] [--lang]`: writes the page, one-line errors, exit 2."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from fwdnet.scenarios.cli import app


def test_writes_the_page_into_the_results_folder_by_default(full_dir: Path) -> None:
    res = CliRunner().invoke(app, ["dashboard", str(full_dir)])
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == str(full_dir / "dashboard.html")
    assert "前置仓网络看板" in (full_dir / "dashboard.html").read_text(encoding="utf-8")


def test_out_and_lang_options(full_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "page.html"
    res = CliRunner().invoke(app, ["dashboard", str(full_dir / "results.json"), "--out",
                                   str(out), "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert "Forward-warehouse network dashboard" in out.read_text(encoding="utf-8")


def test_missing_folder_is_one_error_line_exit_2(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["dashboard", str(tmp_path / "nope")])
    assert res.exit_code == 2
    assert res.stderr.startswith("error: ")
    assert "no results.json" in res.stderr
    assert "Traceback" not in res.output


def test_bad_language_and_bad_json_exit_2(full_dir: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["dashboard", str(full_dir), "--lang", "fr"])
    assert res.exit_code == 2
    assert "--lang: expected zh or en" in res.stderr
    bad = tmp_path / "results.json"
    bad.write_text('{"schema_version": 1}', encoding="utf-8")
    res = CliRunner().invoke(app, ["dashboard", str(tmp_path)])
    assert res.exit_code == 2
    assert "field scenario" in res.stderr
    assert not (tmp_path / "dashboard.html").exists()


def test_tiles_without_placeholders_is_refused(full_dir: Path) -> None:
    res = CliRunner().invoke(app, ["dashboard", str(full_dir), "--tiles", "https://x/tile.png"])
    assert res.exit_code == 2
    assert "--tiles: expected a URL template" in res.stderr
