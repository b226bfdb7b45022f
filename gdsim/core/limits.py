"""How much work gdsim takes on, defined once: for one run, for a scene (the window, a
lesson, a session file) and for an analysis.  What is over a limit is refused with the
limit in the message, before anything is computed.

The figures are chosen for the classroom laptop, not the development machine: a
recorded run-step of Adam on Rosenbrock keeps 96 bytes (1 000 000 steps: 92 MB, and
190 MB at the peak while it is computed, tracemalloc), and a batch run-step costs
~15 ns (``gdsim bench``: 65–76 M run-steps/s).
"""

from __future__ import annotations

#: steps of one run (window, session, ``gdsim run``)
MAX_RUN_STEPS = 1_000_000
#: numbers one run may record (θ, both gradients and up to two state buffers per step,
#: 8 bytes each: ~480 MB): a model's hundreds of weights record fewer steps than a marble
MAX_RUN_NUMBERS = 60_000_000
#: runs in one scene
MAX_RUNS = 64
#: recorded steps of all the runs of a scene together (4 runs of a million: ~400 MB kept)
MAX_SCENE_STEPS = 4_000_000
#: run-steps of a basin map, all runs at once (~1 min at 30 M run-steps/s)
MAX_BASIN_STEPS = 2_000_000_000
#: run-steps of a learning-rate sweep, one run after the other (~1 min at ~1 µs a step)
MAX_SWEEP_STEPS = 50_000_000
#: run-steps of an analysis with an optimizer that is not element-wise (runs one at a
#: time: Newton ~100 µs a step, Adafactor ~220 µs, L-BFGS's inner loop ~0.9 ms; a
#: 50 × 50 basin map of 100 steps is within it)
MAX_VECTOR_STEPS = 300_000


def count(n: int) -> str:
    """A count as a teacher reads it: 2 000 000."""
    return f"{n:,}".replace(",", " ")


def run_numbers_error(dim: int, steps: int) -> str | None:
    """Why a run of ``steps`` steps of ``dim`` parameters would record too much, or None."""
    numbers = (steps + 1) * dim * 5
    if numbers > MAX_RUN_NUMBERS:
        most = MAX_RUN_NUMBERS // (5 * dim) - 1
        return (
            f"{count(steps)} steps of {dim} parameters would record {count(numbers)} numbers;"
            f" gdsim records at most {count(MAX_RUN_NUMBERS)} a run: at most {count(most)} steps"
        )
    return None


def scene_work_error(runs: int, steps: int) -> str | None:
    """Why a scene with ``runs`` runs of ``steps`` recorded steps in all is too much,
    or None."""
    if runs > MAX_RUNS:
        return f"a scene holds at most {MAX_RUNS} runs, not {runs}"
    if steps > MAX_SCENE_STEPS:
        return (
            f"the runs would record {count(steps)} steps in all; gdsim records at most "
            f"{count(MAX_SCENE_STEPS)} (fewer runs or fewer steps)"
        )
    return None


def analysis_work_error(what: str, runs: int, steps: int, limit: int) -> str | None:
    """Why an analysis of ``runs`` runs of ``steps`` steps each is too much for its
    ``limit`` (MAX_BASIN_STEPS, MAX_SWEEP_STEPS), or None."""
    work = runs * steps
    if work > limit:
        return (
            f"{what} would take {count(runs)} runs × {count(steps)} steps = {count(work)} "
            f"run-steps; the limit is {count(limit)} (fewer runs or fewer steps)"
        )
    return None
