"""Read a sheet of an Excel workbook (.xlsx, .xlsm) into a :class:`~core.data.table.Table`.

pandas reads the sheet through openpyxl; cells keep the type Excel gave them. The header is
detected as for text (a first row with a cell that is not a number); text cells that look
like numbers ("2,104" typed as text) are read with the same number rules, and a mostly-numeric
column with a stray word names it (:mod:`core.data.columns`). Messages name the sheet row.
"""

from __future__ import annotations

import zipfile
from typing import Any

import numpy as np

from core.data.columns import drop_empty, finish, header_names
from core.data.filebytes import check_file, read_head
from core.data.sniff import MISSING_MARKERS, detect_header
from core.data.table_types import ReadOptions, Table
from core.errors import InputError

MAX_EXCEL_BYTES = 1024**3
_NOT_EXCEL = "is not an Excel workbook (.xlsx/.xlsm)"


def sheet_names(path: str) -> tuple[str, ...]:
    """The sheet names of the workbook at ``path``; InputError when it is not one."""
    check_file(path, MAX_EXCEL_BYTES)
    if not read_head(path, 4).startswith(b"PK\x03\x04"):
        raise InputError(f"{_NOT_EXCEL}: it is not a zip archive", path=path)
    import openpyxl

    try:
        # from an open file: openpyxl judges a path by its suffix, a workbook by its content
        with open(path, "rb") as fh:
            wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
            try:
                return tuple(wb.sheetnames)
            finally:
                wb.close()
    except Exception as exc:  # BadZipFile, KeyError, InvalidFileException, XML errors...
        raise InputError(f"{_NOT_EXCEL} ({type(exc).__name__}: {exc})", path=path) from None


def read_excel(path: str, options: ReadOptions, nrows: int | None) -> Table:
    """See :func:`core.data.table.read_table`; ``options.sheet`` picks the sheet."""
    import pandas as pd

    sheets = sheet_names(path)
    if not sheets:
        raise InputError("the workbook has no sheet", path=path)
    sheet = options.sheet or sheets[0]
    if sheet not in sheets:
        shown = ", ".join(repr(s) for s in sheets)
        raise InputError(f"has no sheet named {sheet!r}; the sheets are: {shown}", path=path)
    try:
        with open(path, "rb") as fh:
            raw = pd.read_excel(
                fh,
                sheet_name=sheet,
                header=None,
                nrows=None if nrows is None else nrows + 50,
                engine="openpyxl",
                na_values=list(MISSING_MARKERS),
                keep_default_na=False,
            )
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(f"{_NOT_EXCEL} ({type(exc).__name__}: {exc})", path=path) from None
    rows = np.arange(1, len(raw) + 1)  # the sheet row of each row of raw
    filled = ~raw.isna().all(axis=1).to_numpy()
    if not filled.any():
        raise InputError(f"sheet {sheet!r} has no data rows (it is empty)", path=path)
    start = int(np.flatnonzero(filled)[0])
    raw, rows = raw.iloc[start:].reset_index(drop=True), rows[start:]
    first = raw.iloc[0].tolist()
    if options.header == "auto":
        sample = raw.iloc[:201].map(_name, na_action="ignore").fillna("")
        header = detect_header(sample.astype(str).to_numpy().tolist())
        header_desc = "header detected" if header else "no header detected"
    else:
        header = options.header == "yes"
        header_desc = "header (chosen)" if header else "no header (chosen)"
    notes: list[str] = []
    if header:
        names, unnamed = header_names([_name(c) for c in first], notes)
        raw, rows = raw.iloc[1:].reset_index(drop=True), rows[1:]
    else:
        names, unnamed = [f"x{k}" for k in range(1, raw.shape[1] + 1)], set()
    if nrows is not None:
        raw, rows = raw.iloc[:nrows], rows[:nrows]
    raw.columns = names
    raw = _typed(raw)
    if len(raw) == 0:
        raise InputError(f"sheet {sheet!r} has no data rows (only a header row)", path=path)
    frame, kept = drop_empty(raw, unnamed, notes, "row")
    if kept is not None:
        rows = rows[kept]
    empties = [names[k] for k in sorted(unnamed) if k < frame.shape[1]]
    if header and empties:
        notes.insert(0, f"empty header names replaced by {', '.join(empties[:10])}")

    def cell_text(row: int, col: int) -> str:
        return str(frame.iloc[row, col])

    frame, columns = finish(frame, unnamed, ".", ",", path, lambda row: int(rows[row]), cell_text)
    summary = (
        f"sheet {sheet!r}, {header_desc}, {len(frame)} row{'s' * (len(frame) != 1)}, "
        f"{len(columns)} column{'s' * (len(columns) != 1)}"
    )
    decided = {
        "format": "excel",
        "delimiter": "",
        "encoding": "",
        "header": "yes" if header else "no",
        "decimal": "",
        "thousands": "",
        "sheet": sheet,
    }
    return Table(
        path=path,
        frame=frame,
        columns=columns,
        decided=decided,
        sheets=sheets,
        notes=(summary, *notes),
        truncated=nrows is not None and len(frame) >= nrows,
        first_line=int(rows[0]) if len(rows) else 1,
        lines=rows,
    )


def _name(cell: Any) -> str:
    """A header cell as a name: numbers without a trailing '.0', empty cells ''."""
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def _typed(frame: Any) -> Any:
    """Columns holding both numbers and text become text (numbers written out) so that the
    text cells are read with the number rules; dates and booleans become text."""
    import pandas as pd

    out = {}
    for name in frame.columns:
        s = frame[name]
        if pd.api.types.is_numeric_dtype(s.dtype) and s.dtype != bool:
            out[name] = s
        else:
            out[name] = s.map(_cell_text, na_action="ignore").astype("str")
    return pd.DataFrame(out, index=frame.index)


def _cell_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)
