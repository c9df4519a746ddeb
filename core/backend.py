"""The array namespace seam: NumPy on the CPU, CuPy on an NVIDIA GPU (optional extra).

Everything above this module asks for ``namespace(device)`` and writes NumPy-style code once.
CuPy is imported lazily; asking whether it is usable never raises and never blocks for long.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from core.errors import InputError

DEVICES = ("cpu", "gpu")
GPU_INSTALL_HINT = 'pip install "gd-explorer[gpu]"  (CuPy for CUDA 12; needs an NVIDIA GPU)'


@dataclass(frozen=True)
class GpuStatus:
    """Whether the GPU device can be used, and if not, why (shown beside the disabled choice)."""

    available: bool
    name: str
    reason: str
    memory_bytes: int = 0


@functools.cache
def gpu_status() -> GpuStatus:
    """Probe CuPy and the first CUDA device once per process."""
    try:
        import cupy
    except Exception as exc:  # ImportError, or a broken CUDA install raising anything
        return GpuStatus(
            False,
            "",
            f"CuPy is not installed ({type(exc).__name__}). Install it with: {GPU_INSTALL_HINT}",
        )
    try:
        count = cupy.cuda.runtime.getDeviceCount()
        if count < 1:
            return GpuStatus(False, "", "CuPy is installed but no CUDA device was found.")
        props = cupy.cuda.runtime.getDeviceProperties(0)
        name = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
        return GpuStatus(True, name, "", int(props.get("totalGlobalMem", 0)))
    except Exception as exc:
        return GpuStatus(False, "", f"CuPy is installed but the GPU is not usable: {exc}")


def namespace(device: str) -> ModuleType:
    """Return the array module for ``device`` ("cpu" → numpy, "gpu" → cupy)."""
    if device == "cpu":
        return np
    if device == "gpu":
        status = gpu_status()
        if not status.available:
            raise InputError(f"the GPU device is not available: {status.reason}")
        import cupy

        return cupy
    raise InputError(f"unknown device {device!r}; choose one of {', '.join(DEVICES)}")


def to_host(a: Any) -> np.ndarray:
    """Copy an array (NumPy or CuPy) to a host NumPy array; NumPy arrays pass through."""
    if isinstance(a, np.ndarray):
        return a
    get = getattr(a, "get", None)
    if get is not None:
        return get()
    return np.asarray(a)


def to_float(x: Any) -> float:
    """A Python float from a 0-d array of any namespace (synchronises a GPU)."""
    return float(to_host(x)) if not isinstance(x, float) else x


def free_memory_bytes(device: str) -> int | None:
    """Bytes that can be allocated now on ``device`` (None when it cannot be told)."""
    if device == "gpu":
        try:
            import cupy

            free, _total = cupy.cuda.runtime.memGetInfo()
            return int(free)
        except Exception:
            return None
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        import os

        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_fits(nbytes: int, device: str, what: str) -> None:
    """Refuse, before allocating, a request that would not fit in memory."""
    free = free_memory_bytes(device)
    if free is not None and nbytes > 0.8 * free:
        raise InputError(
            f"{what} needs {format_bytes(nbytes)} but only {format_bytes(free)} of "
            f"{'GPU' if device == 'gpu' else 'host'} memory is free; use fewer rows or columns"
        )


def format_bytes(n: float) -> str:
    """Human-readable size: 1.5 GB, 200 MB."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} B"
