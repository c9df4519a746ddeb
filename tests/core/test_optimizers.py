"""The optimizers against a NumPy transcription of torch.optim's algorithm boxes.

The transcription below is written from PyTorch's documentation (torch.optim.SGD with
momentum/nesterov, Adagrad, RMSprop, Adam), independently of core: one parameter vector
θ = [w; b] over the design A = [Z | 1], Z the z-scored features (population σ).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from core.builder import build_dataset
from core.cli import main
from core.data.datasets import make_housing, make_synthetic
from core.errors import InputError
from core.model.problem import Problem
from core.settings import DataSettings
from core.solvers import (
    CANCELLED,
    DIVERGED,
    MAX_ITERATIONS,
    OPTIMIZERS,
    gradient_descent,
    last,
    learning_rate,
    normal_equation,
    optimize,
    run_solver,
)

#: A learning rate that moves each optimizer visibly in 50 steps on the housing data.
ALPHAS = {
    "sgd": 0.1,
    "momentum": 0.05,
    "nesterov": 0.05,
    "adagrad": 5.0,
    "rmsprop": 0.5,
    "adam": 0.5,
}


def zscored(X: np.ndarray) -> np.ndarray:
    return (X - X.mean(axis=0)) / X.std(axis=0)


def transcription(
    name: str,
    A: np.ndarray,
    y: np.ndarray,
    lrs: list[float],
    *,
    batch: int = 0,
    seed: int = 0,
    mu: float = 0.9,
    alpha: float = 0.99,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float | None = None,
) -> list[np.ndarray]:
    """θ_0 .. θ_T of ``name`` from zero, lrs[t-1] the learning rate of step t."""
    m, p = A.shape
    theta = np.zeros(p)
    out = [theta.copy()]
    buf = np.zeros(p)
    s = np.zeros(p)
    v = np.zeros(p)
    mom = np.zeros(p)
    rng = np.random.default_rng(seed)
    order: list[np.ndarray] = []
    if eps is None:
        eps = 1e-10 if name == "adagrad" else 1e-8
    for t in range(1, len(lrs) + 1):
        gamma = lrs[t - 1]
        if batch:
            if not order:
                perm = rng.permutation(m)
                order = [perm[i : i + batch] for i in range(0, m, batch)]
            rows = order.pop(0)
            Ab, yb = A[rows], y[rows]
        else:
            Ab, yb = A, y
        g = Ab.T @ (Ab @ theta - yb) / len(yb)
        if name in ("momentum", "nesterov"):
            buf = g.copy() if t == 1 else mu * buf + g
            d = g + mu * buf if name == "nesterov" else buf
            theta = theta - gamma * d
        elif name == "adagrad":
            s = s + g**2
            theta = theta - gamma * g / (np.sqrt(s) + eps)
        elif name == "rmsprop":
            v = alpha * v + (1 - alpha) * g**2
            theta = theta - gamma * g / (np.sqrt(v) + eps)
        elif name == "adam":
            mom = beta1 * mom + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g**2
            m_hat = mom / (1 - beta1**t)
            v_hat = v / (1 - beta2**t)
            theta = theta - gamma * m_hat / (np.sqrt(v_hat) + eps)
        else:  # sgd
            theta = theta - gamma * g
        out.append(theta.copy())
    return out


def housing_design() -> tuple[Problem, np.ndarray, np.ndarray]:
    data = make_housing(100)
    A = np.column_stack([zscored(data.X), np.ones(data.m)])
    return Problem(data, scaling="zscore"), A, data.y


def scaled_params(snap) -> np.ndarray:
    return np.append(snap.w_scaled, snap.b_scaled)


CASES = [(name, 0, 0) for name in OPTIMIZERS] + [("sgd", 7, 3), ("adam", 16, 5), ("momentum", 1, 0)]


@pytest.mark.parametrize(("name", "batch", "seed"), CASES)
def test_first_50_iterates_match_the_torch_optim_formulas(name, batch, seed):
    problem, A, y = housing_design()
    alpha = ALPHAS[name] / (10 if batch == 1 else 1)
    snaps = list(
        optimize(problem, name, alpha=alpha, iterations=50, batch_size=batch, shuffle_seed=seed)
    )
    expected = transcription(name, A, y, [alpha] * 50, batch=batch, seed=seed)
    assert [s.iteration for s in snaps] == list(range(51))
    for snap, theta in zip(snaps, expected, strict=True):
        assert_allclose(scaled_params(snap), theta, rtol=1e-9, atol=1e-12)
    # the run moved: the comparison is not between two zero vectors
    assert np.linalg.norm(expected[-1]) > 1.0


@pytest.mark.parametrize("name", ["rmsprop", "adam", "momentum"])
def test_hyper_parameters_and_a_schedule_reach_the_update(name):
    problem, A, y = housing_design()
    lrs = [0.3 * 0.5 ** (t // 7) for t in range(40)]
    snaps = list(
        optimize(
            problem,
            name,
            alpha=0.3,
            iterations=40,
            momentum=0.5,
            rho=0.9,
            beta1=0.8,
            beta2=0.99,
            epsilon=1e-3,
            schedule="step",
            decay=0.5,
            step_every=7,
        )
    )
    expected = transcription(name, A, y, lrs, mu=0.5, alpha=0.9, beta1=0.8, beta2=0.99, eps=1e-3)
    for snap, theta in zip(snaps, expected, strict=True):
        assert_allclose(scaled_params(snap), theta, rtol=1e-9, atol=1e-12)


def test_schedules_give_the_rates_they_promise():
    step = learning_rate("step", 2.0, decay=0.5, step_every=3)
    assert [step(t) for t in range(7)] == [2, 2, 2, 1, 1, 1, 0.5]
    inverse = learning_rate("inverse-time", 1.0, decay=0.25)
    assert [inverse(t) for t in range(4)] == [1.0, 0.8, 1 / 1.5, 1 / 1.75]
    cosine = learning_rate("cosine", 1.0, iterations=4)
    assert [cosine(t) for t in range(5)] == pytest.approx(
        [1.0, (1 + math.sqrt(0.5)) / 2, 0.5, (1 - math.sqrt(0.5)) / 2, 0.0], abs=1e-15
    )
    assert learning_rate("constant", 0.3)(10**6) == 0.3
    with pytest.raises(InputError, match="schedule"):
        learning_rate("linear", 1.0)


def test_gd_follows_a_schedule_too():
    problem, A, y = housing_design()
    rate = [0.5 / (1 + 0.1 * t) for t in range(30)]
    snaps = list(
        gradient_descent(problem, alpha=0.5, iterations=30, schedule="inverse-time", decay=0.1)
    )
    for snap, theta in zip(snaps, transcription("sgd", A, y, rate), strict=True):
        assert_allclose(scaled_params(snap), theta, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("batch", [0, 100, 1000])
def test_sgd_with_the_full_batch_is_gd(batch):
    problem, _, _ = housing_design()
    gd = list(gradient_descent(problem, alpha=0.3, iterations=200, tolerance=1e-9))
    sgd = list(
        optimize(problem, "sgd", alpha=0.3, iterations=200, tolerance=1e-9, batch_size=batch)
    )
    assert len(gd) == len(sgd) and gd[-1].status == sgd[-1].status
    for a, b in zip(gd, sgd, strict=True):
        assert_allclose(scaled_params(a), scaled_params(b), rtol=1e-15, atol=0)
        assert a.cost == b.cost


def test_sgd_with_a_seed_is_reproducible_and_the_seed_matters():
    problem, _, _ = housing_design()

    def run(seed):
        snaps = optimize(
            problem, "sgd", alpha=0.05, iterations=300, batch_size=8, shuffle_seed=seed
        )
        return np.array([scaled_params(s) for s in snaps])

    first, again, other = run(11), run(11), run(12)
    assert np.array_equal(first, again)
    assert not np.allclose(first[-1], other[-1], rtol=1e-6)


def test_a_long_mini_batch_run_records_at_most_about_20000_points():
    problem, _, _ = housing_design()
    snaps = list(optimize(problem, "sgd", alpha=0.01, iterations=45_000, batch_size=1))
    assert len(snaps) <= 20_001
    assert [s.iteration for s in snaps[:3]] == [0, 3, 6]
    assert snaps[-1].iteration == 45_000 and snaps[-1].status == MAX_ITERATIONS
    # each recorded cost is the full-data cost at that point
    w, b = snaps[-1].w_scaled, snaps[-1].b_scaled
    e = problem.X @ w + b - problem.y
    assert snaps[-1].cost == pytest.approx(float(e @ e) / (2 * problem.m), rel=1e-12)


@pytest.mark.parametrize(
    ("name", "alpha", "options"),
    [
        ("momentum", 0.5, {}),
        ("nesterov", 0.5, {}),
        ("adagrad", 2.0, {}),
        ("rmsprop", 0.05, {"schedule": "cosine"}),
        ("adam", 0.5, {"schedule": "cosine"}),
        ("sgd", 0.5, {}),
    ],
)
def test_deterministic_optimizers_reach_the_normal_equation_answer(name, alpha, options):
    data = make_synthetic(300, 3, noise=0.2, scale_spread=0.0, seed=3)
    problem = Problem(data, scaling="zscore")
    exact = last(normal_equation(problem))
    got = last(optimize(problem, name, alpha=alpha, iterations=20_000, **options))
    assert not got.diverged
    assert_allclose(np.append(got.w, got.b), np.append(exact.w, exact.b), rtol=1e-6, atol=1e-8)


def test_momentum_and_nesterov_diverge_above_their_bound_and_converge_below():
    problem, _, _ = housing_design()
    a_max = problem.alpha_max
    for name, bound in (("momentum", 1.9 * a_max), ("nesterov", 1.9 / 2.8 * a_max)):
        above = last(optimize(problem, name, alpha=1.05 * bound, iterations=3000))
        below = last(optimize(problem, name, alpha=0.95 * bound, iterations=3000, tolerance=1e-9))
        assert above.status == DIVERGED, name
        assert f"{bound:.4g}" in above.message and "above" in above.message
        assert not below.diverged, name
    assert bound < a_max < 1.9 * a_max  # Nesterov's bound is below α_max for μ = 0.9


def test_adam_blows_up_is_a_divergence_without_alpha_max():
    problem = Problem(make_housing(50))  # unscaled: a huge α makes the cost explode
    snap = last(optimize(problem, "adam", alpha=1e6, iterations=500))
    assert snap.diverged
    assert "smaller α" in snap.message


@pytest.mark.parametrize(("name", "batch"), [("adam", 0), ("sgd", 10), ("nesterov", 5)])
def test_cancel_stops_at_the_next_iteration(name, batch):
    class Flag:
        calls = 0

        def is_set(self):
            self.calls += 1
            return self.calls > 3

    problem, _, _ = housing_design()
    snap = last(
        optimize(
            problem,
            name,
            alpha=0.01,
            iterations=10**6,
            batch_size=batch,
            report_every=1000,
            cancel=Flag(),
        )
    )
    assert snap.status == CANCELLED and snap.iteration == 3


def test_start_point_and_pace_work_as_for_gd():
    problem, _, _ = housing_design()
    chunks = []

    def pace(k):
        chunks.append(k)
        return min(2, k)

    snaps = list(
        optimize(
            problem,
            "adam",
            alpha=0.1,
            iterations=6,
            report_every=4,
            w0=[1, 2, 3, 4],
            b0=5,
            pace=pace,
        )
    )
    assert [s.iteration for s in snaps] == [0, 2, 4, 6]
    assert chunks == [4, 4, 2]
    assert_allclose(snaps[0].w, [1, 2, 3, 4], rtol=1e-12)
    assert snaps[0].b == pytest.approx(5)


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({"momentum": 1.0}, "momentum"),
        ({"beta2": -0.1}, "beta2"),
        ({"batch_size": -1}, "batch size"),
        ({"epsilon": 0.0}, "epsilon"),
        ({"schedule": "cosine", "decay": -1.0}, "decay"),
        ({"schedule": "step", "step_every": 0}, "step every"),
        ({"alpha": 0.0}, "learning rate"),
    ],
)
def test_bad_optimizer_options_are_refused(kwargs, text):
    problem, _, _ = housing_design()
    options = {"alpha": 0.1, **kwargs}
    with pytest.raises(InputError, match=text):
        list(optimize(problem, "rmsprop", **options))


def test_run_solver_takes_every_option_for_every_iterative_solver():
    problem, _, _ = housing_design()
    options = {
        "alpha": 0.1,
        "iterations": 5,
        "batch_size": 10,
        "momentum": 0.5,
        "rho": 0.9,
        "beta1": 0.8,
        "beta2": 0.99,
        "epsilon": None,
        "shuffle_seed": 1,
        "schedule": "constant",
        "decay": 0.1,
        "step_every": 100,
    }
    for solver in ("gd", "gd-loop", *OPTIMIZERS):
        assert last(run_solver(problem, solver, **options)).iteration == 5
    with pytest.raises(InputError, match="unknown"):
        run_solver(problem, "lbfgs", **options)


CLI_CASES = [(name, ()) for name in OPTIMIZERS] + [
    ("sgd", ("--batch-size", "7", "--shuffle-seed", "3")),
    ("rmsprop", ("--rho", "0.9", "--epsilon", "1e-3", "--schedule", "cosine")),
]


@pytest.mark.parametrize(("name", "extra"), CLI_CASES)
def test_fit_history_matches_the_torch_optim_formulas(capsys, tmp_path, name, extra):
    """Acceptance: the first 50 iterates of ``fit … --solver NAME --history`` on z-scored data
    equal the transcription to 1e-9 relative (coefficients and b in original units)."""
    data = build_dataset(DataSettings(source="housing"))
    mu, sigma = data.X.mean(axis=0), data.X.std(axis=0)
    A = np.column_stack([(data.X - mu) / sigma, np.ones(data.m)])
    hist = tmp_path / "h.csv"
    alpha = ALPHAS[name]
    args = ["fit", "demo:housing", "--scaling", "zscore", "--solver", name, "--alpha", str(alpha)]
    args += ["--iterations", "50", "--tolerance", "0", "--history", str(hist), "--json", *extra]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    batch = int(extra[1]) if "--batch-size" in extra else 0
    options = {"batch": batch, "seed": 3 if batch else 0}
    if "--rho" in extra:
        options.update(alpha=0.9, eps=1e-3)
        lrs = [alpha * (1 + math.cos(math.pi * t / 50)) / 2 for t in range(50)]
    else:
        lrs = [alpha] * 50
    expected = transcription(name, A, data.y, lrs, **options)
    rows = np.genfromtxt(hist, delimiter=",", skip_header=1)  # (a mini-batch run's first
    assert rows.shape == (51, 3 + data.n + 1 + bool(batch))  # batch_cost cell is empty)
    assert_allclose(rows[:, 0], np.arange(51))
    for row, theta in zip(rows, expected, strict=True):
        w = theta[:-1] / sigma
        b = theta[-1] - float(theta[:-1] @ (mu / sigma))
        assert_allclose(row[3 : 3 + data.n + 1], np.append(w, b), rtol=1e-9, atol=1e-12)
    assert report["optimizer"]["name"] == name
    assert report["optimizer"]["batch_size"] == batch


def test_the_json_names_each_optimizers_own_settings(capsys):
    def optimizer(*options):
        assert main(["fit", "demo:housing", "--iterations", "3", "--json", *options]) == 0
        return json.loads(capsys.readouterr().out)["optimizer"]

    assert optimizer("--solver", "adam", "--beta1", "0.8") == {
        "name": "adam",
        "batch_size": 0,
        "beta1": 0.8,
        "beta2": 0.999,
        "epsilon": 1e-8,
        "schedule": {"name": "constant"},
    }
    assert optimizer("--solver", "adagrad")["epsilon"] == 1e-10
    assert optimizer("--solver", "nesterov", "--momentum", "0.5")["momentum"] == 0.5
    assert optimizer("--schedule", "step", "--decay", "0.5", "--step-every", "2") == {
        "name": "gd",
        "schedule": {"name": "step", "decay": 0.5, "step_every": 2},
    }
    assert optimizer("--solver", "sgd", "--batch-size", "4", "--shuffle-seed", "9") == {
        "name": "sgd",
        "batch_size": 4,
        "schedule": {"name": "constant"},
        "shuffle_seed": 9,
    }
    assert main(["fit", "demo:housing", "--solver", "normal", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["optimizer"] is None


def test_bad_optimizer_options_are_one_line_usage_errors(capsys):
    for options in (["--momentum", "1.5"], ["--schedule", "linear"], ["--batch-size", "-2"]):
        assert main(["fit", "demo:housing", *options]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and options[0] in err


def test_a_lessons_runs_take_the_optimizer_settings():
    from core.lesson_format import parse_lesson
    from core.lessons import run_lesson

    lesson = parse_lesson(
        {
            "format": "gd-explorer-lesson",
            "version": 1,
            "title": "Batch size",
            "explanation": "Mini-batches against the full batch.",
            "settings": {"source": "housing", "solver": "sgd", "iterations": 40, "tolerance": 0},
            "runs": [
                {"label": "full", "settings": {}},
                {"label": "B = 8", "settings": {"batch_size": 8, "shuffle_seed": 2}},
            ],
            "claims": [],
        },
        "lesson.json",
    )
    results = run_lesson(lesson)
    _, A, y = housing_design()
    for label, batch, seed in (("full", 0, 0), ("B = 8", 8, 2)):
        theta = transcription("sgd", A, y, [0.1] * 40, batch=batch, seed=seed)[-1]
        assert_allclose(scaled_params(results[label].final), theta, rtol=1e-9)
