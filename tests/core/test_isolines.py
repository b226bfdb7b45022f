"""Marching-squares isolines lie on the level set; the grid's quantile is numpy's."""

import numpy as np

from gdsim.core.grid import quantile
from gdsim.core.isolines import isolines, segments


def test_circle_isoline_points_are_on_the_circle():
    xs = np.linspace(-2, 2, 81)
    ys = np.linspace(-2, 2, 61)
    gx, gy = np.meshgrid(xs, ys)
    values = gx**2 + gy**2
    seg = segments(values, xs, ys, 1.0)
    r = np.hypot(seg[..., 0], seg[..., 1])
    assert len(seg) > 100
    np.testing.assert_allclose(r, 1.0, atol=0.01)
    # the segments close up: every end point is shared by an even number of segments
    from collections import Counter

    counts = Counter(tuple(np.round(p, 9)) for p in seg.reshape(-1, 2))
    assert all(c % 2 == 0 for c in counts.values())  # (4 where it passes a grid node)


def test_saddle_cells_and_empty_levels():
    xs = ys = np.linspace(-1, 1, 21)
    gx, gy = np.meshgrid(xs, ys)
    seg = segments(gx * gy, xs, ys, 0.0001)
    assert len(seg) > 0 and np.all(np.abs(seg[..., 0] * seg[..., 1] - 0.0001) < 0.02)
    assert segments(gx * gy, xs, ys, 5.0).shape == (0, 2, 2)
    nan = np.full((5, 5), np.nan)
    assert segments(nan, np.arange(5.0), np.arange(5.0), 0.0).shape == (0, 2, 2)


def test_grid_quantile_is_numpys_linear_quantile():
    rng = np.random.default_rng(7)
    for n in (1, 2, 3, 200, 40_000):
        a = rng.standard_normal(n)
        for q in (0.0, 0.3, 0.5, 0.98, 0.995, 1.0):
            assert quantile(a, q) == np.quantile(a, q)


def test_all_levels_at_once_are_the_levels_one_by_one():
    xs = np.linspace(-3, 3, 57)
    ys = np.linspace(-2, 2, 41)
    gx, gy = np.meshgrid(xs, ys)
    values = np.sin(2 * gx) * np.cos(3 * gy) + 0.1 * gx  # saddles: cases 5 and 10 occur
    values[5, 7] = np.nan
    levels = np.linspace(-0.9, 0.9, 7)
    together = isolines(values, xs, ys, levels).reshape(-1, 4)
    apart = np.concatenate([segments(values, xs, ys, lv) for lv in levels]).reshape(-1, 4)
    assert len(together) == len(apart) > 100
    np.testing.assert_array_equal(together[np.lexsort(together.T)], apart[np.lexsort(apart.T)])
