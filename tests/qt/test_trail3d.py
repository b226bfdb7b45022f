"""The 3D trails' geometry, without OpenGL: a step's straight line in (x, y) laid on the
surface in short pieces whose heights are the surface's own."""

import numpy as np

from gdsim.core.grid import sample
from gdsim.core.surfaces import get_surface
from gdsim.qt.views.trail3d import HEIGHT, TRAIL_PIECE, laid_on_surface, to_box


def chain_of(pairs):
    """The pieces' points in order (each piece starts where the last one ended)."""
    np.testing.assert_array_equal(pairs[2::2], pairs[1:-1:2])
    return np.vstack([pairs[0::2], pairs[-1:]])


def test_a_long_step_follows_the_hill_in_short_pieces():
    surface = get_surface("himmelblau")
    grid = sample(surface, 60)
    pos = np.array([[-2.0, -2.0], [2.0, 2.0]])  # one long step across the middle
    pts = to_box(surface, grid, pos, surface.value(pos))
    pairs, ends = laid_on_surface(surface, grid, pos, pts)
    assert ends.tolist() == [len(pairs) // 2]  # one step, in every piece
    chain = chain_of(pairs)
    np.testing.assert_array_equal(chain[0], pts[0])
    np.testing.assert_array_equal(chain[-1], pts[1])  # it ends exactly where the run is
    pieces = np.hypot(*np.diff(chain[:, :2], axis=0).T)
    assert pieces.max() <= TRAIL_PIECE + 1e-9
    # every point on the way is at the surface's height there, not on the chord
    xy = chain[1:-1, :2] * 5.0  # the box is the domain [-5, 5]² scaled to [-1, 1]²
    np.testing.assert_allclose(
        chain[1:-1, 2], grid.normalised(surface.value(xy)) * HEIGHT + 0.025, atol=1e-12
    )
    chord_height = np.linspace(pts[0, 2], pts[1, 2], len(chain))[1:-1]
    assert np.abs(chain[1:-1, 2] - chord_height).max() > 0.1  # (the hills are not a line)


def test_a_step_that_leaves_the_map_ends_at_its_edge_on_the_surface():
    surface = get_surface("bowl")
    grid = sample(surface, 40)
    (x0, x1), _ = surface.domain
    # out past the right edge, further out, to beyond the top-left corner, back home
    pos = np.array([[0.0, 0.0], [1e3, 0.0], [2e3, 5.0], [x0 - 1.0, 1.0 - x0], [0.0, 0.0]])
    pts = to_box(surface, grid, pos, surface.value(pos))
    pairs, ends = laid_on_surface(surface, grid, pos, pts)
    assert (np.abs(pairs[:, :2]) <= 1.0 + 1e-12).all()  # nothing drawn off the map
    first, second, third = ends[0], ends[1], ends[2]
    assert second == first and third == first  # the steps wholly off it: nothing
    out = chain_of(pairs[: 2 * first])
    np.testing.assert_array_equal(out[0], pts[0])  # from the marble ...
    np.testing.assert_allclose(out[-1, :2], [1.0, 0.0], atol=1e-12)  # ... to the edge
    assert np.hypot(*np.diff(out[:, :2], axis=0).T).max() <= TRAIL_PIECE + 1e-9  # in pieces
    xy = out[:, :2] * (x1 - x0) / 2
    np.testing.assert_allclose(  # laid on the surface all the way
        out[1:, 2], grid.normalised(surface.value(xy[1:])) * HEIGHT + 0.025, atol=1e-12
    )
    back = chain_of(pairs[2 * third :])  # coming back: from the edge to the run's point
    np.testing.assert_allclose(np.abs(back[0, :2]).max(), 1.0, atol=1e-12)
    np.testing.assert_array_equal(back[-1], pts[-1])


def test_only_the_segments_asked_for_are_laid_each_in_its_own_pieces():
    surface = get_surface("himmelblau")
    grid = sample(surface, 60)
    pos = np.array([[-2.0, -2.0], [2.0, 2.0], [2.0, -2.0], [-2.0, 2.0]])
    pts = to_box(surface, grid, pos, surface.value(pos))
    every, every_ends = laid_on_surface(surface, grid, pos, pts)
    some, some_ends = laid_on_surface(surface, grid, pos, pts, segs=[0, 2])
    first = every_ends[0]
    third = slice(2 * every_ends[1], 2 * every_ends[2])
    np.testing.assert_array_equal(some[: 2 * first], every[: 2 * first])
    np.testing.assert_array_equal(some[2 * first :], every[third])
    assert some_ends.tolist() == [first, first + every_ends[2] - every_ends[1]]
