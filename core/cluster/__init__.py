"""The ``dask`` engine: linear regression on data larger than memory, on a Dask cluster.

Optional (``pip install gd-explorer[cluster]``: dask[array], distributed, pyarrow, zarr);
nothing here imports dask until a command asks for the engine, so the product starts, and
works, without it.

Modules: :mod:`~core.cluster.options` (the command-line options; no dask),
:mod:`~core.cluster.generate` (``make-data``: a synthetic dataset written in row chunks),
:mod:`~core.cluster.data` (DATA read lazily in row chunks), :mod:`~core.cluster.engine`
(the local or remote cluster and its report), :mod:`~core.cluster.statistics` (one pass:
the Gram statistics), :mod:`~core.cluster.gram_problem` (a problem held as its statistics),
:mod:`~core.cluster.steps` (a gradient step as a map-reduce over the chunks),
:mod:`~core.cluster.batches` (a mini-batch step over the chunks holding its rows),
:mod:`~core.cluster.descent` (gradient descent and the optimizers on the product's driver),
:mod:`~core.cluster.normal` (the normal equation) and :mod:`~core.cluster.fit` (options,
dispatch and the JSON report).
"""

from __future__ import annotations

import importlib.util

#: What the engine needs, by import name.
REQUIRED = ("dask", "distributed", "pyarrow")


def missing() -> str:
    """Why the dask engine cannot run here (empty when it can): the modules not installed."""
    absent = [name for name in REQUIRED if importlib.util.find_spec(name) is None]
    if not absent:
        return ""
    return (
        f"the dask engine needs {', '.join(absent)}, which "
        f"{'is' if len(absent) == 1 else 'are'} not installed "
        "(pip install 'gd-explorer[cluster]')"
    )
