"""The ``gdsim`` command line.

``gdsim run``, ``gdsim list`` and CSV from ``gdsim basin`` / ``sweep`` never import Qt;
the window, ``--smoke-test``, ``export``, PNG analyses and ``bench gui`` import it only
when they are asked for.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence

from gdsim import __version__

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input on the command line: one line, exit status 2, nothing written."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line instead of usage + message
        raise UsageError(f"{self.prog}: {message}")


# Options whose value may begin with '-' (a negative coordinate: --start -1.5,2)
_VALUE_OPTIONS = ("--start", "--betas", "--formula")


def _join_negative_values(argv: list[str]) -> list[str]:
    out: list[str] = []
    it = iter(range(len(argv)))
    for i in it:
        a = argv[i]
        if a in _VALUE_OPTIONS and i + 1 < len(argv) and argv[i + 1].startswith("-"):
            out.append(f"{a}={argv[i + 1]}")
            next(it, None)
        else:
            out.append(a)
    return out


def _floats(text: str, what: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise UsageError(f"{what} must be comma-separated numbers, got {text!r}") from None


def _add_run_parser(sub) -> None:
    p = sub.add_parser("run", help="simulate one run headless and print its trajectory")
    _add_config_options(p)
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.add_argument("--out", help="write to this file instead of standard output")


def _add_analysis_parsers(sub) -> None:
    bp = sub.add_parser(
        "basin", help="a basin map: the run from every start of a grid, to PNG or CSV"
    )
    _add_config_options(bp)
    bp.add_argument("--grid", type=int, default=200, help="starts per side (default 200)")
    bp.add_argument("--out", required=True, help="FILE.png (the map) or FILE.csv (every start)")
    sp = sub.add_parser("sweep", help="a learning-rate sweep: the run at many α, to PNG or CSV")
    _add_config_options(sp)
    sp.add_argument("--lr-min", type=float, default=1e-4, help="smallest α (default 1e-4)")
    sp.add_argument("--lr-max", type=float, default=10.0, help="largest α (default 10)")
    sp.add_argument("--count", type=int, default=60, help="how many α, log-spaced (60)")
    sp.add_argument("--out", required=True, help="FILE.png (the plot) or FILE.csv")


def _add_config_options(p) -> None:
    """What a run is: surface, optimizer and hyperparameters, noise, schedule, stops."""
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--surface", help="a surface name (gdsim list surfaces)")
    where.add_argument(
        "--formula",
        help="your own f(x) or f(x, y), e.g. 'sin(x)*cos(y) + 0.1*(x^2+y^2)' "
        "(numbers, x, y, pi, e, + - * / ^ **, sin cos tan asin acos atan sinh cosh tanh exp "
        "log ln sqrt abs)",
    )
    p.add_argument("--optimizer", default="gd", help="an optimizer (gdsim list optimizers)")
    _add_hyper_options(p)
    p.add_argument("--batch-size", type=int, help="mini-batch size B in 1..N (data surfaces)")
    p.add_argument("--noise", type=float, default=0.0, help="gradient-noise σ (analytic surfaces)")
    p.add_argument("--seed", type=int, default=0, help="random seed for batches and noise")
    p.add_argument("--start", help="start point X[,Y] (default: the surface's)")
    p.add_argument("--steps", type=int, default=100, help="maximum number of steps (default 100)")
    p.add_argument("--tol", type=float, help="stop when ‖∇f‖ < tol")
    p.add_argument("--loss-tol", type=float, help="stop when |Δf| < tol")
    p.add_argument("--clip", type=float, help="clip the gradient norm to this value")
    p.add_argument(
        "--schedule",
        default="constant",
        help="learning-rate schedule: constant, step, exponential, cosine",
    )
    p.add_argument("--gamma", type=float, help="step/exponential schedule factor (0.5)")
    p.add_argument("--step-size", type=int, help="step schedule period (30)")
    p.add_argument("--t-max", type=int, help="cosine schedule half-period (100)")


def _add_hyper_options(p) -> None:
    """One option per hyperparameter any optimizer takes, from their declarations
    (gdsim.core.hyper): torch's keyword with _ written -, a comma list for a pair."""
    from gdsim.core.optimizers import OPTIMIZERS, all_params

    for h in all_params().values():
        users = [n for n, spec in OPTIMIZERS.items() if h.name in spec.defaults]
        text = f"{h.doc}; {h.range_text()} ({', '.join(users)})"
        if h.name == "lr":
            text += "; default: the surface's own, as in the window"
        if h.kind == "bool":
            p.add_argument(h.flag, *h.aliases, dest=h.name, action="store_true", default=None,
                           help=text)  # fmt: skip
        elif h.kind == "pair":
            p.add_argument(h.flag, *h.aliases, dest=h.name, metavar="A,B", help=text)
        else:
            p.add_argument(h.flag, *h.aliases, dest=h.name, type=float, help=text)


def _run_config(a):
    from gdsim.core.optimizers import all_params
    from gdsim.core.schedules import Schedule, ScheduleError
    from gdsim.core.simulation import RunConfig

    hyper = {name: getattr(a, name) for name in all_params()}
    given = {"gamma": a.gamma, "step_size": a.step_size, "t_max": a.t_max}
    uses = {"step": ("gamma", "step_size"), "exponential": ("gamma",), "cosine": ("t_max",)}
    for key, value in given.items():
        if value is not None and key not in uses.get(a.schedule, ()):
            flag = "--" + key.replace("_", "-")
            raise UsageError(f"gdsim {a.command}: {flag} does not apply to --schedule {a.schedule}")
    try:
        schedule = Schedule(a.schedule, **{k: v for k, v in given.items() if v is not None})
    except ScheduleError as e:
        raise UsageError(str(e)) from None
    if a.formula is not None:
        from gdsim.core.formula import surface_name

        surface = surface_name(a.formula)
    else:
        surface = a.surface
    if a.lr is None:  # the surface's own α, as a run added in the window gets
        from gdsim.core.surfaces import get_surface

        try:
            hyper["lr"] = get_surface(surface).default_lr
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


def cmd_run(a) -> int:
    from gdsim.core.simulation import ConfigError, simulate
    from gdsim.io.atomic import write_atomic
    from gdsim.io.trajectory_io import trajectory_csv, trajectory_json

    cfg = _run_config(a)
    try:
        surface = cfg.validate()
    except ConfigError as e:
        raise UsageError(str(e)) from None
    traj = simulate(cfg, surface)
    if a.format == "csv":
        text = trajectory_csv(traj, surface.params)
    else:
        text = trajectory_json(traj, surface.params, cfg.to_dict())
    if a.out:
        try:
            write_atomic(a.out, text)
        except OSError as e:
            print(f"gdsim run: cannot write {a.out}: {e.strerror}", file=sys.stderr)
            return 1
    else:
        sys.stdout.write(text)
    print(f"{surface.name}: {traj.status}", file=sys.stderr)
    return 0


def cmd_list(a) -> int:
    if a.what == "surfaces":
        from gdsim.core.surfaces import get_surface, surface_names

        for name in surface_names():
            s = get_surface(name)
            print(f"{name}\t{s.formula if s.is_data else f'{s.title}: {s.formula}'}")
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
        raise UsageError(f"gdsim export: cannot write .{fmt}; use png, svg, gif, mp4, csv or json")
    if not 1.0 <= a.scale <= 4.0:
        raise UsageError(f"gdsim export: --scale must be between 1 and 4, got {a.scale:g}")
    if fmt in ("csv", "json"):
        return _export_trajectories(a, as_json=fmt == "json")
    if fmt == "svg" and a.view not in ("contour", "loss", "data"):
        raise UsageError(
            f"gdsim export: SVG is drawn for the 2D plots only (contour, loss, data), "
            f"not for --view {a.view}; use .png for it"
        )
    problem = no_display()
    if problem:
        print(f"gdsim export: {problem}", file=sys.stderr)
        return 1
    from gdsim.qt.headless import export_headless

    return export_headless(a)


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
    trajectories = {r.id: simulate(r.config) for r in scene.runs}
    try:
        write_atomic(a.out, scene_trajectories(scene, trajectories, as_json))
    except OSError as e:
        print(f"gdsim export: cannot write {a.out}: {e.strerror}", file=sys.stderr)
        return 1
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
    folder = Path(a.out).resolve().parent
    if not folder.is_dir():  # say so before computing anything
        print(f"gdsim {a.command}: cannot write {a.out}: no folder {folder}", file=sys.stderr)
        return 1
    try:
        cfg.validate()
        if a.command == "basin":
            if a.start is not None:
                raise UsageError("gdsim basin: --start does not apply (every grid point is one)")
            result = basin_map(cfg, n=a.grid)
            summary = (
                f"{len(result.basins)} basins, {result.still_moving} still moving, "
                f"{result.diverged} diverged"
            )
        else:
            result = lr_sweep(cfg, a.lr_min, a.lr_max, a.count)
            best = result.best()
            summary = (
                f"lowest final loss at lr={best:.3g}" if best is not None else "every run diverged"
            ) + f", {result.state.count('diverged')} of {len(result.lrs)} diverged"
    except ConfigError as e:
        raise UsageError(f"gdsim {a.command}: {e}") from None
    try:
        if fmt == ".csv":
            write_atomic(a.out, result.csv())
        else:
            from gdsim.qt.analysis_export import write_png

            write_png(result, a.out)
    except OSError as e:
        print(f"gdsim {a.command}: cannot write {a.out}: {e.strerror}", file=sys.stderr)
        return 1
    except ValueError as e:  # the PNG writer's ExportError, which names the file
        print(f"gdsim {a.command}: {e}", file=sys.stderr)
        return 1
    print(f"{result.surface}: {summary}; wrote {a.out}", file=sys.stderr)
    return 0


def cmd_bench(a) -> int:
    from gdsim.bench import main as bench_main

    return bench_main(a.what, as_json=a.json)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gdsim",
        description="gdsim: a gradient-descent simulator for the classroom.",
        epilog="gdsim FILE.gdsim.json opens the window on a saved session.",
    )
    parser.add_argument("--version", action="version", version=f"gdsim {__version__}")
    parser.add_argument("--preset", help="open the window on this lesson (gdsim list presets)")
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="build the window, play a lesson, check 2D and 3D rendering, exit",
    )
    parser.add_argument(
        "--report",
        metavar="FILE.json",
        help="with --smoke-test: write the window's layout (parts, cut texts) to this file",
    )
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument("--projector", action="store_true", help="start in projector mode")
    modes.add_argument("--fullscreen", action="store_true", help="start full screen")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    _add_run_parser(sub)
    _add_analysis_parsers(sub)
    lp = sub.add_parser("list", help="list surfaces, optimizers or presets")
    lp.add_argument("what", choices=("surfaces", "optimizers", "presets"))
    lp.add_argument(
        "--long", action="store_true", help="optimizers: each hyperparameter, default and range"
    )
    ep = sub.add_parser("export", help="export a picture, animation or the trajectories")
    src = ep.add_mutually_exclusive_group(required=True)
    src.add_argument("--preset", help="a lesson (gdsim list presets)")
    src.add_argument("--session", help="a saved session (FILE.gdsim.json)")
    ep.add_argument("--view", default="window", choices=("window", "contour", "3d", "loss", "data"))
    ep.add_argument("--step", type=int, help="the step to show (default: the last one)")
    ep.add_argument("--scale", type=float, default=1.0, help="PNG resolution, 1 to 4")
    ep.add_argument("--fps", type=float, default=10.0, help="frames per second (GIF, MP4)")
    ep.add_argument("--out", required=True, help="FILE.png|svg|gif|mp4|csv|json")
    bp = sub.add_parser("bench", help="measure speed against reference runs")
    bp.add_argument("what", choices=("core", "gui", "all"))
    bp.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser


_COMMANDS = {
    "run": cmd_run,
    "list": cmd_list,
    "bench": cmd_bench,
    "export": cmd_export,
    "basin": cmd_analysis,
    "sweep": cmd_analysis,
}


def _split_session(argv: list[str]) -> tuple[str | None, list[str]]:
    """``gdsim FILE.gdsim.json``: the first bare word before any sub-command is a session."""
    for i, tok in enumerate(argv):
        if tok in _COMMANDS:
            return None, argv
        if tok.startswith("-") or (i > 0 and argv[i - 1] in ("--preset", "--report")):
            continue
        return tok, argv[:i] + argv[i + 1 :]
    return None, argv


def main(argv: Sequence[str] | None = None) -> int:
    argv = _join_negative_values(list(sys.argv[1:] if argv is None else argv))
    try:
        session, argv = _split_session(argv)
        args = build_parser().parse_args(argv)
        if args.command in _COMMANDS:
            if session is not None:
                raise UsageError(f"gdsim: unexpected argument {session!r}")
            return _COMMANDS[args.command](args)
        if session is not None and args.preset:
            raise UsageError("gdsim: give either --preset or a session file, not both")
        problem = no_display()
        if problem:
            print(f"gdsim: {problem}", file=sys.stderr)
            return 1
        gc.disable()  # until the window is up: see gdsim.qt.app.end_startup
        try:
            from gdsim.qt.app import run_app

            if args.report and not args.smoke_test:
                raise UsageError("gdsim: --report goes with --smoke-test")
            mode = "projector" if args.projector else "fullscreen" if args.fullscreen else "normal"
            return run_app(
                preset=args.preset,
                session=session,
                smoke_test=args.smoke_test,
                report=args.report,
                mode=mode,
            )
        finally:
            gc.enable()
    except UsageError as e:
        print(str(e), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
