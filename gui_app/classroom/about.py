"""The About dialog: versions of the app and of everything its numbers depend on."""

from __future__ import annotations

import html
import os
import platform
import sys

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget


def about_info(gpu=None) -> list[tuple[str, str]]:
    """Name/value rows for the About dialog: versions of everything the numbers depend on."""
    import PySide6
    from PySide6.QtCore import qVersion

    import core
    from core.backend import gpu_status
    from core.timing.bench import blas_info

    rows = [
        ("GD Explorer", core.__version__),
        (
            "Python",
            f"{platform.python_version()} ({platform.python_implementation()}, {sys.platform})",
        ),
        ("Qt", qVersion()),
        ("PySide6", PySide6.__version__),
        ("pyqtgraph", pg.__version__),
        ("NumPy", np.__version__),
    ]
    try:
        blas = blas_info()
        text = f"{blas.get('library') or 'unknown'} {blas.get('version') or ''}".strip()
        threads = blas.get("threads")
        text += f", {threads} threads" if threads else " (threads unknown)"
        if blas.get("architecture"):
            text += f", {blas['architecture']}"
        if blas.get("reason"):
            text += f" — {blas['reason']}"
    except Exception as exc:  # the dialog must open whatever the BLAS reports
        text = f"unknown ({type(exc).__name__})"
    rows.append(("BLAS", text))
    rows.append(("CPU cores", str(os.cpu_count() or "?")))
    status = gpu if gpu is not None else gpu_status()
    if status.available:
        gb = status.memory_bytes / 1024**3
        rows.append(("GPU", f"{status.name} ({gb:.0f} GiB), via CuPy"))
    else:
        rows.append(("GPU", f"none usable: {status.reason}"))
    return rows


class AboutDialog(QDialog):
    """Versions of the app and the libraries its numbers depend on, copyable as text."""

    def __init__(self, rows: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About GD Explorer")
        self.rows = rows
        layout = QVBoxLayout(self)
        self.text = QTextBrowser()
        body = "".join(
            f"<tr><td><b>{html.escape(k)}</b>&nbsp;&nbsp;</td><td>{html.escape(v)}</td></tr>"
            for k, v in rows
        )
        self.text.setHtml(
            "<h3>GD Explorer</h3><p>How linear regression is trained: gradient "
            "descent, the normal equation, feature scaling and loop / BLAS / "
            f"GPU timings.</p><table>{body}</table>"
        )
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton("Copy", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.plain_text()))
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        self.resize(640, 420)

    def plain_text(self) -> str:
        return "\n".join(f"{k}: {v}" for k, v in self.rows)
