"""Errors raised at fwdnet's boundaries; the CLI turns them into one line and exit code 2."""

from __future__ import annotations


class InputError(ValueError):
    """Bad user input: the message names the file, row or field, and what was expected."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)
