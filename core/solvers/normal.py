"""The normal equation: the exact least-squares answer, stably (QR + refinement) and as the
textbook writes it (``(XᵀX)⁻¹Xᵀy``, kept to show why it is not used)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator

import numpy as np

from core.backend import to_host
from core.errors import InputError
from core.model import precise
from core.model.problem import Problem
from core.solvers.normal_fast import FAST_SIZE, GRAM_SAFE_KAPPA, compiled_kernels, gram_refined
from core.solvers.snapshot import CancelFlag, RunStatus, Snapshot, readonly

#: Condition number (after equilibration) above which the answer is flagged nearly singular.
ILL_CONDITIONED = 1e12
_EPS = float(np.finfo(np.float64).eps)


def _final_normal(
    problem: Problem,
    w: np.ndarray,
    b: float | None,
    t0: float,
    message: str,
    warnings: list[str],
    *,
    least_squares_cost: float | None = None,
) -> Snapshot:
    w = np.asarray(w, np.float64)
    w_s, b_s = problem.to_scaled(w, b)
    b_train = b_s if b_s is not None else 0.0
    cost = problem.cost(w_s, b_train)
    if least_squares_cost is not None and not _cost_is_least_squares(
        problem, w_s, b_train, cost, least_squares_cost
    ):
        # The guard: a "solved" answer must fit as well as the solve said it does.
        warnings = [
            *warnings,
            f"these coefficients are not the least-squares answer: evaluated on the data "
            f"their cost J = {cost:.6g} is above the least-squares cost J = "
            f"{least_squares_cost:.6g} found by the solver (rounding lost the fit). Lower the "
            "polynomial degree or scale the features.",
        ]
    gw, gb = problem.gradient(w_s, b_train)
    gnorm = math.sqrt(float(gw @ gw) + (gb or 0.0) ** 2)
    return Snapshot(
        0,
        cost,
        readonly(w),
        b,
        readonly(w_s),
        b_s,
        gnorm,
        time.perf_counter() - t0,
        RunStatus.SOLVED,
        message,
        tuple(problem.warnings) + tuple(warnings),
        test_cost=problem.test_cost(w_s, b_s),
    )


def _cost_is_least_squares(
    problem: Problem, w_s: np.ndarray, b_s: float, cost: float, least_squares_cost: float
) -> bool:
    """Whether ``cost`` (of ``w_s``, ``b_s`` on the training design) is the least-squares cost.

    Compares residual norms ``‖e‖ = √(2m·J)``: a relative 5e-7 (1e-6 on ``J``) plus the
    rounding of evaluating ``e`` in the training dtype, ``ε·‖|X||w| + |b| + |y|‖`` times a
    safety factor (Higham, *Accuracy and Stability of Numerical Algorithms*, §3.5).
    """
    if not math.isfinite(cost):
        return False
    X = np.asarray(to_host(problem.X), np.float64)
    y = np.asarray(problem.dataset.y, np.float64)
    size = np.abs(X) @ np.abs(np.asarray(w_s, np.float64)) + abs(b_s) + np.abs(y)
    slack = 100 * float(np.finfo(np.dtype(problem.dtype)).eps) * float(np.linalg.norm(size))
    two_m = 2 * problem.m
    return math.sqrt(two_m * cost) <= math.sqrt(two_m * least_squares_cost) * (1 + 5e-7) + slack


def _equilibrated(
    X: np.ndarray, X_lo: np.ndarray | None, intercept: bool, ridge: float = 0.0
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """``B = A / s`` for the design ``A = [X | 1]`` (m × p; no ones without an intercept),
    with ``ridge`` > 0 the augmented ``[X | 1; ridge·I_n | 0]`` ((m + n) × p, the ridge
    problem's design), in Fortran order (LAPACK's and the column kernels' layout); the
    rounding errors of X's powers scaled alike (or None); and ``s``: each column's 2-norm
    rounded to a power of two, so that dividing by it is exact (equilibration; van der
    Sluis, 1969). Built in one pass over X."""
    m, n = X.shape
    p = n + int(intercept)
    rows = m + (n if ridge else 0)
    norms = np.sqrt(np.einsum("ij,ij->j", X, X) + ridge * ridge)
    if intercept:
        norms = np.append(norms, math.sqrt(m))
    with np.errstate(divide="ignore"):
        exps = np.where(norms > 0, np.round(np.log2(np.where(norms > 0, norms, 1.0))), 0.0)
    s = np.ldexp(1.0, exps.astype(int))
    B = np.zeros((rows, p), order="F") if ridge else np.empty((rows, p), order="F")
    np.divide(X, s[:n], out=B[:m, :n])
    B_lo = None
    if X_lo is not None:
        B_lo = np.zeros((rows, p), order="F")
        np.divide(X_lo, s[:n], out=B_lo[:m, :n])
    if intercept:
        B[:m, n] = 1.0 / s[n]
    if ridge:
        B[m + np.arange(n), np.arange(n)] = ridge / s[:n]
    return B, B_lo, s


def minimum_norm_in_original_units(x: np.ndarray, row_b: np.ndarray, s: np.ndarray) -> np.ndarray:
    """The least-squares solution of smallest 2-norm, in original units, via the row space.

    ``x`` (p) is one least-squares solution of ``A x ≈ y``; ``row_b`` (r × p, orthonormal
    rows) spans the row space of the equilibrated design ``B = A / s`` (r its rank). Since
    ``A = B·diag(s)``, the row space of ``A`` is spanned by the columns of ``row_bᵀ·s``. The
    minimum-norm solution is the one in that row space, orthogonal to the null space: the
    orthogonal projection of ``x`` onto it (via QR, O(p·r²)), which equals ``pinv(A) @ y``
    (Golub & Van Loan, *Matrix Computations*, §5.5). Used when ``m < p`` (no p × p basis);
    it loses the fit when the column scales ``s`` differ by many orders of magnitude, so the
    caller checks the residual.
    """
    Qw, _ = np.linalg.qr(row_b.T * s[:, None])
    return Qw @ (Qw.T @ x)


def minimum_norm_via_null_space(z: np.ndarray, null_b: np.ndarray, s: np.ndarray) -> np.ndarray:
    """The least-squares solution of smallest 2-norm in original units, via the null space.

    ``z`` (p) is a least-squares solution in equilibrated coordinates (``B z ≈ y``,
    ``B = A / s``), ``null_b`` (p × k, orthonormal columns) a basis of the null space of
    ``B``; the null space of ``A`` is then ``null_b / s`` exactly. Every least-squares
    solution is ``(z - null_b·c) / s``; the smallest one takes ``c`` minimising
    ``‖z/s - (null_b/s)·c‖`` (a p × k least-squares problem). The correction is formed in
    equilibrated coordinates before dividing by ``s`` (powers of two, exact), so it changes
    the fit only by ``B·null_b·c`` (rank tolerance × ‖c‖) whatever the column scales.
    """
    c = np.linalg.lstsq(null_b / s[:, None], z / s, rcond=None)[0]
    return (z - null_b @ c) / s


def _rss(y: np.ndarray, B: np.ndarray, z: np.ndarray) -> float:
    """``‖y - B z‖²`` (the residual sum of squares of equilibrated coefficients ``z``)."""
    r = y - B @ z
    return float(r @ r)


def _fit_kept(rss: float, rss_best: float, y: np.ndarray) -> bool:
    """Whether a residual sum of squares is the best one found, up to a relative 1e-9.

    The absolute slack, ``(1000·ε·‖y‖)²``, only matters for exact fits (``rss_best ≈ 0``).
    """
    slack = 1e3 * _EPS * float(np.linalg.norm(y))
    return rss <= rss_best * (1 + 1e-9) + slack**2


def _rank_deficient_answer(
    B: np.ndarray,
    B_lo: np.ndarray | None,
    y: np.ndarray,
    s: np.ndarray,
    Q: np.ndarray,
    U: np.ndarray,
    sigma: np.ndarray,
    Vt: np.ndarray,
    rank: int,
    intercept: bool,
    max_refinements: int,
) -> tuple[np.ndarray, float, str, str]:
    """The minimum-norm least-squares answer (original units) of a rank-deficient design.

    Returns ``(x, rss, norm_text, label)``: ``x`` (p) in original units, its residual sum
    of squares on the equilibrated design, the words naming the norm that was minimised and
    a short label for the status line.
    The minimum-norm solution in the units shown (``pinv([X | 1]) @ y``) is tried first; if
    computing it lost the fit (columns whose scales differ by many orders of magnitude,
    high-degree polynomials), the minimum-norm solution after equilibrating the columns is
    returned instead (same fit, a different norm), and ``norm_text`` says so.
    """
    m, p = B.shape

    def solve(rhs: np.ndarray) -> np.ndarray:  # truncated SVD of R: B⁺ at rank r
        return Vt[:rank].T @ ((U[:, :rank].T @ (Q.T @ rhs)) / sigma[:rank])

    z = solve(y)
    rss_z = _rss(y, B, z)
    # Refine with residuals in double-double: the tiny kept singular values amplify rounding
    # in z, which costs fit on high-degree designs (each step stays in the row space of B).
    for _ in range(max_refinements):
        trial = z + solve(precise.residual(y, B, B_lo, z))
        rss_trial = _rss(y, B, trial)
        if not rss_trial < rss_z:
            break
        z, rss_z = trial, rss_trial
    if m >= p:  # a full p × p basis is at hand: project off the null space
        x = minimum_norm_via_null_space(z, Vt[rank:].T, s)
    else:
        x = minimum_norm_in_original_units(z / s, Vt[:rank], s)
    rss_x = _rss(y, B, x * s)
    params = "(w, b)" if intercept else "w"
    if np.all(np.isfinite(x)) and _fit_kept(rss_x, rss_z, y):
        text = f"the minimum-norm solution (the smallest ‖{params}‖ in the units shown)"
        return x, rss_x, text, "minimum-norm"
    spread = float(np.log10(s.max() / s.min()))
    text = (
        "the minimum-norm solution after scaling every column of the design to about unit "
        f"length (the smallest ‖{params}‖ in the units shown cannot be computed reliably: the "
        f"columns' sizes differ by a factor of 10^{spread:.0f}, so rounding would lose the fit)"
    )
    return z / s, rss_z, text, "equilibrated minimum-norm"


def _dd_products(
    B: np.ndarray, B_lo: np.ndarray | None
) -> tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]:
    """The double-double ``residual(c, z, d)`` and ``transpose_product(r)`` of ``B``: the
    compiled kernels of :mod:`core.solvers.qr_kernels` for a large design, NumPy's
    :mod:`core.model.precise` for a small one (no compile wait)."""
    if B.size < FAST_SIZE or not compiled_kernels():
        return (
            lambda c, z, d: precise.residual(c, B, B_lo, z, d=d),
            lambda r: precise.transpose_product(B, B_lo, r),
        )
    from core.solvers import qr_kernels as K

    lo = np.zeros((0, 0)) if B_lo is None else B_lo
    return (
        lambda c, z, d: K.dd_residual(c, B, lo, z, d),
        lambda r: K.dd_transpose_product(B, lo, r),
    )


def _refined(
    B: np.ndarray,
    B_lo: np.ndarray | None,
    y: np.ndarray,
    Q: np.ndarray,
    R: np.ndarray,
    max_refinements: int,
    cancel: CancelFlag | None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """The least-squares solution ``z`` of ``B z ≈ y`` (full column rank, ``B = QR``), its
    residual and the refinement steps taken: QR, then the augmented system
    ``[I B; Bᵀ 0][r; z] = [y; 0]`` refined with residuals in double-double until a step
    stops halving (Björck, *Numerical Methods for Least Squares Problems*, §2.9)."""
    dd_residual, dd_transpose = _dd_products(B, B_lo)
    z = np.linalg.solve(R, Q.T @ y)
    r = y - B @ z
    step = np.inf
    refinements = 0
    for refinements in range(1, max_refinements + 1):  # noqa: B007
        if cancel is not None and cancel.is_set():
            break
        f = dd_residual(y, z, r)
        g = -dd_transpose(r)
        u = np.linalg.solve(R.T, g)
        qtf = Q.T @ f
        dz = np.linalg.solve(R, qtf - u)
        r = r + (Q @ u + f - Q @ qtf)
        z = z + dz
        new_step = float(np.max(np.abs(dz)) / max(np.max(np.abs(z)), 1e-300))
        if new_step <= _EPS / 4 or new_step >= step / 2:
            break
        step = new_step
    return z, r, refinements


def ridge_equation(
    problem: Problem, *, cancel: CancelFlag | None = None, max_refinements: int = 10
) -> Iterator[Snapshot]:
    """The closed-form ridge answer (L2 penalty λ₂ > 0) on the training design as scaled.

    Minimises ``‖A_s θ − y‖² + λ₂‖w_s‖²`` (2m times the cost of :mod:`core.model.penalty`;
    scikit-learn's ``Ridge(alpha=λ₂)`` on the same design) as the least-squares problem of
    the augmented design ``[A_s; √λ₂·D]``, right-hand side ``[y; 0]``, ``D = [I_n | 0]``
    (the intercept is not penalised), by QR and refinement as in :func:`normal_equation`:
    no ``XᵀX`` and no inverse (Björck, §2.9; Golub & Van Loan, *Matrix Computations*, §6.1).
    The augmented design has full column rank whenever λ₂ > 0, so the answer is unique.
    """
    t0 = time.perf_counter()
    m, n = problem.m, problem.n
    X_s = np.asarray(problem.scaler.transform(problem.design.X), np.float64)
    B, _, s = _equilibrated(X_s, None, problem.intercept, math.sqrt(problem.penalty.l2))
    rhs = np.concatenate([np.asarray(problem.dataset.y, np.float64), np.zeros(n)])
    large = B.size >= FAST_SIZE and compiled_kernels()
    fast = gram_refined(B, None, rhs, max_refinements, cancel) if large else None
    if fast is not None:
        z, r, refinements, _kappa = fast
        how = "Cholesky of the equilibrated augmented XᵀX"
    else:
        Q, R = np.linalg.qr(B)
        z, r, refinements = _refined(B, None, rhs, Q, R, max_refinements, cancel)
        how = "QR of the augmented design"
    theta = z / s
    w_s = theta[:n]
    b_s = float(theta[n]) if problem.intercept else None
    w, b = problem.to_original(w_s, b_s)
    message = (
        f"Solved the ridge problem (L2 λ = {problem.penalty.l2:g}) by {how} with "
        f"{refinements} double-double refinement step(s)."
    )
    yield _final_normal(problem, w, b, t0, message, [], least_squares_cost=float(r @ r) / (2 * m))


def normal_equation(
    problem: Problem, *, cancel: CancelFlag | None = None, max_refinements: int = 10
) -> Iterator[Snapshot]:
    """The exact least-squares solution, computed stably in the original units.

    Columns are equilibrated by powers of two (exact), the design is factored ``A = QR``
    (Householder; never ``XᵀX`` nor an inverse), and the augmented system
    ``[I A; Aᵀ 0][r; x] = [y; 0]`` is refined with residuals accumulated in double-double
    precision (``core.model.precise``; Björck, *Numerical Methods for Least Squares
    Problems*, §2.9), which recovers the digits QR alone loses on ill-conditioned designs.

    The rank is judged on the equilibrated columns (so it does not depend on units). When
    it is below the number of parameters p (collinear columns, or fewer rows than
    parameters), infinitely many coefficients fit equally well: the one returned is the
    minimum-norm solution in the units shown, ``pinv([X | 1]) @ y``, and a warning says so.
    When the columns' scales differ so much that computing it would lose the fit (high
    polynomial degrees), the minimum-norm solution of the equilibrated design is returned
    instead, with the same least-squares cost, and the warning names that norm. Either way
    the final cost is checked against the solve's own residual: a cost above it is warned.

    With an L2 penalty the answer is :func:`ridge_equation`'s; an L1 penalty has no closed
    form (InputError: train it with gradient descent).
    """
    _check_closed_form(problem)
    if problem.penalty.l2:
        yield from ridge_equation(problem, cancel=cancel, max_refinements=max_refinements)
        return
    t0 = time.perf_counter()
    B, B_lo, s = _equilibrated(problem.design.X, problem.design.X_lo, problem.intercept)
    y = np.asarray(problem.dataset.y, np.float64)
    m, p = B.shape
    names = problem.parameter_names
    large = B.size >= FAST_SIZE and m >= p >= 1 and compiled_kernels()
    fast = gram_refined(B, B_lo, y, max_refinements, cancel) if large else None
    if fast is not None:
        z, r, refinements, kappa = fast
        message = (
            f"Solved by Cholesky of the equilibrated XᵀX (condition number {kappa:.3g}, below "
            f"{GRAM_SAFE_KAPPA:.0e}, where it is safe) with {refinements} double-double "
            "refinement step(s)."
        )
        x = z / s
        w = x[: problem.n]
        b = float(x[problem.n]) if problem.intercept else None
        rss = float(r @ r)
        yield _final_normal(problem, w, b, t0, message, [], least_squares_cost=rss / (2 * m))
        return
    Q, R = np.linalg.qr(B)  # m < p: Q is m×m and R is m×p
    # Thin SVD: with m < p, Vt is m × p (a full one would be p × p, too big for wide data).
    U, sigma, Vt = np.linalg.svd(R, full_matrices=False)
    tol = sigma[0] * max(m, p) * _EPS if sigma[0] > 0 else 0.0
    rank = int(np.sum(sigma > tol))
    warnings: list[str] = []
    if rank < p:
        x, rss, norm_text, shown = _rank_deficient_answer(
            B, B_lo, y, s, Q, U, sigma, Vt, rank, problem.intercept, max_refinements
        )
        if m < p:
            # Problem's own warning already explains it (it applies to every solver).
            message = (
                f"{m} data rows but {p} parameters: least squares has infinitely many "
                f"solutions (rank {rank}); showing {norm_text}."
            )
        else:
            null = Vt[rank:]
            involved = np.flatnonzero(np.max(np.abs(null), axis=0) > 1e-8)
            cols = ", ".join(names[k] for k in involved[:8])
            warnings.append(
                f"the design is rank-deficient (rank {rank} of {p}): columns {cols} are "
                "linear combinations of each other, so infinitely many coefficients fit "
                f"equally well; showing {norm_text}. Remove a redundant feature or lower "
                "the polynomial degree."
            )
            message = f"Rank-deficient design (rank {rank} of {p}); {shown} solution shown."
    else:
        z, r, refinements = _refined(B, B_lo, y, Q, R, max_refinements, cancel)
        cond = float(sigma[0] / sigma[-1])
        message = (
            f"Solved by QR with {refinements} refinement step(s) "
            f"(equilibrated condition number {cond:.3g})."
        )
        if cond > ILL_CONDITIONED:
            warnings.append(
                f"the design is nearly singular (condition number {cond:.3g} even after "
                "equilibrating its columns): the coefficients are exact for the data as "
                "stored, but tiny changes in the data would change them a lot. Lower the "
                "polynomial degree or drop a nearly redundant feature."
            )
        x = z / s
        rss = float(r @ r)
    w = x[: problem.n]
    b = float(x[problem.n]) if problem.intercept else None
    yield _final_normal(problem, w, b, t0, message, warnings, least_squares_cost=rss / (2 * m))


def _check_closed_form(problem: Problem) -> None:
    """InputError for an L1 penalty: the lasso has no closed form."""
    if problem.penalty.l1:
        raise InputError(
            "an L1 penalty (lasso) has no closed-form answer: train it with gradient "
            "descent (gd or sgd), or use the L2 penalty (ridge) with the normal equation"
        )


def normal_textbook(problem: Problem, *, cancel: CancelFlag | None = None) -> Iterator[Snapshot]:
    """``w = (XᵀX)⁻¹Xᵀy`` exactly as the textbook writes it, on the training design; with an
    L2 penalty, ``(XᵀX + λ₂D)⁻¹Xᵀy`` (D = diag(1, …, 1, 0)).

    Kept to show why it is not used: forming ``XᵀX`` squares the condition number, and the
    explicit inverse loses the rest. Its result warns when it cannot be trusted. InputError
    for an L1 penalty (no closed form).
    """
    _check_closed_form(problem)
    t0 = time.perf_counter()
    A = np.asarray(to_host(problem.X), np.float64)
    if problem.intercept:
        A = np.column_stack([A, np.ones(problem.m)])
    y = np.asarray(to_host(problem.y), np.float64)
    warnings: list[str] = []
    cond = math.inf
    if A.shape[0] < A.shape[1] and not problem.penalty.l2:
        # rank(XᵀX) <= m < p: singular for certain, and p×p may be too big to form at all
        theta = np.full(A.shape[1], np.nan)
    else:
        G = A.T @ A
        G[np.arange(problem.n), np.arange(problem.n)] += problem.penalty.l2
        try:
            theta = np.linalg.inv(G) @ (A.T @ y)
        except np.linalg.LinAlgError:
            theta = np.full(A.shape[1], np.nan)
        cond = _scaled_condition(G)
    # The digits the inverse keeps follow κ of the design with unit-length columns (the
    # column scales cancel out of the relative error of each coefficient), not raw κ(A).
    digits = 16 - 2 * math.log10(cond) if math.isfinite(cond) and cond > 0 else -1
    if not np.all(np.isfinite(theta)):
        warnings.append(
            "XᵀX is singular: the textbook inverse does not exist. Use the stable "
            "normal equation (--solver normal)."
        )
        theta = np.nan_to_num(theta, nan=0.0, posinf=0.0, neginf=0.0)
    elif digits < 8:
        warnings.append(
            f"untrustworthy: cond(A) = {cond:.3g} with its columns scaled to unit length, so "
            f"cond(XᵀX) = {cond * cond:.3g} and only about {max(digits, 0):.0f} of 16 digits "
            "can be right. Use the stable normal equation (--solver normal) or scale the "
            "features."
        )
    w_s = theta[: problem.n]
    b_s = float(theta[problem.n]) if problem.intercept else None
    w, b = problem.to_original(w_s, b_s)
    yield _final_normal(problem, w, b, t0, "Solved with the explicit inverse of XᵀX.", warnings)


def _scaled_condition(G: np.ndarray) -> float:
    """κ of the design A whose Gram matrix is ``G = AᵀA`` (p × p), after scaling A's columns
    to unit length: sqrt(λ_max / λ_min) of the scaled Gram matrix (inf when singular; past
    about 1e8 the eigenvalues of the squared problem only say "at least that")."""
    d = np.sqrt(np.diag(G))
    d[~(d > 0)] = 1.0
    ev = np.linalg.eigvalsh(G / np.outer(d, d))
    return math.sqrt(ev[-1] / ev[0]) if ev[0] > 0 else math.inf
