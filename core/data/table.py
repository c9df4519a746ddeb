"""A data file read as a table: what the reader decided, each column's kind, the warnings.

This is the interface between reading a file (:func:`read_table`, on pandas: the C parser for
delimited text, openpyxl for .xlsx) and turning its columns into features and a target
(:mod:`core.data.roles`). The window's import preview shows a :class:`Table` read with
``nrows``; the builder reads the whole file. pandas is imported only when a file is read, so
start-up does not pay for it.

The reading itself is in :mod:`core.data.reader` (delimited text), :mod:`core.data.excel`,
:mod:`core.data.sniff` and :mod:`core.data.formats` (what the file's format is) and
:mod:`core.data.lines` (which line a row is on, computed only for a message).
"""

from __future__ import annotations

import os

from core.data.table_types import EXCEL_SUFFIXES, KINDS, Column, ReadOptions, Table

__all__ = ["EXCEL_SUFFIXES", "KINDS", "Column", "ReadOptions", "Table", "read_table"]


def read_table(
    path: str | os.PathLike[str], options: ReadOptions | None = None, *, nrows: int | None = None
) -> Table:
    """Read the delimited text or Excel file at ``path`` as a :class:`Table`.

    ``nrows`` reads only the first data rows (the import preview). Raises InputError naming
    the file (and row and column where it applies) for a file that cannot be read as a table.
    """
    from core.data.reader import read

    return read(os.fsdecode(path), options or ReadOptions(), nrows=nrows)
