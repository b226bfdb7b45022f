"""The pieces every exported script is made of (:mod:`gdsim.io.code_export`, and
:mod:`gdsim.io.vector_script` for the optimizers that are not element-wise): the docstring
and imports, the surface's own source, the loop's rows under the rules of run_rules, the
schedule's rates, clipping."""

from __future__ import annotations

import inspect
import textwrap
from numbers import Number

from gdsim.core import datasets, run_rules, scalar_math
from gdsim.core.datasets import DataSurface
from gdsim.core.run_rules import Stop
from gdsim.core.schedules import schedule_source
from gdsim.core.simulation import RunConfig


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


def _imports(cfg: RunConfig, surface, flavour: str) -> list[str]:
    """The script's docstring and imports (numpy errors as statuses, not warnings)."""
    return [
        _header(cfg, surface, flavour),
        "import math",
        "import sys",
        "",
        "import numpy as np",
        "",
        'np.seterr(all="ignore")  # an inf or a NaN ends the run with its status, not a warning',
    ]


def _numpy_head(cfg: RunConfig, surface) -> list[str]:
    """A numpy script's imports and its surface."""
    return [
        *_imports(cfg, surface, "plain numpy"),
        "",
        "# the surface: its value and exact gradient",
        _surface_source(surface),
        "",
    ]


def _numpy_rows(cfg: RunConfig, surface) -> list[str]:
    """A numpy script's loop, up to the step: evaluate, check and record row k0 (the
    rules of run_rules), then clip the gradient the step takes."""
    return [
        "for k0 in range(STEPS + 1):",
        "    try:",
        "        loss, *g_full = fg(*p)",
        *undefined_lines(cfg),
        *_stochastic(cfg, surface),
        *_checks(cfg),
        *_clip_lines(cfg),
    ]


def _clip_lines(cfg: RunConfig) -> list[str]:
    if cfg.clip_norm is None:
        return []
    return [
        f"    coef = min({cfg.clip_norm!r} / (math.sqrt(sum(v * v for v in g)) + "
        f"{run_rules.CLIP_EPS!r}), 1.0)",
        "    g = [v * coef for v in g]",
    ]
