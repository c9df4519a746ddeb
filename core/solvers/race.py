"""A race: several solvers started together from one start point, run interleaved.

Each racer is an ordinary solver run (:func:`core.solvers.run_solver`); the race only decides
*when* each one advances. It goes in rounds: first every racer's iteration-0 snapshot (the
normal equation's one final answer), then, round after round, ONE call of the race's ``pace``
chooses the chunk and every racer still running advances by exactly that many iterations
(its own ``pace`` hook answers the round's chunk). So a paused window's Step 1 advances every
racer by one iteration and charges the step budget once, and the racers' iteration counts
stay side by side. A racer that ended (converged, diverged, at its maximum of iterations)
drops out; the others go on. One ``cancel`` stops them all: each ends with its own cancelled
snapshot.

Every racer's snapshots are those of running it alone with the same chunks (same iterates to
the last bit): the race adds no arithmetic, it only interleaves the generators.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from core.errors import InputError
from core.model.problem import Problem
from core.solvers import GD_SOLVERS, run_solver
from core.solvers.gd import Pace, _chunk
from core.solvers.snapshot import CancelFlag, Snapshot

#: The options the race sets itself for every racer (an entry must not carry them).
RACE_OPTIONS = ("cancel", "pace", "w0", "b0")
# run_solver's defaults for the iterative solvers (gradient_descent's signature).
_DEFAULT_ITERATIONS = 1000
_DEFAULT_REPORT_EVERY = 1

#: One racer: the solver's name and its options (as :func:`core.solvers.run_solver` takes).
Entry = tuple[str, dict[str, Any]]
#: One round of a race: (racer index, snapshot) for each racer that reported, in racer order.
Round = list[tuple[int, Snapshot]]


def _planned(options: dict[str, Any], last: Snapshot) -> int:
    """The chunk a racer would plan after ``last`` when running alone (as ``descend`` does)."""
    every = int(options.get("report_every", _DEFAULT_REPORT_EVERY))
    iterations = int(options.get("iterations", _DEFAULT_ITERATIONS))
    return max(1, min(every, iterations - last.iteration))


def race_rounds(
    problem: Problem,
    entries: Sequence[Entry],
    *,
    cancel: CancelFlag | None = None,
    pace: Pace | None = None,
    w0: Any = None,
    b0: Any = None,
) -> Iterator[Round]:
    """Run ``entries`` (solver, options) together on ``problem`` from the start point ``w0``
    (n values, original units; zeros by default) and ``b0``; yields one :data:`Round` at a time.

    The first round holds every racer's first snapshot; each later round first calls
    ``pace(k)`` once, with k the smallest chunk a running racer plans (1..k back, as for a
    single solver), and advances every running racer by that chunk. A racer's final snapshot
    (``snap.final``) is its last; the race ends when every racer has ended. Raises
    :class:`InputError` for no entries, an entry that sets one of :data:`RACE_OPTIONS`, or an
    invalid option of a solver (when that racer starts); ``ValueError`` when ``pace`` returns
    a number outside 1..k.
    """
    entries = list(entries)
    if not entries:
        raise InputError("a race needs at least one racer")
    for solver, options in entries:
        taken = sorted(set(options) & set(RACE_OPTIONS))
        if taken:
            raise InputError(f"the race sets {', '.join(taken)} for every racer ({solver})")
    chunk = [1]  # the round's chunk, which every racer's own pace answers

    def racer_pace(planned: int) -> int:
        return min(planned, chunk[0])

    generators: list[Iterator[Snapshot]] = []
    for solver, options in entries:
        opts = {**options, "cancel": cancel}
        if solver in GD_SOLVERS:
            opts.update(pace=racer_pace, w0=w0, b0=b0)
        generators.append(run_solver(problem, solver, **opts))
    last: list[Snapshot | None] = [None] * len(entries)

    def advance(racers: Iterable[int]) -> Round:
        """The next snapshot of each of ``racers``, which ``last`` keeps."""
        out: Round = []
        for i in racers:
            snap = next(generators[i], None)
            last[i] = snap  # None: a solver that ended without a final snapshot
            if snap is not None:
                out.append((i, snap))
        return out

    try:
        yield advance(range(len(generators)))
        while True:
            ahead = [(i, s) for i, s in enumerate(last) if s is not None and not s.final]
            if not ahead:
                return
            running = [i for i, _snap in ahead]
            planned = min(_planned(entries[i][1], snap) for i, snap in ahead)
            chunk[0] = _chunk(pace, planned)
            yield advance(running)
    finally:
        for gen in generators:
            close = getattr(gen, "close", None)
            if close is not None:
                close()


def race(
    problem: Problem,
    entries: Sequence[Entry],
    *,
    cancel: CancelFlag | None = None,
    pace: Pace | None = None,
    w0: Any = None,
    b0: Any = None,
) -> Iterator[tuple[int, Snapshot]]:
    """:func:`race_rounds` flattened: ``(racer index, snapshot)`` pairs, round after round
    (within a round in racer order). Options and errors as for :func:`race_rounds`."""
    for batch in race_rounds(problem, entries, cancel=cancel, pace=pace, w0=w0, b0=b0):
        yield from batch
