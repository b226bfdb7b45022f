"""Trajectories as CSV and JSON text (no Qt): full float64 precision via repr."""

from __future__ import annotations

import json
from collections.abc import Sequence

from gdsim.core.trajectory import Trajectory

__all__ = [
    "scene_trajectories",
    "trajectories_csv",
    "trajectories_json",
    "trajectory_csv",
    "trajectory_json",
]


def _header(params: Sequence[str], with_run: bool) -> str:
    cols = (["run"] if with_run else []) + ["step", *params, "loss", *(f"g_{p}" for p in params)]
    return ",".join(cols)


def _rows(traj: Trajectory, prefix: str = "") -> list[str]:
    pos, loss, grad = traj.position.tolist(), traj.loss.tolist(), traj.grad.tolist()
    return [
        prefix + ",".join([str(k), *map(repr, p), repr(f), *map(repr, g)])
        for k, (p, f, g) in enumerate(zip(pos, loss, grad, strict=True))
    ]


def trajectory_csv(traj: Trajectory, params: Sequence[str]) -> str:
    """``step,<params>,loss,<g_params>``; row 0 is the start."""
    return "\n".join([_header(params, False), *_rows(traj)]) + "\n"


def _csv_field(text: str) -> str:
    """A text cell as CSV writes it: quoted when it holds a comma, a quote or a newline."""
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def trajectories_csv(runs: Sequence[tuple[str, Trajectory]], params: Sequence[str]) -> str:
    """Several runs in one table with a leading ``run`` column."""
    lines = [_header(params, True)]
    for name, traj in runs:
        lines += _rows(traj, prefix=f"{_csv_field(name)},")
    return "\n".join(lines) + "\n"


def trajectory_record(traj: Trajectory, params: Sequence[str], config: dict | None = None) -> dict:
    return {
        "params": list(params),
        "config": config,
        "status": traj.status.to_dict(),
        "status_text": str(traj.status),
        "step": traj.steps.tolist(),
        "position": traj.position.tolist(),
        "loss": traj.loss.tolist(),
        "grad": traj.grad.tolist(),
        "lr": traj.lr.tolist(),
    }


def trajectory_json(traj: Trajectory, params: Sequence[str], config: dict | None = None) -> str:
    doc = {"format": "gdsim-trajectory", "version": 1, **trajectory_record(traj, params, config)}
    return json.dumps(doc, indent=1) + "\n"


def trajectories_json(runs: Sequence[tuple[str, Trajectory, dict]], params: Sequence[str]) -> str:
    doc = {
        "format": "gdsim-trajectories",
        "version": 1,
        "runs": [{"name": n, **trajectory_record(t, params, c)} for n, t, c in runs],
    }
    return json.dumps(doc, indent=1) + "\n"


def scene_trajectories(scene, trajectories: dict, as_json: bool) -> str:
    """Every run of ``scene`` that has a trajectory (run id -> Trajectory), named by its
    label, as one CSV (with a ``run`` column) or one JSON document with each run's
    configuration."""
    from gdsim.core.surfaces import get_surface

    runs = [(r, trajectories.get(r.id)) for r in scene.runs]
    runs = [(r, t) for r, t in runs if t is not None]
    params = get_surface(scene.surface).params
    labels = scene.labels()
    names = [labels[r.id] for r, _ in runs]
    if len(set(names)) < len(names):  # two runs given the same name
        names = [f"{n}-{r.id}" for n, (r, _) in zip(names, runs, strict=True)]
    if not as_json:
        return trajectories_csv([(n, t) for n, (_, t) in zip(names, runs, strict=True)], params)
    return trajectories_json(
        [(n, t, r.config.to_dict()) for n, (r, t) in zip(names, runs, strict=True)], params
    )
