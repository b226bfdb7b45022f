"""What an explained step (:mod:`gdsim.core.explain`) is made of: its lines, each
with its numbers, the numbers as they are printed, and the lines every step starts with
(θ, the gradient given, clipping, the rate of the step)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

__all__ = ["Explanation", "Line", "fmt", "header_lines", "sub", "sup"]

_SUB = str.maketrans("0123456789+-", "₀₁₂₃₄₅₆₇₈₉₊₋")
_SUP = str.maketrans("0123456789+-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻")


def sub(n) -> str:
    """A subscript: θ₁₂."""
    return str(n).translate(_SUB)


def sup(n) -> str:
    """A superscript: β₁¹²."""
    return str(n).translate(_SUP)


@dataclass(frozen=True)
class Line:
    """One line of the update: its formula, the name of what it computes (a state or a
    term name, or ``params``...) and the value (a tuple per coordinate, or a number)."""

    formula: str
    name: str
    value: tuple[float, ...] | float | None = None
    note: str = ""


@dataclass(frozen=True)
class Explanation:
    step: int
    optimizer: str
    params: tuple[float, ...]
    grad: tuple[float, ...]
    lr: float
    state: dict
    params_next: tuple[float, ...]
    terms: dict
    lines: tuple[Line, ...] = field(default_factory=tuple)
    state_before: dict = field(default_factory=dict)

    def text(self, digits: int | None = None) -> str:
        """The lines as plain text (``digits``: significant digits; None: every digit)."""
        out = []
        width = max(_shown_width(ln.formula) for ln in self.lines)
        for ln in self.lines:
            value = "" if ln.value is None else " = " + fmt(ln.value, digits)
            note = f"    ({ln.note})" if ln.note else ""
            pad = " " * (width - _shown_width(ln.formula))
            out.append(f"{ln.formula}{pad}{value}{note}")
        return "\n".join(out)

    def to_dict(self) -> dict:
        def plain(v):
            return list(v) if isinstance(v, tuple) else v

        return {
            "step": self.step,
            "optimizer": self.optimizer,
            "params": list(self.params),
            "grad": list(self.grad),
            "lr": self.lr,
            "state": {k: plain(v) for k, v in self.state.items()},
            "params_next": list(self.params_next),
            "terms": {k: plain(v) for k, v in self.terms.items()},
        }


def fmt(value, digits: int | None = None) -> str:
    def one(x: float) -> str:
        if digits is None:
            return repr(float(x))
        return f"{x:.{digits}g}"

    if isinstance(value, tuple):
        return one(value[0]) if len(value) == 1 else "(" + ", ".join(map(one, value)) + ")"
    return one(value)


def _shown_width(text: str) -> int:
    """Columns a text takes in a terminal: combining marks (the hat of m̂) take none."""
    return sum(0 if unicodedata.combining(ch) else 1 for ch in text)


def header_lines(cfg, k, p, g, g_used, lr, terms) -> list[Line]:
    from gdsim.core.surfaces import get_surface

    surface = get_surface(cfg.surface)
    lines = [Line(f"θ{sub(k)}", "params", p)]
    if cfg.batch_size is not None and cfg.batch_size < getattr(surface, "n_samples", 0):
        lines.append(Line(f"g = ∇f_B(θ{sub(k)})", "grad", g, f"mini-batch of {cfg.batch_size}"))
    elif cfg.noise > 0:
        lines.append(Line(f"g = ∇f(θ{sub(k)}) + σz", "grad", g, f"noise σ = {cfg.noise:g}"))
    else:
        lines.append(Line(f"g = ∇f(θ{sub(k)})", "grad", g))
    if cfg.clip_norm is not None:
        c = terms["clip_coef"]
        lines.append(
            Line(
                f"c = min(1, {cfg.clip_norm:g} / (‖g‖ + 10⁻⁶))",
                "clip_coef",
                c,
                f"‖g‖ = {terms['grad_norm']:.6g}: "
                + ("clipped" if c < 1.0 else "within the limit, not clipped"),
            )
        )
        if c < 1.0:
            lines.append(Line("g ← c·g", "grad_clipped", g_used))
    kind = cfg.schedule.kind
    lines.append(
        Line(
            f"α = lr({k})" if kind != "constant" else "α",  # the rate of this step
            "lr",
            lr,
            f"{kind} schedule: the rate of step {k}" if kind != "constant" else "",
        )
    )
    return lines
