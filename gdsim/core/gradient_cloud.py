"""The mini-batch gradient cloud (issue 15): at one θ, the gradients of many random
mini-batches of size B, their mean and spread against the full-batch gradient.

The mean of the batch gradients is the full gradient (each batch is a uniform draw
without replacement), and their covariance shrinks like (N − B) / (B (N − 1)) times
the per-sample one: a larger B draws a tighter cloud, B = N a single point.  The cloud
is drawn on a plane (the map's axes, or a model's slice plane) from its 2D
coordinates; its 1-σ ellipse is the covariance's.  numpy only.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["Cloud", "batch_cloud", "sigma_ellipse"]

#: how many mini-batches the cloud draws
BATCHES = 200
#: its seed: the same batches at every step, so the cloud moves only with θ
SEED = 1234


class Cloud(NamedTuple):
    gradients: np.ndarray  # (BATCHES, P): each mini-batch's gradient
    full: np.ndarray  # (P,): the full-batch gradient
    batch_size: int


def batch_cloud(surface, theta, batch_size: int | None, count: int = BATCHES) -> Cloud:
    """The gradients at ``theta`` of ``count`` random mini-batches of ``batch_size`` rows
    of a data surface (a model or a line fit): rows drawn without replacement within a
    batch, from a fixed seed."""
    n = surface.n_samples
    b = n if batch_size is None else int(min(max(batch_size, 1), n))
    theta = np.asarray(theta, dtype=float)
    full = np.asarray(surface.batch_gradient(theta), dtype=float).reshape(-1)
    rng = np.random.default_rng(SEED)
    if b >= n:
        return Cloud(np.tile(full, (count, 1)), full, b)
    grads = np.empty((count, theta.shape[-1]))
    for i in range(count):
        idx = np.sort(rng.choice(n, size=b, replace=False))
        grads[i] = np.asarray(surface.batch_gradient(theta, idx), dtype=float).reshape(-1)
    return Cloud(grads, full, b)


def sigma_ellipse(points, center=None, segments: int = 72) -> np.ndarray:
    """The closed 1-σ ellipse (segments + 1, 2) of 2D ``points`` (m, 2): the covariance's
    eigen-axes scaled by the square roots of its eigenvalues, around ``center`` (the
    points' mean by default)."""
    pts = np.asarray(points, dtype=float)
    c = pts.mean(axis=0) if center is None else np.asarray(center, dtype=float)
    cov = np.cov(pts.T) if len(pts) > 1 else np.zeros((2, 2))
    vals, vecs = np.linalg.eigh(np.atleast_2d(cov))
    t = np.linspace(0.0, 2.0 * np.pi, segments + 1)
    circle = np.column_stack([np.cos(t), np.sin(t)])
    return c + (circle * np.sqrt(np.maximum(vals, 0.0))) @ vecs.T
