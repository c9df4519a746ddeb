"""tests/core needs no Qt. With GDX_BLOCK_QT=1 (CI's second pass) Qt cannot even be imported,
as on a machine where PySide6 is not installed."""

from __future__ import annotations

import importlib.abc
import os
import sys

BLOCKED = ("PySide6", "shiboken6", "pyqtgraph", "gui_app")


class _BlockQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is blocked: core must run without Qt")
        return None


if os.environ.get("GDX_BLOCK_QT") == "1":
    for mod in list(sys.modules):
        if mod.split(".")[0] in BLOCKED:
            raise RuntimeError(f"{mod} was imported before tests/core started")
    sys.meta_path.insert(0, _BlockQt())
