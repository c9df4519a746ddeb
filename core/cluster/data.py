"""DATA for the dask engine, read lazily in row chunks: a Parquet file or folder, a glob of
CSV files, a Zarr array or a ``.npy`` file.

:func:`open_data` reads only the metadata (column names and types, the array's shape) and
returns a :class:`LazyData`: the chosen columns and one lazy task per row chunk, each of
which, when a worker runs it, loads its rows as a float64 array (features first, the target
last). Nothing is read here; the workers read their chunks when the pass runs.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import InputError

#: Rows of a chunk of a ``.npy`` file: about this many bytes each.
NPY_CHUNK_BYTES = 64 << 20
#: CSV files are split into blocks of this many bytes (dask.dataframe's blocksize).
CSV_BLOCK = "64MB"
FORMATS = ("parquet", "csv", "zarr", "npy")


@dataclass
class LazyData:
    """DATA as lazy row chunks: ``parts`` (dask Delayed objects), each computing a float64
    array of its rows × (n + 1) columns, ``features`` then ``target``."""

    path: str
    kind: str
    columns: list[str]
    features: list[str]
    target: str
    parts: list[Any]
    m: int | None = None  # known without a pass for arrays (Zarr, .npy)
    notes: list[str] = field(default_factory=list)


def kind_of(path: str) -> str:
    """The format DATA is in, from its name and what is on disk; InputError when none fits."""
    p = Path(path)
    if any(c in path for c in "*?["):
        if not glob.glob(path):
            raise InputError("no file matches this pattern", path=path)
        return "csv"
    if not os.path.exists(path):
        raise InputError("no such file or folder", path=path)
    if p.is_dir():
        if (p / "zarr.json").exists() or (p / ".zarray").exists():
            return "zarr"
        if any(p.glob("*.parquet")) or any(p.glob("**/*.parquet")):
            return "parquet"
        raise InputError(
            "a folder that is neither a Zarr array nor holds .parquet files", path=path
        )
    suffix = p.suffix.lower()
    if suffix == ".npy":
        return "npy"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".csv", ".txt"):
        return "csv"
    raise InputError(
        "the dask engine reads a Parquet file or folder, a glob of CSV files, a Zarr array or "
        "a .npy file (name it .parquet, .csv, .zarr or .npy)",
        path=path,
    )


def choose_columns(
    path: str,
    names: list[str],
    numeric: list[bool],
    target: str | None,
    features: tuple[str, ...],
    ignore: tuple[str, ...],
) -> tuple[list[str], str, list[str]]:
    """``(features, target, notes)`` as the in-memory reader chooses them: the target is
    ``target`` or the last numeric column; the features ``features`` or every other numeric
    column not in ``ignore``. InputError naming an unknown or non-numeric column."""
    kinds = dict(zip(names, numeric, strict=True))
    if target and target not in kinds and re.fullmatch(r"[+-]?\d+", target.strip()):
        k = int(target)  # an index, 0-based, as for files read in memory
        if not 0 <= k < len(names):
            raise InputError(
                f"target index {k} is out of range: the data has {len(names)} columns, "
                f"numbered 0..{len(names) - 1}",
                path=path,
            )
        target = names[k]
    for name in (*([target] if target else []), *features, *ignore):
        if name not in kinds:
            raise InputError(f"no column {name!r}; the columns are {', '.join(names)}", path=path)
    features = tuple(dict.fromkeys(features))  # a name listed twice is one feature
    for name in features:
        if name in ignore:
            raise InputError(
                f"{name!r} is both ignored and a feature; give each column one role", path=path
            )
    if target and (target in features or target in ignore):
        label = "a feature" if target in features else "ignored"
        raise InputError(
            f"{target!r} is the target, so it cannot also be {label}; choose another target "
            "with --target",
            path=path,
        )
    notes = []
    if not target:
        candidates = [nm for nm in names if kinds[nm] and nm not in ignore and nm not in features]
        if not candidates:
            raise InputError("no numeric column to use as the target", path=path)
        target = candidates[-1]
    if not kinds[target]:
        raise InputError("the target must be a numeric column", path=path, column_name=target)
    if features:
        chosen = [nm for nm in features if nm != target]
        for nm in chosen:
            if not kinds[nm]:
                raise InputError(
                    "not numeric: the dask engine takes numeric features only",
                    path=path,
                    column_name=nm,
                )
    else:
        chosen = [nm for nm in names if nm != target and nm not in ignore and kinds[nm]]
        text = [nm for nm in names if not kinds[nm] and nm not in ignore]
        if text:
            notes.append(f"left out (not numeric): {', '.join(text)}")
    if not chosen:
        raise InputError("no feature column left besides the target", path=path)
    return chosen, target, notes


def _frame_block(frame: Any, columns: list[str]) -> np.ndarray:
    """One partition of a dask DataFrame as a float64 array of ``columns``."""
    return np.asarray(frame[columns].to_numpy(dtype=np.float64, na_value=np.nan))


def _npy_block(path: str, start: int, stop: int, order: list[int]) -> np.ndarray:
    """Rows ``start:stop`` of a ``.npy`` file (memory-mapped), columns ``order``, float64."""
    array = np.load(path, mmap_mode="r")
    return np.asarray(array[start:stop][:, order], dtype=np.float64)


def _parquet_block(path: str, group: int, columns: list[str]) -> np.ndarray:
    """Row group ``group`` of a Parquet file, ``columns`` only, as float64 (rows × k)."""
    import pyarrow.parquet as pq

    table = pq.ParquetFile(path).read_row_group(group, columns=columns)
    out = np.empty((table.num_rows, len(columns)))
    for j, name in enumerate(columns):
        out[:, j] = table.column(name).to_numpy(zero_copy_only=False)
    return out


def _open_parquet(
    path: str, target: str | None, features: tuple[str, ...], ignore: tuple[str, ...]
) -> LazyData:
    """A Parquet file, or a folder of them (read recursively, sorted): one chunk per row
    group, only the chosen columns read (Parquet stores columns apart)."""
    import dask
    import pyarrow.parquet as pq

    p = Path(path).resolve()  # the workers read it: from their own folder, not ours
    files = sorted(str(f) for f in p.rglob("*.parquet")) if p.is_dir() else [str(p)]
    metas = [pq.ParquetFile(f) for f in files]
    schema = metas[0].schema_arrow
    names = [str(nm) for nm in schema.names]
    numeric = [_numeric(schema.field(nm).type) for nm in names]
    for f, meta in zip(files[1:], metas[1:], strict=True):
        if meta.schema_arrow.names != schema.names:
            raise InputError(f"its columns differ from those of {files[0]}", path=f)
    chosen, tgt, notes = choose_columns(path, names, numeric, target, features, ignore)
    cols = [*chosen, tgt]
    block = dask.delayed(_parquet_block, pure=True)
    parts = [
        block(f, g, cols) for f, meta in zip(files, metas, strict=True)
        for g in range(meta.num_row_groups)
    ]  # fmt: skip
    m = sum(meta.metadata.num_rows for meta in metas)
    return LazyData(path, "parquet", names, chosen, tgt, parts, m, notes)


def _numeric(kind: Any) -> bool:
    import pyarrow.types as pt

    return bool(pt.is_integer(kind) or pt.is_floating(kind))


def _array_block(block: np.ndarray, order: list[int]) -> np.ndarray:
    return np.asarray(block[:, order], dtype=np.float64)


def _same_header(pattern: str) -> None:
    """InputError naming the first file of a CSV glob that is empty or whose header line
    differs from the first file's (the chunks of one table must have the same columns), or
    when the first file's first line looks like data (no header: a row would be lost)."""
    import csv

    from core.data.sniff import detect_header

    files = sorted(glob.glob(pattern)) or [pattern]

    def header(name: str) -> str:
        with open(name, encoding="utf-8", errors="replace") as f:
            line = f.readline().strip()
        if not line:
            raise InputError("is empty (or its first line is): every file of the glob "
                             "needs the header line of the table's columns", path=name)  # fmt: skip
        return line

    first = header(files[0])
    with open(files[0], encoding="utf-8", errors="replace", newline="") as f:
        sample = [row for _, row in zip(range(201), csv.reader(f), strict=False)]
    if not detect_header(sample):
        raise InputError(
            f"its first line ({first[:60]!r}) looks like data, not column names: the dask "
            "engine reads each CSV file's header line (--header is not available with "
            "--engine dask yet); add a header line such as 'x1,x2,y' to every file",
            path=files[0],
        )
    for name in files[1:]:
        if header(name) != first:
            raise InputError(
                f"its header differs from {os.path.basename(files[0])}'s ({first!r}): every "
                "file of the glob must have the same columns",
                path=name,
            )


#: Bytes of CSV files read here, after a pass failed, to find the cell it could not read.
LOCATE_BYTES = 1 << 30


def locate_csv_problem(pattern: str, message: str = "") -> str | None:
    """Where the CSV files of ``pattern`` hold what a failed pass could not read: ``"FILE,
    row R (line L), column C: 'TEXT' is not a number"`` for the first such cell (rows
    counted from 1 after the header), or ``"FILE: <pandas' message>"`` for a line pandas
    cannot parse; None when the first :data:`LOCATE_BYTES` hold nothing. ``message``, the
    pass's error, names the columns to check when it is dask's dtype table; otherwise every
    column read as numeric. Reads one block at a time in this process (pandas, as text)."""
    import pandas as pd

    files = sorted(glob.glob(pattern)) or [pattern]
    named = re.findall(r"^\|\s*(.+?)\s*\|\s*\S+\s*\|\s*\S+\s*\|$", message, re.M)
    wanted = {c for c in named if c != "Column"} or None
    read = 0
    for name in files:
        if read > LOCATE_BYTES:
            return None
        rows = 0
        try:
            for block in pd.read_csv(name, dtype=str, chunksize=1 << 17):
                for col in block.columns:
                    if wanted is not None and str(col) not in wanted:
                        continue
                    text = block[col]
                    bad = (text.notna() & pd.to_numeric(text, errors="coerce").isna()).to_numpy()
                    if bad.any() and (wanted or not bad.all()):  # a text column is left out
                        i = int(np.argmax(bad))
                        row = rows + i + 1
                        return (
                            f"{name}, row {row:,} (line {row + 1:,}), column {col!r}: "
                            f"{text.iloc[i]!r} is not a number"
                        )
                rows += len(block)
        except (ValueError, UnicodeDecodeError) as exc:  # pandas' ParserError is a ValueError
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return f"{name}: {first}"
        read += os.path.getsize(name)
    return None


def open_data(
    path: str,
    target: str | None = None,
    features: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
) -> LazyData:
    """DATA at ``path`` as lazy row chunks (see :class:`LazyData`). Raises InputError for a
    missing path, an unknown format, a file that cannot be read or an unknown column."""
    import dask

    kind = kind_of(path)
    attrs: dict[str, Any] = {}
    try:
        if kind == "parquet":
            return _open_parquet(path, target, features, ignore)
        if kind == "csv":
            import dask.dataframe as dd

            _same_header(path)
            # assume_missing: a column of whole numbers in one file and decimals in the next
            # is one float64 column (dask would infer int64 from the first and fail)
            where = os.path.abspath(os.path.expanduser(path))  # as the workers must see it
            frame = dd.read_csv(where, blocksize=CSV_BLOCK, sample=1 << 20, assume_missing=True)
            names = [str(c) for c in frame.columns]
            if len(names) == 1 and any(d in names[0] for d in ";\t|"):
                raise InputError(
                    f"its header {names[0][:60]!r} is one column: the values seem separated "
                    "by another mark than a comma, and the dask engine reads commas only "
                    "(--delimiter is not available with --engine dask yet)",
                    path=path,
                )
            numeric = [frame[c].dtype.kind in "biuf" for c in frame.columns]
            chosen, tgt, notes = choose_columns(path, names, numeric, target, features, ignore)
            cols = [*chosen, tgt]
            block = dask.delayed(_frame_block, pure=True)
            parts = [block(part, cols) for part in frame[cols].to_delayed()]
            return LazyData(path, kind, names, chosen, tgt, parts, None, notes)
        if kind == "zarr":
            import dask.array as da
            import zarr

            store = zarr.open_array(path, mode="r")
            shape = store.shape
            found: Any = dict(store.attrs).get("gd_explorer")
            attrs = found if isinstance(found, dict) else {}
            array = da.from_zarr(os.path.abspath(path))
        else:
            array = np.load(path, mmap_mode="r")
            shape = array.shape
            if array.dtype.kind not in "biuf":
                raise InputError(f"holds {array.dtype} values, not numbers", path=path)
    except InputError:
        raise
    except Exception as exc:  # OSError, ValueError, and pyarrow's and zarr's own errors
        why = f"cannot read it as {kind} ({type(exc).__name__}: {exc})"
        raise InputError(why, path=path) from None
    if len(shape) != 2 or shape[1] < 2:
        raise InputError(
            f"needs a 2-D array of rows × (features + target), got shape {tuple(shape)}",
            path=path,
        )
    names = list(attrs.get("columns") or [f"x{j + 1}" for j in range(shape[1] - 1)] + ["y"])
    chosen, tgt, notes = choose_columns(path, names, [True] * len(names), target, features, ignore)
    order = [names.index(nm) for nm in [*chosen, tgt]]
    if kind == "zarr":
        array = array.rechunk({1: -1})
        block = dask.delayed(_array_block, pure=True)
        parts = [block(b, order) for b in array.to_delayed().ravel()]
    else:
        rows = max(1, NPY_CHUNK_BYTES // (8 * shape[1]))
        block = dask.delayed(_npy_block, pure=True)
        parts = [
            block(os.path.abspath(path), a, min(a + rows, shape[0]), order)
            for a in range(0, shape[0], rows)
        ]
    return LazyData(path, kind, names, chosen, tgt, parts, int(shape[0]), notes)
