"""What a loss surface is: value and exact gradient, domain, known critical points,
description (the built-in ones are listed in :mod:`gdsim.core.surfaces`).

A surface is written once over an array namespace ``xp``: the same expression runs on
numpy arrays of many points (``xp=numpy``) and on Python floats for one run (the
default, :mod:`gdsim.core.scalar_math`, numpy's own rounding for exp, cos …).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from gdsim.core import scalar_math

__all__ = ["CriticalPoint", "Surface"]


@dataclass(frozen=True)
class CriticalPoint:
    """A known critical point: ``kind`` is 'global', 'local', 'saddle' or 'degenerate'."""

    position: tuple[float, ...]
    value: float
    kind: str = "global"


@dataclass(frozen=True)
class Surface:
    """An analytic loss surface of one or two parameters.

    ``fg(*coords, xp=scalar_math)`` returns the value and then one gradient component per
    parameter; with ``xp=numpy`` it works on arrays of many points at once.
    """

    name: str
    title: str
    formula: str
    params: tuple[str, ...]
    fg: Callable
    domain: tuple[tuple[float, float], ...]
    critical_points: tuple[CriticalPoint, ...]
    description: str
    hess: Callable | None = None
    log_levels: bool = False
    default_start: tuple[float, ...] = ()
    default_lr: float = 0.1
    is_data: bool = False
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def dim(self) -> int:
        return len(self.params)

    @property
    def minima(self) -> tuple[CriticalPoint, ...]:
        return tuple(c for c in self.critical_points if c.kind in ("global", "local"))

    # -- vectorised helpers over arrays of shape (..., dim) ---------------------------
    def f(self, *coords, xp=scalar_math):
        return self.fg(*coords, xp=xp)[0]

    def grad(self, *coords, xp=scalar_math):
        return self.fg(*coords, xp=xp)[1:]

    def evaluate(self, points) -> tuple[np.ndarray, np.ndarray]:
        """(f, ∇f) at ``points`` of shape (..., dim): shapes (...) and (..., dim)."""
        p = np.asarray(points, dtype=float)
        with np.errstate(all="ignore"):
            out = self.fg(*np.moveaxis(p, -1, 0), xp=np)
        shape = p.shape[:-1]
        value = np.array(np.broadcast_to(out[0], shape), dtype=float)
        grad = np.stack([np.broadcast_to(c, shape) for c in out[1:]], axis=-1).astype(float)
        return value, grad

    def value(self, points) -> np.ndarray:
        """f at ``points`` of shape (..., dim)."""
        return self.evaluate(points)[0]

    def gradient(self, points) -> np.ndarray:
        """∇f at ``points`` of shape (..., dim); returns the same shape."""
        return self.evaluate(points)[1]

    def hessians(self, points) -> np.ndarray:
        """The exact Hessians at ``points`` of shape (..., dim): shape (..., dim, dim).
        ``hess`` gives the entries on and above the diagonal (row by row); a surface
        without it (or whose ``hess`` returns None) gets central differences of its exact
        gradient."""
        p = np.asarray(points, dtype=float)
        shape, d = p.shape[:-1], self.dim
        if self.hess is None:
            return self.hessians_by_differences(p)
        with np.errstate(all="ignore"):
            entries = self.hess(*np.moveaxis(p, -1, 0))
        if entries is None:  # a formula whose second derivatives cannot be printed
            return self.hessians_by_differences(p)
        out = np.empty((*shape, d, d))
        it = iter(entries)
        for i in range(d):
            for j in range(i, d):
                out[..., i, j] = out[..., j, i] = np.broadcast_to(next(it), shape)
        return out

    def hessian(self, point) -> np.ndarray:
        """The Hessian at one point, shape (dim, dim)."""
        return self.hessians(np.asarray(point, dtype=float).reshape(self.dim))

    def hessians_by_differences(self, p: np.ndarray) -> np.ndarray:
        """Central differences of the exact gradient (step 1e-5·max(1, |θ|))."""
        h = 1e-5 * np.maximum(1.0, np.abs(p))
        cols = []
        for i in range(self.dim):
            e = np.zeros(self.dim)
            step = h[..., i : i + 1] * e
            step[..., i] = h[..., i]
            cols.append((self.gradient(p + step) - self.gradient(p - step)) / (2 * h[..., i, None]))
        hm = np.stack(cols, axis=-2)
        return 0.5 * (hm + np.swapaxes(hm, -1, -2))

    def domain_center(self) -> np.ndarray:
        return np.array([(a + b) / 2 for a, b in self.domain])

    def domain_half_width(self) -> np.ndarray:
        return np.array([(b - a) / 2 for a, b in self.domain])
