"""Where a run's gradients come from: the loss and the exact gradient of its surface, and
the gradient its optimizer uses instead when it differs — a mini-batch's (data surfaces,
B < N, drawn by the seeded sampler) or the exact one plus N(0, σ²) noise."""

from __future__ import annotations

import numpy as np

from gdsim.core.datasets import BatchSampler, DataSurface
from gdsim.core.surface import Surface

__all__ = ["gradient_sources", "vector_gradients"]


def gradient_sources(surface: Surface, cfg):
    """(fg, stochastic_grad or None) as callables on coordinates -> floats.

    ``fg`` gives the loss and the exact (full-batch) gradient — the surface's own, for a
    data surface its closed form over the whole data set, as many runs at once use it;
    the stochastic gradient is a mini-batch gradient (data surfaces, B < N) or the exact
    one plus N(0, σ²) noise.
    """
    # (the generator is made only where it is used: numpy.random costs ~17 ms to import)
    fg = surface.fg
    if isinstance(surface, DataSurface):
        rng = np.random.default_rng(cfg.seed)
        sampler = BatchSampler(surface.n_samples, cfg.batch_size or surface.n_samples, rng)
        if sampler.full:
            return fg, None

        def stochastic(*t):
            return tuple(surface.batch_gradient(t, sampler.next())[0].tolist())

        stochastic.batches = sampler  # (a model's array loop draws them itself)
        return fg, stochastic

    if cfg.noise > 0:
        sigma, dim = cfg.noise, surface.dim
        rng = np.random.default_rng(cfg.seed)

        def noisy(*t):
            z = rng.standard_normal(dim).tolist()
            return tuple(gi + sigma * zi for gi, zi in zip(fg(*t)[1:], z, strict=True))

        return fg, noisy
    return fg, None


def vector_gradients(surface, stoch_grad):
    """gradients(θ) -> (f, ∇f, the gradient the optimizer uses or None) for vectors θ:
    a model's mini-batch gradient comes from the same pass of the network as f and ∇f."""
    batches = getattr(stoch_grad, "batches", None)
    if batches is not None and hasattr(surface, "vector_fg_batch"):
        return lambda theta: surface.vector_fg_batch(theta, batches.next())
    if hasattr(surface, "vector_fg"):
        vector_fg = surface.vector_fg
    else:

        def vector_fg(theta):
            out = surface.fg(*theta.tolist())
            return out[0], np.array(out[1:])

    if stoch_grad is None:
        return lambda theta: (*vector_fg(theta), None)
    return lambda theta: (*vector_fg(theta), np.array(stoch_grad(*theta.tolist())))
