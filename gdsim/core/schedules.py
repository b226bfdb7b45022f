"""Learning-rate schedules, as torch.optim.lr_scheduler steps them once per update.

``lrs(lr, n)`` gives the learning rate in force at updates 0..n-1.  StepLR and
ExponentialLR multiply by gamma the way torch's schedulers do (repeatedly, so the
rounding is the same); cosine annealing uses the closed form.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

__all__ = ["SCHEDULES", "Schedule", "ScheduleError"]

SCHEDULES = ("constant", "step", "exponential", "cosine")


class ScheduleError(ValueError):
    pass


@dataclass(frozen=True)
class Schedule:
    kind: str = "constant"
    step_size: int = 30  # StepLR: multiply by gamma every step_size updates
    gamma: float = 0.5  # StepLR / ExponentialLR factor
    t_max: int = 100  # CosineAnnealingLR half-period
    eta_min: float = 0.0  # CosineAnnealingLR floor

    def __post_init__(self):
        if self.kind not in SCHEDULES:
            raise ScheduleError(
                f"unknown schedule {self.kind!r}; choose one of: {', '.join(SCHEDULES)}"
            )
        if self.kind in ("step", "exponential") and not 0.0 < self.gamma <= 1.0:
            raise ScheduleError(f"gamma must be in (0, 1], got {self.gamma!r}")
        if self.kind == "step" and self.step_size < 1:
            raise ScheduleError(f"step_size must be >= 1, got {self.step_size!r}")
        if self.kind == "cosine" and (self.t_max < 1 or self.eta_min < 0):
            raise ScheduleError("cosine needs t_max >= 1 and eta_min >= 0")

    def lrs(self, lr: float, n: int) -> list[float]:
        cur = float(lr)
        if self.kind == "constant":
            return [cur] * n
        if self.kind == "cosine":
            lo, span = self.eta_min, lr - self.eta_min
            return [lo + span * (1 + math.cos(math.pi * t / self.t_max)) / 2 for t in range(n)]
        every = self.step_size if self.kind == "step" else 1
        gamma = self.gamma
        out: list[float] = []
        for t in range(n):
            if t > 0 and t % every == 0:
                cur = cur * gamma
            out.append(cur)
        return out

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Schedule:
        return cls(**d)
