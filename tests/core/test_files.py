"""core.files: regular files only, bounded JSON, atomic writes that report failure."""

from __future__ import annotations

import errno
import os
import tempfile

import pytest

from core.errors import InputError
from core.files import (
    AtomicTextFile,
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


@pytest.mark.parametrize(
    "text, match",
    [
        ("[" * 5000 + "]" * 5000, "nested deeper"),
        ('{"iterations": Infinity}', "Infinity is not a number"),
        ('{"a": NaN}', "NaN"),
        ('{"seed": ' + "9" * 5000 + "}", "too long"),
        ('{"a": 1', "broken JSON"),
    ],
)
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


def test_constants_can_be_left_to_a_validator_that_names_the_field():
    data = parse_json('{"iterations": Infinity, "x": NaN}', "s.json", allow_constants=True)
    assert data["iterations"] == float("inf") and data["x"] != data["x"]


def test_atomic_text_file_appears_only_when_committed(tmp_path):
    target = tmp_path / "h.csv"
    target.write_text("old\n")
    out = AtomicTextFile(target, "history file")
    out.write("a\n")
    out.flush()
    assert target.read_text() == "old\n"  # the previous file stays until the commit
    assert out.temp_path is not None and out.temp_path.read_text() == "a\n"
    out.commit()
    assert target.read_text() == "a\n" and list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize(("error", "kept"), [(KeyboardInterrupt, True), (ValueError, False)])
def test_atomic_text_file_keeps_work_on_ctrl_c_only(tmp_path, error, kept):
    target = tmp_path / "h.csv"
    with pytest.raises(error), AtomicTextFile(target) as out:
        out.write("row 1\n")
        raise error
    assert target.exists() == kept
    assert [p.name for p in tmp_path.iterdir()] == (["h.csv"] if kept else [])


def test_atomic_text_file_reports_a_full_disk_and_leaves_nothing(tmp_path, monkeypatch):
    target = tmp_path / "h.csv"
    out = AtomicTextFile(target, "history file")

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(InputError, match="history file: No space left") as info:
        out.commit()
    assert "h.csv" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_atomic_writes_keep_the_mode_a_plain_open_would_give(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "new.txt", "x")
        with AtomicTextFile(tmp_path / "stream.txt") as out:
            out.write("x")
        existing = tmp_path / "shared.txt"
        existing.write_text("x")
        existing.chmod(0o640)
        atomic_write_text(existing, "y")
    finally:
        os.umask(old)
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "stream.txt").stat().st_mode & 0o777 == 0o644
    assert existing.stat().st_mode & 0o777 == 0o640


def test_output_path_must_not_be_empty(tmp_path):
    for empty in ("", "  "):
        with pytest.raises(InputError, match="the history file name is empty"):
            check_output_path(empty, "history file")


def test_output_path_check_proves_the_folder_takes_a_new_file(tmp_path, monkeypatch):
    assert check_output_path(tmp_path / "r.json") == tmp_path / "r.json"
    assert list(tmp_path.iterdir()) == []  # the probe file is gone

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    with pytest.raises(InputError) as info:
        check_output_path(tmp_path / "r.json", "history file")
    assert "the folder" in str(info.value) and "is not writable (Read-only file system)" in str(
        info.value
    )


@pytest.mark.skipif(not os.path.isfile("/proc/version"), reason="needs Linux /proc")
@pytest.mark.parametrize("path", ["/proc/version", "/proc/gdx-newfile.csv"])
def test_output_path_in_proc_is_refused_with_the_true_reason(path):
    with pytest.raises(InputError) as info:
        check_output_path(path, "history file")
    text = str(info.value)
    assert "the folder '/proc' is not writable" in text and "No such file" not in text


@pytest.mark.parametrize(
    ("broken", "step"),
    [
        ("mkstemp", "cannot create a file in the folder"),
        ("replace", "cannot replace 'plot.png' with the new file"),
    ],
)
def test_atomic_write_failures_say_what_failed(tmp_path, monkeypatch, broken, step):
    target = tmp_path / "plot.png"
    target.write_bytes(b"old")

    def refuse(*args, **kwargs):
        raise OSError(errno.EACCES, "Permission denied")

    if broken == "mkstemp":
        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    else:
        monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(InputError) as info:
        atomic_write_text(target, "new", "plot")
    assert f"could not write the plot: {step}" in str(info.value)
    assert "(Permission denied)" in str(info.value)
    assert target.read_bytes() == b"old" and list(tmp_path.iterdir()) == [target]
    with pytest.raises(InputError, match=step.replace("'plot.png'", "'h.csv'")):
        out = AtomicTextFile(tmp_path / "h.csv", "history file")
        out.write("row\n")
        out.commit()
    assert list(tmp_path.iterdir()) == [target]
