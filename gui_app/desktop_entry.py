"""``gd-explorer --install-desktop-entry``: put GD Explorer in the desktop's application menu.

Writes a freedesktop.org desktop entry (Desktop Entry Specification 1.5,
https://specifications.freedesktop.org/desktop-entry-spec/) to
``$XDG_DATA_HOME/applications/gd-explorer.desktop`` and the icon to
``$XDG_DATA_HOME/icons/hicolor/256x256/apps/gd-explorer.png`` (Icon Theme Specification),
``XDG_DATA_HOME`` defaulting to ``~/.local/share`` (XDG Base Directory Specification). The
entry starts the program that wrote it: the bundle's executable, or the installed
``gd-explorer`` script, or this Python with ``-m gui_app``. No Qt is imported here.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

APP_ID = "gd-explorer"
ICON_SIZE = "256x256"


def data_home(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_DATA_HOME`` if it is an absolute path, else ``~/.local/share``."""
    environ = os.environ if environ is None else environ
    value = environ.get("XDG_DATA_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    return Path(environ.get("HOME") or Path.home()) / ".local" / "share"


def launch_command() -> list[str]:
    """The command that starts the window: the frozen bundle's executable, the
    ``gd-explorer`` script beside this Python (or on PATH), else ``python -m gui_app``."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    beside = Path(sys.executable).with_name(APP_ID)
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    found = shutil.which(APP_ID)
    return [found] if found else [sys.executable, "-m", "gui_app"]


def _quote(arg: str) -> str:
    """One Exec argument, quoted as the specification's "The Exec key" section says."""
    reserved = set(" \t\n\"'\\><~|&;$*?#()`")
    if not any(c in reserved for c in arg):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return f'"{escaped}"'


def entry_text(command: list[str], icon: str = APP_ID) -> str:
    """The desktop entry's text for ``command`` (a percent sign in it doubled, as the
    specification requires of Exec values)."""
    exec_line = " ".join(_quote(a) for a in command).replace("%", "%%")
    return "\n".join(
        [
            "[Desktop Entry]",
            "Type=Application",
            "Version=1.5",
            "Name=GD Explorer",
            "GenericName=Gradient descent explorer",
            "Comment=See how linear regression is trained: gradient descent, the normal "
            "equation, feature scaling, optimizers, and timing on your own hardware",
            f"Exec={exec_line}",
            f"TryExec={command[0]}",
            f"Icon={icon}",
            "Terminal=false",
            "Categories=Education;Science;Math;",
            "Keywords=regression;gradient descent;machine learning;optimization;statistics;",
            f"StartupWMClass={APP_ID}",
            "",
        ]
    )


def install_desktop_entry(environ: Mapping[str, str] | None = None) -> list[Path]:
    """Write the desktop entry and the icon (module docstring); return their paths.

    Raises OSError when a file cannot be written (the caller says which).
    """
    home = data_home(environ)
    icon_dir = home / "icons" / "hicolor" / ICON_SIZE / "apps"
    apps = home / "applications"
    icon_dir.mkdir(parents=True, exist_ok=True)
    apps.mkdir(parents=True, exist_ok=True)
    icon = icon_dir / f"{APP_ID}.png"
    icon.write_bytes(resources.files("resources").joinpath(f"{APP_ID}.png").read_bytes())
    entry = apps / f"{APP_ID}.desktop"
    tmp = entry.with_suffix(".desktop.tmp")
    tmp.write_text(entry_text(launch_command()), encoding="utf-8")
    tmp.replace(entry)
    return [entry, icon]
