"""The one builder: settings in, dataset and least-squares problem out (CLI, lessons, window).

Every part of the product that turns settings into data goes through here, so the housing
demo, a synthetic table or a CSV file is read the same way wherever it is asked for.
"""

from __future__ import annotations

from core.data.datasets import Dataset, make_curve, make_housing, make_synthetic
from core.errors import InputError
from core.model.problem import Problem
from core.settings import DataSettings, ModelSettings


def build_dataset(data: DataSettings) -> Dataset:
    """The dataset ``data`` describes: the housing demo (a fixed table of 100 houses), the
    stopping-distance demo (80 cars, a curved relation), a synthetic table (deterministic from
    its seed) or a CSV/text/Excel file (read by :func:`core.data.table.read_table`, then
    given column roles by :func:`core.data.roles.table_to_dataset`).

    Raises InputError for a file that cannot be read (the message names file, row, column),
    for column roles or missing values that cannot apply, and for fewer than 2 data rows.
    """
    if data.source == "housing":
        return make_housing()
    if data.source == "curve":
        return make_curve()
    if data.source == "synthetic":
        return make_synthetic(
            data.m,
            data.n,
            noise=data.noise,
            scale_spread=data.scale_spread,
            correlation=data.correlation,
            seed=data.seed,
        )
    from core.data.roles import ColumnRoles, table_to_dataset
    from core.data.table import ReadOptions, read_table

    table = read_table(data.csv_path, ReadOptions.from_settings(data))
    dataset = table_to_dataset(table, ColumnRoles.from_settings(data))
    if dataset.X.shape[0] < 2:  # said first: with one row every column is also constant
        dropped = len(dataset.report.get("dropped_rows", ()))
        after = f" after leaving out {dropped:,} with missing values" if dropped else ""
        raise InputError(
            f"only {dataset.X.shape[0]} data row{after}; a fit needs at least 2",
            path=dataset.path,
        )
    return dataset


def build_problem(
    dataset: Dataset, model: ModelSettings, *, dtype: str = "float64", seed: int = 0
) -> Problem:
    """The least-squares problem of ``model`` on ``dataset`` (features expanded and scaled on
    ``model.device``; the rows held out by ``model.test_fraction`` chosen with ``seed``, the
    data settings' seed; the penalties ``model.l2``, ``model.l1``). Raises InputError when it
    cannot be built (memory, device, a split that leaves too few training rows)."""
    return Problem(
        dataset,
        degree=model.degree,
        intercept=model.intercept,
        scaling=model.scaling,
        device=model.device,
        dtype=dtype,
        test_fraction=model.test_fraction,
        seed=seed,
        l2=model.l2,
        l1=model.l1,
    )
