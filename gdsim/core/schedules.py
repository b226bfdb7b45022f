"""Learning-rate schedules, as torch.optim.lr_scheduler steps them once per update.

``lrs(lr, n)`` gives the learning rate in force at updates 0..n-1.  StepLR and
ExponentialLR multiply by gamma the way torch's schedulers do (repeatedly, so the
rounding is the same); cosine annealing uses the closed form.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from gdsim.core.limits import MAX_RUN_STEPS

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
        # every field is checked, used by the kind or not: the window shows them all
        whole = {"step_size": self.step_size, "t_max": self.t_max}
        for name, v in whole.items():
            if isinstance(v, bool) or not isinstance(v, int):
                raise ScheduleError(f"{name} must be a whole number, got {v!r}")
        for name, v in {"gamma": self.gamma, "eta_min": self.eta_min}.items():
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise ScheduleError(f"{name} must be a number, got {v!r}")
        if not isinstance(self.kind, str) or self.kind not in SCHEDULES:
            raise ScheduleError(
                f"unknown schedule {self.kind!r}; choose one of: {', '.join(SCHEDULES)}"
            )
        if not 0.0 < self.gamma <= 1.0:
            raise ScheduleError(f"gamma must be in (0, 1], got {self.gamma!r}")
        if not 1 <= self.step_size <= MAX_RUN_STEPS:
            raise ScheduleError(f"step_size must be in 1..{MAX_RUN_STEPS}, got {self.step_size!r}")
        if not 1 <= self.t_max <= MAX_RUN_STEPS or self.eta_min < 0:
            raise ScheduleError(f"t_max must be in 1..{MAX_RUN_STEPS} and eta_min >= 0")

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
    def from_dict(cls, d) -> Schedule:
        if not isinstance(d, dict):
            raise ScheduleError(f"a schedule is a mapping of names to values, got {d!r}")
        unknown = set(d) - set(cls.__dataclass_fields__)
        if unknown:
            raise ScheduleError(f"unknown schedule field {sorted(unknown)[0]!r}")
        return cls(**d)
