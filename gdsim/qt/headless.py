"""``gdsim export``: build the window on a lesson or session, export, exit."""

from __future__ import annotations

import sys
import time

EXIT_USAGE = 2


def export_headless(args, progress=None) -> int:
    """``progress(done, total)``: told after each frame of an animation."""
    import shiboken6

    from gdsim.io.session import SessionError, read_session
    from gdsim.model import SceneError
    from gdsim.presets import PresetError
    from gdsim.qt.app import initial_scene, make_app

    try:
        scene = read_session(args.session) if args.session else initial_scene(args.preset)
    except (PresetError, SceneError, SessionError) as e:
        print(f"gdsim export: {e}", file=sys.stderr)
        return EXIT_USAGE
    scene.playing = False
    if getattr(args, "lens", False):
        scene.view["show_curvature"] = True
    if getattr(args, "flow", False):
        scene.view["show_flow"] = True
    app = make_app(remembered_theme=False)
    from PySide6 import QtCore

    from gdsim.qt.export import ExportError, export
    from gdsim.qt.landscape import Landscape
    from gdsim.qt.main_window import MainWindow

    with Landscape.computing_at(QtCore.QThread.Priority.NormalPriority):  # no one watches
        window = MainWindow(scene, restore_layout=False)  # the same picture on every machine
    window.ask_on_close = False
    window.resize(1600, 1000)
    window.show()
    deadline = time.monotonic() + 30
    landscape = window.view_area.landscape  # a model's slice is computed off the GUI thread

    def busy() -> bool:
        laying = window.surface3d.laying()  # a long run's 3D trail, laid in the background
        shown = window.isVisible() and window.view_area.built_view("loss") is not None
        return window.controller.pending() or landscape.busy or laying or not shown

    while busy() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
    for _ in range(5):
        app.processEvents()
    code = 0
    try:
        export(
            window,
            args.view,
            args.out,
            scale=args.scale,
            fps=args.fps,
            step=args.step,
            progress=progress,
        )
        print(f"wrote {args.out}")
    except ExportError as e:
        print(f"gdsim export: {e}", file=sys.stderr)
        code = EXIT_USAGE
    except OSError as e:
        print(f"gdsim export: {e}", file=sys.stderr)
        code = 1
    window.dispose()
    shiboken6.delete(window)
    return code
