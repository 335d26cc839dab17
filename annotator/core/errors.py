"""The one error type the core raises for bad input: what went wrong, where, and why."""

from __future__ import annotations


class AnnotatorError(Exception):
    """Bad input or a state the program refuses to act on.

    ``where`` names the file (and line or byte offset) at fault; the CLI prints the
    message as one line and exits non-zero.
    """

    def __init__(self, what: str, where: str | None = None, why: str | None = None):
        self.what = what
        self.where = where
        self.why = why
        parts = [p for p in (where, what) if p]
        message = ": ".join(parts)
        if why:
            message += f" ({why})"
        super().__init__(message)
