"""Errors raised at fwdnet's boundaries; the CLI turns them into one line and exit code 2."""

from __future__ import annotations


class InputError(ValueError):
    """Bad user input: the message names the file, row or field, and what was expected."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


# Top-level modules of the optional parts (pyproject's extras) → the extra that installs them.
EXTRA_OF_MODULE = {
    "statsforecast": "forecast", "mlforecast": "forecast", "lightgbm": "forecast",
    "fastapi": "api", "uvicorn": "api", "starlette": "api", "pydantic_settings": "api",
    "prometheus_client": "api", "redis": "api", "hierarchicalforecast": "forecast",
    "pyarrow": "forecast", "psycopg": "postgres", "distributed": "dask", "dask": "dask",
}


def missing_extra(exc: ModuleNotFoundError) -> str | None:
    """The extra whose install would provide the module `exc` misses (None: not an extra's)."""
    return EXTRA_OF_MODULE.get((exc.name or "").split(".")[0])


def missing_extra_message(exc: ModuleNotFoundError) -> str | None:
    """One line telling the user which optional part to install, or None if it is no extra's."""
    extra = missing_extra(exc)
    if extra is None:
        return None
    return (f"this needs fwdnet's optional '{extra}' part (module {exc.name} is not installed): "
            f"pip install 'fwdnet[{extra}]'")
