"""Files in and out, safely: regular files only, bounded JSON, atomic writes.

Every file the product reads on a user's behalf (data, sessions, lessons, settings) and every
file it writes (sessions, lessons, histories, plots, benchmark reports) goes through here, so
the rules hold everywhere:

- a FIFO, a character device, a directory or anything else that is not a regular file is
  refused *before* it is opened for reading (opening a FIFO blocks forever);
- JSON documents are bounded in size and nesting, refuse ``NaN``/``Infinity`` and integers too
  long to convert, and have lone surrogates replaced so that text read from a file can always
  be written again;
- writes go to a temporary file in the same folder, are flushed to disk and then renamed over
  the target: an interrupted or failed write leaves the previous file as it was, and the
  failure is reported (never "saved" over a truncated file);
- output paths are checked before long work starts.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from core.errors import InputError

MAX_JSON_BYTES = 50 * 1024**2  # sessions hold run histories; lessons are a few kB
MAX_JSON_DEPTH = 64  # the product's own files nest 5 levels at most
TEMP_PREFIX = ".gdx-tmp-"
_SURROGATE = re.compile("[\ud800-\udfff]")


def require_regular_file(path: str | Path, what: str = "file") -> Path:
    """Refuse anything but an existing regular file, without opening it.

    Raises InputError naming ``path`` for a missing path, a directory, a FIFO, a device or
    a socket.
    """
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"no such {what}", path=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read the {what}: {exc.strerror or exc}", path=str(path)) from None
    if stat.S_ISREG(st.st_mode):
        return path
    kind = (
        "a folder"
        if stat.S_ISDIR(st.st_mode)
        else "a named pipe (FIFO)"
        if stat.S_ISFIFO(st.st_mode)
        else "a device"
        if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
        else "a socket"
        if stat.S_ISSOCK(st.st_mode)
        else "not a regular file"
    )
    raise InputError(f"is {kind}, not a {what}: choose a regular file", path=str(path))


def read_bytes(path: str | Path, what: str = "file", max_bytes: int = MAX_JSON_BYTES) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` (InputError otherwise)."""
    path = require_regular_file(path, what)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                f"is {size / 1024**2:.0f} MB; a {what} may be at most {max_bytes / 1024**2:.0f} MB",
                path=str(path),
            )
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read the {what}: {exc.strerror or exc}", path=str(path)) from None
    if len(data) > max_bytes:  # it grew while we read it
        raise InputError(f"a {what} may be at most {max_bytes / 1024**2:.0f} MB", path=str(path))
    return data


def sanitize_text(text: str) -> str:
    """``text`` with lone surrogates (which cannot be encoded as UTF-8) replaced by U+FFFD."""
    # A str holds a surrogate code point only when it is unpaired (JSON decodes a valid
    # pair into one character), so each one is replaced.
    return _SURROGATE.sub("\ufffd", text)


def _sanitize(value: Any) -> Any:
    if isinstance(value, str):
        return sanitize_text(value)
    if isinstance(value, list):
        return [_sanitize(v) for v in value]
    if isinstance(value, dict):
        return {sanitize_text(k): _sanitize(v) for k, v in value.items()}
    return value


def _depth_ok(text: str, limit: int) -> bool:
    """Whether brackets outside strings nest at most ``limit`` deep (checked before parsing,
    so a document nested thousands deep is refused instead of hitting RecursionError)."""
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def parse_json(text: str, where: str, *, allow_constants: bool = False) -> Any:
    """Parse a JSON document from a file the user gave; InputError names ``where``.

    Refuses nesting deeper than :data:`MAX_JSON_DEPTH`, ``NaN``/``Infinity`` (unless
    ``allow_constants``: then they become floats, for a caller that validates every field and
    can name the one that holds them) and integers longer than Python converts; replaces lone
    surrogates in strings.
    """

    def no_constant(name: str) -> Any:
        raise InputError(f"{where}: {name} is not a number JSON allows; write a finite number")

    if not _depth_ok(text, MAX_JSON_DEPTH):
        raise InputError(
            f"{where}: nested deeper than {MAX_JSON_DEPTH} levels; not a file this app writes"
        )
    try:
        data = json.loads(text, parse_constant=float if allow_constants else no_constant)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{where}: broken JSON ({exc.msg}) at line {exc.lineno}, column {exc.colno}"
        ) from None
    except ValueError as exc:  # an integer with thousands of digits
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{where}: a number is too long ({exc})") from None
    except RecursionError:
        raise InputError(f"{where}: nested too deeply; not a file this app writes") from None
    return _sanitize(data)


def read_json(
    path: str | Path,
    what: str = "file",
    max_bytes: int = MAX_JSON_BYTES,
    *,
    allow_constants: bool = False,
) -> Any:
    """Read and parse a JSON file under the rules of :func:`parse_json` (InputError)."""
    data = read_bytes(path, what, max_bytes)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"is not a {what} (not UTF-8 text)", path=str(path)) from None
    return parse_json(text, str(path), allow_constants=allow_constants)


def check_output_path(path: str | Path, what: str = "output file") -> Path:
    """Check, before long work starts, that ``path`` can be written: it is not empty and not
    a folder, and its folder exists and accepts a new file (proved by creating and removing
    a temporary file there, so that read-only mounts, ``/proc`` and the like are caught
    too). Raises InputError naming the path and the true reason."""
    if not str(path).strip():
        raise InputError(f"the {what} name is empty; give a file name")
    path = Path(path)
    if path.is_dir():
        raise InputError(f"is a folder; give a file name for the {what}", path=str(path))
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(
            f"cannot write the {what}: the folder {str(parent)!r} does not exist", path=str(path)
        )
    if path.exists() and not path.is_file():
        raise InputError(f"is not a regular file; give a file name for the {what}", path=str(path))
    try:
        fd, probe = tempfile.mkstemp(prefix=TEMP_PREFIX + path.name + ".", dir=str(parent))
    except OSError as exc:
        # ENOENT for an existing folder: a pseudo-filesystem (/proc) that takes no new files
        reason = "it takes no new files" if exc.errno == errno.ENOENT else _reason(exc)
        raise InputError(
            f"cannot write the {what}: the folder {str(parent)!r} is not writable ({reason})",
            path=str(path),
        ) from None
    os.close(fd)
    try:
        os.unlink(probe)
    except OSError:
        pass  # a leftover probe is a harmless hidden temporary file (remove_stale_temps)
    return path


def _reason(exc: BaseException) -> str:
    """An OSError in words: its strerror, else its text."""
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _umask() -> int:
    """The process's umask, read without changing it where Linux allows (threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _give_mode(fd: int, path: Path) -> None:
    """Give a temporary file (created 0600) the mode the final file should have: the mode
    of the file it replaces, else what ``open()`` would have given a new file."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    try:
        os.fchmod(fd, mode)
    except (OSError, AttributeError):  # no fchmod (Windows): the default is fine there
        pass


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], None], what: str = "file") -> None:
    """Write ``path`` atomically: ``write(fh)`` fills a temporary file in the same folder,
    which is flushed to disk and renamed over ``path``. On any failure the temporary file is
    removed, the previous ``path`` is untouched, and InputError says what went wrong (a
    full disk, a read-only folder)."""
    path = Path(path)
    folder = str(path.parent) if str(path.parent) else "."
    tmp = None
    step = f"cannot create a file in the folder {folder!r}"
    try:
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX + path.name + ".", dir=folder)
        _give_mode(fd, path)
        step = ""
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        step = f"cannot replace {path.name!r} with the new file"
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise write_error(what, path, exc, step) from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def write_error(what: str, path: str | Path, exc: BaseException, step: str = "") -> InputError:
    """The InputError for a failed atomic write: what failed (``step``: creating the
    temporary file, replacing the old file; empty for writing itself) and the system's
    reason, e.g. ``could not write the history file: No space left on device; ...``."""
    reason = _reason(exc)
    detail = f"{step} ({reason})" if step else reason
    return InputError(
        f"could not write the {what}: {detail}; the previous file (if any) is unchanged",
        path=str(path),
    )


def atomic_write_text(path: str | Path, text: str, what: str = "file") -> None:
    """:func:`atomic_write` of UTF-8 text (lone surrogates replaced)."""
    atomic_write_bytes(path, sanitize_text(text).encode("utf-8"), what)


def atomic_write_bytes(path: str | Path, data: bytes, what: str = "file") -> None:
    """:func:`atomic_write` of bytes."""

    def write(fh: IO[bytes]) -> None:
        fh.write(data)

    atomic_write(path, write, what)


class AtomicTextFile:
    """A text file written as work goes, which appears at ``path`` only as a whole.

    Text goes to a temporary file in the same folder; :meth:`commit` flushes it to disk and
    renames it onto ``path``; :meth:`discard` removes it and leaves ``path`` as it was. Used
    as a context manager it commits when the block ends normally *or* is interrupted by
    Ctrl+C (what was written so far is kept), and discards on any other error. A failed
    write raises InputError naming ``path`` (a full disk) after removing the temporary file.
    """

    def __init__(self, path: str | Path, what: str = "file") -> None:
        self.path = Path(path)
        self.what = what
        folder = str(self.path.parent) if str(self.path.parent) else "."
        try:
            fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX + self.path.name + ".", dir=folder)
        except OSError as exc:
            step = f"cannot create a file in the folder {folder!r}"
            raise write_error(what, self.path, exc, step) from None
        _give_mode(fd, self.path)
        self.temp_path: Path | None = Path(tmp)
        self._fh: IO[str] = os.fdopen(fd, "w", encoding="utf-8", newline="")

    def _error(self, exc: BaseException, step: str = "") -> InputError:
        return write_error(self.what, self.path, exc, step)

    def write(self, text: str) -> None:
        """Append ``text`` (lone surrogates replaced); InputError when the disk refuses."""
        try:
            self._fh.write(sanitize_text(text))
        except OSError as exc:
            self.discard()
            raise self._error(exc) from None

    def flush(self) -> None:
        """Hand what was written to the operating system (a batch is done)."""
        try:
            self._fh.flush()
        except OSError as exc:
            self.discard()
            raise self._error(exc) from None

    def commit(self) -> None:
        """Flush to disk and rename the temporary file onto ``path``."""
        if self.temp_path is None:
            return
        try:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
        except OSError as exc:
            self.discard()
            raise self._error(exc) from None
        try:
            os.replace(self.temp_path, self.path)
            self.temp_path = None
        except OSError as exc:
            self.discard()
            step = f"cannot replace {self.path.name!r} with the new file"
            raise self._error(exc, step) from None

    def discard(self) -> None:
        """Remove the temporary file; ``path`` stays as it was."""
        if self.temp_path is None:
            return
        try:
            self._fh.close()
        except OSError:
            pass
        try:
            os.unlink(self.temp_path)
        except OSError:
            pass
        self.temp_path = None

    def __enter__(self) -> AtomicTextFile:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        if kind is None or issubclass(kind, KeyboardInterrupt):
            self.commit()
        else:
            self.discard()


def remove_stale_temps(folder: str | Path, name: str) -> list[Path]:
    """Delete temporary files an interrupted :func:`atomic_write` of ``folder/name`` left;
    return what was removed."""
    removed = []
    for p in Path(folder).glob(TEMP_PREFIX + name + ".*"):
        try:
            p.unlink()
            removed.append(p)
        except OSError:
            pass
    return removed
