"""How a delimited text file is written, judged from a sample of its first bytes.

Decoding the sample (byte-order marks, BOM-less UTF-16, Windows-1252 fallback), sniffing the
delimiter from the first lines, splitting a line into cells, and telling numbers from text in
a cell (for header detection). pandas reads the whole file with what is decided here
(:mod:`core.data.reader`); nothing here looks beyond the sample.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from core.errors import InputError

# Cell spellings that mean "no value" (pandas ``na_values``; compared exactly, so the usual
# capitalisations are listed).
_MISSING_WORDS = ("NA", "N/A", "#N/A", "NaN", "nan", "null", "None", "?", "-", "")
MISSING_MARKERS = tuple(
    sorted(
        {w for word in _MISSING_WORDS for w in (word, word.lower(), word.upper())}
        | {"+nan", "-nan", "NULL", "#NA", "n/a"}
    )
)
_MISSING_LOWER = frozenset(m.lower() for m in MISSING_MARKERS)

# A number in any format the reader supports (for header detection only): plain, decimal
# comma, grouped with ',', '.', ' ' or "'".
_ANY_NUMBER = re.compile(
    r"[+-]?(?:\d{1,3}(?:[,.' ]\d{3})+(?:[.,]\d*)?|\d*[.,]?\d+|\d+[.,])(?:[eE][+-]?\d+)?"
)
_FLOAT_WORDS = frozenset({"inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"})
_WS_RUN = re.compile(r"[ \t]+")
BLANK = " \t\r"  # what pandas' parser counts as blank on a line (not NEL, NBSP...)
# C0/C1 control characters that do not occur in text files (tab, LF, VT, FF, CR allowed).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")

WHITESPACE = "whitespace"  # the "delimiter" that means runs of spaces and tabs
# the delimiter options (core.settings) -> the character pandas gets
SEPARATORS = {",": ",", ";": ";", "tab": "\t", "|": "|", WHITESPACE: r"\s+"}
_CANDIDATES = ("\t", ";", ",", "|", WHITESPACE)  # also the tie-break order when sniffing
SNIFF_LINES = 20
_SNIFF_CELLS = 100  # cells per line looked at when scoring how numeric a split is

# --------------------------------------------------------------------------- decoding


@dataclass(frozen=True)
class Encoding:
    """How the file's bytes are decoded: ``codec`` for pandas/Python, ``name`` as the
    ``encoding`` setting names it (utf-8, utf-16, cp1252; utf-32 too), ``note`` or ""."""

    codec: str
    name: str
    note: str = ""


_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32", "utf-32", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32", "utf-32", "UTF-32"),
    (b"\xff\xfe", "utf-16", "utf-16", "UTF-16"),
    (b"\xfe\xff", "utf-16", "utf-16", "UTF-16"),
)


def sniff_encoding(raw: bytes, path: str, forced: str = "auto") -> Encoding:
    """The encoding of a file whose first bytes are ``raw`` (``forced``: the setting).

    Raises InputError "is not a text file" for NUL bytes that are not UTF-16/32.
    """
    for bom, codec, name, label in _BOMS:
        if raw.startswith(bom):
            if forced not in ("auto", name):
                break
            return Encoding(codec, name, f"read as {label}")
    if forced == "cp1252":
        return Encoding("cp1252", "cp1252")
    if b"\x00" in raw:
        utf16 = _bomless_utf16(raw)
        if utf16 is None:
            raise InputError(not_text(raw), path=path)
        return Encoding(utf16, "utf-16", "read as UTF-16 (no byte-order mark)")
    if forced == "utf-16":
        return Encoding("utf-16-le", "utf-16", "read as UTF-16 (no byte-order mark)")
    if forced == "utf-8" or _valid_utf8(raw):
        return Encoding("utf-8-sig", "utf-8")
    return cp1252_encoding(raw)


def cp1252_encoding(raw: bytes) -> Encoding:
    """Windows-1252 (Latin-1 where a byte is undefined in it), with the note that says so."""
    note = "read as Windows-1252 (Western European): the file is not valid UTF-8"
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        return Encoding("latin-1", "cp1252", note)
    return Encoding("cp1252", "cp1252", note)


def _valid_utf8(raw: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(raw, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _bomless_utf16(raw: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when NUL bytes are clearly the high bytes of UTF-16 text."""
    head = raw[:8192]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    even_nul = even.count(0) / len(even)
    odd_nul = odd.count(0) / len(odd)
    if odd_nul > 0.9 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.9 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def decode_sample(raw: bytes, encoding: Encoding, path: str, *, whole: bool) -> str:
    """The sample ``raw`` as text with LF line ends (a cut character at its end dropped
    unless ``whole``). InputError "is not a text file" for control characters."""
    decoder = codecs.getincrementaldecoder(encoding.codec)(errors="replace")
    text = decoder.decode(raw, final=whole)
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        raise InputError("is not a text file (it contains NUL characters)", path=path)
    head = text[:65536]
    if head and len(_CONTROL.findall(head)) > max(2, len(head) // 100):
        raise InputError("is not a text file (it is mostly control characters)", path=path)
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --------------------------------------------------------------------------- cells


def is_missing(cell: str) -> bool:
    """Whether a cell spells "no value" (empty, NA, ?, ...)."""
    return cell.strip().lower() in _MISSING_LOWER


def looks_numeric(cell: str) -> bool:
    """Whether a cell is a number in any supported format, or a missing-value marker."""
    s = cell.strip()
    return (
        s.lower() in _MISSING_LOWER
        or s.lower() in _FLOAT_WORDS
        or bool(_ANY_NUMBER.fullmatch(s.replace("_", "x")))
    )


def detect_header(recs: Sequence[Sequence[str]]) -> bool:
    """Whether the first of the sample records is a header row.

    Each column votes: a first cell that is not a number above cells that mostly are says
    "header"; a number above numbers says "data"; a text column says nothing (a car's name
    in the first row of a file without header). With no vote either way, a first row of
    text cells only is a header.
    """
    first, body = recs[0], recs[1 : 1 + 200]
    votes = 0
    for j, cell in enumerate(first):
        column = [r[j] for r in body if j < len(r) and not is_missing(r[j])]
        numeric = sum(map(looks_numeric, column))
        if not column or 2 * numeric < len(column) or not cell.strip():
            continue  # a text or empty column, or no first cell: no vote
        votes += -1 if looks_numeric(cell) else 1
    if votes:
        return votes > 0
    return all(c.strip() and not looks_numeric(c) for c in first)


def split_whitespace(line: str) -> list[str]:
    """The fields of a line separated by runs of spaces and tabs (quotes respected)."""
    s = line.strip(BLANK)
    if '"' not in s:
        return _WS_RUN.split(s) if s else []
    return next(csv.reader([_WS_RUN.sub(" ", s)], delimiter=" ", skipinitialspace=True), [])


def allow_long_fields() -> None:
    """Let the csv module split fields longer than its default 131,072 characters.

    The sample and the line map split lines of wide files (17,000+ columns) and long quoted
    cells; the text is already in memory and bounded in size, so the limit adds no safety.
    It is process-wide and only ever raised.
    """
    if csv.field_size_limit() < 2**31 - 1:
        csv.field_size_limit(2**31 - 1)


def split_line(line: str, delim: str) -> list[str]:
    """The fields of one line for ``delim`` (a character or :data:`WHITESPACE`)."""
    if delim == WHITESPACE:
        return split_whitespace(line)
    return next(csv.reader([line], delimiter=delim), [])


def records(text: str, delim: str, limit: int) -> list[list[str]]:
    """The first ``limit`` non-blank records of ``text`` (quoted fields may span lines)."""
    out: list[list[str]] = []
    if delim == WHITESPACE:
        for line in text.split("\n"):
            if line.strip(BLANK):
                out.append(split_whitespace(line))
                if len(out) >= limit:
                    break
        return out
    reader = csv.reader((ln + "\n" for ln in text.split("\n")), delimiter=delim)
    try:
        for rec in reader:
            if len(rec) > 1 or (rec and rec[0].strip(BLANK)):
                out.append(rec)
                if len(out) >= limit:
                    break
    except csv.Error:
        pass
    return out


def describe_delimiter(delim: str) -> str:
    """A delimiter as a note names it: ``tab``, ``whitespace``, ``';'``."""
    return {"\t": "tab", "tab": "tab", WHITESPACE: "whitespace"}.get(delim, repr(delim))


def sniff_delimiter(lines: Sequence[str]) -> str:
    """The delimiter setting (``,`` ``;`` ``tab`` ``|`` ``whitespace``) for sample lines."""
    best: tuple[tuple[float, float, int], str] | None = None
    for priority, delim in enumerate(_CANDIDATES):
        rows = [split_line(line, delim) for line in lines]
        counts = [len(r) for r in rows]
        mode, _ = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        agree = sum(c == mode for c in counts) / len(counts)
        numeric = total = 0
        for r in rows[1:] if len(rows) > 1 else rows:
            for cell in r[:_SNIFF_CELLS]:
                if not is_missing(cell):
                    total += 1
                    numeric += looks_numeric(cell) and (delim != "," or "," not in cell)
        score = (round(agree, 6), numeric / total if total else 0.0, -priority)
        if best is None or score > best[0]:
            best = (score, delim)
    if best is None:
        return ","
    return "tab" if best[1] == "\t" else best[1]


def delimiter_char(delim: str) -> str:
    """The character of a delimiter setting (``tab`` -> a tab; whitespace stays a name)."""
    return "\t" if delim == "tab" else delim


#: The first bytes of the binary formats the dask engine reads.
_BINARY_TABLES = ((b"PAR1", "a Parquet file"), (b"\x93NUMPY", "a NumPy .npy file"))


def not_text(raw: bytes) -> str:
    """The message for a file that is not text (``raw``: its first bytes): a Parquet or
    .npy file is named, with the engine that reads it."""
    for magic, what in _BINARY_TABLES:
        if raw.startswith(magic):
            return (
                f"is {what}, not a text table: read it with --engine dask "
                "(pip install 'gd-explorer[cluster]')"
            )
    return "is not a text file (it contains NUL bytes)"
