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
from gdsim.core.datasets import DataSurface
from gdsim.core.optimizers import OPTIMIZERS, get_optimizer
from gdsim.core.run_rules import Stop
from gdsim.core.simulation import RunConfig

__all__ = ["numpy_script", "torch_script"]


def _surface_source(surface) -> str:
    """Python source defining ``fg(*coords)`` -> (loss, *gradient) for the surface."""
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


def _function_source(fn) -> str:
    """``fn``'s source renamed ``fg``, after the numbers it reads from its module or
    from its enclosing function (written exactly, with repr)."""
    module = inspect.getmodule(fn)
    consts = []
    for name in fn.__code__.co_names:
        value = getattr(module, name, None)
        if isinstance(value, Number) and not isinstance(value, bool):
            consts.append(f"{name} = {value!r}")
    for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or (), strict=True):
        value = cell.cell_contents
        if isinstance(value, Number) and not isinstance(value, bool):
            consts.append(f"{name} = {value!r}")
    src = textwrap.dedent(inspect.getsource(fn))
    src = src.replace(f"def {fn.__name__}(", "def fg(", 1)
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


def _schedule_lines(cfg: RunConfig, lr: float) -> list[str]:
    s = cfg.schedule
    if s.kind == "constant":
        return [f"    lr = {lr!r}"]
    if s.kind == "step":
        return [f"    if k0 > 0 and k0 % {s.step_size} == 0:", f"        lr = lr * {s.gamma!r}"]
    if s.kind == "exponential":
        return ["    if k0 > 0:", f"        lr = lr * {s.gamma!r}"]
    return [
        f"    lr = {s.eta_min!r} + ({lr!r} - {s.eta_min!r}) * "
        f"(1 + math.cos(math.pi * k0 / {s.t_max})) / 2"
    ]


def numpy_script(cfg: RunConfig) -> str:
    """A standalone numpy script that prints ``gdsim run``'s CSV for ``cfg``, bit for bit."""
    surface = cfg.validate()
    opt = get_optimizer(cfg.optimizer, **cfg.hyper)
    k = opt.kernel
    spec = OPTIMIZERS[cfg.optimizer]
    consts = [f"{name} = {value!r}" for name, value in sorted(k.consts.items())]
    body = textwrap.indent(k.body, "    ")
    init = [f"{name} = {expr}" for name, expr in k.init.items()]
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
        "sqrt, maximum = np.sqrt, np.maximum",
        *_loop_head(cfg, surface),
        "p = np.array(START)",
        *init,
        f"lr = {opt.lr!r}",
        "prev, perm, N = 0.0, None, " + (str(surface.n_samples) if surface.is_data else "0"),
        "pos = N",
        "for k0 in range(STEPS + 1):",
        "    try:",
        "        loss, *g_full = fg(*p)",
        *undefined_lines(cfg),
        *_stochastic(cfg, surface),
        *_checks(cfg),
    ]
    if cfg.clip_norm is not None:
        lines += [
            f"    coef = min({cfg.clip_norm!r} / (math.sqrt(sum(v * v for v in g)) + "
            f"{run_rules.CLIP_EPS!r}), 1.0)",
            "    g = [v * coef for v in g]",
        ]
    lines += [
        *_schedule_lines(cfg, opt.lr),
        "    k = float(k0 + 1)",
        textwrap.indent(k.prelude, "    "),
        "    g = np.array(g, dtype=float)",
        body,
        "",
    ]
    return "\n".join(lines)


def torch_script(cfg: RunConfig) -> str:
    """A standalone script running ``cfg`` with ``torch.optim`` on gdsim's gradients."""
    surface = cfg.validate()
    opt = get_optimizer(cfg.optimizer, **cfg.hyper)
    spec = OPTIMIZERS[cfg.optimizer]
    hyper = ", ".join(f"{key}={value!r}" for key, value in opt.hyper.items())
    sched = {
        "constant": "",
        "step": f"torch.optim.lr_scheduler.StepLR(opt, step_size={cfg.schedule.step_size}, "
        f"gamma={cfg.schedule.gamma!r})",
        "exponential": f"torch.optim.lr_scheduler.ExponentialLR(opt, gamma={cfg.schedule.gamma!r})",
        "cosine": f"torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max={cfg.schedule.t_max}, "
        f"eta_min={cfg.schedule.eta_min!r})",
    }[cfg.schedule.kind]
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
        "# the surface: its value and exact gradient (handed to torch as p.grad)",
        _surface_source(surface),
        "",
        *_loop_head(cfg, surface),
        "p = torch.tensor(START, dtype=torch.float64, requires_grad=True)",
        f"opt = torch.optim.{spec.torch_class}([p], {hyper})",
        f"scheduler = {sched}" if sched else "scheduler = None",
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
        "    opt.zero_grad()",
        "    p.grad = torch.tensor(g, dtype=torch.float64)",
    ]
    if cfg.clip_norm is not None:
        lines.append(f"    torch.nn.utils.clip_grad_norm_([p], max_norm={cfg.clip_norm!r})")
    lines += ["    opt.step()", "    if scheduler is not None:", "        scheduler.step()", ""]
    return "\n".join(lines)
