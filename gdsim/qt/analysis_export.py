"""``gdsim basin`` / ``gdsim sweep`` to PNG: the Analyses dialog's plot, drawn off screen."""

from __future__ import annotations

import os

WIDTH, HEIGHT = 1200, 900
BASIN_WIDTH = 1500  # room for the legend beside the square map


def write_png(result, path: str | os.PathLike, scale: float = 2.0) -> None:
    """Draw a BasinMap or a Sweep as the window does, and save it (``scale`` × 1200×900)."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # 2D only: no screen needed
    import shiboken6

    from gdsim.core.analyses import BasinMap
    from gdsim.core.surfaces import get_surface
    from gdsim.qt.analysis_plots import BasinPlot, SweepPlot
    from gdsim.qt.app import make_app
    from gdsim.qt.export import export_png

    app = make_app(remembered_theme=False)
    if isinstance(result, BasinMap):
        plot = BasinPlot()
        plot.show_map(result, get_surface(result.surface).params)
    else:
        plot = SweepPlot()
        plot.show_sweep(result, result.config.lr)
    plot.resize(BASIN_WIDTH if isinstance(result, BasinMap) else WIDTH, HEIGHT)
    plot.show()
    for _ in range(3):
        app.processEvents()
    try:
        export_png(plot, path, scale=scale)
    finally:
        plot.close()
        shiboken6.delete(plot)
