"""How numbers are written in a delimited text file: the decimal mark and the thousands separator.

:func:`sniff_numbers` decides them from the cells of the first rows (an en-US export writes
``"2,104"`` and ``399,900.00``; a de-DE one ``2.104`` and ``399.900,00``), and says when a
column's reading is ambiguous. pandas then reads the whole file with them; because pandas
with ``thousands="."`` reads ``2.5`` as 25, :func:`contradiction_pattern` gives a regular
expression that finds, in the whole file, a number cell the chosen format would misread, so
that the reader refuses it instead (see :mod:`core.data.reader`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.data.table_types import ReadOptions

# the thousands setting -> the character (None: no separator)
THOUSANDS_CHARS = {"none": None, ",": ",", ".": ".", "space": " ", "'": "'"}

_EXP = r"(?:[eE][+-]?\d+)?"
COMMA_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d*)?" + _EXP)  # 2,104  1,234.5
DOT_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+")  # 2.104  1.234.567
DE_NUMBER = re.compile(r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+,\d*" + _EXP)  # 399.900,00
DECIMAL_COMMA = re.compile(r"[+-]?(?:\d*,\d+|\d+,)" + _EXP)  # 1,5  -0,25
DECIMAL_POINT = re.compile(r"[+-]?(?:\d*\.\d+|\d+\.)" + _EXP)  # 2.5  0.125
COMMA_THREE = re.compile(r"[+-]?[1-9]\d{0,2}(?:,\d{3})+")  # 2,104: a decimal comma or grouping


@dataclass
class NumberFormat:
    """The decided ``decimal`` ('.' or ',') and ``thousands`` (a setting value: none , . space
    '), the ``notes`` that say why, and ``warnings`` for columns read one of two ways."""

    decimal: str = "."
    thousands: str = "none"
    undecided: bool = False  # nothing in the sample said which mark: '.' by default
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def sniff_numbers(
    rows: Sequence[Sequence[str]], names: Sequence[str], delim: str, options: ReadOptions
) -> NumberFormat:
    """The number format of a file from its first data ``rows`` (cells as split).

    ``delim`` is the delimiter setting. Options that are not "auto" are kept as given.
    """
    fmt = NumberFormat()
    if delim == ",":  # a ',' in a number needs quotes: only cells with one can tell anything
        cells = [(0, c.strip()) for row in rows for c in row if "," in c]
        fmt.decimal = "." if options.decimal == "auto" else options.decimal
        grouped = next((c for _, c in cells if "," in c and COMMA_GROUPED.fullmatch(c)), None)
        if options.thousands != "auto":
            fmt.thousands = options.thousands
        elif grouped is not None and fmt.decimal == ".":
            fmt.thousands = ","
            fmt.notes.append(
                f"quoted numbers with ',' between groups of three digits (e.g. {grouped!r}) "
                "read with ',' as the thousands separator"
            )
        if fmt.decimal == "," and any(DECIMAL_COMMA.fullmatch(c) for _, c in cells):
            fmt.notes.append("decimal commas read as decimal marks (e.g. '1,5' = 1.5)")
        return fmt
    cells = [(j, c.strip()) for row in rows for j, c in enumerate(row) if c and c.strip()]
    return _sniff_other(cells, names, delim, options, fmt)


def _sniff_other(
    cells: list[tuple[int, str]],
    names: Sequence[str],
    delim: str,
    options: ReadOptions,
    fmt: NumberFormat,
) -> NumberFormat:
    """The number format of a ';', tab, '|' or whitespace file (decimal commas possible)."""
    chosen = THOUSANDS_CHARS.get(options.thousands)
    if chosen in (" ", "'"):  # '1 234,5' tells its decimal mark once the groups are joined
        cells = [(j, c.replace(chosen, "")) for j, c in cells]
    comma = next((c for _, c in cells if DECIMAL_COMMA.fullmatch(c) or DE_NUMBER.fullmatch(c)), "")
    point = next(
        (c for _, c in cells if DECIMAL_POINT.fullmatch(c) and not DOT_GROUPED.fullmatch(c)), ""
    )
    en_grouped = next((c for _, c in cells if "." in c and COMMA_GROUPED.fullmatch(c)), "")
    dotted: dict[int, str] = {}  # column -> first '.'-grouped cell ('2.104')
    decimal_point_cols: set[int] = set()
    multi_dot = ""
    for j, c in cells:
        if "." not in c:
            continue
        if DOT_GROUPED.fullmatch(c) or DE_NUMBER.fullmatch(c):
            dotted.setdefault(j, c)
            if c.count(".") > 1 or "," in c:
                multi_dot = multi_dot or c
        elif DECIMAL_POINT.fullmatch(c):
            decimal_point_cols.add(j)
    ambiguous = {j: c for j, c in dotted.items() if j not in decimal_point_cols}
    # '2,104' next to '852': 2.104 with a decimal comma, 2104 with ',' grouping thousands;
    # only a comma that cannot group thousands ('1,5', '399.900,00') settles it
    comma_three: dict[int, str] = {}
    settled_comma = ""
    for j, c in cells:
        if "," not in c:
            continue
        if COMMA_THREE.fullmatch(c):
            comma_three.setdefault(j, c)
        elif DECIMAL_COMMA.fullmatch(c) or DE_NUMBER.fullmatch(c):
            settled_comma = settled_comma or c

    decimal = options.decimal
    if decimal == "auto" and chosen in (",", "."):
        decimal = "." if chosen == "," else ","  # the separator chosen is not the mark
    if decimal == "auto":
        if en_grouped or (point and not comma):
            decimal = "."
        elif comma or multi_dot:
            decimal = ","
        elif ambiguous and options.thousands == ".":
            decimal = ","
        elif ambiguous and options.thousands == "auto":
            decimal = "," if delim == ";" else "."
            _warn_ambiguous(fmt, ambiguous, names, decimal)
        else:
            decimal = "."
            fmt.undecided = not point and options.thousands == "auto"
        if comma and point and not en_grouped:
            fmt.notes.append(
                f"the file has both decimal commas ({comma!r}) and decimal points ({point!r}); "
                f"read with {decimal!r} as the decimal mark (choose --decimal to change it)"
            )
    fmt.decimal = decimal
    if (
        options.decimal == "auto"
        and options.thousands == "auto"
        and decimal == ","
        and comma_three
        and not settled_comma
        and not dotted
    ):
        _warn_comma_ambiguous(fmt, comma_three, names)
    if options.thousands != "auto":
        fmt.thousands = options.thousands
    elif decimal == "," and dotted:
        fmt.thousands = "."
    elif decimal == "." and en_grouped:
        fmt.thousands = ","
    if decimal == "," and comma:
        fmt.notes.append(f"decimal commas read as decimal marks (e.g. {comma!r})")
    if fmt.thousands != "none" and fmt.thousands != options.thousands:
        example = en_grouped if fmt.thousands == "," else next(iter(dotted.values()), "")
        fmt.notes.append(
            f"numbers read with {fmt.thousands!r} as the thousands separator"
            + (f" (e.g. {example!r})" if example else "")
        )
    return fmt


def _warn_ambiguous(
    fmt: NumberFormat, ambiguous: dict[int, str], names: Sequence[str], decimal: str
) -> None:
    """One warning per column whose every '.' is followed by three digits."""
    for j, cell in sorted(ambiguous.items()):
        name = names[j] if j < len(names) else f"x{j + 1}"
        sign = "-" if cell.startswith("-") else ""
        if decimal == ",":
            plain = sign + cell.lstrip("+-").replace(".", "")
            fmt.warnings.append(
                f"{name!r}: {cell!r} read as {plain} ('.' as thousands separator); if '.' is "
                "the decimal point there, choose decimal '.' (--decimal .)"
            )
        else:
            fmt.warnings.append(
                f"{name!r}: {cell!r} read as {float(cell):g} ('.' as decimal point); if '.' "
                "separates thousands there, choose thousands '.' (--thousands .)"
            )


def _warn_comma_ambiguous(fmt: NumberFormat, columns: dict[int, str], names: Sequence[str]) -> None:
    """One warning per column whose every ',' is followed by three digits ('2,104')."""
    for j, cell in sorted(columns.items()):
        name = names[j] if j < len(names) else f"x{j + 1}"
        fmt.warnings.append(
            f"{name!r}: {cell!r} read as {float(cell.replace(',', '.')):g} (',' as decimal "
            f"mark); if ',' separates thousands there ({cell.replace(',', '')}), choose "
            "thousands ',' (--thousands ,)"
        )


# --------------------------------------------------------------------------- whole file


def contradiction_pattern(delim: str, decimal: str, thousands: str) -> str | None:
    """A regular expression matching a whole number cell that ``thousands``/``decimal``
    would misread (pandas drops a thousands character anywhere: '2.5' -> 25), or None when
    the format cannot misread a cell. ``delim`` is the delimiter setting."""
    sep = THOUSANDS_CHARS.get(thousands)
    if delim == ",":
        if decimal != ".":
            return None
        sep = ","  # a quoted '1,5' must never be read as 15 (nor left as text unsaid)
    if sep is None:
        return None
    t, d = re.escape(sep), re.escape(decimal)
    good = rf"[1-9]\d{{0,2}}(?:{t}\d{{3}})+(?:{d}\d*)?{_EXP}"
    bad = rf"[+-]?(?!{good}{_end(delim, delim == ',')})[\d{t}]*{t}[\d{t}]*(?:{d}\d*)?{_EXP}"
    if delim == ",":  # a ',' inside a number is only possible in a quoted cell
        return rf'(?m)(?:^|(?<=,))[ \t]*"[ \t]*{bad}[ \t]*"[ \t]*(?=,|\r|$)'
    return cell_pattern(delim, bad)


def _end(delim: str, quoted: bool) -> str:
    """What may follow a good number inside the lookahead: the end of its cell."""
    if delim == "whitespace":
        return r'"?(?:[ \t]|\r|$)'
    c = re.escape("\t" if delim == "tab" else delim)
    q = '"' if quoted else '"?'
    return rf"[ \t]*{q}[ \t]*(?:{c}|\r|$)"


def cell_pattern(delim: str, number: str) -> str:
    """A regular expression matching a whole cell (quotes and blanks around it allowed) that
    is ``number`` (a pattern), in a file with delimiter setting ``delim`` other than ','."""
    if delim == "whitespace":
        return rf'(?m)(?:^|(?<=[ \t]))"?{number}"?(?=[ \t]|\r|$)'
    c = re.escape("\t" if delim == "tab" else delim)
    return rf'(?m)(?:^|(?<={c}))[ \t]*"?[ \t]*{number}[ \t]*"?[ \t]*(?={c}|\r|$)'


#: a number that '.' may group into thousands (2.909), and one whose '.' cannot (2.5, 0.125)
DOT_GROUPED_CELL = r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+"
DECIMAL_POINT_CELL = r"[+-]?\d*\.(?:\d{1,2}|\d{4,})(?:[eE][+-]?\d+)?"


def contradiction_message(cell: str, decimal: str, thousands: str) -> str:
    """Why a number cell found by :func:`contradiction_pattern` is refused, and the choice."""
    cell = cell.strip().strip('"').strip()
    if thousands == ",":
        return (
            f"{cell!r} has a ',' that does not separate groups of three digits, so ',' cannot "
            "be the thousands separator here; if ',' is the decimal mark, choose decimal ',' "
            "(--decimal ,)"
        )
    if thousands in ("none", ".") and "," in cell:
        return (
            f"{cell!r}: a ',' inside a number in a ',' file; if ',' is the decimal mark, choose "
            "decimal ',' (--decimal ,)"
        )
    shown = {"space": "' '"}.get(thousands, repr(thousands))
    hint = "decimal '.' (--decimal .)" if thousands == "." else "thousands none (--thousands none)"
    return (
        f"{cell!r} does not fit {shown} as the thousands separator (read from the first rows); "
        f"if {shown} is the decimal mark there, choose {hint}"
    )


def number_pattern(decimal: str, thousands: str) -> str:
    """A regular expression for one number cell (stripped) written with this format."""
    sep = THOUSANDS_CHARS.get(thousands)
    d = re.escape(decimal)
    body = r"\d+"
    if sep is not None:
        body = rf"(?:\d{{1,3}}(?:{re.escape(sep)}\d{{3}})+|\d+)"
    return rf"[+-]?(?:{body}(?:{d}\d*)?|{d}\d+){_EXP}"
