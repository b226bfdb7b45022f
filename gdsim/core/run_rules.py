"""How a run ends, defined once for every path that runs one: the single-run loop
(:mod:`gdsim.core.scalar_loop`), many runs at once (``simulate_batch``, basin maps and
sweeps) and the exported scripts (:mod:`gdsim.io.code_export`).

At each row k = 0, 1, …, n of a run, in this order:

1. f and ∇f are evaluated at θ_k (and the gradient the optimizer uses: a mini-batch or
   noisy one).  An arithmetic error or a result that is not a finite number ends the run
   **diverged (overflow or undefined value)** at step k; row k is not recorded (a step
   that made θ_k itself infinite shows here, at the row after it).
2. Row k is recorded.
3. θ_k outside the box of DIVERGENCE_FACTOR domain half-widths around the domain's
   centre: **diverged (left the domain)** at step k.
4. ‖∇f(θ_k)‖ < tol: **converged (‖∇f‖ < tol)** at step k.
5. k > 0 and |f(θ_k) − f(θ_{k−1})| < loss tol: **converged (|Δf| < tol)** at step k.
6. k = n: **stopped at max steps (n)**.
7. The gradient is clipped to norm ``clip`` as ``torch.nn.utils.clip_grad_norm_`` does
   (coefficient clip / (‖g‖ + 1e-6), at most 1), and the optimizer steps to θ_{k+1}.
   An optimizer that cannot step (Newton at a singular Hessian, a line search that finds
   no decrease) ends the run **stopped at step k (its reason)**.

``Stop`` is the one encoding of these outcomes; ``status`` turns it into the Status a
trajectory, the runs list and the command line show.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum

import numpy as np

from gdsim.core.trajectory import CONVERGED, DIVERGED, MAX_STEPS, STOPPED, Status

__all__ = [
    "CLIP_EPS",
    "DIVERGENCE_FACTOR",
    "UNDEFINED_ERRORS",
    "Stop",
    "batch_stops",
    "bounds",
    "check_lines",
    "clip_lines",
    "not_finite",
    "status",
    "status_template",
]

#: A run diverges when a coordinate leaves the domain's centre by more than this many
#: domain half-widths, or when the loss or the gradient stops being a finite number.
DIVERGENCE_FACTOR = 100.0
#: torch.nn.utils.clip_grad_norm_ adds this to the norm before dividing.
CLIP_EPS = 1e-6
#: What Python's float arithmetic raises where numpy gives inf or NaN: the same outcome.
UNDEFINED_ERRORS = (OverflowError, ZeroDivisionError, ValueError)


class Stop(IntEnum):
    """Why a run ended (the one encoding: trajectories, batches, scripts)."""

    MAX_STEPS = 0
    UNDEFINED = 1
    OUTSIDE = 2
    GRAD_TOL = 3
    LOSS_TOL = 4
    CANCELLED = 5  # single runs only: the window gave up on it
    STUCK = 6  # the optimizer cannot step (a singular Hessian, a failed line search)

    @property
    def state(self) -> str:
        return _STATE[self]


_STATE = {
    Stop.MAX_STEPS: MAX_STEPS,
    Stop.UNDEFINED: DIVERGED,
    Stop.OUTSIDE: DIVERGED,
    Stop.GRAD_TOL: CONVERGED,
    Stop.LOSS_TOL: CONVERGED,
    Stop.CANCELLED: "cancelled",
    Stop.STUCK: STOPPED,
}


def _reason(code: Stop, grad_tol: float | None, loss_tol: float | None) -> str:
    if code == Stop.UNDEFINED:
        return "overflow or undefined value"
    if code == Stop.OUTSIDE:
        return "left the domain"
    if code == Stop.GRAD_TOL:
        return f"‖∇f‖ < {grad_tol:g}"
    if code == Stop.LOSS_TOL:
        return f"|Δf| < {loss_tol:g}"
    return ""


def status(code: int, step: int, grad_tol=None, loss_tol=None, reason: str = "") -> Status:
    """The Status of Stop ``code`` at ``step``; ``reason`` is the optimizer's own (STUCK)."""
    code = Stop(code)
    return Status(code.state, int(step), reason or _reason(code, grad_tol, loss_tol))


def status_template(code: Stop, grad_tol=None, loss_tol=None, step: str = "{k0}") -> str:
    """The status line with the step left as ``step`` (an f-string field of a script)."""
    text = str(status(code, 0, grad_tol, loss_tol))
    return (
        text.replace(" 0", " " + step, 1)
        if code != Stop.MAX_STEPS
        else text.replace("(0)", f"({step})")
    )


def bounds(surface) -> tuple[list[float], list[float]]:
    """The box a run must stay in: DIVERGENCE_FACTOR half-widths around the domain."""
    c = surface.domain_center()
    h = surface.domain_half_width() * DIVERGENCE_FACTOR
    return (c - h).tolist(), (c + h).tolist()


# -- the rules as Python source (the single-run loop and the exported script) ------------
def not_finite(values: list[str]) -> str:
    """An expression that is true when one of the float ``values`` is inf or NaN: x − x
    is 0 for every finite x and NaN otherwise, and a sum of zeros is 0 (no overflow)."""
    return " + ".join(f"({v} - {v})" for v in values) + " != 0.0"


def check_lines(
    *,
    undefined: str,
    inside: str,
    grad_sq: str | None,
    loss_tol: str | None,
    record: list[str],
    stop: Callable[[Stop], list[str]],
    k: str = "k0",
    loss: str = "loss",
) -> list[str]:
    """Steps 1 (finiteness) to 5 of a row, as lines of Python: ``undefined`` is true when
    the loss or a gradient is not a finite number, ``inside`` true in the box,
    ``grad_sq`` the squared exact-gradient norm compared with ``gtol2``, ``loss_tol`` the
    bound on |Δf| (``prev`` holds the last loss), ``record`` records the row,
    ``stop(code)`` ends the run."""
    lines = [
        f"if {undefined}:",
        *("    " + ln for ln in stop(Stop.UNDEFINED)),
        *record,
        f"if not ({inside}):",
        *("    " + ln for ln in stop(Stop.OUTSIDE)),
    ]
    if grad_sq is not None:
        lines += [f"if {grad_sq} < gtol2:", *("    " + ln for ln in stop(Stop.GRAD_TOL))]
    if loss_tol is not None:
        lines += [
            f"if {k} and abs({loss} - prev) < {loss_tol}:",
            *("    " + ln for ln in stop(Stop.LOSS_TOL)),
            f"prev = {loss}",
        ]
    return lines


def clip_lines(g: list[str], clip: str = "clip") -> list[str]:
    """Step 7's clipping of the gradient components ``g`` (torch's clip_grad_norm_)."""
    return [
        f"c = {clip} / (sqrt({' + '.join(f'{x} * {x}' for x in g)}) + {CLIP_EPS!r})",
        "if c > 1.0:",
        "    c = 1.0",
        *(f"{x} = {x} * c" for x in g),
    ]


# -- the rules on arrays (many runs at once) ----------------------------------------------
def batch_stops(
    k: int,
    loss: np.ndarray,
    g: np.ndarray,
    p: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    grad_tol: float | None,
    loss_tol: float | None,
    prev_loss: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Steps 1 to 5 for runs in columns: (stopped, code) per run at row ``k``; ``g`` and
    ``p`` are (dims, runs), ``loss`` (runs,)."""
    runs = p.shape[1]
    with np.errstate(all="ignore"):
        undefined = ~(np.isfinite(loss) & np.isfinite(g).all(axis=0))
        inside = ((p >= lo) & (p <= hi)).all(axis=0)  # False for NaN
        code = np.full(runs, Stop.MAX_STEPS, dtype=np.int8)
        stopped = undefined.copy()
        code[undefined] = Stop.UNDEFINED
        now = ~stopped & ~inside
        code[now], stopped = Stop.OUTSIDE, stopped | now
        if grad_tol is not None:
            now = ~stopped & (np.einsum("ij,ij->j", g, g) < grad_tol * grad_tol)
            code[now], stopped = Stop.GRAD_TOL, stopped | now
        if loss_tol is not None and k > 0 and prev_loss is not None:
            now = ~stopped & (np.abs(loss - prev_loss) < loss_tol)
            code[now], stopped = Stop.LOSS_TOL, stopped | now
    return stopped, code


def clip_batch(g: np.ndarray, clip: float) -> None:
    """Step 7's clipping on (dims, runs) gradients, in place, in the loop's order."""
    norm = g[0] * g[0]
    for i in range(1, g.shape[0]):
        norm = norm + g[i] * g[i]
    g *= np.minimum(clip / (np.sqrt(norm) + CLIP_EPS), 1.0)
