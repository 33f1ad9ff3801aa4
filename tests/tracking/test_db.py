"""Schema migrations: packaged Alembic scripts, applied on first use, idempotent."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from fwdnet.logistics.tracking import db as dbmod
from fwdnet.logistics.tracking.db import HEAD_REVISION, current_revision, open_engine


def test_head_revision_constant_matches_the_migration_scripts() -> None:
    """open_engine's fast path compares with HEAD_REVISION; it must be Alembic's head."""
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(dbmod.__file__).parent / "migrations"))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD_REVISION


def test_first_use_creates_the_schema_and_second_use_keeps_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    bare = open_engine(url, migrate=False)
    with bare.connect() as c:
        assert current_revision(c) is None
    bare.dispose()
    for _ in range(2):
        eng = open_engine(url)
        with eng.connect() as c:
            assert current_revision(c) == HEAD_REVISION
        tables = set(inspect(eng).get_table_names())
        assert {"tracking_events", "tracking_waybills", "tracking_alembic_version"} <= tables
        eng.dispose()
