"""Load a numeric CSV (or similar delimited text) file into a :class:`~core.data.datasets.Dataset`.

Pure standard library plus NumPy; never imports Qt.  The one public function is
:func:`load_csv`; how the text is decoded, split and its cells read is in
:mod:`core.data.sniff`.  Everything a user can get wrong in a file is reported as
:class:`~core.errors.InputError` naming the file, the 1-based row (the physical line number a
text editor shows) and the 1-based column with its header name.
"""

from __future__ import annotations

import csv
import itertools
import operator
import os
import re
from collections import Counter
from collections.abc import Iterator

import numpy as np

from core.data.datasets import Dataset
from core.data.filebytes import read_bytes
from core.data.sniff import (
    SNIFF_LINES,
    WHITESPACE,
    BadCell,
    MarkScan,
    allow_long_fields,
    cell_value,
    decode_text,
    describe_delimiter,
    fix_comma,
    is_numberish,
    line_blocks,
    may_mix_marks,
    show_cell,
    sniff_delimiter,
    split_line,
    split_whitespace,
    thousands_message,
)
from core.errors import InputError

__all__ = ["MAX_FILE_BYTES", "load_csv"]

#: Files larger than this are refused (the whole file is read into memory).
MAX_FILE_BYTES = 2 * 1024**3

_LINE_BREAK = re.compile(r"\s*\n\s*")
_CHUNK_CELLS = 1 << 20  # cells converted to float at a time (bounds the memory of strings)


def load_csv(
    path: str | os.PathLike[str],
    target: str | int | None = None,
    header: bool | None = None,
) -> Dataset:
    """Read a delimited numeric text file; return its features ``X`` and target ``y``.

    **Encoding.** UTF-8 with or without a byte-order mark, UTF-16/UTF-32 with a BOM (and
    BOM-less UTF-16 that is clearly recognisable); bytes that are not valid UTF-8 are read as
    Latin-1 (Windows-1252 where it applies) and a note says so.  Files with NUL bytes or many
    control characters are refused as "not a text file".  Files over :data:`MAX_FILE_BYTES`
    are refused.

    **Lines.** LF, CRLF and CR line ends.  Blank and whitespace-only lines are skipped; row
    numbers in errors are always the physical line numbers of the file.

    **Delimiter.** Sniffed from the first non-blank lines: tab, ``;``, ``,`` or runs of
    spaces/tabs.  Quoted fields follow the usual CSV rules (``"1,5"`` is one field).  When the
    delimiter is not a comma, decimal commas (``1,5``) are accepted and a note says so; in a
    comma-delimited file a comma inside a number is ambiguous and is reported as an error.
    Whitespace around cells is ignored.  A delimiter at the end of every line is ignored.

    **Header.** ``header=None`` detects one: the first non-blank row is a header when some
    cell in it is neither a number nor a missing-value marker.  ``header=True`` forces the
    first row to be a header, ``header=False`` forces no header; without a header the
    features are named ``x1..xn`` (in feature order) and the target ``y``.  Header names are
    stripped, and a line break inside a quoted name becomes a space.  An empty header name
    becomes ``x{k}`` (``k`` = 1-based column number).  Duplicate names are not an error: the
    second and later copies get a suffix ``_2``, ``_3``, ... (skipping names already taken)
    and a note lists them.

    **Target.** ``None``: the last column.  A ``str``: the exact header name (stripped as a
    fallback); when no column has that name and the string is an integer such as ``"3"`` or
    ``"-1"``, it is used as an index.  An ``int``: 0-based column index, negative counting
    from the end as in Python.  The features are the other columns, in file order.

    **Numbers.** Python ``float`` syntax (a leading ``+`` is allowed).  Empty cells and
    ``NA``, ``N/A``, ``NaN``, ``null``, ``None``, ``?``, ``-`` are "missing value" errors;
    ``inf``, ``-inf``, ``Infinity`` and overflowing numbers like ``1e999`` are "non-finite
    value" errors; anything else unreadable is a "non-numeric value" error quoting the cell
    (up to 40 characters); a row with the wrong number of fields is an error too.  In a file
    that is not comma-delimited, a column whose every '.' is followed by three digits
    ('350.000') is refused unless the file clearly writes decimal points (some '2.5', no
    decimal comma): '.' may group thousands there.  A note says when a file mixes decimal
    commas and decimal points.

    Returns a :class:`Dataset` with ``X`` float64 (m, n) C-contiguous, ``y`` float64 (m,),
    ``source`` and ``path`` set to ``str(path)``, and ``notes`` whose first entry says how the
    file was read, e.g. ``"delimiter ';', header detected, target 'price' (column 5 of 5),
    120 rows, 4 features"``.

    Raises :class:`InputError` for every problem with the file (missing, unreadable, not
    text, malformed content) and for a target that does not name or index a column;
    ``TypeError`` for arguments of the wrong type.
    """
    if target is not None and not isinstance(target, str):
        if isinstance(target, bool):
            raise TypeError("target must be a column name, a column index or None, not a bool")
        try:
            target = operator.index(target)
        except TypeError:
            raise TypeError(
                f"target must be a column name, a column index or None, not {type(target)!r}"
            ) from None
    if header is not None and not isinstance(header, bool | np.bool_):
        raise TypeError(f"header must be True, False or None, not {header!r}")

    spath = os.fsdecode(path)
    raw = read_bytes(spath, MAX_FILE_BYTES)
    try:
        return _Loader(spath, raw, target, None if header is None else bool(header)).load()
    except InputError:
        raise
    except MemoryError:
        raise InputError("not enough memory to load this file", path=spath) from None
    except Exception as exc:  # anything unexpected from bad content becomes an InputError
        raise InputError(
            f"could not read the file ({type(exc).__name__}: {exc})", path=spath
        ) from exc


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --------------------------------------------------------------------------- the loader


class _NeedCsv(Exception):
    """A quoted field may span lines: read the file with the csv module instead."""


class _Loader:
    def __init__(self, path: str, raw: bytes, target: str | int | None, header: bool | None):
        self.path = path
        self.raw = raw
        self.target = target
        self.header = header
        self.notes: list[str] = []
        self.names: list[str] = []  # one per column, for error messages
        self.used_decimal_comma = False
        self.underscores = False
        self.marks: MarkScan | None = None  # set when the file may mix decimal marks

    def err(self, message: str, row: int | None = None, col: int | None = None) -> InputError:
        name = self.names[col] if col is not None and col < len(self.names) else None
        return InputError(
            message,
            path=self.path,
            row=row,
            column=None if col is None else col + 1,
            column_name=name,
        )

    # records -----------------------------------------------------------------------------

    def _fast_batches(self, text: str, delim: str) -> Iterator[tuple[list[int], list[list[str]]]]:
        """(line numbers, fields) of the non-blank lines, one block of text at a time.

        Every line is one record; lines with quotes are split by the csv module.  A line with
        an odd number of quotes may start a field that spans lines: raise _NeedCsv.
        """
        for base, lines in line_blocks(text):
            if delim == WHITESPACE:
                if any('"' in line for line in lines):
                    recs = [split_whitespace(line) for line in lines]
                else:
                    recs = [line.split() for line in lines]
                keep = [i for i, rec in enumerate(recs) if rec]
            else:
                keep = [i for i, line in enumerate(lines) if line and not line.isspace()]
                if len(keep) < len(lines):
                    lines = [lines[i] for i in keep]
                if any('"' in line for line in lines):
                    if any(line.count('"') % 2 for line in lines):
                        raise _NeedCsv
                    recs = [
                        split_line(line, delim) if '"' in line else line.split(delim)
                        for line in lines
                    ]
                else:
                    recs = [line.split(delim) for line in lines]
            if delim == WHITESPACE and len(keep) < len(recs):
                recs = [recs[i] for i in keep]
            yield [base + i for i in keep], recs

    def _csv_batches(self, text: str, delim: str) -> Iterator[tuple[list[int], list[list[str]]]]:
        """(first line numbers, fields) of the non-blank records, read by the csv module."""
        lines = (line + "\n" for _, block in line_blocks(text) for line in block)
        reader = csv.reader(lines, delimiter=delim)
        blank_ok = delim.isspace()
        linenos: list[int] = []
        recs: list[list[str]] = []
        cells = 0
        prev = 0
        try:
            for rec in reader:
                start, prev = prev + 1, reader.line_num
                if not rec or ((len(rec) == 1 or blank_ok) and not any(c.strip() for c in rec)):
                    continue
                linenos.append(start)
                recs.append(rec)
                cells += len(rec)
                if cells >= _CHUNK_CELLS:
                    yield linenos, recs
                    linenos, recs, cells = [], [], 0
        except csv.Error as exc:
            raise self.err(f"cannot split the line ({exc})", prev + 1) from None
        if recs:
            yield linenos, recs

    # main --------------------------------------------------------------------------------

    def load(self) -> Dataset:
        text, enc_notes = decode_text(self.raw, self.path)
        self.raw = b""
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        allow_long_fields(min(len(text), MAX_FILE_BYTES))

        sample: list[str] = []
        for _, lines in line_blocks(text):
            sample.extend(line for line in lines if line and not line.isspace())
            if len(sample) >= SNIFF_LINES:
                break
        del sample[SNIFF_LINES:]
        if not sample:
            raise self.err("no data rows (the file is empty or only has blank lines)")
        delim, _ = sniff_delimiter(sample)
        trailing = delim != WHITESPACE and all(line.rstrip(" ").endswith(delim) for line in sample)

        try:
            return self._parse(text, delim, trailing, enc_notes, fast=True)
        except _NeedCsv:
            return self._parse(text, delim, trailing, enc_notes, fast=False)

    def _parse(
        self, text: str, delim: str, trailing: bool, enc_notes: list[str], *, fast: bool
    ) -> Dataset:
        self.notes = []
        self.names = []
        self.used_decimal_comma = False
        self.underscores = "_" in text
        decimal_comma = delim != ","
        batches = self._fast_batches(text, delim) if fast else self._csv_batches(text, delim)

        first_batch: tuple[list[int], list[list[str]]] = ([], [])
        for first_batch in batches:
            if first_batch[1]:
                break
        if not first_batch[1]:
            raise self.err("no data rows (the file is empty or only has blank lines)")
        first_line, first = first_batch[0][0], first_batch[1][0]
        if trailing and len(first) > 1 and not first[-1].strip():
            first.pop()
        ncols = len(first)
        if ncols < 2:
            raise self.err(
                "needs at least two columns (features and a target), but found only one "
                f"column (no comma, semicolon, tab or space delimiter in row {first_line})"
            )

        if self.header is None:
            has_header = any(is_numberish(c, decimal_comma) is False for c in first)
            header_desc = "header detected" if has_header else "no header detected"
        else:
            has_header = self.header
            header_desc = "header (forced)" if has_header else "no header (forced)"
        if has_header:
            self.names = self._header_names(first)
            where = "the header"
            first_batch = (first_batch[0][1:], first_batch[1][1:])
        else:
            where = "the first row"
        t = self._target_index(ncols, has_header)
        if not has_header:
            self.names = [f"x{k}" for k in range(1, ncols)]
            self.names.insert(t, "y")
        self.marks = MarkScan(ncols) if may_mix_marks(text, delim) else None

        blocks: list[np.ndarray] = []
        for linenos, recs in itertools.chain([first_batch], batches):
            if recs:
                blocks.append(self._take(linenos, recs, ncols, trailing, decimal_comma, where))
        del text
        if not blocks:
            raise self.err("no data rows (only a header row)" if has_header else "no data rows")
        mixed = self._check_marks()

        data = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
        del blocks
        y = np.ascontiguousarray(data[:, t], dtype=np.float64)
        X = np.ascontiguousarray(np.delete(data, t, axis=1), dtype=np.float64)
        del data
        feature_names = tuple(n for k, n in enumerate(self.names) if k != t)
        target_name = self.names[t]

        main = (
            f"delimiter {describe_delimiter(delim)}, {header_desc}, target {target_name!r} "
            f"(column {t + 1} of {ncols}), {_plural(X.shape[0], 'row')}, "
            f"{_plural(X.shape[1], 'feature')}"
        )
        notes = [main, *enc_notes, *self.notes]
        if self.used_decimal_comma:
            notes.append("decimal commas read as decimal points (e.g. '1,5' = 1.5)")
        if mixed:
            notes.append(mixed)
        if trailing:
            notes.append(f"ignored the {describe_delimiter(delim)} at the end of every line")
        return Dataset(
            X=X,
            y=y,
            feature_names=feature_names,
            target_name=target_name,
            source=self.path,
            path=self.path,
            notes=tuple(notes),
        )

    def _take(
        self,
        linenos: list[int],
        recs: list[list[str]],
        ncols: int,
        trailing: bool,
        decimal_comma: bool,
        where: str,
    ) -> np.ndarray:
        """Check the field counts of a batch of records and convert it to floats."""
        if trailing:
            for rec in recs:
                if len(rec) == ncols + 1 and not rec[-1].strip():
                    rec.pop()
        if len(set(map(len, recs))) != 1 or len(recs[0]) != ncols:
            k = next(i for i, rec in enumerate(recs) if len(rec) != ncols)
            if k:
                self._convert(recs[:k], linenos[:k], decimal_comma)
            hint = ""
            if any("\n" in cell for cell in recs[k]):
                hint = "; a quoted field runs over several lines: is a quote unbalanced?"
            raise self.err(
                f"row has {len(recs[k])} fields, expected {ncols} (from {where}){hint}",
                linenos[k],
            )
        block = self._convert(recs, linenos, decimal_comma)
        if self.marks is not None:
            self.marks.add(recs, linenos)
        return block

    def _check_marks(self) -> str | None:
        """Refuse a column that may be '.'-grouped thousands; the note on mixed marks, if any."""
        if self.marks is None:
            return None
        found = self.marks.ambiguous()
        if found is not None:
            line, col, cell = found
            raise self.err(thousands_message(cell), line, col)
        return self.marks.mixed_note(self.names)

    def _header_names(self, cells: list[str]) -> list[str]:
        names: list[str] = []
        empties: list[str] = []
        for k, cell in enumerate(cells, 1):
            name = _LINE_BREAK.sub(" ", cell.strip())
            if not name:
                name = f"x{k}"
                empties.append(name)
            names.append(name)
        if empties:
            self.notes.append(f"empty header names replaced by {', '.join(empties)}")
        seen = set(names)
        counts: Counter[str] = Counter()
        renamed: list[str] = []
        for k, name in enumerate(names):
            counts[name] += 1
            if counts[name] == 1:
                continue
            i = counts[name]
            while f"{name}_{i}" in seen:
                i += 1
            new = f"{name}_{i}"
            seen.add(new)
            renamed.append(f"{name!r} (column {k + 1}) -> {new!r}")
            names[k] = new
        if renamed:
            shown = ", ".join(renamed[:10]) + (", ..." if len(renamed) > 10 else "")
            self.notes.append(f"duplicate column names renamed: {shown}")
        return names

    def _target_index(self, ncols: int, has_header: bool) -> int:
        target = self.target
        if target is None:
            return ncols - 1
        if isinstance(target, str):
            if has_header:
                for candidate in (target, target.strip()):
                    if candidate in self.names:
                        return self.names.index(candidate)
            if re.fullmatch(r"[+-]?\d+", target.strip()):
                return self._check_index(int(target.strip()), ncols)
            if not has_header:
                raise self.err(
                    f"target {target!r} is given by name, but the file has no header row; "
                    f"give the target as a column index (0..{ncols - 1}) instead"
                )
            shown = ", ".join(repr(n) for n in self.names[:30])
            if len(self.names) > 30:
                shown += f", ... ({len(self.names)} columns)"
            raise self.err(f"no column named {target!r}; the columns are: {shown}")
        return self._check_index(target, ncols)

    def _check_index(self, index: int, ncols: int) -> int:
        if -ncols <= index < ncols:
            return index % ncols
        raise self.err(
            f"target column index {index} is out of range: the file has {ncols} columns "
            f"(indexes 0..{ncols - 1}, or -{ncols}..-1 from the end)"
        )

    def _convert(
        self, rows: list[list[str]], linenos: list[int], decimal_comma: bool
    ) -> np.ndarray:
        """Strings -> float64 block; on any problem, find and report the first bad cell."""
        block = None
        # NumPy, like float(), reads "1_000" as 1000: such cells go the slow way (refused there)
        fast = not (self.underscores and any("_" in c for rec in rows for c in rec))
        if fast:
            try:
                block = np.array(rows, dtype=np.float64)
            except (ValueError, TypeError, OverflowError):
                block = None
        if fast and block is None and decimal_comma:
            try:
                fixed = [[fix_comma(c) if "," in c else c for c in rec] for rec in rows]
                block = np.array(fixed, dtype=np.float64)
                self.used_decimal_comma = True
            except (ValueError, TypeError, OverflowError):
                block = None
        if block is not None and block.shape == (len(rows), len(rows[0])):
            finite = np.isfinite(block)
            if finite.all():
                return block
            i, j = (int(v) for v in np.argwhere(~finite)[0])
            try:
                cell_value(rows[i][j], decimal_comma)
            except BadCell as bad:
                raise self.err(bad.message, linenos[i], j) from None
            raise self.err(f"non-finite value {show_cell(rows[i][j])}", linenos[i], j)
        # Slow path: cell by cell, reporting the first problem in file order.
        out = np.empty((len(rows), len(rows[0])), dtype=np.float64)
        for i, rec in enumerate(rows):
            for j, cell in enumerate(rec):
                try:
                    out[i, j], used = cell_value(cell, decimal_comma)
                except BadCell as bad:
                    raise self.err(bad.message, linenos[i], j) from None
                if used:
                    self.used_decimal_comma = True
        return out
