"""Mini-batch gradients on the dask engine: each update a reduction over only the chunks
that hold the batch's rows, on the same batches as in memory.

Each epoch draws ``numpy.random.default_rng(shuffle_seed).permutation(m)`` exactly as
:func:`core.solvers.optimizers._batches` does and cuts it into batches of B rows (the last,
partial one used as it is); a batch's rows map to their chunks through
:attr:`~core.cluster.statistics.GramStatistics.offsets`, each chunk that holds some of them
returns ``[X_Bᵀe_B, Σe_B, Σe_B²]`` of those rows, and the sums give
g = (1/|B|)·X_{s,B}ᵀe_B, the mean error for b and the batch's cost 1/(2|B|)·Σe_B², in
training coordinates: the in-memory iterates to rounding. The chunks must stay in the
workers' memory (persisted): a batch reading whole chunks from disk would cost a pass's
reading for a few rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.cluster.gram_problem import GramProblem
from core.cluster.steps import chunk_step, original_point, reduce_on_cluster, training_gradient


def chunk_rows_step(block: np.ndarray, rows: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """``[X_Bᵀe_B (n), Σe_B, Σe_B²]`` of the rows ``rows`` (indices inside the chunk) of
    one chunk (rows × (n+1), target last)."""
    return chunk_step(block[rows], w, b)


def rows_by_chunk(rows: np.ndarray, offsets: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """``rows`` (global row indices) grouped by chunk: ``(chunk, indices inside it)`` for
    each chunk that holds some, in chunk order; ``offsets``: each chunk's first row, then
    m (chunks + 1 entries)."""
    chunk = np.searchsorted(offsets, rows, side="right") - 1
    order = np.argsort(chunk, kind="stable")
    chunk, rows = chunk[order], rows[order]
    starts = np.flatnonzero(np.r_[True, chunk[1:] != chunk[:-1]])
    ends = np.r_[starts[1:], rows.size]
    return [
        (int(chunk[s]), rows[s:e] - offsets[chunk[s]]) for s, e in zip(starts, ends, strict=True)
    ]


class ChunkedBatches:
    """The driver's ``batch_gradient(w_s, b_s) -> (∇w, ∂b, J_B)`` on successive mini-batches
    of ``size`` rows (1 ≤ size < m), epoch by epoch from ``seed``, each one reduction on
    ``client``'s cluster over the chunks that hold the batch (``parts``: persisted Delayed
    chunks, in order); :attr:`calls` counts the reductions, :attr:`tasks` the chunk tasks."""

    def __init__(
        self,
        client: Any,
        parts: list[Any],
        problem: GramProblem,
        size: int,
        seed: int,
        path: str = "",
    ) -> None:
        self.client, self.parts, self.problem, self.path = client, parts, problem, path
        self.size = size
        self.offsets = problem.stats.offsets
        self.rng = np.random.default_rng(seed)
        self.order: np.ndarray = np.empty(0, np.int64)
        self.pos = problem.m
        self.calls = self.tasks = 0

    def __call__(self, w_s: Any, b_s: float) -> tuple[np.ndarray, float, float]:
        import dask

        m = self.problem.m
        if self.pos >= m:
            self.order = self.rng.permutation(m)
            self.pos = 0
        rows = self.order[self.pos : self.pos + self.size]
        self.pos += self.size
        w, b = original_point(self.problem, w_s, b_s)
        step = dask.delayed(chunk_rows_step, pure=True)
        groups = rows_by_chunk(rows, self.offsets)
        level = [step(self.parts[c], local, w, b) for c, local in groups]
        sums = reduce_on_cluster(self.client, level, self.path, "a mini-batch step")
        self.calls += 1
        self.tasks += len(groups)
        k = int(rows.shape[0])
        gw, gb, sse = training_gradient(self.problem, sums, k)
        return gw, gb, sse / (2 * k)
