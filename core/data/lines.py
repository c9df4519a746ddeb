"""Where a data row or a cell of a delimited text file is: the line a text editor shows.

pandas numbers rows, not lines: blank lines, a header spanning lines or a quoted cell with a
line break make the two differ. :class:`LineMap` finds each row's line by scanning the file
once, only when a message needs it (never on the fast path); :func:`find_cells` finds the
cells a regular expression matches in the whole file without loading it (mmap).
"""

from __future__ import annotations

import codecs
import csv
import mmap
import re
from collections.abc import Iterator
from typing import Any

import numpy as np

from core.data.filebytes import read_bytes, read_head
from core.data.sniff import BLANK, WHITESPACE, split_line, split_whitespace

# codecs in which every ASCII character is one byte of the same value: bytes regexes work
ASCII_COMPATIBLE = ("utf-8", "utf-8-sig", "cp1252", "latin-1")


def file_text(path: str, codec: str, max_bytes: int) -> str:
    """The whole file decoded with ``codec`` (bad bytes replaced), LF line ends."""
    text = read_bytes(path, max_bytes).decode(codec, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


class LineMap:
    """The 1-based line of each data row (and its field count), computed on first use.

    ``delim`` is the delimiter character or :data:`WHITESPACE`; ``header``: the first
    record is the header; ``kept``: for each row of the table, its index among the file's
    data records (None: the same), when the reader dropped rows (empty ones).
    """

    def __init__(self, path: str, codec: str, delim: str, header: bool, max_bytes: int) -> None:
        self.path, self.codec, self.delim, self.header = path, codec, delim, header
        self.max_bytes = max_bytes
        self.rows: int | None = None  # a preview of this many rows: scan only the head
        self.kept: np.ndarray | None = None
        self._starts: np.ndarray | None = None
        self._counts: np.ndarray | None = None
        self._lines: list[str] = []

    def __getitem__(self, row: int) -> int:
        return int(self.starts[self._record(row)])

    def __len__(self) -> int:
        return len(self.kept) if self.kept is not None else len(self.starts)

    def _record(self, row: int) -> int:
        return int(self.kept[row]) if self.kept is not None else row

    @property
    def starts(self) -> np.ndarray:
        """The line of every data record of the file (blank lines skipped, as pandas does)."""
        if self._starts is None:
            self._scan()
        assert self._starts is not None
        return self._starts

    @property
    def counts(self) -> np.ndarray:
        """The number of fields of every data record of the file."""
        if self._counts is None:
            self._scan()
        assert self._counts is not None
        return self._counts

    def fields_of(self, row: int) -> int:
        """The number of fields the data row ``row`` has in the file."""
        return int(self.counts[self._record(row)])

    def cells_of_line(self, line: int) -> list[str]:
        """The cells of the record that starts on ``line`` (1-based)."""
        if not self._lines:
            self._scan()
        text = self._lines[line - 1] if 0 < line <= len(self._lines) else ""
        if self.delim == WHITESPACE:
            return split_whitespace(text)
        k = line
        while text.count('"') % 2 and k < len(self._lines):  # a quoted cell goes on
            text += "\n" + self._lines[k]
            k += 1
        return split_line(text, self.delim)

    def first_over(self, expected: int) -> tuple[int, int] | None:
        """(line, fields) of the first data record with more than ``expected`` fields."""
        over = np.flatnonzero(self.counts > expected)
        if not len(over):
            return None
        return int(self.starts[over[0]]), int(self.counts[over[0]])

    def _scan(self) -> None:
        if self.rows is None:
            self._scan_text(file_text(self.path, self.codec, self.max_bytes))
            return
        size = 1 << 20  # a preview: the head of the file, grown until it holds the rows
        while True:
            raw = read_head(self.path, size)
            whole = len(raw) < size
            text = codecs.getincrementaldecoder(self.codec)("replace").decode(raw, final=whole)
            text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
            if not whole and "\n" in text:
                text = text[: text.rindex("\n")]
            self._scan_text(text)
            if whole or len(self.starts) > self.rows or size >= self.max_bytes:
                return
            size *= 4

    def _scan_text(self, text: str) -> None:
        lines = text.split("\n")
        self._lines = lines
        starts: list[int]
        counts: list[int]
        if self.delim == WHITESPACE:
            starts = [i for i, ln in enumerate(lines, 1) if ln.strip(BLANK)]
            counts = [len(split_whitespace(lines[i - 1])) for i in starts]
        elif '"' not in text:
            # pandas skips a line of spaces, but not one holding the delimiter (a tab)
            d = self.delim
            starts = [i for i, ln in enumerate(lines, 1) if ln.strip(BLANK) or d in ln]
            counts = [lines[i - 1].count(self.delim) + 1 for i in starts]
        else:
            starts, counts = [], []
            reader = csv.reader((ln + "\n" for ln in lines), delimiter=self.delim)
            prev = 0
            try:
                for rec in reader:
                    start, prev = prev + 1, reader.line_num
                    if len(rec) > 1 or (rec and rec[0].strip(BLANK)):
                        starts.append(start)
                        counts.append(len(rec))
            except csv.Error:
                pass
        if self.header and starts:
            starts, counts = starts[1:], counts[1:]
        self._starts = np.asarray(starts, dtype=np.int64)
        self._counts = np.asarray(counts, dtype=np.int64)


def find_cells(
    path: str, codec: str, delim: str, pattern: str, max_bytes: int, limit: int | None = None
) -> Iterator[tuple[int, int, str]]:
    """(line, 0-based column, cell text) of each match of ``pattern`` in the file.

    ``delim``: the delimiter character or :data:`WHITESPACE`; ``limit``: bytes searched
    (None: all). Bytes regexes over a memory map for ASCII-compatible codecs, so the file is
    not loaded; other codecs (UTF-16/32) are decoded first.
    """
    if codec in ASCII_COMPATIBLE:
        with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            yield from _matches(buf, re.compile(pattern.encode()), delim, codec, limit)
    else:
        text = file_text(path, codec, max_bytes)
        yield from _matches(text, re.compile(pattern), delim, codec, limit)


def _matches(
    buf: Any, regex: re.Pattern[Any], delim: str, codec: str, limit: int | None
) -> Iterator[tuple[int, int, str]]:
    newline = b"\n" if isinstance(buf, mmap.mmap) else "\n"
    if buf.find(newline) < 0:  # old Mac line ends: CR only
        newline = b"\r" if isinstance(buf, mmap.mmap) else "\r"
    end = len(buf) if limit is None else min(limit, len(buf))
    line, counted = 1, 0
    for m in regex.finditer(buf, 0, end):
        pos = m.start()
        line += buf[counted:pos].count(newline)
        counted = pos
        start = buf.rfind(newline, 0, pos) + 1
        prefix, cell = buf[start:pos], m.group()
        if isinstance(prefix, bytes):
            prefix, cell = prefix.decode(codec, "replace"), cell.decode(codec, "replace")
        prefix = prefix.lstrip("\ufeff")
        if delim == WHITESPACE:
            column = len(prefix.split())
        else:
            column = max(len(split_line(prefix, delim)) - 1, 0)
        yield line, column, cell.strip()
