"""The built-in models: the mini-batch article's 5-feature regression, logistic
regression, two tanh networks and Fisher's iris, each a :class:`gdsim.core.models.Model`
on a seeded data set of :mod:`gdsim.core.model_data`, with a seeded held-out split and a
seeded torch-style start."""

from __future__ import annotations

import numpy as np

from gdsim.core import model_data
from gdsim.core.models import HELDOUT_FRACTION, Model, torch_init

__all__ = ["MODELS", "get_model", "model_names"]


def _split(n: int, rng: np.random.Generator) -> np.ndarray:
    """A seeded held-out mask: round(20 %) of the rows, chosen by a permutation."""
    mask = np.zeros(n, dtype=bool)
    mask[rng.permutation(n)[: round(HELDOUT_FRACTION * n)]] = True
    return mask


def _model(name, title, widths, loss_kind, data, seed, description, lr, **kw) -> Model:
    """The model with data ``data(Generator(seed))``, the split from Generator((seed, 1))
    and the start from Generator((seed, 2))."""
    X, y = data(np.random.default_rng(seed))
    heldout = _split(len(y), np.random.default_rng((seed, 1)))
    if kw.pop("standardise", False):
        mean, std = X[~heldout].mean(axis=0), X[~heldout].std(axis=0)
        X = (X - mean) / std
        kw["standardisation"] = (mean, std)
    start = torch_init(widths, np.random.default_rng((seed, 2)))
    n_train = int(np.count_nonzero(~heldout))
    common = (
        f" Seeded: data numpy default_rng({seed}), held-out split ({len(y) - n_train} of "
        f"{len(y)} rows) default_rng(({seed}, 1)), start default_rng(({seed}, 2)) with "
        "torch's nn.Linear initialisation U(−1/√fan_in, 1/√fan_in)."
    )
    return Model(
        name=name,
        title=title,
        description=description + common,
        widths=widths,
        loss_kind=loss_kind,
        X=np.ascontiguousarray(X, dtype=float),
        y=y.astype(float) if loss_kind != "ce" else y,
        heldout=heldout,
        default_start=start,
        default_lr=lr,
        **kw,
    )


LOGISTIC_MEANS = ((-1.0, -0.5), (1.0, 1.0))
LOGISTIC_SIGMA = 0.8


def _build() -> dict[str, Model]:
    iris = model_data.iris()
    iris_kw = {
        "feature_names": model_data.IRIS_FEATURES,
        "target_name": "species",
        "class_names": model_data.IRIS_CLASSES,
        "standardise": True,
    }
    iris_text = (
        "Fisher's 150 irises (4 measurements in cm, 3 species, 50 each), shipped with gdsim. "
        "Each feature is standardised with the training rows' mean and standard deviation."
    )
    models = [
        _model(
            "linreg-5",
            "5-feature linear regression: MSE(w, b)",
            (5, 1),
            "mse",
            model_data.linreg5,
            5,
            "The mini-batch article's problem: 1000 rows of 5 standard-normal features, "
            "y = 2x₁ − x₂ + 0.5x₃ + 3x₄ − 0.5x₅ + 0 + noise (σ = 0.1), and the linear model "
            "Xw + b fitted by the mean squared error. θ = (w₁ … w₅, b). The loss is a "
            "6-dimensional bowl; its bottom is the least-squares fit, near the true weights.",
            0.1,
            feature_names=tuple(f"x{j}" for j in range(1, 6)),
            target_name="y",
        ),
        _model(
            "logistic-2d",
            "Logistic regression: BCE(w₁, w₂, b)",
            (2, 1),
            "bce",
            lambda rng: model_data.gaussian_classes(rng, LOGISTIC_MEANS, LOGISTIC_SIGMA, 100),
            2,
            "Two Gaussian classes of 100 points each in the plane (class 0 around "
            f"{LOGISTIC_MEANS[0]}, class 1 around {LOGISTIC_MEANS[1]}, σ = {LOGISTIC_SIGMA} "
            "in each direction) and logistic regression P(class 1) = σ(w₁x₁ + w₂x₂ + b), "
            "fitted by the mean binary cross-entropy. The classes overlap, so the best "
            "line has finite weights and the loss a bottom.",
            0.5,
            feature_names=("x1", "x2"),
            target_name="class",
            class_names=("0", "1"),
        ),
        _model(
            "mlp-moons",
            "MLP 2-8-8-1 on two moons: BCE",
            (2, 8, 8, 1),
            "bce",
            model_data.moons,
            200,
            "Two interleaving half-moons, 200 points with noise σ = 0.1 (drawn as "
            "scikit-learn's make_moons draws them), and a tanh network 2-8-8-1 whose output "
            "is the logit of class 1, fitted by the mean binary cross-entropy: 105 "
            "parameters, a landscape with valleys, plateaus and symmetric copies.",
            0.1,
            feature_names=("x1", "x2"),
            target_name="class",
            class_names=("0", "1"),
        ),
        _model(
            "mlp-spiral",
            "MLP 2-16-16-3 on three spirals: cross-entropy",
            (2, 16, 16, 3),
            "ce",
            model_data.spiral,
            300,
            "Three spiral arms of 100 points each (the CS231n spiral: radius 0 to 1, "
            "angle noise 0.2) and a tanh network 2-16-16-3 with one logit per arm, fitted "
            "by the mean softmax cross-entropy: 371 parameters. No straight line separates "
            "the arms; the network has to bend its boundaries.",
            0.1,
            feature_names=("x1", "x2"),
            target_name="arm",
            class_names=("0", "1", "2"),
        ),
        _model(
            "iris-softmax",
            "Iris: softmax regression (cross-entropy)",
            (4, 3),
            "ce",
            lambda rng: iris,
            150,
            iris_text + " Softmax regression: one linear logit per species, 15 parameters, "
            "fitted by the mean cross-entropy.",
            0.1,
            **iris_kw,
        ),
        _model(
            "iris-mlp",
            "Iris: MLP 4-8-3 (cross-entropy)",
            (4, 8, 3),
            "ce",
            lambda rng: iris,
            150,
            iris_text + " A tanh network 4-8-3, 67 parameters, fitted by the mean cross-entropy.",
            0.1,
            **iris_kw,
        ),
    ]
    return {m.name: m for m in models}


MODELS: dict[str, Model] = _build()


def model_names() -> list[str]:
    return list(MODELS)


def get_model(name: str) -> Model:
    """The built-in model ``name``; a KeyError that lists the names otherwise."""
    try:
        return MODELS[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}: one of {', '.join(MODELS)}") from None
