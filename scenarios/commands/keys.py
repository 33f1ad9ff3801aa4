"""`fwdnet keys …`: create, revoke and list API keys (stored as SHA-256 hashes only).

SQLAlchemy is imported inside the commands so `fwdnet --help` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from fwdnet.logistics.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy import Engine

app = typer.Typer(help="API keys for `fwdnet serve`: create, revoke, list.",
                  no_args_is_help=True)

DbOpt = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: $FWDNET_DB, else sqlite:///fwdnet.db)."),
]


def _engine(db: str | None) -> Engine:
    from sqlalchemy.exc import OperationalError

    from fwdnet.logistics.api.db import open_api_engine

    try:
        return open_api_engine(db)
    except OperationalError as exc:
        raise InputError(f"--db: cannot open the database ({exc.orig})") from exc


@app.command("create")
def create(
    role: Annotated[str, typer.Option("--role", help="hq | dispatch | region:<code> | "
                                      "carrier:<code>")],
    db: DbOpt = None,
    label: Annotated[str | None, typer.Option("--label", help="A note (who holds it).")] = None,
) -> None:
    """Create a key; the key itself is printed once, alone on the last line."""
    from fwdnet.logistics.api.keys import check_role, create_key

    check_role(role)
    engine = _engine(db)
    key_id, key = create_key(engine, role, label)
    typer.echo(f"created key {key_id} with role {role} (shown once; store it now):")
    typer.echo(key)


@app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="The key id (see `keys list`).")],
           db: DbOpt = None) -> None:
    """Revoke a key (running servers notice within FWDNET_KEY_CACHE_S seconds)."""
    from fwdnet.logistics.api.keys import revoke_key

    if not revoke_key(_engine(db), key_id):
        raise InputError(f"key id {key_id!r}: no active key with this id")
    typer.echo(f"revoked {key_id}")


@app.command("list")
def list_(db: DbOpt = None) -> None:
    """Key ids, roles, labels and dates (never the keys)."""
    from fwdnet.logistics.api.keys import list_keys

    for k in list_keys(_engine(db)):
        state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active"
        typer.echo(f"{k.key_id}  {k.role:<24} {state:<24} {k.created_at:%Y-%m-%d %H:%M}  "
                   f"{k.label or ''}")
