#!/usr/bin/env bash
# Build the one-folder GD Explorer bundle from a clean environment:
#   bash packaging/build.sh            ->  dist/gd-explorer/gd-explorer
# A fresh venv under build/venv gets the project (non-editable, CPU only: no CuPy) and a
# pinned PyInstaller; PyInstaller then runs packaging/gd-explorer.spec.
# Environment:
#   PYTHON=python3.11         interpreter for the build venv (default: python3)
#   GDX_BUNDLE_NUMBA=1        also bundle numba + llvmlite (about +180 MB, over the 150 MB
#                             limit); without them the timing lab reports its compiled-loop and
#                             fused kernels as unavailable and times the rest
#   GDX_KEEP_VENV=1           reuse an existing build/venv (faster rebuilds; not a clean build)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-python3}
PYINSTALLER_PIN="pyinstaller==6.22.3"
HOOKS_PIN="pyinstaller-hooks-contrib==2026.9"
VENV=build/venv
export PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONNOUSERSITE=1
start=$(date +%s)

"$PY" - <<'PYEOF'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"build.sh: Python >= 3.11 is needed, this is {sys.version.split()[0]}")
PYEOF

# binutils: PyInstaller reads ELF dependencies with objdump; gd-explorer.spec (slim.py) also
# strips the interpreter's debug sections and assembles the ICU stub libraries.
if [ "$(uname -s)" = Linux ]; then
  for tool in objdump strip as ld; do
    if ! command -v "$tool" >/dev/null; then
      echo "build.sh: '$tool' is missing; install binutils" >&2
      exit 1
    fi
  done
fi

if [ "${GDX_KEEP_VENV:-0}" != 1 ] || [ ! -x "$VENV/bin/python" ]; then
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
fi
# Non-editable install of the project as it is in this working tree, then the build tools.
# A copy of the tree keeps setuptools' build/ and *.egg-info out of the sources.
rm -rf build/src && mkdir -p build/src
tar --exclude=./build --exclude=./dist --exclude=./.venv --exclude=./.git \
    --exclude='*.egg-info' --exclude=__pycache__ -cf - . | tar -xf - -C build/src
"$VENV/bin/python" -m pip install -q ./build/src "$PYINSTALLER_PIN" "$HOOKS_PIN"
"$VENV/bin/python" - <<'PYEOF'
import importlib.util, sys
if importlib.util.find_spec("cupy") is not None:
    sys.exit("build.sh: CuPy is installed in the build venv; the bundle is CPU only")
PYEOF

# Run from outside the source tree so PyInstaller analyses the installed packages.
rm -rf dist/gd-explorer build/pyinstaller
(cd build && "$ROOT/$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" \
    "$ROOT/packaging/gd-explorer.spec")

end=$(date +%s)
exe=dist/gd-explorer/gd-explorer
[ -x "$exe" ] || { echo "build.sh: $exe was not made" >&2; exit 1; }
bytes=$(du -sb dist/gd-explorer | cut -f1)
echo "built $exe in $((end - start)) s; bundle size: $(awk "BEGIN{printf \"%.1f MB (%.1f MiB)\", \
  $bytes/1e6, $bytes/1048576}") (du -sb; packaging/smoke_test.sh checks it is under 150 MB)"
