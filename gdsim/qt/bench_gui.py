"""``gdsim bench gui``: redraw time per step and start-up time, beside references.

Redraw: the window (1920×1080, the ravine lesson with 4 runs of 150 steps unless
``--size``, ``--runs``, ``--steps`` say otherwise) with contour + 3D + loss; one step
is "move the cursor, then run the event loop as the app does until the contour and
the loss plots have painted and the 3D frame has been swapped"; a jump moves it to a
random step.  References, timed in the same process on the same trajectories
(:mod:`gdsim.qt.bench_refs`): an idiomatic pyqtgraph window and matplotlib.
Start-up: from process start to the first painted window, in fresh processes;
reference: a bare PySide6 + pyqtgraph window.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

STEPS = 60
STARTUPS = 5
REDRAW_BUDGET_MS = 16.7  # a step, and a jump's median: 60 frames a second
SCRUB_MAX_BUDGET_MS = 33.0  # the worst jump
STARTUP_BUDGET_MS = 1000.0  # start-up, process start to the first painted window
STARTUP_VS_BARE = 1.1  # ... and at most this many times the bare window's

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


def _startup_ms(cmd: list[str], env: dict) -> tuple[float, float | None]:
    """ms from process start to the first painted window, and to the window complete
    (its views built after the first paint drawn too; None if it never says so)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    watchdog = threading.Timer(60, proc.kill)  # a window that never says: no figure
    watchdog.start()
    first = complete = None
    try:
        for line in proc.stdout:
            if line.startswith("first-paint"):
                first = (time.perf_counter() - t0) * 1000.0
            elif line.startswith("complete"):
                complete = (time.perf_counter() - t0) * 1000.0
            elif line.startswith("incomplete"):
                break
        proc.wait(timeout=60)
    finally:
        watchdog.cancel()
    if first is None:
        raise RuntimeError(f"{cmd[-1][:40]!r} never painted")
    return first, complete


def bench_startup(repeats: int = STARTUPS) -> dict:
    """Medians (ms) over fresh processes, gdsim's and the bare window's in turn."""
    env = {**os.environ, "GDSIM_STARTUP_PROBE": "1"}
    ours, ref = [], []
    for _ in range(repeats):
        ours.append(_startup_ms([sys.executable, "-m", "gdsim"], env))
        ref.append(_startup_ms([sys.executable, "-c", _BARE_WINDOW], env)[0])
    complete = [t for _, t in ours]
    return {
        "startup_ms_median": statistics.median(t for t, _ in ours),
        "startup_complete_ms_median": None if None in complete else statistics.median(complete),
        "startup_bare_window_ms_median": statistics.median(ref),
    }


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


@dataclass(frozen=True)
class Case:
    """What is measured: the window's size, its runs and their steps."""

    width: int = 1920
    height: int = 1080
    runs: int = 4
    steps: int = 150
    surface: str = ""  # the ravine lesson's surface unless named (a model: its PCA slice)

    def to_dict(self) -> dict:
        d = {"size": f"{self.width}x{self.height}", "runs": self.runs, "steps": self.steps}
        return {**d, "surface": self.surface} if self.surface else d


# the runs added to the ravine lesson's two: one optimizer after the other
_EXTRA = (("adam", 0.3), ("nesterov", 0.2), ("momentum", 0.1), ("rmsprop", 0.05), ("gd", 0.3))
JUMPS = 30


def _case_window(case: Case):
    from gdsim.qt.app import initial_scene, make_app
    from gdsim.qt.main_window import MainWindow

    app = make_app(remembered_theme=False)
    scene = initial_scene("ravine")
    scene.playing = False
    if case.surface:
        scene.set_surface(case.surface)
        scene.view["plane"] = "pca"
    for run in scene.runs[: case.runs]:
        scene.update_run(run.id, max_steps=case.steps)
    for run in scene.runs[case.runs :]:
        scene.remove_run(run.id)
    for i in range(len(scene.runs), case.runs):
        opt, lr = _EXTRA[i % len(_EXTRA)]
        run = scene.add_run()
        if case.surface:  # a model: its own spread start, α relative to its default
            changes = {"hyper": {"lr": run.config.lr * lr / 0.3}}
        else:
            changes = {"hyper": {"lr": lr}, "start": (-9 + 0.25 * (i // 5), 3 - 0.09 * i)}
        scene.update_run(run.id, optimizer=opt, max_steps=case.steps, **changes)
    window = MainWindow(scene, restore_layout=False)
    window.ask_on_close = False
    window.setGeometry(0, 0, case.width, case.height)  # the whole screen, as maximised
    window.show()
    return app, scene, window


def _waiter(app, gl_frames, painted):
    """paint_and_wait(t0): run the event loop until the 2D plots have painted and a 3D
    frame is out, then the ms since ``t0``."""

    def paint_and_wait(t0: float) -> float:
        n, p = gl_frames(), painted.snapshot()
        while (gl_frames() == n or not painted.all_since(p)) and time.perf_counter() - t0 < 3:
            app.processEvents()
        return (time.perf_counter() - t0) * 1000.0

    return paint_and_wait


def bench_redraw(case: Case = Case()) -> dict:
    """gdsim's window on ``case``: median ms per step while stepping, with the lens and
    the flow on, and per jump to random steps (median and worst); the same for an
    idiomatic pyqtgraph window and for matplotlib, drawing the same picture."""
    import random

    from PySide6 import QtWidgets

    app, scene, window = _case_window(case)
    landscape = window.view_area.landscape

    def busy() -> bool:
        sliced = not landscape.active or (landscape.plane is not None and not landscape.busy)
        return window.controller.pending() or window.surface3d.gl is None or not sliced

    try:
        deadline = time.perf_counter() + 60 + case.runs * case.steps * 2e-5
        while busy() and time.perf_counter() < deadline:
            app.processEvents()
            time.sleep(0.01)
        if busy():
            raise RuntimeError("the benchmark window did not get ready in time")
        gl_window = window.surface3d.gl
        plots = [window.contour, window.loss, window.view_area.built_view("model_data")]
        painted = _PaintCounter(*(p.viewport() for p in plots if p is not None and p.isVisible()))
        wait = _waiter(app, lambda: gl_window.frames, painted)
        last = window.controller.last_step()
        rng = random.Random(7)
        jumps = [rng.randrange(last + 1) for _ in range(JUMPS)]
        stepping = range(1, min(last, STEPS) + 1)

        def go(k: int) -> float:
            t0 = time.perf_counter()
            scene.set_cursor(k)
            return wait(t0)

        for k in range(5):  # warm-up
            go(k)
        redraw = [go(k) for k in stepping]
        for k in jumps[:3]:
            go(k)
        scrub = [go(k) for k in jumps]
        scene.set_view("show_curvature", True)
        scene.set_view("show_flow", True)
        for k in range(5):
            go(k)
        lens = [go(k) for k in stepping]
        scene.set_view("show_curvature", False)
        scene.set_view("show_flow", False)
        slicing = _while_slicing(scene, landscape, go) if landscape.active else None
        trajs = [landscape.source.trajectories.get(r.id) for r in scene.runs]
        colors = [r.color for r in scene.runs]
        surface = window.contour.surface
    finally:
        window.close()
        window.controller.shutdown()
        window.dispose()
        QtWidgets.QApplication.processEvents()
    if case.steps > 10_000:  # the references take seconds a frame there: fewer frames
        stepping, jumps = stepping[:10], jumps[:10]
    ref = _reference_redraw(app, surface, trajs, colors, case, stepping, jumps)
    mpl = _matplotlib(surface, trajs, colors, case, jumps, len(stepping))
    return {
        "redraw_ms_median": statistics.median(redraw),
        "redraw_lens_ms_median": statistics.median(lens),
        "scrub_ms_median": statistics.median(scrub),
        "scrub_ms_max": max(scrub),
        "redraw_while_slicing_ms_median": slicing,
        "pyqtgraph_redraw_ms_median": ref[0],
        "pyqtgraph_scrub_ms_median": ref[1],
        "pyqtgraph_scrub_ms_max": ref[2],
        "matplotlib_redraw_ms_median": None if mpl is None else mpl["redraw"],
        "matplotlib_scrub_ms_median": None if mpl is None else mpl["scrub"],
    }


def _while_slicing(scene, landscape, go) -> float | None:
    """A model: median ms per step while the window computes a new slice (the plane's
    random directions, then PCA again), as long as one is computing."""
    from PySide6 import QtWidgets

    times = []
    for plane in ("random", "pca"):
        scene.set_view("plane", plane)
        k = 0
        while landscape.busy and k < STEPS:
            k += 1
            times.append(go(k))
    deadline = time.perf_counter() + 60
    while landscape.busy and time.perf_counter() < deadline:  # the references draw PCA's
        QtWidgets.QApplication.processEvents()
        time.sleep(0.01)
    if landscape.busy:
        raise RuntimeError("the benchmark's slice did not finish in time")
    return statistics.median(times) if times else None


def _reference_redraw(app, surface, trajs, colors, case, stepping, jumps):
    from gdsim.qt.bench_refs import PyqtgraphReference

    ref = PyqtgraphReference(surface, trajs, colors)
    ref.resize(case.width, case.height)
    ref.show()
    frames = [0]
    ref.gl.frameSwapped.connect(lambda: frames.__setitem__(0, frames[0] + 1))
    for _ in range(20):
        app.processEvents()
        time.sleep(0.01)
    wait = _waiter(app, lambda: frames[0], _PaintCounter(*ref.painted_widgets()))

    def go(k: int) -> float:
        t0 = time.perf_counter()
        ref.show_step(k)
        return wait(t0)

    try:
        for k in range(5):
            go(k)
        redraw = [go(k) for k in stepping]
        scrub = [go(k) for k in jumps]
    finally:
        ref.close()
        ref.deleteLater()
        app.processEvents()
    return statistics.median(redraw), statistics.median(scrub), max(scrub)


def _matplotlib(surface, trajs, colors, case, jumps, steps):
    from gdsim.qt.bench_refs import matplotlib_redraw_ms

    return matplotlib_redraw_ms(surface, trajs, colors, (case.width, case.height), steps, jumps)


def bench_gui(case: Case = Case()) -> dict:
    if not os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") != "xcb":
        raise SystemExit("gdsim bench gui needs a display with OpenGL: run it under xvfb-run")
    r = {"case": case.to_dict(), **bench_redraw(case)}
    r.update(bench_startup())
    r.update(
        redraw_budget_ms=REDRAW_BUDGET_MS,
        scrub_max_budget_ms=SCRUB_MAX_BUDGET_MS,
        startup_budget_ms=STARTUP_BUDGET_MS,
        startup_vs_bare_budget=STARTUP_VS_BARE,
    )
    return r


def _complete(v) -> str:
    return "not reached in a run" if v is None else f"{v:.0f} ms"


def _ms(v) -> str:
    return "not measured (pip install gdsim[bench])" if v is None else f"{v:.1f} ms"


def report_gui(r: dict) -> list[str]:
    c = r["case"]
    where = f"{c['size']}, {c['runs']} runs × {c['steps']} steps"
    if c.get("surface"):
        where += f" on {c['surface']}"

    def ok(*pairs) -> str:  # (value, budget), ...: every value within its budget
        return "ok" if all(value <= budget for value, budget in pairs) else "OVER BUDGET"

    startup_ok = ok(
        (r["startup_ms_median"], r["startup_budget_ms"]),
        (r["startup_ms_median"], r["startup_vs_bare_budget"] * r["startup_bare_window_ms_median"]),
    )
    jumps_ok = ok(
        (r["scrub_ms_median"], r["redraw_budget_ms"]),
        (r["scrub_ms_max"], r["scrub_max_budget_ms"]),
    )

    return [
        f"gui   redraw per step ({where}; contour + 3D + loss): {r['redraw_ms_median']:.1f} ms"
        f"   [idiomatic pyqtgraph: {r['pyqtgraph_redraw_ms_median']:.1f} ms; matplotlib: "
        f"{_ms(r['matplotlib_redraw_ms_median'])}; budget ≤ {REDRAW_BUDGET_MS:g} ms] "
        f"{ok((r['redraw_ms_median'], r['redraw_budget_ms']))}",
        f"gui   the same with the curvature lens and the gradient flow on: "
        f"{r['redraw_lens_ms_median']:.1f} ms   [budget ≤ {REDRAW_BUDGET_MS:g} ms] "
        f"{ok((r['redraw_lens_ms_median'], r['redraw_budget_ms']))}",
        f"gui   cursor jumps to random steps: {r['scrub_ms_median']:.1f} ms median, "
        f"{r['scrub_ms_max']:.1f} ms worst   [idiomatic pyqtgraph: "
        f"{r['pyqtgraph_scrub_ms_median']:.1f} ms median, {r['pyqtgraph_scrub_ms_max']:.1f} "
        f"ms worst; matplotlib: {_ms(r['matplotlib_scrub_ms_median'])}; budget ≤ "
        f"{REDRAW_BUDGET_MS:g} ms median, ≤ {SCRUB_MAX_BUDGET_MS:g} ms worst] "
        f"{jumps_ok}",
        *(
            []
            if r.get("redraw_while_slicing_ms_median") is None
            else [
                f"gui   the same while a new slice computes: "
                f"{r['redraw_while_slicing_ms_median']:.1f} ms   "
                f"[budget ≤ {REDRAW_BUDGET_MS:g} ms] "
                f"{ok((r['redraw_while_slicing_ms_median'], r['redraw_budget_ms']))}"
            ]
        ),
        f"gui   start to first painted window: {r['startup_ms_median']:.0f} ms   "
        f"[bare PySide6 + pyqtgraph window: {r['startup_bare_window_ms_median']:.0f} ms; "
        f"budget ≤ {r['startup_budget_ms']:.0f} ms and ≤ {r['startup_vs_bare_budget']:g} × "
        f"the bare window's] {startup_ok}",
        f"gui   start to the window complete (loss view and 3D frame drawn too, built "
        f"after the first paint): {_complete(r['startup_complete_ms_median'])}",
    ]
