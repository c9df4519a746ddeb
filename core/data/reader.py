"""Read a delimited text or Excel file into a :class:`~core.data.table.Table` with pandas.

FIRST VERSION: a minimal reader so that the rest of the product can be built against
:func:`core.data.table.read_table`; the sniffing of number formats, the checks and the
messages are being filled in.
"""

from __future__ import annotations

from typing import Any

from core.data.filebytes import read_bytes
from core.data.sniff import WHITESPACE, decode_text, describe_delimiter, sniff_delimiter
from core.data.table import EXCEL_SUFFIXES, Column, ReadOptions, Table
from core.errors import InputError

SAMPLE_BYTES = 1 << 16
MISSING = ["", "NA", "N/A", "#N/A", "NaN", "nan", "null", "NULL", "None", "?", "-"]
_SEP = {",": ",", ";": ";", "tab": "\t", "|": "|"}


def read(path: str, options: ReadOptions, *, nrows: int | None = None) -> Table:
    """See :func:`core.data.table.read_table`."""
    if path.lower().endswith(EXCEL_SUFFIXES):
        return _read_excel(path, options, nrows)
    return _read_text(path, options, nrows)


def _columns(frame: Any) -> tuple[Column, ...]:
    import pandas as pd

    cols = []
    for k, name in enumerate(frame.columns):
        s = frame[name]
        missing = int(s.isna().sum())
        if missing == len(s):
            kind = "empty"
        elif pd.api.types.is_numeric_dtype(s):
            kind = "number"
        else:
            kind = "text"
        levels = int(s.nunique()) if kind == "text" else 0
        cols.append(Column(str(name), k + 1, kind, missing, levels))
    return tuple(cols)


def _read_text(path: str, options: ReadOptions, nrows: int | None) -> Table:
    import pandas as pd

    raw = read_bytes(path, 8 * 1024**3)
    text, enc_notes = decode_text(raw[:SAMPLE_BYTES], path)
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if not lines:
        raise InputError("no data rows (the file is empty or only has blank lines)", path=path)
    delim = options.delimiter
    if delim == "auto":
        delim, _ = sniff_delimiter(lines)
        delim = {"\t": "tab"}.get(delim, delim)
    header = options.header
    if header == "auto":
        first = lines[0].split(_SEP.get(delim, ","))
        header = "yes" if any(not _numberish(c) for c in first) else "no"
    decimal = "." if options.decimal == "auto" else options.decimal
    thousands = "none" if options.thousands == "auto" else options.thousands
    encoding = "utf-8" if options.encoding == "auto" else options.encoding
    import io

    frame = pd.read_csv(
        io.BytesIO(raw),
        sep=r"\s+" if delim == WHITESPACE else _SEP[delim],
        header=0 if header == "yes" else None,
        decimal=decimal,
        thousands={"none": None, "space": " "}.get(thousands, thousands),
        encoding="utf-8-sig" if encoding == "utf-8" else encoding,
        na_values=MISSING,
        keep_default_na=False,
        nrows=nrows,
        engine="c" if delim != WHITESPACE else "python",
        skip_blank_lines=True,
    )
    if header == "no":
        frame.columns = [f"x{k}" for k in range(1, frame.shape[1] + 1)]
    frame.columns = [str(c) for c in frame.columns]
    decided = {
        "format": "text",
        "delimiter": delim,
        "encoding": encoding,
        "header": header,
        "decimal": decimal,
        "thousands": thousands,
        "sheet": "",
    }
    summary = (
        f"delimiter {describe_delimiter(_SEP.get(delim, delim))}, header {header}, "
        f"{frame.shape[0]} rows, {frame.shape[1]} columns"
    )
    return Table(
        path=path,
        frame=frame,
        columns=_columns(frame),
        decided=decided,
        notes=(summary, *enc_notes),
        truncated=nrows is not None and frame.shape[0] >= nrows,
        first_line=2 if header == "yes" else 1,
    )


def _numberish(cell: str) -> bool:
    s = cell.strip().strip('"')
    if s in MISSING:
        return True
    try:
        float(s.replace(",", "."))
    except ValueError:
        return False
    return True


def _read_excel(path: str, options: ReadOptions, nrows: int | None) -> Table:
    import openpyxl
    import pandas as pd

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheets = tuple(wb.sheetnames)
    wb.close()
    sheet = options.sheet or sheets[0]
    header = "yes" if options.header in ("auto", "yes") else "no"
    frame = pd.read_excel(
        path,
        sheet_name=sheet,
        header=0 if header == "yes" else None,
        nrows=nrows,
        engine="openpyxl",
    )
    frame.columns = [str(c) for c in frame.columns]
    decided = {
        "format": "excel",
        "delimiter": "",
        "encoding": "",
        "header": header,
        "decimal": "",
        "thousands": "",
        "sheet": sheet,
    }
    return Table(
        path=path,
        frame=frame,
        columns=_columns(frame),
        decided=decided,
        sheets=sheets,
        notes=(f"sheet {sheet!r}, {frame.shape[0]} rows, {frame.shape[1]} columns",),
        first_line=2 if header == "yes" else 1,
    )
