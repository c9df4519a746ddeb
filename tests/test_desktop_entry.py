"""``gd-explorer --install-desktop-entry`` (issue 13, item 7): a freedesktop.org desktop
entry and its icon, where the desktop's menu looks for them."""

from __future__ import annotations

import configparser
import os
import sys

import pytest
from PIL import Image

from gui_app import desktop_entry
from gui_app.launcher import main

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux desktops")


def _read(path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive in desktop entries
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def test_install_writes_an_entry_and_an_icon(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    assert main(["--install-desktop-entry"]) == 0
    out = capsys.readouterr().out
    entry_path = tmp_path / "share" / "applications" / "gd-explorer.desktop"
    icon_path = tmp_path / "share" / "icons" / "hicolor" / "256x256" / "apps" / "gd-explorer.png"
    assert str(entry_path) in out and str(icon_path) in out
    entry = _read(entry_path)
    assert entry["Type"] == "Application" and entry["Name"] == "GD Explorer"
    assert entry["Icon"] == "gd-explorer" and entry["Terminal"] == "false"
    assert "Education;" in entry["Categories"] and entry["Categories"].endswith(";")
    program = entry["TryExec"]
    assert os.path.isabs(program) and os.access(program, os.X_OK)
    assert entry["Exec"].split(" ")[0].strip('"') == program
    with Image.open(icon_path) as icon:
        assert icon.format == "PNG" and icon.size == (256, 256)


def test_a_relative_xdg_data_home_is_ignored_as_the_specification_says(tmp_path):
    env = {"XDG_DATA_HOME": "relative/share", "HOME": str(tmp_path)}
    assert desktop_entry.data_home(env) == tmp_path / ".local" / "share"
    assert desktop_entry.data_home({"XDG_DATA_HOME": "/x/y", "HOME": "/h"}).as_posix() == "/x/y"


def test_exec_arguments_are_quoted_and_percent_doubled():
    text = desktop_entry.entry_text(["/opt/GD Explorer/gd-explorer", "-m", "50%"])
    line = next(ln for ln in text.splitlines() if ln.startswith("Exec="))
    assert line == 'Exec="/opt/GD Explorer/gd-explorer" -m 50%%'


def test_an_unwritable_place_is_one_message(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    assert main(["--install-desktop-entry"]) == 1
    err = capsys.readouterr().err
    assert "cannot write the desktop entry" in err and err.count("\n") == 1
