"""How a delimited text file is written: its encoding, its delimiter, and what each cell says.

The parts of :mod:`core.data.csvio` that look at text before it is read as numbers: decoding
bytes (byte-order marks, BOM-less UTF-16, Latin-1 fallback), sniffing the delimiter from the
first lines, splitting a line, and reading one cell (numbers, decimal commas, missing-value
markers). Errors name what is wrong; :mod:`core.data.csvio` adds the file, row and column.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterator, Sequence

from core.errors import InputError

# Cell spellings (compared case-insensitively, after stripping) that mean "no value".
MISSING_MARKERS = frozenset(
    {"", "na", "n/a", "#n/a", "nan", "+nan", "-nan", "null", "none", "?", "-"}
)
# A number written with a decimal comma: "1,5", "-0,25", ",5", "1,5e3".
DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+(?:[eE][+-]?\d+)?")
# A number written with commas between groups of three digits: "2,104", "1,234,567.5".
THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?(?:[eE][+-]?\d+)?")
_WS_RUN = re.compile(r"[ \t]+")
# C0/C1 control characters that do not occur in text files (tab, LF, VT, FF, CR allowed).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")

WHITESPACE = "whitespace"  # the "delimiter" that means runs of spaces and tabs
_CANDIDATES = ("\t", ";", ",", WHITESPACE)  # also the tie-break order when sniffing
SNIFF_LINES = 20
_SNIFF_CELLS = 100  # cells per line looked at when scoring how numeric a split is
_SHOW_CHARS = 40
BLOCK_CHARS = 1 << 21  # characters of text split into lines at a time

# --------------------------------------------------------------------------- decoding


def decode_text(raw: bytes, path: str) -> tuple[str, list[str]]:
    """Bytes -> text, plus notes about unusual encodings."""
    notes: list[str] = []
    boms = (
        (b"\xff\xfe\x00\x00", "utf-32", "UTF-32"),
        (b"\x00\x00\xfe\xff", "utf-32", "UTF-32"),
        (b"\xff\xfe", "utf-16", "UTF-16"),
        (b"\xfe\xff", "utf-16", "UTF-16"),
    )
    for bom, codec, label in boms:
        if raw.startswith(bom):
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                raise InputError(
                    f"is not a text file (it starts with a {label} byte-order mark but is not "
                    f"valid {label})",
                    path=path,
                ) from None
            notes.append(f"read as {label}")
            break
    else:
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if b"\x00" in raw:
            utf16 = _bomless_utf16(raw)
            if utf16 is None:
                raise InputError("is not a text file (it contains NUL bytes)", path=path)
            try:
                text = raw.decode(utf16)
            except UnicodeDecodeError:
                raise InputError("is not a text file (it contains NUL bytes)", path=path) from None
            notes.append("read as UTF-16 (no byte-order mark)")
        else:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                try:
                    text = raw.decode("cp1252")
                except UnicodeDecodeError:
                    text = raw.decode("latin-1")
                notes.append("read as Latin-1 (Windows-1252): the file is not valid UTF-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        raise InputError("is not a text file (it contains NUL characters)", path=path)
    sample = text[:65536]
    if sample and len(_CONTROL.findall(sample)) > max(2, len(sample) // 100):
        raise InputError("is not a text file (it is mostly control characters)", path=path)
    return text, notes


def _bomless_utf16(raw: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when NUL bytes are clearly the high bytes of UTF-16 text."""
    head = raw[:8192]
    if len(raw) % 2 or len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    even_nul = even.count(0) / len(even)
    odd_nul = odd.count(0) / len(odd)
    if odd_nul > 0.9 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.9 and odd_nul < 0.05:
        return "utf-16-be"
    return None


# --------------------------------------------------------------------------- cells


class BadCell(Exception):
    """A cell that is not a finite number; ``message`` says why (no file, row or column)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def show_cell(cell: str) -> str:
    """A cell as quoted in a message: stripped, cut to 40 characters."""
    text = cell.strip()
    if len(text) > _SHOW_CHARS:
        text = text[:_SHOW_CHARS] + "…"
    return repr(text)


def cell_value(cell: str, decimal_comma: bool) -> tuple[float, bool]:
    """Parse one cell; return (value, used a decimal comma). Raise BadCell with the reason."""
    s = cell.strip()
    if s.lower() in MISSING_MARKERS:
        raise BadCell("missing value (empty cell)" if not s else f"missing value ({s!r})")
    used_comma = False
    if "_" in s:  # Python's float() reads "1_000" as 1000; a data file should not
        raise BadCell(
            f"non-numeric value {show_cell(cell)} (underscores are not allowed in numbers; "
            "remove them)"
        )
    try:
        v = float(s)
    except ValueError:
        if "," in s and not decimal_comma and THOUSANDS.fullmatch(s):
            plain = s.replace(",", "")
            raise BadCell(
                f"non-numeric value {show_cell(cell)} (it looks like a number with commas as "
                f"thousands separators; remove the separators: {plain})"
            ) from None
        if s.count(".") > 1 and DOT_GROUPED.fullmatch(s):
            plain = s.replace(".", "")
            raise BadCell(
                f"non-numeric value {show_cell(cell)} (it looks like a number with '.' as "
                f"thousands separators; remove the separators: {plain})"
            ) from None
        if "," in s and DECIMAL_COMMA.fullmatch(s):
            if not decimal_comma:
                raise BadCell(
                    f"non-numeric value {show_cell(cell)} (a comma inside a number is ambiguous "
                    "in a comma-delimited file: write a decimal comma as a point "
                    f"({s.replace(',', '.')}), or use ';' or tab as the delimiter)"
                ) from None
            v = float(s.replace(",", "."))
            used_comma = True
        else:
            hint = ""
            if "\n" in s or "\r" in s:
                hint = " (the field spans several lines: is a quote unbalanced?)"
            raise BadCell(f"non-numeric value {show_cell(cell)}{hint}") from None
    if v != v:
        raise BadCell(f"missing value ({s!r})")
    if v in (float("inf"), float("-inf")):
        raise BadCell(f"non-finite value {show_cell(cell)}")
    return v, used_comma


def fix_comma(cell: str) -> str:
    """'1,5' -> '1.5' for a well-formed decimal-comma number; anything else unchanged."""
    s = cell.strip()
    return s.replace(",", ".") if DECIMAL_COMMA.fullmatch(s) else cell


def is_numberish(cell: str, decimal_comma: bool) -> bool | None:
    """True: a number (even inf); None: a missing-value marker; False: text."""
    s = cell.strip()
    if s.lower() in MISSING_MARKERS:
        return None
    try:
        float(s)
    except ValueError:
        return bool(decimal_comma and DECIMAL_COMMA.fullmatch(s))
    return True


# --------------------------------------------------------------------------- splitting


def allow_long_fields(chars: int) -> None:
    """Let the csv module split a field of up to ``chars`` characters (the whole text).

    Its default limit, 131,072 characters, refuses valid files with long lines (a wide row
    split by the wrong delimiter while sniffing, a long quoted cell). The caller already holds
    the text in memory and bounds its size, so the limit adds no memory risk. It is
    process-wide and only ever raised, so reads in other threads are not affected.
    """
    if csv.field_size_limit() < chars + 1:
        csv.field_size_limit(chars + 1)


def split_whitespace(line: str) -> list[str]:
    """The fields of a line separated by runs of spaces and tabs (quotes respected)."""
    s = line.strip()
    if '"' not in s:
        return s.split()
    return next(csv.reader([_WS_RUN.sub(" ", s)], delimiter=" ", skipinitialspace=True), [])


def line_blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number of the first line, lines) for blocks of about BLOCK_CHARS characters.

    ``text`` has only LF line ends; the lines have none.
    """
    n = len(text)
    pos = 0
    lineno = 1
    while pos < n:
        end = text.find("\n", pos + BLOCK_CHARS)
        if end < 0:
            end = n
        lines = text[pos:end].split("\n")
        yield lineno, lines
        lineno += len(lines)
        pos = end + 1


def split_line(line: str, delim: str) -> list[str]:
    """The fields of one line for ``delim`` (or :data:`WHITESPACE`), CSV quoting respected."""
    if delim == WHITESPACE:
        return split_whitespace(line)
    return next(csv.reader([line], delimiter=delim), [])


def describe_delimiter(delim: str) -> str:
    """A delimiter as a note names it: ``tab``, ``whitespace``, ``';'``."""
    return {"\t": "tab", WHITESPACE: "whitespace"}.get(delim, repr(delim))


def sniff_delimiter(lines: Sequence[str]) -> tuple[str, int]:
    """Pick the delimiter for the sample lines; return (delimiter, fields per line)."""
    best: tuple[tuple[float, float, int], str, int] | None = None
    for priority, delim in enumerate(_CANDIDATES):
        rows = [split_line(line, delim) for line in lines]
        counts = [len(r) for r in rows]
        mode, _ = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        agree = sum(c == mode for c in counts) / len(counts)
        body = rows[1:] if len(rows) > 1 else rows
        numeric = total = 0
        for r in body:
            for cell in r[:_SNIFF_CELLS]:
                kind = is_numberish(cell, delim != ",")
                if kind is not None:
                    total += 1
                    numeric += kind
        score = (round(agree, 6), numeric / total if total else 0.0, -priority)
        if best is None or score > best[0]:
            best = (score, delim, mode)
    if best is None:
        return ",", 1
    return best[1], best[2]


# --------------------------------------------------------------------------- decimal marks

# A number that '.' may group into thousands: "1.600", "350.000", "-1.234.567". A leading zero
# ("0.125") is never a thousands group, so such a cell is a decimal point.
DOT_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+")
# Text in which some cell might be DOT_GROUPED: a cheap test of the whole file first.
_DOT_GROUPED_IN_TEXT = re.compile(r"(?<![\d.,])[+-]?[1-9]\d{0,2}(?:\.\d{3})+(?![\d.,eE])")


def may_mix_marks(text: str, delim: str) -> bool:
    """Whether :class:`MarkScan` must look at the cells of this file (False: nothing to find).

    Decimal commas are read only when the delimiter is not ',', so a ',' file cannot mix marks
    and is read with decimal points throughout: a column there whose every value has three
    decimals (millimetres, a price in thousands) is ordinary data, not a false alarm to raise.
    A ';', tab or whitespace file may come from a decimal-comma locale (German, French...
    spreadsheets export ';' or tab), where '.' groups thousands: '350.000' is 350000 there.
    """
    if delim == ",":
        return False
    return bool(_DOT_GROUPED_IN_TEXT.search(text)) or ("," in text and "." in text)


class MarkScan:
    """Which decimal mark each column's cells use, gathered batch by batch (see :meth:`check`).

    Records, per column, the first cell that may be '.'-grouped thousands ('350.000') and
    whether any cell has a '.' that cannot be one ('2.5', '0.125', '1.5e3'); and the first cell
    with a decimal comma and the first with a decimal point, for the note on mixed marks.
    """

    def __init__(self, ncols: int) -> None:
        self.grouped: list[tuple[int, str] | None] = [None] * ncols  # (line, cell)
        self.dot_decimal = [False] * ncols
        self.first_point: tuple[int, int, str] | None = None  # (line, column, cell)
        self.first_comma: tuple[int, int, str] | None = None

    def add(self, rows: Sequence[Sequence[str]], linenos: Sequence[int]) -> None:
        """Look at one batch of records (all cells already read as numbers)."""
        for j in range(len(self.grouped)):
            if self.dot_decimal[j] and self.first_point and self.first_comma:
                continue  # this column can tell nothing more
            for i, rec in enumerate(rows):
                cell = rec[j]
                if "." in cell:
                    s = cell.strip()
                    if DOT_GROUPED.fullmatch(s):
                        if self.grouped[j] is None:
                            self.grouped[j] = (linenos[i], s)
                    elif "," not in s:
                        self.dot_decimal[j] = True
                        if self.first_point is None:
                            self.first_point = (linenos[i], j, s)
                elif "," in cell and self.first_comma is None:
                    s = cell.strip()
                    if DECIMAL_COMMA.fullmatch(s):
                        self.first_comma = (linenos[i], j, s)

    def ambiguous(self) -> tuple[int, int, str] | None:
        """(line, column, cell) of the first cell that may be '.'-grouped thousands, or None.

        A column is ambiguous when every '.' in it is followed by exactly three digits and the
        file is not clearly decimal-point: some other cell uses a decimal comma, or no cell in
        the file has a '.' that cannot group thousands.
        """
        if self.first_point is not None and self.first_comma is None:
            return None  # the file writes decimal points (2.5) and never a decimal comma
        found = [
            (where[0], j, where[1])
            for j, where in enumerate(self.grouped)
            if where is not None and not self.dot_decimal[j]
        ]
        return min(found) if found else None

    def mixed_note(self, names: Sequence[str]) -> str | None:
        """The note for a file with both decimal commas and decimal points, else None."""
        if self.first_point is None or self.first_comma is None:
            return None
        (c_line, c_col, comma), (p_line, p_col, point) = self.first_comma, self.first_point
        return (
            f"the file mixes decimal marks: decimal commas ({comma!r} in row {c_line}, column "
            f"{names[c_col]!r}) and decimal points ({point!r} in row {p_line}, column "
            f"{names[p_col]!r}); both were read as the decimal mark. Check that no '.' there "
            "separates thousands"
        )


def thousands_message(cell: str) -> str:
    """Why a '.'-grouped cell such as '350.000' is refused, and how to fix the file."""
    sign = "-" if cell.startswith("-") else ""
    digits = cell.lstrip("+-")
    as_point = float(cell)
    plain = sign + digits.replace(".", "")
    return (
        f"{cell!r} could be {as_point:g} (decimal point) or {plain} (thousands separator): "
        f"every '.' in this column is followed by three digits. If '.' separates thousands, "
        f"remove the dots ({plain}); if it is the decimal point, save the file with ',' as the "
        f"delimiter or write one value of the column with a fourth decimal ({cell}0)"
    )
