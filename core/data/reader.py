"""Read a delimited text or Excel file into a :class:`~core.data.table.Table` with pandas.

pandas' C parser reads the file; this layer decides what to tell it, from a sample of the
first bytes only (:mod:`core.data.sniff`: encoding, delimiter, header; :mod:`core.data.formats`:
decimal mark, thousands separator), checks what pandas cannot (a short row, a number the
chosen format would misread, an infinite value) and words every failure as an InputError
naming the file, the line a text editor shows and the column. The common file (',' without
quotes) pays for nothing but the sample: no Python loop over rows or cells.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from typing import Any

import numpy as np

from core.data.columns import drop_empty, finish, header_names
from core.data.filebytes import check_file, read_head
from core.data.formats import (
    DECIMAL_POINT_CELL,
    DOT_GROUPED_CELL,
    THOUSANDS_CHARS,
    cell_pattern,
    contradiction_message,
    contradiction_pattern,
    sniff_numbers,
)
from core.data.lines import ASCII_COMPATIBLE, LineMap, find_cells
from core.data.sniff import (
    BLANK,
    MISSING_MARKERS,
    SEPARATORS,
    SNIFF_LINES,
    WHITESPACE,
    Encoding,
    allow_long_fields,
    cp1252_encoding,
    decode_sample,
    delimiter_char,
    describe_delimiter,
    detect_header,
    looks_numeric,
    records,
    sniff_delimiter,
    sniff_encoding,
)
from core.data.table_types import EXCEL_SUFFIXES, ReadOptions, Table
from core.errors import InputError

#: Files larger than this are refused.
MAX_FILE_BYTES = 8 * 1024**3
SAMPLE_BYTES = 1 << 16  # the bytes the format is decided from
MAX_SAMPLE_BYTES = 1 << 26  # ... or more when its lines are longer
SAMPLE_CELLS = 20_000  # cells of the sample looked at one by one (number formats)
_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def read(path: str, options: ReadOptions, *, nrows: int | None = None) -> Table:
    """See :func:`core.data.table.read_table`."""
    try:
        if path.lower().endswith((".xls", ".ods", ".numbers")):
            check_file(path, MAX_FILE_BYTES)
            raise InputError(
                "this spreadsheet format cannot be read; save the sheet as .xlsx or as CSV",
                path=path,
            )
        excel = path.lower().endswith(EXCEL_SUFFIXES)
        if not excel:
            check_file(path, MAX_FILE_BYTES)
            excel = read_head(path, 4) == b"PK\x03\x04"  # a workbook under another name
        if excel:
            text_options = [  # the settings' options are --<name> (core.settings)
                f"--{key} {value}"
                for key in ("delimiter", "encoding", "decimal", "thousands")
                if (value := getattr(options, key)) != "auto"
            ]
            if text_options:
                raise InputError(
                    f"is an Excel workbook: {', '.join(text_options)} applies to text files "
                    "only (a workbook's cells carry their numbers)",
                    path=path,
                )
            from core.data.excel import read_excel

            if path.lower().endswith(EXCEL_SUFFIXES):
                return read_excel(path, options, nrows)
            try:
                table = read_excel(path, options, nrows)
            except InputError as exc:
                if "not an Excel workbook" not in str(exc):
                    raise
                raise InputError(
                    "is not a text file (it is a zip archive, and not an Excel workbook)",
                    path=path,
                ) from None
            note = "read as an Excel workbook (the file is one, whatever its name says)"
            return dataclasses.replace(table, notes=(*table.notes, note))
        if options.sheet:
            raise InputError(
                f"--sheet {options.sheet} applies to Excel workbooks; this is a text file",
                path=path,
            )
        return _read_text(path, options, nrows)
    except InputError:
        raise
    except MemoryError:
        raise InputError("not enough memory to read this file", path=path) from None
    except Exception as exc:  # anything unexpected from bad content becomes an InputError
        raise InputError(
            f"could not read the file ({type(exc).__name__}: {exc})", path=path
        ) from exc


def _read_text(path: str, options: ReadOptions, nrows: int | None) -> Table:
    size = check_file(path, MAX_FILE_BYTES)
    allow_long_fields()
    head = read_head(path, SAMPLE_BYTES)
    while len(head) < size and head.count(b"\n") < 3 and len(head) < MAX_SAMPLE_BYTES:
        head = read_head(path, 4 * len(head))  # lines longer than the sample: read more
    whole = len(head) >= size
    enc = sniff_encoding(head, path, options.encoding)
    text = decode_sample(head, enc, path, whole=whole)
    if not whole and "\n" in text:
        text = text[: text.rindex("\n")]  # the last line of the sample may be cut
    lines = [ln for ln in text.split("\n") if ln.strip(BLANK)][:SNIFF_LINES]
    if not lines:
        raise InputError("no data rows (the file is empty or only has blank lines)", path=path)
    delim = sniff_delimiter(lines) if options.delimiter == "auto" else options.delimiter
    dchar = delimiter_char(delim)
    width0 = len(records(text[: len(lines[0]) * 4 + 4096], dchar, 1)[0])
    recs = records(text, dchar, max(SNIFF_LINES, min(400, SAMPLE_CELLS // max(width0, 1))))

    notes: list[str]
    if options.header == "auto":
        header = detect_header(recs)
        header_desc = "header detected" if header else "no header detected"
    else:
        header = options.header == "yes"
        header_desc = "header (chosen)" if header else "no header (chosen)"
    data = recs[1:] if header else recs
    width = _width(recs, path, enc.codec, dchar, header)
    if header:
        cells = [*recs[0], *[""] * (width - len(recs[0]))]
        names_notes: list[str] = []
        names, unnamed = header_names(cells, names_notes)
    else:
        names, unnamed, names_notes = [f"x{k}" for k in range(1, width + 1)], set(), []
    if width < 2:
        raise InputError(
            "needs at least two columns (features and a target), but found only one column "
            f"(no {describe_delimiter(delim)} delimiter in the first rows; choose the "
            "delimiter with --delimiter)",
            path=path,
        )
    fmt = sniff_numbers(data, names, delim, options)
    sep = THOUSANDS_CHARS.get(fmt.thousands)
    if sep == fmt.decimal or (sep == " " and delim == WHITESPACE) or (sep == dchar != ","):
        raise InputError(
            f"the thousands separator {fmt.thousands!r} cannot be used with decimal mark "
            f"{fmt.decimal!r} and delimiter {describe_delimiter(delim)}",
            path=path,
        )

    linemap = LineMap(path, enc.codec, dchar, header, MAX_FILE_BYTES)
    linemap.rows = nrows
    as_text: set[str] = set()  # columns pandas must not read as numbers (dates like 01.02.2020)
    for _attempt in range(2):
        notes = []
        frame, enc = _pandas(
            path, enc, options, linemap, names, header, delim, fmt, nrows, width, as_text
        )
        truncated = nrows is not None and len(frame) > nrows
        if truncated:
            frame = frame.iloc[:nrows]
        if len(frame) == 0:
            raise InputError(
                "no data rows (only a header row)" if header else "no data rows", path=path
            )
        frame, kept = drop_empty(frame, unnamed, notes, "line")
        if len(frame) == 0:
            raise InputError("no data rows (every line is empty)", path=path)
        linemap.kept = kept
        _check_short_rows(frame, linemap, path, header)

        def cell_text(row: int, col: int) -> str:
            cells = linemap.cells_of_line(linemap[row])
            return cells[col] if col < len(cells) else ""

        frame, columns = finish(
            frame,
            # without a header every column is unnamed; with only two columns the first is
            # the one feature (a trend over 1..m), never a row number to leave out
            unnamed if header or width < 3 else unnamed | {0},
            fmt.decimal,
            fmt.thousands,
            path,
            linemap.__getitem__,
            cell_text,
            notes,
            mixed_marks=delim != ",",
        )
        # a NUL byte makes pandas read its column as text: look for one only then
        texts = any(c.kind == "text" for c in columns)
        if texts and nrows is None and enc.codec in ASCII_COMPATIBLE and _has_nul(path):
            raise InputError("is not a text file (it contains NUL bytes)", path=path)
        if fmt.undecided and delim != "," and not truncated:
            _late_grouping(path, enc, delim, columns)
        more = _contradictions(path, enc, head, delim, fmt, columns, truncated)
        if not more:
            break
        as_text |= more
    blank = _blank_lines(text, whole)
    if blank:
        notes.insert(0, blank)
    empties = [names[k] for k in sorted(unnamed) if k < frame.shape[1]]
    if header and empties:
        names_notes.insert(0, f"empty header names replaced by {', '.join(empties[:10])}")
    summary = (
        f"delimiter {describe_delimiter(delim)}, {header_desc}, {_plural(len(frame), 'row')}, "
        f"{_plural(len(columns), 'column')}, encoding {enc.name}"
    )
    decided = {
        "format": "text",
        "delimiter": delim,
        "encoding": enc.name,
        "header": "yes" if header else "no",
        "decimal": fmt.decimal,
        "thousands": fmt.thousands,
        "sheet": "",
    }
    return Table(
        path=path,
        frame=frame,
        columns=columns,
        decided=decided,
        notes=tuple([summary, *([enc.note] if enc.note else []), *fmt.notes, *names_notes, *notes]),
        warnings=tuple(fmt.warnings),
        truncated=truncated,
        first_line=2 if header else 1,
        lines=linemap,
    )


def _width(recs: list[list[str]], path: str, codec: str, dchar: str, header: bool) -> int:
    """The number of columns: the first record's, or more when the other records of the
    sample only add empty fields (lines ending in ',,,'). A record with more values is
    refused here: pandas would silently cut a first data row longer than the names."""
    width = len(recs[0])
    for rec in recs[1:]:
        if len(rec) > width:
            if any(c.strip() for c in rec[width:]):
                linemap = LineMap(path, codec, dchar, False, MAX_FILE_BYTES)
                line, fields = linemap.first_over(width) or (None, len(rec))
                source = "the header" if header else "the first row"
                raise InputError(
                    f"row has {fields} fields, expected {width} (from {source})",
                    path=path,
                    row=line,
                )
            width = len(rec)
    return width


def _late_grouping(path: str, enc: Encoding, delim: str, columns: Any) -> None:
    """Refuse a number column whose '.' may group thousands in cells after the sample.

    The first rows of a ';' or tab file had no number with a '.' (sizes under 1,000), so
    '.' was taken as the decimal mark; a German export writes '2.909' for 2909 further down.
    Unless the column also has a '.' that cannot group thousands ('2.5'), that cell is read
    one of two ways: stop, naming it, the two readings and the choices.
    """
    dchar = delimiter_char(delim)
    hits = find_cells(path, enc.codec, dchar, cell_pattern(delim, DOT_GROUPED_CELL), MAX_FILE_BYTES)
    first: dict[int, tuple[int, str]] = {}
    for line, col, cell in hits:
        if col < len(columns) and columns[col].kind == "number":
            first.setdefault(col, (line, cell.strip().strip('"').strip()))
    if not first:
        return
    points = find_cells(
        path, enc.codec, dchar, cell_pattern(delim, DECIMAL_POINT_CELL), MAX_FILE_BYTES
    )
    for _line, col, _cell in points:
        first.pop(col, None)
        if not first:
            return
    col, (line, cell) = min(first.items(), key=lambda item: item[1][0])
    plain = cell.replace(".", "")
    raise InputError(
        f"{cell!r} could be {plain} ('.' separating thousands, as German or Spanish "
        f"spreadsheets write) or {float(cell):g} ('.' as the decimal point): the first rows did "
        "not show which. Choose thousands separator '.' (--thousands .) or decimal mark '.' "
        "(--decimal .)",
        path=path,
        row=line,
        column=col + 1,
        column_name=columns[col].name,
    )


def _contradictions(
    path: str, enc: Encoding, head: bytes, delim: str, fmt: Any, columns: Any, truncated: bool
) -> set[str]:
    """Refuse a number cell anywhere in the file that the chosen format would misread
    (InputError naming line, column and the choice); return the number columns whose
    contradicting cells are not numbers at all (dates: 01.02.2020), to be read as text."""
    pattern = contradiction_pattern(delim, fmt.decimal, fmt.thousands)
    if pattern is None:
        return set()
    if delim == ",":
        # without ',' as thousands separator pandas leaves a quoted '1,5' as text (a column
        # with a bad cell): the scan only words the message then, and is skipped when no
        # column is text (the common, fast case)
        texts = any(c.kind == "text" for c in columns)
        if (fmt.thousands != "," and not texts) or not _has_quote(path, enc, head):
            return set()
    as_text: set[str] = set()
    limit = len(head) if truncated else None
    dchar = delimiter_char(delim)
    for line, col, cell in find_cells(path, enc.codec, dchar, pattern, MAX_FILE_BYTES, limit):
        if col >= len(columns) or columns[col].name in as_text:
            continue
        column = columns[col]
        if column.kind == "number" and not looks_numeric(cell.strip('"')):
            as_text.add(column.name)
        elif column.kind == "number" or column.bad_row is not None:
            raise InputError(
                contradiction_message(cell, fmt.decimal, fmt.thousands),
                path=path,
                row=line,
                column=col + 1,
                column_name=column.name,
            )
    return as_text


def _pandas(
    path: str,
    enc: Encoding,
    options: ReadOptions,
    linemap: LineMap,
    names: list[str],
    header: bool,
    delim: str,
    fmt: Any,
    nrows: int | None,
    width: int,
    as_text: set[str],
) -> tuple[Any, Encoding]:
    """The frame pandas reads with these options (re-read as Windows-1252 when the UTF-8
    guessed from the sample turns out wrong), and the encoding used."""
    import pandas as pd

    kwargs: dict[str, Any] = {
        "sep": SEPARATORS[delim],
        "header": 0 if header else None,
        "names": names,
        "index_col": False,
        "decimal": fmt.decimal,
        "thousands": THOUSANDS_CHARS.get(fmt.thousands),
        "na_values": list(MISSING_MARKERS),
        "keep_default_na": False,
        "skip_blank_lines": True,
        "nrows": None if nrows is None else nrows + 1,  # one more tells if there are more
        "engine": "c",
    }
    if as_text:
        kwargs["dtype"] = {name: "str" for name in as_text}
    for attempt in range(2):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # DtypeWarning: mixed columns are typed later
                return pd.read_csv(path, encoding=enc.codec, **kwargs), enc
        except UnicodeDecodeError as exc:
            if attempt or options.encoding != "auto":
                raise InputError(
                    f"is not valid {enc.name} ({exc.reason} at byte {exc.start}); choose the "
                    "encoding (--encoding cp1252 for a Windows export)",
                    path=path,
                ) from None
            enc = cp1252_encoding(read_head(path, 1 << 24))
            linemap.codec = enc.codec
        except pd.errors.EmptyDataError:
            raise InputError("no data rows (the file is empty)", path=path) from None
        except pd.errors.ParserError as exc:
            raise _parser_error(str(exc), path, linemap, width, header) from None
    raise AssertionError("unreachable")


def _parser_error(
    message: str, path: str, linemap: LineMap, width: int, header: bool
) -> InputError:
    """The InputError for a pandas ParserError: the line a text editor shows, and why."""
    found = _FIELDS.search(message)
    source = "the header" if header else "the first row"
    if found:
        expected = int(found.group(1))
        where = linemap.first_over(expected)
        line, fields = where if where else (int(found.group(2)), int(found.group(3)))
        return InputError(
            f"row has {fields} fields, expected {expected} (from {source})", path=path, row=line
        )
    if "EOF inside string" in message:
        start = int(linemap.starts[-1]) if len(linemap.starts) else None
        return InputError(
            "a quoted cell is never closed (is a quote unbalanced?)", path=path, row=start
        )
    return InputError(f"cannot split the file into rows ({message.strip()})", path=path)


def _check_short_rows(frame: Any, linemap: LineMap, path: str, header: bool) -> None:
    """Refuse a row with fewer fields than columns (pandas fills it with missing values)."""
    last = frame.iloc[:, -1].isna().to_numpy()
    if not last.any():
        return
    width = frame.shape[1]
    rows = np.flatnonzero(last)
    records = rows if linemap.kept is None else linemap.kept[rows]
    fields = linemap.counts[records]
    short = np.flatnonzero(fields < width)
    if len(short):
        row = int(rows[short[0]])
        source = "the header" if header else "the first row"
        raise InputError(
            f"row has {int(fields[short[0]])} field{'s' * int(fields[short[0]] != 1)}, expected "
            f"{width} (from {source})",
            path=path,
            row=linemap[row],
        )


def _blank_lines(text: str, whole: bool) -> str:
    """The note on blank lines among the rows (pandas skips them), seen in the sample."""
    lines = text.rstrip(BLANK + "\n").split("\n")
    blank = [k for k, ln in enumerate(lines, 1) if not ln.strip(BLANK)]
    if not blank:
        return ""
    if whole:
        shown = ", ".join(map(str, blank[:5])) + (", ..." if len(blank) > 5 else "")
        return f"skipped {_plural(len(blank), 'blank line')} (line {shown})"
    return f"skipped blank lines (the first: line {blank[0]})"


def _has_nul(path: str) -> bool:
    import mmap

    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        return buf.find(b"\x00") >= 0


def _has_quote(path: str, enc: Encoding, head: bytes) -> bool:
    """Whether the file has a '"' anywhere (a memchr over a memory map, not a copy)."""
    if enc.codec not in ASCII_COMPATIBLE:
        return True
    if b'"' in head:
        return True
    import mmap

    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        return buf.find(b'"') >= 0


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
