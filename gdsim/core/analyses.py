"""Analyses over many runs: basin maps and learning-rate sweeps (numpy only, no Qt).

A **basin map** starts one run at every point of an n × n grid over a 2D surface, all
advanced at once by the vectorised core (``simulate_batch``), and labels each start by
where its run ends: a known minimum, another point where the runs settle, "still
moving" after the last step, or "diverged".

A **learning-rate sweep** repeats one run at many log-spaced α with the exact
single-run loop (``simulate``), and records its final loss, how it ended and when.

Both take ``progress(done, total)`` and ``cancelled()`` callbacks, so that the window
can run them off the GUI thread with a progress bar and a Cancel button.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from gdsim.core.batch_runs import BatchResult, simulate_batch
from gdsim.core.limits import (
    MAX_BASIN_STEPS,
    MAX_SWEEP_STEPS,
    MAX_VECTOR_STEPS,
    analysis_work_error,
)
from gdsim.core.optimizers import is_element_wise
from gdsim.core.simulation import ConfigError, RunConfig, SimulationCancelled, simulate
from gdsim.core.surface import Surface

__all__ = [
    "DIVERGED",
    "STILL_MOVING",
    "AnalysisCancelled",
    "BasinMap",
    "Sweep",
    "basin_map",
    "lr_sweep",
    "point_text",
]

STILL_MOVING = -1
DIVERGED = -2
SETTLE_FRACTION = 1e-6  # settled: ‖∇f‖ below this fraction of the surface's typical ‖∇f‖
CHUNK = 8000  # starts advanced together (kept in cache); progress is reported per chunk


def point_text(position) -> str:
    """'1.27, -2.57': a point to three digits, with rounding noise (1e-32) shown as 0."""
    return ", ".join("0" if abs(v) < 1e-9 else f"{v:.3g}" for v in position)


class AnalysisCancelled(Exception):
    """The analysis was cancelled before it finished."""


@dataclass
class Basin:
    """Where a set of runs ends: a known minimum (``known``) or a point they settle at."""

    position: tuple[float, ...]
    value: float
    known: bool
    count: int = 0


@dataclass
class BasinMap:
    """``label[j, i]`` says where the run started at (xs[i], ys[j]) ended: an index into
    ``basins``, ``STILL_MOVING`` or ``DIVERGED``; ``stop_step`` is its last step."""

    surface: str
    config: RunConfig
    xs: np.ndarray
    ys: np.ndarray
    label: np.ndarray
    stop_step: np.ndarray
    final: np.ndarray  # (ny, nx, 2) final positions
    basins: list[Basin] = field(default_factory=list)

    @property
    def still_moving(self) -> int:
        return int(np.count_nonzero(self.label == STILL_MOVING))

    @property
    def diverged(self) -> int:
        return int(np.count_nonzero(self.label == DIVERGED))

    def csv(self) -> str:
        """One row per start: x0, y0, where it ended, the label and the last step."""
        lines = ["x0,y0,x_end,y_end,basin,stop_step"]
        for j, y in enumerate(self.ys):
            for i, x in enumerate(self.xs):
                xe, ye = self.final[j, i]
                lines.append(
                    f"{float(x)!r},{float(y)!r},{float(xe)!r},{float(ye)!r},"
                    f"{self.describe(int(self.label[j, i]))},{int(self.stop_step[j, i])}"
                )
        return "\n".join(lines) + "\n"

    def describe(self, label: int) -> str:
        if label == DIVERGED:
            return "diverged"
        if label == STILL_MOVING:
            return "still moving"  # or stalled on flat ground
        b = self.basins[label]
        where = point_text(b.position)
        return f"{'minimum' if b.known else 'settles'} ({where})"


def _check_2d(surface: Surface) -> None:
    if surface.dim != 2 or surface.is_data:
        raise ConfigError(
            f"a basin map needs an analytic surface of two parameters; {surface.name} "
            f"has {surface.dim} and is {'data-driven' if surface.is_data else 'analytic'}"
        )


def basin_map(
    config: RunConfig,
    n: int = 200,
    steps: int | None = None,
    domain: tuple[tuple[float, float], tuple[float, float]] | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> BasinMap:
    """Run ``config``'s optimizer (its hyperparameters, schedule and stop rules) from
    every point of an n × n grid over the surface's domain (or ``domain``)."""
    surface = config.validate()
    _check_2d(surface)
    if config.noise:
        raise ConfigError(
            "a basin map runs without gradient noise (every start's run would be random): "
            "set the selected run's noise σ to 0"
        )
    if not 2 <= n <= 1000:
        raise ConfigError(f"the grid must have 2 to 1000 points a side, got {n}")
    steps = config.max_steps if steps is None else steps
    limit = MAX_BASIN_STEPS if is_element_wise(config.optimizer) else MAX_VECTOR_STEPS
    too_much = analysis_work_error("this basin map", n * n, steps, limit)
    if too_much:
        raise ConfigError(too_much)
    (x0, x1), (y0, y1) = domain or surface.domain
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    gx, gy = np.meshgrid(xs, ys)
    starts = np.column_stack([gx.ravel(), gy.ravel()])
    if cancelled is not None and cancelled():
        raise AnalysisCancelled()
    result = simulate_batch(
        surface,
        config.optimizer,
        starts,
        steps,
        hyper=config.hyper,
        grad_tol=config.grad_tol,
        schedule=config.schedule,
        cancelled=cancelled,
        chunk=CHUNK,
        clip_norm=config.clip_norm,
        loss_tol=config.loss_tol,
        progress=progress,
    )
    if cancelled is not None and cancelled():
        raise AnalysisCancelled()
    label, basins = _classify(surface, starts, result, config.grad_tol)
    return BasinMap(
        surface=surface.name,
        config=replace(config, max_steps=steps),
        xs=xs,
        ys=ys,
        label=label.reshape(n, n),
        stop_step=result.stop_step.reshape(n, n),
        final=result.position.reshape(n, n, 2),
        basins=basins,
    )


def _classify(
    surface: Surface, starts: np.ndarray, result: BatchResult, grad_tol: float | None
) -> tuple[np.ndarray, list[Basin]]:
    """Label each run by the basin it ends in. A run has *arrived* when its last step was
    short (under half the matching distance): one passing through a minimum at speed is
    still moving. It ends in a known minimum when it has arrived within 2 % of the
    domain's diagonal of it; elsewhere it has *settled* when the slope there is tiny and a
    thousand times smaller than at its start (flat ground it never left is not a settle
    point). Settle points that touch are one basin."""
    from gdsim.core.grid import sample

    final = result.position
    label = np.full(len(final), STILL_MOVING, dtype=np.int32)
    label[result.diverged] = DIVERGED
    with np.errstate(all="ignore"):
        g_end = surface.gradient(final)
        g_start = surface.gradient(starts)
    g_end = np.hypot(g_end[:, 0], g_end[:, 1])
    g_start = np.hypot(g_start[:, 0], g_start[:, 1])
    width = np.array([hi - lo for lo, hi in surface.domain])
    tol = 0.02 * float(np.hypot(*width))
    alive = (label != DIVERGED) & np.isfinite(final).all(axis=1)
    arrived = alive & (result.last_move < tol / 2)
    flat = max(grad_tol or 0.0, SETTLE_FRACTION * sample(surface, 60).grad_ref)
    settled = arrived & (g_end <= flat) & (g_end <= 1e-3 * g_start)
    basins = [Basin(tuple(m.position), m.value, True) for m in surface.minima]
    if basins:
        mins = np.array([b.position for b in basins])
        dist = np.linalg.norm(final[:, None, :] - mins[None, :, :], axis=-1)
        nearest = np.argmin(dist, axis=1)
        close = arrived & (dist[np.arange(len(final)), nearest] < tol)
        label[close] = nearest[close]
        settled &= ~close
    if settled.any():  # settle points no minimum is known for: one basin per cluster
        cells = np.floor(final[settled] / tol).astype(np.int64)
        keys, inverse = np.unique(cells, axis=0, return_inverse=True)
        group = _merge_neighbours(keys)
        offset = len(basins)
        ids = np.unique(group)
        where = np.searchsorted(ids, group)[inverse.ravel()]
        points = final[settled]
        for k in range(len(ids)):
            centre = tuple(float(v) for v in np.median(points[where == k], axis=0))
            basins.append(Basin(centre, float(surface.value(np.array(centre))), False))
        label[np.flatnonzero(settled)] = offset + where
    # keep the basins some run ends in, largest first
    counts = np.bincount(label[label >= 0], minlength=len(basins))
    order = [i for i in np.argsort(-counts, kind="stable") if counts[i] > 0]
    remap = np.full(len(basins) + 2, STILL_MOVING, dtype=np.int32)
    remap[STILL_MOVING], remap[DIVERGED] = STILL_MOVING, DIVERGED  # -1 and -2 index the end
    for new, old in enumerate(order):
        remap[old] = new
    kept = []
    for old in order:
        basins[old].count = int(counts[old])
        kept.append(basins[old])
    return remap[label], kept


def _merge_neighbours(keys: np.ndarray) -> np.ndarray:
    """Group integer cells that touch (including diagonally): a group id per cell."""
    parent = list(range(len(keys)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    index = {tuple(k): i for i, k in enumerate(keys.tolist())}
    for i, (a, b) in enumerate(keys.tolist()):
        for da in (-1, 0, 1):
            for db in (-1, 0, 1):
                j = index.get((a + da, b + db))
                if j is not None:
                    parent[root(i)] = root(j)
    return np.array([root(i) for i in range(len(keys))])


@dataclass
class Sweep:
    """One run repeated at each α of ``lrs``: how it ended and its final loss."""

    surface: str
    config: RunConfig
    lrs: np.ndarray
    final_loss: np.ndarray  # nan where the run diverged
    best_loss: np.ndarray  # the lowest loss along the run
    state: list[str]  # converged / diverged / max steps
    stop_step: np.ndarray

    def csv(self) -> str:
        lines = ["lr,final_loss,best_loss,status,stop_step"]
        for lr, f, b, s, k in zip(
            self.lrs, self.final_loss, self.best_loss, self.state, self.stop_step, strict=True
        ):
            lines.append(f"{float(lr)!r},{float(f)!r},{float(b)!r},{s},{int(k)}")
        return "\n".join(lines) + "\n"

    def best(self) -> float | None:
        """The α with the lowest final loss among the runs that did not diverge."""
        ok = np.isfinite(self.final_loss)
        if not ok.any():
            return None
        return float(self.lrs[ok][np.argmin(self.final_loss[ok])])


def lr_sweep(
    config: RunConfig,
    lr_min: float,
    lr_max: float,
    count: int = 60,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Sweep:
    """Repeat ``config`` at ``count`` log-spaced learning rates from lr_min to lr_max."""
    if not (0 < lr_min < lr_max) or not np.isfinite(lr_max):
        raise ConfigError(f"the α range must satisfy 0 < min < max, got {lr_min:g}..{lr_max:g}")
    if not 2 <= count <= 1000:
        raise ConfigError(f"a sweep takes 2 to 1000 learning rates, got {count}")
    surface = config.validate()
    if config.schedule.sets_own_rates:
        raise ConfigError(
            f"the {config.schedule.kind} schedule sets its own rates (max_lr, base_lr): every"
            " α of a sweep would give the same run; sweep with another schedule"
        )
    limit = MAX_SWEEP_STEPS if is_element_wise(config.optimizer) else MAX_VECTOR_STEPS
    too_much = analysis_work_error("this sweep", count, config.max_steps, limit)
    if too_much:
        raise ConfigError(too_much)
    lrs = np.geomspace(lr_min, lr_max, count)
    final = np.full(count, np.nan)
    best = np.full(count, np.nan)
    stop = np.zeros(count, dtype=np.int64)
    state: list[str] = []
    for i, lr in enumerate(lrs):
        if cancelled is not None and cancelled():
            raise AnalysisCancelled()
        cfg = replace(config, hyper={**config.hyper, "lr": float(lr)})
        cfg.validate(surface)
        try:
            traj = simulate(cfg, surface, interrupted=cancelled)
        except SimulationCancelled:
            raise AnalysisCancelled() from None
        losses = traj.loss[np.isfinite(traj.loss)]
        state.append(traj.status.state)
        stop[i] = traj.status.step or 0
        if traj.status.state != "diverged" and len(losses):
            final[i] = float(traj.loss[-1])
        if len(losses):
            best[i] = float(losses.min())
        if progress is not None:
            progress(i + 1, count)
    return Sweep(surface.name, config, lrs, final, best, state, stop)
