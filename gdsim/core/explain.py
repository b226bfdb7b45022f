"""One step of a run, written out: the optimizer's update as torch's documentation writes
its algorithm, with the run's own options, each line followed by its numbers at that
step — what a teacher points at: "here is the gradient, here is the momentum, here is
why the marble went there".

The numbers are the run's own.  Step k starts from the trajectory's row k (θ_k, the
gradient the optimizer was given, the learning rate in force and every state buffer
carried into the step) and replays the kernel's text once, coordinate by coordinate, in
Python floats exactly as the single-run loop does; θ_{k+1} comes out equal, bit for
bit, to the trajectory's next row (tests check it).  ``state`` is the optimizer's state
after the update under torch's own names (``exp_avg``, ``momentum_buffer``, ``sum``,
``step``…), the same numbers as torch's ``optimizer.state[p]`` after its (k+1)-th
``step()``; ``terms`` holds what the lines show besides (documented in ``TERMS``).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from gdsim.core import run_rules
from gdsim.core.kernels import SCALAR_FUNCTIONS
from gdsim.core.optimizers import OPTIMIZERS

__all__ = ["STATE_SYMBOLS", "TERMS", "Explanation", "Line", "explain_step"]

#: the derived values an explanation gives, by name (``Explanation.terms``)
TERMS = {
    "grad_norm": "‖g‖ of the gradient given, before clipping",
    "clip_coef": "min(1, C / (‖g‖ + 1e-6)): the factor clipping applied (1: not clipped)",
    "grad_clipped": "g after clipping",
    "grad_weight_decay": "g + λθ (coupled weight decay)",
    "decay": "1 − αλ, the factor of decoupled weight decay (AdamW)",
    "direction": "what α multiplies: the step's direction before the minus sign",
    "clr": "Adagrad's decayed rate α / (1 + (t − 1)·lr_decay)",
    "bias_correction1": "1 − β₁ᵗ",
    "bias_correction2": "1 − β₂ᵗ",
    "exp_avg_hat": "m̂ = m / (1 − β₁ᵗ), the bias-corrected first moment",
    "exp_avg_sq_hat": "v̂ = v / (1 − β₂ᵗ), the bias-corrected second moment",
    "denom": "√v / √(1 − β₂ᵗ) + ε (Adam), √ṽ + ε (RMSprop), √s + ε (Adagrad)",
    "delta": "Δθ = θ_{k+1} − θ_k",
    "mu": "NAdam's μ_t = β₁·(1 − ½·0.96^(t·ψ)) and μ_{t+1} (mu_next)",
    "mu_next": "NAdam's μ_{t+1}",
    "rho_t": "RAdam's length of the approximated simple moving average",
    "rect": "RAdam's rectification r_t (0 while ρ_t ≤ 5: no adaptive step yet)",
    "step_factor": "Rprop's factor per coordinate: η₊ (same sign), η₋ (flipped) or 1",
    "eta": "ASGD's rate η used by this step",
    "std": "Adadelta's √(v + ε)",
}

#: how the lines (and the step table) write each state buffer, by torch's name
STATE_SYMBOLS = {
    "momentum_buffer": "b",
    "exp_avg": "m",
    "exp_avg_sq": "v",
    "max_exp_avg_sq": "v̂max",
    "sum": "s",
    "square_avg": "v",
    "grad_avg": "ḡ",
    "exp_inf": "u",
    "acc_delta": "u",
    "prev": "g′",
    "step_size": "η",
    "ax": "θ̄",
}

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


def explain_step(cfg, traj, k: int) -> Explanation:
    """Step ``k`` of the run of ``cfg`` recorded in ``traj`` (0 ≤ k < len(traj) − 1:
    the last row has no step after it; ValueError otherwise)."""
    if len(traj) < 2:
        raise ValueError("this run has no step to explain")
    if not 0 <= k < len(traj) - 1:
        raise ValueError(f"step must be in 0..{len(traj) - 2} (the steps this run took), got {k}")
    from gdsim.core.simulation import configured_optimizer, schedule_plan

    if not OPTIMIZERS[cfg.optimizer].element_wise:
        return _explain_vector(cfg, traj, k)
    _lrs, moms, cycled = schedule_plan(cfg, cfg.lr, k + 1)
    opt = configured_optimizer(cfg, moms)
    kern = opt.kernel
    cycle = _cycled_consts(kern, cycled, moms)
    dim = traj.dim
    p = tuple(float(v) for v in traj.position[k])
    g = tuple(float(v) for v in traj.grad[k])
    lr = float(traj.lr[k])
    before = {name: tuple(float(v) for v in traj.state[name][k]) for name in kern.state}
    terms: dict = {"grad_norm": math.sqrt(sum(x * x for x in g))}
    # clipping, exactly as the loop does it (run_rules' source)
    g_used = g
    if cfg.clip_norm is not None:
        names = [f"g_{i}" for i in range(dim)]
        ns = {"sqrt": math.sqrt, "clip": float(cfg.clip_norm), **dict(zip(names, g, strict=True))}
        exec("\n".join(run_rules.clip_lines(names)), {"__builtins__": {}}, ns)
        terms["clip_coef"] = ns["c"]
        g_used = tuple(ns[n] for n in names)
        terms["grad_clipped"] = g_used
    # the prelude (once per step), then the body per coordinate
    scalars = {
        "lr": lr,
        "k": float(k + 1),
        **kern.consts,
        **cycle(k),
        **_scalars_before(kern, traj.lr, k, cycle),
    }
    exec(kern.prelude, _SCALAR_ENV, scalars)
    per: list[dict] = []
    for i in range(dim):
        ns = {
            **scalars,
            "p": p[i],
            "g": g_used[i],
            **{name: before[name][i] for name in kern.state},
        }
        exec(kern.body, _SCALAR_ENV, ns)
        per.append(ns)
    if kern.scalars:  # what the step leaves in the scalar state
        after_scalars = dict(scalars)
        exec(kern.epilogue, _SCALAR_ENV, after_scalars)
        scalars_after = {name: float(after_scalars[name]) for name in kern.scalars}
    else:
        scalars_after = {}

    def vec(name):
        return tuple(float(ns[name]) for ns in per)

    p_next = vec("p")
    after = {name: vec(name) for name in kern.state}
    family = OPTIMIZERS[cfg.optimizer].torch_class
    # as torch keeps it: SGD counts no steps (and keeps no buffer without momentum)
    state: dict = after if family == "SGD" else {"step": k + 1, **after, **scalars_after}
    terms["delta"] = tuple(b - a for a, b in zip(p, p_next, strict=True))
    lines = _header(cfg, k, p, g, g_used, lr, terms)
    h = dict(opt.hyper)
    if cycled is not None:  # the momentum or β₁ the schedule set for this step
        h.update(momentum=moms[k]) if cycled == "momentum" else h.update(
            betas=(moms[k], h["betas"][1])
        )
    lines += _FAMILIES[family](h, k, p, g_used, lr, scalars, per, before, after, terms)
    lines.append(Line(f"Δθ = θ{sub(k + 1)} − θ{sub(k)}", "delta", terms["delta"]))
    return Explanation(
        k, cfg.optimizer, p, g, lr, state, p_next, terms, tuple(lines), state_before=before
    )


# -- the lines, per torch class -------------------------------------------------------------


_SCALAR_ENV = {"__builtins__": {}, "max": max, **SCALAR_FUNCTIONS}


def _cycled_consts(kern, cycled, moms):
    """``cycle(k)``: the constants a momentum-cycling schedule sets at step k (none if
    the schedule does not)."""
    if cycled is None:
        return lambda _k: {}
    derived = f"one_minus_{cycled}"

    def cycle(k: int) -> dict:
        out = {cycled: moms[k]}
        if derived in kern.consts:
            out[derived] = 1 - moms[k]
        return out

    return cycle


def _scalars_before(kern, lrs, k: int, cycle) -> dict[str, float]:
    """A kernel's scalar state carried into step ``k``: its prelude and epilogue (which
    see no element) replayed over steps 0..k−1 with the run's own learning rates."""
    if not kern.scalars:
        return {}
    ns = {**kern.consts, **dict.fromkeys(kern.scalars, 0.0)}
    for j in range(k):
        ns.update(lr=float(lrs[j]), k=float(j + 1), **cycle(j))
        exec(kern.prelude, _SCALAR_ENV, ns)
        exec(kern.epilogue, _SCALAR_ENV, ns)
    return {name: ns[name] for name in kern.scalars}


def _header(cfg, k, p, g, g_used, lr, terms) -> list[Line]:
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


def _weight_decay(h, k, p, g, terms, lines) -> tuple[float, ...]:
    wd = float(h.get("weight_decay", 0.0))
    if wd == 0:
        return g
    out = tuple(gi + wd * pi for gi, pi in zip(g, p, strict=True))
    terms["grad_weight_decay"] = out
    lines.append(Line(f"g ← g + λθ{sub(k)}", "grad_weight_decay", out, f"λ = {wd:g}"))
    return out


def _sgd(h, k, p, g, lr, scalars, per, before, after, terms) -> list[Line]:
    lines: list[Line] = []
    g = _weight_decay(h, k, p, g, terms, lines)
    mu = float(h["momentum"])
    t = sub(k + 1)
    if mu != 0:
        if k == 0:
            lines.append(Line(f"b{t} = g", "momentum_buffer", after["momentum_buffer"]))
        else:
            tau = float(h["dampening"])
            rule = f"b{t} = β·b{sub(k)} + (1 − τ)·g" if tau else f"b{t} = β·b{sub(k)} + g"
            note = f"β = {mu:g}, τ = {tau:g}" if tau else f"β = {mu:g}"
            lines.append(Line(rule, "momentum_buffer", after["momentum_buffer"], note))
        if h["nesterov"]:
            direction = tuple(float(ns["g"]) for ns in per)
            lines.append(Line(f"d = g + β·b{t}", "direction", direction, "Nesterov"))
            step_rule = f"θ{t} = θ{sub(k)} − α·d"
        else:
            direction = after["momentum_buffer"]
            step_rule = f"θ{t} = θ{sub(k)} − α·b{t}"
    else:
        direction = g
        step_rule = f"θ{t} = θ{sub(k)} − α·g"
    terms["direction"] = direction
    lines.append(Line(step_rule, "params_next", tuple(float(ns["p"]) for ns in per)))
    return lines


def _adagrad(h, k, p, g, lr, scalars, per, before, after, terms) -> list[Line]:
    lines: list[Line] = []
    g = _weight_decay(h, k, p, g, terms, lines)
    t = sub(k + 1)
    lines.append(Line(f"s{t} = s{sub(k)} + g²", "sum", after["sum"], "torch: sum"))
    clr = -float(scalars["neg_clr"])
    terms["clr"] = clr
    if float(h["lr_decay"]):
        lines.append(Line(f"α̃ = α / (1 + {k}·η)", "clr", clr, f"η = {float(h['lr_decay']):g}"))
    denom = tuple(float(ns["std"]) for ns in per)
    terms["denom"] = denom
    lines.append(Line(f"d = √s{t} + ε", "denom", denom, f"ε = {float(h['eps']):g}"))
    terms["direction"] = tuple(gi / di for gi, di in zip(g, denom, strict=True))
    alpha = "α̃" if float(h["lr_decay"]) else "α"
    lines.append(
        Line(f"θ{t} = θ{sub(k)} − {alpha}·g / d", "params_next", tuple(ns["p"] for ns in per))
    )
    return lines


def _rmsprop(h, k, p, g, lr, scalars, per, before, after, terms) -> list[Line]:
    lines: list[Line] = []
    g = _weight_decay(h, k, p, g, terms, lines)
    t, s = sub(k + 1), sub(k)
    rho = float(h["alpha"])
    lines.append(
        Line(
            f"v{t} = ρ·v{s} + (1 − ρ)·g²",
            "square_avg",
            after["square_avg"],
            f"ρ = {rho:g} (torch: alpha); square_avg",
        )
    )
    if h["centered"]:
        lines.append(Line(f"ḡ{t} = ρ·ḡ{s} + (1 − ρ)·g", "grad_avg", after["grad_avg"]))
        denom_rule = f"d = √(v{t} − ḡ{t}²) + ε"
    else:
        denom_rule = f"d = √v{t} + ε"
    denom = tuple(float(ns["avg"]) for ns in per)
    terms["denom"] = denom
    lines.append(Line(denom_rule, "denom", denom, f"ε = {float(h['eps']):g}"))
    mu = float(h["momentum"])
    if mu > 0:
        lines.append(
            Line(
                f"b{t} = β·b{s} + g / d", "momentum_buffer", after["momentum_buffer"], f"β = {mu:g}"
            )
        )
        terms["direction"] = after["momentum_buffer"]
        rule = f"θ{t} = θ{s} − α·b{t}"
    else:
        terms["direction"] = tuple(gi / di for gi, di in zip(g, denom, strict=True))
        rule = f"θ{t} = θ{s} − α·g / d"
    lines.append(Line(rule, "params_next", tuple(ns["p"] for ns in per)))
    return lines


def _adam(h, k, p, g, lr, scalars, per, before, after, terms, decoupled=False) -> list[Line]:
    lines: list[Line] = []
    t, s = sub(k + 1), sub(k)
    wd = float(h["weight_decay"])
    if decoupled and wd != 0:
        decay = terms["decay"] = float(scalars["decay"])
        shrunk = tuple(pi * decay for pi in p)
        lines.append(
            Line(f"θ{s} ← (1 − αλ)·θ{s}", "decay", shrunk, f"λ = {wd:g}, decoupled: ×{decay:.6g}")
        )
    elif wd != 0:
        g = _weight_decay(h, k, p, g, terms, lines)
    b1, b2 = (float(b) for b in h["betas"])
    lines.append(
        Line(f"m{t} = β₁·m{s} + (1 − β₁)·g", "exp_avg", after["exp_avg"], f"β₁ = {b1:g}; exp_avg")
    )
    lines.append(
        Line(
            f"v{t} = β₂·v{s} + (1 − β₂)·g²",
            "exp_avg_sq",
            after["exp_avg_sq"],
            f"β₂ = {b2:g}; exp_avg_sq",
        )
    )
    second = after["exp_avg_sq"]
    if h["amsgrad"]:
        second = after["max_exp_avg_sq"]
        lines.append(Line(f"v̂max{t} = max(v̂max{s}, v{t})", "max_exp_avg_sq", second, "AMSGrad"))
    bc1, bc2 = float(scalars["bias_correction1"]), float(scalars["bias_correction2"])
    terms["bias_correction1"], terms["bias_correction2"] = bc1, bc2
    terms["exp_avg_hat"] = tuple(m / bc1 for m in after["exp_avg"])
    terms["exp_avg_sq_hat"] = tuple(v / bc2 for v in second)
    n = k + 1
    lines.append(Line(f"m̂ = m{t} / (1 − β₁{sup(n)})", "exp_avg_hat", terms["exp_avg_hat"]))
    v_name = f"v̂max{t}" if h["amsgrad"] else f"v{t}"
    lines.append(
        Line(f"v̂ = {v_name} / (1 − β₂{sup(n)})", "exp_avg_sq_hat", terms["exp_avg_sq_hat"])
    )
    denom = tuple(float(ns["denom"]) for ns in per)
    terms["denom"] = denom
    terms["direction"] = tuple(m / d / bc1 for m, d in zip(after["exp_avg"], denom, strict=True))
    lines.append(
        Line(
            f"θ{t} = θ{s} − α·m̂ / (√v̂ + ε)",
            "params_next",
            tuple(ns["p"] for ns in per),
            f"ε = {float(h['eps']):g}; torch computes it as (α/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε)",
        )
    )
    return lines


def _vec(per, name) -> tuple[float, ...]:
    return tuple(float(ns[name]) for ns in per)


def _wd_lines(h, k, p, g, scalars, terms, lines, decoupled: bool) -> tuple[float, ...]:
    """Weight decay, decoupled (θ ← (1 − αλ)θ) or coupled (g ← g + λθ): the lines and g."""
    wd = float(h.get("weight_decay", 0.0))
    s = sub(k)
    if decoupled and wd != 0:
        decay = terms["decay"] = float(scalars["decay"])
        lines.append(
            Line(
                f"θ{s} ← (1 − αλ)·θ{s}",
                "decay",
                tuple(pi * decay for pi in p),
                f"λ = {wd:g}, decoupled: ×{decay:.6g}",
            )
        )
        return g
    return _weight_decay(h, k, p, g, terms, lines)


def _moment_lines(h, k, after, lines) -> None:
    t, s = sub(k + 1), sub(k)
    b1, b2 = (float(b) for b in h["betas"])
    lines.append(
        Line(f"m{t} = β₁·m{s} + (1 − β₁)·g", "exp_avg", after["exp_avg"], f"β₁ = {b1:g}; exp_avg")
    )
    lines.append(
        Line(
            f"v{t} = β₂·v{s} + (1 − β₂)·g²",
            "exp_avg_sq",
            after["exp_avg_sq"],
            f"β₂ = {b2:g}; exp_avg_sq",
        )
    )


def _nadam(h, k, p, g, lr, scalars, per, before, after, terms) -> list[Line]:
    lines: list[Line] = []
    t, s, n = sub(k + 1), sub(k), k + 1
    g = _wd_lines(h, k, p, g, scalars, terms, lines, bool(h["decoupled_weight_decay"]))
    psi = float(h["momentum_decay"])
    mu, mu_next = terms["mu"], terms["mu_next"] = float(scalars["mu"]), float(scalars["mu_next"])
    lines.append(Line(f"μ{t} = β₁·(1 − ½·0.96^({n}ψ))", "mu", mu, f"ψ = {psi:g} (momentum_decay)"))
    lines.append(Line(f"μ{sub(k + 2)} = β₁·(1 − ½·0.96^({n + 1}ψ))", "mu_next", mu_next))
    lines.append(
        Line(f"Πμ = μ₁·…·μ{t}", "mu_product", float(scalars["mu_product"]), "torch: mu_product")
    )
    _moment_lines(h, k, after, lines)
    denom = _vec(per, "denom")
    terms["denom"] = denom
    lines.append(Line(f"d = √(v{t} / (1 − β₂{sup(n)})) + ε", "denom", denom))
    terms["direction"] = tuple(-(x - y) / lr for x, y in zip(_vec(per, "p"), p, strict=True))
    lines.append(
        Line(
            f"θ{t} = θ{s} − α(1 − μ{t})/(1 − Πμ)·g/d"
            f" − αμ{sub(k + 2)}/(1 − Πμ·μ{sub(k + 2)})·m{t}/d",
            "params_next",
            _vec(per, "p"),
            "Nesterov: the gradient's share now, the momentum's share one step ahead",
        )
    )
    return lines


def _radam(h, k, p, g, lr, scalars, per, before, after, terms) -> list[Line]:
    lines: list[Line] = []
    t, s, n = sub(k + 1), sub(k), k + 1
    g = _wd_lines(h, k, p, g, scalars, terms, lines, bool(h["decoupled_weight_decay"]))
    _moment_lines(h, k, after, lines)
    hat = _vec(per, "exp_avg_hat")
    terms["bias_correction1"] = float(scalars["bias_correction1"])
    terms["bias_correction2"] = float(scalars["bias_correction2"])
    terms["exp_avg_hat"] = hat
    lines.append(Line(f"m̂ = m{t} / (1 − β₁{sup(n)})", "exp_avg_hat", hat))
    rho_t = terms["rho_t"] = float(scalars["rho_t"])
    lines.append(
        Line(
            f"ρ{t} = ρ∞ − 2·{n}·β₂{sup(n)} / (1 − β₂{sup(n)})",
            "rho_t",
            rho_t,
            f"ρ∞ = {float(scalars['rho_inf']):.6g}",
        )
    )
    terms["rect"] = float(scalars["rect"])
    if rho_t > 5.0:
        lines.append(
            Line(
                "r = √((ρ−4)(ρ−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρ))",
                "rect",
                terms["rect"],
                "ρ > 5: the variance estimate is trusted",
            )
        )
        lines.append(
            Line(
                f"θ{t} = θ{s} − α·r·m̂·√(1 − β₂{sup(n)}) / (√v{t} + ε)",
                "params_next",
                _vec(per, "p"),
            )
        )
    else:
        lines.append(
            Line(f"θ{t} = θ{s} − α·m̂", "params_next", _vec(per, "p"), "ρ ≤ 5: momentum only")
        )
    terms["direction"] = tuple(-(x - y) / lr for x, y in zip(_vec(per, "p"), p, strict=True))
    return lines


def _adamax(h, k, p, g, lr, scalars, per, before, after, terms) -> list[Line]:
    lines: list[Line] = []
    t, s, n = sub(k + 1), sub(k), k + 1
    g = _weight_decay(h, k, p, g, terms, lines)
    b1, b2 = (float(b) for b in h["betas"])
    lines.append(
        Line(f"m{t} = β₁·m{s} + (1 − β₁)·g", "exp_avg", after["exp_avg"], f"β₁ = {b1:g}; exp_avg")
    )
    lines.append(
        Line(
            f"u{t} = max(β₂·u{s}, |g| + ε)",
            "exp_inf",
            after["exp_inf"],
            f"β₂ = {b2:g}; exp_inf, the infinity norm",
        )
    )
    terms["bias_correction1"] = float(scalars["bias_correction"])
    terms["direction"] = tuple(
        m / u / terms["bias_correction1"]
        for m, u in zip(after["exp_avg"], after["exp_inf"], strict=True)
    )
    lines.append(
        Line(f"θ{t} = θ{s} − α/(1 − β₁{sup(n)})·m{t} / u{t}", "params_next", _vec(per, "p"))
    )
    return lines


def _adadelta(h, k, p, g, lr, scalars, per, before, after, terms) -> list[Line]:
    lines: list[Line] = []
    t, s = sub(k + 1), sub(k)
    g = _weight_decay(h, k, p, g, terms, lines)
    rho = float(h["rho"])
    lines.append(
        Line(f"v{t} = ρ·v{s} + (1 − ρ)·g²", "square_avg", after["square_avg"], f"ρ = {rho:g}")
    )
    terms["std"] = _vec(per, "std")
    delta = _vec(per, "delta")
    terms["direction"] = delta
    lines.append(
        Line(f"Δ = √(u{s} + ε) / √(v{t} + ε) · g", "direction", delta, f"ε = {float(h['eps']):g}")
    )
    lines.append(Line(f"u{t} = ρ·u{s} + (1 − ρ)·Δ²", "acc_delta", after["acc_delta"]))
    lines.append(Line(f"θ{t} = θ{s} − α·Δ", "params_next", _vec(per, "p")))
    return lines


def _rprop(h, k, p, g, lr, scalars, per, before, after, terms) -> list[Line]:
    lines: list[Line] = []
    t, s = sub(k + 1), sub(k)
    em, ep = (float(v) for v in h["etas"])
    lo, hi = (float(v) for v in h["step_sizes"])
    factor = _vec(per, "s")
    terms["step_factor"] = factor
    lines.append(
        Line(
            f"f = η₊ if g·g′{s} > 0, η₋ if < 0, else 1",
            "step_factor",
            factor,
            f"η₋ = {em:g}, η₊ = {ep:g}",
        )
    )
    lines.append(
        Line(
            f"η{t} = clamp(f·η{s}, {lo:g}, {hi:g})" if k else f"η{t} = clamp(f·α, {lo:g}, {hi:g})",
            "step_size",
            after["step_size"],
            "torch: step_size",
        )
    )
    lines.append(Line(f"g′{t} = 0 where the sign flipped, else g", "prev", after["prev"]))
    terms["direction"] = tuple(_sign_of(x) for x in after["prev"])
    lines.append(Line(f"θ{t} = θ{s} − sign(g′{t})·η{t}", "params_next", _vec(per, "p")))
    return lines


def _sign_of(x: float) -> float:
    return SCALAR_FUNCTIONS["sign"](x)


def _asgd(h, k, p, g, lr, scalars, per, before, after, terms) -> list[Line]:
    lines: list[Line] = []
    t, s = sub(k + 1), sub(k)
    g = _weight_decay(h, k, p, g, terms, lines)
    eta = terms["eta"] = float(scalars["eta"])
    lam = float(h["lambd"])
    lines.append(
        Line(
            f"η{s} = α / (1 + λα·{k})^a" if k else "η₀ = α",
            "eta",
            eta,
            f"λ = {lam:g}, a = {float(h['alpha']):g}",
        )
    )
    terms["direction"] = g
    lines.append(Line(f"θ{t} = (1 − λη{s})·θ{s} − η{s}·g", "params_next", _vec(per, "p")))
    mu = float(scalars["mu"])
    lines.append(
        Line(
            f"θ̄{t} = θ̄{s} + μ·(θ{t} − θ̄{s})" if mu != 1 else f"θ̄{t} = θ{t}",
            "ax",
            after["ax"],
            f"μ = {mu:g}; ax, the running average (from step t0 = {float(h['t0']):g})",
        )
    )
    return lines


def _lion(h, k, p, g, lr, scalars, per, before, after, terms) -> list[Line]:
    lines: list[Line] = []
    t, s = sub(k + 1), sub(k)
    b1, b2 = (float(b) for b in h["betas"])
    if float(h["weight_decay"]) != 0:
        _wd_lines(h, k, p, g, scalars, terms, lines, decoupled=True)
    c = _vec(per, "c")
    lines.append(Line(f"c = β₁·m{s} + (1 − β₁)·g", "direction", c, f"β₁ = {b1:g}"))
    terms["direction"] = tuple(_sign_of(x) for x in c)
    lines.append(Line(f"θ{t} = θ{s} − α·sign(c)", "params_next", _vec(per, "p")))
    lines.append(Line(f"m{t} = β₂·m{s} + (1 − β₂)·g", "exp_avg", after["exp_avg"], f"β₂ = {b2:g}"))
    return lines


_FAMILIES = {
    "SGD": _sgd,
    "Adagrad": _adagrad,
    "RMSprop": _rmsprop,
    "Adam": _adam,
    "AdamW": lambda *a: _adam(*a, decoupled=True),
    "NAdam": _nadam,
    "RAdam": _radam,
    "Adamax": _adamax,
    "Adadelta": _adadelta,
    "Rprop": _rprop,
    "ASGD": _asgd,
    "Lion": _lion,
}


# -- the optimizers that are not element-wise: the step replayed with the run's rows ------


def _plain(value):
    """A state value as the JSON and the lines hold it: tuples of floats, numbers."""
    if isinstance(value, np.ndarray):
        return tuple(float(v) for v in value.reshape(-1))
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.floating | np.integer):
        return value.item()
    return value


def _explain_vector(cfg, traj, k: int) -> Explanation:
    """Step ``k`` of a vector optimizer (L-BFGS, Adafactor, Newton, the line search):
    the run replayed up to that step (its state is a history, not a row), the step's own
    numbers from the optimizer (its terms), and torch's state names after it."""
    from gdsim.core.simulation import schedule_plan
    from gdsim.core.surfaces import get_surface
    from gdsim.core.vector_loop import VectorRun

    one = cfg.replace(max_steps=k + 1)
    lrs, _moms, _cycled = schedule_plan(one, one.lr, k + 2)
    replay = VectorRun(one, get_surface(cfg.surface), lrs, capture=k)
    replay.run()
    if replay.captured is None:
        raise ValueError(f"step {k} of this run could not be replayed")
    _before, result = replay.captured
    p = tuple(float(v) for v in traj.position[k])
    g = tuple(float(v) for v in traj.grad[k])
    lr = float(traj.lr[k])
    p_next = tuple(float(v) for v in result.theta)
    terms = {
        "grad_norm": math.sqrt(sum(x * x for x in g)),
        **{key: _plain(v) for key, v in result.terms.items()},
    }
    terms["evaluations"] = len(result.evaluations)
    terms["delta"] = tuple(b - a for a, b in zip(p, p_next, strict=True))
    lines = _header(cfg, k, p, g, g, lr, terms)
    h = replay.opt.hyper
    lines += _VECTOR_LINES[cfg.optimizer](k, terms, p_next, h)
    lines.append(Line(f"Δθ = θ{sub(k + 1)} − θ{sub(k)}", "delta", terms["delta"]))
    state = {key: _plain(v) for key, v in result.state._asdict().items()}
    return Explanation(k, cfg.optimizer, p, g, lr, state, p_next, terms, tuple(lines))


def _lbfgs_lines(k, terms, p_next, _h) -> list[Line]:
    t, s = sub(k + 1), sub(k)
    if "d" not in terms:
        return [Line(f"θ{t} = θ{s}", "params_next", p_next, f"no step: {terms['stop']}")]
    n = terms["iterations"]
    return [
        Line(
            f"i = 1…{n}: dᵢ = −Hᵢ·gᵢ, θ ← θ + tᵢ·dᵢ",
            "iterations",
            float(n),
            f"{n} inner iterations, each a quasi-Newton step; {terms['evaluations']}"
            f" evaluations of f; stopped by {terms['stop']}",
        ),
        Line(
            f"d{sub(n)} = −H{sub(n)}·g{sub(n)}",
            "d",
            terms["d"],
            f"the last inner direction; H{sub(n)} from {terms['memory']} pairs (s, y) of steps"
            " and gradient changes",
        ),
        Line(f"t{sub(n)}", "t", terms["t"], "its step length (line search, or lr)"),
        Line(f"θ{t} = θ{s} + Σᵢ tᵢ·dᵢ", "params_next", p_next),
    ]


def _adafactor_lines(k, terms, p_next, _h) -> list[Line]:
    t, s, n = sub(k + 1), sub(k), k + 1
    return [
        Line(f"1 − β̂₂ = {n}^beta2_decay", "beta2_hat_complement", terms["beta2_hat_complement"]),
        Line(f"ρ = min(α, 1/√{n})", "rho_t", terms["rho_t"]),
        Line("a = max(ε₂, RMS(θ))·ρ", "alpha", terms["alpha"], "steps relative to the size of θ"),
        Line("u = g / √max(v, ε₁²)", "update", terms["update"], "v: the variance of g"),
        Line("c = max(1, RMS(u) / d)", "denom", terms["denom"], "the update's RMS clipped at d"),
        Line(f"θ{t} = θ{s} − a·u / c", "params_next", p_next),
    ]


def _newton_lines(k, terms, p_next, h) -> list[Line]:
    t, s = sub(k + 1), sub(k)
    eig = terms["eigenvalues"]
    damping = float(h.get("damping", 0.0))
    kind = "a minimum's bowl" if min(eig) > 0 else "a saddle" if max(eig) > 0 else "a maximum's cap"
    if min(eig) <= 0:
        shifted = min(eig) + damping
        kind += (
            f"; H + λI is positive (λ = {damping:g}): a step downhill"
            if shifted > 0
            else ": Newton heads for it anyway"
        )
    return [
        Line(f"eig ∇²f(θ{s})", "eigenvalues", tuple(eig), kind),
        Line("d = (H + λI)⁻¹·g", "direction", terms["direction"], f"cond = {terms['cond']:.3g}"),
        Line(f"θ{t} = θ{s} − α·d", "params_next", p_next),
    ]


def _linesearch_lines(k, terms, p_next, _h) -> list[Line]:
    t, s = sub(k + 1), sub(k)
    tried = terms["tried"]
    return [
        Line(
            "t tried",
            "tried",
            tuple(tried),
            "halved until f(θ − t·g) ≤ f(θ) − c₁·t·‖g‖² (Armijo)",
        ),
        Line("f at each", "losses", tuple(terms["losses"])),
        Line(f"θ{t} = θ{s} − t·g", "params_next", p_next, f"t = {terms['t']:g} accepted"),
    ]


_VECTOR_LINES = {
    "lbfgs": _lbfgs_lines,
    "adafactor": _adafactor_lines,
    "newton": _newton_lines,
    "linesearch": _linesearch_lines,
}
