"""`fwdnet forecast backtest|predict`: demand forecasts from a long CSV (unique_id,date,quantity).

Text columns are static features (e.g. region, category: also scored as hierarchy levels);
numeric columns are known-future features (e.g. promo_lift) whose future values `predict`
reads from `--features FUTURE.csv`.
"""

from __future__ import annotations

import json
import os
import tempfile
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
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(fd)
    try:
        frame.to_csv(tmp, index=False)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


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


@app.command("predict")
def predict(
    data: Annotated[Path, typer.Argument(help="CSV with unique_id,date,quantity (+ features).")],
    horizon: Annotated[int, typer.Option(help="Periods ahead.")],
    out: Annotated[Path, typer.Option(help="Output CSV: unique_id,date,forecast,p5,…,p95.")],
    features: Annotated[Path | None, typer.Option(
        help="Future values of the numeric feature columns: unique_id,date,<features>.")] = None,
    model: Annotated[str, typer.Option(help="Model name, or 'auto' (best backtest WAPE).")]
    = "lgbm",
    freq: Annotated[str | None, typer.Option(help="D, W or M (default: inferred).")] = None,
    season: Annotated[int | None, typer.Option(help="Season length.")] = None,
    levels: Annotated[str, typer.Option(help="Central interval levels in %.")] = "80,90",
    threads: Annotated[int, typer.Option(help="Threads for model fitting.")] = 1,
) -> None:
    """Forecast every series `horizon` periods ahead with quantiles; short series from profiles."""
    import pandas as pd

    from fwdnet.logistics.forecast.engine import cross_validate, select_model
    from fwdnet.logistics.forecast.engine import predict as run_predict
    from fwdnet.logistics.forecast.history import DS, read_history

    history = read_history(data, freq)
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
    future = None
    if features is not None:
        if not features.is_file():
            raise InputError("file not found", source=str(features))
        future = pd.read_csv(features, dtype={"unique_id": str})
    if model == "auto":
        bt = cross_validate(history, horizon=horizon, n_windows=2, season=season,
                            models=_models(ALL_MODELS), num_threads=threads)
        chosen = select_model(bt)
        typer.echo(f"auto: chose {chosen.value} by backtest WAPE", err=True)
    else:
        chosen = _models(model)[0]
    fc = run_predict(history, horizon=horizon, model=chosen, season=season, levels=lv,
                     future=future, num_threads=threads)
    fc = fc.rename(columns={DS: "date"})
    fc["date"] = pd.to_datetime(fc["date"]).dt.strftime("%Y-%m-%d")
    _atomic_csv(fc.round(4), out)
    typer.echo(f"wrote {len(fc)} rows for {fc['unique_id'].nunique()} series to {out}")
