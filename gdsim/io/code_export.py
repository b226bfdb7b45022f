"""Export a run as a short standalone Python script: plain numpy, or PyTorch's
``torch.optim``.  Both print the trajectory in ``gdsim run``'s CSV format.

The numpy script writes the optimizer out from the very kernel text gdsim runs (see
:mod:`gdsim.core.optimizers`), so it prints gdsim's trajectory to the last bit; the
PyTorch script hands the same gradients to ``torch.optim`` and agrees to rounding.
"""

from __future__ import annotations

import inspect
import textwrap
from numbers import Number

from gdsim.core import datasets, run_rules, scalar_math
from gdsim.core import vector_optimizers as vo
from gdsim.core.datasets import DataSurface
from gdsim.core.kernels import ARRAY_FUNCTIONS
from gdsim.core.optimizers import OPTIMIZERS, validate_hyper
from gdsim.core.run_rules import Stop
from gdsim.core.schedules import schedule_source
from gdsim.core.simulation import RunConfig, configured_optimizer, schedule_plan

__all__ = ["CodeExportError", "numpy_script", "torch_script"]


class CodeExportError(ValueError):
    """A run that this flavour of script cannot carry (one line: why, what instead)."""


def _surface_source(surface) -> str:
    """Python source defining ``fg(*coords)`` -> (loss, *gradient) for the surface."""
    if getattr(surface, "model", None) is not None:
        raise CodeExportError(
            f"{surface.name} is a model of {surface.dim} parameters: its export as code is"
            " not written yet (gdsim run --format json gives its trajectory)"
        )
    if isinstance(surface, DataSurface):
        return _data_source(surface)
    if "numpy_source" in surface.extra:  # a typed formula: sympy's printout over numpy
        return _formula_source(surface.extra["numpy_source"])
    return _SCALAR_MATH + "\n\n" + _function_source(surface.fg)


# gdsim.core.scalar_math, written out: numpy's own rounding of exp, cos… on one float
_SCALAR_MATH = "\n".join(
    [
        "class scalar_math:  # numpy's exp, cos, … of one float, as gdsim computes them",
        *(
            f"    {name} = staticmethod(lambda v: float(np.{name}(v)))"
            for name in scalar_math.__all__
        ),
        "",
    ]
)


def _formula_source(numpy_source: str) -> str:
    """A typed formula's numpy printout, called as gdsim calls it for one run: on
    one-element arrays (numpy's rounding, as for many points at once)."""
    body = numpy_source.replace("def fg(", "def fg_arrays(", 1)
    return (
        "numpy = np  # (sympy's printout names it numpy)\n\n\n"
        + body
        + textwrap.dedent("""

        def fg(*coords):
            out = fg_arrays(*(np.array([c], dtype=float) for c in coords))
            return tuple(float(np.asarray(v, dtype=float).reshape(-1)[0]) for v in out)
        """)
    )


def _function_source(fn, name: str = "fg") -> str:
    """``fn``'s source renamed ``name``, after the numbers it reads from its module or
    from its enclosing function (written exactly, with repr)."""
    module = inspect.getmodule(fn)
    consts = []
    for read in fn.__code__.co_names:
        value = getattr(module, read, None)
        if isinstance(value, Number) and not isinstance(value, bool):
            consts.append(f"{read} = {value!r}")
    for read, cell in zip(fn.__code__.co_freevars, fn.__closure__ or (), strict=True):
        value = cell.cell_contents
        if isinstance(value, Number) and not isinstance(value, bool):
            consts.append(f"{read} = {value!r}")
    src = textwrap.dedent(inspect.getsource(fn))
    src = src.replace(f"def {fn.__name__}(", f"def {name}(", 1)
    return "\n".join([*consts, "", "", src.rstrip(), ""])


def _data_source(surface) -> str:
    if surface.name == "house-prices":
        data = (
            f"AREA = np.array({list(datasets.HOUSE_AREAS)!r})\n"
            f"PRICE = np.array({list(datasets.HOUSE_PRICES)!r})\n"
            "X = AREA[:, None]\n"
            "Y = PRICE\n"
        )
    else:
        data = (
            f"rng_data = np.random.default_rng({datasets.LINREG_SEED})\n"
            f"x_data = rng_data.uniform(0.0, 4.0, {datasets.LINREG_N})\n"
            f"Y = {datasets.LINREG_TRUE[0]!r} * x_data + {datasets.LINREG_TRUE[1]!r} + "
            f"{datasets.LINREG_NOISE!r} * rng_data.standard_normal({datasets.LINREG_N})\n"
            "X = np.column_stack([x_data, np.ones_like(x_data)])\n"
        )
    return (
        data
        + textwrap.dedent("""

        def batch_gradient(theta, idx=None):  # the gradient of a mini-batch of rows idx
            Xb, Yb = (X, Y) if idx is None else (X[idx], Y[idx])
            r = np.atleast_2d(theta) @ Xb.T - Yb
            return (2.0 / len(Yb)) * (r @ Xb)


        # the mean squared error over all rows in closed form, as gdsim computes it:
        # mean((X·θ − y)²) = θᵀAθ − 2bᵀθ + c with A = XᵀX/N, b = Xᵀy/N, c = yᵀy/N
        """)
        + _function_source(surface.fg)
    )


def _header(cfg: RunConfig, surface, flavour: str) -> str:
    return (
        f'"""{surface.title} ({surface.formula}) with {cfg.optimizer}, exported by gdsim as\n'
        f"{flavour}. Run it: it prints step,<params>,loss,<gradient> for every step.\n"
        '"""\n\n'
    )


def _loop_head(cfg: RunConfig, surface) -> list[str]:
    """Setup shared by both flavours: start, schedule, bounds, randomness."""
    params = surface.params
    lo, hi = run_rules.bounds(surface)
    lines = [
        f"START = {list(cfg.resolved_start(surface))!r}",
        f"STEPS = {cfg.max_steps}",
        f"LO = {lo!r}  # leaving this box counts as diverging",
        f"HI = {hi!r}",
        f"rng = np.random.default_rng({cfg.seed})",
        f'print("step,{",".join(params)},loss,{",".join("g_" + p for p in params)}")',
    ]
    return lines


def _stochastic(cfg: RunConfig, surface) -> list[str]:
    """Lines turning the exact gradient ``g_full`` into the one the optimizer uses."""
    if isinstance(surface, DataSurface) and cfg.batch_size and cfg.batch_size < surface.n_samples:
        return [
            "    if pos >= N:  # a new epoch: shuffle, then take consecutive batches",
            "        perm = rng.permutation(N)",
            "        pos = 0",
            f"    g = batch_gradient(p, perm[pos : pos + {cfg.batch_size}])[0].tolist()",
            f"    pos += {cfg.batch_size}",
        ]
    if cfg.noise > 0:
        return [
            f"    z = rng.standard_normal({surface.dim}).tolist()",
            f"    g = [gi + {cfg.noise!r} * zi for gi, zi in zip(g_full, z)]",
        ]
    return ["    g = g_full"]


def _stop(cfg: RunConfig, code: Stop) -> list[str]:
    """End the script's loop printing the status ``gdsim run`` prints."""
    text = run_rules.status_template(code, cfg.grad_tol, cfg.loss_tol)
    return [f"print(f{text!r}, file=sys.stderr)", "break"]


def undefined_lines(cfg: RunConfig) -> list[str]:
    return [
        "    except (OverflowError, ZeroDivisionError, ValueError):",
        *("        " + ln for ln in _stop(cfg, Stop.UNDEFINED)),
    ]


def _checks(cfg: RunConfig) -> list[str]:
    """The rules of run_rules (steps 1-6) as the script's lines."""
    lines = run_rules.check_lines(
        undefined="not all(math.isfinite(v) for v in (loss, *g, *g_full))",
        inside="all(lo <= v <= hi for v, lo, hi in zip(p, LO, HI))",
        grad_sq="sum(v * v for v in g_full)" if cfg.grad_tol is not None else None,
        loss_tol=repr(cfg.loss_tol) if cfg.loss_tol is not None else None,
        record=[
            'print(",".join([str(k0), *map(repr, map(float, p)), repr(float(loss)),'
            " *map(repr, map(float, g))]))"
        ],
        stop=lambda code: _stop(cfg, code),
    )
    lines += ["if k0 == STEPS:", *("    " + ln for ln in _stop(cfg, Stop.MAX_STEPS))]
    out = ["    " + ln for ln in lines]
    if cfg.grad_tol is not None:
        out.insert(0, f"    gtol2 = {cfg.grad_tol!r} ** 2")
    return out


def _schedule_setup(cfg: RunConfig) -> list[str]:
    """The schedule's own functions (gdsim.core.schedules' source) and the rates."""
    if cfg.schedule.kind == "constant":
        return ["LRS, MOMS = [lr] * (STEPS + 1), None"]
    lines = ["", "# the learning-rate schedule, as gdsim computes it (torch's arithmetic)"]
    lines += schedule_source(cfg.schedule).splitlines()
    if cfg.schedule.depends_on_loss:
        return [*lines, "", "plateau = plateau_stepper(lr)"]
    return [*lines, "", "LRS, MOMS = schedule(lr, STEPS + 1)"]


def _schedule_lines(cfg: RunConfig, cycled: str | None, consts) -> list[str]:
    """The rate of step k0 (ReduceLROnPlateau: from the loss at θ_k0) and the momentum or
    β₁ a cycling schedule sets."""
    if cfg.schedule.depends_on_loss:
        lines = ["    if k0:", "        lr = plateau.step(loss)"]
    else:
        lines = ["    lr = LRS[k0]"]
    if cycled is not None:
        lines.append(f"    {cycled} = MOMS[k0]")
        if f"one_minus_{cycled}" in consts:
            lines.append(f"    one_minus_{cycled} = 1 - {cycled}")
    return lines


def numpy_script(cfg: RunConfig) -> str:
    """A standalone numpy script that prints ``gdsim run``'s CSV for ``cfg``, bit for bit."""
    surface = cfg.validate()
    if not OPTIMIZERS[cfg.optimizer].element_wise:
        return _vector_numpy_script(cfg, surface)
    _lrs, moms, cycled = schedule_plan(cfg, cfg.lr, 1)
    opt = configured_optimizer(cfg, moms)
    k = opt.kernel
    spec = OPTIMIZERS[cfg.optimizer]
    consts = [f"{name} = {value!r}" for name, value in sorted(k.consts.items())]
    body = textwrap.indent(k.body, "    ")
    init = [f"{name} = {expr}" for name, expr in k.init.items()]
    init += [f"{name} = 0.0  # set by the first step" for name in k.scalars]
    hyper = ", ".join(f"{key}={value!r}" for key, value in opt.hyper.items())
    lines = [
        _header(cfg, surface, "plain numpy"),
        "import math",
        "import sys",
        "",
        "import numpy as np",
        "",
        'np.seterr(all="ignore")  # an inf or a NaN ends the run with its status, not a warning',
        "",
        "# the surface: its value and exact gradient",
        _surface_source(surface),
        "",
        f"# torch.optim.{spec.torch_class}({hyper}), written out element-wise",
        *consts,
        f"{', '.join(ARRAY_FUNCTIONS)} = "
        + ", ".join(f"np.{fn}" for fn in ARRAY_FUNCTIONS.values()),
        *_loop_head(cfg, surface),
        "p = np.array(START)",
        *init,
        f"lr = {opt.lr!r}",
        *_schedule_setup(cfg),
        "prev, perm, N = 0.0, None, " + (str(surface.n_samples) if surface.is_data else "0"),
        "pos = N",
        "for k0 in range(STEPS + 1):",
        "    try:",
        "        loss, *g_full = fg(*p)",
        *undefined_lines(cfg),
        *_stochastic(cfg, surface),
        *_checks(cfg),
        *_clip_lines(cfg),
        *_schedule_lines(cfg, cycled, k.consts),
        "    k = float(k0 + 1)",
        textwrap.indent(k.prelude, "    "),
        "    g = np.array(g, dtype=float)",
        body,
        textwrap.indent(k.epilogue, "    "),
        "",
    ]
    return "\n".join(lines)


def _clip_lines(cfg: RunConfig) -> list[str]:
    if cfg.clip_norm is None:
        return []
    return [
        f"    coef = min({cfg.clip_norm!r} / (math.sqrt(sum(v * v for v in g)) + "
        f"{run_rules.CLIP_EPS!r}), 1.0)",
        "    g = [v * coef for v in g]",
    ]


# what the optimizers that are not element-wise need of gdsim.core.vector_optimizers
_VECTOR_COMMON = (
    vo._two_sum,
    vo._split,
    vo._axpy,
    vo._fma,
    vo._in_safe_range,
    vo._exact_axpy,
    vo._dot,
    vo._norm,
    vo._lerp,
    vo._max_abs,
    vo.StepCount,
    vo.StepResult,
    vo.VectorOptimizer,
)
_VECTOR_OWN = {
    "lbfgs": (vo.LBFGSState, vo._cubic_interpolate, vo._div, vo._strong_wolfe, vo.LBFGS),
    "adafactor": (vo.AdafactorState, vo.Adafactor),
    "newton": (vo.Newton,),
    "linesearch": (vo.LineSearch,),
}


def _vector_source(name: str) -> str:
    """The optimizer's class and the helpers it uses, gdsim's own source."""
    head = [
        "import math",
        "import struct",
        "from abc import ABC, abstractmethod",
        "from collections.abc import Callable, Mapping",
        "from dataclasses import dataclass, field, replace",
        "from fractions import Fraction",
        "from typing import Any, ClassVar, NamedTuple",
        "",
        f"UNDEFINED_ERRORS = {run_rules.UNDEFINED_ERRORS!r}".replace("<class '", "").replace(
            "'>", ""
        ),
        f"_SPLIT = {vo._SPLIT!r}",
        f"_SAFE = {vo._SAFE!r}",
        f"_FEW = {vo._FEW!r}",
        "FG = Callable",
        "Hess = Callable",
        "",
    ]
    parts = [inspect.getsource(obj) for obj in (*_VECTOR_COMMON, *_VECTOR_OWN[name])]
    return "\n".join(head) + "\n\n" + "\n\n".join(parts)


def _hessian_source(surface) -> str:
    """``hess(theta)``: the exact Hessian as gdsim assembles it (the built-in analytic
    surfaces write their second derivatives out; CodeExportError otherwise)."""
    fn = surface.hess
    if fn is None or inspect.getmodule(fn).__name__ != "gdsim.core.functions":
        raise CodeExportError(
            f"newton's numpy script needs {surface.name}'s Hessian written out: only the"
            " built-in analytic surfaces have it"
        )
    return _function_source(fn, "hess_entries") + textwrap.dedent(f"""

        def hess(theta):
            entries = iter(hess_entries(*(float(v) for v in theta)))
            d = {surface.dim}
            out = np.empty((d, d))
            for i in range(d):
                for j in range(i, d):
                    out[i, j] = out[j, i] = next(entries)
            return out
        """)


def _vector_numpy_script(cfg: RunConfig, surface) -> str:
    """The numpy script of a vector optimizer: its class (gdsim's source) stepped by the
    rules of run_rules, as gdsim.core.vector_loop steps it."""
    spec = OPTIMIZERS[cfg.optimizer]
    h = validate_hyper(cfg.optimizer, cfg.hyper)
    cls = spec.factory.__name__
    lines = [
        _header(cfg, surface, "plain numpy"),
        "import math",
        "import sys",
        "",
        "import numpy as np",
        "",
        'np.seterr(all="ignore")  # an inf or a NaN ends the run with its status, not a warning',
        "",
        "# the surface: its value and exact gradient",
        _surface_source(surface),
        "",
        _hessian_source(surface) if spec.needs_hessian else "hess = None",
        "",
        f"# {spec.description}",
        _vector_source(cfg.optimizer),
        "",
        "",
        "def closure(theta):",
        "    loss, *grad = fg(*(float(v) for v in theta))",
        "    return float(loss), np.array(grad, dtype=float)",
        "",
        "",
        f"opt = {cls}({h!r})",
        *_loop_head(cfg, surface),
        "p = np.array(START, dtype=float)",
        "state = opt.init(p)",
        f"lr = {cfg.lr!r}",
        *_schedule_setup(cfg),
        "prev, perm, N = 0.0, None, 0",
        "pos = N",
        "for k0 in range(STEPS + 1):",
        "    try:",
        "        loss, *g_full = fg(*p)",
        *undefined_lines(cfg),
        *_stochastic(cfg, surface),
        *_checks(cfg),
        *_clip_lines(cfg),
        *_schedule_lines(cfg, None, {}),
        "    try:",
        "        result = opt.step(p, loss, np.array(g, dtype=float), state, lr, closure, hess)",
        "    except UNDEFINED_ERRORS:",
        "        p = np.full(len(p), np.nan)",
        "        continue",
        "    if result.status is not None:",
        "        print(f'stopped at step {k0} ({result.status})', file=sys.stderr)",
        "        break",
        "    p, state = result.theta, result.state",
        "",
    ]
    return "\n".join(lines)


# Lion is not in torch.optim: the script carries it as a torch Optimizer, from the paper
_LION = '''
class Lion(torch.optim.Optimizer):
    """Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms")."""

    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
            for p in group["params"]:
                state = self.state[p]
                if not state:
                    state["exp_avg"] = torch.zeros_like(p)
                m = state["exp_avg"]
                if wd != 0:
                    p.mul_(1 - lr * wd)
                c = m * beta1 + (1 - beta1) * p.grad
                p.add_(c.sign(), alpha=-lr)
                m.mul_(beta2).add_((1 - beta2) * p.grad)
'''


def _torch_optimizer(spec) -> tuple[str, str]:
    """(the class as the script names it, source the script must define first)."""
    if spec.torch_class == "Lion":
        return "Lion", _LION
    return f"torch.optim.{spec.torch_class}", ""


def _torch_hyper(cfg: RunConfig) -> dict:
    spec = OPTIMIZERS[cfg.optimizer]
    if spec.element_wise:
        return validate_hyper(cfg.optimizer, cfg.hyper)
    if spec.torch_class is None:
        raise CodeExportError(
            f"{cfg.optimizer} is not in torch.optim: export the numpy script instead"
        )
    return vo.get_vector_optimizer(cfg.optimizer, **cfg.hyper).torch_hyper()


def torch_script(cfg: RunConfig) -> str:
    """A standalone script running ``cfg`` with ``torch.optim`` (and its scheduler) on
    gdsim's gradients."""
    surface = cfg.validate()
    spec = OPTIMIZERS[cfg.optimizer]
    hyper = ", ".join(f"{key}={value!r}" for key, value in _torch_hyper(cfg).items())
    cls_name, cls_source = _torch_optimizer(spec)
    sched = cfg.schedule.torch_source("opt")
    plateau = cfg.schedule.depends_on_loss
    lines = [
        _header(cfg, surface, "PyTorch (torch.optim)"),
        "import math",
        "import sys",
        "",
        "import numpy as np",
        "",
        'np.seterr(all="ignore")  # an inf or a NaN ends the run with its status, not a warning',
        "import torch",
        "",
        "# float64 throughout, also the state torch keeps as scalar tensors (NAdam, ASGD)",
        "torch.set_default_dtype(torch.float64)",
        cls_source,
        "# the surface: its value and exact gradient (handed to torch as p.grad)",
        _surface_source(surface),
        "",
        *_loop_head(cfg, surface),
        "p = torch.tensor(START, dtype=torch.float64, requires_grad=True)",
        f"opt = {cls_name}([p], {hyper})",
        f"scheduler = {sched}" if sched else "scheduler = None",
        "",
        "",
        "def closure():  # f and ∇f at p, the gradient handed to torch (L-BFGS calls it)",
        "    opt.zero_grad()",
        "    value, *grad = fg(*p.detach().tolist())",
        "    p.grad = torch.tensor(grad, dtype=torch.float64)",
        "    return torch.tensor(value, dtype=torch.float64)",
        "",
        "",
        "prev, perm, N = 0.0, None, " + (str(surface.n_samples) if surface.is_data else "0"),
        "pos = N",
        "for k0 in range(STEPS + 1):",
        "    try:",
        "        loss, *g_full = fg(*p.detach().tolist())",
        *undefined_lines(cfg),
        "    p_values = p.detach().numpy()",
        *[
            ln.replace("batch_gradient(p,", "batch_gradient(p_values,")
            for ln in _stochastic(cfg, surface)
        ],
        *[
            ln.replace("map(float, p)", "map(float, p_values)").replace(
                "zip(p, LO, HI)", "zip(p_values, LO, HI)"
            )
            for ln in _checks(cfg)
        ],
    ]
    if plateau:  # ReduceLROnPlateau, stepped with the loss at the new position
        lines += ["    if k0:", "        scheduler.step(loss)"]
    lines += ["    opt.zero_grad()", "    p.grad = torch.tensor(g, dtype=torch.float64)"]
    if cfg.clip_norm is not None:
        lines.append(f"    torch.nn.utils.clip_grad_norm_([p], max_norm={cfg.clip_norm!r})")
    lines.append("    opt.step(closure)" if spec.torch_class == "LBFGS" else "    opt.step()")
    if sched and not plateau:
        lines.append("    scheduler.step()")
    lines.append("")
    return "\n".join(lines)
