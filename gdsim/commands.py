"""What each ``gdsim`` sub-command does (the parser and ``main`` are in
:mod:`gdsim.cli`): run, list, export, basin / sweep, bench.  ``gdsim run``, ``gdsim list``
and CSV from the analyses never import Qt."""

from __future__ import annotations

import os
import sys


class UsageError(Exception):
    """Bad input on the command line: one line, exit status 2, nothing written."""


class Progress:
    """``progress(done, total)`` for long command-line work: nothing for the first
    second, then the share done on stderr — one line updated in place on a terminal,
    a line every 10 % elsewhere (a log, a pipe).  Ctrl+C stops the work (exit 130)."""

    def __init__(self, what: str, stream=None, quiet_for: float = 1.0):
        import time

        self.what, self.stream = what, stream or sys.stderr
        self.start = time.monotonic()
        self.quiet_for = quiet_for
        self.shown = -1  # the last tenth (pipe) or percent (terminal) written
        self.tty = self.stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        import time

        if total <= 0 or time.monotonic() - self.start < self.quiet_for:
            return
        percent = 100 * done // total
        mark = percent if self.tty else percent // 10
        if mark == self.shown:
            return
        self.shown = mark
        end = "\n" if not self.tty or done >= total else ""
        text = f"{self.what}: {percent} % (Ctrl+C stops)"
        self.stream.write(("\r" if self.tty else "") + text + end)
        self.stream.flush()


def _floats(text: str, what: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise UsageError(f"{what} must be comma-separated numbers, got {text!r}") from None


def _run_config(a):
    from gdsim.core.optimizers import all_params
    from gdsim.core.schedules import Schedule, ScheduleError, all_schedule_params, schedule_flags
    from gdsim.core.simulation import RunConfig

    hyper = {name: getattr(a, name) for name in all_params()}
    given = {}
    for key, uses in all_schedule_params().items():
        value = getattr(a, "schedule_" + key)
        if value is None:
            continue
        decl = dict(uses).get(a.schedule)
        if decl is None:
            flag = schedule_flags(uses[0][1])[0]
            raise UsageError(f"gdsim {a.command}: {flag} does not apply to --schedule {a.schedule}")
        given[key] = value == "true" if decl.kind == "bool" else value
    if a.schedule == "onecycle" and "total_steps" not in given:
        given["total_steps"] = a.steps  # one cycle over the run, unless told otherwise
    try:
        schedule = Schedule(a.schedule, **given)
    except ScheduleError as e:
        raise UsageError(f"gdsim {a.command}: --schedule {a.schedule}: {e}") from None
    if a.formula is not None:
        from gdsim.core.formula import surface_name

        surface = surface_name(a.formula)
    else:
        surface = a.surface
    if a.lr is None:  # the α a run added in the window gets (the surface's own, mostly)
        from gdsim.core.optimizers import OPTIMIZERS, starting_lr
        from gdsim.core.surfaces import get_surface

        try:
            if a.optimizer in OPTIMIZERS:
                hyper["lr"] = starting_lr(a.optimizer, get_surface(surface))
        except (KeyError, ValueError):
            pass  # an unknown surface or a refused formula: validate() says why
    return RunConfig(
        surface=surface,
        optimizer=a.optimizer,
        hyper={k: v for k, v in hyper.items() if v is not None},
        start=None if a.start is None else _floats(a.start, "--start"),
        seed=a.seed,
        batch_size=a.batch_size,
        noise=a.noise,
        schedule=schedule,
        clip_norm=a.clip,
        max_steps=a.steps,
        grad_tol=a.tol,
        loss_tol=a.loss_tol,
    )


def _target(a, reading=()) -> None:
    """Refuse an output that cannot be written before any work (OutputError, exit 1)."""
    from gdsim.io.atomic import check_target

    check_target(a.out, reading)


def cmd_run(a) -> int:
    from gdsim.core.simulation import ConfigError, simulate
    from gdsim.io.atomic import write_atomic
    from gdsim.io.trajectory_io import trajectory_csv, trajectory_json

    cfg = _run_config(a)
    try:
        surface = cfg.validate()
    except ConfigError as e:
        raise UsageError(str(e)) from None
    if a.out:
        _target(a)
    traj = simulate(cfg, surface)
    if a.explain is not None:
        text = _explanation(cfg, traj, a.explain, as_json=a.format == "json")
    elif a.format == "csv":
        text = trajectory_csv(traj, surface.params)
    else:
        text = trajectory_json(traj, surface.params, cfg.to_dict())
    if a.out:
        write_atomic(a.out, text)
    else:
        sys.stdout.write(text)
    print(f"{surface.name}: {traj.status}", file=sys.stderr)
    return 0


def _explanation(cfg, traj, k: int, as_json: bool) -> str:
    """``gdsim run --explain K``: the step's lines, or its numbers as JSON."""
    import json

    from gdsim.core.explain import explain_step

    try:
        e = explain_step(cfg, traj, k)
    except ValueError as err:
        raise UsageError(f"gdsim run: --explain: {err} ({traj.status})") from None
    if as_json:
        return json.dumps(e.to_dict(), indent=1) + "\n"
    return f"step {k} of {cfg.optimizer} on {cfg.surface}\n" + e.text() + "\n"


def cmd_list(a) -> int:
    if a.what == "surfaces":
        from gdsim.core.surfaces import get_surface, surface_names

        for name in surface_names():
            s = get_surface(name)
            print(f"{name}\t{s.formula if s.is_data else f'{s.title}: {s.formula}'}")
        from gdsim.core.model_surface import model_surface_names

        for name in model_surface_names():  # the window draws them through a plane
            s = get_surface(name)
            print(f"{name}\t{s.title}: {s.dim} parameters")
    elif a.what == "optimizers":
        from gdsim.core.optimizers import OPTIMIZERS

        for name, spec in OPTIMIZERS.items():
            print(f"{name}\t{spec.description}")
            if a.long:  # each hyperparameter: flag, default, allowed values, what it does
                for h in spec.params:
                    default = ",".join(map(repr, h.default)) if h.kind == "pair" else h.default
                    print(f"  {h.flag}\tdefault {default}\t{h.range_text()}\t{h.doc}")
                for key, value in spec.fixed.items():
                    print(f"  ({key}={value} fixed)")
    else:
        from gdsim.presets import list_presets

        for p in list_presets():
            print(f"{p.name}\t{p.title}")
    return 0


def cmd_export(a) -> int:
    from pathlib import Path

    fmt = Path(a.out).suffix.lower().lstrip(".")
    if fmt not in ("png", "svg", "gif", "mp4", "csv", "json"):
        raise UsageError(
            f"gdsim export: the extension of --out names the format (png, svg, gif, mp4, csv "
            f"or json), not {'.' + fmt if fmt else 'none'}: {a.out}"
        )
    if not 1.0 <= a.scale <= 4.0:
        raise UsageError(f"gdsim export: --scale must be between 1 and 4, got {a.scale:g}")
    if fmt in ("csv", "json"):
        return _export_trajectories(a, as_json=fmt == "json")
    if fmt == "svg" and a.view not in ("contour", "loss", "data"):
        raise UsageError(
            f"gdsim export: SVG is drawn for the 2D plots only (contour, loss, data), "
            f"not for --view {a.view}; use .png for it"
        )
    _target(a, reading=[a.session] if a.session else ())
    problem = no_display()
    if problem:
        print(f"gdsim export: {problem}", file=sys.stderr)
        return 1
    from gdsim.qt.headless import export_headless

    return export_headless(a, progress=Progress("gdsim export"))


def no_display() -> str | None:
    """Why a window cannot be shown here, or None (Linux: no X11 or Wayland display)."""
    env = os.environ
    if sys.platform.startswith("linux") and not (
        env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("QT_QPA_PLATFORM")
    ):
        return "no display to draw on: run it on a desktop, or under xvfb-run -a"
    return None


def _export_trajectories(a, as_json: bool) -> int:
    """``gdsim export … --out FILE.csv|json``: the runs of a lesson or session, computed
    and written without Qt (the same numbers the window exports)."""
    from gdsim.core.simulation import simulate
    from gdsim.io.atomic import write_atomic
    from gdsim.io.session import SessionError, read_session
    from gdsim.io.trajectory_io import scene_trajectories
    from gdsim.model import Scene, SceneError
    from gdsim.presets import PresetError, load_preset, scene_document

    try:
        if a.session:
            scene = read_session(a.session)
        else:
            scene = Scene.from_dict(scene_document(load_preset(a.preset)))
    except (PresetError, SceneError, SessionError) as e:
        raise UsageError(f"gdsim export: {e}") from None
    reading = [a.session] if a.session else ()
    _target(a, reading)
    trajectories = {r.id: simulate(r.config) for r in scene.runs}
    write_atomic(a.out, scene_trajectories(scene, trajectories, as_json), reading)
    print(f"wrote {a.out}")
    return 0


def cmd_analysis(a) -> int:
    """``gdsim basin`` and ``gdsim sweep``: compute, then write CSV, or a PNG drawn by the
    same plots as the window's Analyses dialog (off screen, no display needed)."""
    from pathlib import Path

    from gdsim.core.analyses import basin_map, lr_sweep
    from gdsim.core.simulation import ConfigError
    from gdsim.io.atomic import write_atomic

    fmt = Path(a.out).suffix.lower()
    if fmt not in (".png", ".csv"):
        raise UsageError(f"gdsim {a.command}: cannot write {fmt or 'that'}; use .png or .csv")
    cfg = _run_config(a)
    _target(a)  # before computing anything
    try:
        cfg.validate()
        if a.command == "basin":
            if a.start is not None:
                raise UsageError("gdsim basin: --start does not apply (every grid point is one)")
            result = basin_map(cfg, n=a.grid, progress=Progress("gdsim basin"))
            summary = (
                f"{len(result.basins)} basins, {result.still_moving} still moving, "
                f"{result.diverged} diverged"
            )
        else:
            result = lr_sweep(cfg, a.lr_min, a.lr_max, a.count, progress=Progress("gdsim sweep"))
            best = result.best()
            summary = (
                f"lowest final loss at lr={best:.3g}" if best is not None else "every run diverged"
            ) + f", {result.state.count('diverged')} of {len(result.lrs)} diverged"
    except ConfigError as e:
        raise UsageError(f"gdsim {a.command}: {e}") from None
    if fmt == ".csv":
        write_atomic(a.out, result.csv())
    else:
        from gdsim.qt.analysis_export import write_png

        write_png(result, a.out)
    print(f"{result.surface}: {summary}; wrote {a.out}", file=sys.stderr)
    return 0


def cmd_bench(a) -> int:
    from gdsim.bench import main as bench_main

    case = _bench_case(a) if a.what in ("gui", "all") else None
    if isinstance(case, str):
        print(f"gdsim bench: {case}", file=sys.stderr)
        return 2
    return bench_main(a.what, as_json=a.json, case=case)


def _bench_case(a):
    """The gui case of ``--size WxH --runs N --steps K``, or why it is refused."""
    from gdsim.core.limits import MAX_RUN_STEPS, MAX_RUNS, MAX_SCENE_STEPS, count

    try:
        w, h = (int(v) for v in a.size.lower().split("x"))
    except ValueError:
        return f"--size must be WIDTHxHEIGHT, e.g. 1920x1080, got {a.size!r}"
    if not (320 <= w <= 8192 and 240 <= h <= 8192):
        return f"--size must be between 320x240 and 8192x8192, got {a.size}"
    if not 1 <= a.runs <= MAX_RUNS:
        return f"--runs must be in 1..{MAX_RUNS}, got {a.runs}"
    if not 10 <= a.steps <= MAX_RUN_STEPS:
        return f"--steps must be in 10..{count(MAX_RUN_STEPS)}, got {a.steps}"
    if a.runs * a.steps > MAX_SCENE_STEPS:
        return f"--runs × --steps must be at most {count(MAX_SCENE_STEPS)}"
    if a.surface:
        from gdsim.core.surfaces import get_surface

        try:
            get_surface(a.surface)
        except KeyError as e:
            return str(e).strip("'\"")
    from gdsim.qt.bench_gui import Case  # (no Qt until it measures)

    return Case(w, h, a.runs, a.steps, a.surface or "")
