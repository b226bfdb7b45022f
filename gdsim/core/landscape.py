"""A 2D slice of a P-dimensional loss: f(θc + a·d₁ + b·d₂) on a grid (numpy only).

Three planes, as in Li et al., "Visualizing the Loss Landscape of Neural Nets"
(NeurIPS 2018): two named parameters (the axes of θ); two random Gaussian directions
with *filter normalisation* (§4): in each layer, each filter of the direction (for a
fully connected layer, one row of its weight: the weights into one neuron) is scaled to
the norm of the same filter of θc, so the picture does not depend on the scale of the
weights; or the top two principal directions of a trajectory's θ_k − θ_final (§7),
centred on its last point.  A path is drawn on the plane by its least-squares
coordinates, and its distance from the plane says where the picture misleads.

Biases: the authors' code (tomgoldstein/loss-landscape, ``net_plotter.py``, run with
``--xignore biasbn`` in all its published commands) sets the direction of every 1-D
parameter (biases, batch-norm) to zero; that is the default here (``bias="zero"``).
``bias="neuron"`` counts a neuron's bias as part of its filter instead, (W[k, :], b[k])
scaled together, so the plane moves the biases too (a must for logistic-2d, where one of
the three dials is the bias).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = [
    "PCAPlane",
    "distance_from_plane",
    "filter_normalized",
    "plane_named",
    "plane_pca",
    "plane_random",
    "project",
    "slice_grid",
]

BIAS_MODES = ("zero", "neuron")


def plane_named(P: int, i: int, j: int) -> tuple[np.ndarray, np.ndarray]:
    """The unit directions of parameters i and j (θ's axes)."""
    if not (0 <= i < P and 0 <= j < P) or i == j:
        raise ValueError(f"need two different parameters in 0..{P - 1}, got {i} and {j}")
    d1, d2 = np.zeros(P), np.zeros(P)
    d1[i] = d2[j] = 1.0
    return d1, d2


def _neurons(model):
    """(weight block, bias block) of each layer of ``model`` (its ``blocks`` alternate)."""
    return zip(model.blocks[::2], model.blocks[1::2], strict=True)


def filter_normalized(model, direction, center, bias: str = "zero") -> np.ndarray:
    """``direction`` with each filter scaled to the norm of θc's same filter (Li et al.
    §4): the rows of each weight (with the neuron's bias when ``bias="neuron"``; biases
    zeroed when ``bias="zero"``).  A filter of θc that is all zero gives a zero filter."""
    if bias not in BIAS_MODES:
        raise ValueError(f"bias must be one of {BIAS_MODES}, got {bias!r}")
    d = np.array(direction, dtype=float)
    c = np.asarray(center, dtype=float)
    for w, b in _neurons(model):
        rows = (w.shape[0], -1)
        d_rows, c_rows = d[w.slice].reshape(rows), c[w.slice].reshape(rows)
        if bias == "neuron":
            d_rows = np.column_stack([d_rows, d[b.slice]])
            c_rows = np.column_stack([c_rows, c[b.slice]])
        else:
            d[b.slice] = 0.0
        norm = np.linalg.norm(d_rows, axis=1, keepdims=True)
        with np.errstate(all="ignore"):
            scaled = np.where(norm > 0, d_rows / norm, 0.0) * np.linalg.norm(
                c_rows, axis=1, keepdims=True
            )
        d[w.slice] = scaled[:, : w.shape[1]].ravel()
        if bias == "neuron":
            d[b.slice] = scaled[:, -1]
    return d


def plane_random(model, center, seed: int = 0, bias: str = "zero") -> tuple[np.ndarray, np.ndarray]:
    """Two N(0, I) directions from ``numpy.random.default_rng(seed)``, each filter
    normalised against θc = ``center`` (see :func:`filter_normalized`)."""
    rng = np.random.default_rng(seed)
    return tuple(
        filter_normalized(model, rng.standard_normal(model.dim), center, bias) for _ in range(2)
    )


class PCAPlane(NamedTuple):
    center: np.ndarray  # θ_final, the trajectory's last point
    d1: np.ndarray  # unit principal directions, d1 ⟂ d2
    d2: np.ndarray
    explained: np.ndarray  # the fraction of the variance each explains, (2,)


def plane_pca(positions, centered: bool = True) -> PCAPlane:
    """The top two principal directions of M = [θ_k − θ_final] over a trajectory
    ``positions`` (K, P), the plane centred on θ_final (Li et al. §7).

    ``centered=True`` is the authors' code (scikit-learn's PCA, which subtracts the mean
    row of M first) and ``explained`` its explained-variance ratios; ``centered=False``
    takes the singular vectors of M itself, the plane through θ_final closest to the
    path in least squares, with the fraction of Σ‖θ_k − θ_final‖² each direction holds.
    Directions are signed so that the path's start has positive coordinates."""
    path = np.asarray(positions, dtype=float)
    if path.ndim != 2 or len(path) < 2 or path.shape[1] < 2:
        raise ValueError("a PCA plane needs a trajectory of at least 2 points in ≥ 2 dimensions")
    center = path[-1].copy()
    M = path - center
    if centered:
        M = M - M.mean(axis=0)
    _, s, vt = np.linalg.svd(M, full_matrices=False)
    total = float(np.sum(s * s))
    explained = (s[:2] ** 2) / total if total > 0 else np.zeros(2)
    d1, d2 = vt[0].copy(), vt[1].copy()
    start = path[0] - center
    for d in (d1, d2):
        if start @ d < 0:
            d *= -1.0
    return PCAPlane(center, d1, d2, np.pad(explained, (0, 2 - len(explained))))


def slice_grid(model_or_loss_fn, center, d1, d2, a_range, b_range, n: int):
    """(as, bs, values): values[j, i] = f(θc + as[i]·d₁ + bs[j]·d₂) on n × n points,
    as = linspace(*a_range, n), bs = linspace(*b_range, n).  ``model_or_loss_fn`` is a
    model (its vectorised ``losses``) or any function of an (m, P) array → (m,)."""
    f = getattr(model_or_loss_fn, "losses", model_or_loss_fn)
    a_s = np.linspace(*a_range, n)
    b_s = np.linspace(*b_range, n)
    c, u, v = (np.asarray(x, dtype=float) for x in (center, d1, d2))
    A, B = np.meshgrid(a_s, b_s)
    thetas = c + A.reshape(-1, 1) * u + B.reshape(-1, 1) * v
    return a_s, b_s, np.asarray(f(thetas), dtype=float).reshape(n, n)


def _coordinates(path, center, d1, d2):
    D = np.column_stack([np.asarray(d1, dtype=float), np.asarray(d2, dtype=float)])
    R = np.atleast_2d(np.asarray(path, dtype=float)) - np.asarray(center, dtype=float)
    coords = np.linalg.lstsq(D, R.T, rcond=None)[0].T
    return coords, R - coords @ D.T


def project(path, center, d1, d2) -> np.ndarray:
    """(K, 2) coordinates (a, b) of each θ_k of ``path`` (K, P) in the plane: the least
    squares solution of θ_k − θc ≈ a·d₁ + b·d₂ (exact for points of the plane, and the
    orthogonal projection's coordinates also when d₁, d₂ are not orthogonal)."""
    return _coordinates(path, center, d1, d2)[0]


def distance_from_plane(path, center, d1, d2) -> np.ndarray:
    """(K,) Euclidean distance of each θ_k from the plane θc + span(d₁, d₂)."""
    return np.linalg.norm(_coordinates(path, center, d1, d2)[1], axis=1)
