"""What the curvature lens and the gradient-flow toggle draw on a map of parameter
space, for the selected run at the cursor:

- ``CurvatureLens``: the exact Hessian's two eigen-directions through the marble, as
  axes whose half-lengths grow with √|λ| (the stronger curvature has the longer axis;
  the weaker one never shorter than a tenth of it), each labelled with its eigenvalue;
  an axis along which the surface bends down (λ < 0) is dashed and orange.
- ``FlowPath``: the gradient flow dθ/dt = −∇f(θ) from the run's start (a dashed grey
  curve) over the run's own time t = α₀ + … + α_{k−1}, with a grey ring where the flow
  is at the cursor's time, so that plain GD at small α is seen to ride along with the
  ring and at large α to leave it.

Both are pyqtgraph's own items (PlotCurveItem, TextItem, ScatterPlotItem), so the
window's PNG and SVG exports include them.
"""

from __future__ import annotations

import weakref

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from gdsim.core.curvature import curvature_at
from gdsim.core.flow import gradient_flow, run_times
from gdsim.qt import theme

UP_COLOR = "#5b2a86"  # reads on the light map's blues, whites and salmons
DOWN_COLOR = "#d95f02"
FLOW_COLOR = "#505050"


def lens_axes(curv, length: float) -> list[tuple[np.ndarray, float]]:
    """(segment (2, 2), eigenvalue) per eigen-direction, the strongest first, centred
    on the point, half-length ``length``·max(0.1, √(|λ|/max|λ|))."""
    values, vectors = curv.values, curv.vectors
    top = float(np.max(np.abs(values)))
    order = np.argsort(-np.abs(values))
    out = []
    for i in order:
        rel = np.sqrt(abs(values[i]) / top) if top > 0 else 1.0
        half = length * max(0.1, rel) * vectors[:, i]
        out.append((np.array([curv.point - half, curv.point + half]), float(values[i])))
    return out


def _changed(item, name: str, value) -> bool:
    """Whether ``value`` differs from what ``item`` was last given under ``name`` (a
    step then skips re-laying out text or re-styling a pen that stays the same)."""
    key = f"_lens_{name}"
    if getattr(item, key, None) == value:
        return False
    setattr(item, key, value)
    return True


def _pen(item, color: str, width: float, dashed: bool) -> None:
    if _changed(item, "pen", (color, width, dashed)):
        style = QtCore.Qt.DashLine if dashed else QtCore.Qt.SolidLine
        item.setPen(pg.mkPen(color, width=width, style=style))


def _label(label: pg.TextItem, color: str, text: str, anchor) -> None:
    if _changed(label, "html", (color, text, theme.font_pt())):
        label.setHtml(
            f'<span style="color:{color}; font-size:{theme.font_pt():.0f}pt; '
            f'background-color:rgba(255,255,255,200)">{text}</span>'
        )
    if _changed(label, "anchor", anchor):
        label.setAnchor(anchor)


def inside_end(plot: pg.PlotItem, seg: np.ndarray):
    """Of a segment's two ends, the one further inside ``plot``'s view (kept inside it),
    and the text anchor that makes a label there reach towards the view's middle."""
    (x0, x1), (y0, y1) = plot.viewRange()
    mid = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    half = np.array([(x1 - x0) / 2, (y1 - y0) / 2])
    out = [float(np.max(np.abs(e - mid) / half)) for e in seg]
    end = seg[int(np.argmin(out))]
    end = np.clip(end, mid - 0.97 * half, mid + 0.97 * half)
    anchor = (1.0 if end[0] > mid[0] else 0.0, 0.0 if end[1] > mid[1] else 1.0)
    return (float(end[0]), float(end[1])), anchor


class CurvatureLens:
    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self.axes = [pg.PlotCurveItem() for _ in range(2)]
        self.labels = [pg.TextItem(anchor=(0.0, 1.0)) for _ in range(2)]
        for item in (*self.axes, *self.labels):
            item.setZValue(22)
            item.setVisible(False)
            plot.addItem(item, ignoreBounds=True)
        for label in self.labels:
            label.setToolTip(
                "An eigenvalue of the Hessian ∇²f at the marble: the curvature along this "
                "axis (dashed: the surface bends down); on a curve, f″ and its parabola"
            )
        self.shown: list[float] = []  # the eigenvalues drawn, strongest first

    def hide(self) -> None:
        self.shown = []
        for item in (*self.axes, *self.labels):
            item.setVisible(False)

    def show(self, surface, point, length: float) -> None:
        curv = curvature_at(surface, point) if np.isfinite(point).all() else None
        if curv is None:
            self.hide()
            if np.isfinite(point).all():  # say why there is no lens (Ackley's tip)
                at = np.array([point[0], surface.value(np.array([point]))[0]])
                at = point[:2] if surface.dim == 2 else at
                label = self.labels[0]
                _label(label, DOWN_COLOR, "∇²f is not defined here", (0.0, 1.0))
                label.setPos(float(at[0]), float(at[1]))
                label.setVisible(True)
            return
        if surface.dim == 1:
            self._show_parabola(surface, curv, length)
            return
        axes = lens_axes(curv, length)
        self.shown = [lam for _, lam in axes]
        width = 3.0 * theme.LINE_SCALE
        for i, (curve, label) in enumerate(zip(self.axes, self.labels, strict=True)):
            if i >= len(axes):
                curve.setVisible(False)
                label.setVisible(False)
                continue
            seg, lam = axes[i]
            color = UP_COLOR if lam >= 0 else DOWN_COLOR
            _pen(curve, color, width, lam < 0)
            curve.setData(seg[:, 0], seg[:, 1])
            curve.setVisible(True)
            sub = "₁₂"[i] if len(axes) > 1 else ""
            # at the axis' end (the one further inside the view), the text reaching
            # towards the view's middle, so that it stays on the plot
            end, anchor = inside_end(self.plot, seg)
            _label(label, color, f"λ{sub} = {lam:.4g}", anchor)
            label.setPos(*end)
            label.setVisible(True)

    def _show_parabola(self, surface, curv, length: float) -> None:
        """On a curve: the local quadratic model f(x_k) + f′(x_k)·d + ½·f″(x_k)·d² over
        |d| ≤ ``length``, labelled with f″ (the one eigenvalue)."""
        x0 = float(curv.point[0])
        lam = float(curv.values[0])
        f0, g0 = surface.evaluate(np.array([[x0]]))
        d = np.linspace(-length, length, 81)
        y = float(f0[0]) + float(g0[0, 0]) * d + 0.5 * lam * d * d
        self.shown = [lam]
        color = UP_COLOR if lam >= 0 else DOWN_COLOR
        curve, label = self.axes[0], self.labels[0]
        _pen(curve, color, 3.0 * theme.LINE_SCALE, True)
        curve.setData(x0 + d, y)
        curve.setVisible(True)
        ends = np.array([[x0 - length, float(y[0])], [x0 + length, float(y[-1])]])
        end, anchor = inside_end(self.plot, ends)
        _label(label, color, f"f″ = λ = {lam:.4g}", anchor)
        label.setPos(*end)
        label.setVisible(True)
        self.axes[1].setVisible(False)
        self.labels[1].setVisible(False)


class FlowPath:
    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self.curve = pg.PlotCurveItem()
        self.ring = pg.ScatterPlotItem(symbol="o", brush=pg.mkBrush(None))
        for item in (self.curve, self.ring):
            item.setZValue(11 if item is self.curve else 21)  # over the trails, the ring
            item.setVisible(False)  # over the marbles
            plot.addItem(item, ignoreBounds=True)
        self.ring.setToolTip("Where the gradient flow is at the run's time t = Σα so far")
        self._cache: dict = {}
        self._times: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.flow = None

    def hide(self) -> None:
        self.flow = None
        self.curve.setVisible(False)
        self.ring.setVisible(False)

    def compute(self, surface, traj, bounds):
        """The flow from the run's start over the run's whole time (kept per surface,
        start and time, so scrubbing costs nothing)."""
        known = self._times.get(traj)
        if known is None or len(known) != len(traj.lr):
            known = self._times[traj] = run_times(traj.lr)  # once per trajectory
        times = known
        start = tuple(float(v) for v in traj.position[0])
        key = (surface.name, start, float(times[-1]), tuple(map(tuple, bounds)))
        flow = self._cache.get(key)
        if flow is None:
            with np.errstate(all="ignore"):
                flow = gradient_flow(surface.grad, start, float(times[-1]), bounds=bounds)
            if len(self._cache) > 16:
                self._cache.clear()
            self._cache[key] = flow
        return flow, times

    def show(self, surface, traj, k: int, bounds) -> None:
        flow, times = self.compute(surface, traj, bounds)
        width = 2.5 * theme.LINE_SCALE
        if surface.dim == 1:  # on the curve itself: a grey band over the part it covers
            if _changed(self.curve, "pen", ("band", width)):
                self.curve.setPen(pg.mkPen(80, 80, 80, 90, width=4 * width))
        else:
            _pen(self.curve, FLOW_COLOR, width, True)
        if flow is not self.flow or _changed(self.curve, "width", width):
            pts = flow.theta
            if surface.dim == 1:
                pts = np.column_stack([pts[:, 0], surface.value(pts)])
            self.curve.setData(pts[:, 0], pts[:, 1])
        self.flow = flow
        self.curve.setVisible(True)
        t = times[min(k, len(times) - 1)]
        at = flow.at([t])
        if surface.dim == 1:
            at = np.column_stack([at[:, 0], surface.value(at)])
        if _changed(self.ring, "look", theme.LINE_SCALE):
            self.ring.setSize(14 * theme.LINE_SCALE)
            self.ring.setPen(pg.mkPen(FLOW_COLOR, width=2.5 * theme.LINE_SCALE))
        self.ring.setData(pos=at)
        # past the flow's end: it rests on a stationary point, or left the map (no ring)
        self.ring.setVisible(bool(t <= flow.t[-1] or flow.status in ("stationary", "done")))
