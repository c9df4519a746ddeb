"""Where the window remembers things, and the seal on the layouts it writes.

The remembered session lives in a folder (``$GD_EXPLORER_CONFIG_DIR`` or the platform's
AppDataLocation) and the window layout in QSettings. A layout is Qt's own binary blob, which
``QMainWindow.restoreState`` trusts: a damaged one (a 163-byte state 11 bytes short) crashed
every start with SIGSEGV inside Qt. So a layout is restored only when it carries the seal this
app put on it when it wrote it: a SHA-256 digest of the bytes together with the app and Qt
versions. Anything else (damaged, edited, written by another version or another program) is
ignored, and the caller says so.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths, qVersion

ORGANIZATION = "GD Explorer"
APPLICATION = "GD Explorer"
#: When set, settings and the remembered session live in this folder (tests, portable use).
CONFIG_DIR_ENV = "GD_EXPLORER_CONFIG_DIR"
LAST_SESSION_FILE = "last-session.json"
SETTINGS_FILE = "gd-explorer.ini"
#: A main window's geometry and state are a few hundred bytes; refuse anything far larger
#: before decoding it.
MAX_LAYOUT_BYTES = 64 * 1024
_SEAL_TAG = "gd-explorer-layout-v1"


def config_dir() -> Path:
    """The folder of the remembered session: $GD_EXPLORER_CONFIG_DIR or AppDataLocation."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override)
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location or Path.home() / ".gd-explorer")


def app_settings() -> QSettings:
    """The app's QSettings (explicit organisation and application names)."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return QSettings(str(Path(override) / SETTINGS_FILE), QSettings.Format.IniFormat)
    return QSettings(ORGANIZATION, APPLICATION)


def last_session_path() -> Path:
    """The remembered session's file (in :func:`config_dir`)."""
    return config_dir() / LAST_SESSION_FILE


def _digest(data: bytes) -> str:
    import core

    context = f"{_SEAL_TAG}|{core.__version__}|{qVersion()}|".encode()
    return hashlib.sha256(context + data).hexdigest()


def seal_layout(data: bytes) -> str:
    """Layout bytes (from saveGeometry/saveState) as text that proves this app wrote them:
    ``"<sha256 hex>:<base64>"``."""
    return f"{_digest(data)}:{base64.b64encode(data).decode('ascii')}"


def open_layout(text: object) -> bytes | None:
    """The layout bytes sealed by :func:`seal_layout` with this app and Qt version, or None
    for anything else (unsealed, damaged, another version's, not text, too large)."""
    if not isinstance(text, str) or len(text) > 2 * MAX_LAYOUT_BYTES or ":" not in text:
        return None
    digest, _, encoded = text.partition(":")
    try:
        data = base64.b64decode(encoded.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    if len(data) > MAX_LAYOUT_BYTES:
        return None
    return data if hmac.compare_digest(digest, _digest(data)) else None
