"""The triangular factor ``R`` of the tall-skinny QR of ``[A/s | y]`` on the dask engine
(``A = [X | 1]``, or ``X`` without an intercept; ``s`` the column norms rounded to powers of
two, so equilibrating is exact), by :func:`dask.array.linalg.tsqr`: every chunk of rows is
factored on its worker and the small ``R`` factors are stacked and factored again (Demmel,
Grigori, Hoemmen & Langou, "Communication-optimal parallel and sequential QR and LU
factorizations", SIAM J. Sci. Comput., 2012; Benson, Gleich & Demmel, "Direct QR
factorizations for tall-and-skinny matrices in MapReduce architectures", 2013). Only ``R``,
(p+1) × (p+1), reaches this process; ``Q`` is never kept.

With ``R = [[R₁₁, r₁₂], [0, ρ]]`` the least-squares solution is ``z = R₁₁⁻¹ r₁₂`` and the
residual norm ``|ρ|`` (Golub & Van Loan, *Matrix Computations*, 4th ed., §5.3.3): the
condition number is κ(A), not κ(A)² as from ``AᵀA``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.cluster.statistics import GramStatistics, wait_for


def column_scales(stats: GramStatistics, intercept: bool) -> np.ndarray:
    """Each column of ``A``'s 2-norm (from the statistics) rounded to a power of two (p
    values; 1 for a zero column): dividing by them is exact (van der Sluis, 1969)."""
    n = stats.n
    norms = np.sqrt(np.maximum(np.diag(stats.M2)[:n] + stats.m * stats.mean[:n] ** 2, 0.0))
    if intercept:
        norms = np.append(norms, np.sqrt(stats.m))
    exps = np.round(np.log2(np.where(norms > 0, norms, 1.0)))
    return np.ldexp(1.0, exps.astype(int))


def _arrange(block: np.ndarray, s: np.ndarray, intercept: bool) -> np.ndarray:
    """One chunk (rows × (n+1), target last) as ``[X/s | 1/s | y]``."""
    n = block.shape[1] - 1
    cols = [block[:, :n] / s[:n]]
    if intercept:
        cols.append(np.full((block.shape[0], 1), 1.0 / s[n]))
    cols.append(block[:, n:])
    return np.concatenate(cols, axis=1)


#: Most rows in a chunk of the QR: stored chunks are split to this (about 6 MB at 22
#: columns), so a worker holds a block's Householder factors for a few MB at a time, not
#: for the whole stored chunk (tsqr factors each chunk with its full Q).
TSQR_ROWS = 1 << 15


def row_chunks(
    rows_per_chunk: tuple[int, ...], width: int, cap: int = TSQR_ROWS
) -> tuple[int, ...]:
    """Row chunks for tsqr: each stored chunk split into near-equal pieces of at most
    ``cap`` rows, then pieces shorter than ``width`` joined to the following ones (the
    last short one to the one before): tsqr factors each chunk on its own and needs at
    least as many rows as columns. The sizes sum to the rows; one chunk if they are fewer
    than ``width``."""
    pieces: list[int] = []
    for rows in rows_per_chunk:
        k = -(-rows // max(cap, width))
        pieces += [rows // k + (1 if i < rows % k else 0) for i in range(k)]
    sizes: list[int] = []
    current = 0
    for piece in pieces:
        current += piece
        if current >= width:
            sizes.append(current)
            current = 0
    if current and sizes:
        sizes[-1] += current
    elif current:
        sizes.append(current)
    return tuple(sizes)


def tsqr_r(
    client: Any,
    parts: list[Any],
    stats: GramStatistics,
    s: np.ndarray,
    intercept: bool,
    path: str,
) -> np.ndarray:
    """``R`` ((p+1) × (p+1), upper triangular) of ``[A/s | y]`` (m rows in ``parts``, dask
    Delayed chunks of ``stats.rows_per_chunk`` rows), rechunked by :func:`row_chunks`.
    With m < p+1 (fewer rows than columns) the rows are gathered
    and factored here. InputError (via ``wait_for``) when the workers die."""
    import dask.array as da

    n = stats.n
    width = n + int(intercept) + 1
    blocks = [
        da.from_delayed(part, shape=(rows, n + 1), dtype=np.float64)
        for part, rows in zip(parts, stats.rows_per_chunk, strict=True)
    ]
    Z = da.concatenate(blocks, axis=0) if len(blocks) > 1 else blocks[0]
    Z = Z.map_blocks(_arrange, s, intercept, chunks=(Z.chunks[0], (width,)), dtype=np.float64)
    if stats.m < width:
        small = wait_for(client, client.compute(Z), path, "the QR pass")
        _, R = np.linalg.qr(np.asarray(small))
        return np.vstack([R, np.zeros((width - R.shape[0], width))])
    chunks = row_chunks(tuple(Z.chunks[0]), width)
    if chunks != tuple(Z.chunks[0]):
        Z = Z.rechunk((chunks, (width,)))
    _, R = da.linalg.tsqr(Z)
    return np.asarray(wait_for(client, client.compute(R), path, "the QR pass"))
