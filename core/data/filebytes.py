"""Reading a data file's bytes safely: regular files only, bounded in size, every failure a
message naming the file (used by :mod:`core.data.reader`)."""

from __future__ import annotations

import os
import stat

from core.errors import InputError
from core.files import require_regular_file


def check_file(path: str, max_bytes: int) -> int:
    """The size in bytes of the regular file at ``path``, checked without opening it;
    InputError naming the file for a missing, non-regular (FIFO, device) or too large file."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError("file not found", path=path) from None
    except PermissionError:
        raise InputError("permission denied (cannot access the file)", path=path) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot access the file ({os_reason(exc)})", path=path) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError("is a directory, not a file", path=path)
    if not stat.S_ISREG(st.st_mode):  # a FIFO or a device: opening it could block forever
        require_regular_file(path, "data file")
    if st.st_size > max_bytes:
        raise InputError(
            f"file is too large ({size_text(st.st_size)}); the limit is {size_text(max_bytes)}",
            path=path,
        )
    return int(st.st_size)


def read_head(path: str, max_bytes: int) -> bytes:
    """The first ``max_bytes`` bytes of the file at ``path`` (all of it when shorter);
    InputError naming the file when it cannot be read. Check it with :func:`check_file`."""
    try:
        with open(path, "rb") as fh:
            return fh.read(max_bytes)
    except PermissionError:
        raise InputError("permission denied (cannot read the file)", path=path) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read the file ({os_reason(exc)})", path=path) from None


def read_bytes(path: str, max_bytes: int) -> bytes:
    """The whole file at ``path`` (at most ``max_bytes``); InputError naming the file for a
    missing, unreadable, non-regular or too large file."""
    check_file(path, max_bytes)
    try:
        data = read_head(path, max_bytes + 1)
    except MemoryError:
        raise InputError("not enough memory to read this file", path=path) from None
    if len(data) > max_bytes:
        raise InputError(f"file is too large (over {size_text(max_bytes)})", path=path)
    return data


def os_reason(exc: BaseException) -> str:
    """The operating system's reason for ``exc``, as short text."""
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def size_text(n: int) -> str:
    """``n`` bytes as "1.5 GB", "3.0 MB" or "512 bytes"."""
    if n >= 1024**3:
        return f"{n / 1024**3:.1f} GB"
    if n >= 1024**2:
        return f"{n / 1024**2:.1f} MB"
    return f"{n} bytes"
