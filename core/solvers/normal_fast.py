"""The fast path of the stable normal equation: a Cholesky factor of the equilibrated
``BᵀB`` refined with double-double residuals, for designs whose condition number allows it.

Forming ``BᵀB`` squares the condition number κ, which is why the textbook formula loses
digits; but used only as a *preconditioner* of iterative refinement whose residuals
``y − Bz`` and products ``Bᵀf`` are accumulated in double-double, each step shrinks the
error by about κ²·u (u = 2⁻⁵³) and the answer converges to the least-squares solution of
the data as stored, to working precision (iterative refinement of the semi-normal
equations: Björck, *Numerical Methods for Least Squares Problems*, SIAM 1996, §2.9.3 and
§6.6; Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., §20.5). This path
is taken only when κ (after equilibrating the columns) is below :data:`GRAM_SAFE_KAPPA`, so
that κ²·u < 10⁻⁶ and two or three steps reach full precision; otherwise, or when a step
stops gaining before that, the caller uses Householder QR with the augmented-system
refinement. Forming ``BᵀB`` (a symmetric rank-k update, BLAS ``syrk``) costs half the flops
of a QR factorisation, and LAPACK's least-squares drivers start with that QR.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from core.solvers.snapshot import CancelFlag

#: Largest condition number (columns equilibrated) for which the Cholesky path is used:
#: κ²·u ≈ 1.1e-6, so each refinement step gains about six digits.
GRAM_SAFE_KAPPA = 1e5
_EPS = float(np.finfo(np.float64).eps)
#: A relative step below this that no longer halves is rounding noise: refinement is done.
_SETTLED = 1e-13
#: Designs with at least this many entries (m × p) take the compiled kernels when numba is
#: installed; smaller ones the NumPy double-double of core.model.precise (no compile wait
#: for a demo).
FAST_SIZE = 200_000
_NONE2 = np.zeros((0, 0))
_NONE1 = np.zeros(0)


@functools.cache
def compiled_kernels() -> bool:
    """Whether the compiled kernels can be used: numba imports (the bundle leaves it out,
    and then the NumPy double-double of :mod:`core.model.precise` does the work)."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def gram_refined(
    B: np.ndarray,
    B_lo: np.ndarray | None,
    y: np.ndarray,
    max_refinements: int,
    cancel: CancelFlag | None,
) -> tuple[np.ndarray, np.ndarray, int, float] | None:
    """``(z, r, steps, κ)``: the least-squares solution of ``B z ≈ y`` (B m × p with m ≥ p,
    columns equilibrated, ideally in Fortran order; ``B_lo`` its rounding errors or None),
    its double-double residual ``r = y − Bz`` (rounded), the refinement steps taken and the
    condition number of B; None when this path does not apply (κ ≥
    :data:`GRAM_SAFE_KAPPA`, ``BᵀB`` not positive definite, or refinement not converging):
    the caller then factors B by QR.
    """
    from core.solvers import qr_kernels as K

    lo = _NONE2 if B_lo is None else B_lo
    G = B.T @ B  # BLAS syrk: NumPy recognises the transposed product of one array
    try:
        L = np.linalg.cholesky(G)
    except np.linalg.LinAlgError:
        return None
    sigma = np.linalg.svd(L, compute_uv=False)  # the singular values of B, to κ²·u
    if not (sigma[-1] > 0 and np.all(np.isfinite(sigma))):
        return None
    kappa = float(sigma[0] / sigma[-1])
    if kappa >= GRAM_SAFE_KAPPA:
        return None

    def solve(g: np.ndarray) -> np.ndarray:  # (LLᵀ)⁻¹ g
        return np.asarray(K.solve_lower_transposed(L, K.solve_lower(L, g)))

    z = solve(K.dd_transpose_product(B, lo, y))
    step = math.inf
    steps = 0
    while True:
        # the residual stays a double-double: rounding it first would cost κ²·u·‖r‖/‖B‖
        # (large-residual designs: NIST Wampler 5)
        r, r_lo = K.dd_residual_parts(y, B, lo, z, _NONE1)
        if steps >= max_refinements or (cancel is not None and cancel.is_set()):
            break
        dz = solve(K.dd_transpose_product_parts(B, lo, r, r_lo))
        z = z + dz
        steps += 1
        new_step = float(np.max(np.abs(dz)) / max(float(np.max(np.abs(z))), 1e-300))
        if new_step <= 4 * _EPS or (new_step >= step / 2 and new_step < _SETTLED):
            r = r - B @ dz  # the last correction is at rounding level: no new pass needed
            break
        if new_step >= step / 2:  # stopped gaining far from full precision: QR's turn
            return None
        step = new_step
    return z, r, steps, kappa
