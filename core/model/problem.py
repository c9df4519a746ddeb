"""A regression problem ready to train: expanded, scaled design on a device, plus its maths.

``Problem`` owns the training design ``A = [X_s | 1]`` (features after polynomial expansion
and scaling, the column of ones only when there is an intercept), and answers the questions
the product asks about it: cost and gradient, the stability bound ``alpha_max``, the
condition number, and the cost surface over two parameters for the contour view.

Parameters come in two coordinate systems: *original units* (``w``, ``b``; what users read)
and *training coordinates* (``w_s``, ``b_s``; what gradient descent moves, and the axes of
the contour plot, where scaling turns ellipses into circles).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.backend import check_fits, namespace, to_host
from core.data.datasets import Dataset
from core.data.split import Split, constant_on_training, refill_from_training, split_rows
from core.errors import InputError
from core.model.features import Design, polynomial_features
from core.model.gram_tools import extreme_eigenvalues, lasso_on_gram
from core.model.penalty import Penalty
from core.model.scaling import Scaler, fit_scaler

DTYPES = ("float64", "float32")
DENSE_EIGEN_LIMIT = 600
_EPS = np.finfo(np.float64).eps


@dataclass(frozen=True)
class GramStats:
    """``G = AᵀA/m``, ``c = Aᵀy/m`` and ``yy = yᵀy/m`` of the training design (host, float64)."""

    G: np.ndarray
    c: np.ndarray
    yy: float


@dataclass(frozen=True, eq=False)
class TestPart:
    """The held-out rows: their numbers in the data as loaded, expanded design in original
    units (m_test × p), the same scaled by the training rows' scaler, and targets (host,
    float64)."""

    rows: np.ndarray
    X: np.ndarray
    X_scaled: np.ndarray
    y: np.ndarray


def _rows(design: Design, rows: np.ndarray) -> Design:
    """``design`` restricted to ``rows``."""
    import dataclasses

    lo = None if design.X_lo is None else np.ascontiguousarray(design.X_lo[rows])
    return dataclasses.replace(design, X=np.ascontiguousarray(design.X[rows]), X_lo=lo)


class Problem:
    """Linear regression of ``dataset`` with the given model and scaling, on one device."""

    def __init__(
        self,
        dataset: Dataset,
        *,
        degree: int = 1,
        intercept: bool = True,
        scaling: str = "none",
        device: str = "cpu",
        dtype: str = "float64",
        test_fraction: float = 0.0,
        seed: int = 0,
        l2: float = 0.0,
        l1: float = 0.0,
    ) -> None:
        if dtype not in DTYPES:
            raise InputError(f"unknown dtype {dtype!r}; choose one of {', '.join(DTYPES)}")
        self.notes: list[str] = []
        #: the data as loaded, every row (``dataset`` is the training part)
        self.source = dataset
        #: which rows train and which are held out (None: every row trains)
        self.split: Split | None = split_rows(dataset.m, test_fraction, seed)
        #: {column: the value its missing cells hold}, when a split filled them again
        self.fill_values: dict[str, float | str] = {}
        if self.split is not None:  # missing cells filled again, from the training rows
            dataset, self.fill_values, refilled = refill_from_training(
                dataset, self.split.train_rows
            )
            self.source = dataset
            self.notes.extend(
                f"with a test set, missing cells are filled from the training rows only: {text}"
                for text in refilled
            )
        self.dataset = dataset if self.split is None else dataset.subset(self.split.train_rows)
        self.intercept = bool(intercept)
        self.device = device
        self.dtype = dtype
        #: categorical column -> the level left out because the intercept stands for it
        self.dropped_levels: dict[str, str] = {}
        X, names, indicators = self._one_hot_columns(dataset)
        full = polynomial_features(X, names, degree, dataset.path, indicators=indicators)
        #: the expanded design of the training rows (original units)
        self.design: Design = full if self.split is None else _rows(full, self.split.train_rows)
        m, p = self.design.X.shape
        n_params = p + int(self.intercept)
        self.penalty = Penalty(l2, l1, m)
        self.warnings: list[str] = []
        if m < n_params and not l2:
            # Not an error: every solver still has an answer to give, and says which.
            norm = "‖(w, b)‖" if self.intercept else "‖w‖"
            self.warnings.append(
                f"{m} data rows but the model has {n_params} parameters "
                f"({p} coefficients{' and an intercept' if self.intercept else ''}): least "
                "squares has infinitely many solutions, all fitting equally well; the normal "
                f"solver shows the minimum-norm one (smallest {norm} in the units shown), "
                "gradient descent the one it reaches from its start point"
            )
        self._check_range(full.X, full.X.shape[0], dataset.y, full.names)
        if self.split is not None:
            self.notes.append(
                f"{self.split.m_test:,} of {dataset.m:,} rows held out as the test set (seed "
                f"{self.split.seed}); the scaling was fitted on the {m:,} training rows only "
                "(fitting it on all rows would leak the test rows into training)"
            )
        if self.split is not None and scaling != "none":
            flat = constant_on_training(full.X, self.design.X, full.names, self.split)
            if flat:
                raise InputError(flat, path=dataset.path)
        self.scaler: Scaler = fit_scaler(
            self.design.X,
            scaling,
            intercept=self.intercept,
            names=self.design.names,
            path=dataset.path,
        )
        if not self.intercept and scaling in ("zscore", "mean", "minmax"):
            self.warnings.append(
                f"without an intercept, {scaling} scaling only divides by the spread "
                "(centring would add an intercept the model does not have)"
            )
        self.xp = namespace(device)
        itemsize = 4 if dtype == "float32" else 8
        check_fits((m * p + m) * itemsize, device, f"the {m:,} x {p:,} design on the {device}")
        host_scaled = self.scaler.transform(self.design.X)
        self.X = self.xp.asarray(np.ascontiguousarray(host_scaled), dtype=dtype)
        self.y = self.xp.asarray(self.dataset.y, dtype=dtype)
        #: the held-out rows: expanded design (original units), scaled design, targets
        self.test: TestPart | None = None
        if self.split is not None:
            test_design = _rows(full, self.split.test_rows)
            self.test = TestPart(
                self.split.test_rows,
                test_design.X,
                np.ascontiguousarray(self.scaler.transform(test_design.X), np.float64),
                np.ascontiguousarray(dataset.y[self.split.test_rows], np.float64),
            )

    def _one_hot_columns(
        self, dataset: Dataset
    ) -> tuple[np.ndarray, tuple[str, ...], tuple[str | None, ...]]:
        """The dataset's features with one level per categorical column left out where it
        would be redundant (R's treatment contrasts; pandas' ``get_dummies(drop_first=True)``).

        The 0/1 columns of one categorical column sum to 1, the intercept's column: with an
        intercept, each categorical column loses its first level (sorted order), which the
        intercept then stands for. Without one, the first categorical column keeps all its
        levels (together they act as the intercept) and each later one loses its first. Either
        way the design keeps full rank. :attr:`dropped_levels` and :attr:`notes` say which.
        """
        indicators = tuple(dataset.indicators) or (None,) * dataset.n
        names = tuple(dataset.feature_names)
        columns = list(dict.fromkeys(ind for ind in indicators if ind is not None))
        #: the dataset's columns the design uses (one level of each categorical one may go)
        self.kept_columns: tuple[int, ...] = tuple(range(dataset.n))
        if not columns:
            return dataset.X, names, indicators
        full = None if self.intercept else columns[0]
        keep = []
        for j, ind in enumerate(indicators):
            if ind is not None and ind != full and ind not in self.dropped_levels:
                self.dropped_levels[ind] = names[j][len(ind) + 1 :]
                why = (
                    "the intercept stands for it"
                    if self.intercept
                    else f"without an intercept, the levels of {full!r} stand for it"
                )
                self.notes.append(f"{names[j]} left out: {why}")
                continue
            keep.append(j)
        if not keep:
            raise InputError(
                "no feature left: each categorical column has one level only, which the "
                "intercept stands for; add a numeric feature or fit without an intercept",
                path=dataset.path,
            )
        self.kept_columns = tuple(keep)
        if len(keep) == len(names):
            return dataset.X, names, indicators
        return (
            np.ascontiguousarray(dataset.X[:, keep]),
            tuple(names[j] for j in keep),
            tuple(indicators[j] for j in keep),
        )

    def _check_range(
        self, X: np.ndarray, m: int, y: np.ndarray, feature_names: tuple[str, ...]
    ) -> None:
        """Refuse values whose squares overflow the cost; warn where they underflow.

        The cost is a sum of m squares, so values beyond about ``sqrt(max/m)`` make it
        infinite whatever the solver does: that is an input error naming the column (rescale
        it). Squares below the smallest normal number flush towards 0: a warning.
        """
        info = np.finfo(np.dtype(self.dtype))
        big, tiny = float(info.max), float(info.tiny)
        limit = float(np.sqrt(big / (4 * max(m, 1))))
        names = (*feature_names, self.source.target_name)
        columns = [*np.abs(X).T, np.abs(np.asarray(y, np.float64))]
        low = np.inf
        for name, col in zip(names, columns, strict=True):
            top = float(col.max()) if col.size else 0.0
            if top > limit:
                raise InputError(
                    f"values up to {top:.3g} are too large for {self.dtype}: the cost sums "
                    f"their squares, which overflow (largest {big:.3g}); rescale the column "
                    "(e.g. divide it by a power of ten)"
                    + (" or use float64" if self.dtype == "float32" else ""),
                    path=self.dataset.path,
                    column_name=name,
                )
            nonzero = col[col > 0]
            if nonzero.size:
                low = min(low, float(nonzero.min()))
        if low * low < tiny:
            self.warnings.append(
                f"values as small as {low:.3g} have squares below {self.dtype}'s smallest "
                f"normal number ({tiny:.3g}): the cost and gradient lose precision or underflow "
                "to 0; rescale the data" + (" or use float64" if self.dtype == "float32" else "")
            )

    # -- sizes and names -------------------------------------------------------------------
    @property
    def m(self) -> int:
        """Number of data rows (examples)."""
        return int(self.X.shape[0])

    @property
    def n(self) -> int:
        """Number of coefficients (features after polynomial expansion)."""
        return int(self.X.shape[1])

    @property
    def n_params(self) -> int:
        """Number of parameters: coefficients, plus the intercept when there is one."""
        return self.n + int(self.intercept)

    @property
    def feature_names(self) -> tuple[str, ...]:
        """Names of the expanded features (``x``, ``x^2``, ...), one per coefficient."""
        return self.design.names

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """Names of the parameters in ``theta`` order: features, then ``b``."""
        return self.design.names + (("b",) if self.intercept else ())

    @property
    def scaling(self) -> str:
        """The feature scaling used for training (one of ``SCALINGS``)."""
        return self.scaler.scaling

    # -- coordinates -------------------------------------------------------------------------
    def to_original(self, w_s: Any, b_s: float | None) -> tuple[np.ndarray, float | None]:
        """Training coordinates → original units."""
        return self.scaler.to_original(to_host(w_s), b_s if self.intercept else None)

    def to_scaled(self, w: Any, b: float | None) -> tuple[np.ndarray, float | None]:
        """Original units → training coordinates."""
        return self.scaler.to_scaled(np.asarray(w, np.float64), b if self.intercept else None)

    def theta(self, w_s: Any, b_s: float | None) -> np.ndarray:
        """Training-coordinate parameter vector ``[w_s, b_s]`` (b only with an intercept)."""
        w_s = np.asarray(to_host(w_s), np.float64)
        return np.append(w_s, 0.0 if b_s is None else b_s) if self.intercept else w_s

    # -- the maths ----------------------------------------------------------------------------
    def errors(self, w_s: Any, b_s: float | None) -> Any:
        """``e = ŷ - y`` on the device for training coordinates ``w_s``, ``b_s``."""
        e = self.X @ self.xp.asarray(w_s, dtype=self.dtype) - self.y
        if self.intercept:
            e += b_s
        return e

    def data_cost(self, w_s: Any, b_s: float | None) -> float:
        """``1/(2m)·Σe²`` on the training rows, without the penalty."""
        e = self.errors(w_s, b_s)
        return float(to_host(e @ e)) / (2 * self.m)

    def cost(self, w_s: Any, b_s: float | None) -> float:
        """``J = 1/(2m)·Σe²`` plus the penalty (:mod:`core.model.penalty`; none by default)
        on the training rows, evaluated directly from the data."""
        return self.data_cost(w_s, b_s) + self.penalty.value(np.asarray(to_host(w_s)))

    def gradient(self, w_s: Any, b_s: float | None) -> tuple[np.ndarray, float | None]:
        """``(∇w, ∂b) = ((1/m)Xᵀe + (λ₂/m)w, (1/m)Σe)`` as host arrays (the smooth part of
        the cost: an L1 term has no gradient at 0, see :meth:`Penalty.stationarity`)."""
        e = self.errors(w_s, b_s)
        gw = to_host(self.X.T @ e) / self.m
        gw = gw + self.penalty.smooth_gradient(np.asarray(to_host(w_s), np.float64))
        gb = float(to_host(e.sum())) / self.m if self.intercept else None
        return np.asarray(gw, np.float64), gb

    def test_cost(self, w_s: Any, b_s: float | None) -> float | None:
        """``1/(2m_test)·Σe²`` on the held-out rows (no penalty); None without a test set."""
        if self.test is None:
            return None
        e = self.test.X_scaled @ np.asarray(to_host(w_s), np.float64) - self.test.y
        if self.intercept:
            e += 0.0 if b_s is None else float(b_s)
        return float(e @ e) / (2 * e.size)

    def gram_gradient(self, theta: Any) -> np.ndarray:
        """The full-data gradient ∇J at ``θ = [w_s, b_s]`` (training coordinates, n_params
        values; ∂b last), ``Gθ − c`` from the Gram statistics: the same as :meth:`gradient`
        up to rounding, in O(p²) whatever m (cheap enough for the window's gradient arrow)."""
        theta = np.asarray(theta, np.float64)
        if theta.shape != (self.n_params,):
            raise InputError(f"θ needs {self.n_params} values, got shape {theta.shape}")
        return self.gram.G @ theta - self.gram.c

    @functools.cached_property
    def gram(self) -> GramStats:
        """Gram statistics of the training design, computed once (O(m·p²), then O(p²))."""
        # float64 whatever the training dtype: the bound and the contours must not
        # inherit float32's overflow or underflow.
        P = self.n_params
        # A wide design (few rows, many features) makes this p×p matrix the largest thing
        # the problem holds: refuse it before allocating rather than swap for minutes.
        check_fits(3 * 8 * P * P, "cpu", f"the {P:,} x {P:,} Gram matrix (for the contours)")
        X = self.X.astype(self.xp.float64, copy=False)
        y = self.y.astype(self.xp.float64, copy=False)
        m = self.m
        xtx = to_host(X.T @ X).astype(np.float64) / m
        xty = to_host(X.T @ y).astype(np.float64) / m
        yy = float(to_host(y @ y)) / m
        if self.intercept:
            mean = to_host(X.sum(axis=0)).astype(np.float64) / m
            p = self.n
            G = np.empty((p + 1, p + 1))
            G[:p, :p] = xtx
            G[:p, p] = G[p, :p] = mean
            G[p, p] = 1.0
            c = np.append(xty, float(to_host(y.sum())) / m)
        else:
            G, c = xtx, xty
        G = (G + G.T) / 2
        if self.penalty.l2:  # the ridge term's Hessian (λ₂/m)·diag(1, …, 1, 0)
            p = self.n
            G[np.arange(p), np.arange(p)] += self.penalty.l2 / m
        return GramStats(G, c, yy)

    @functools.cached_property
    def _eigenvalues(self) -> np.ndarray:
        """Smallest and largest eigenvalue of ``G`` (exact for small p, Lanczos beyond).

        With fewer rows than parameters, ``G = AᵀA/m`` is singular (λ_min = 0) and shares its
        non-zero eigenvalues with the m × m matrix ``AAᵀ/m``, which is far cheaper to form.
        """
        if self.m < self.n_params and not self.penalty.l2:
            A = to_host(self.X).astype(np.float64)
            if self.intercept:
                A = np.column_stack([A, np.ones(self.m)])
            K = (A @ A.T) / self.m
            lam_max = (
                float(np.linalg.eigvalsh(K)[-1])
                if K.shape[0] <= DENSE_EIGEN_LIMIT
                else float(extreme_eigenvalues(K)[1])
            )
            return np.array([0.0, lam_max])
        G = self.gram.G
        if G.shape[0] <= DENSE_EIGEN_LIMIT:
            lam = np.linalg.eigvalsh(G)
            return np.array([lam[0], lam[-1]])
        return extreme_eigenvalues(G)

    @property
    def lambda_range(self) -> tuple[float, float]:
        """``(λ_min, λ_max)`` of ``G = AᵀA/m``, the cost's Hessian in training coordinates."""
        return float(self._eigenvalues[0]), float(self._eigenvalues[1])

    @property
    def alpha_max(self) -> float:
        """Largest stable learning rate ``2/λ_max(AᵀA/m)`` for the training design."""
        lam = float(self._eigenvalues[1])
        return 2.0 / lam if lam > 0 else float("inf")

    @functools.cached_property
    def condition_number(self) -> float:
        """2-norm condition number of the training design ``A`` (``inf`` when singular).

        The Gram eigenvalues give it cheaply, but only to about ``1e7``; past that, or when
        cheap enough, it is taken from the singular values of R in ``A = QR``. With more than
        ``DENSE_EIGEN_LIMIT`` parameters on a large design it is a Lanczos estimate (a lower
        bound): :attr:`condition_is_estimate` says so. With an L2 penalty it is κ of the
        regularised design ``[A; √λ₂·D]`` (D = diag(1, …, 1, 0)), √(λ_max/λ_min) of the
        Hessian, which the penalty bounds.
        """
        if self.m < self.n_params and not self.penalty.l2:  # fewer rows than parameters
            return float("inf")
        lmin, lmax = (float(v) for v in self._eigenvalues)
        if lmax <= 0:
            return float("inf")
        cheap = np.sqrt(lmax / lmin) if lmin > 0 else float("inf")
        # with an L2 penalty: κ of the regularised design [A; √λ₂·D], from its Hessian
        if cheap < 1e6 or self.m * self.n_params**2 > 5e9 or self.penalty.l2:
            return float(cheap)
        A = to_host(self.X).astype(np.float64)
        if self.intercept:
            A = np.column_stack([A, np.ones(self.m)])
        s = np.linalg.svd(np.linalg.qr(A, mode="r"), compute_uv=False)
        return float(s[0] / s[-1]) if s[-1] > 0 else float("inf")

    @property
    def condition_is_estimate(self) -> bool:
        """True when :attr:`condition_number` is a Lanczos estimate rather than exact."""
        cheap_path = self.condition_number < 1e6 or self.m * self.n_params**2 > 5e9
        return self.n_params > DENSE_EIGEN_LIMIT and cheap_path

    def gram_optimum(self) -> np.ndarray:
        """Least-squares optimum in training coordinates from the Gram statistics.

        For display (contour centre) only: it squares the condition number. The answers the
        product reports come from the stable normal equation in ``core.solvers``. ``G`` is
        scaled symmetrically by its diagonal first (Jacobi; van der Sluis, 1969): without it,
        unscaled polynomial columns make lstsq's cut-off drop real directions and the centre
        misses the optimum by far (housing degree 2, no scaling: J 408 instead of 245).
        """
        G, c = self.gram.G, self.gram.c
        d = np.sqrt(np.diag(G))
        d[~(d > 0)] = 1.0  # an all-zero column: nothing to scale
        theta = np.linalg.lstsq(G / d / d[:, None], c / d, rcond=None)[0] / d
        if self.penalty.l1:
            theta = lasso_on_gram(G, c, theta, self.penalty.l1 / self.m, self.n, self.alpha_max)
        return theta

    def cost_surface(
        self,
        i: int,
        j: int,
        u: np.ndarray,
        v: np.ndarray,
        base: np.ndarray | None = None,
        base_cost: float | None = None,
    ) -> np.ndarray:
        """Cost over parameters ``i`` and ``j`` (training coordinates), the others at ``base``.

        Parameter indices follow :attr:`parameter_names` (the intercept is the last one).
        Returns ``J`` with ``J[k, l]`` the cost at ``θ_i = u[l]``, ``θ_j = v[k]``. It is the
        quadratic form of the Gram statistics, so each grid costs O(grid), whatever m is;
        only the cost at ``base`` is evaluated from the data, unless the caller already
        knows it (``base_cost``, e.g. kept from an earlier slice).
        """
        P = self.n_params
        if not (0 <= i < P and 0 <= j < P) or i == j:
            raise InputError(f"choose two different parameters among 0..{P - 1}")
        base = self.gram_optimum() if base is None else np.asarray(base, np.float64)
        G = self.gram.G
        g = G @ base - self.gram.c
        w_s = base[: self.n]
        b_s = float(base[self.n]) if self.intercept else None
        J0 = self.cost(w_s, b_s) if base_cost is None else float(base_cost)
        du = np.asarray(u, np.float64)[None, :] - base[i]
        dv = np.asarray(v, np.float64)[:, None] - base[j]
        J = (
            J0
            + du * g[i]
            + dv * g[j]
            + 0.5 * (du * du * G[i, i] + 2 * du * dv * G[i, j] + dv * dv * G[j, j])
        )
        t = self.penalty.threshold_per_rate  # the L1 term (not quadratic): exactly
        if t:
            if i < self.n:
                J = J + t * (np.abs(du + base[i]) - abs(base[i]))
            if j < self.n:
                J = J + t * (np.abs(dv + base[j]) - abs(base[j]))
        return J
