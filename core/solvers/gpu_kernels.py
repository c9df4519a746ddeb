"""The ``cupy`` implementation: one CUDA kernel that reads X once per gradient-descent step.

CuPy's vectorised step is two matrix-vector products, so X (m × n) crosses the memory bus
twice a step. Here each warp takes one row at a time: its 32 lanes read the row (coalesced),
reduce the dot product with w by shuffles to the residual e_i = x_i·w + b − y_i, and add
e_i·x_i, read again from the cache the first read just filled, into the warp's gradient
accumulator in shared memory. Blocks write their partial sums ``[Σe·x, Σe, Σe²]``; CuPy sums
the partials (in float64) and the host receives ∂b and Σe² in one transfer. The bound is one
read of X: m·n·itemsize bytes at the device's memory bandwidth (about 100 µs for
100,000 × 1,000 float32 on an H200).

CuPy is imported lazily; nothing here runs without a usable GPU (:func:`fused_unavailable`).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from core.backend import gpu_status
from core.errors import InputError

_SOURCE = r"""
extern "C" __global__ void fused_step(const T* __restrict__ X, const T* __restrict__ y,
                                      const T* __restrict__ w, const T b,
                                      const long long m, const int n,
                                      T* __restrict__ partial) {
    extern __shared__ unsigned char shared_raw[];
    T* acc = reinterpret_cast<T*>(shared_raw);
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int warps = blockDim.x >> 5;
    T* mine = acc + (size_t)warp * n;
    T* extra = acc + (size_t)warps * n;
    for (int j = lane; j < n; j += 32) mine[j] = 0;
    T gb = 0, sq = 0;
    const long long stride = (long long)gridDim.x * warps;
    for (long long i = (long long)blockIdx.x * warps + warp; i < m; i += stride) {
        const T* row = X + i * (long long)n;
        T s = 0;
        for (int j = lane; j < n; j += 32) s += row[j] * w[j];
        for (int offset = 16; offset > 0; offset >>= 1)
            s += __shfl_xor_sync(0xffffffffu, s, offset);
        const T e = s + b - y[i];
        for (int j = lane; j < n; j += 32) mine[j] += e * row[j];
        gb += e;
        sq += e * e;
    }
    if (lane == 0) {
        extra[2 * warp] = gb;
        extra[2 * warp + 1] = sq;
    }
    __syncthreads();
    T* out = partial + (size_t)blockIdx.x * (n + 2);
    for (int j = threadIdx.x; j < n; j += blockDim.x) {
        T total = 0;
        for (int k = 0; k < warps; ++k) total += acc[(size_t)k * n + j];
        out[j] = total;
    }
    if (threadIdx.x == 0) {
        T tb = 0, ts = 0;
        for (int k = 0; k < warps; ++k) {
            tb += extra[2 * k];
            ts += extra[2 * k + 1];
        }
        out[n] = tb;
        out[n + 1] = ts;
    }
}
"""

#: Shared memory a block may use without opting in (bytes).
_SHARED_LIMIT = 48 * 1024
_WARPS = 8
_BLOCKS_PER_SM = 4


def fused_unavailable(n: int = 0, itemsize: int = 4) -> str:
    """Why the fused CUDA kernel cannot run here (empty when it can); with ``n`` columns of
    ``itemsize`` bytes, also whether one warp's accumulator fits in shared memory."""
    status = gpu_status()
    if not status.available:
        return status.reason
    if n and (n + 2) * itemsize > _SHARED_LIMIT:
        return (
            f"{n:,} columns need more shared memory than one block has: use the vectorised "
            "implementation"
        )
    return ""


@functools.cache
def _compiled(dtype_name: str) -> Any:
    import cupy

    ctype = "float" if dtype_name == "float32" else "double"
    return cupy.RawKernel(f"typedef {ctype} T;\n" + _SOURCE, "fused_step")


def fused_kernel(X: Any, y: Any, intercept: bool = True) -> Any:
    """The registry's kernel (``kernel(w, b) -> (∇w, ∂b, Σe²)``) for CuPy arrays X (m × n,
    float32 or float64) and y (m). Raises :class:`InputError` when the GPU or the kernel
    cannot be used for this X."""
    import cupy

    why = fused_unavailable(X.shape[1], X.dtype.itemsize)
    if why:
        raise InputError(f"cannot use the cupy implementation: {why}")
    dtype = np.dtype(X.dtype)
    if dtype.name not in ("float32", "float64"):
        raise InputError(f"the cupy implementation takes float32 or float64, not {dtype.name}")
    X = cupy.ascontiguousarray(X)
    y = cupy.ascontiguousarray(y, dtype=dtype)
    m, n = X.shape
    warps = max(1, min(_WARPS, _SHARED_LIMIT // ((n + 2) * dtype.itemsize)))
    shared = (warps * n + 2 * warps) * dtype.itemsize
    sms = int(cupy.cuda.Device().attributes["MultiProcessorCount"])
    blocks = int(max(1, min(sms * _BLOCKS_PER_SM, -(-m // warps))))
    partial = cupy.empty((blocks, n + 2), dtype)
    kernel = _compiled(dtype.name)
    scalar = dtype.type

    def step(w: Any, b: float) -> tuple[Any, float, float]:
        w = cupy.ascontiguousarray(w, dtype=dtype)
        kernel(
            (blocks,),
            (32 * warps,),
            (X, y, w, scalar(b if intercept else 0.0), np.int64(m), np.int32(n), partial),
            shared_mem=shared,
        )
        sums = partial.sum(axis=0, dtype=cupy.float64)
        gw = (sums[:n] / m).astype(dtype)
        tail = sums[n:].get()
        return gw, (float(tail[0]) / m if intercept else 0.0), float(tail[1])

    return step
