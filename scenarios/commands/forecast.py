"""`fwdnet forecast backtest|predict`: demand forecasts from a long CSV (unique_id,date,quantity).

Text columns are static features (e.g. region, category: also scored as hierarchy levels);
numeric columns are known-future features (e.g. promo_lift) whose future values `predict`
reads from `--features FUTURE.csv`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from fwdnet.logistics.errors import InputError

app = typer.Typer(help="Demand forecasts: rolling-origin backtests and predictions.",
                  no_args_is_help=True)

DEFAULT_HORIZON = {"D": 14, "W": 4, "M": 3}
ALL_MODELS = "naive,seasonal_naive,window_average,ets,theta,croston,lgbm"


def _models(text: str) -> list[Any]:
    from fwdnet.logistics.forecast.models import ModelName

    out = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        try:
            out.append(ModelName(part))
        except ValueError:
            known = ", ".join(m.value for m in ModelName)
            raise InputError(f"--model(s): unknown model {part!r}; expected {known}",
                             source="command line") from None
    return out


def _atomic_csv(frame: Any, out: Path) -> None:
    from fwdnet.logistics.kernel.files import atomic_path

    with atomic_path(out) as tmp:
        frame.to_csv(tmp, index=False)


@app.command("backtest")
def backtest(
    data: Annotated[Path, typer.Argument(help="CSV with unique_id,date,quantity (+ features).")],
    freq: Annotated[str | None, typer.Option(help="D, W or M (default: inferred).")] = None,
    horizon: Annotated[int | None, typer.Option(help="Periods ahead (default D 14, W 4, M 3).")]
    = None,
    season: Annotated[int | None, typer.Option(help="Season length (default D 7, W 52, M 12).")]
    = None,
    windows: Annotated[int, typer.Option(help="Rolling origins.")] = 4,
    models: Annotated[str, typer.Option(help="Comma-separated models.")] = ALL_MODELS,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
    = False,
    threads: Annotated[int, typer.Option(help="Threads for model fitting.")] = 1,
) -> None:
    """Backtest models on rolling origins; WAPE, MASE and bias per level (series, tags, total)."""
    from fwdnet.logistics.forecast.engine import cross_validate
    from fwdnet.logistics.forecast.history import ID, read_history
    from fwdnet.logistics.forecast.metrics import score_levels

    chosen = _models(models)
    history = read_history(data, freq)
    if history.filled:
        typer.echo(f"note: {history.gap_report()}", err=True)
    h = horizon or DEFAULT_HORIZON[history.freq.value]
    bt = cross_validate(history, horizon=h, n_windows=windows, season=season, models=chosen,
                        num_threads=threads)
    static = history.static_features
    tags = history.frame.groupby(ID)[static].first().reset_index() if static else None
    levels: dict[str, str | None] = {"series": ID, **{c: c for c in static}, "total": None}
    scores = score_levels(bt.frame, history.frame, [m.value for m in bt.models], bt.season,
                          tags=tags, levels=levels)
    best = min((s for s in scores if s.level == "series"), key=lambda s: s.wape).model
    if as_json:
        typer.echo(json.dumps({
            "data": str(data), "freq": history.freq.value, "horizon": h, "season": bt.season,
            "windows": windows, "series_scored": int(bt.frame[ID].nunique()),
            "series_excluded_short": len(bt.excluded), "filled_periods": len(history.filled),
            "notes": list(bt.notes), "best_by_wape": best,
            "scores": [s.__dict__ for s in scores],
        }, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"backtest {data.name}: {windows} origins × {h} {history.freq.value} "
                        f"ahead, season {bt.season}")
    for col in ("level", "model", "WAPE", "MASE", "bias", "series"):
        table.add_column(col, justify="left" if col in ("level", "model") else "right")
    for s in scores:
        table.add_row(s.level, s.model, f"{s.wape:.3f}", f"{s.mase:.3f}", f"{s.bias:+.3f}",
                      str(s.series))
    console = Console()
    console.print(table)
    for note in bt.notes:
        console.print(f"note: {note}")
    if bt.excluded:
        console.print(f"note: {len(bt.excluded)} series too short for every origin were not "
                      "scored (they are forecast from their category profile)")
    console.print(f"best by series WAPE: {best}")


def _hierarchy(text: str | None, static: list[str]) -> dict[str, list[str]] | None:
    """--levels-by: 'none', or comma-separated text columns (default: every text column)."""
    if text is not None and text.strip().lower() == "none":
        return None
    cols = static if text is None else [c.strip() for c in text.split(",") if c.strip()]
    unknown = [c for c in cols if c not in static]
    if unknown:
        raise InputError(f"--levels-by: {unknown[0]!r} is not a text column of the history "
                         f"({', '.join(static) or 'none'})", source="command line")
    if not cols:
        return None
    return {"total": [], **{c: [c] for c in cols}}


@app.command("predict")
def predict(
    data: Annotated[Path, typer.Argument(help="CSV with unique_id,date,quantity (+ features).")],
    horizon: Annotated[int, typer.Option(help="Periods ahead.")],
    out: Annotated[Path, typer.Option(
        help="Output CSV: unique_id,date,forecast,p5,…,p95,model; the levels go beside it "
             "as <name>_levels.csv.")],
    features: Annotated[Path | None, typer.Option(
        help="Future values of the numeric feature columns: unique_id,date,<features>.")] = None,
    model: Annotated[str, typer.Option(
        help="'auto' (an ensemble chosen by backtest), a model name, or several "
             "comma-separated (the ensemble picks among them).")] = "auto",
    levels_by: Annotated[str | None, typer.Option(
        help="Text columns that make the reconciled levels (default: all; 'none' to skip).")]
    = None,
    windows: Annotated[int, typer.Option(help="Backtest origins for the choice and the "
                                              "interval calibration.")] = 3,
    freq: Annotated[str | None, typer.Option(help="D, W or M (default: inferred).")] = None,
    season: Annotated[int | None, typer.Option(help="Season length.")] = None,
    levels: Annotated[str, typer.Option(help="Central interval levels in %.")] = "80,90",
    fill_gaps: Annotated[bool, typer.Option(
        "--fill-gaps", help="Count missing periods inside a series as zero demand.")] = False,
    threads: Annotated[int, typer.Option(help="Threads for model fitting.")] = 1,
) -> None:
    """Forecast every series `horizon` periods ahead: ensemble, reconciled levels, intervals."""
    import time

    import pandas as pd

    from fwdnet.logistics.forecast.history import DS, read_history
    from fwdnet.logistics.forecast.pipeline import DEFAULT_MODELS, describe, run_forecast

    history = read_history(data, freq, fill_gaps=fill_gaps)
    if history.filled:
        typer.echo(f"note: {history.gap_report()}", err=True)
    try:
        lv = [int(x) for x in levels.split(",") if x.strip()]
    except ValueError:
        raise InputError(f"--levels: expected integers like 80,90, got {levels!r}",
                         source="command line") from None
    if any(not 0 < x < 100 for x in lv):
        raise InputError("--levels: each level must be between 0 and 100", source="command line")
    if horizon < 1:
        raise InputError("--horizon: expected >= 1", source="command line")
    if windows < 1:
        raise InputError("--windows: expected >= 1", source="command line")
    future = None
    if features is not None:
        if not features.is_file():
            raise InputError("file not found", source=str(features))
        try:
            future = pd.read_csv(features, dtype={"unique_id": str})
        except (ValueError, OSError, UnicodeDecodeError) as exc:
            raise InputError(f"unreadable CSV ({exc})", source=str(features)) from None
    models = list(DEFAULT_MODELS) if model == "auto" else _models(model)
    hierarchy = _hierarchy(levels_by, history.static_features)
    t0 = time.perf_counter()

    def say(msg: str) -> None:
        typer.echo(f"[{time.perf_counter() - t0:6.1f} s] {msg}", err=True)

    run = run_forecast(history, horizon=horizon, future=future, future_source=str(features),
                       models=models, n_windows=windows, levels=lv, hierarchy=hierarchy,
                       season=season, num_threads=threads, progress=say)
    fc = run.forecast.rename(columns={DS: "date"})
    fc["date"] = pd.to_datetime(fc["date"]).dt.strftime("%Y-%m-%d")
    num = [c for c in fc.columns if c not in ("unique_id", "date", "model")]
    fc[num] = fc[num].round(4)
    _atomic_csv(fc, out)
    msg = f"wrote {len(fc)} rows for {fc['unique_id'].nunique()} series to {out}"
    if len(run.levels):
        lv_out = out.with_name(out.stem + "_levels" + out.suffix)
        lf = run.levels.rename(columns={DS: "date"})
        lf["date"] = pd.to_datetime(lf["date"]).dt.strftime("%Y-%m-%d")
        lnum = [c for c in lf.columns if c not in ("level", "unique_id", "date")]
        lf[lnum] = lf[lnum].round(4)
        _atomic_csv(lf, lv_out)
        msg += f" and {lf['unique_id'].nunique()} level series to {lv_out}"
    summary = describe(run)
    if run.cold_start:
        typer.echo(f"note: {len(run.cold_start)} series too short for the models were "
                   "forecast from the cold-start profile (column 'model' says which)", err=True)
    for note in run.notes:
        typer.echo(f"note: {note}", err=True)
    typer.echo(msg + f"; reconciliation: {summary['reconciliation'] or 'none'}")
