"""The lines of an explained step (:mod:`gdsim.core.explain`): for each torch class the
update as torch's documentation writes its algorithm, with the run's own options, each
line with its numbers (the lines every step starts with: :mod:`gdsim.core.explain_text`)."""

from __future__ import annotations

from gdsim.core.explain_text import Line, sub, sup
from gdsim.core.kernels import SCALAR_FUNCTIONS

__all__ = ["FAMILIES"]


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
    g = _wd_lines(h, k, p, g, scalars, terms, lines, decoupled)
    _moment_lines(h, k, after, lines)
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


FAMILIES = {
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
