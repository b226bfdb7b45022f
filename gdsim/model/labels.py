"""What runs and edits are called: a run is named after the settings that tell it
apart from the other runs of its optimizer ("gd α=0.1", "gd B=32"), numbered when
nothing does ("gd 2"); an edit after what it changed ("α of gd")."""

from __future__ import annotations

from gdsim.core.optimizers import validate_hyper
from gdsim.core.simulation import RunConfig
from gdsim.model.run import Run

__all__ = ["edit_words", "labels"]


def labels(runs) -> dict[int, str]:
    """What each run is called on screen and in exports: its name; else its
    optimizer, followed by the settings that tell it apart from the other runs of
    that optimizer ("gd α=0.1", "gd B=32"), numbered when nothing does ("gd 2",
    "gd α=0.1 (2)"),
    never repeating a named run's name. A label follows the run's settings."""
    taken = {r.name for r in runs if r.name}
    groups: dict[str, list[Run]] = {}  # all runs of an optimizer, named ones too
    for r in runs:
        groups.setdefault(r.config.optimizer, []).append(r)
    described: dict[int, str] = {}
    for opt, group in groups.items():
        parts = [[] for _ in group]
        for feature in _FEATURES:
            texts = [feature(r.config) for r in group]
            if len(set(texts)) > 1:
                for i, t in enumerate(texts):
                    if t:
                        parts[i].append(t)
        for r, p in zip(group, parts, strict=True):
            if not r.name:
                described[r.id] = f"{opt} {', '.join(p)}" if p else opt
    count: dict[str, int] = {}
    out: dict[int, str] = {}
    for r in runs:
        if r.name:
            out[r.id] = r.name
            continue
        base = described[r.id]
        n = count.get(base, 0) + 1
        # "gd 2", but "gd α=0.1 (2)": a bare number after a setting reads as its value
        numbered = "{} ({})" if " " in base else "{} {}"
        while (label := base if n == 1 else numbered.format(base, n)) in taken:
            n += 1
        count[base] = n
        taken.add(label)
        out[r.id] = label
    return out


_FIELD_WORDS = {
    "start": "Move the start",
    "batch_size": "Batch size",
    "noise": "Noise σ",
    "seed": "Seed",
    "schedule": "Schedule",
    "clip_norm": "Clipping",
    "max_steps": "Max steps",
    "grad_tol": "Stop rule",
    "loss_tol": "Stop rule",
    "visible": "Show or hide",
    "color": "Colour",
    "name": "Rename",
}
_HYPER_WORDS = {"lr": "α", "momentum": "β", "betas": "β1, β2"}


def edit_words(changes: dict, look: dict, hyper_diff: tuple, cfg) -> str:
    """What an edit of a run did, for the undo menu ("α of gd", "Optimizer adam of gd")."""
    if "optimizer" in changes:
        return f"Optimizer {cfg.optimizer}"
    if hyper_diff:
        return ", ".join(_HYPER_WORDS.get(k, k.replace("_", " ")) for k in hyper_diff)
    for name in (*changes, *look):
        if name in _FIELD_WORDS:
            return _FIELD_WORDS[name]
    return "Change"


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def _feature_lr(cfg: RunConfig) -> str:
    return f"α={_fmt(cfg.lr)}"


def _feature_momentum(cfg: RunConfig) -> str:
    h = validate_hyper(cfg.optimizer, cfg.hyper)
    if "betas" in h:
        return f"β=({_fmt(h['betas'][0])}, {_fmt(h['betas'][1])})"
    return f"β={_fmt(h['momentum'])}" if h.get("momentum") is not None else ""


def _feature_batch(cfg: RunConfig) -> str:
    return "full batch" if cfg.batch_size is None else f"B={cfg.batch_size}"


def _feature_noise(cfg: RunConfig) -> str:
    return f"σ={_fmt(cfg.noise)}" if cfg.noise else ""


def _feature_clip(cfg: RunConfig) -> str:
    return f"clip {_fmt(cfg.clip_norm)}" if cfg.clip_norm is not None else ""


def _feature_schedule(cfg: RunConfig) -> str:
    return "" if cfg.schedule.kind == "constant" else cfg.schedule.kind


#: the settings that a label may name to tell runs of one optimizer apart, in order
_FEATURES = (
    _feature_lr,
    _feature_momentum,
    _feature_batch,
    _feature_noise,
    _feature_clip,
    _feature_schedule,
)
