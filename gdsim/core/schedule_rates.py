"""The learning rates of gdsim's schedules, as torch 2.13's ``lr_scheduler`` steps compute
them: each function gives the rate in force at updates 0..n-1 in the order of evaluation
of torch's ``step()`` (recursive where torch is), and the plateau steppers follow
``ReduceLROnPlateau.step(metric)``.  They use only ``math`` and numpy: the exported numpy
scripts copy their source (:func:`gdsim.core.schedules.schedule_source`), so a script's
rates are the same bits.  What each schedule is called, its parameters and their checks
are declared in :mod:`gdsim.core.schedules`.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "PlateauRuns",
    "PlateauStepper",
    "sched_constant",
    "sched_cosine",
    "sched_cosine_next",
    "sched_cosine_restarts",
    "sched_cyclic",
    "sched_exponential",
    "sched_linear",
    "sched_linear_next",
    "sched_multistep",
    "sched_onecycle",
    "sched_onecycle_phases",
    "sched_polynomial",
    "sched_step",
    "sched_warmup_cosine",
]


def sched_constant(lr, n):
    return [lr] * n, None


def sched_step(lr, n, step_size, gamma):
    out = []
    for e in range(n):  # StepLR: × gamma at every multiple of step_size but 0
        if e != 0 and e % step_size == 0:
            lr = lr * gamma
        out.append(lr)
    return out, None


def sched_multistep(lr, n, milestones, gamma):
    counts = {}
    for m in milestones:  # MultiStepLR counts repeated milestones: × gamma ** count
        counts[m] = counts.get(m, 0) + 1
    out = []
    for e in range(n):
        if e in counts:
            lr = lr * gamma ** counts[e]
        out.append(lr)
    return out, None


def sched_exponential(lr, n, gamma):
    out = []
    for e in range(n):
        if e > 0:
            lr = lr * gamma
        out.append(lr)
    return out, None


def sched_cosine_next(lr, base, e, t_max, eta_min):
    """CosineAnnealingLR's recursive step to epoch e > 0 from the rate ``lr``."""
    if (e - 1 - t_max) % (2 * t_max) == 0:
        return lr + (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
    return (1 + math.cos(math.pi * e / t_max)) / (1 + math.cos(math.pi * (e - 1) / t_max)) * (
        lr - eta_min
    ) + eta_min


def sched_cosine(lr, n, t_max, eta_min):
    base, out = lr, []
    for e in range(n):
        if e > 0:
            lr = sched_cosine_next(lr, base, e, t_max, eta_min)
        out.append(lr)
    return out, None


def sched_cosine_restarts(lr, n, t_0, t_mult, eta_min):
    base, t_cur, t_i, out = lr, 0, t_0, []
    for e in range(n):
        if e > 0:
            t_cur = t_cur + 1
            if t_cur >= t_i:
                t_cur = t_cur % t_i
                t_i = t_i * t_mult
        out.append(eta_min + (base - eta_min) * (1 + math.cos(math.pi * t_cur / t_i)) / 2)
    return out, None


def sched_linear_next(lr, e, start_factor, end_factor, total_iters):
    """LinearLR's recursive step to epoch e in 1..total_iters."""
    return lr * (
        1.0
        + (end_factor - start_factor)
        / (total_iters * start_factor + (e - 1) * (end_factor - start_factor))
    )


def sched_linear(lr, n, start_factor, end_factor, total_iters):
    out = []
    for e in range(n):
        if e == 0:
            lr = lr * start_factor
        elif e <= total_iters:
            lr = sched_linear_next(lr, e, start_factor, end_factor, total_iters)
        out.append(lr)
    return out, None


def sched_polynomial(lr, n, total_iters, power):
    out = []
    for e in range(n):
        if 0 < e <= total_iters:
            lr = lr * ((1.0 - e / total_iters) / (1.0 - (e - 1) / total_iters)) ** power
        out.append(lr)
    return out, None


def sched_onecycle_phases(total_steps, pct_start, three_phase):
    """OneCycleLR's phases: (end step, start rate, end rate, start/end momentum)."""
    if three_phase:
        return [
            (float(pct_start * total_steps) - 1, "initial", "max", "max_m", "base_m"),
            (float(2 * pct_start * total_steps) - 2, "max", "initial", "base_m", "max_m"),
            (total_steps - 1, "initial", "min", "max_m", "max_m"),
        ]
    return [
        (float(pct_start * total_steps) - 1, "initial", "max", "max_m", "base_m"),
        (total_steps - 1, "max", "min", "base_m", "max_m"),
    ]


def sched_onecycle(
    lr,
    n,
    max_lr,
    total_steps,
    pct_start,
    anneal_strategy,
    div_factor,
    final_div_factor,
    three_phase,
    cycle_momentum,
    base_momentum,
    max_momentum,
):
    initial = max_lr / div_factor  # torch sets the group's lr: the optimizer's is unused
    at = {"initial": initial, "max": max_lr, "min": initial / final_div_factor}
    at.update(max_m=max_momentum, base_m=base_momentum)
    phases = sched_onecycle_phases(total_steps, pct_start, three_phase)

    def anneal(start, end, pct):
        if anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    lrs, momenta = [], []
    for step_num in range(n):
        start_step = 0.0
        for i, (end_step, lr0, lr1, m0, m1) in enumerate(phases):
            if step_num <= end_step or i == len(phases) - 1:
                pct = (step_num - start_step) / (end_step - start_step)
                lrs.append(anneal(at[lr0], at[lr1], pct))
                momenta.append(anneal(at[m0], at[m1], pct))
                break
            start_step = end_step
    return lrs, momenta if cycle_momentum else None


def sched_cyclic(
    lr,
    n,
    base_lr,
    max_lr,
    step_size_up,
    step_size_down,
    mode,
    gamma,
    cycle_momentum,
    base_momentum,
    max_momentum,
):
    up = float(step_size_up)  # torch sets the group's lr to base_lr: the optimizer's is unused
    down = float(step_size_down) if step_size_down is not None else up
    total_size = up + down
    step_ratio = up / total_size
    lrs, momenta = [], []
    for e in range(n):
        cycle = math.floor(1 + e / total_size)
        x = 1.0 + e / total_size - cycle
        if x <= step_ratio:
            scale_factor = x / step_ratio
        else:
            scale_factor = (x - 1) / (step_ratio - 1)
        if mode == "triangular":
            scale = 1.0
        elif mode == "triangular2":
            scale = 1 / (2.0 ** (cycle - 1))
        else:  # exp_range scales by iterations
            scale = gamma**e
        lrs.append(base_lr + (max_lr - base_lr) * scale_factor * scale)
        momenta.append(max_momentum - (max_momentum - base_momentum) * scale_factor * scale)
    return lrs, momenta if cycle_momentum else None


def sched_warmup_cosine(lr, n, warmup_steps, start_factor, t_max, eta_min):
    """SequentialLR([LinearLR(start_factor, total_iters=warmup_steps),
    CosineAnnealingLR(T_max, eta_min)], milestones=[warmup_steps])."""
    base, out = lr, []
    for e in range(n):
        if e == 0:
            lr = lr * start_factor
        elif e < warmup_steps:
            lr = sched_linear_next(lr, e, start_factor, 1.0, warmup_steps)
        elif e == warmup_steps:  # SequentialLR restarts the cosine in its closed form
            lr = eta_min + (base - eta_min) * (1 + math.cos(math.pi * 0 / t_max)) / 2
        else:
            lr = sched_cosine_next(lr, base, e - warmup_steps, t_max, eta_min)
        out.append(lr)
    return out, None


class PlateauStepper:
    """torch.optim.lr_scheduler.ReduceLROnPlateau on one run: ``step(metric)`` returns
    the rate in force after it."""

    def __init__(
        self, lr, mode, factor, patience, threshold, threshold_mode, cooldown, min_lr, eps
    ):
        self.lr, self.mode, self.factor, self.patience = lr, mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.min_lr, self.eps = cooldown, min_lr, eps
        self.best = math.inf if mode == "min" else -math.inf
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def is_better(self, a, best):
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def step(self, metric):
        current = float(metric)
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in cooldown are ignored
        if self.num_bad_epochs > self.patience:
            old_lr = float(self.lr)
            new_lr = max(old_lr * self.factor, self.min_lr)
            if old_lr - new_lr > self.eps:
                self.lr = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        return self.lr


class PlateauRuns(PlateauStepper):
    """ReduceLROnPlateau for many independent runs at once: ``step(metrics)`` takes an
    array of one metric per run and returns the rates in force after it."""

    def __init__(self, lr, runs, mode, **params):
        super().__init__(float(lr), mode, **params)
        self.lr = np.full(runs, float(lr))
        self.best = np.full(runs, self.best)
        self.cooldown_counter = np.zeros(runs, dtype=np.int64)
        self.num_bad_epochs = np.zeros(runs, dtype=np.int64)

    def step(self, metrics):
        current = np.asarray(metrics, dtype=float)
        with np.errstate(invalid="ignore"):  # inf · 0 (threshold 1) is NaN, as in torch
            better = self.is_better(current, self.best)
        self.best = np.where(better, current, self.best)
        bad = np.where(better, 0, self.num_bad_epochs + 1)
        cooling = self.cooldown_counter > 0
        self.cooldown_counter = np.where(cooling, self.cooldown_counter - 1, self.cooldown_counter)
        bad[cooling] = 0
        reduce = bad > self.patience
        new_lr = np.maximum(self.lr * self.factor, self.min_lr)
        self.lr = np.where(reduce & (self.lr - new_lr > self.eps), new_lr, self.lr)
        self.cooldown_counter = np.where(reduce, self.cooldown, self.cooldown_counter)
        bad[reduce] = 0
        self.num_bad_epochs = bad
        return self.lr.copy()
