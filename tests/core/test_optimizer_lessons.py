"""The optimizer lessons (issue 11 item 7): their claims hold headless, each new claim kind
can fail, "optimal" runs take the theory's α and μ, and momentum's transient rise below its
bound is not called divergence."""

from __future__ import annotations

import dataclasses
import json
import math
from types import SimpleNamespace

import numpy as np
import pytest

from core.claims import check_claim
from core.data.datasets import make_housing
from core.errors import InputError
from core.lessons import builtin_lessons, check_claims, parse_lesson, resolved_run, run_lesson
from core.model.problem import Problem
from core.solvers import RISING_STEPS, optimize, run_solver
from core.solvers.gd import Limit, descend
from core.solvers.snapshot import RunStatus
from core.training_claims import rise_fraction, stall_ratio

LESSONS = {lesson.id: lesson for lesson in builtin_lessons()}
NEW = ("7-batch-size", "8-momentum", "9-adam", "10-schedule")
RESULTS: dict[str, dict] = {}


def results_of(lesson_id: str) -> dict:
    """Each lesson runs once per test session."""
    if lesson_id not in RESULTS:
        RESULTS[lesson_id] = run_lesson(LESSONS[lesson_id])
    return RESULTS[lesson_id]


def claim(kind: str, **fields) -> dict:
    return {"kind": kind, **{k: float(v) if isinstance(v, int) else v for k, v in fields.items()}}


def hessian_eigenvalues(problem: Problem) -> tuple[float, float]:
    """λ_min, λ_max of AᵀA/m from the training design, with NumPy (not the engine's)."""
    X = np.asarray(problem.X, np.float64)
    A = np.column_stack([X, np.ones(problem.m)]) if problem.intercept else X
    lam = np.linalg.eigvalsh(A.T @ A / problem.m)
    return float(lam[0]), float(lam[-1])


def test_the_four_lessons_come_after_the_six_in_number_order():
    ids = [lesson.id for lesson in builtin_lessons()]
    assert ids[6:10] == list(NEW)  # issue 12's lessons 11-13 follow them
    assert [int(i.split("-")[0]) for i in ids] == list(range(1, 14))


@pytest.mark.parametrize("lesson_id", NEW)
def test_each_optimizer_lesson_makes_its_point_headless(lesson_id):
    lesson = LESSONS[lesson_id]
    checked = check_claims(lesson, results_of(lesson_id))
    assert len(checked) == len(lesson.claims) >= 3
    for c, ok, detail in checked:
        assert ok, f"{lesson.title}: {c} does not hold ({detail})"


def test_batch_lesson_runs_the_same_epochs_and_records_every_update():
    lesson = LESSONS["7-batch-size"]
    results = results_of("7-batch-size")
    m = results["B = 1"].problem.m
    assert m == 100
    for label, batch in (("B = 1", 1), ("B = 32", 32), ("B = m", m)):
        s = lesson.run_settings(label)
        assert s["iterations"] == 50 * math.ceil(m / batch), label  # 50 epochs each
        assert len(results[label].costs) == s["iterations"] + 1  # J after every update
    # the numbers the text names: 5,000, 200 and 50 updates, the last batch of 4 rows
    assert "5,000" in lesson.explanation and "last of 4 rows" in lesson.explanation
    assert m - 3 * 32 == 4


def test_schedule_lesson_starts_from_lesson_7s_noisiest_run():
    noisy = results_of("7-batch-size")["B = 1"]
    constant = results_of("10-schedule")["constant α"]
    assert constant.costs == noisy.costs  # the same run, so the text may call it lesson 7's


def test_optimal_runs_take_polyaks_alpha_and_mu_and_gd_the_best_alpha():
    results = results_of("8-momentum")
    gd, heavy = results["GD at α*"], results["momentum at Polyak's α, μ"]
    lo, hi = hessian_eigenvalues(gd.problem)
    assert gd.alpha == pytest.approx(2 / (lo + hi), rel=1e-9)
    root = (math.sqrt(hi / lo) - 1) / (math.sqrt(hi / lo) + 1)
    assert heavy.alpha == pytest.approx(4 / (math.sqrt(hi) + math.sqrt(lo)) ** 2, rel=1e-9)
    assert heavy.run.momentum == pytest.approx(root**2, rel=1e-9)
    # run settings the window would read back: the lesson's, resolved the same way
    lesson = LESSONS["8-momentum"]
    again = resolved_run(
        lesson.run_settings("momentum at Polyak's α, μ"), heavy.problem, optimal=True
    )
    assert (again.alpha, again.momentum) == (heavy.alpha, heavy.run.momentum)


def lesson_data(**run) -> dict:
    return {
        "format": "gd-explorer-lesson",
        "version": 1,
        "title": "t",
        "explanation": "e",
        "settings": {"source": "housing", "solver": "momentum"},
        "runs": [{"label": "a", "settings": {}, **run}],
    }


@pytest.mark.parametrize(
    ("run", "words"),
    [
        ({"optimal": "yes"}, "'optimal' must be true or false"),
        ({"optimal": 1}, "'optimal' must be true or false"),
        ({"optimal": True, "settings": {"solver": "adam"}}, "not adam"),
        ({"optimal": True, "settings": {"solver": "normal"}}, "not normal"),
        ({"best": True}, "unknown key 'best'"),
    ],
)
def test_a_bad_optimal_flag_is_named(run, words):
    with pytest.raises(InputError, match=r"lesson\.json: runs\[0\]") as err:
        parse_lesson(lesson_data(**run), "lesson.json")
    assert words in str(err.value)


def test_the_optimal_flag_survives_a_round_trip():
    lesson = parse_lesson(lesson_data(optimal=True), "lesson.json")
    assert lesson.optimal == ("a",)
    again = parse_lesson(json.loads(json.dumps(lesson.to_json())), "lesson.json", lesson.id)
    assert again == lesson and again.to_json()["runs"][0]["optimal"] is True
    plain = parse_lesson(lesson_data(), "lesson.json")
    assert plain.optimal == () and "optimal" not in plain.to_json()["runs"][0]


# -- each new claim kind can fail ---------------------------------------------------------


def test_rise_fraction_counts_the_steps_where_the_cost_rose():
    assert rise_fraction([3.0, 2.0, 2.5, 1.0, 1.5]) == (0.5, 4)
    assert rise_fraction([3.0, 2.0, 1.0]) == (0.0, 2)
    assert rise_fraction([1.0, 1.0 + 1e-15]) == (0.0, 1)  # rounding is not a rise
    assert rise_fraction([1.0]) == (0.0, 0)


def test_noisier_fails_when_the_smooth_run_is_named_noisy():
    results = results_of("7-batch-size")
    ok, detail = check_claim(claim("noisier", noisy="B = m", smooth="B = 1"), results)
    assert not ok and "0.0%" in detail
    same = check_claim(claim("noisier", noisy="B = 32", smooth="B = 32"), results)
    assert not same[0]  # not noisier than itself


def fake_run(costs, j_star: float = 1.0):
    """A run whose problem has least-squares cost ``j_star`` (a one-feature fit through 0)."""
    x = np.array([1.0, -1.0])
    y = np.array([1.0, 1.0]) * math.sqrt(2 * j_star)  # best w = 0, J* = Σy²/(2m) = j_star
    from core.data.datasets import Dataset

    problem = Problem(Dataset(x[:, None], y, ("x",), "y", "test"), intercept=False)
    return SimpleNamespace(
        label="fake",
        problem=problem,
        costs=tuple(costs),
        optimum=lambda: np.array([0.0]),
    )


def test_stall_ratio_is_the_last_quarters_excess_over_the_quarter_befores():
    run = fake_run([9, 9, 9, 9, 3, 5, 2, 4], j_star=1.0)  # excess 2, 4, 1, 3 in the last two
    assert stall_ratio(run) == pytest.approx((1 + 3) / 2 / ((2 + 4) / 2))
    with pytest.raises(InputError, match="at least 8"):
        stall_ratio(fake_run([2, 1, 1], j_star=1.0))


def test_stalls_fails_for_a_run_still_converging():
    results = results_of("10-schedule")
    ok, detail = check_claim(claim("stalls", run="cosine schedule", at_least=0.8), results)
    assert not ok and "cosine schedule" in detail
    gd = results_of("7-batch-size")
    assert not check_claim(claim("stalls", run="B = m", at_least=0.8), gd)[0]


def test_iterations_near_theory_fails_out_of_its_factor_or_without_a_prediction():
    results = results_of("8-momentum")
    assert check_claim(claim("iterations_near_theory", run="GD at α*", within=3), results)[0]
    ok, detail = check_claim(claim("iterations_near_theory", run="GD at α*", within=1.5), results)
    assert not ok and "predicts" in detail  # GD measures about half of its prediction
    adam = results_of("9-adam")
    ok, detail = check_claim(
        claim("iterations_near_theory", run="Adam, unscaled", within=100), adam
    )
    assert not ok and "no rate predicted" in detail
    ok, detail = check_claim(claim("iterations_near_theory", run="GD, unscaled", within=100), adam)
    assert not ok and "max_iterations" in detail  # it did not converge: nothing measured
    unknown = {"GD at α*": dataclasses.replace(results["GD at α*"], run=None)}
    assert not check_claim(claim("iterations_near_theory", run="GD at α*", within=3), unknown)[0]


def test_iterations_near_theory_matches_an_independent_prediction():
    run = results_of("8-momentum")["momentum at Polyak's α, μ"]
    lo, hi = hessian_eigenvalues(run.problem)
    rate = (math.sqrt(hi / lo) - 1) / (math.sqrt(hi / lo) + 1)
    predicted = math.ceil(math.log(run.run.tolerance) / math.log(rate))
    ok, detail = check_claim(
        claim("iterations_near_theory", run="momentum at Polyak's α, μ", within=3),
        {"momentum at Polyak's α, μ": run},
    )
    # at Polyak's double root the rate is exact up to rounding of κ
    assert ok and (f"predicts {predicted:,}" in detail or f"predicts {predicted - 1:,}" in detail)


# -- divergence: a transient rise below the momentum bound --------------------------------


def test_unscaled_housing_at_polyaks_optimum_converges_through_its_transient_rise():
    problem = Problem(make_housing(100), scaling="none")
    lesson_like = {"source": "housing", "scaling": "none", "solver": "momentum"}
    run = resolved_run(lesson_like, problem, optimal=True)
    snaps = list(
        optimize(
            problem,
            "momentum",
            alpha=run.alpha,
            momentum=run.momentum,
            iterations=300_000,
            tolerance=1e-9,
        )
    )
    costs = np.array([s.cost for s in snaps])
    above = costs[1 : RISING_STEPS + 2] > costs[0]
    assert above.all() and costs.max() > 1000 * costs[0]  # the rise the old rule called divergence
    final = snaps[-1]
    assert final.status == RunStatus.CONVERGED and not final.diverged
    exact = list(run_solver(problem, "normal"))[-1]
    assert final.cost == pytest.approx(exact.cost, rel=1e-5)


def rising_evaluate(factor: float):
    """An ``evaluate`` whose cost grows by ``factor`` per call (from 1): a rising run."""
    state = {"cost": 1.0}

    def evaluate(w, b, need_norm=True):
        cost = state["cost"]
        state["cost"] *= factor
        return cost, w * 0, 0.0, 1.0

    return evaluate


def run_rising(limit: Limit, alpha: float, factor: float = 1.01):
    problem = Problem(make_housing(20), scaling="zscore")
    return list(
        descend(
            problem,
            rising_evaluate(factor),
            np.zeros(problem.n),
            0.0,
            alpha=alpha,
            iterations=500,
            tolerance=0.0,
            report_every=1,
            cancel=None,
            pace=None,
            step=lambda w, b, gw, gb, t: (w, b),
            bound=lambda: limit,
        )
    )[-1]


def test_a_rising_cost_is_divergence_unless_a_transient_below_the_bound():
    plain = Limit(1.0, "α_max", "2/λ_max")
    transient = Limit(1.0, "the momentum bound", "2(1 + μ)/λ_max", transient=True)
    # without memory (gradient descent) a rise below the bound is rounding: divergence
    snap = run_rising(plain, alpha=0.5)
    assert snap.diverged and snap.iteration == RISING_STEPS and "rounding" in snap.message
    # heavy ball below its bound: a rise alone is not divergence ...
    snap = run_rising(transient, alpha=0.5)
    assert snap.status == RunStatus.MAX_ITERATIONS and snap.iteration == 500
    # ... but at or above the bound it is, and an explosion is below it too
    assert run_rising(transient, alpha=1.0).iteration == RISING_STEPS
    exploding = run_rising(transient, alpha=0.5, factor=2.0)
    assert exploding.diverged and exploding.cost > 1e10 and exploding.iteration < 40
