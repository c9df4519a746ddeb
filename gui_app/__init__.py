"""GD Explorer's Qt application (the window, its views and the worker bridge)."""

from gui_app._refcount_guard import guard_singletons

guard_singletons()
