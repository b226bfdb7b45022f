"""The data sets of the models in :mod:`gdsim.core.models`, each drawn from a seeded
``numpy.random.Generator`` (or, for iris, read from the file shipped in the package).

Written here rather than imported (no scikit-learn at run time): ``moons`` follows
scikit-learn's ``make_moons`` step by step (half circles, shuffle, then Gaussian noise)
and ``spiral`` the CS231n notes' spiral; the random numbers come from numpy's
Generator, so the points are not scikit-learn's, only drawn the same way.
"""

from __future__ import annotations

from importlib import resources

import numpy as np

__all__ = [
    "IRIS_CLASSES",
    "IRIS_FEATURES",
    "LINREG5_TRUE",
    "gaussian_classes",
    "iris",
    "linreg5",
    "moons",
    "spiral",
]

LINREG5_TRUE = (2.0, -1.0, 0.5, 3.0, -0.5)  # the mini-batch article's weights (bias 0)
IRIS_FEATURES = ("sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)")
IRIS_CLASSES = ("setosa", "versicolor", "virginica")


def linreg5(rng: np.random.Generator, n: int = 1000, noise: float = 0.1):
    """n rows of 5 standard-normal features; y = X·w_true + 0 + noise·N(0, 1)."""
    X = rng.standard_normal((n, len(LINREG5_TRUE)))
    y = X @ np.array(LINREG5_TRUE) + noise * rng.standard_normal(n)
    return X, y


def gaussian_classes(rng: np.random.Generator, means, sigma: float, n_per_class: int):
    """n_per_class isotropic Gaussian points (standard deviation sigma) around each mean;
    class k's rows come k-th."""
    means = np.asarray(means, dtype=float)
    X = np.concatenate([m + sigma * rng.standard_normal((n_per_class, len(m))) for m in means])
    y = np.repeat(np.arange(len(means)), n_per_class)
    return X, y


def moons(rng: np.random.Generator, n: int = 200, noise: float = 0.1):
    """Two interleaving half circles as scikit-learn's ``make_moons(n, noise=noise)``:
    n // 2 points evenly spaced on the upper unit half circle (class 0), the rest on the
    lower one shifted by (1, 0.5) (class 1), shuffled, then N(0, noise²) added."""
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0.0, np.pi, n_out)
    t_in = np.linspace(0.0, np.pi, n_in)
    X = np.column_stack(
        [
            np.append(np.cos(t_out), 1.0 - np.cos(t_in)),
            np.append(np.sin(t_out), 1.0 - np.sin(t_in) - 0.5),
        ]
    )
    y = np.concatenate([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    order = rng.permutation(n)
    X, y = X[order], y[order]
    return X + rng.normal(scale=noise, size=X.shape), y


def spiral(rng: np.random.Generator, n_per_class: int = 100, classes: int = 3):
    """The CS231n spiral: arm j has radii linspace(0, 1) and angles
    linspace(4j, 4(j + 1)) + 0.2·N(0, 1); the point is (r sin t, r cos t)."""
    X = np.zeros((n_per_class * classes, 2))
    y = np.repeat(np.arange(classes), n_per_class)
    for j in range(classes):
        r = np.linspace(0.0, 1.0, n_per_class)
        t = np.linspace(j * 4.0, (j + 1) * 4.0, n_per_class)
        t += 0.2 * rng.standard_normal(n_per_class)
        X[j * n_per_class : (j + 1) * n_per_class] = np.column_stack([r * np.sin(t), r * np.cos(t)])
    return X, y


def iris():
    """Fisher's 150 irises: the 4 measurements (cm) and the class index (0, 1, 2),
    checked against the counts in the file's own header."""
    text = resources.files("gdsim.core").joinpath("data/iris.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    head = lines[0].split(",")
    rows = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    n, d = int(head[0]), int(head[1])
    if rows.shape != (n, d + 1) or tuple(head[2:]) != IRIS_CLASSES:
        raise ValueError("gdsim's iris.csv is damaged")
    return rows[:, :d], rows[:, d].astype(np.intp)
