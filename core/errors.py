"""Errors the engine raises for problems a user can fix (bad files, bad options)."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input from a user: a file, a cell or an option that cannot be used.

    The message names the file, the 1-based row (the line number a text editor shows) and
    the 1-based column (with its header name when there is one), where they apply.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        row: int | None = None,
        column: int | None = None,
        column_name: str | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.row = row
        self.column = column
        self.column_name = column_name
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            col = f"column {self.column}"
            if self.column_name:
                col += f" ({self.column_name!r})"
            where.append(col)
        elif self.column_name:
            where.append(f"column {self.column_name!r}")
        prefix = ""
        if self.path is not None:
            prefix = f"{self.path}: "
        if where:
            prefix += ", ".join(where) + ": "
        return prefix + self.message


class Cancelled(Exception):
    """Raised inside long computations when the caller asked them to stop."""
