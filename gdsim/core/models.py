"""Small real models whose parameters are a surface: P dials instead of one or two.

Each model is a fully connected network (tanh between layers; none for the linear
models) on a seeded data set, with its loss and its exact float64 gradient written in
numpy, backpropagation by hand, over stacks of parameter vectors (R, P): one call
evaluates many runs or a whole grid of a landscape slice.  The parameter vector is
ordered as torch flattens ``nn.Sequential(nn.Linear(…), nn.Tanh(), …).parameters()``:
each layer's weight (out × in) row-major, then its bias, so that
``torch.nn.utils.vector_to_parameters(θ, net.parameters())`` loads it (the torch
parity tests check loss, gradient and a 300-step Adam run against autograd).

The losses are torch's: ``MSELoss``, ``BCEWithLogitsLoss`` (from the logit, in the
stable form max(z, 0) − z·y + log(1 + e^−|z|)) and ``CrossEntropyLoss`` (a stable
log-softmax), each the mean over the rows.  Every data set is split once, seeded, into
training rows (the loss, its gradient and the mini-batches: ``rows`` index the training
rows, as :class:`gdsim.core.datasets.BatchSampler` draws them) and held-out rows.  The
default start is torch's ``nn.Linear`` initialisation, U(−1/√fan_in, 1/√fan_in) for
weights and biases, drawn from a seeded Generator in parameter order.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

__all__ = ["Block", "Model", "torch_init"]

HELDOUT_FRACTION = 0.2
_CHUNK = 1 << 21  # floats per hidden activation array in ``losses`` (16 MB)


class Block(NamedTuple):
    """One parameter tensor: its name, where it sits in θ, and its torch shape."""

    name: str
    slice: slice
    shape: tuple[int, ...]


def _blocks(widths: tuple[int, ...]) -> tuple[Block, ...]:
    """The weight and bias of each layer in torch's order (W1, b1, W2, b2, …); a single
    layer is "w"/"b" (one output) or "W"/"b"."""
    blocks, start = [], 0
    single = len(widths) == 2
    for layer, (n_in, n_out) in enumerate(itertools.pairwise(widths), 1):
        tag = "" if single else str(layer)
        w_name = "w" if single and n_out == 1 else "W"
        blocks.append(Block(w_name + tag, slice(start, start + n_out * n_in), (n_out, n_in)))
        start += n_out * n_in
        blocks.append(Block("b" + tag, slice(start, start + n_out), (n_out,)))
        start += n_out
    return tuple(blocks)


def _names(blocks: tuple[Block, ...]) -> tuple[str, ...]:
    """One name per entry: "W2[3,1]" (row 3, column 1 of layer 2's weight), "b2[3]";
    a one-output linear model's are "w1" … "w_d" and "b"."""
    names: list[str] = []
    for b in blocks:
        if b.name == "w":
            names += [f"w{j + 1}" for j in range(b.shape[1])]
        elif b.name == "b" and b.shape == (1,):
            names.append("b")
        elif len(b.shape) == 2:
            names += [f"{b.name}[{k},{j}]" for k in range(b.shape[0]) for j in range(b.shape[1])]
        else:
            names += [f"{b.name}[{k}]" for k in range(b.shape[0])]
    return tuple(names)


def torch_init(widths: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """nn.Linear's default initialisation, U(−1/√fan_in, 1/√fan_in) for each weight and
    bias, drawn in parameter order."""
    parts = []
    for n_in, n_out in itertools.pairwise(widths):
        k = 1.0 / np.sqrt(n_in)
        parts += [rng.uniform(-k, k, n_out * n_in), rng.uniform(-k, k, n_out)]
    return np.concatenate(parts)


def _log1pexp(z):
    """log(1 + eᶻ) without overflow."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


@dataclass(frozen=True, eq=False)
class Model:
    """A network of layer ``widths`` (inputs, hidden …, outputs) with loss ``loss_kind``
    ('mse', 'bce' or 'ce') on the rows ``X``, ``y`` (targets, or class indices), of
    which those where ``heldout`` is True are kept out of training."""

    name: str
    title: str
    description: str
    widths: tuple[int, ...]
    loss_kind: str
    X: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    heldout: np.ndarray = field(repr=False)
    default_start: np.ndarray = field(repr=False)
    default_lr: float
    feature_names: tuple[str, ...]
    target_name: str
    class_names: tuple[str, ...] = ()
    # (mean, std) of the raw features when X holds standardised ones: raw = X·std + mean
    standardisation: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    blocks: tuple[Block, ...] = field(init=False, repr=False)
    param_names: tuple[str, ...] = field(init=False, repr=False)
    _split_rows: tuple = field(init=False, repr=False)  # ((X, y) training, (X, y) held out)

    def __post_init__(self):
        blocks = _blocks(self.widths)
        object.__setattr__(self, "blocks", blocks)
        object.__setattr__(self, "param_names", _names(blocks))
        for name in ("X", "y", "heldout", "default_start"):
            getattr(self, name).setflags(write=False)
        split = tuple((self.X[mask], self.y[mask]) for mask in (~self.heldout, self.heldout))
        object.__setattr__(self, "_split_rows", split)

    # -- shape ------------------------------------------------------------------------
    @property
    def dim(self) -> int:
        """P, the number of parameters."""
        return self.blocks[-1].slice.stop

    @property
    def n_samples(self) -> int:
        """N, the number of training rows (what mini-batches are drawn from)."""
        return int(np.count_nonzero(~self.heldout))

    @property
    def is_classifier(self) -> bool:
        return self.loss_kind != "mse"

    @property
    def layers(self) -> tuple[tuple[str, slice], ...]:
        """(name, slice) of each parameter tensor, in θ's order."""
        return tuple((b.name, b.slice) for b in self.blocks)

    def rows(self, heldout: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(X, y) of the training rows (in their order in X), or of the held-out ones."""
        return self._split_rows[heldout]

    # -- the network ------------------------------------------------------------------
    def _weights(self, thetas: np.ndarray):
        """Each layer's transposed weight Wᵀ (R, in, out), contiguous (numpy's batched
        matmul is twice as fast on it), and bias (R, 1, out)."""
        R = thetas.shape[0]
        for w, b in zip(self.blocks[::2], self.blocks[1::2], strict=True):
            W = thetas[:, w.slice].reshape(R, *w.shape)
            yield np.ascontiguousarray(W.transpose(0, 2, 1)), thetas[:, None, b.slice]

    def _forward(self, weights: list, X: np.ndarray):
        """The inputs of every layer (X, then each tanh output) and the last layer's
        output z, for the layers ``weights`` of R parameter rows: z is (R, n, outputs)."""
        acts = [X]
        z = X
        for i, (Wt, b) in enumerate(weights):
            z = np.matmul(z, Wt)
            z += b
            if i < len(weights) - 1:
                np.tanh(z, out=z)
                acts.append(z)
        return acts, z

    def _loss_and_dz(self, z: np.ndarray, y: np.ndarray, want_dz: bool):
        """Mean loss per parameter row (R,) and, when asked, ∂loss/∂z."""
        loss, raw = self._loss_and_raw_dz(z, y, want_dz)
        return loss, None if raw is None else self._mean_dz(raw, y.shape[0])

    def _mean_dz(self, raw: np.ndarray, n: int) -> np.ndarray:
        """∂(mean loss over ``n`` rows)/∂z from each row's own derivative."""
        return (2.0 / n) * raw if self.loss_kind == "mse" else raw / n

    def _loss_and_raw_dz(self, z: np.ndarray, y: np.ndarray, want_dz: bool):
        """Mean loss per parameter row (R,) and, when asked, each row's ∂loss_i/∂z
        (halved for the squared error)."""
        n = y.shape[0]
        if self.loss_kind == "mse":
            r = z[..., 0] - y
            return (r * r).sum(axis=-1) / n, (r[..., None] if want_dz else None)
        if self.loss_kind == "bce":
            z1 = z[..., 0]
            loss = (_log1pexp(z1) - z1 * y).sum(axis=-1) / n  # (np.mean's bits, sooner)
            if not want_dz:
                return loss, None
            return loss, (np.exp(-_log1pexp(-z1)) - y)[..., None]
        # log-sum-exp over the few classes column by column (numpy reduces a length-3
        # axis slowly)
        cols = [z[..., k] for k in range(z.shape[-1])]
        m = functools.reduce(np.maximum, cols)
        lse = m + np.log(sum(np.exp(c - m) for c in cols))
        true = (slice(None), np.arange(n), y)
        loss = (lse - z[true]).sum(axis=-1) / n
        if not want_dz:
            return loss, None
        dz = np.exp(z - lse[..., None])
        dz[true] -= 1.0
        return loss, dz

    def _backward(self, weights, acts, dz) -> np.ndarray:
        """∂loss/∂θ (R, P) from ∂loss/∂z by the chain rule, layer by layer from the top."""
        grad = np.empty((dz.shape[0], self.dim))
        for i in range(len(weights) - 1, -1, -1):
            a = acts[i]
            w_block, b_block = self.blocks[2 * i], self.blocks[2 * i + 1]
            grad[:, w_block.slice] = np.matmul(dz.transpose(0, 2, 1), a).reshape(len(grad), -1)
            grad[:, b_block.slice] = dz.sum(axis=1)
            if i:
                dz = np.matmul(dz, weights[i][0].transpose(0, 2, 1)) * (1.0 - a * a)
        return grad

    def _evaluate(self, theta, rows, heldout: bool, want_grad: bool):
        theta = np.asarray(theta, dtype=float)
        thetas = np.atleast_2d(theta)
        X, y = self.rows(heldout)
        if rows is not None:
            X, y = X[rows], y[rows]
        with np.errstate(all="ignore"):
            weights = list(self._weights(thetas))
            acts, z = self._forward(weights, X)
            loss, dz = self._loss_and_dz(z, y, want_grad)
            grad = self._backward(weights, acts, dz) if want_grad else None
        if theta.ndim == 1:
            return float(loss[0]), None if grad is None else grad[0]
        return loss, grad

    def loss_and_grads(self, theta, rows) -> tuple[float, np.ndarray, np.ndarray]:
        """At one θ (P,): the training loss, its exact gradient and the gradient of the
        mini-batch ``rows``, from one pass of the network over the training rows (a
        mini-batch step needs both: half the work of two passes)."""
        thetas = np.asarray(theta, dtype=float)[None, :]
        X, y = self.rows()
        with np.errstate(all="ignore"):
            weights = list(self._weights(thetas))
            acts, z = self._forward(weights, X)
            loss, raw = self._loss_and_raw_dz(z, y, True)
            full = self._backward(weights, acts, self._mean_dz(raw, len(y)))
            batch_acts = [X[rows], *(a[:, rows] for a in acts[1:])]  # (X is n × inputs)
            batch = self._backward(weights, batch_acts, self._mean_dz(raw[:, rows], len(rows)))
        return float(loss[0]), full[0], batch[0]

    # -- the public surface -----------------------------------------------------------
    def loss(self, theta, rows=None):
        """The mean training loss at θ (P,) → float, or at rows of θ (R, P) → (R,);
        ``rows`` (indices into the training rows) restricts it to a mini-batch."""
        return self._evaluate(theta, rows, False, False)[0]

    def grad(self, theta, rows=None):
        """The exact gradient of :meth:`loss`: (P,) or (R, P) like ``theta``."""
        return self._evaluate(theta, rows, False, True)[1]

    def loss_and_grad(self, theta, rows=None):
        """(:meth:`loss`, :meth:`grad`) from one forward pass."""
        return self._evaluate(theta, rows, False, True)

    def heldout_loss(self, theta):
        """The mean loss over the held-out rows (float, or (R,) for θ of shape (R, P))."""
        return self._evaluate(theta, None, True, False)[0]

    def losses(self, thetas) -> np.ndarray:
        """The training loss at each row of ``thetas`` (m, P) → (m,), in chunks that keep
        the activations small (a landscape slice is thousands of points)."""
        thetas = np.asarray(thetas, dtype=float).reshape(-1, self.dim)
        X, y = self.rows()
        chunk = max(1, _CHUNK // (len(y) * max(self.widths)))
        out = np.empty(len(thetas))
        with np.errstate(all="ignore"):
            for s in range(0, len(thetas), chunk):
                part = thetas[s : s + chunk]
                z = self._forward(list(self._weights(part)), X)[1]
                out[s : s + len(part)] = self._loss_and_dz(z, y, False)[0]
        return out

    def outputs(self, theta, X, dtype=np.float64) -> np.ndarray:
        """The network's output at inputs ``X`` (n, inputs) for one θ: (n,) for one
        output (fitted value or logit), (n, classes) of logits otherwise; computed in
        ``dtype`` (float32 for pictures: its tanh is several times faster)."""
        with np.errstate(all="ignore"):
            thetas = np.atleast_2d(np.asarray(theta, dtype=dtype))
            z = self._forward(list(self._weights(thetas)), np.asarray(X, dtype=dtype))[1][0]
        return z[:, 0] if z.shape[1] == 1 else z

    def predict(self, theta, X) -> np.ndarray:
        """Fitted values (regression), P(class 1) (binary) or class probabilities (n, K)
        at inputs ``X`` in the model's feature space (standardised ones for iris)."""
        z = self.outputs(theta, np.asarray(X, dtype=float))
        with np.errstate(all="ignore"):
            if self.loss_kind == "mse":
                return z
            if self.loss_kind == "bce":
                return np.exp(-_log1pexp(-z))
            e = np.exp(z - z.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)

    def classify(self, theta, X, dtype=np.float64) -> np.ndarray:
        """The class index the network gives each row of ``X`` (n, inputs)."""
        return self.classes_of(self.outputs(theta, X, dtype))

    @staticmethod
    def classes_of(z: np.ndarray) -> np.ndarray:
        """The class index of each row of the outputs ``z`` of :meth:`outputs`."""
        return (z > 0).astype(np.intp) if z.ndim == 1 else np.argmax(z, axis=1)

    def mean_loss(self, z: np.ndarray, y: np.ndarray) -> float:
        """The mean loss of the outputs ``z`` of :meth:`outputs` against targets ``y``."""
        if not len(y):
            return float("nan")  # no rows: no mean
        with np.errstate(all="ignore"):
            return float(self._loss_and_dz(z.reshape(1, len(y), -1), y, False)[0][0])

    def accuracy(self, theta, heldout: bool = False) -> float:
        """The fraction of training (or held-out) rows classified right."""
        if not self.is_classifier:
            raise ValueError(f"{self.name} is a regression: it has no accuracy")
        X, y = self.rows(heldout)
        return float(np.mean(self.classify(theta, X) == y))
