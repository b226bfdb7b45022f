"""``gdsim bench``: speed figures, each beside a reference timed in the same process.

Every figure is the median of several repeats, interleaved with its reference so
that a noisy, shared machine slows both alike.  Budgets (PRODUCT.md §9):
one run ≤ 3 µs per step (Adam, Rosenbrock, recording included); many runs
≥ 30 M run-steps/s (Adam, 40 000 starts); a basin map of 200 × 200 starts × 500
steps ≤ 1.5 s; the window's (redraw, jumps, start-up) in :mod:`gdsim.qt.bench_gui`.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import numpy as np

REPEATS = 7
ONE_RUN_STEPS = 20_000
MANY_RUNS = 40_000
MANY_STEPS = 200

BASIN_N = 200
BASIN_STEPS = 500

MODEL = "mlp-moons"  # 105 weights, 160 training rows
MODEL_STEPS = 2000

BUDGETS = {
    "step_us": 3.0,
    "many_mrs": 30.0,
    "basin_ms": 1500.0,
}  # (the window's: gdsim.qt.bench_gui)


def _rosenbrock_grad_np(p):
    x, y = p
    t = y - x * x
    return np.array([-400.0 * x * t - 2.0 * (1.0 - x), 200.0 * t])


def reference_numpy_loop(n: int) -> float:
    """A bare numpy loop (plain GD on Rosenbrock, recording each step): seconds."""
    t0 = time.perf_counter()
    p = np.array([-1.5, 2.0])
    rec = np.empty((n + 1, 2))
    rec[0] = p
    for k in range(n):
        p = p - 1e-3 * _rosenbrock_grad_np(p)
        rec[k + 1] = p
    return time.perf_counter() - t0


def reference_numpy_many(starts: np.ndarray, steps: int) -> float:
    """Bare numpy GD over all starts at once (Rosenbrock, no checks, no record): seconds."""
    t0 = time.perf_counter()
    x = starts[:, 0].copy()
    y = starts[:, 1].copy()
    with np.errstate(all="ignore"):
        for _ in range(steps):
            t = y - x * x
            gx = -400.0 * x * t - 2.0 * (1.0 - x)
            gy = 200.0 * t
            x = x - 1e-3 * gx
            y = y - 1e-3 * gy
    return time.perf_counter() - t0


def reference_numpy_basin(starts: np.ndarray, steps: int) -> float:
    """Bare numpy GD on Himmelblau over all starts at once (no checks, no labels): s."""
    t0 = time.perf_counter()
    x = starts[:, 0].copy()
    y = starts[:, 1].copy()
    with np.errstate(all="ignore"):
        for _ in range(steps):
            a = x * x + y - 11.0
            b = x + y * y - 7.0
            x, y = x - 0.01 * (4.0 * a * x + 2.0 * b), y - 0.01 * (2.0 * a + 4.0 * b * y)
    return time.perf_counter() - t0


def bench_basin(repeats: int = 3) -> tuple[float, float]:
    """A basin map of Himmelblau (GD, α = 0.01, every run all 500 steps): ms, and the
    bare numpy reference in ms."""
    from gdsim.core.analyses import basin_map
    from gdsim.core.simulation import RunConfig

    cfg = RunConfig("himmelblau", "gd", {"lr": 0.01}, max_steps=BASIN_STEPS)
    grid = np.linspace(-6.0, 6.0, BASIN_N)
    gx, gy = np.meshgrid(grid, grid)
    starts = np.column_stack([gx.ravel(), gy.ravel()])
    basin_map(cfg, n=20)  # warm-up
    ours, ref = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = basin_map(cfg, n=BASIN_N)
        ours.append((time.perf_counter() - t0) * 1e3)
        ref.append(reference_numpy_basin(starts, BASIN_STEPS) * 1e3)
    assert len(result.basins) == 4
    return statistics.median(ours), statistics.median(ref)


def reference_model_adam(steps: int) -> float:
    """Adam on the model's weights as one would write it by hand around the same loss
    and gradient (torch's update order, no record, no checks): seconds."""
    from gdsim.core.model_surface import model_surface

    s = model_surface(MODEL)
    t0 = time.perf_counter()
    p = np.array(s.default_start)
    m, v = np.zeros_like(p), np.zeros_like(p)
    for k in range(1, steps + 1):
        _loss, g = s.vector_fg(p)
        m += 0.1 * (g - m)
        v = 0.999 * v + 0.001 * g * g
        denom = np.sqrt(v) / np.sqrt(1 - 0.999**k) + 1e-8
        p = p - (0.01 / (1 - 0.9**k)) * m / denom
    return time.perf_counter() - t0


def bench_model(repeats: int = 3) -> tuple[float, float]:
    """One recorded Adam run on a network's weights (the array loop): µs per step, and
    the hand-written loop's µs per step."""
    from gdsim.core.simulation import RunConfig, simulate

    cfg = RunConfig(MODEL, "adam", {"lr": 0.01}, max_steps=MODEL_STEPS)
    simulate(cfg.replace(max_steps=10))  # warm-up: builds the model and its data
    ours, ref = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        traj = simulate(cfg)
        ours.append((time.perf_counter() - t0) / MODEL_STEPS * 1e6)
        ref.append(reference_model_adam(MODEL_STEPS) / MODEL_STEPS * 1e6)
    assert len(traj) == MODEL_STEPS + 1
    return statistics.median(ours), statistics.median(ref)


def bench_core(repeats: int = REPEATS) -> dict:
    from gdsim.core.batch_runs import simulate_batch
    from gdsim.core.simulation import RunConfig, simulate
    from gdsim.core.surfaces import get_surface

    cfg = RunConfig("rosenbrock", "adam", {"lr": 1e-3}, (-1.5, 2.0), max_steps=ONE_RUN_STEPS)
    simulate(cfg)  # warm-up: compiles the loop
    ours, ref = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        traj = simulate(cfg)
        ours.append((time.perf_counter() - t0) / ONE_RUN_STEPS * 1e6)
        ref.append(reference_numpy_loop(ONE_RUN_STEPS) / ONE_RUN_STEPS * 1e6)
    assert len(traj) == ONE_RUN_STEPS + 1

    surface = get_surface("rosenbrock")
    starts = np.random.default_rng(0).uniform(-2.0, 2.0, (MANY_RUNS, 2))
    simulate_batch(surface, "adam", starts[:1000], 10, {"lr": 1e-3})
    many, many_ref = [], []
    for _ in range(max(3, repeats // 2)):
        t0 = time.perf_counter()
        simulate_batch(surface, "adam", starts, MANY_STEPS, {"lr": 1e-3})
        many.append(MANY_RUNS * MANY_STEPS / (time.perf_counter() - t0) / 1e6)
        many_ref.append(MANY_RUNS * MANY_STEPS / reference_numpy_many(starts, MANY_STEPS) / 1e6)
    basin, basin_ref = bench_basin()
    model, model_ref = bench_model()
    return {
        "model_us_median": model,
        "model_ref_us_median": model_ref,
        "basin_ms_median": basin,
        "basin_ref_ms_median": basin_ref,
        "basin_budget_ms": BUDGETS["basin_ms"],
        "step_us_median": statistics.median(ours),
        "step_ref_us_median": statistics.median(ref),
        "step_budget_us": BUDGETS["step_us"],
        "many_mrs_median": statistics.median(many),
        "many_ref_mrs_median": statistics.median(many_ref),
        "many_budget_mrs": BUDGETS["many_mrs"],
        "repeats": repeats,
    }


def _report_core(r: dict) -> list[str]:
    ok1 = "ok" if r["step_us_median"] <= r["step_budget_us"] else "OVER BUDGET"
    ok2 = "ok" if r["many_mrs_median"] >= r["many_budget_mrs"] else "UNDER BUDGET"
    return [
        f"core  one run (Adam, Rosenbrock, {ONE_RUN_STEPS} steps, recorded): "
        f"{r['step_us_median']:.2f} µs/step   [reference bare numpy loop: "
        f"{r['step_ref_us_median']:.2f} µs/step; budget ≤ {r['step_budget_us']} µs] {ok1}",
        f"core  many runs (Adam, Rosenbrock, {MANY_RUNS} starts × {MANY_STEPS} steps): "
        f"{r['many_mrs_median']:.1f} M run-steps/s   [reference bare numpy GD: "
        f"{r['many_ref_mrs_median']:.1f} M/s; budget ≥ {r['many_budget_mrs']} M/s] {ok2}",
        f"core  basin map (GD, Himmelblau, {BASIN_N}×{BASIN_N} starts × {BASIN_STEPS} steps, "
        f"labelled): {r['basin_ms_median']:.0f} ms   [reference bare numpy GD, no checks: "
        f"{r['basin_ref_ms_median']:.0f} ms; budget ≤ {r['basin_budget_ms']:.0f} ms] "
        f"{'ok' if r['basin_ms_median'] <= r['basin_budget_ms'] else 'OVER BUDGET'}",
        f"core  model run (Adam, {MODEL}, 105 weights, {MODEL_STEPS} steps, recorded): "
        f"{r['model_us_median']:.0f} µs/step   [reference hand-written numpy Adam on the same "
        f"loss and gradient, nothing recorded: {r['model_ref_us_median']:.0f} µs/step]",
    ]


def main(what: str, as_json: bool = False, case=None) -> int:
    results: dict = {}
    lines: list[str] = []
    if what in ("core", "all"):
        from gdsim.bench_models import bench_models, report_models

        results["core"] = bench_core()
        results["core"].update(bench_models())
        lines += _report_core(results["core"]) + report_models(results["core"])
    if what in ("gui", "all"):
        from gdsim.qt.bench_gui import bench_gui, report_gui

        results["gui"] = bench_gui(case) if case is not None else bench_gui()
        lines += report_gui(results["gui"])
    if as_json:
        print(json.dumps(results, indent=2))
    else:
        print("\n".join(lines))
    sys.stdout.flush()
    return 0
