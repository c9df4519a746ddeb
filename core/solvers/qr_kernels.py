"""numba kernels of the stable normal equation: double-double residuals at memory speed and
triangular solves.

The refinement of :func:`core.solvers.normal.normal_equation` needs the residual
``c − d − (A_hi + A_lo)·x`` and the product ``(A_hi + A_lo)ᵀ·r`` in about twice float64's
precision. :mod:`core.model.precise` computes them with vectorised NumPy (a dozen temporary
arrays the size of A per pass); these kernels do the same error-free transformations
(Knuth's two-sum, the two-product by one fused multiply-add; Ogita, Rump & Oishi, "Accurate
sum and dot product", SIAM J. Sci. Comput. 26, 2005) reading A once, in parallel. They are
compiled without ``fastmath``, so no operation is reassociated or contracted and the
transformations stay exact.

Importing this module compiles nothing; the first call of each kernel compiles it (cached on
disk where a cache folder can be written, see :func:`core.solvers.kernels._jit`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import prange, types
from numba.extending import intrinsic

from core.solvers.kernels import _jit


@intrinsic
def _fma(typingctx: Any, a: Any, b: Any, c: Any) -> Any:
    """``a·b + c`` rounded once (LLVM's ``llvm.fma.f64``: the FMA instruction, or libm's
    ``fma`` where the CPU has none; exact either way)."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.fma(*args)

    return sig, codegen


@_jit(inline="always")
def _two_sum(a: float, b: float) -> tuple[float, float]:
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


@_jit(inline="always")
def _two_prod(a: float, b: float) -> tuple[float, float]:
    """``p, e`` with ``p = fl(a·b)`` and ``a·b = p + e`` exactly: the error of a product is
    a float64, and one fused multiply-add computes it exactly (Ogita, Rump & Oishi, §3)."""
    p = a * b
    return p, _fma(a, b, -p)  # type: ignore[call-arg]  # numba fills in typingctx


@_jit(inline="always")
def _dd_add(ah: float, al: float, bh: float, bl: float) -> tuple[float, float]:
    s, e = _two_sum(ah, bh)
    e = e + (al + bl)
    return _two_sum(s, e)


#: Rows of a block of :func:`dd_residual`: their sums are independent chains the CPU (and
#: the compiler's vectoriser) can interleave; a block of A stays in the L2 cache meanwhile.
_BLOCK = 32


def dd_residual(
    c: np.ndarray, a_hi: np.ndarray, a_lo: np.ndarray, x: np.ndarray, d: np.ndarray
) -> np.ndarray:
    """``c − d − (a_hi + a_lo)·x`` accumulated in double-double, rounded once (m values);
    arguments as for :func:`dd_residual_parts`."""
    hi, lo = dd_residual_parts(c, a_hi, a_lo, x, d)
    return np.asarray(hi + lo)


@_jit(parallel=True)
def dd_residual_parts(
    c: np.ndarray, a_hi: np.ndarray, a_lo: np.ndarray, x: np.ndarray, d: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``c − d − (a_hi + a_lo)·x`` as a double-double: ``(hi, lo)``, m values each.

    ``a_hi`` (m × p, Fortran order is fastest) and ``a_lo`` (its rounding errors, m × p, or
    0 × 0 for none); ``d`` (m values, or 0 for none). Rows go in blocks of :data:`_BLOCK`,
    column by column, so each row's double-double sum is one of ``_BLOCK`` independent
    chains.
    """
    m, p = a_hi.shape
    has_lo = a_lo.shape[0] == m
    has_d = d.shape[0] == m
    out = np.empty(m)
    out_lo = np.empty(m)
    blocks = (m + _BLOCK - 1) // _BLOCK
    for k in prange(blocks):
        i0 = k * _BLOCK
        rows = min(_BLOCK, m - i0)
        sh = np.empty(_BLOCK)
        sl = np.zeros(_BLOCK)
        for r in range(rows):
            sh[r] = c[i0 + r]
            if has_d:
                sh[r], sl[r] = _two_sum(sh[r], -d[i0 + r])
        for j in range(p):
            xj = x[j]
            for r in range(rows):
                ph, pl = _two_prod(a_hi[i0 + r, j], xj)
                if has_lo:
                    pl += a_lo[i0 + r, j] * xj
                sh[r], sl[r] = _dd_add(sh[r], sl[r], -ph, -pl)
        for r in range(rows):
            out[i0 + r], out_lo[i0 + r] = _two_sum(sh[r], sl[r])
    return out, out_lo


def dd_transpose_product(a_hi: np.ndarray, a_lo: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``(a_hi + a_lo)ᵀ·r`` (p values) accumulated in double-double, rounded once."""
    return np.asarray(dd_transpose_product_parts(a_hi, a_lo, r, _EMPTY))


_EMPTY = np.zeros(0)


@_jit(parallel=True)
def dd_transpose_product_parts(
    a_hi: np.ndarray, a_lo: np.ndarray, r: np.ndarray, r_lo: np.ndarray
) -> np.ndarray:
    """``(a_hi + a_lo)ᵀ·(r + r_lo)`` (p values) accumulated in double-double, rounded once:
    ``r + r_lo`` a double-double vector (``r_lo`` of 0 values for none; its products need
    only float64, they are u times smaller).

    Column by column (in parallel over columns; fastest when ``a_hi`` is in Fortran order),
    each with four interleaved double-double chains added at the end (``a_lo`` 0 × 0 for
    none).
    """
    m, p = a_hi.shape
    has_lo = a_lo.shape[0] == m
    has_rlo = r_lo.shape[0] == m
    out = np.empty(p)
    for j in prange(p):
        h0 = h1 = h2 = h3 = 0.0
        l0 = l1 = l2 = l3 = 0.0
        top = m - m % 4
        for i in range(0, top, 4):
            ph, pl = _two_prod(a_hi[i, j], r[i])
            qh, ql = _two_prod(a_hi[i + 1, j], r[i + 1])
            uh, ul = _two_prod(a_hi[i + 2, j], r[i + 2])
            vh, vl = _two_prod(a_hi[i + 3, j], r[i + 3])
            if has_lo:
                pl += a_lo[i, j] * r[i]
                ql += a_lo[i + 1, j] * r[i + 1]
                ul += a_lo[i + 2, j] * r[i + 2]
                vl += a_lo[i + 3, j] * r[i + 3]
            if has_rlo:
                pl += a_hi[i, j] * r_lo[i]
                ql += a_hi[i + 1, j] * r_lo[i + 1]
                ul += a_hi[i + 2, j] * r_lo[i + 2]
                vl += a_hi[i + 3, j] * r_lo[i + 3]
            h0, l0 = _dd_add(h0, l0, ph, pl)
            h1, l1 = _dd_add(h1, l1, qh, ql)
            h2, l2 = _dd_add(h2, l2, uh, ul)
            h3, l3 = _dd_add(h3, l3, vh, vl)
        for i in range(top, m):
            ph, pl = _two_prod(a_hi[i, j], r[i])
            if has_lo:
                pl += a_lo[i, j] * r[i]
            if has_rlo:
                pl += a_hi[i, j] * r_lo[i]
            h0, l0 = _dd_add(h0, l0, ph, pl)
        h0, l0 = _dd_add(h0, l0, h1, l1)
        h2, l2 = _dd_add(h2, l2, h3, l3)
        h0, l0 = _dd_add(h0, l0, h2, l2)
        out[j] = h0 + l0
    return out


@_jit()
def solve_lower(L: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``L⁻¹·b`` by forward substitution (L p × p lower triangular; O(p²))."""
    p = L.shape[0]
    x = b.copy()
    for i in range(p):
        s = x[i]
        for j in range(i):
            s -= L[i, j] * x[j]
        x[i] = s / L[i, i]
    return x


@_jit()
def solve_lower_transposed(L: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``L⁻ᵀ·b`` by back substitution (L as in :func:`solve_lower`)."""
    p = L.shape[0]
    x = b.copy()
    for i in range(p - 1, -1, -1):
        s = x[i]
        for j in range(i + 1, p):
            s -= L[j, i] * x[j]
        x[i] = s / L[i, i]
    return x


@_jit()
def dd_chunk_correction(
    block: np.ndarray, x: np.ndarray, intercept: bool
) -> tuple[np.ndarray, np.ndarray, float]:
    """``(g_hi, g_lo, ‖r‖²)`` of one row chunk of the dask engine's refinement
    (:func:`core.cluster.refine.chunk_correction`, the same arithmetic row by row, one
    read of the chunk): ``block`` rows × (n+1) float64 with the target last, ``x`` the p =
    n + intercept coefficients (original units, intercept last); ``r = y − A·x`` kept as a
    double-double and ``Aᵀr`` accumulated in double-double (``g_hi + g_lo``)."""
    m, k = block.shape
    n = k - 1
    p = n + 1 if intercept else n
    g_hi = np.zeros(p)
    g_lo = np.zeros(p)
    rss = 0.0
    for i in range(m):
        sh = block[i, n]
        sl = 0.0
        for j in range(n):
            ph, pl = _two_prod(block[i, j], x[j])
            sh, sl = _dd_add(sh, sl, -ph, -pl)
        if intercept:
            sh, sl = _dd_add(sh, sl, -x[n], 0.0)
        rh, rl = _two_sum(sh, sl)
        for j in range(n):
            ph, pl = _two_prod(block[i, j], rh)
            pl += block[i, j] * rl
            g_hi[j], g_lo[j] = _dd_add(g_hi[j], g_lo[j], ph, pl)
        if intercept:
            g_hi[n], g_lo[n] = _dd_add(g_hi[n], g_lo[n], rh, rl)
        rss += rh * rh + 2.0 * rh * rl
    return g_hi, g_lo, rss
