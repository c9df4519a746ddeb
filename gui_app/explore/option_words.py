"""Core's messages in the window's words: a CLI option named in a message becomes the control
that sets it ("--missing drop" → "“Missing values: drop incomplete rows”").

No Qt here. Core words its messages for the command line (``gd-explorer fit``); the window
shows the same messages, so :func:`window_words` rewrites each option from
:data:`core.settings.SCHEMA` (the option's ``cli`` and ``label``) and
:data:`core.settings.CHOICE_LABELS` (the choice's label): one table, no second wording.
"""

from __future__ import annotations

import re
from functools import cache

from core.settings import CHOICE_LABELS, SCHEMA

#: the role a column-list option gives ("--ignore id" → "role ‘ignored’ for id")
LIST_ROLES = {"features": "feature", "ignore": "ignored", "categorical": "categorical"}
_VALUE = r"[^\s)]+"


def _label(key: str) -> str:
    label = SCHEMA[key].label
    return label[:1].upper() + label[1:]


def _choice(key: str, value: str) -> str:
    word = " ".join(CHOICE_LABELS[key].get(value, value).split())
    return f"“{_label(key)}: {word}”"


@cache
def _pattern() -> re.Pattern[str]:
    options = sorted(
        ((spec.cli, key) for key, spec in SCHEMA.items() if getattr(spec, "cli", "")),
        key=lambda pair: -len(pair[0]),
    )
    names = "|".join(re.escape(cli) for cli, _key in options)
    return re.compile(rf"(?<![\w-])(?P<option>--no-header|{names})(?![\w-])(?P<value> {_VALUE})?")


@cache
def _keys() -> dict[str, str]:
    return {spec.cli: key for key, spec in SCHEMA.items() if getattr(spec, "cli", "")}


def _rewrite(match: re.Match[str]) -> str:
    option, value = match.group("option"), (match.group("value") or "").strip()
    if option == "--no-header":
        return _choice("header", "no") + (f" {value}" if value else "")
    key = _keys()[option]
    tail = ""  # a sentence's punctuation after a value ("--ignore id, or") stays after it
    if value not in CHOICE_LABELS.get(key, {}) and value[-1:] in (",", ";", "."):
        value, tail = value[:-1], value[-1]
    return _words(key, value) + tail


def _words(key: str, value: str) -> str:
    if key == "target":
        if value in ("", "NAME"):
            return "the Target column"
        return f"“{_label(key)}: {value}”"
    if key in LIST_ROLES:
        role = LIST_ROLES[key]
        return f"role ‘{role}’ for {value}" if value else f"the ‘{role}’ role"
    if key in CHOICE_LABELS:
        if value in CHOICE_LABELS[key]:
            return _choice(key, value)
        rest = f" {value}" if value else ""
        return f"the {_label(key)} option{rest}"
    return f"“{_label(key)}: {value}”" if value else f"the {_label(key)} option"


def window_words(text: str) -> str:
    """``text`` (a message of core's) with each CLI option named in the window's words: the
    option's label and the choice's label, a column role for --features/--ignore/--categorical,
    "the Target column" for --target NAME. Text without options comes back unchanged."""
    if "--" not in text:
        return text
    return _pattern().sub(_rewrite, text)
