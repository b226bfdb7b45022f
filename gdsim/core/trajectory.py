"""The record of one run: growable float64 arrays, one row per step, plus a status."""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np

__all__ = ["Status", "Trajectory"]

RUNNING, CONVERGED, DIVERGED, MAX_STEPS = "running", "converged", "diverged", "max steps"
STOPPED = "stopped"  # the optimizer could not step (see run_rules.Stop.STUCK)
_STATE = "state:"


@dataclass(frozen=True)
class Status:
    """How a run ended (or that it is still running).

    ``state`` is one of running / converged / diverged / max steps; ``step`` is where
    it happened; ``reason`` says which rule fired ("‖∇f‖ < 1e-06", "non-finite loss"...).
    """

    state: str = RUNNING
    step: int | None = None
    reason: str = ""

    def __str__(self) -> str:
        if self.state == RUNNING:
            return "running"
        if self.state == MAX_STEPS:
            return f"stopped at max steps ({self.step})"
        text = f"{self.state} at step {self.step}"
        return f"{text} ({self.reason})" if self.reason else text

    @property
    def short(self) -> str:
        if self.state in (CONVERGED, DIVERGED):
            return f"{self.state} at step {self.step}"
        return str(self)

    def to_dict(self) -> dict:
        return {"state": self.state, "step": self.step, "reason": self.reason}

    @classmethod
    def from_dict(cls, d: dict) -> Status:
        return cls(d.get("state", RUNNING), d.get("step"), d.get("reason", ""))


_FIELDS = ("position", "loss", "grad", "full_grad", "lr")


class Trajectory:
    """Rows k = 0 (the start), 1, 2, ...; arrays grow by doubling their capacity.

    position, grad (the gradient the optimizer is given, before clipping), full_grad (the
    exact gradient; equal to grad unless mini-batch or noise) have shape (n, dim); loss
    and lr (the learning rate applied by the update that leaves step k) have shape (n,).
    ``state[name]`` (n, dim) is each of the optimizer's buffers, under torch's state name
    (``exp_avg``, ``momentum_buffer``…), as carried into the update that leaves step k.
    """

    def __init__(self, dim: int, capacity: int = 64, state: tuple[str, ...] = ()):
        self.dim = dim
        self._n = 0
        cap = max(int(capacity), 1)
        self._a = {
            "position": np.empty((cap, dim)),
            "loss": np.empty(cap),
            "grad": np.empty((cap, dim)),
            "full_grad": np.empty((cap, dim)),
            "lr": np.empty(cap),
            **{_STATE + name: np.empty((cap, dim)) for name in state},
        }
        self.state_names = tuple(state)
        self.status = Status()
        #: per step k, the points where the optimizer evaluated f inside the step (an
        #: (m, dim) array; L-BFGS and the line search), else None
        self.evaluations: list[np.ndarray] | None = None

    def __len__(self) -> int:
        return self._n

    def _reserve(self, n: int) -> None:
        cap = self._a["loss"].shape[0]
        if n <= cap:
            return
        while cap < n:
            cap *= 2
        for key, arr in self._a.items():
            new = np.empty((cap, *arr.shape[1:]))
            new[: self._n] = arr[: self._n]
            self._a[key] = new

    def append(self, **columns) -> None:
        """Append m rows given as arrays per field (position, loss, grad required; full_grad
        defaults to grad, each state buffer (``state={name: rows}``) to zeros, lr to NaN)."""
        pos = np.asarray(columns["position"], dtype=float).reshape(-1, self.dim)
        m = pos.shape[0]
        if m == 0:
            return
        self._reserve(self._n + m)
        s = slice(self._n, self._n + m)
        a = self._a
        a["position"][s] = pos
        a["loss"][s] = columns["loss"]
        a["grad"][s] = np.reshape(columns["grad"], (m, self.dim))
        a["full_grad"][s] = np.reshape(columns.get("full_grad", a["grad"][s]), (m, self.dim))
        state = columns.get("state") or {}
        for name in self.state_names:
            v = state.get(name)
            a[_STATE + name][s] = 0.0 if v is None else np.reshape(v, (m, self.dim))
        a["lr"][s] = columns.get("lr", np.nan)
        self._n += m

    def append_row(self, position, loss, grad, full_grad, lr, state) -> None:
        """One row (a vector each, ``state`` by name): ``append`` without its reshaping,
        for the loop of many parameters, which records row by row."""
        self._reserve(self._n + 1)
        a, n = self._a, self._n
        a["position"][n] = position
        a["loss"][n] = loss
        a["grad"][n] = grad
        a["full_grad"][n] = full_grad
        a["lr"][n] = lr
        for name in self.state_names:
            a[_STATE + name][n] = state[name]
        self._n = n + 1

    @classmethod
    def from_rows(cls, rows, dim: int, layout: dict, lrs) -> Trajectory:
        """A trajectory from the flat rows of the single-run loop (see scalar_loop)."""
        names = tuple(layout["state"])
        width = 2 * dim + 1 + dim * (layout["stochastic"] + len(names))
        arr = np.frombuffer(rows, dtype=float) if isinstance(rows, array) else np.asarray(rows)
        arr = arr.reshape(-1, width)
        m = arr.shape[0]
        traj = cls(dim, capacity=max(m, 1), state=names)
        cols: dict = {
            "position": arr[:, :dim],
            "loss": arr[:, dim],
            "grad": arr[:, dim + 1 : 2 * dim + 1],
            "lr": np.asarray(lrs[:m]),
        }
        j = 2 * dim + 1
        if layout["stochastic"]:
            cols["full_grad"] = arr[:, j : j + dim]
            j += dim
        cols["state"] = {}
        for name in names:
            cols["state"][name] = arr[:, j : j + dim]
            j += dim
        traj.append(**cols)
        return traj

    def set_lr(self, values) -> None:
        """The rate of every row (a schedule that depends on the loss knows the last
        row's only once it is recorded)."""
        self._a["lr"][: self._n] = np.asarray(values, dtype=float)[: self._n]

    @property
    def state(self) -> dict[str, np.ndarray]:
        """Each optimizer buffer by torch's name: (n, dim), as carried into step k."""
        return {name: self._a[_STATE + name][: self._n] for name in self.state_names}

    def __getattr__(self, name: str) -> np.ndarray:
        if name in _FIELDS:
            return self._a[name][: self._n]
        raise AttributeError(name)

    @property
    def steps(self) -> np.ndarray:
        return np.arange(self._n)

    @property
    def grad_norm(self) -> np.ndarray:
        return np.sqrt(np.sum(self.grad * self.grad, axis=1))
