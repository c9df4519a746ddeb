"""The launcher's check for Qt's X11 libraries (issue 9, item 9): on a desktop without
libxcb-cursor0 Qt aborted with exit 134; now one message names the packages and the exit
status is 2. The library loader is replaced, so no test depends on what this machine has
installed, and no window opens (the app's start is replaced too)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

from gui_app import launcher


@pytest.fixture
def x11(monkeypatch):
    """An X11 desktop session: DISPLAY set, no Qt platform chosen, not Wayland."""
    monkeypatch.setenv("DISPLAY", ":0")
    for name in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(launcher.sys, "platform", "linux")


class _Function:
    """A ctypes foreign function stand-in: records its calls; argtypes/restype are free."""

    def __init__(self, result: object, calls: list) -> None:
        self.result, self.calls = result, calls

    def __call__(self, *args: object) -> object:
        self.calls.append(args)
        return self.result


class FakeXcb:
    """libxcb as the launcher uses it: a connection that has an error or not."""

    CONNECTION = 0x1234

    def __init__(self, error: int) -> None:
        self.connects: list = []
        self.disconnects: list = []
        self.xcb_connect = _Function(self.CONNECTION, self.connects)
        self.xcb_connection_has_error = _Function(error, [])
        self.xcb_disconnect = _Function(None, self.disconnects)


class Loader:
    """Stands in for dlopen: records each soname asked for, fails for the missing ones;
    libxcb is a :class:`FakeXcb` whose display opens unless ``display_error`` is set."""

    def __init__(self, missing: Iterable[str] = (), display_error: int = 0) -> None:
        self.missing = set(missing)
        self.asked: list[str] = []
        self.xcb = FakeXcb(display_error)

    def __call__(self, soname: str) -> object:
        self.asked.append(soname)
        if soname in self.missing:
            raise OSError(f"{soname}: cannot open shared object file: No such file or directory")
        return self.xcb if soname == "libxcb.so.1" else object()


@pytest.fixture
def app_start(monkeypatch):
    """Replaces the window's start: records the calls and returns 0."""
    import gui_app.app

    calls: list[bool] = []

    def fake_run_app(self_test: bool = False) -> int:
        calls.append(self_test)
        return 0

    monkeypatch.setattr(gui_app.app, "run_app", fake_run_app)
    return calls


def test_missing_library_gives_install_command_and_exit_2(x11, monkeypatch, app_start, capsys):
    loader = Loader({"libxcb-cursor.so.0", "libxcb-icccm.so.4"})
    monkeypatch.setattr(launcher, "_load_library", loader)
    assert launcher.main([]) == 2
    err = capsys.readouterr().err
    assert "libxcb-cursor.so.0" in err and "libxcb-icccm.so.4" in err
    assert "sudo apt install libxcb-cursor0 libxcb-icccm4\n" in err
    assert "sudo dnf install xcb-util-cursor xcb-util-wm\n" in err
    assert "Traceback" not in err
    assert app_start == []  # Qt was never started


def test_all_libraries_present_starts_the_app(x11, monkeypatch, app_start, capsys):
    loader = Loader()
    monkeypatch.setattr(launcher, "_load_library", loader)
    assert launcher.main(["--self-test"]) == 0
    assert app_start == [True]
    # every library once, then libxcb again to open the display (connected and released)
    assert loader.asked == [*launcher.XCB_LIBRARIES, "libxcb.so.1"]
    assert loader.xcb.connects == [(b":0", None)]
    assert loader.xcb.disconnects == [(FakeXcb.CONNECTION,)]
    assert capsys.readouterr().err == ""


def test_a_display_without_an_x_server_is_one_line_and_exit_2(x11, monkeypatch, app_start, capsys):
    monkeypatch.setenv("DISPLAY", ":99")
    loader = Loader(display_error=1)  # XCB_CONN_ERROR: the server cannot be reached
    monkeypatch.setattr(launcher, "_load_library", loader)
    assert launcher.main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gd-explorer: cannot open the display ':99'")
    assert "set DISPLAY to a running X server" in err
    assert "headless commands fit, predict, lesson, bench" in err and err.count("\n") == 1
    assert "xcb-cursor" not in err
    assert app_start == []  # Qt was never started
    assert loader.xcb.disconnects == [(FakeXcb.CONNECTION,)]  # the error connection is freed


def test_when_libxcb_cannot_be_asked_qt_is_left_to_try(x11, monkeypatch):
    def no_xcb(soname: str) -> object:
        raise OSError("libxcb.so.1: cannot open shared object file")

    assert launcher.display_opens(":0", load=no_xcb) is None
    assert launcher.check_display_opens({"DISPLAY": ":0"}, load=no_xcb) is None
    assert launcher.display_opens(":0", load=lambda soname: object()) is None  # no symbols


def test_the_display_is_not_tried_where_qt_does_not_use_xcb():
    loader = Loader(display_error=1)
    environ = {"DISPLAY": ":99", "QT_QPA_PLATFORM": "offscreen"}
    assert launcher.check_display_opens(environ, load=loader) is None
    assert loader.asked == []


def test_qt_forced_to_xcb_without_display_names_the_unset_variable(monkeypatch):
    monkeypatch.setattr(launcher.sys, "platform", "linux")
    loader = Loader(display_error=1)
    message = launcher.check_display_opens({"QT_QPA_PLATFORM": "xcb"}, load=loader)
    assert message is not None and "DISPLAY is not set" in message
    assert loader.xcb.connects == [(None, None)]  # libxcb's own default: the DISPLAY variable


def test_the_no_display_message_lists_every_headless_command(monkeypatch, capsys):
    import gui_app.app

    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(gui_app.app.sys, "platform", "linux")
    assert gui_app.app.run_app() == 2  # said before any Qt object is made
    err = capsys.readouterr().err
    assert "no display found" in err and "headless commands: fit, predict, lesson, bench" in err


def test_packages_are_named_once_each():
    missing = ["libxcb-randr.so.0", "libxcb-shm.so.0", "libxcb.so.1"]
    message = launcher.missing_libraries_message(missing)
    assert "sudo apt install libxcb-randr0 libxcb-shm0 libxcb1\n" in message
    assert "sudo dnf install libxcb\n" in message  # one Fedora package ships all three


@pytest.mark.parametrize(
    "environ",
    [
        {"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"},
        {"DISPLAY": ":0", "QT_QPA_PLATFORM": "wayland"},
        {"DISPLAY": ":0", "QT_QPA_PLATFORM": "minimal"},
        {"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"},
        {"WAYLAND_DISPLAY": "wayland-0"},
        {},  # no display at all: run_app says so itself
    ],
)
def test_no_check_where_qt_does_not_use_xcb(environ):
    loader = Loader(set(launcher.XCB_LIBRARIES))
    assert launcher.check_display_libraries(environ, load=loader) is None
    assert loader.asked == []


@pytest.mark.parametrize(
    "environ",
    [
        {"DISPLAY": ":0"},
        {"DISPLAY": ":0", "XDG_SESSION_TYPE": "x11"},
        {"QT_QPA_PLATFORM": "xcb"},
        {"DISPLAY": ":1", "QT_QPA_PLATFORM": "xcb;wayland"},
    ],
)
def test_check_where_qt_uses_xcb(environ, monkeypatch):
    monkeypatch.setattr(launcher.sys, "platform", "linux")
    loader = Loader({"libxkbcommon-x11.so.0"})
    message = launcher.check_display_libraries(environ, load=loader)
    assert message is not None and "libxkbcommon-x11-0" in message


def test_not_linux_is_never_checked():
    assert not launcher.qt_would_use_xcb({"DISPLAY": ":0"}, platform="darwin")
    assert not launcher.qt_would_use_xcb({"QT_QPA_PLATFORM": "xcb"}, platform="win32")


@pytest.mark.parametrize(
    "argv",
    [
        ["--version"],
        ["lesson", "--help"],
        ["bench", "--help"],
        ["fit", "demo:housing", "--solver", "normal", "--json"],
    ],
)
def test_headless_commands_never_check(x11, monkeypatch, app_start, capsys, argv):
    loader = Loader(set(launcher.XCB_LIBRARIES))  # every library "missing"
    monkeypatch.setattr(launcher, "_load_library", loader)
    assert launcher.main(argv) == 0
    assert loader.asked == [] and app_start == []
    assert "xcb" not in capsys.readouterr().err


def test_a_library_the_bundle_ships_is_not_missing(monkeypatch, tmp_path):
    (tmp_path / "libxcb-cursor.so.0").write_bytes(b"")
    monkeypatch.setattr(launcher.sys, "_MEIPASS", str(tmp_path), raising=False)
    loader = Loader({"libxcb-cursor.so.0", "libxcb-icccm.so.4"})
    assert launcher.missing_xcb_libraries(loader) == ["libxcb-icccm.so.4"]


def _xcb_plugin() -> Path | None:
    try:
        import PySide6
    except ImportError:
        return None
    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.is_file() else None


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("ldd") is None or _xcb_plugin() is None,
    reason="needs Linux, ldd and PySide6's xcb plugin",
)
def test_table_covers_what_the_installed_xcb_plugin_loads():
    """A PySide6 upgrade that links a new X11 library must add it to the table."""
    out = subprocess.run(
        ["ldd", str(_xcb_plugin())], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    sonames = {line.split()[0] for line in out.splitlines() if line.strip()}
    x11_family = {s for s in sonames if s.startswith(("libxcb", "libxkbcommon", "libX11"))}
    assert "libxcb-cursor.so.0" in x11_family  # the parse found the plugin's libraries
    assert x11_family <= set(launcher.XCB_LIBRARIES), x11_family - set(launcher.XCB_LIBRARIES)


def _install_line(readme: str, command: str) -> set[str]:
    start = readme.index(command) + len(command)
    block = readme[start : readme.index("```", start)]
    return set(block.replace("\\\n", " ").split())


def test_readme_names_the_same_packages():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert _install_line(readme, "sudo apt install") == {
        debian for debian, _ in launcher.XCB_LIBRARIES.values()
    }
    assert _install_line(readme, "sudo dnf install") == {
        fedora for _, fedora in launcher.XCB_LIBRARIES.values()
    }
