"""``gdsim data`` and ``gdsim landscape``: a model's data set, and its loss through a
plane with a run's path (issue 15).  CSV never imports Qt; the landscape's PNG is drawn
off screen by the window's own contour view."""

from __future__ import annotations

import sys
from pathlib import Path

from gdsim.commands import UsageError, _run_config, _target


def _model_surface(name: str, command: str):
    from gdsim.core.surfaces import get_surface

    try:
        surface = get_surface(name)
    except KeyError as e:
        raise UsageError(f"gdsim {command}: {e.args[0]}") from None
    if getattr(surface, "model", None) is None:
        raise UsageError(
            f"gdsim {command}: {name} is not a model (linreg-5, logistic-2d, mlp-moons, "
            "mlp-spiral, iris-softmax, iris-mlp)"
        )
    return surface


def data_csv(model) -> str:
    """The data set as the model sees it: the features (iris's standardised with the
    training rows' mean and deviation, as the network gets them), the target (a class
    index for classifiers), and heldout (1 for the rows kept out of training)."""
    names = [n.replace(" (cm)", "_cm").replace(" ", "_") for n in model.feature_names]
    if model.standardisation is not None:
        names = [f"{n}_standardised" for n in names]
    lines = [",".join([*names, model.target_name, "heldout"])]
    target = model.y.astype(int) if model.is_classifier else model.y
    for x, t, h in zip(model.X, target, model.heldout, strict=True):
        lines.append(
            ",".join(
                [
                    *(repr(float(v)) for v in x),
                    str(t) if model.is_classifier else repr(float(t)),
                    str(int(h)),
                ]
            )
        )
    return "\n".join(lines) + "\n"


def cmd_data(a) -> int:
    from gdsim.io.atomic import write_atomic

    surface = _model_surface(a.surface, "data")
    _target(a)
    write_atomic(a.out, data_csv(surface.model))
    m = surface.model
    print(
        f"{m.name}: {len(m.y)} rows ({int(m.heldout.sum())} held out), "
        f"training loss at the start {m.loss(m.default_start):.6g}; wrote {a.out}",
        file=sys.stderr,
    )
    return 0


def landscape_csv(plane, grid, traj) -> str:
    """part,a,b,loss,step,distance: the grid's rows (part = grid), then the path's
    (part = path: its plane coordinates, its own loss, its distance from the plane)."""
    lines = ["part,a,b,loss,step,distance"]
    for j, b in enumerate(grid.ys):
        for i, a in enumerate(grid.xs):
            lines.append(f"grid,{float(a)!r},{float(b)!r},{float(grid.values[j, i])!r},,")
    coords, dist = plane.coordinates(traj.position), plane.distance(traj.position)
    for k in range(len(traj)):
        a, b = coords[k]
        lines.append(
            f"path,{float(a)!r},{float(b)!r},{float(traj.loss[k])!r},{k},{float(dist[k])!r}"
        )
    return "\n".join(lines) + "\n"


def cmd_landscape(a) -> int:
    from gdsim.core.simulation import ConfigError, simulate
    from gdsim.core.slice_surface import make_plane, plane_spec_error, slice_sample
    from gdsim.io.atomic import write_atomic

    fmt = Path(a.out).suffix.lower()
    if fmt not in (".png", ".csv"):
        raise UsageError(f"gdsim landscape: cannot write {fmt or 'that'}; use .png or .csv")
    if not 5 <= a.grid <= 401:
        raise UsageError(f"gdsim landscape: --grid must be between 5 and 401, got {a.grid}")
    cfg = _run_config(a)
    surface = _model_surface(cfg.surface, "landscape")
    error = plane_spec_error(a.plane, surface.dim)
    if error:
        raise UsageError(f"gdsim landscape: --plane: {error}")
    try:
        cfg.validate()
    except ConfigError as e:
        raise UsageError(f"gdsim landscape: {e}") from None
    _target(a)
    traj = simulate(cfg, surface)
    try:
        plane = make_plane(surface.model, a.plane, traj.position)
    except ValueError as e:
        raise UsageError(f"gdsim landscape: {e}") from None
    grid = slice_sample(surface.model, plane, a.grid)
    if fmt == ".csv":
        write_atomic(a.out, landscape_csv(plane, grid, traj))
    else:
        from gdsim.qt.landscape_export import write_png

        write_png(surface, cfg, plane, grid, traj, a.out)
    far = float(plane.distance(traj.position).max())
    print(
        f"{surface.name}: {traj.status}; {plane.label}; the path is at most {far:.3g} "
        f"from the plane; wrote {a.out}",
        file=sys.stderr,
    )
    return 0
