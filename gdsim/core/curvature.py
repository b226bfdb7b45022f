"""The curvature lens' numbers: the exact Hessian's eigenvalues and eigen-directions at
a point, and λmax along a whole trajectory (closed form for 2×2 symmetric matrices, so
a million steps take milliseconds).  The Hessians come from the surfaces themselves
(:meth:`gdsim.core.surface.Surface.hessians`); the edge that λmax is compared with is
the stability rule of :mod:`gdsim.core.stability`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Curvature", "curvature_at", "eigenvalues", "lambda_max"]


@dataclass(frozen=True)
class Curvature:
    """At ``point``: eigenvalues ascending and unit eigenvectors (``vectors[:, i]`` goes
    with ``values[i]``)."""

    point: np.ndarray
    values: np.ndarray
    vectors: np.ndarray

    @property
    def lambda_max(self) -> float:
        return float(self.values[-1])

    @property
    def condition(self) -> float | None:
        """λmax/λmin where both are positive (how elongated the bowl is), else None."""
        lo, hi = float(self.values[0]), float(self.values[-1])
        return hi / lo if lo > 0 else None


def curvature_at(surface, point) -> Curvature | None:
    """The curvature at ``point``, or None where the Hessian is not finite (the tip of
    Ackley's cone, outside a formula's domain)."""
    p = np.asarray(point, dtype=float).reshape(surface.dim)
    h = surface.hessian(p)
    if not np.isfinite(h).all():
        return None
    values, vectors = np.linalg.eigh(h)
    return Curvature(p, values, vectors)


def eigenvalues(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(λmin, λmax) of symmetric matrices ``h`` of shape (..., d, d), d ≤ 2, in closed
    form: (a + c)/2 ∓ √(((a − c)/2)² + b²)."""
    if h.shape[-1] == 1:
        v = h[..., 0, 0]
        return v, v
    a, b, c = h[..., 0, 0], h[..., 0, 1], h[..., 1, 1]
    mid = 0.5 * (a + c)
    rad = np.hypot(0.5 * (a - c), b)
    return mid - rad, mid + rad


def lambda_max(surface, positions) -> np.ndarray:
    """λmax of the exact Hessian at each of ``positions`` (..., dim); NaN where the
    Hessian is not finite."""
    with np.errstate(all="ignore"):
        return eigenvalues(surface.hessians(positions))[1]
