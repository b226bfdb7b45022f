"""Basin maps and learning-rate sweeps: what a teacher reads off them."""

import numpy as np
import pytest

from gdsim.core.analyses import (
    DIVERGED,
    AnalysisCancelled,
    basin_map,
    lr_sweep,
)
from gdsim.core.simulation import ConfigError, RunConfig, simulate


def test_himmelblau_has_four_basins_that_match_single_runs():
    cfg = RunConfig("himmelblau", "gd", {"lr": 0.01}, max_steps=300, grad_tol=1e-6)
    b = basin_map(cfg, n=41)
    assert [bs.known for bs in b.basins] == [True] * 4
    assert all(bs.count > 100 for bs in b.basins)
    assert sum(bs.count for bs in b.basins) + b.still_moving + b.diverged == 41 * 41
    # spot-check starts against the exact single-run loop
    for j, i in [(0, 0), (5, 30), (20, 20), (40, 7), (33, 12)]:
        start = (b.xs[i], b.ys[j])
        traj = simulate(RunConfig("himmelblau", "gd", {"lr": 0.01}, start, 300, grad_tol=1e-6))
        np.testing.assert_allclose(b.final[j, i], traj.position[-1], atol=1e-9)
        lab = b.label[j, i]
        assert lab >= 0
        np.testing.assert_allclose(b.basins[lab].position, traj.position[-1], atol=0.3)


def test_too_large_a_step_diverges_everywhere_it_should():
    # on x² + y², α = 1.5 multiplies the position by −2 at every step; no start of an
    # even grid over [−4, 4]² is exactly 0, so every run diverges
    b = basin_map(RunConfig("bowl", "gd", {"lr": 1.5}, max_steps=200), n=20)
    assert b.diverged == 400 and (b.label == DIVERGED).all()
    b = basin_map(RunConfig("bowl", "gd", {"lr": 0.5}, max_steps=200), n=20)
    assert b.diverged == 0 and (b.label == 0).all()  # α = 0.5 lands on the minimum


def test_unknown_settle_points_are_grouped_into_basins():
    b = basin_map(RunConfig("formula:sin(x)*cos(y) + 0.1*(x^2 + y^2)", "gd", {"lr": 0.1}), n=40)
    assert b.basins and not any(bs.known for bs in b.basins)
    assert len(b.basins) <= 8
    for bs in b.basins:  # each one is a point where the slope vanishes
        from gdsim.core.surfaces import get_surface

        g = get_surface(b.surface).gradient(np.array(bs.position))
        assert np.hypot(*g) < 1e-3


def test_runs_still_moving_are_said_to_be():
    b = basin_map(RunConfig("rosenbrock", "gd", {"lr": 1e-4}, max_steps=20), n=10)
    assert b.still_moving > 50 and "still moving" in b.csv()


def test_basin_map_csv_has_a_row_per_start():
    b = basin_map(RunConfig("two-wells", "gd", {"lr": 0.05}, max_steps=300), n=12)
    lines = b.csv().splitlines()
    assert lines[0] == "x0,y0,x_end,y_end,basin,stop_step" and len(lines) == 1 + 144
    assert any("minimum (" in line for line in lines[1:])


@pytest.mark.parametrize("surface", ["parabola", "linear-regression"])
def test_basin_maps_need_an_analytic_2d_surface(surface):
    with pytest.raises(ConfigError, match="two parameters"):
        basin_map(RunConfig(surface, "gd", {"lr": 0.01}), n=10)


def test_progress_and_cancel():
    seen = []
    cfg = RunConfig("himmelblau", "gd", {"lr": 0.01}, max_steps=50)
    basin_map(cfg, n=100, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (10000, 10000) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    with pytest.raises(AnalysisCancelled):
        basin_map(cfg, n=100, cancelled=lambda: len(seen) > 1)


def test_sweep_on_x_squared_finds_the_stability_edge():
    s = lr_sweep(RunConfig("parabola", "gd", {"lr": 0.1}, (5.0,), max_steps=100), 1e-3, 3.0, 81)
    for lr, state in zip(s.lrs, s.state, strict=True):
        if lr < 0.99:
            assert state != "diverged", lr
        if lr > 1.2:
            assert state == "diverged", lr
    assert np.isnan(s.final_loss[s.lrs > 1.2]).all()
    assert 0.4 < s.best() < 0.6  # one step lands on 0 at α = 0.5
    assert s.final_loss[0] > 1.0  # α = 0.001 has barely moved
    lines = s.csv().splitlines()
    assert lines[0] == "lr,final_loss,best_loss,status,stop_step" and len(lines) == 82


def test_sweep_refuses_a_bad_range_and_can_be_cancelled():
    cfg = RunConfig("bowl", "gd", {"lr": 0.1})
    with pytest.raises(ConfigError):
        lr_sweep(cfg, 1.0, 0.1)
    with pytest.raises(AnalysisCancelled):
        lr_sweep(cfg, 1e-3, 1.0, cancelled=lambda: True)


def test_basin_maps_clip_and_stop_as_the_run_does():
    plain = RunConfig("rosenbrock", "gd", {"lr": 0.003}, max_steps=300)
    assert basin_map(plain, n=15).diverged > 50
    clipped = basin_map(plain.replace(clip_norm=50.0), n=15)
    assert clipped.diverged == 0
    j, i = 7, 3  # any start: the map's run is the single run, clipped alike
    one = simulate(plain.replace(clip_norm=50.0, start=(clipped.xs[i], clipped.ys[j])))
    np.testing.assert_array_equal(clipped.final[j, i], one.position[-1])
    momentum = RunConfig("rosenbrock", "momentum", {"lr": 1e-3, "momentum": 0.9}, max_steps=2000)
    stopping = basin_map(momentum.replace(loss_tol=1e-3), n=10)
    assert stopping.stop_step.max() < 2000  # |Δf| < 1e-3 ends every run early


def test_noise_is_refused_with_the_reason():
    with pytest.raises(ConfigError, match="without gradient noise"):
        basin_map(RunConfig("bowl", "gd", {"lr": 0.1}, noise=0.1), n=10)


def test_flat_ground_and_passing_runs_are_still_moving():
    flat = basin_map(RunConfig("plateau", "gd", {"lr": 1.0}, max_steps=150), n=40)
    assert [b.known for b in flat.basins] == [True]  # only the real well, no 'settle point'
    assert flat.still_moving > 0.3 * 1600
    fast = basin_map(
        RunConfig("himmelblau", "momentum", {"lr": 0.01, "momentum": 0.9}, max_steps=20), n=40
    )
    assert fast.still_moving > 0.6 * 1600  # mid-swing after 20 steps, not 'at a minimum'
    slow = basin_map(RunConfig("bowl", "gd", {"lr": 0.1}, max_steps=1), n=10)
    assert slow.still_moving == 100 and slow.basins == []  # no 0 % basins


def test_a_long_sweep_cancels_promptly():
    import time

    cfg = RunConfig("linear-regression", "gd", {"lr": 0.05}, batch_size=4, max_steps=50_000)
    t0 = time.monotonic()
    with pytest.raises(AnalysisCancelled):
        lr_sweep(cfg, 1e-3, 1.0, 10, cancelled=lambda: time.monotonic() - t0 > 0.2)
    assert time.monotonic() - t0 < 2.0
