"""The race (issue 11, item 3): racers interleaved in rounds, each exactly as if run alone."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from core.data.datasets import make_housing
from core.errors import InputError
from core.model.problem import Problem
from core.solvers import CANCELLED, DIVERGED, MAX_ITERATIONS, SOLVED, run_solver
from core.solvers.race import race, race_rounds

W0 = np.array([0.12, -2.0, 3.0, -0.5])  # original units: size, bedrooms, floors, age
B0 = 50.0


@pytest.fixture(scope="module")
def problem() -> Problem:
    return Problem(make_housing(60), scaling="zscore")


def four() -> list[tuple[str, dict]]:
    """Four optimizers with different snapshot intervals and lengths (so the chunks vary)."""
    common = {"tolerance": 0.0}
    return [
        ("gd", {**common, "alpha": 0.3, "iterations": 37, "report_every": 3}),
        (
            "momentum",
            {**common, "alpha": 0.05, "momentum": 0.9, "iterations": 60, "report_every": 5},
        ),
        ("rmsprop", {**common, "alpha": 0.1, "iterations": 45, "report_every": 4}),
        ("adam", {**common, "alpha": 0.5, "iterations": 50, "report_every": 6}),
    ]


def _same(a, b) -> bool:
    return (
        a.iteration == b.iteration
        and a.status == b.status
        and np.array_equal(a.w_scaled, b.w_scaled)
        and a.b_scaled == b.b_scaled
        and (a.cost == b.cost or (np.isnan(a.cost) and np.isnan(b.cost)))
    )


def test_each_racer_equals_its_run_alone_with_the_same_chunks(problem):
    pattern = iter([5, 1, 2, 7, 3, 1, 1, 4] * 50)
    chunks: list[int] = []

    def pace(k: int) -> int:
        got = min(k, next(pattern))
        chunks.append(got)
        return got

    rounds = list(race_rounds(problem, four(), pace=pace, w0=W0, b0=B0))
    assert len(chunks) == len(rounds) - 1  # one pace call per round after the first
    assert len(set(chunks)) >= 3  # the chunks did vary
    for i, (solver, options) in enumerate(four()):
        raced = [snap for batch in rounds for j, snap in batch if j == i]
        # the chunks this racer took: one per round it took part in after the first
        taken = iter(chunks[: len(raced) - 1])
        alone = list(
            run_solver(
                problem, solver, **options, w0=W0, b0=B0, pace=lambda k, t=taken: min(k, next(t))
            )
        )
        assert len(raced) == len(alone)
        assert all(_same(a, b) for a, b in zip(raced, alone, strict=True)), solver
        assert raced[-1].final and raced[-1].status == MAX_ITERATIONS
        assert raced[-1].iteration == options["iterations"]


def test_rounds_keep_the_racers_side_by_side(problem):
    rounds = list(race_rounds(problem, four()))
    assert [i for i, _s in rounds[0]] == [0, 1, 2, 3]
    for batch in rounds:
        assert len({snap.iteration for _i, snap in batch}) == 1  # the same iteration
    assert rounds[1][0][1].iteration == 3  # the smallest snapshot interval (gd's)
    # the racer with the fewest iterations (gd, 37) drops out; the others go on
    gd_last = max(k for k, batch in enumerate(rounds) if any(i == 0 for i, _s in batch))
    assert [i for i, _s in rounds[gd_last + 1]] == [1, 2, 3]
    ends = {i: snap for batch in rounds for i, snap in batch if snap.final}
    assert {i: s.iteration for i, s in ends.items()} == {0: 37, 1: 60, 2: 45, 3: 50}


def test_a_diverging_racer_stops_and_the_others_go_on(problem):
    entries = [
        ("gd", {"alpha": 5.0, "iterations": 200, "tolerance": 0.0}),  # far above α_max
        ("gd", {"alpha": 0.1, "iterations": 200, "tolerance": 0.0}),
    ]
    ends = {i: snap for i, snap in race(problem, entries) if snap.final}
    assert ends[0].status == DIVERGED and ends[0].iteration < 200
    assert ends[1].status == MAX_ITERATIONS and ends[1].iteration == 200


def test_the_normal_equation_races_with_its_one_answer(problem):
    entries = [("normal", {}), ("gd", {"alpha": 0.3, "iterations": 20, "tolerance": 0.0})]
    pairs = list(race(problem, entries))
    normal = [snap for i, snap in pairs if i == 0]
    assert len(normal) == 1 and normal[0].status == SOLVED
    alone = list(run_solver(problem, "normal"))
    assert np.array_equal(normal[0].w_scaled, alone[0].w_scaled)
    assert [snap.iteration for i, snap in pairs if i == 1] == list(range(21))


def test_one_cancel_stops_every_racer_where_it_is(problem):
    cancel = threading.Event()
    rounds = []
    for batch in race_rounds(problem, four(), cancel=cancel):
        rounds.append(batch)
        if len(rounds) == 6:
            cancel.set()
    last = rounds[-1]
    assert [i for i, _s in last] == [0, 1, 2, 3]
    assert all(snap.status == CANCELLED for _i, snap in last)
    before = {i: snap for i, snap in rounds[-2]}
    for i, snap in last:  # ended on the state they had reached: no step after the cancel
        assert snap.iteration == before[i].iteration
        assert np.array_equal(snap.w_scaled, before[i].w_scaled)


def test_a_paused_pace_that_returns_on_cancel_ends_the_race_at_once(problem):
    cancel = threading.Event()

    def pace(k: int) -> int:
        cancel.set()  # as a paused window's Stop: pace returns because of the cancel
        return 1

    rounds = list(race_rounds(problem, four(), cancel=cancel, pace=pace))
    assert len(rounds) == 2
    assert all(s.status == CANCELLED and s.iteration == 0 for _i, s in rounds[1])


def test_step_one_advances_every_racer_by_one(problem):
    budget = [0]

    def pace(k: int) -> int:  # a paused window: each round takes what the budget allows
        taken = min(k, budget[0])
        budget[0] -= taken
        return taken

    gen = race_rounds(problem, four(), pace=pace)
    next(gen)
    budget[0] = 1
    batch = next(gen)
    assert [(i, s.iteration) for i, s in batch] == [(0, 1), (1, 1), (2, 1), (3, 1)]
    assert budget[0] == 0  # charged once for the round, not once per racer
    gen.close()


def test_refusals(problem):
    with pytest.raises(InputError, match="at least one"):
        list(race(problem, []))
    with pytest.raises(InputError, match="sets w0"):
        list(race(problem, [("gd", {"alpha": 0.1, "w0": W0})]))
    with pytest.raises(InputError, match="learning rate"):
        list(race(problem, [("gd", {"alpha": -1.0})]))
    with pytest.raises(ValueError, match="pace"):
        list(race(problem, four(), pace=lambda k: k + 1))


def test_mini_batch_sgd_and_the_loop_race_as_they_run_alone(problem):
    entries = [
        ("sgd", {"alpha": 0.05, "iterations": 40, "batch_size": 16, "shuffle_seed": 3}),
        ("gd-loop", {"alpha": 0.3, "iterations": 25, "tolerance": 0.0}),
    ]
    pairs = list(race(problem, entries, w0=W0, b0=B0))
    for i, (solver, options) in enumerate(entries):
        raced = [snap for j, snap in pairs if j == i]
        alone = list(run_solver(problem, solver, **options, w0=W0, b0=B0))
        assert len(raced) == len(alone)
        assert all(_same(a, b) for a, b in zip(raced, alone, strict=True)), solver
