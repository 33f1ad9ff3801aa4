"""`fwdnet keys` and `fwdnet serve` pieces: key printed alone on the last line, exit 2 on bad
input, and the dashboards mount of the served app."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fwdnet.logistics.api.db import open_api_engine
from fwdnet.logistics.api.keys import KeyStore
from fwdnet.scenarios.cli import app

runner = CliRunner()


def test_keys_create_list_revoke(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'k.db'}"
    r = runner.invoke(app, ["keys", "create", "--role", "region:east", "--db", db,
                            "--label", "Chengdu ops"])
    assert r.exit_code == 0, r.output
    key = r.stdout.strip().splitlines()[-1]
    assert key.startswith("fwd_")
    engine = open_api_engine(db)
    who = KeyStore(engine, 0).authenticate(key)
    assert who is not None
    assert who.role == "region:east"
    listed = runner.invoke(app, ["keys", "list", "--db", db]).stdout
    assert who.key_id in listed
    assert "region:east" in listed
    assert key not in listed
    assert runner.invoke(app, ["keys", "revoke", who.key_id, "--db", db]).exit_code == 0
    assert KeyStore(engine, 0).authenticate(key) is None
    assert "revoked" in runner.invoke(app, ["keys", "list", "--db", db]).stdout
    engine.dispose()


@pytest.mark.parametrize("args", [["keys", "create", "--role", "admin"],
                                  ["keys", "create", "--role", "region:"],
                                  ["keys", "revoke", "0123456789abcdef"]])
def test_keys_bad_input_exits_2(tmp_path: Path, args: list[str]) -> None:
    from fwdnet.scenarios.cli import main

    db = f"sqlite:///{tmp_path / 'k.db'}"
    old = sys.argv
    sys.argv = ["fwdnet", *args, "--db", db]
    try:
        with pytest.raises(SystemExit) as exc:
            main()
    finally:
        sys.argv = old
    assert exc.value.code == 2


def test_serve_mounts_run_dashboards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """/dashboards/ lists run folders; /dashboards/<run>/ serves its page; others are 404."""
    from fwdnet.scenarios.commands.serve import app_factory

    run = tmp_path / "results" / "default"
    run.mkdir(parents=True)
    (run / "results.json").write_text("{}")
    time.sleep(0.01)
    (run / "dashboard.html").write_text("<html>fwdnet dashboard</html>")
    monkeypatch.setenv("FWDNET_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setenv("FWDNET_DB", f"sqlite:///{tmp_path / 's.db'}")
    monkeypatch.setenv("FWDNET_START_JOBS", "false")
    os.utime(run / "dashboard.html")
    with TestClient(app_factory()) as c:
        assert 'href="/dashboards/default/"' in c.get("/dashboards/").text
        assert c.get("/dashboards/default/").text == "<html>fwdnet dashboard</html>"
        assert c.get("/dashboards/nope/").status_code == 404
        assert c.get("/dashboards/..%2F..%2Fetc/").status_code == 404
