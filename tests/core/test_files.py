"""core.files: regular files only, bounded JSON, atomic writes that report failure."""

from __future__ import annotations

import os

import pytest

from core.errors import InputError
from core.files import (
    atomic_write_text,
    check_output_path,
    parse_json,
    read_json,
    remove_stale_temps,
    require_regular_file,
    sanitize_text,
)


def test_fifo_is_refused_before_opening(tmp_path):
    fifo = tmp_path / "data.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="named pipe"):
        require_regular_file(fifo, "data file")  # would block forever if it opened it


def test_character_device_and_folder_are_refused(tmp_path):
    with pytest.raises(InputError, match="device"):
        read_json("/dev/zero", "session")
    with pytest.raises(InputError, match="folder"):
        read_json(tmp_path, "session")


@pytest.mark.parametrize("text, match", [
    ("[" * 5000 + "]" * 5000, "nested deeper"),
    ('{"iterations": Infinity}', "Infinity is not a number"),
    ('{"a": NaN}', "NaN"),
    ('{"seed": ' + "9" * 5000 + "}", "too long"),
    ('{"a": 1', "broken JSON"),
])
def test_hostile_json_is_one_clear_message(text, match):
    with pytest.raises(InputError, match=match) as info:
        parse_json(text, "s.json")
    assert str(info.value).startswith("s.json: ")


def test_lone_surrogates_are_replaced_so_text_can_be_written_again(tmp_path):
    data = parse_json('{"label": "run \\ud800 one"}', "s.json")
    assert data["label"] == "run \ufffd one"
    assert sanitize_text("ok") == "ok"
    atomic_write_text(tmp_path / "out.txt", "bad \ud800")
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "bad \ufffd"


def test_json_strings_with_brackets_do_not_count_as_nesting():
    deep_in_string = '{"title": "' + "[" * 500 + '"}'
    assert parse_json(deep_in_string, "x")["title"] == "[" * 500


def test_atomic_write_failure_keeps_the_old_file_and_says_so(tmp_path, monkeypatch):
    target = tmp_path / "plot.png"
    target.write_bytes(b"good old file")

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(InputError, match="No space left"):
        atomic_write_text(target, "new")
    assert target.read_bytes() == b"good old file"
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left


def test_output_path_checked_before_work(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        check_output_path(tmp_path, "benchmark report")
    with pytest.raises(InputError, match="does not exist"):
        check_output_path(tmp_path / "missing" / "r.json")
    assert check_output_path(tmp_path / "r.json") == tmp_path / "r.json"


def test_stale_temporary_files_are_removed(tmp_path):
    stale = tmp_path / ".gdx-tmp-session.json.abc123"
    stale.write_text("half")
    other = tmp_path / "keep.json"
    other.write_text("{}")
    assert remove_stale_temps(tmp_path, "session.json") == [stale]
    assert not stale.exists() and other.exists()
