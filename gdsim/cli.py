"""The ``gdsim`` command line.

``gdsim run``, ``gdsim list`` and CSV from ``gdsim basin`` / ``sweep`` never import Qt;
the window, ``--smoke-test``, ``export``, PNG analyses and ``bench gui`` import it only
when they are asked for.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence

from gdsim import __version__
from gdsim.commands import UsageError

EXIT_USAGE = 2


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


def _add_run_parser(sub) -> None:
    p = sub.add_parser("run", help="simulate one run headless and print its trajectory")
    _add_config_options(p)
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.add_argument("--out", help="write to this file instead of standard output")
    p.add_argument(
        "--explain",
        type=int,
        metavar="K",
        help="instead of the trajectory, step K written out: the update's lines with their "
        "numbers (text), or with --format json the step's numbers and the optimizer's state "
        "under torch's names",
    )


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
    dp = sub.add_parser("data", help="a model's data set to CSV (features, target, heldout)")
    dp.add_argument("--surface", required=True, help="a model (gdsim list surfaces)")
    dp.add_argument("--out", required=True, help="FILE.csv")
    lp = sub.add_parser(
        "landscape", help="a model's loss through a plane, with the run's path, to PNG or CSV"
    )
    _add_config_options(lp)
    lp.add_argument(
        "--plane",
        default="pca",
        help="pca (the path's top two principal directions, centred on its end), random "
        "(two filter-normalised random directions through its end) or params:I,J (parameters "
        "I and J, the others held at the end); default pca",
    )
    lp.add_argument("--grid", type=int, default=101, help="points per side (default 101)")
    lp.add_argument("--out", required=True, help="FILE.png (the map) or FILE.csv")


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
    from gdsim.core.schedules import SPECS, all_schedule_params, schedule_flags

    p.add_argument(
        "--schedule",
        default="constant",
        choices=tuple(SPECS),
        metavar="KIND",
        help="learning-rate schedule: "
        + "; ".join(f"{k} ({s.torch_class or 'none'}: {s.description})" for k, s in SPECS.items()),
    )
    # one option per schedule parameter (gdsim.core.schedules); a flag the optimizers
    # already take (--eps) is left to them, the parameter keeps its other spelling
    # (true|false for a switch, a comma list for milestones)
    for name, uses in all_schedule_params().items():
        h = uses[0][1]
        docs = {d.doc for _k, d in uses}
        shown = {  # the defaults as they are typed: 30,80 / true / none
            k: ",".join(map(str, d.default)) if isinstance(d.default, tuple) else str(d.default)
            for k, d in uses
        }
        text = "; ".join(
            f"{k}: " + (f"{d.doc}, " if len(docs) > 1 else "") + f"{d.range_text()}, "
            f"default {shown[k].lower()}"
            for k, d in uses
        )
        text = text if len(docs) > 1 else f"{h.doc} ({text})"
        kw = {"type": float} if h.kind == "float" else {}
        if h.kind == "int":
            kw = {"type": whole_or_none if h.default is None else int}
        if h.kind == "bool":
            kw = {"choices": ("true", "false")}
        p.add_argument(*schedule_flags(h), dest="schedule_" + name, metavar=name.upper(),
                       help=text, **kw)  # fmt: skip


def _add_hyper_options(p) -> None:
    """One option per hyperparameter any optimizer takes, from their declarations
    (gdsim.core.hyper): torch's keyword with _ written -, a comma list for a pair, a
    name for a choice; where optimizers declare one name differently (Adafactor's eps is
    a pair, Adam's a number) the text is read as the chosen optimizer declares it."""
    from gdsim.core.optimizers import OPTIMIZERS

    named: dict[str, list] = {}
    for spec in OPTIMIZERS.values():
        for h in spec.params:
            named.setdefault(h.name, []).append((spec.name, h))
    for uses in named.values():
        h = uses[0][1]
        kinds = {d.kind for _n, d in uses}
        groups: dict[tuple, list[str]] = {}  # one text per different declaration
        for n, d in uses:
            groups.setdefault((d.doc, d.range_text()), []).append(n)
        text = "; ".join(
            (f"{', '.join(names)}: " if len(groups) > 1 else "")
            + f"{doc}, {rng}"
            + ("" if len(groups) > 1 else f" ({', '.join(names)})")
            for (doc, rng), names in groups.items()
        )
        if h.name == "lr":
            text += "; default: the surface's own, as in the window (1 where lr scales a step)"
        if kinds == {"bool"}:
            p.add_argument(h.flag, *h.aliases, dest=h.name, action="store_true", default=None,
                           help=text)  # fmt: skip
            continue
        kw: dict = {"type": _NUMBER}
        if kinds == {"int"}:
            kw = {"type": whole_or_none if any(d.default is None for _n, d in uses) else int}
        elif kinds == {"choice"}:
            kw = {"choices": h.choices}
        elif "pair" in kinds or len(kinds) > 1:
            kw = {"type": _number_or_text, "metavar": "A[,B]" if "pair" in kinds else None}
        p.add_argument(h.flag, *h.aliases, dest=h.name, help=text, **kw)


def whole_or_none(text: str):
    """A whole number, or none (torch's None: "the same as …", e.g. max_eval)."""
    if text.strip().lower() == "none":
        return None
    return int(text)


_NUMBER = float


def _number_or_text(text: str):
    """A number where the text is one ("1e-8"), else the text ("0.9,0.999": a pair)."""
    try:
        return float(text)
    except ValueError:
        return text


def build_parser(commands: bool = True) -> argparse.ArgumentParser:
    """The command line's parser; without ``commands``, the window's options alone (what
    ``gdsim`` with no sub-command needs: ~15 ms sooner to the window)."""
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
    if not commands:
        parser.set_defaults(command=None)
        return parser
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
    ep.add_argument(
        "--lens", action="store_true", help="show the curvature lens (as key C in the window)"
    )
    ep.add_argument(
        "--flow", action="store_true", help="show the gradient flow (as key F in the window)"
    )
    ep.add_argument("--out", required=True, help="FILE.png|svg|gif|mp4|csv|json")
    bp = sub.add_parser("bench", help="measure speed against reference runs")
    bp.add_argument("what", choices=("core", "gui", "all"))
    bp.add_argument("--json", action="store_true", help="print the figures as JSON")
    bp.add_argument("--size", default="1920x1080", help="gui: the window, WxH (1920x1080)")
    bp.add_argument("--runs", type=int, default=4, help="gui: runs in the scene (4)")
    bp.add_argument("--steps", type=int, default=150, help="gui: steps of each run (150)")
    bp.add_argument(
        "--surface", help="gui: the runs on this surface (a model: on its PCA slice); ravine"
    )
    return parser


def _commands() -> dict:
    from gdsim import commands as c
    from gdsim import model_commands as m

    return {
        "run": c.cmd_run,
        "list": c.cmd_list,
        "bench": c.cmd_bench,
        "export": c.cmd_export,
        "basin": c.cmd_analysis,
        "sweep": c.cmd_analysis,
        "data": m.cmd_data,
        "landscape": m.cmd_landscape,
    }


_COMMAND_NAMES = ("run", "list", "bench", "export", "basin", "sweep", "data", "landscape")


def _split_session(argv: list[str]) -> tuple[str | None, list[str]]:
    """``gdsim FILE.gdsim.json``: the first bare word before any sub-command is a session."""
    for i, tok in enumerate(argv):
        if tok in _COMMAND_NAMES:
            return None, argv
        if tok.startswith("-") or (i > 0 and argv[i - 1] in ("--preset", "--report")):
            continue
        return tok, argv[:i] + argv[i + 1 :]
    return None, argv


def _asks_help(tok: str) -> bool:
    """-h, --help or a prefix of it that argparse takes for it (--he)."""
    return tok == "-h" or (len(tok) > 2 and "--help".startswith(tok))


def main(argv: Sequence[str] | None = None) -> int:
    argv = _join_negative_values(list(sys.argv[1:] if argv is None else argv))
    try:
        session, argv = _split_session(argv)
        named = any(tok in _COMMAND_NAMES or _asks_help(tok) for tok in argv)
        args = build_parser(commands=named).parse_args(argv)
        if args.command in _COMMAND_NAMES:
            if session is not None:
                raise UsageError(f"gdsim: unexpected argument {session!r}")
            from gdsim.io.atomic import OutputError

            try:
                return _commands()[args.command](args)
            except OutputError as e:  # checked before any work, or the write failed
                print(f"gdsim {args.command}: {e}", file=sys.stderr)
                return 1
        if session is not None and args.preset:
            raise UsageError("gdsim: give either --preset or a session file, not both")
        from gdsim.commands import no_display

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
