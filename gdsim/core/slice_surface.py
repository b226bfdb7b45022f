"""A model's loss seen through a plane: the 2D surface the contour and 3D views draw for
a surface of P > 2 parameters (issue 15), and each run's path projected onto it.

A :class:`Plane` is θc + a·d₁ + b·d₂ with a rectangle of (a, b) to show.  It is made
from a spec (the text the window's plane box, the session and ``gdsim landscape
--plane`` share): ``pca`` (the top two principal directions of a run's path, centred on
its last point), ``random`` (two filter-normalised random directions around the run's
last point) or ``params:I,J`` (parameters I and J, the others held at the run's last
point, so the plane's coordinates are those two parameters' own values).  The math is
:mod:`gdsim.core.landscape`'s; this module turns it into a :class:`Surface` of (a, b)
and a :class:`Trajectory` of (a, b).  numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdsim.core import landscape
from gdsim.core.grid import SurfaceGrid, grid_from_values
from gdsim.core.surface import Surface
from gdsim.core.trajectory import Trajectory

__all__ = [
    "PLANE_KINDS",
    "Plane",
    "make_plane",
    "plane_spec_error",
    "project_trajectory",
    "slice_sample",
    "slice_surface",
]

#: the kinds of plane, with what each is called in the window
PLANE_KINDS = {
    "pca": "PCA of the selected run's path",
    "random": "Random directions (filter-normalised)",
    "params": "Two of the parameters",
}
#: the margin around a projected path, as a fraction of its extent on each side
MARGIN = 0.3
#: the shorter side of a slice is at least this fraction of the longer
ASPECT = 0.6
#: the random plane's half-width (Li et al. plot the filter-normalised plane over ±1)
RANDOM_REACH = 1.0
#: the seed of the random plane's two directions
RANDOM_SEED = 0
#: grid points per side of the slice drawn in the window (and `gdsim landscape`'s default)
SLICE_POINTS = 101


def plane_spec_error(spec: str, dim: int) -> str | None:
    """None when ``spec`` names a plane of a ``dim``-parameter model, else why not."""
    if spec in ("pca", "random"):
        return None
    if not spec.startswith("params:"):
        return f"plane must be pca, random or params:I,J, got {spec!r}"
    try:
        i, j = (int(v) for v in spec[len("params:") :].split(","))
    except ValueError:
        return f"params:I,J needs two parameter numbers, got {spec!r}"
    if not (0 <= i < dim and 0 <= j < dim) or i == j:
        return f"params:I,J needs two different parameters in 0..{dim - 1}, got {i} and {j}"
    return None


@dataclass(frozen=True, eq=False)
class Plane:
    """θc + a·d₁ + b·d₂ over ``extent`` = ((a0, a1), (b0, b1)), as ``spec`` made it."""

    spec: str
    center: np.ndarray
    d1: np.ndarray
    d2: np.ndarray
    extent: tuple[tuple[float, float], tuple[float, float]]
    axes: tuple[str, str]  # what a and b are called on the plots
    label: str  # one line saying what the plane is

    def point(self, a: float, b: float) -> np.ndarray:
        """θ at plane coordinates (a, b)."""
        return self.center + a * self.d1 + b * self.d2

    def coordinates(self, positions) -> np.ndarray:
        return landscape.project(positions, self.center, self.d1, self.d2)

    def distance(self, positions) -> np.ndarray:
        return landscape.distance_from_plane(positions, self.center, self.d1, self.d2)


def _around(coords: np.ndarray, minimum: tuple[tuple[float, float], ...]):
    """A rectangle holding ``minimum`` and the finite ``coords`` (K, 2), with a margin,
    neither side shorter than ASPECT times the other (a path along PC1 would otherwise
    leave a sliver of a map)."""
    coords = coords[np.isfinite(coords).all(axis=1)]
    out = []
    for axis, (lo, hi) in enumerate(minimum):
        if len(coords):
            c = coords[:, axis]
            span = float(c.max() - c.min()) or 1.0
            lo = min(lo, float(c.min()) - MARGIN * span)
            hi = max(hi, float(c.max()) + MARGIN * span)
        out.append((float(lo), float(hi)))
    longest = max(hi - lo for lo, hi in out)
    for axis, (lo, hi) in enumerate(out):
        grow = max(0.0, ASPECT * longest - (hi - lo)) / 2
        out[axis] = (lo - grow, hi + grow)
    return tuple(out)


def make_plane(model, spec: str, positions=None) -> Plane:
    """The plane ``spec`` names for ``model`` (a :class:`gdsim.core.models.Model`), built
    around ``positions`` (a run's path, (K, P)) or, without one, the model's start."""
    error = plane_spec_error(spec, model.dim)
    if error:
        raise ValueError(error)
    path = None if positions is None else np.asarray(positions, dtype=float)
    if path is not None:
        path = path[np.isfinite(path).all(axis=1)]
    last = path[-1] if path is not None and len(path) else np.asarray(model.default_start, float)
    if spec == "pca":
        if path is None or len(path) < 3:
            raise ValueError("a PCA plane needs a run of at least 3 steps: start one first")
        pca = landscape.plane_pca(path)
        center, d1, d2 = pca.center, pca.d1, pca.d2
        e1, e2 = (100 * float(v) for v in pca.explained)
        axes = (f"PC1 ({e1:.0f} % of the path's variance)", f"PC2 ({e2:.0f} %)")
        label = f"PCA plane of the path, centred on its last point: {e1 + e2:.0f} % of its variance"
        minimum = ((0.0, 0.0), (0.0, 0.0))
    elif spec == "random":
        bias = "neuron" if len(model.widths) == 2 else "zero"
        center = last
        d1, d2 = landscape.plane_random(model, last, seed=RANDOM_SEED, bias=bias)
        axes = ("δ (random, filter-normalised)", "η (random, filter-normalised)")
        label = "Random plane through the last point (Li et al. 2018, filter-normalised)"
        minimum = ((-RANDOM_REACH, RANDOM_REACH),) * 2
    else:
        i, j = (int(v) for v in spec[len("params:") :].split(","))
        d1, d2 = landscape.plane_named(model.dim, i, j)
        center = last.copy()
        center[[i, j]] = 0.0  # the coordinates are the two parameters' own values
        axes = (model.param_names[i], model.param_names[j])
        label = f"{axes[0]} and {axes[1]}, the other {model.dim - 2} held at the last point"
        minimum = tuple((v - 1.0, v + 1.0) for v in last[[i, j]])
    coords = np.empty((0, 2)) if path is None else landscape.project(path, center, d1, d2)
    return Plane(spec, center, d1, d2, _around(coords, minimum), axes, label)


def slice_surface(model_surface: Surface, plane: Plane) -> Surface:
    """The 2D surface g(a, b) = f(θc + a·d₁ + b·d₂) of ``model_surface`` (a
    :class:`gdsim.core.model_surface.ModelSurface`) with its exact gradient
    (∇f·d₁, ∇f·d₂); it keeps the model's name, so that the views know it is current."""
    model = model_surface.model
    D = np.column_stack([plane.d1, plane.d2])
    chunk = max(1, (1 << 20) // (model.n_samples * max(model.widths)))

    def fg(a, b, xp=None):
        A, B = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
        thetas = plane.center + A.reshape(-1, 1) * plane.d1 + B.reshape(-1, 1) * plane.d2
        loss, grad = np.empty(len(thetas)), np.empty((len(thetas), 2))
        for s in range(0, len(thetas), chunk):
            part_loss, part_grad = model.loss_and_grad(thetas[s : s + chunk])
            loss[s : s + chunk], grad[s : s + chunk] = part_loss, part_grad @ D
        if A.ndim == 0:
            return float(loss[0]), float(grad[0, 0]), float(grad[0, 1])
        return loss.reshape(A.shape), grad[:, 0].reshape(A.shape), grad[:, 1].reshape(A.shape)

    return Surface(
        name=model_surface.name,
        title=f"{model_surface.title}: a slice",
        formula=f"f(θc + a·d₁ + b·d₂): {plane.label}",
        params=plane.axes,
        fg=fg,
        domain=plane.extent,
        critical_points=(),
        description=model_surface.description,
        log_levels=True,
        default_start=(0.0, 0.0),
        default_lr=model_surface.default_lr,
        extra={"slice": plane},
    )


def slice_sample(model, plane: Plane, n: int = SLICE_POINTS) -> SurfaceGrid:
    """The plane's n × n grid of training losses, for drawing (the arrows' length scale
    from the grid's own differences: the exact gradients would cost three times more)."""
    (a0, a1), (b0, b1) = plane.extent
    xs, ys, values = landscape.slice_grid(
        model, plane.center, plane.d1, plane.d2, (a0, a1), (b0, b1), n
    )
    with np.errstate(all="ignore"):
        ga, gb = np.gradient(values, xs, ys, axis=(1, 0))
    return grid_from_values(xs, ys, values, np.hypot(ga, gb), log=True, known_min=None)


def project_trajectory(traj: Trajectory, plane: Plane) -> Trajectory:
    """``traj`` seen on the plane: positions by their plane coordinates, gradients by
    their components along d₁ and d₂ (the slice's gradient where the path lies on the
    plane); the loss, rates and status are the run's own."""
    out = Trajectory(2, capacity=max(len(traj), 1))
    D = np.column_stack([plane.d1, plane.d2])
    out.append(
        position=plane.coordinates(traj.position),
        loss=traj.loss,
        grad=traj.grad @ D,
        full_grad=traj.full_grad @ D,
        lr=traj.lr,
    )
    out.status = traj.status
    if traj.evaluations is not None:
        out.evaluations = [
            plane.coordinates(e) if len(e) else np.empty((0, 2)) for e in traj.evaluations
        ]
    return out
