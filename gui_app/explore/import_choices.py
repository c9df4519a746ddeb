"""The import preview's draft: how to read a file and what each column is for, before OK.

No Qt here. An :class:`ImportDraft` holds the read options (:class:`core.data.table.ReadOptions`)
and the column roles (:class:`core.data.roles.ColumnRoles`) the dialog shows; the dialog edits
the draft (a new draft per change), and only OK turns it into the data settings
(:meth:`ImportDraft.settings_fields`), which the controller then makes the state's. What a
column ends up as is always :func:`core.data.roles.resolve_roles`'s answer for the draft: the
dialog shows that, never a guess of its own.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from core.data.roles import ColumnRoles, Role, resolve_roles, table_to_dataset
from core.data.table import EXCEL_SUFFIXES, ReadOptions
from core.errors import InputError
from core.settings import CHOICE_LABELS, SCHEMA, DataSettings

if TYPE_CHECKING:
    from core.data.table import Table

READ_KEYS = ("delimiter", "encoding", "decimal", "thousands", "header", "sheet")
ROLE_KEYS = ("target", "features", "ignore", "categorical", "missing")
DRY_RUN_MAX_COLUMNS = 2000  # wider previews skip the dry run (it takes ~1 s at 17,000)


def file_defaults() -> dict[str, Any]:
    """The settings of a file read with every choice at its default (what a file opened
    without the preview gets: no read option or column role of another file carries over)."""
    keys = (*READ_KEYS, *ROLE_KEYS)
    return {key: SCHEMA[key].default for key in keys}


def is_excel(path: str) -> bool:
    """Whether ``path`` names a spreadsheet (read through openpyxl, sheets to choose)."""
    return path.lower().endswith(EXCEL_SUFFIXES)


@dataclass(frozen=True)
class ImportDraft:
    """The file, how to read it and the column roles, as the import preview shows them."""

    path: str
    options: ReadOptions = field(default_factory=ReadOptions)
    roles: ColumnRoles = field(default_factory=ColumnRoles)

    @classmethod
    def from_settings(cls, data: DataSettings, path: str | None = None) -> ImportDraft:
        """The draft for ``path`` (default: the settings' file). The settings' choices are
        kept for the same file; another file starts from the defaults (detect everything,
        the default roles, missing values refused): nothing of another file carries over."""
        path = data.csv_path if path is None else path
        if path == data.csv_path and path:
            return cls(path, ReadOptions.from_settings(data), ColumnRoles.from_settings(data))
        return cls(path, ReadOptions(), ColumnRoles())

    def with_option(self, key: str, value: str) -> ImportDraft:
        """The draft read with option ``key`` (a key of :data:`READ_KEYS`) set to ``value``."""
        return dataclasses.replace(self, options=dataclasses.replace(self.options, **{key: value}))

    def with_missing(self, missing: str) -> ImportDraft:
        """The draft with the missing-values choice ``missing`` (refuse, drop, mean)."""
        return dataclasses.replace(self, roles=dataclasses.replace(self.roles, missing=missing))

    def fitted_to(self, table: Table) -> ImportDraft:
        """The draft without the column names ``table`` does not have (a re-read with another
        header or delimiter renames the columns: those choices no longer apply)."""
        names = {c.name for c in table.columns}
        r = self.roles
        target = r.target
        if target is not None and target not in names:
            index_ok = target.isdigit() and int(target) < len(table.columns)
            target = target if index_ok else None
        return dataclasses.replace(
            self,
            roles=dataclasses.replace(
                r,
                target=target,
                features=tuple(n for n in r.features if n in names),
                ignore=tuple(n for n in r.ignore if n in names),
                categorical=tuple(n for n in r.categorical if n in names),
            ),
        )

    def with_role(
        self, table: Table, resolved: dict[str, Role], name: str, role: str
    ) -> ImportDraft:
        """The draft with column ``name`` given ``role`` (feature, target, categorical,
        ignore); ``resolved`` is what the current draft resolves to on ``table``.

        The column leaves every other list. A column that stops being the target hands the
        role to the last other numeric column. A column made a feature that the defaults
        would not use (an index-like or text column) makes the feature list explicit.
        """
        r = self.roles
        ignore = [n for n in r.ignore if n != name]
        categorical = [n for n in r.categorical if n != name]
        features = [n for n in r.features if n != name]
        # the target is pinned to the one on screen, so that no other change moves it
        current = next((n for n, x in resolved.items() if x.role == "target"), r.target)
        target = current
        if role == "target":
            target = name
        elif current == name:
            others = [c.name for c in table.columns if c.kind == "number" and c.name != name]
            target = others[-1] if others else None
        if role == "ignore":
            ignore.append(name)
        elif role == "categorical":
            categorical.append(name)
        elif role == "feature":
            if features:
                features.append(name)
            else:
                trial = ColumnRoles(target, (), tuple(ignore), tuple(categorical), r.missing)
                try:
                    default = resolve_roles(table, trial)
                except InputError:
                    default = {}
                if name not in default or default[name].role != "feature":
                    features = [n for n, x in default.items() if x.role == "feature"] + [name]
        roles = ColumnRoles(
            target=target,
            features=tuple(features),
            ignore=tuple(ignore),
            categorical=tuple(categorical),
            missing=r.missing,
        )
        return dataclasses.replace(self, roles=roles)

    def resolve(self, table: Table) -> tuple[dict[str, Role], str]:
        """Each column's role for this draft on ``table``, and "" — or ({}, the message)
        when the choices cannot apply, or (the roles, the message) when the roles apply but
        the data they make cannot load (a dry run of
        :func:`core.data.roles.table_to_dataset` on the preview rows: missing values refused,
        no feature, no numeric column). The dialog shows the message and refuses OK."""
        try:
            resolved = resolve_roles(table, self.roles)
        except InputError as exc:
            return {}, str(exc)
        if len(table.columns) > DRY_RUN_MAX_COLUMNS:
            return resolved, ""  # too wide to try on every change: the load itself checks
        try:
            table_to_dataset(table, self.roles)
        except InputError as exc:
            return resolved, str(exc)
        return resolved, ""

    def settings_fields(self, table: Table, resolved: dict[str, Role]) -> dict[str, Any]:
        """The :class:`~core.settings.DataSettings` fields of this draft (OK): the file, the
        read options, and the roles with the target as resolved on ``table`` (its name, or
        its 0-based index when the file has no header row and the names are made up)."""
        o, r = self.options, self.roles
        target = next((n for n, x in resolved.items() if x.role == "target"), r.target)
        if target is not None and table.decided.get("header") == "no":
            names = [c.name for c in table.columns]
            target = str(names.index(target)) if target in names else target
        return {
            "source": "csv",
            "csv_path": self.path,
            "header": o.header,
            "delimiter": o.delimiter,
            "encoding": o.encoding,
            "decimal": o.decimal,
            "thousands": o.thousands,
            "sheet": o.sheet,
            "target": target,
            "features": r.features,
            "ignore": r.ignore,
            "categorical": r.categorical,
            "missing": r.missing,
        }


def decided_text(table: Table) -> str:
    """How the reader read ``table``, in the options' own words: "semicolon ; · UTF-8 ·
    decimal mark comma 1,5 · no thousands separator · header row · 47 rows × 5 columns"."""
    d = table.decided
    words = {key: CHOICE_LABELS[key].get(d.get(key, ""), d.get(key, "")) for key in CHOICE_LABELS}
    if d.get("format") == "excel":
        parts = [f"sheet “{d.get('sheet', '')}”"]
    else:
        parts = [words["delimiter"], words["encoding"], f"decimal mark {words['decimal']}"]
        if d.get("thousands") in ("", "none"):
            parts.append("no thousands separator")
        else:
            parts.append(f"thousands separator {words['thousands']}")
    parts.append("first row is the header" if d.get("header") == "yes" else "no header row")
    rows = f"the first {table.rows:,} rows" if table.truncated else f"{table.rows:,} rows"
    parts.append(f"{rows} × {len(table.columns):,} columns")
    return " · ".join(" ".join(p.split()) for p in parts if p)


def target_choices(dataset: Any) -> list[tuple[str, str]]:
    """The target picker's items for a dataset read from a file: each numeric column's name
    and its target setting (the name; the 0-based index when the file has no header row)."""
    table = getattr(dataset, "table", None)
    if table is None:
        return [(n, n) for n in (*dataset.feature_names, dataset.target_name)]
    no_header = table.decided.get("header") == "no"
    return [
        (c.name, str(k) if no_header else c.name)
        for k, c in enumerate(table.columns)
        if c.kind == "number" or c.name == dataset.target_name
    ]


def target_setting(dataset: Any) -> str:
    """The target setting of a dataset's target: its name, or its 0-based index when the
    file had no header row (made-up names are no setting)."""
    for name, value in target_choices(dataset):
        if name == dataset.target_name:
            return value
    return dataset.target_name


def file_summary(dataset: Any) -> str:
    """A few words on how a file was read and what became of its columns, for the control
    panel: "comma , · UTF-8 · header yes · 47 rows × 5 columns. Ignored: id. One-hot: region"."""
    table = getattr(dataset, "table", None)
    if table is None:
        return ""
    d = table.decided
    if d.get("format") == "excel":
        parts = [f"sheet “{d.get('sheet', '')}”"]
    else:
        parts = [
            CHOICE_LABELS["delimiter"].get(d.get("delimiter", ""), d.get("delimiter", "")),
            CHOICE_LABELS["encoding"].get(d.get("encoding", ""), d.get("encoding", "")),
            f"decimal mark {CHOICE_LABELS['decimal'].get(d.get('decimal', ''), '')}",
        ]
        if d.get("thousands") not in ("", "none"):
            parts.append(
                f"thousands separator {CHOICE_LABELS['thousands'].get(d['thousands'], '')}"
            )
    parts.append(f"header {d.get('header', '')}")
    text = (
        "Read: "
        + " · ".join(" ".join(p.split()) for p in parts if p)
        + f" · {table.rows:,} rows × {len(table.columns):,} columns."
    )
    report = getattr(dataset, "report", {}) or {}
    ignored = list(report.get("ignored", {}) or {})
    encoded = list(report.get("encoded", {}) or {})
    if ignored:
        text += " Ignored: " + ", ".join(ignored[:6]) + (" …" if len(ignored) > 6 else "") + "."
    if encoded:
        text += " One-hot: " + ", ".join(encoded[:6]) + (" …" if len(encoded) > 6 else "") + "."
    dropped = report.get("dropped_rows") or []
    if dropped:
        text += f" {len(dropped):,} incomplete row{'' if len(dropped) == 1 else 's'} dropped."
    filled = report.get("filled") or {}
    if filled:
        columns = "column" if len(filled) == 1 else "columns"
        text += f" Missing values filled with the mean in {len(filled)} {columns}."
    return text
