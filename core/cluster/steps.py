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

#: The chunks are persisted on the workers when they take at most this share of the
#: cluster's combined memory limit.
PERSIST_SHARE = 0.5


def chunk_step(block: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """``[Xᵀe (n), Σe, Σe²]`` of one chunk (rows × (n+1), target last)."""
    X, y = block[:, :-1], block[:, -1]
    e = X @ w
    e += b
    e -= y
    return np.concatenate([X.T @ e, [e.sum(), e @ e]])


def total(*parts: np.ndarray) -> np.ndarray:
    """The sum of several chunks' ``[Xᵀe, Σe, Σe²]``."""
    return np.sum(parts, axis=0)


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
        self.persisted = bool(memory_limit) and nbytes <= PERSIST_SHARE * memory_limit
        self.parts = client.persist(parts) if self.persisted else parts
        self.calls = 0

    def __call__(self, w_s: Any, b_s: float) -> tuple[np.ndarray, float, float]:
        import dask

        p = self.problem
        d, a = p.scaler.scale, p.scaler.shift
        w = np.asarray(w_s, np.float64) / d  # X_s·w_s + b_s = X·w + (b_s − a·w)
        b = float(b_s) - float(a @ w) if p.intercept else 0.0
        step = dask.delayed(chunk_step, pure=True)
        level = [step(part, w, b) for part in self.parts]
        add = dask.delayed(total, pure=True)
        while len(level) > 1:
            level = [add(*level[k : k + 8]) for k in range(0, len(level), 8)]
        # a step waits like the pass: a cluster whose workers all died or paused says so
        sums = wait_for(self.client, self.client.compute(level[0]), self.path, "a step")
        self.calls += 1
        n, m = p.n, p.m
        xte, se, sse = sums[:n], float(sums[n]), float(sums[n + 1])
        gw = (xte - a * se) / (d * m)  # X_sᵀe/m
        return gw, (se / m if p.intercept else 0.0), sse
