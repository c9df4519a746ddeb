"""The machine under the benchmark: cores, BLAS, numba, threads, other load, bandwidth.

The optional libraries (numba for the compiled kernels, threadpoolctl for BLAS threads) are
looked up through :func:`numba_kernels` (the kernel registry's) and
:func:`threadpoolctl_module`, which return None when they are missing; tests replace
``core.solvers.implementations.numba_kernels`` (which also decides whether the registry
offers the compiled kernels) and :func:`threadpoolctl_module`.
"""

from __future__ import annotations

import contextlib
import math
import os
import platform
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Any

import numpy as np

from core.backend import check_fits, gpu_status
from core.solvers import implementations
from core.solvers.snapshot import CancelFlag
from core.timing.config import BenchConfig, check_cancel
from core.timing.limits import cpu_count  # one definition: it also caps --threads


def numba_kernels() -> ModuleType | None:
    """``core.solvers.kernels`` or None when numba cannot be imported (the kernel
    registry's answer, :func:`core.solvers.implementations.numba_kernels`)."""
    return implementations.numba_kernels()


def numba_reason() -> str:
    """Why the numba kernels are unavailable, in words a user can act on."""
    try:
        import numba  # noqa: F401
    except Exception as exc:
        if getattr(sys, "frozen", False):  # the packaged app: nothing for a student to install
            return "this packaged build leaves out numba (to stay small)"
        return f"numba is not installed ({type(exc).__name__}); pip install numba"
    return "numba could not load core.solvers.kernels"


def threadpoolctl_module() -> ModuleType | None:
    """The threadpoolctl module, or None when it is not installed."""
    try:
        import threadpoolctl
    except Exception:
        return None
    return threadpoolctl


@contextlib.contextmanager
def limit_threads(count: int) -> Iterator[None]:
    """Run BLAS (threadpoolctl) and numba's parallel kernels on ``count`` threads.

    The one place the timing lab sets thread counts; the previous limits come back after.
    """
    tpc = threadpoolctl_module()
    kernels = numba_kernels()
    previous = None
    if kernels is not None:
        import numba

        previous = numba.get_num_threads()
        kernels.set_threads(count)
    try:
        if tpc is not None:
            with tpc.threadpool_limits(limits=count, user_api="blas"):
                yield
        else:
            yield
    finally:
        if kernels is not None and previous is not None:
            kernels.set_threads(previous)


NO_THREADPOOLCTL = (
    "threadpoolctl is not installed, so BLAS cannot be limited to this many "
    "threads; pip install threadpoolctl"
)


def blas_threads_settable(count: int, counts: Sequence[int]) -> bool:
    """Whether BLAS can run on ``count`` threads: always with threadpoolctl; without it only
    at its default, taken to be all cores (the largest count compared)."""
    return threadpoolctl_module() is not None or count == max(counts)


def blas_info() -> dict[str, Any]:
    """The BLAS NumPy calls: library, version, threads (threadpoolctl), or what is known."""
    tpc = threadpoolctl_module()
    if tpc is not None:
        for lib in tpc.threadpool_info():
            if lib.get("user_api") == "blas":
                return {
                    "library": lib.get("internal_api"),
                    "version": lib.get("version"),
                    "threads": lib.get("num_threads"),
                    "architecture": lib.get("architecture"),
                    "threading_layer": lib.get("threading_layer"),
                    "file": os.path.basename(lib.get("filepath") or ""),
                }
    info: dict[str, Any] = {"library": "unknown", "version": None, "threads": None}
    try:
        cfg = np.show_config(mode="dicts")  # NumPy >= 1.25
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        info.update(library=blas.get("name", "unknown"), version=blas.get("version"))
    except Exception:
        pass
    info["reason"] = (
        (
            "threadpoolctl is not installed: BLAS threads cannot be read or "
            "limited; pip install threadpoolctl"
        )
        if tpc is None
        else "no BLAS found"
    )
    return info


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


class OtherLoad:
    """How many cores other processes kept busy while we measured (Linux; else None).

    The machine's busy time from ``/proc/stat`` less this process's own CPU time, divided by
    the wall time: on a shared 2-core machine, 1.0 means our threaded rows ran on one core.
    """

    def __init__(self) -> None:
        self.start = self._sample()

    @staticmethod
    def _sample() -> tuple[float, float, float] | None:
        try:
            with open("/proc/stat", encoding="ascii") as fh:
                vals = [int(v) for v in fh.readline().split()[1:]]
            hz = os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, AttributeError):
            return None
        busy = sum(vals[:8]) - vals[3] - (vals[4] if len(vals) > 4 else 0)
        own = os.times()
        return busy / hz, own.user + own.system, time.perf_counter()

    def cores(self) -> float | None:
        """Cores other processes kept busy since this object was made (None: unknown)."""
        end = self._sample()
        if self.start is None or end is None or end[2] - self.start[2] <= 0:
            return None
        others = (end[0] - self.start[0]) - (end[1] - self.start[1])
        return max(0.0, others / (end[2] - self.start[2]))


def _virtual_machine() -> bool | None:
    """Whether the CPU says it runs under a hypervisor (None when it cannot be told)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return "hypervisor" in line.split()
    except OSError:
        pass
    return None


def thread_counts(config: BenchConfig) -> list[int]:
    """The thread counts compared: the configured ones, else 1 and all cores."""
    if config.threads is not None:
        return sorted(set(config.threads))
    return sorted({1, cpu_count()})


def measure_read_bandwidth(
    nbytes: int, threads: Sequence[int], repeats: int = 5, cancel: CancelFlag | None = None
) -> dict[int, float]:
    """Memory read bandwidth (GB/s) per thread count: threads sum disjoint slices of a buffer.

    The buffer is written first (untouched pages all map to one zero page and would be read
    from cache); the best of ``repeats`` is kept, as a bound should be.
    """
    count = max(1 << 16, int(nbytes) // 8)
    check_fits(count * 8, "cpu", "the bandwidth test buffer")
    buf = np.empty(count)
    buf.fill(1.0)
    out: dict[int, float] = {}
    try:
        for t in threads:
            chunks = np.array_split(buf, t)
            best = math.inf
            with ThreadPoolExecutor(max_workers=t, thread_name_prefix="gdx-bandwidth") as pool:
                for _ in range(repeats + 1):
                    check_cancel(cancel)
                    t0 = time.perf_counter()
                    list(pool.map(np.add.reduce, chunks))
                    best = min(best, time.perf_counter() - t0)
            out[t] = buf.nbytes / best / 1e9
    finally:
        del buf
    return out


def machine_info(config: BenchConfig) -> dict[str, Any]:
    """The machine block (bandwidth is filled in by the run that measures it)."""
    kernels = numba_kernels()
    numba_block: dict[str, Any]
    if kernels is None:
        numba_block = {"available": False, "reason": numba_reason()}
    else:
        numba_block = {
            "available": True,
            "version": kernels.VERSION,
            "threads": kernels.max_threads(),
        }
    gpu = gpu_status()
    gpu_block: dict[str, Any] = {
        "available": gpu.available,
        "name": gpu.name,
        "reason": gpu.reason,
        "memory_bytes": gpu.memory_bytes,
    }
    return {
        "cpu": _cpu_name(),
        "cores": cpu_count(),
        "logical_cpus": os.cpu_count(),
        "virtual_machine": _virtual_machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas_info(),
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
        "numba": numba_block,
        "threads_compared": thread_counts(config),
        "gpu": gpu_block,
    }
