"""One pass over the row chunks: the Gram statistics of ``[X | y]`` in float64.

Each chunk gives its row count, column means, centred cross-products
``M2 = Σ(z − z̄)(z − z̄)ᵀ`` of ``z = [x, y]``, column minima and maxima and the number of rows
with a missing or non-finite value; the chunks' results are merged pairwise on the workers
(Chan, Golub & LeVeque, "Algorithms for computing the sample variance", 1983, extended to
cross-products), so only one small result, O((n+1)²), reaches this process. Centring each
chunk before its products avoids the cancellation of ``XᵀX − m·x̄x̄ᵀ`` when a column's mean
is large next to its spread; ``XᵀX``, ``Xᵀy`` and ``yᵀy`` follow exactly from them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import InputError

#: A chunk's statistics: (rows, means, M2, minima, maxima, bad rows, rows of each chunk
#: in order, bad ones included, and each chunk's first bad cell (row in the chunk, column)
#: or (-1, -1)).
Part = tuple[
    int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, tuple[int, ...],
    tuple[tuple[int, int], ...],
]  # fmt: skip


#: Rows centred at a time inside a chunk: the centred copy stays small (about 10 MB at
#: k = 21) whatever the chunk's size, so a worker holds little more than the chunk itself.
SLICE_ROWS = 1 << 16


def chunk_statistics(block: np.ndarray) -> Part:
    """The statistics of one chunk (rows × k, float64), in slices of :data:`SLICE_ROWS`
    rows merged pairwise; rows with a NaN or infinity are counted and left out."""
    block = np.asarray(block, np.float64)
    if block.shape[0] <= SLICE_ROWS:
        part = _slice_statistics(block)
    else:
        part = merge_all(
            *(
                _slice_statistics(block[start : start + SLICE_ROWS])
                for start in range(0, block.shape[0], SLICE_ROWS)
            )
        )
    return (*part[:6], (int(block.shape[0]),), (_first_bad(block) if part[5] else (-1, -1),))


def _first_bad(block: np.ndarray) -> tuple[int, int]:
    """(row, column) of the first missing or non-finite cell of a chunk (rows counted from
    0), found slice by slice (only when the chunk has one)."""
    for start in range(0, block.shape[0], SLICE_ROWS):
        bad = ~np.isfinite(block[start : start + SLICE_ROWS])
        rows = np.flatnonzero(bad.any(axis=1))
        if rows.size:
            i = int(rows[0])
            return start + i, int(np.argmax(bad[i]))
    return -1, -1


def _slice_statistics(block: np.ndarray) -> Part:
    ok = np.isfinite(block).all(axis=1)
    counts, firsts = (int(block.shape[0]),), ((-1, -1),)
    bad = int(block.shape[0] - ok.sum())
    if bad:
        block = block[ok]
    k = block.shape[1]
    rows = int(block.shape[0])
    if rows == 0:
        empty = np.full(k, np.nan)
        return 0, np.zeros(k), np.zeros((k, k)), empty, empty, bad, counts, firsts
    mean = block.mean(axis=0)
    centred = block - mean
    low, high = block.min(axis=0), block.max(axis=0)
    return rows, mean, centred.T @ centred, low, high, bad, counts, firsts


def merge(a: Part, b: Part) -> Part:
    """Two chunks' statistics as one (Chan et al.'s pairwise update)."""
    na, mean_a, m2_a, lo_a, hi_a, bad_a, counts_a, firsts_a = a
    nb, mean_b, m2_b, lo_b, hi_b, bad_b, counts_b, firsts_b = b
    lo, hi = np.fmin(lo_a, lo_b), np.fmax(hi_a, hi_b)
    bad, counts, firsts = bad_a + bad_b, counts_a + counts_b, firsts_a + firsts_b
    if nb == 0:
        return na, mean_a, m2_a, lo, hi, bad, counts, firsts
    if na == 0:
        return nb, mean_b, m2_b, lo, hi, bad, counts, firsts
    n = na + nb
    delta = mean_b - mean_a
    mean = mean_a + delta * (nb / n)
    m2 = m2_a + m2_b + np.outer(delta, delta) * (na * nb / n)
    return n, mean, m2, lo, hi, bad, counts, firsts


def merge_all(*parts: Part) -> Part:
    """Several chunks' statistics as one (merged one after another, in order)."""
    total = parts[0]
    for part in parts[1:]:
        total = merge(total, part)
    return total


#: Seconds a pass may go on with no worker able to run it (all gone or paused for memory)
#: before it is given up.
STALLED_SECONDS = 30.0


def wait_for(client: Any, future: Any, path: str, what: str = "the pass") -> Any:
    """The result of ``future`` (``what``: the pass, a step); InputError when the cluster
    has had no running worker for
    :data:`STALLED_SECONDS` (workers killed or paused by their memory limit: the pass would
    otherwise wait forever)."""
    import time

    stalled_since: float | None = None
    while True:
        try:
            return future.result(timeout=1.0)
        except TimeoutError:
            pass
        except Exception as exc:
            if "deserializ" in str(exc) or isinstance(exc, ModuleNotFoundError):
                raise InputError(
                    "the Dask cluster cannot load gd-explorer's tasks: its scheduler and "
                    "workers need the same gd-explorer[cluster] installed as here "
                    f"({type(exc).__name__}: {str(exc).splitlines()[0]})",
                    path=path,
                ) from None
            if isinstance(exc, (ValueError, KeyError, OSError, UnicodeDecodeError)):
                raise InputError(_read_failure(path, what, exc), path=path) from None
            if type(exc).__name__ != "KilledWorker":
                raise
            raise InputError(
                f"{what} failed: the Dask workers died reading a chunk, most likely killed "
                "by their memory limit; give them more memory or store the data in smaller "
                "chunks (Parquet row groups, Zarr chunks)",
                path=path,
            ) from None
        workers = client.scheduler_info().get("workers", {}).values()
        running = [w for w in workers if w.get("status", "running") == "running"]
        if running:
            stalled_since = None
            continue
        now = time.monotonic()
        stalled_since = now if stalled_since is None else stalled_since
        if now - stalled_since > STALLED_SECONDS:
            future.cancel()
            why = "paused by their memory limit" if workers else "gone (killed?)"
            raise InputError(
                f"{what} stopped: every worker of the Dask cluster is {why} for "
                f"{STALLED_SECONDS:g} s; give the workers more memory or store the data in "
                "smaller chunks (Parquet row groups, Zarr chunks)",
                path=path,
            )


def _read_failure(path: str, what: str, exc: BaseException) -> str:
    """What a chunk's read error says, with the file, row and column where the data is a
    glob of CSV files (dask's error names neither: the files are searched here)."""
    from core.cluster.data import kind_of, locate_csv_problem

    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    said = f"{what} failed reading a chunk ({type(exc).__name__}: {first})"
    try:
        where = locate_csv_problem(path, str(exc)) if kind_of(path) == "csv" else None
    except (InputError, OSError):
        where = None
    return f"{what} failed reading a chunk: {where}" if where else said


@dataclass(frozen=True)
class GramStatistics:
    """The pass's result for ``z = [x_1..x_n, y]``: m rows, means (n+1), centred
    cross-products M2 ((n+1) × (n+1)), minima and maxima (n+1), all float64; ``chunks``
    and the rows of each chunk in order (``rows_per_chunk``, summing to m)."""

    m: int
    mean: np.ndarray
    M2: np.ndarray
    low: np.ndarray
    high: np.ndarray
    chunks: int
    rows_per_chunk: tuple[int, ...] = ()

    @property
    def offsets(self) -> np.ndarray:
        """The first row of each chunk and m at the end (chunks + 1 entries, int64)."""
        return np.concatenate([[0], np.cumsum(self.rows_per_chunk, dtype=np.int64)])

    @property
    def n(self) -> int:
        """Number of features."""
        return int(self.mean.size - 1)

    def raw(self) -> tuple[np.ndarray, np.ndarray, float]:
        """``(XᵀX, Xᵀy, yᵀy)`` of the uncentred data (float64)."""
        n, m = self.n, self.m
        full = self.M2 + m * np.outer(self.mean, self.mean)
        return full[:n, :n], full[:n, n], float(full[n, n])


def gram_pass(
    client: Any,
    parts: list[Any],
    path: str,
    fan_in: int = 8,
    columns: list[str] | None = None,
) -> GramStatistics:
    """Run the pass over ``parts`` (dask Delayed chunks) on ``client``'s cluster and return
    its statistics (``columns``: the chunks' column names, for messages). Raises
    InputError when DATA has no complete row, or has rows with a missing or non-finite
    value (the dask engine does not fill them; the first one is named by row and
    column)."""
    import dask

    stats = dask.delayed(chunk_statistics, pure=True)
    level = [stats(part) for part in parts]
    combine = dask.delayed(merge_all, pure=True)
    while len(level) > 1:  # a tree of merges on the workers
        level = [combine(*level[k : k + fan_in]) for k in range(0, len(level), fan_in)]
    result = wait_for(client, client.compute(level[0]), path)
    m, mean, m2, low, high, bad, counts, firsts = result
    if bad:
        raise InputError(
            f"{bad:,} row{'s have' if bad != 1 else ' has'} a missing or non-finite value "
            f"({_where_first(counts, firsts, columns)}); the dask engine needs complete "
            "numeric rows (drop or fill them first)",
            path=path,
        )
    if m == 0:
        raise InputError("no data rows", path=path)
    m2 = (m2 + m2.T) / 2
    if not math.isfinite(float(np.abs(m2).max())):
        raise InputError("values too large: their squares overflow float64", path=path)
    return GramStatistics(int(m), mean, m2, low, high, len(parts), tuple(counts))


def _where_first(
    counts: tuple[int, ...], firsts: tuple[tuple[int, int], ...], columns: list[str] | None
) -> str:
    """``"the first: data row R, column 'c'"`` (R counted from 1 over the chunks in order)."""
    start = 0
    for rows, (row, col) in zip(counts, firsts, strict=True):
        if row >= 0:
            name = repr(columns[col]) if columns and col < len(columns) else f"{col + 1}"
            return f"the first: data row {start + row + 1:,}, column {name}"
        start += rows
    return "where, not known"
