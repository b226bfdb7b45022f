"""``gdsim bench core``'s rows for the models (issue 15): a landscape slice and a
mini-batch training run, each beside what one would write by hand, timed in the same
process (medians)."""

from __future__ import annotations

import statistics
import time

import numpy as np

SLICE_MODEL, SLICE_N = "mlp-spiral", 101  # 371 weights, 240 training rows
TRAIN_MODEL, TRAIN_STEPS, TRAIN_BATCH = "mlp-moons", 10_000, 32
BUDGETS = {"slice_ms": 1000.0, "train_s": 2.0}


def reference_slice(model, plane, n: int) -> float:
    """The loss at each grid point, one forward pass per point (the loop the published
    landscape code runs): seconds."""
    t0 = time.perf_counter()
    (a0, a1), (b0, b1) = plane.extent
    for b in np.linspace(b0, b1, n):
        for a in np.linspace(a0, a1, n):
            model.loss(plane.center + a * plane.d1 + b * plane.d2)
    return time.perf_counter() - t0


def reference_train(model, steps: int, batch: int) -> float:
    """Mini-batch Adam by hand on the same loss and gradient: shuffled epochs, torch's
    update, nothing recorded: seconds."""
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    p = np.array(model.default_start)
    m, v = np.zeros_like(p), np.zeros_like(p)
    perm, pos = rng.permutation(model.n_samples), 0
    for k in range(1, steps + 1):
        if pos + batch > model.n_samples:
            perm, pos = rng.permutation(model.n_samples), 0
        g = model.grad(p, rows=perm[pos : pos + batch])
        pos += batch
        m += 0.1 * (g - m)
        v = 0.999 * v + 0.001 * g * g
        p = p - (0.01 / (1 - 0.9**k)) * m / (np.sqrt(v) / np.sqrt(1 - 0.999**k) + 1e-8)
    return time.perf_counter() - t0


def bench_models(repeats: int = 3) -> dict:
    from gdsim.core.model_catalogue import get_model
    from gdsim.core.simulation import RunConfig, simulate
    from gdsim.core.slice_surface import make_plane, slice_sample

    spiral = get_model(SLICE_MODEL)
    plane = make_plane(spiral, "random")
    cfg = RunConfig(
        TRAIN_MODEL, "adam", {"lr": 0.01}, max_steps=TRAIN_STEPS, batch_size=TRAIN_BATCH
    )
    simulate(cfg.replace(max_steps=10))  # warm-up
    slices, slice_refs, trains, train_refs = [], [], [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        slice_sample(spiral, plane, SLICE_N)
        slices.append((time.perf_counter() - t0) * 1e3)
        slice_refs.append(reference_slice(spiral, plane, SLICE_N) * 1e3)
        t0 = time.perf_counter()
        traj = simulate(cfg)
        trains.append(time.perf_counter() - t0)
        train_refs.append(reference_train(get_model(TRAIN_MODEL), TRAIN_STEPS, TRAIN_BATCH))
    assert len(traj) == TRAIN_STEPS + 1
    return {
        "slice_ms_median": statistics.median(slices),
        "slice_ref_ms_median": statistics.median(slice_refs),
        "slice_budget_ms": BUDGETS["slice_ms"],
        "train_s_median": statistics.median(trains),
        "train_ref_s_median": statistics.median(train_refs),
        "train_budget_s": BUDGETS["train_s"],
    }


def report_models(r: dict) -> list[str]:
    ok1 = "ok" if r["slice_ms_median"] <= r["slice_budget_ms"] else "OVER BUDGET"
    ok2 = "ok" if r["train_s_median"] <= r["train_budget_s"] else "OVER BUDGET"
    return [
        f"core  landscape slice ({SLICE_MODEL}, 371 weights, {SLICE_N}×{SLICE_N}): "
        f"{r['slice_ms_median']:.0f} ms   [reference one forward pass per point: "
        f"{r['slice_ref_ms_median']:.0f} ms; budget ≤ {r['slice_budget_ms']:.0f} ms] {ok1}",
        f"core  mini-batch training (Adam, {TRAIN_MODEL}, B = {TRAIN_BATCH}, {TRAIN_STEPS} "
        f"steps, recorded): {r['train_s_median']:.2f} s   [reference hand-written mini-batch "
        f"Adam, nothing recorded: {r['train_ref_s_median']:.2f} s; budget ≤ "
        f"{r['train_budget_s']:.0f} s] {ok2}",
    ]
