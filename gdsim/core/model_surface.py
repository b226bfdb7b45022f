"""A small model's training loss as a surface of its P parameters (issue 15): the same
runs, optimizers, schedules, clipping, stop rules and seeded mini-batches as the 1- and
2-parameter surfaces, on the models of :mod:`gdsim.core.models`.

The surface's point is the whole parameter vector θ (ordered as torch's
``nn.Sequential.parameters()`` flattens it); its value and gradient are the model's mean
training loss and its exact backpropagated gradient.  A run of many parameters takes the
array loop (:mod:`gdsim.core.array_loop`); the window draws them through a plane
(:mod:`gdsim.core.slice_surface`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from gdsim.core.datasets import DataSurface

__all__ = ["ModelSurface", "heldout_curve", "model_metrics", "model_surface", "model_surface_names"]

#: the box a run must stay in: weights beyond ±100·WEIGHT_SCALE count as diverged
WEIGHT_SCALE = 10.0


@dataclass(frozen=True, eq=False)
class ModelSurface(DataSurface):
    """The training loss of ``model`` (a :class:`gdsim.core.models.Model`)."""

    model: Any = field(default=None, repr=False)

    @property
    def n_samples(self) -> int:
        return int(self.model.n_samples)

    def vector_fg(self, theta) -> tuple[float, np.ndarray]:
        """f and the exact ∇f at one parameter vector."""
        loss, grad = self.model.loss_and_grad(np.asarray(theta, dtype=float))
        return float(loss), np.asarray(grad, dtype=float)

    def vector_fg_batch(self, theta, idx) -> tuple[float, np.ndarray, np.ndarray]:
        """f, the exact ∇f and the gradient of mini-batch ``idx`` at one parameter
        vector, from one pass of the network."""
        return self.model.loss_and_grads(np.asarray(theta, dtype=float), idx)

    def batch_loss(self, theta, idx=None) -> np.ndarray:
        return np.atleast_1d(self.model.loss(np.atleast_2d(theta), rows=idx))

    def batch_gradient(self, theta, idx=None) -> np.ndarray:
        return np.atleast_2d(self.model.grad(np.atleast_2d(theta), rows=idx))


def model_metrics(model, theta, outputs=None) -> dict[str, float]:
    """The training and held-out loss at θ, and for a classifier both accuracies, from
    one pass of the network over every row (``outputs``: that pass, when made already)."""
    z = model.outputs(theta, model.X) if outputs is None else outputs
    out = {}
    for key, rows in (("", ~model.heldout), ("heldout_", model.heldout)):
        _, y = model.rows(heldout=bool(key))
        out[f"{key}loss"] = model.mean_loss(z[rows], y)
        if model.is_classifier:
            out[f"{key}accuracy"] = float(np.mean(model.classes_of(z[rows]) == y))
    return out


def heldout_curve(model, positions, points: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """(steps, held-out loss) along a path (K, P), at every step of a short one and at
    ``points`` evenly spaced steps (the first and last among them) of a long one."""
    K = len(positions)
    steps = np.arange(K) if K <= points else np.unique(np.linspace(0, K - 1, points).round())
    steps = steps.astype(np.intp)
    values = np.empty(len(steps))
    for s in range(0, len(steps), 256):  # a few hundred parameter rows per pass
        part = steps[s : s + 256]
        values[s : s + len(part)] = model.heldout_loss(np.asarray(positions)[part])
    return steps, values


def model_surface_names() -> list[str]:
    from gdsim.core.model_catalogue import model_names

    return list(model_names())


@cache
def model_surface(name: str) -> ModelSurface:
    """The surface of model ``name`` (KeyError with the names when there is none)."""
    from gdsim.core.model_catalogue import get_model

    model = get_model(name)

    def fg(*coords, xp=None):
        theta = np.stack(np.broadcast_arrays(*coords), axis=-1).astype(float)
        loss, grad = model.loss_and_grad(theta)
        if theta.ndim == 1:
            return (float(loss), *(float(g) for g in grad))
        return (loss, *np.moveaxis(grad, -1, 0))

    return ModelSurface(
        name=name,
        title=model.title,
        formula=model.description.split(".")[0],
        params=tuple(model.param_names),
        fg=fg,
        domain=tuple((-WEIGHT_SCALE, WEIGHT_SCALE) for _ in range(model.dim)),
        critical_points=(),
        description=model.description,
        default_start=tuple(float(v) for v in model.default_start),
        default_lr=float(model.default_lr),
        is_data=True,
        X=model.X,
        y=model.y,
        model=model,
    )
