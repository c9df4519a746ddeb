"""The types of a table as read: :class:`ReadOptions`, :class:`Column`, :class:`Table`.

Defined apart from :mod:`core.data.table` (which re-exports them with :func:`read_table`) so
that the reader's modules use them without an import circle.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from core.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from core.settings import DataSettings

__all__ = ["EXCEL_SUFFIXES", "KINDS", "Column", "ReadOptions", "Table"]

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
KINDS = ("number", "text", "empty")
_T = TypeVar("_T")


def fields_from(cls: type[_T], source: object) -> _T:
    """A ``cls`` dataclass whose every field is the attribute of ``source`` of the same name
    (the read options and the column roles are parts of DataSettings, with its names)."""
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    return cls(**{name: getattr(source, name) for name in names})


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file; ``"auto"`` (or ``""`` for the sheet) lets the reader decide.

    The values are those of the settings of the same names (``core.settings``):
    ``delimiter`` one of ``auto , ; tab whitespace |``; ``encoding`` ``auto utf-8 utf-16
    cp1252``; ``header`` ``auto yes no``; ``decimal`` ``auto . ,``; ``thousands`` ``auto none
    , . space '``; ``sheet`` a sheet name of an Excel file ("" = the first).
    """

    delimiter: str = "auto"
    encoding: str = "auto"
    header: str = "auto"
    decimal: str = "auto"
    thousands: str = "auto"
    sheet: str = ""

    @classmethod
    def from_settings(cls, data: DataSettings) -> ReadOptions:
        """The read options a :class:`~core.settings.DataSettings` holds."""
        return fields_from(cls, data)


@dataclass(frozen=True)
class Column:
    """One column of a :class:`Table` as read.

    ``name``: its header name (made unique; ``x3`` for the 3rd column without a name);
    ``position``: 1-based column number in the file; ``kind``: ``"number"`` (every present
    cell a finite number), ``"text"`` or ``"empty"`` (no cell present); ``missing``: cells
    with no value (empty, ``NA``, ``?``...); ``levels``: distinct present values of a text
    column (0 for numbers); ``index_like``: a leading column, unnamed or named like an index,
    that holds exactly 0..m−1 or 1..m (left out by default). ``bad_row`` (0-based data row,
    for :meth:`Table.line_of`) and ``bad_cell``: for a text column whose present cells are
    mostly numbers, its first cell that is not a number (None and "" otherwise), so that a
    stray word ("abc", "1_000") can be reported by row and column rather than dropping the
    column silently.
    """

    name: str
    position: int
    kind: str
    missing: int = 0
    levels: int = 0
    index_like: bool = False
    bad_row: int | None = None
    bad_cell: str = ""


@dataclass(frozen=True, eq=False)
class Table:
    """A file read as a table, before columns get roles.

    ``frame``: one pandas column per :class:`Column`, in file order; number columns float64
    with NaN where a value is missing, text columns as strings with missing cells NA.
    ``decided``: how the file was read, every key always present: ``format`` ("text" or
    "excel"), ``delimiter``, ``encoding``, ``header`` ("yes"/"no"), ``decimal``,
    ``thousands`` (values as in :class:`ReadOptions`, never "auto"; "" where it does not
    apply, e.g. the delimiter of an Excel sheet), ``sheet``.
    ``sheets``: an Excel file's sheet names (empty for text).
    ``notes``: how the file was read, the first one a summary line; ``warnings``: readings a
    user must check, each naming the column, how it was read and the option that switches it.
    ``rows``: data rows in ``frame``; ``truncated``: True when ``nrows`` stopped the read.
    ``lines``: the 1-based line (text) or row (Excel) of each data row in the file, for
    messages (None when every row follows the header directly: line = row + first line);
    for text, a lazy map that scans the file on first use.
    """

    path: str
    frame: pd.DataFrame
    columns: tuple[Column, ...]
    decided: dict[str, str]
    sheets: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    truncated: bool = False
    first_line: int = 1
    lines: Any = field(default=None, repr=False)

    @property
    def rows(self) -> int:
        return int(self.frame.shape[0])

    def line_of(self, row: int) -> int:
        """The 1-based line (or spreadsheet row) in the file of data row ``row`` (0-based)."""
        if self.lines is not None:
            return int(self.lines[row])
        return self.first_line + row

    def column(self, name: str) -> Column:
        """The column called ``name``; InputError listing the columns when there is none."""
        for col in self.columns:
            if col.name == name:
                return col
        shown = ", ".join(repr(c.name) for c in self.columns[:30])
        if len(self.columns) > 30:
            shown += f", ... ({len(self.columns)} columns)"
        raise InputError(f"no column named {name!r}; the columns are: {shown}", path=self.path)
