"""``gdsim bench gui``: redraw time per step and start-up time, beside references.

Redraw: the window at 1920×1080 with contour + 3D + loss and 4 runs; one step is
"move the cursor, then run the event loop as the app does until the contour and the
loss plots have painted and the 3D frame has been swapped".  Reference,
timed in the same process: the naive pyqtgraph way, rebuilding the map, the
isolines and the 3D mesh at every step.  Start-up: from process start to the first
painted window, in fresh processes; reference: a bare PySide6 + pyqtgraph window.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

STEPS = 60
STARTUPS = 5

_BARE_WINDOW = """
import sys
from PySide6 import QtCore, QtWidgets
import pyqtgraph as pg
app = QtWidgets.QApplication(sys.argv)
w = QtWidgets.QMainWindow()
plot = pg.PlotWidget()
plot.plot([1, 3, 2])
w.setCentralWidget(plot)
def painted():  # as gdsim's probe: once the paint that began has finished
    print("first-paint", flush=True)
    app.quit()
class F(QtCore.QObject):
    def eventFilter(self, o, e):
        if e.type() == QtCore.QEvent.Paint:
            QtCore.QTimer.singleShot(0, painted)
            o.removeEventFilter(self)
        return False
f = F()
plot.viewport().installEventFilter(f)
w.show()
app.exec()
"""


def _startup_ms(cmd: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    elapsed = None
    for line in proc.stdout:
        if line.startswith("first-paint"):
            elapsed = (time.perf_counter() - t0) * 1000.0
            break
    proc.wait(timeout=60)
    if elapsed is None:
        raise RuntimeError(f"{cmd[-1][:40]!r} never painted")
    return elapsed


def bench_startup(repeats: int = STARTUPS) -> tuple[float, float]:
    env = {**os.environ, "GDSIM_STARTUP_PROBE": "1"}
    ours, ref = [], []
    for _ in range(repeats):
        ours.append(_startup_ms([sys.executable, "-m", "gdsim"], env))
        ref.append(_startup_ms([sys.executable, "-c", _BARE_WINDOW], env))
    return statistics.median(ours), statistics.median(ref)


class _PaintCounter:
    """Counts the paint events of some widgets."""

    def __init__(self, *widgets):
        from PySide6 import QtCore

        self.counts = {id(w): 0 for w in widgets}
        counts = self.counts

        class Filter(QtCore.QObject):
            def eventFilter(self, obj, event):
                if event.type() == QtCore.QEvent.Paint:
                    counts[id(obj)] += 1
                return False

        self._filter = Filter()
        for w in widgets:
            w.installEventFilter(self._filter)

    def snapshot(self) -> dict:
        return dict(self.counts)

    def all_since(self, before: dict) -> bool:
        return all(self.counts[k] > v for k, v in before.items())


def bench_redraw(steps: int = STEPS) -> tuple[float, float, float]:
    """Median ms per step: gdsim's redraw, the naive rebuild, gdsim with the lens on."""
    from PySide6 import QtWidgets

    from gdsim.qt.app import initial_scene, make_app
    from gdsim.qt.main_window import MainWindow

    app = make_app(remembered_theme=False)
    scene = initial_scene("ravine")
    scene.playing = False
    window = MainWindow(scene, restore_layout=False)
    window.ask_on_close = False
    for opt, lr in (("adam", 0.3), ("nesterov", 0.2)):
        run = scene.add_run()
        scene.update_run(run.id, optimizer=opt, hyper={"lr": lr}, start=(-9.0, 3.0), max_steps=150)
    window.resize(1920, 1080)
    window.show()
    try:
        return _measure_redraw(app, window, scene, steps)
    finally:
        window.close()
        window.controller.shutdown()
        window.dispose()
        QtWidgets.QApplication.processEvents()


def _measure_redraw(app, window, scene, steps: int) -> tuple[float, float, float]:
    from gdsim.core.grid import sample
    from gdsim.core.surfaces import get_surface

    deadline = time.perf_counter() + 20
    while (window.controller.pending() or window.surface3d.gl is None) and (
        time.perf_counter() < deadline
    ):
        app.processEvents()
        time.sleep(0.01)
    if window.controller.pending() or window.surface3d.gl is None or len(scene.runs) != 4:
        raise RuntimeError("the benchmark window did not get ready in 20 s")

    gl_window = window.surface3d.gl
    painted = _PaintCounter(window.contour.viewport(), window.loss.viewport())

    def paint_and_wait(t0: float) -> float:
        """Run the event loop, as the app does after a step, until the contour and the
        loss plots have painted and the 3D frame is on screen."""
        n, p = gl_window.frames, painted.snapshot()
        while (gl_window.frames == n or not painted.all_since(p)) and time.perf_counter() - t0 < 2:
            app.processEvents()
        return (time.perf_counter() - t0) * 1000.0

    def step_once(k: int) -> float:
        t0 = time.perf_counter()
        scene.set_cursor(k)
        return paint_and_wait(t0)

    for k in range(5):  # warm-up
        step_once(k)
    ours = [step_once(k) for k in range(1, steps + 1)]
    # the same with the curvature lens and the gradient flow shown (keys C and F)
    scene.set_view("show_curvature", True)
    scene.set_view("show_flow", True)
    for k in range(5):
        step_once(k)
    lens = [step_once(k) for k in range(1, steps + 1)]
    scene.set_view("show_curvature", False)
    scene.set_view("show_flow", False)

    surface = get_surface(scene.surface)

    def naive_once(k: int) -> float:
        t0 = time.perf_counter()
        grid = sample(surface, 200)
        window.contour.set_surface(surface, grid)
        window.surface3d.set_surface(surface, grid)
        scene.set_cursor(k)
        return paint_and_wait(t0)

    naive = [naive_once(k) for k in range(1, max(10, steps // 4))]
    return statistics.median(ours), statistics.median(naive), statistics.median(lens)


def bench_gui() -> dict:
    if not os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") != "xcb":
        raise SystemExit("gdsim bench gui needs a display with OpenGL: run it under xvfb-run")
    redraw, naive, lens = bench_redraw()
    startup, bare = bench_startup()
    return {
        "redraw_ms_median": redraw,
        "redraw_naive_pyqtgraph_ms_median": naive,
        "redraw_lens_ms_median": lens,
        "redraw_budget_ms": 16.7,
        "redraw_matplotlib_reference_ms": 136.0,
        "startup_ms_median": startup,
        "startup_bare_window_ms_median": bare,
        "startup_budget_ms": 1000.0,
    }


def report_gui(r: dict) -> list[str]:
    ok1 = "ok" if r["redraw_ms_median"] <= r["redraw_budget_ms"] else "OVER BUDGET"
    ok2 = "ok" if r["startup_ms_median"] <= r["startup_budget_ms"] else "OVER BUDGET"
    ok3 = "ok" if r["redraw_lens_ms_median"] <= r["redraw_budget_ms"] else "OVER BUDGET"
    ahead = r["redraw_matplotlib_reference_ms"] / r["redraw_ms_median"]
    return [
        f"gui   redraw per step (1920×1080, contour + 3D + loss, 4 runs): "
        f"{r['redraw_ms_median']:.1f} ms   [naive pyqtgraph, rebuilding map + mesh: "
        f"{r['redraw_naive_pyqtgraph_ms_median']:.1f} ms; matplotlib (PRODUCT.md): 136 ms, "
        f"{ahead:.0f}× slower; budget ≤ 16.7 ms] {ok1}",
        f"gui   the same with the curvature lens and the gradient flow on: "
        f"{r['redraw_lens_ms_median']:.1f} ms   [budget ≤ 16.7 ms] {ok3}",
        f"gui   start to first painted window: {r['startup_ms_median']:.0f} ms   "
        f"[bare PySide6 + pyqtgraph window: {r['startup_bare_window_ms_median']:.0f} ms; "
        f"budget ≤ 1000 ms] {ok2}",
    ]
