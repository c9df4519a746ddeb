"""What each part of the one-folder bundle costs (the table in packaging/README.md).

    python3 packaging/sizes.py [dist/gd-explorer] [--top 25]

Sizes are apparent sizes in bytes, as ``du -sb`` counts them (symbolic links by their own
size); ``du -sb`` also adds 4,096 bytes per directory, which the total here leaves out.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

#: (label, pattern on the path under _internal/): the first match takes the file
PARTS = [
    ("Qt: ICU (libicudata, libicuuc, libicui18n)", r"^PySide6/Qt/lib/libicu"),
    ("Qt: libraries (Core, Gui, Widgets, OpenGL, Svg, DBus, XcbQpa)", r"^PySide6/Qt/lib/"),
    ("Qt: plugins", r"^PySide6/Qt/plugins/"),
    ("Qt: translations", r"^PySide6/Qt/translations/"),
    ("PySide6 bindings + shiboken6", r"^(PySide6|shiboken6)/"),
    ("numpy: OpenBLAS + gfortran (numpy.libs)", r"^numpy\.libs/"),
    ("numpy", r"^numpy[/-]"),
    ("pandas", r"^pandas/"),
    ("Pillow (PIL + pillow.libs)", r"^(PIL|pillow\.libs)/"),
    ("libpython", r"^libpython"),
    ("Python extension modules (lib-dynload)", r"^python3\.\d+/"),
    ("executable + PYZ (all Python bytecode)", r"^\.\./gd-explorer$"),
    ("base_library.zip", r"^base_library\.zip$"),
    ("pyqtgraph data", r"^pyqtgraph/"),
    ("contourpy", r"^contourpy/"),
    ("build machine's shared libraries (top level)", r"^lib[^/]*\.so"),
]


def _files(root: Path) -> list[tuple[int, Path]]:
    out = []
    for folder, dirs, files in os.walk(root):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            path = Path(folder, name)
            out.append((path.lstat().st_size, path))
    return out


def main() -> None:
    """Print the bytes of each part of the bundle, then its ``--top`` largest files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", nargs="?", default="dist/gd-explorer", type=Path)
    parser.add_argument("--top", type=int, default=0, help="also list the N largest files")
    args = parser.parse_args()
    files = _files(args.bundle)
    sizes = {label: 0 for label, _ in PARTS}
    other = 0
    for size, path in files:
        rel = os.path.relpath(path, args.bundle / "_internal")
        label = next((lb for lb, pattern in PARTS if re.search(pattern, rel)), None)
        if label is None:
            other += size
        else:
            sizes[label] += size
    for label, _ in PARTS:
        print(f"{sizes[label]:>12,}  {label}")
    print(f"{other:>12,}  other")
    total = sum(size for size, _ in files)
    print(f"{total:>12,}  all files ({total / 1e6:.1f} MB, {total / 2**20:.1f} MiB)")
    for size, path in sorted(files, key=lambda f: -f[0])[: args.top]:
        print(f"{size:>12,}  {path.relative_to(args.bundle)}")


if __name__ == "__main__":
    main()
