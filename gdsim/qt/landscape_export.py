"""``gdsim landscape --out FILE.png``: a model's slice and the run's path on it, drawn
off screen by the window's own contour view (no display needed)."""

from __future__ import annotations

import os

WIDTH, HEIGHT = 1200, 900


def write_png(model_surface, cfg, plane, grid, traj, path, scale: float = 2.0) -> None:
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # 2D only: no screen needed
    import shiboken6

    from gdsim.core.slice_surface import project_trajectory, slice_surface
    from gdsim.model import Scene
    from gdsim.qt.app import make_app
    from gdsim.qt.export import export_png
    from gdsim.qt.views.contour import ContourView

    app = make_app(remembered_theme=False)
    scene = Scene(surface=model_surface.name)
    run = scene.add_run(cfg)

    class Source:  # what the view reads its trajectories from: the path on the plane
        def __init__(self):
            self.trajectories = {run.id: project_trajectory(traj, plane)}

    view = ContourView(scene, Source())
    view.set_surface(slice_surface(model_surface, plane), grid)
    view.resize(WIDTH, HEIGHT)
    view.show()
    view.sync_runs()
    scene.cursor = len(traj) - 1  # the path to its end, and the legend saying how it ended
    view.redraw(scene.cursor)
    for _ in range(3):
        app.processEvents()
    try:
        export_png(view, path, scale=scale)
    finally:
        view.hide()  # (pyqtgraph's PlotWidget.close() crashes on a view never in a window)
        shiboken6.delete(view)
