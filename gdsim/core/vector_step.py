"""What every optimizer that needs the whole vector is (see
:mod:`gdsim.core.vector_optimizers`): a configured object with pure ``init`` and
``step``, and what a step returns."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

import numpy as np

from gdsim.core.hyper import Hyper

__all__ = ["FG", "Hess", "StepCount", "StepResult", "VectorOptimizer", "VectorOptimizerError"]

FG = Callable[[np.ndarray], tuple[float, np.ndarray]]
Hess = Callable[[np.ndarray], np.ndarray]


class VectorOptimizerError(ValueError):
    """An optimizer or hyperparameter that gdsim refuses (the message is one line)."""


def _int(name, default, doc, lo, hi) -> Hyper:
    return Hyper(name, "int", default, doc, lo=lo, hi=hi, step=1, decimals=0)


class StepCount(NamedTuple):
    """The state of an optimizer that remembers nothing but how many steps it took."""

    step: int = 0


@dataclass(frozen=True)
class StepResult:
    """One step: the new θ and state, every point where f was evaluated within the step
    (in order), a status that ends the run (None normally) and derived values to show."""

    theta: np.ndarray
    state: Any
    evaluations: list[np.ndarray] = field(default_factory=list)
    status: str | None = None
    terms: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class VectorOptimizer(ABC):
    """A configured optimizer that needs the whole vector: pure ``init`` and ``step``.

    ``step(theta, loss, grad, state, lr, fg, hess=None)``: ``loss`` and ``grad`` are f
    and ∇f at ``theta``, evaluated by the caller; ``fg(θ) -> (loss, grad)`` evaluates f
    again wherever the step needs it; ``hess(θ)`` is the exact Hessian (Newton only);
    ``lr`` the learning rate in force.  No input is modified.
    """

    name: ClassVar[str]
    hyper: Mapping[str, Any]

    def init(self, theta: np.ndarray) -> Any:
        return StepCount()

    @abstractmethod
    def step(self, theta, loss, grad, state, lr, fg: FG, hess: Hess | None = None):
        """One step from ``theta``: a :class:`StepResult`."""

    def torch_hyper(self) -> dict[str, Any]:
        """The keywords of the torch class (``line_search_fn`` None for "none")."""
        return dict(self.hyper)
