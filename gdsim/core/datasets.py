"""Data-driven surfaces: the MSE of a linear model over a data set, with mini-batches.

``house-prices`` is the seed lesson's line through the origin (price = m · area);
``linear-regression`` fits y = w·x + b to a seeded synthetic data set.  Mini-batches
of size B are drawn without replacement from a shuffled epoch by a seeded
``numpy.random.Generator``; B = N is full-batch gradient descent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np

from gdsim.core.surface import CriticalPoint, Surface

__all__ = [
    "DATA_SURFACES",
    "DATA_TITLES",
    "BatchSampler",
    "DataSurface",
    "house_prices",
    "linear_regression",
]

HOUSE_AREAS = (50.0, 70.0, 90.0, 120.0, 150.0)  # m²
HOUSE_PRICES = (150.0, 200.0, 260.0, 340.0, 400.0)  # thousands of euros


@dataclass(frozen=True, eq=False)
class DataSurface(Surface):
    """MSE(θ) = mean((Xθ − y)²) over the rows of the design matrix ``X``."""

    X: np.ndarray = field(default=None, repr=False)
    y: np.ndarray = field(default=None, repr=False)
    x_label: str = "x"
    y_label: str = "y"

    @property
    def n_samples(self) -> int:
        return int(self.y.shape[0])

    def batch_loss(self, theta, idx=None) -> np.ndarray:
        """Loss of parameter rows ``theta`` (R, d) on the samples ``idx`` (all when None)."""
        X, y = (self.X, self.y) if idx is None else (self.X[idx], self.y[idx])
        with np.errstate(all="ignore"):
            r = np.atleast_2d(theta) @ X.T - y
            return np.mean(r * r, axis=-1)

    def batch_gradient(self, theta, idx=None) -> np.ndarray:
        """(2/B) Xᵦᵀ(Xᵦθ − yᵦ) for parameter rows ``theta`` (R, d)."""
        X, y = (self.X, self.y) if idx is None else (self.X[idx], self.y[idx])
        with np.errstate(all="ignore"):
            r = np.atleast_2d(theta) @ X.T - y
            return (2.0 / len(y)) * (r @ X)

    def predict(self, theta, x) -> np.ndarray:
        """The model's prediction at inputs ``x`` for one parameter vector."""
        x = np.asarray(x, dtype=float)
        theta = np.asarray(theta, dtype=float)
        return theta[0] * x + (theta[1] if theta.shape[0] > 1 else 0.0)

    @property
    def inputs(self) -> np.ndarray:
        return self.X[:, 0]


def _quadratic_callables(X: np.ndarray, y: np.ndarray):
    """Closed-form (f, ∇f) of mean((Xθ − y)²) for drawing (vectorised over points)."""
    n = len(y)
    A = X.T @ X / n
    b = X.T @ y / n
    c = float(y @ y / n)
    d = X.shape[1]

    if d == 1:
        a11, b1 = float(A[0, 0]), float(b[0])

        def fg(m, xp=None):
            return a11 * m * m - 2.0 * b1 * m + c, 2.0 * (a11 * m - b1)

        return fg, A, b

    a11, a12, a22 = float(A[0, 0]), float(A[0, 1]), float(A[1, 1])
    b1, b2 = float(b[0]), float(b[1])

    def fg2(w, v, xp=None):
        return (
            a11 * w * w + 2.0 * a12 * w * v + a22 * v * v - 2.0 * (b1 * w + b2 * v) + c,
            2.0 * (a11 * w + a12 * v - b1),
            2.0 * (a12 * w + a22 * v - b2),
        )

    return fg2, A, b


def _make(name, title, formula, params, X, y, domain, description, start, lr, labels):
    fg, A, b = _quadratic_callables(X, y)
    theta_star = np.linalg.solve(A, b)
    f_star = float(fg(*theta_star)[0])
    H = 2.0 * A
    return DataSurface(
        name=name,
        title=title,
        formula=formula,
        params=params,
        fg=fg,
        domain=domain,
        critical_points=(CriticalPoint(tuple(float(t) for t in theta_star), f_star),),
        description=description,
        hess=lambda *p: tuple(H[i, j] for i in range(len(H)) for j in range(i, len(H))),
        log_levels=True,
        default_start=start,
        default_lr=lr,
        is_data=True,
        X=X,
        y=y,
        x_label=labels[0],
        y_label=labels[1],
    )


# titles known without generating the data (the surface menu lists them at start-up)
DATA_TITLES = {
    "house-prices": "House prices: MSE(m)",
    "linear-regression": "Linear regression: MSE(w, b)",
}


@cache
def house_prices() -> DataSurface:
    area = np.array(HOUSE_AREAS)
    return _make(
        "house-prices",
        DATA_TITLES["house-prices"],
        "MSE(m) = mean((price − m·area)²)",
        ("m",),
        area[:, None],
        np.array(HOUSE_PRICES),
        ((0.0, 5.0),),
        "Five houses (area 50–150 m², price 150–400 k€) and the simplest model, a line "
        "through the origin: price = m · area. The mean squared error is a parabola in m "
        "whose bottom, m ≈ 2.7805, is the best slope.",
        (1.0,),
        5e-5,
        ("area (m²)", "price (k€)"),
    )


LINREG_N = 1000
LINREG_TRUE = (2.0, -1.0)  # w, b
LINREG_NOISE = 0.5
LINREG_SEED = 20240


@cache
def linear_regression() -> DataSurface:
    rng = np.random.default_rng(LINREG_SEED)
    x = rng.uniform(0.0, 4.0, LINREG_N)
    y = LINREG_TRUE[0] * x + LINREG_TRUE[1] + LINREG_NOISE * rng.standard_normal(LINREG_N)
    X = np.column_stack([x, np.ones_like(x)])
    return _make(
        "linear-regression",
        DATA_TITLES["linear-regression"],
        "MSE(w, b) = mean((w·x + b − y)²)",
        ("w", "b"),
        X,
        y,
        ((-1.0, 5.0), (-5.0, 3.0)),
        f"{LINREG_N} points drawn around the line y = 2x − 1 (noise σ = {LINREG_NOISE}). "
        "The loss of the fitted line is a long, tilted bowl in (w, b), because x is not "
        "centred. Mini-batches estimate its gradient from a few points: cheaper, noisier.",
        (0.0, 2.5),
        0.05,
        ("x", "y"),
    )


DATA_SURFACES = {"house-prices": house_prices, "linear-regression": linear_regression}


class BatchSampler:
    """Indices of successive mini-batches: shuffled epochs, without replacement.

    B = N gives every sample in its natural order at every step (full batch, no
    randomness).  Otherwise each epoch is a permutation from ``rng``, cut into
    consecutive batches of B; the last batch of an epoch holds what is left.
    """

    def __init__(self, n: int, batch_size: int, rng: np.random.Generator):
        self.n = n
        self.batch_size = batch_size
        self.rng = rng
        self._perm = np.arange(n)
        self._pos = n

    @property
    def full(self) -> bool:
        return self.batch_size >= self.n

    def next(self) -> np.ndarray | None:
        if self.full:
            return None
        if self._pos >= self.n:
            self._perm = self.rng.permutation(self.n)
            self._pos = 0
        idx = self._perm[self._pos : self._pos + self.batch_size]
        self._pos += self.batch_size
        return idx
