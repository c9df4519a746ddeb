"""Exports of the window: plots as PNG/SVG, run histories as CSV/JSON, the model summary.

Every file is written atomically through :mod:`core.files` (the image or text is made in
memory, then written to a temporary file in the same folder and renamed): a full disk or a
read-only folder leaves the previous file as it was and is reported as a failure, never as
"Exported".
"""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QIODevice

from core.errors import InputError
from core.files import atomic_write_bytes, atomic_write_text, check_output_path
from core.run_report import csv_comment
from core.session import RunRecord, export_history

PNG_SCALE = 2.0  # PNGs are drawn at twice the on-screen size: sharp enough for a slide
MIN_PNG_WIDTH = 400


def plot_bytes(item: Any, suffix: str, scale: float = PNG_SCALE) -> bytes:
    """A plot (a PlotItem or layout) as PNG or SVG bytes; ``suffix`` is ".png" or ".svg".

    Raises InputError for another suffix or when the image cannot be drawn.
    """
    suffix = suffix.lower()
    with _full_title(item):
        return _plot_bytes(item, suffix, scale)


@contextlib.contextmanager
def _full_title(item: Any):
    """A plot whose narrow view shows its short title (``fit_texts``) is exported with the
    long one: a slide has the room."""
    label = getattr(item, "titleLabel", None)
    titles = getattr(item, "fitted_titles", None)
    if label is None or titles is None or label.text != titles[1] or not label.isVisible():
        yield
        return
    opts = {k: v for k, v in label.opts.items() if k in ("size", "color", "justify")}
    item.setTitle(titles[0], **opts)
    try:
        yield
    finally:
        item.setTitle(titles[1], **opts)


def _plot_bytes(item: Any, suffix: str, scale: float) -> bytes:
    from pyqtgraph.exporters import ImageExporter, SVGExporter

    if suffix == ".svg":
        with _svg_close_path_fix():
            return bytes(SVGExporter(item).export(toBytes=True))
    if suffix != ".png":
        raise InputError(
            f"cannot export a plot as {suffix or 'a file without a suffix'}: use .png or .svg"
        )
    exporter = ImageExporter(item)
    width = int(exporter.parameters()["width"])
    exporter.parameters()["width"] = max(int(width * scale), MIN_PNG_WIDTH)
    image = exporter.export(toBytes=True)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if image is None or image.isNull() or not image.save(buffer, "PNG"):
        raise InputError("the plot could not be drawn as a PNG image")
    return bytes(buffer.data())


def export_plot(item: Any, path: str | Path, scale: float = PNG_SCALE) -> Path:
    """Write a plot to PNG or SVG (chosen by the file's suffix), atomically.

    Raises InputError naming the path for a bad suffix or a failed write (the previous file,
    if any, is then unchanged).
    """
    path = Path(path)
    try:
        check_output_path(path, "plot")
        data = plot_bytes(item, path.suffix, scale)
    except InputError as exc:
        if exc.path is None:
            raise InputError(exc.message, path=str(path)) from None
        raise
    atomic_write_bytes(path, data, "plot")
    return path


@contextlib.contextmanager
def _svg_close_path_fix():
    """pyqtgraph 0.14's SVG exporter reads every token of a path as "x,y" and fails on the
    "Z" (close path) that Qt 6 writes after rectangles; drop those tokens while it exports
    (the paths concerned return to their first point before the Z anyway)."""
    import importlib

    module = importlib.import_module("pyqtgraph.exporters.SVGExporter")
    original = getattr(module, "correctCoordinates", None)
    if original is None:  # another pyqtgraph: nothing to fix
        yield
        return

    def correct(node, defs, item, options):
        for path in node.getElementsByTagName("path"):
            d = path.getAttribute("d")
            if "Z" in d or "z" in d:
                path.setAttribute("d", " ".join(t for t in d.split() if t not in ("Z", "z")))
        return original(node, defs, item, options)

    module.correctCoordinates = correct
    try:
        yield
    finally:
        module.correctCoordinates = original


def all_runs_csv_text(runs: list[RunRecord]) -> str:
    """Every run's history as one long CSV table: run, label, iteration, cost, the test cost
    (a column when some run has a test set; empty for the others), parameters. Runs with a
    test set or a penalty are described above the table in comment lines ("# run 2 (label):
    …": the split, λ and the metrics; :func:`core.run_report.csv_comment`)."""
    names: list[str] = []
    for run in runs:
        names += [n for n in run.parameter_names if n not in names]
    buf = io.StringIO()
    for k, run in enumerate(runs, 1):
        for line in csv_comment(run, f"run {k} ({run.label})"):
            buf.write(line + "\n")
    tested = any(run.test_costs for run in runs)
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(
        ["run", "label", "solver", "alpha", "iteration", "cost", *["test cost"] * tested, *names]
    )
    for k, run in enumerate(runs, 1):
        alpha = "" if run.alpha is None else repr(run.alpha)
        for i, (it, cost, row) in enumerate(
            zip(run.iterations, run.costs, run.params, strict=True)
        ):
            values = dict(zip(run.parameter_names, row, strict=True))
            test = [repr(run.test_costs[i]) if run.test_costs else ""] if tested else []
            out.writerow(
                [
                    k,
                    run.label,
                    run.solver,
                    alpha,
                    it,
                    repr(cost),
                    *test,
                    *(repr(values[n]) if n in values else "" for n in names),
                ]
            )
    return buf.getvalue()


def export_runs(path: str | Path, runs: list[RunRecord]) -> None:
    """All runs: JSON through core.session.export_history, CSV as one long table.

    Raises InputError when there is no run or the file cannot be written.
    """
    if not runs:
        raise InputError("there is no run to export yet")
    check_output_path(path, "history")
    if Path(path).suffix.lower() == ".json":
        export_history(path, runs)
    else:
        atomic_write_text(path, all_runs_csv_text(runs), "history")
