"""The ``gd-explorer`` console script: headless commands go to ``core.cli`` before any Qt
import, so ``fit``, ``bench`` and ``lesson`` work (and start fast) without a display.

Before the window opens on X11, the system libraries Qt's xcb platform plugin needs are
checked: where one is missing, Qt would print a plugin error and abort (exit 134, a core
dump); instead one message names the packages to install and the exit status is 2. Then the
display itself is opened once with libxcb (``xcb_connect``): Qt aborts the same way, with a
misleading hint about xcb-cursor0, when ``DISPLAY`` names no running X server.

``gd-explorer`` without arguments opens the window without building the command line's parser
(its ``bench`` options import the timing lab, ~50 ms of the 1 s start; issue 13, item 4).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

PROG = "gd-explorer"
EXIT_MISSING_LIBRARIES = 2
EXIT_NO_DISPLAY = 2
HEADLESS = "fit, predict, lesson, bench, make-data"

# The shared libraries PySide6's xcb platform plugin (plugins/platforms/libqxcb.so, with
# libQt6XcbQpa and libQt6Gui) loads from the system, as `ldd` lists them, with the package
# that ships each one: (Debian/Ubuntu, Fedora). Qt's "X11 requirements" page lists the same
# xcb family. tests/test_launcher.py checks this table against `ldd` of the installed plugin.
XCB_LIBRARIES: dict[str, tuple[str, str]] = {
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
}


def qt_would_use_xcb(environ: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether Qt will pick its X11 (xcb) platform plugin in this environment.

    True on Linux when ``QT_QPA_PLATFORM`` names xcb first, or when it is unset, ``DISPLAY``
    is set and the session is not Wayland (where Qt picks its wayland plugin). False for
    offscreen, minimal, wayland, and everywhere but Linux.
    """
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return False
    requested = environ.get("QT_QPA_PLATFORM", "").strip()
    if requested:  # "xcb", "wayland;xcb", "offscreen", "xcb:option=value"...
        return requested.split(";")[0].split(":")[0].strip() == "xcb"
    if not environ.get("DISPLAY"):
        return False
    wayland = environ.get("XDG_SESSION_TYPE", "").lower() == "wayland" or bool(
        environ.get("WAYLAND_DISPLAY")
    )
    return not wayland


def _load_library(soname: str) -> object:
    """dlopen the library by its soname, as Qt's loader would find it (raises OSError)."""
    return ctypes.CDLL(soname)


def _in_bundle(soname: str) -> bool:
    """Whether a PyInstaller bundle ships the library itself (sys._MEIPASS)."""
    base = getattr(sys, "_MEIPASS", None)
    if not base:
        return False
    return any((Path(base) / sub / soname).exists() for sub in ("", "PySide6/Qt/lib"))


def missing_xcb_libraries(load: Callable[[str], object] | None = None) -> list[str]:
    """The sonames of :data:`XCB_LIBRARIES` that cannot be loaded, in table order.

    ``load`` opens one library by soname and raises OSError when it cannot (default: ctypes).
    Loading them costs about a millisecond: Qt loads the same libraries a moment later.
    """
    load = _load_library if load is None else load
    missing = []
    for soname in XCB_LIBRARIES:
        try:
            load(soname)
        except OSError:
            if not _in_bundle(soname):
                missing.append(soname)
    return missing


def _unique(names: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(names))


def missing_libraries_message(missing: Sequence[str]) -> str:
    """The message for the user: what is missing, and the command that installs it."""
    debian = " ".join(_unique([XCB_LIBRARIES[s][0] for s in missing]))
    fedora = " ".join(_unique([XCB_LIBRARIES[s][1] for s in missing]))
    return (
        f"{PROG}: the window cannot open: Qt's X11 (xcb) platform needs system libraries "
        f"that are missing: {', '.join(missing)}.\n"
        "Install them, then start it again:\n"
        f"  Debian/Ubuntu:  sudo apt install {debian}\n"
        f"  Fedora:         sudo dnf install {fedora}\n"
        f"The headless commands ({PROG} {HEADLESS}) work without them."
    )


def check_display_libraries(
    environ: Mapping[str, str] | None = None, load: Callable[[str], object] | None = None
) -> str | None:
    """The message to print when Qt would use xcb and a library it needs is missing, else
    None (nothing is loaded when Qt would not use xcb)."""
    if not qt_would_use_xcb(environ):
        return None
    missing = missing_xcb_libraries(load)
    return missing_libraries_message(missing) if missing else None


def display_opens(display: str, load: Callable[[str], object] | None = None) -> bool | None:
    """Whether the X server ``display`` names (``":0"``; ``""`` for libxcb's default, the
    ``DISPLAY`` variable) accepts a connection: True or False, or None when libxcb cannot be
    asked (then Qt is left to try).

    Connects once with libxcb, as Qt's xcb plugin does (``xcb_connect``, then
    ``xcb_connection_has_error``, then ``xcb_disconnect``; the libxcb API, xcb.h). A local
    display that is not running fails at once (its socket is missing). ``load`` opens a
    library by soname (default: ctypes), so tests need no X server.
    """
    load = _load_library if load is None else load
    try:
        xcb: Any = load("libxcb.so.1")
        xcb.xcb_connect.restype = ctypes.c_void_p
        xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
        xcb.xcb_connection_has_error.restype = ctypes.c_int
        xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
        xcb.xcb_disconnect.restype = None
        xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
        connection = xcb.xcb_connect(os.fsencode(display) if display else None, None)
        if not connection:
            return False
        try:
            return xcb.xcb_connection_has_error(connection) == 0
        finally:
            xcb.xcb_disconnect(connection)  # also frees an error connection (xcb.h)
    except (OSError, AttributeError, TypeError, ValueError):
        return None


def check_display_opens(
    environ: Mapping[str, str] | None = None, load: Callable[[str], object] | None = None
) -> str | None:
    """The message to print when Qt would use xcb and the display cannot be opened, else
    None (nothing is tried when Qt would not use xcb)."""
    environ = os.environ if environ is None else environ
    if not qt_would_use_xcb(environ):
        return None
    display = environ.get("DISPLAY", "")
    if display_opens(display, load) is not False:
        return None
    shown = f"the display {display!r}" if display else "a display (DISPLAY is not set)"
    return (
        f"{PROG}: cannot open {shown}: no X server answers there; set DISPLAY to a running "
        f"X server, or use the headless commands {HEADLESS}"
    )


def _install_desktop_entry() -> int:
    """``--install-desktop-entry``: write the entry and icon, say where; exit status."""
    if not sys.platform.startswith("linux"):
        print(f"{PROG}: --install-desktop-entry is for Linux desktops", file=sys.stderr)
        return 2
    from gui_app.desktop_entry import install_desktop_entry

    try:
        paths = install_desktop_entry()
    except OSError as exc:
        print(f"{PROG}: cannot write the desktop entry: {exc}", file=sys.stderr)
        return 1
    print(f"GD Explorer is in the application menu (Education): {paths[0]}, icon {paths[1]}")
    return 0


def _launch(args: argparse.Namespace) -> int:
    if getattr(args, "install_desktop_entry", False):
        return _install_desktop_entry()
    problem = check_display_libraries()
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_MISSING_LIBRARIES
    problem = check_display_opens()
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_NO_DISPLAY
    from gui_app.app import run_app

    return run_app(self_test=args.self_test)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``gd-explorer`` with ``argv`` (default: the command line); returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        return _open_window()
    from core.cli import main as core_main

    return core_main(argv, launch_gui=_launch)


def _open_window() -> int:
    """The window, as ``core.cli.main`` would open it for an empty command line, and a
    failure ended the same way: one line on stderr, the same exit status (GDX_DEBUG=1 shows
    the traceback of an internal error)."""
    from core.errors import InputError

    args = argparse.Namespace(command=None, self_test=False, install_desktop_entry=False)
    try:
        return _launch(args)
    except InputError as exc:
        return _failed(f"error: {exc}", "EXIT_USAGE")
    except KeyboardInterrupt:
        return _failed("interrupted", "EXIT_INTERRUPTED")
    except MemoryError:
        return _failed("error: not enough memory for this request; use less data", "EXIT_USAGE")
    except OSError as exc:
        return _failed(f"error: input/output failed ({exc.strerror or exc})", "EXIT_FAILED")
    except Exception as exc:  # a bug: one line, the traceback for developers
        if os.environ.get("GDX_DEBUG"):
            raise
        message = f"internal error ({type(exc).__name__}: {exc}); set GDX_DEBUG=1 for details"
        return _failed(message, "EXIT_FAILED")


def _failed(message: str, status: str) -> int:
    """Say ``message`` on stderr; the exit status named ``status`` in core.cli_args."""
    from core import cli_args

    try:
        print(f"{PROG}: {message}", file=sys.stderr)
    except (OSError, ValueError):
        pass  # stderr is gone too: the exit status is all that is left
    return int(getattr(cli_args, status))
