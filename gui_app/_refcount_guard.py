"""Work around PySide6 6.12 dropping a reference to None/True/False on Python < 3.12.

With PySide6-Essentials 6.12.0 on CPython 3.11, every call of a void Qt method (``setText``,
``setValue``, ``setData`` ...) decrements the reference count of ``None`` without having
incremented it (the bindings assume the immortal singletons of Python 3.12, PEP 683). A
window that redraws 30 times a second reaches zero within minutes and the interpreter aborts
with "none_dealloc: deallocating None". Until the dependency is pinned or Python >= 3.12 is
required, give the three singletons a reference count so large that it cannot run out,
which is exactly what Python 3.12 does for them.
"""

from __future__ import annotations

import ctypes
import sys

_HEADROOM = 1 << 40


def guard_singletons() -> bool:
    """Make None, True and False effectively immortal (no-op on Python >= 3.12)."""
    if sys.version_info >= (3, 12) or hasattr(sys, "gettotalrefcount"):
        return False  # immortal already; debug builds have a different object header
    for obj in (None, True, False):
        refcnt = ctypes.c_ssize_t.from_address(id(obj))
        if refcnt.value < _HEADROOM:
            refcnt.value += _HEADROOM
    return True
