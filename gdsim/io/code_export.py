"""Export a run as a short standalone Python script: plain numpy, or PyTorch's
``torch.optim``.  Both print the trajectory in ``gdsim run``'s CSV format.

The numpy script writes the optimizer out from the very kernel text gdsim runs (see
:mod:`gdsim.core.optimizers`), so it prints gdsim's trajectory to the last bit; the
PyTorch script hands the same gradients to ``torch.optim`` and agrees to rounding.
"""

from __future__ import annotations

import textwrap

from gdsim.core import vector_optimizers as vo
from gdsim.core.kernels import ARRAY_FUNCTIONS
from gdsim.core.optimizers import OPTIMIZERS, validate_hyper
from gdsim.core.simulation import RunConfig, configured_optimizer, schedule_plan
from gdsim.io.script_parts import (
    CodeExportError,
    _checks,
    _imports,
    _loop_head,
    _numpy_head,
    _numpy_rows,
    _schedule_lines,
    _schedule_setup,
    _stochastic,
    _surface_source,
    undefined_lines,
)

__all__ = ["CodeExportError", "numpy_script", "torch_script"]


def numpy_script(cfg: RunConfig) -> str:
    """A standalone numpy script that prints ``gdsim run``'s CSV for ``cfg``, bit for bit."""
    surface = cfg.validate()
    if not OPTIMIZERS[cfg.optimizer].element_wise:
        from gdsim.io.vector_script import vector_numpy_script

        return vector_numpy_script(cfg, surface)
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
        *_numpy_head(cfg, surface),
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
        *_numpy_rows(cfg, surface),
        *_schedule_lines(cfg, cycled, k.consts),
        "    k = float(k0 + 1)",
        textwrap.indent(k.prelude, "    "),
        "    g = np.array(g, dtype=float)",
        body,
        textwrap.indent(k.epilogue, "    "),
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
        *_imports(cfg, surface, "PyTorch (torch.optim)"),
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
