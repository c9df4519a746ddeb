"""The packaged executable (issue 5): build the PyInstaller one-folder bundle from a clean
venv with packaging/build.sh, then run packaging/smoke_test.sh against it (``--version``,
``fit demo:housing --json`` and ``--self-test`` on the offscreen platform, without network).

Takes a few minutes and needs the package registry (or a pip cache), so it only runs with
``GDX_BUILD_BUNDLE=1``; ``.ci/run`` runs the two scripts directly as its last step.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXE = ROOT / "dist" / "gd-explorer" / "gd-explorer"
SKIPPED = 77  # smoke_test.sh: the sources have no self-test yet

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("GDX_BUILD_BUNDLE") != "1",
        reason="builds the PyInstaller bundle; set GDX_BUILD_BUNDLE=1 to run",
    ),
]


def _run(script: str, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        ["bash", str(ROOT / "packaging" / script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _tail(proc: subprocess.CompletedProcess[str], lines: int = 60) -> str:
    return "\n".join((proc.stdout + proc.stderr).splitlines()[-lines:])


def _size_mb(folder: Path) -> float:
    return sum(p.lstat().st_size for p in folder.rglob("*")) / 1e6


def test_bundle_builds_and_passes_its_smoke_test():
    build = _run("build.sh", timeout=1800)
    assert build.returncode == 0, f"build.sh failed:\n{_tail(build)}"
    assert EXE.is_file() and os.access(EXE, os.X_OK), f"{EXE} was not made"
    platforms = EXE.parent / "_internal" / "PySide6" / "Qt" / "plugins" / "platforms"
    assert (platforms / "libqoffscreen.so").is_file(), "the offscreen platform plugin is missing"
    if os.environ.get("GDX_BUNDLE_NUMBA") != "1":
        size = _size_mb(EXE.parent)
        assert size < 150, f"the bundle is {size:.0f} MB, not under 150 MB (issue 13)"

    smoke = _run("smoke_test.sh", timeout=900)
    if smoke.returncode == SKIPPED:
        pytest.skip(f"--self-test not available yet:\n{_tail(smoke, 5)}")
    assert smoke.returncode == 0, f"smoke_test.sh failed:\n{_tail(smoke)}"
    assert "smoke test passed" in smoke.stdout
