"""Sampling a surface on a grid for drawing: values, the colour/height transform,
isoline levels and a reference gradient size (numpy only)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from gdsim.core.surface import Surface


@dataclass(frozen=True)
class SurfaceGrid:
    xs: np.ndarray  # (nx,)
    ys: np.ndarray  # (ny,)  (empty for 1D surfaces)
    values: np.ndarray  # (ny, nx) for 2D, (nx,) for 1D
    log: bool
    offset: float  # t(f) = log10(f − offset) when log, else f
    t_min: float
    t_max: float
    grad_ref: float  # median ‖∇f‖ over the grid: the length scale of the arrows

    def transform(self, f):
        """Display coordinate of loss values: log10(f − offset) or f itself."""
        f = np.asarray(f, dtype=float)
        if not self.log:
            return f
        with np.errstate(all="ignore"):
            return np.log10(np.maximum(f - self.offset, 10.0**self.t_min * 0.5))

    def levels(self, n: int = 12) -> np.ndarray:
        """Isoline levels in display coordinates (so log-spaced in f when log)."""
        return np.linspace(self.t_min, self.t_max, n + 2)[1:-1]

    def normalised(self, f):
        """Display coordinate scaled to 0..1 over the grid's range (clipped a little above)."""
        t = self.transform(f)
        span = self.t_max - self.t_min or 1.0
        return np.clip((t - self.t_min) / span, -0.05, 1.1)


def quantile(a: np.ndarray, q: float) -> float:
    """numpy's default (linear) quantile of a 1D array, through ``np.partition``:
    ``np.percentile`` and ``np.median`` import ``numpy.ma`` (~40 ms at start-up)."""
    a = np.asarray(a, dtype=float).ravel()
    idx = q * (len(a) - 1)
    lo = int(np.floor(idx))
    hi = min(lo + 1, len(a) - 1)
    part = np.partition(a, (lo, hi))
    low, high, t = part[lo], part[hi], idx - lo
    diff = high - low
    return float(high - diff * (1.0 - t) if t >= 0.5 else low + diff * t)


def sample(surface: Surface, n: int = 200) -> SurfaceGrid:
    if surface.dim == 1:
        ((lo, hi),) = surface.domain
        xs = np.linspace(lo, hi, n)
        values, grads = surface.evaluate(xs[:, None])
        ys = np.empty(0)
    else:
        (x0, x1), (y0, y1) = surface.domain
        xs = np.linspace(x0, x1, n)
        ys = np.linspace(y0, y1, n)
        gx, gy = np.meshgrid(xs, ys)
        values, grads = surface.evaluate(np.stack([gx, gy], axis=-1))
    grad_norms = np.linalg.norm(grads.reshape(-1, surface.dim), axis=1)
    known = min((c.value for c in surface.minima), default=None)
    return grid_from_values(xs, ys, values, grad_norms, surface.log_levels, known)


def grid_from_values(xs, ys, values, grad_norms, log: bool, known_min) -> SurfaceGrid:
    """The grid of ``values`` (with the gradient's norm at each point, for the arrows'
    scale): the colour range up to the 99.5th percentile, log-spaced levels when ``log``
    (down to about three decades below the top, or to ``known_min``, the lowest known
    minimum, when that is lower)."""
    finite = values[np.isfinite(values)]
    f_lo = float(finite.min())
    base = f_lo if known_min is None else min(f_lo, known_min)
    f_hi = quantile(finite, 0.995)
    grad_ref = quantile(grad_norms, 0.5) or 1.0
    if log:
        offset = base - max(1e-3 * (f_hi - base), 1e-12)  # about three decades below f_hi
        with np.errstate(all="ignore"):
            t = np.log10(values - offset)
        return SurfaceGrid(
            xs,
            ys,
            values,
            True,
            offset,
            float(np.nanmin(t)),
            float(np.log10(f_hi - offset)),
            grad_ref,
        )
    return SurfaceGrid(xs, ys, values, False, 0.0, f_lo, f_hi, grad_ref)


def extend(grid: SurfaceGrid, surface: Surface, extent, n: int) -> SurfaceGrid:
    """``grid`` sampled again over ``extent`` ((x0, x1), (y0, y1)), which may reach past
    the surface's domain, ``n`` points on its longer side; the colour / height transform,
    levels and arrow scale stay the domain's, so the map looks the same where the two
    overlap."""
    (x0, x1), (y0, y1) = extent
    wide = (x1 - x0) >= (y1 - y0)
    long_side, short_side = (x1 - x0, y1 - y0) if wide else (y1 - y0, x1 - x0)
    m = max(2, round(n * short_side / long_side))
    nx, ny = (n, m) if wide else (m, n)
    xs = np.linspace(x0, x1, nx)
    ys = np.linspace(y0, y1, ny)
    gx, gy = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        values, _grads = surface.evaluate(np.stack([gx, gy], axis=-1))
    values = np.where(np.isfinite(values), values, np.nan)
    return replace(grid, xs=xs, ys=ys, values=values)
