"""Why a text column may really be numbers: the hint a user needs before it is left out.

A column whose cells are numbers written another way ('1,5' in a file read with a decimal
point, '2 104' or '2'104' grouped thousands, '$300', '5%') is text to the reader. Leaving it
out with "it is text" hides the cause; :func:`numbers_hint` names the way the cells are
written and the choice that reads them. Dates are named as dates (no choice reads them as a
number).
"""

from __future__ import annotations

import re
from typing import Any

from core.data.formats import COMMA_GROUPED, DE_NUMBER, DECIMAL_COMMA, DECIMAL_POINT, DOT_GROUPED

_SAMPLE = 500  # present cells looked at
_EXP = r"(?:[eE][+-]?\d+)?"
# (patterns of a whole cell, how the cells are written, what reads them); the number
# formats' own patterns (core.data.formats) where the reader has them
_WAYS: tuple[tuple[tuple[re.Pattern[str], ...], str, str], ...] = (
    (
        (re.compile(r"[+-]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?"),),
        "with spaces between groups of three digits",
        "choose thousands separator space (--thousands space)",
    ),
    (
        (re.compile(r"[+-]?\d{1,3}(?:'\d{3})+(?:[.,]\d+)?"),),
        "with apostrophes between groups of three digits",
        "choose thousands separator apostrophe (--thousands ')",
    ),
    (
        (COMMA_GROUPED,),
        "with ',' between groups of three digits",
        "choose thousands separator ',' (--thousands ,)",
    ),
    (
        (DOT_GROUPED, DE_NUMBER),
        "with '.' between groups of three digits",
        "choose thousands separator '.' (--thousands .)",
    ),
    (
        (DECIMAL_COMMA,),
        "with ',' as the decimal mark",
        "choose decimal mark ',' (--decimal ,)",
    ),
    (
        (DECIMAL_POINT,),
        "with '.' as the decimal mark",
        "choose decimal mark '.' (--decimal .)",
    ),
    (
        (re.compile(r"[\u2212\u2013]\d*(?:[.,]\d+)?" + _EXP),),
        "with a typographic minus sign '\u2212' (from a web page or a word processor)",
        "replace it by the hyphen-minus '-' in the file",
    ),
)
_DATE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
_SYMBOLS = re.compile(r"^[$€£¥]\s*|\s*(?:%|[$€£¥])$")


def numbers_hint(series: Any) -> tuple[str, bool]:
    """``(hint, is_numbers)`` for a text column (a pandas Series of strings with NA).

    ``hint`` says how most of its cells are written, e.g. "its cells are numbers written
    with ',' as the decimal mark (e.g. '1,5'); to read them, choose decimal mark ','
    (--decimal ,)", or "" when they are not numbers at all; ``is_numbers`` is True when a
    choice or an edit of the file would make them numbers (dates: False, with a hint).
    """
    present = series.dropna()
    if present.empty:
        return "", False
    cells = [str(c).strip() for c in present.iloc[:_SAMPLE]]
    half = (len(cells) + 1) // 2
    for patterns, written, choice in _WAYS:
        hits = [c for c in cells if _written(c, patterns)]
        if len(hits) >= half:
            return (
                f"its cells are numbers written {written} (e.g. {hits[0]!r}); to read them, "
                f"{choice}",
                True,
            )
    marked = [c for c in cells if _SYMBOLS.search(c) and _plain(_SYMBOLS.sub("", c))]
    if len(marked) >= half:
        return (
            f"its cells are numbers with a currency sign or % (e.g. {marked[0]!r}); save the "
            "column as plain numbers to use it",
            True,
        )
    dates = [c for c in cells if _DATE.fullmatch(c)]
    if len(dates) >= half:
        return f"its cells are dates (e.g. {dates[0]!r}), not numbers", False
    return "", False


def cell_hint(cell: str) -> str:
    """How one cell is written when it is a number written another way, and the choice
    that reads it ("written with ',' between groups of three digits; to read it, choose
    thousands separator ',' (--thousands ,)"); "" otherwise."""
    text = cell.strip()
    for patterns, written, choice in _WAYS:
        if _written(text, patterns):
            return f"written {written}; to read it, {choice}"
    return ""


def _written(cell: str, patterns: tuple[re.Pattern[str], ...]) -> bool:
    return any(p.fullmatch(cell) for p in patterns)


def _plain(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True
