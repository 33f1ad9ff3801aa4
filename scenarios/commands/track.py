"""`fwdnet track …`: ingest carrier event feeds, show a waybill's timeline, list late ones,
export all events (JSONL or EPCIS 2.0), print a waybill label.

SQLAlchemy and pydantic are imported inside the commands so `fwdnet --help` stays fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from fwdnet.logistics.errors import InputError
from fwdnet.logistics.kernel.files import atomic_open

if TYPE_CHECKING:
    from sqlalchemy import Engine

app = typer.Typer(
    help="E-waybill tracking: ingest event feeds, show timelines, late waybills, export, labels.",
    no_args_is_help=True,
)

DbOpt = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: $FWDNET_DB, else sqlite:///fwdnet.db)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _engine(db: str | None) -> Engine:
    """Open (and migrate) the database; a connection failure is bad input, not a crash."""
    from sqlalchemy.exc import OperationalError

    from fwdnet.logistics.tracking.db import open_engine, resolve_url

    try:
        return open_engine(db)
    except OperationalError as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise InputError(f"database {resolve_url(db)!r}: cannot open: {first}") from None


def _progress(total_bytes: int) -> tuple[Callable[[Any, int], None], Callable[[], None]]:
    """A progress reporter fed (counts or None, bytes done): a rich bar on a terminal, else
    a log line per 10% of the feed (none for the end: the summary follows)."""
    if sys.stderr.isatty():
        from rich.progress import Progress

        bar = Progress(transient=True)
        task = bar.add_task("ingest", total=total_bytes)

        def show(counts: Any, pos: int) -> None:
            if not bar.live.is_started:  # started late: its thread must not exist at a fork
                bar.start()
            text = "ingest" if counts is None else f"ingest {counts.read:,} lines"
            bar.update(task, completed=pos, description=text)

        return show, bar.stop
    last = [0]

    def log(counts: Any, pos: int) -> None:
        if total_bytes / 10 <= pos - last[0] and pos < total_bytes:  # the summary says 100%
            last[0] = pos
            done = f"{pos / max(total_bytes, 1):.0%} of the feed"
            if counts is not None:
                done += f", {counts.read:,} lines read, {counts.stored:,} stored"
            typer.echo(f"ingest: {done}", err=True)

    return log, lambda: None


def _rejects_default(feed: Path) -> Path:
    """FEED.rejects.jsonl beside the feed (a `.gz` suffix dropped: the rejects are plain)."""
    name = feed.name[:-3] if feed.name.endswith(".gz") else feed.name
    return feed.with_name(name + ".rejects.jsonl")


@app.command("ingest")
def ingest(
    feed: Annotated[Path, typer.Argument(
        help="JSONL feed: one event (or waybill) per line; gzip (e.g. .jsonl.gz) is read "
             "as it is.")],
    db: DbOpt = None,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Reject events whose waybill is not registered.")] = False,
    rejects: Annotated[Path | None, typer.Option(
        "--rejects", help="Rejects file (default: FEED.rejects.jsonl, without .gz).")] = None,
    batch_size: Annotated[int, typer.Option(
        "--batch-size", min=1, help="Events per committed transaction.")] = 20_000,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, max=32, show_default=False,
        help="Parsing processes, each on a slice of FEED. Default: one per CPU (at most 4) "
             "for a feed of 32 MB or more (uncompressed), else 1 (always 1 with --strict); "
             "a gzip feed is unpacked to a temporary file first when more than one.")] = None,
) -> None:
    """Store every event of FEED exactly once; bad lines go to a rejects file.

    Re-runs, crashes and overlapping feeds are safe. Rejects carry line number and reason.
    Prints read, stored, duplicates, rejected.
    """
    import shutil
    import tempfile

    from fwdnet.logistics.kernel.files import is_gzip, open_read
    from fwdnet.logistics.tracking.db import resolve_url
    from fwdnet.logistics.tracking.ingest import ingest_lines
    from fwdnet.logistics.tracking.model import Reject
    from fwdnet.logistics.tracking.parallel import default_workers, ingest_file

    if not feed.is_file():
        raise InputError(f"{feed}: no such file (expected a JSONL event feed)")
    rej_path = rejects or _rejects_default(feed)
    engine = _engine(db)  # migrates once, before any worker starts
    size = feed.stat().st_size
    packed = is_gzip(feed)
    url = resolve_url(db)
    workers = workers or default_workers(_unpacked_size(feed) if packed else size, strict)
    with atomic_open(rej_path) as rej, tempfile.TemporaryDirectory() as tmp:
        def on_reject(r: Reject) -> None:
            rej.write(json.dumps({"line": r.line, "reason": r.reason, "text": r.text},
                                 ensure_ascii=False) + "\n")

        if workers > 1 and strict:  # only when asked: the default is 1 with --strict
            typer.echo("note: --strict runs with one worker (a waybill line must be stored "
                       "before its events)", err=True)
        update, stop = _progress(size)
        try:
            if workers > 1 and not strict:
                engine.dispose()
                source = feed
                if packed:  # slices need byte offsets of the plain lines
                    source = Path(tmp) / "feed.jsonl"
                    with open_read(feed) as src, source.open("wb") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
                    size = source.stat().st_size
                    update, stop = _progress(size)
                counts = ingest_file(
                    url, source, workers=workers, strict=strict, batch_size=batch_size,
                    on_reject=on_reject, on_progress=lambda pos: update(None, pos))
            else:
                with open_read(feed) as f:
                    raw = getattr(f, "fileobj", None) or f  # progress in the file's bytes
                    counts = ingest_lines(engine, f, strict=strict, batch_size=batch_size,
                                          on_reject=on_reject,
                                          on_batch=lambda c: update(c, raw.tell()))
                engine.dispose()
        finally:
            stop()
    typer.echo(f"read {counts.read}  stored {counts.stored}  duplicates {counts.duplicates}  "
               f"rejected {counts.rejected}")
    if counts.rejected:
        typer.echo(f"rejects: {rej_path}")


def _unpacked_size(path: Path) -> int:
    """A gzip file's unpacked size from its trailer (modulo 4 GiB, as gzip keeps it)."""
    with path.open("rb") as fh:
        fh.seek(-4, 2)
        return int.from_bytes(fh.read(4), "little")


def _iso(t: datetime | None) -> str:
    return "" if t is None else t.isoformat(timespec="seconds").replace("+00:00", "Z")


@app.command("show")
def show(
    waybill: Annotated[str, typer.Argument(help="Waybill number.")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
    chain: Annotated[bool, typer.Option(
        "--chain", help="Print the chain from the source (CDC → FW trunk waybill) to this "
        "waybill, one line per link, following each waybill's parent.")] = False,
) -> None:
    """A waybill's timeline (by event time, UTC), its derived status and any anomalies."""
    from fwdnet.logistics.tracking.queries import get_trace

    if chain:
        _show_chain(waybill, db, as_json)
        return
    trace = get_trace(_engine(db), waybill)
    if trace is None:
        raise InputError(f"waybill {waybill!r}: no such waybill and no events for it")
    st = trace.status
    corrected = {s.event.corrects for s in trace.events if s.event.corrects}
    if as_json:
        typer.echo(json.dumps(trace.to_json_dict(), ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    wb = trace.waybill
    title = f"{waybill}: {st.status.value if st.status else 'no events'}"
    if wb is not None:
        title += f" · {wb.sender_site} → {wb.receiver_site} · promised {_iso(wb.promised_at)}"
    table = Table(title=title)
    for col in ("event time (UTC)", "type", "location", "carrier", "recorded", "key", "note"):
        table.add_column(col)
    flagged = {a.event_key: a.reason for a in st.anomalies}
    for s in trace.events:
        e = s.event
        loc = "" if e.location is None else (e.location.code or e.location.name or "")
        note = "corrected" if e.key in corrected else flagged.get(e.key, "")
        if e.corrects:
            note = (note + " corrects " + e.corrects[:8]).strip()
        table.add_row(_iso(e.event_time), e.event_type.value, loc, e.carrier,
                      _iso(s.recorded_at), e.key[:8], note)
    Console(width=160).print(table)
    for a in st.anomalies:
        typer.echo(f"anomaly: {a.reason} (event {a.event_key[:8]} at {_iso(a.event_time)})")


def _show_chain(waybill: str, db: str | None, as_json: bool) -> None:
    """`track show --chain`: every link from the source to `waybill`, oldest first."""
    from fwdnet.logistics.tracking.queries import get_chain

    found = get_chain(_engine(db), waybill)
    if found is None:
        raise InputError(f"waybill {waybill!r}: no such waybill and no events for it")
    if as_json:
        typer.echo(json.dumps(found.to_json_dict(), ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{waybill}: chain of {len(found.links)} waybill(s), source first")
    for col in ("#", "waybill", "from", "to", "carrier", "status", "created (UTC)",
                "delivered (UTC)", "parent"):
        table.add_column(col)
    for i, tr in enumerate(found.links, start=1):
        wb, st = tr.waybill, tr.status
        table.add_row(str(i), tr.waybill_no, wb.sender_site if wb else "?",
                      wb.receiver_site if wb else "?", wb.carrier if wb else "",
                      st.status.value if st.status else "no events",
                      _iso(wb.created_at if wb else None), _iso(st.delivered_at),
                      (wb.parent_waybill_no or "") if wb else "")
    Console(width=160).print(table)
    if found.missing_parent is not None:
        typer.echo(f"note: parent waybill {found.missing_parent!r} is not in the log; the chain "
                   "stops there")


@app.command("late")
def late(
    db: DbOpt = None,
    region: Annotated[str | None, typer.Option("--region", help="Only this region.")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="ISO 8601 time with zone (default: now).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Registered waybills past their promise: delivered late, or undelivered past it."""
    from fwdnet.logistics.tracking.queries import late_waybills

    when = None
    if as_of is not None:
        try:
            when = datetime.fromisoformat(as_of)
        except ValueError:
            raise InputError(f"--as-of: {as_of!r} is not an ISO 8601 time") from None
        if when.tzinfo is None:
            raise InputError(f"--as-of: {as_of!r} needs a time zone (e.g. +08:00 or Z)")
    rows = late_waybills(_engine(db), region=region, as_of=when)
    if as_json:
        typer.echo(json.dumps([r.to_json_dict() for r in rows], ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rows)} late waybill(s)")
    for col in ("waybill", "region", "carrier", "promised (UTC)", "status", "late by (h)"):
        table.add_column(col)
    for r in rows:
        table.add_row(r.waybill.waybill_no, r.waybill.region or "", r.waybill.carrier,
                      _iso(r.waybill.promised_at),
                      r.status.status.value if r.status.status else "no events",
                      f"{r.lateness_s / 3600:.1f}")
    Console(width=160).print(table)


@app.command("export")
def export(
    db: DbOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="jsonl or epcis (EPCIS 2.0 JSON-LD).")]
    = "jsonl",
    out: Annotated[Path | None, typer.Option("--out", help="Output file (default: stdout).")]
    = None,
) -> None:
    """All stored events, by waybill and event time, with event_key and recorded_at."""
    from fwdnet.logistics.tracking.epcis import write_epcis
    from fwdnet.logistics.tracking.queries import iter_events

    if fmt not in ("jsonl", "epcis"):
        raise InputError(f"--format: {fmt!r} (expected jsonl or epcis)")
    engine = _engine(db)

    def write(f: IO[str]) -> int:
        events = iter_events(engine)
        if fmt == "epcis":
            return write_epcis(events, f)
        n = 0
        for s in events:
            f.write(json.dumps(s.to_json_dict(), ensure_ascii=False) + "\n")
            n += 1
        return n

    if out is None:
        write(sys.stdout)
        return
    with atomic_open(out) as f:
        n = write(f)
    typer.echo(f"wrote {n} events to {out}", err=True)


@app.command("label")
def label(
    waybill: Annotated[str, typer.Argument(help="Waybill number (must be registered).")],
    out: Annotated[Path, typer.Option("--out", help="Output SVG file.")] = Path("label.svg"),
    db: DbOpt = None,
) -> None:
    """Render the waybill's e-waybill label (Code 128 barcode + printed fields) as SVG."""
    from fwdnet.logistics.tracking.label import render_label_svg
    from fwdnet.logistics.tracking.queries import get_waybill

    if out.suffix.lower() != ".svg":
        raise InputError(f"--out {out}: only .svg labels are rendered")
    wb = get_waybill(_engine(db), waybill)
    if wb is None:
        raise InputError(f"waybill {waybill!r}: not registered (ingest its waybill line first)")
    with atomic_open(out) as f:
        f.write(render_label_svg(wb))
    typer.echo(f"label: {out}")
