"""Gradient-descent steps as a map-reduce over the row chunks on the cluster.

Each step sends ``w`` and ``b`` (original units) to every chunk, which returns its
``Xᵀe``, ``Σe`` and ``Σe²`` (``e = Xw + b − y``); their sums, mapped to training
coordinates, are the full-data gradient and cost. The chunks are kept in the workers'
memory (``persist``) when they fit in half of the cluster's memory limit, else every step
reads them again from disk: data larger than memory, at the price of a read per step.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.cluster.gram_problem import GramProblem
from core.cluster.statistics import wait_for

#: Partial sums added per task in the tree that reduces a step's chunks.
FAN_IN = 8
#: The chunks are persisted on the workers when they take at most this share of the
#: cluster's combined memory limit.
PERSIST_SHARE = 0.5


def fits_in_memory(memory_limit: int, nbytes: int) -> bool:
    """Whether data of ``nbytes`` may be persisted on a cluster whose workers' combined
    memory limit is ``memory_limit`` bytes (at most :data:`PERSIST_SHARE` of it)."""
    return bool(memory_limit) and nbytes <= PERSIST_SHARE * memory_limit


def chunk_step(block: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """``[Xᵀe (n), Σe, Σe²]`` of one chunk (rows × (n+1), target last), by two
    matrix-vector products over the whole contiguous chunk: ``e = [X y]·[w; −1] + b`` and
    ``[X y]ᵀe`` (its last entry, ``yᵀe``, dropped); slicing X out would make BLAS read a
    strided view."""
    v = np.empty(block.shape[1])
    v[:-1] = w
    v[-1] = -1.0
    e = block @ v
    e += b
    g = block.T @ e
    return np.concatenate([g[:-1], [e.sum(), e @ e]])


def total(*parts: np.ndarray) -> np.ndarray:
    """The sum of several chunks' ``[Xᵀe, Σe, Σe²]``."""
    return np.sum(parts, axis=0)


def original_point(problem: GramProblem, w_s: Any, b_s: float) -> tuple[np.ndarray, float]:
    """Training coordinates → the ``(w, b)`` that give the same errors on the raw chunks:
    X_s·w_s + b_s = X·w + b with w = w_s/scale, b = b_s − shift·w (b 0 without intercept)."""
    d, a = problem.scaler.scale, problem.scaler.shift
    w = np.asarray(w_s, np.float64) / d
    return w, (float(b_s) - float(a @ w) if problem.intercept else 0.0)


def training_gradient(
    problem: GramProblem, sums: np.ndarray, rows: int
) -> tuple[np.ndarray, float, float]:
    """``(X_sᵀe/rows, Σe/rows, Σe²)`` in training coordinates from the summed
    ``[Xᵀe, Σe, Σe²]`` of ``rows`` rows (X_s = (X − shift)/scale, so X_sᵀe = (Xᵀe −
    shift·Σe)/scale)."""
    d, a, n = problem.scaler.scale, problem.scaler.shift, problem.n
    xte, se, sse = sums[:n], float(sums[n]), float(sums[n + 1])
    gw = (xte - a * se) / (d * rows)
    return gw, (se / rows if problem.intercept else 0.0), sse


def reduce_on_cluster(client: Any, level: list[Any], path: str, what: str) -> np.ndarray:
    """The sum of the Delayed ``level`` (each an ``[Xᵀe, Σe, Σe²]``), added in a tree of
    fan-in :data:`FAN_IN` on the workers; waits as the pass does (:func:`wait_for`: a cluster whose
    workers all died or paused says so in an InputError)."""
    import dask

    add = dask.delayed(total, pure=True)
    while len(level) > 1:
        level = [add(*level[k : k + FAN_IN]) for k in range(0, len(level), FAN_IN)]
    return np.asarray(wait_for(client, client.compute(level[0]), path, what))


class ChunkedSteps:
    """The driver's kernel ``(w_s, b_s) -> (∇w, ∂b, Σe²)`` in training coordinates, each
    call one map-reduce over ``parts`` on ``client``'s cluster; :attr:`persisted` says
    whether the chunks stay in the workers' memory, :attr:`calls` counts the reductions."""

    def __init__(
        self,
        client: Any,
        parts: list[Any],
        problem: GramProblem,
        memory_limit: int,
        nbytes: int,
        path: str = "",
    ) -> None:
        self.client, self.problem, self.path = client, problem, path
        self.persisted = fits_in_memory(memory_limit, nbytes)
        self.parts = client.persist(parts) if self.persisted else parts
        self.calls = 0

    def __call__(self, w_s: Any, b_s: float) -> tuple[np.ndarray, float, float]:
        import dask

        w, b = original_point(self.problem, w_s, b_s)
        step = dask.delayed(chunk_step, pure=True)
        sums = reduce_on_cluster(
            self.client, [step(part, w, b) for part in self.parts], self.path, "a step"
        )
        self.calls += 1
        return training_gradient(self.problem, sums, self.problem.m)
