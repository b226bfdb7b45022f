"""The middle of the window: the lesson text, the linked views and the timeline.

The map (the contour, or the curve of a one-parameter surface) and the 3D view share
the top row, the loss (and the data view of a data-driven surface) the bottom row.
The contour, curve and data views are built the first time a surface needs them, so
start-up builds only what it shows; the loss view (like the 3D view's GL window) is
built just after the window has first painted, or when something asks for it first.
The area fans the scene's changes out to every view it has built.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

from gdsim.core.grid import sample
from gdsim.core.surfaces import get_surface
from gdsim.qt.first_paint import after_first_paint
from gdsim.qt.landscape import Landscape
from gdsim.qt.lesson_banner import LessonBanner
from gdsim.qt.panels.timeline import Timeline
from gdsim.qt.views.contour import ContourView
from gdsim.qt.views.painting import size_picture_cache
from gdsim.qt.views.surface3d import Surface3DView

if TYPE_CHECKING:
    from gdsim.qt.views.loss import LossView

#: no plot is laid out smaller than this (logical pixels)
MIN_PLOT = (280, 180)


class _Slot(QtWidgets.QWidget):
    """A view's place in the layout, empty until the window first paints it; then
    ``build`` (which puts the view in the slot's layout) runs, just after that paint."""

    def __init__(self, build, parent=None):
        super().__init__(parent)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        after_first_paint(self, build)

    def sizeHint(self) -> QtCore.QSize:
        """Before the view is in: the size a plot asks for (QGraphicsView's), so that
        the splitters share the window as they will with the view."""
        return super().sizeHint() if self.layout().count() else QtCore.QSize(640, 480)


class ViewArea(QtWidgets.QWidget):
    def __init__(self, scene, controller, parent=None):
        super().__init__(parent)
        self.scene, self.controller = scene, controller
        size_picture_cache()  # the views' cached pictures must fit, or all repaint a step
        self._views: dict[str, QtWidgets.QWidget] = {}
        self.on_map_click = None  # callable(start tuple)
        self.on_start_moved = None  # callable(run id, (x, y))
        self.on_failure = None  # callable(message): a slice that could not be made
        # the map views see a model's runs projected onto the plane of its slice
        self.landscape = Landscape(scene, controller, self)
        self.landscape.changed.connect(self.on_slice_ready)
        self.landscape.failed.connect(lambda m: self.on_failure and self.on_failure(m))
        self.surface3d = Surface3DView(scene, self.landscape.source)
        self.surface3d.setMinimumSize(*MIN_PLOT)
        self._loss = None  # built by self.loss_slot once painted (or by self.loss)
        self.loss_slot = _Slot(lambda: self.loss)
        self.loss_slot.setMinimumSize(*MIN_PLOT)
        self.main2d = QtWidgets.QStackedWidget()
        self.main2d.setMinimumSize(*MIN_PLOT)
        self.top = QtWidgets.QSplitter(QtCore.Qt.Horizontal)
        self.top.setChildrenCollapsible(False)
        self.top.addWidget(self.main2d)
        self.top.addWidget(self.surface3d)
        self.top.setStretchFactor(0, 1)
        self.top.setStretchFactor(1, 1)
        self.bottom = QtWidgets.QSplitter(QtCore.Qt.Horizontal)
        self.bottom.setChildrenCollapsible(False)
        # the loss over the strip of a model's distance from its plane
        self.loss_column = QtWidgets.QSplitter(QtCore.Qt.Vertical)
        self.loss_column.setChildrenCollapsible(False)
        self.loss_column.addWidget(self.loss_slot)
        self.bottom.addWidget(self.loss_column)
        self.split = QtWidgets.QSplitter(QtCore.Qt.Vertical)
        self.split.setChildrenCollapsible(False)
        self.split.addWidget(self.top)
        self.split.addWidget(self.bottom)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        self.lesson = LessonBanner()
        self.timeline = Timeline(scene, controller)
        self.plane_bar = None  # built for the first model surface
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.setSpacing(2)
        lay.addWidget(self.lesson)
        lay.addWidget(self.split, 1)
        lay.addWidget(self.timeline)
        self.show_lesson()
        self._remember_first_view()
        scene.surface_changed.connect(self.on_surface_changed)
        scene.run_added.connect(lambda _run: self.sync_runs())
        scene.run_removed.connect(lambda _rid: self.sync_runs())
        scene.run_changed.connect(lambda _run, _cfg: self.sync_runs())
        scene.cursor_changed.connect(self.redraw)
        scene.view_changed.connect(self.on_view_changed)
        scene.selection_changed.connect(self.on_selection_changed)
        scene.text_changed.connect(self.show_lesson)
        scene.reset.connect(self.on_reset)
        controller.trajectory_changed.connect(self.on_trajectory_changed)

    # -- views ---------------------------------------------------------------------------
    @property
    def loss(self) -> LossView:
        """The loss view, built on first use (caught up with the scene)."""
        if self._loss is None:
            from gdsim.qt.views.loss import LossView  # (imported after the first paint too)

            self._loss = LossView(self.scene, self.controller)
            self.loss_slot.layout().addWidget(self._loss)
            self._loss.show()  # now, not when the layout gets to it (a window on show)
            if self.scene.surface:
                self._loss.set_surface(get_surface(self.scene.surface))
                self._loss.redraw(self.scene.cursor)
        return self._loss

    @property
    def views(self) -> tuple:
        """The views built so far; the 3D view first, so that its frame renders while
        the 2D views paint."""
        lazy = [self._views.get(n) for n in ("contour", "curve", "data", "model_data", "distance")]
        loss = () if self._loss is None else (self._loss,)
        return (self.surface3d, *loss, *(v for v in lazy if v is not None))

    def built_view(self, name: str):
        """The view called ``name`` (or "loss") if it has been built, else None."""
        return self._loss if name == "loss" else self._views.get(name)

    def view(self, name: str):
        """The view called ``name`` (contour, curve, data, model_data, distance), built
        on first use."""
        view = self._views.get(name)
        if view is not None:
            return view
        if name == "contour":
            view = ContourView(self.scene, self.landscape.source)
            view.on_click = lambda x, y: self._clicked((x, y))
            view.on_start_moved = lambda rid, start: self._moved(rid, start)
            self.main2d.addWidget(view)
        elif name == "curve":
            from gdsim.qt.views.curve1d import CurveView

            view = CurveView(self.scene, self.controller)
            view.on_click = lambda x: self._clicked((x,))
            self.main2d.addWidget(view)
        elif name == "data":
            from gdsim.qt.views.data import DataView

            view = DataView(self.scene, self.controller)
            view.setMinimumSize(*MIN_PLOT)
            view.setVisible(False)  # shown by on_surface_changed for a data surface
            self.bottom.addWidget(view)
        elif name == "model_data":
            from gdsim.qt.views.model_data import ModelDataView

            view = ModelDataView(self.scene, self.controller)
            view.setMinimumSize(*MIN_PLOT)
            view.setVisible(False)
            self.bottom.addWidget(view)
        elif name == "distance":
            from gdsim.qt.views.plane_distance import PlaneDistanceView

            view = PlaneDistanceView(self.scene, self.controller, self.landscape)
            view.setMinimumHeight(MIN_PLOT[1] // 2)  # its curve readable on a small screen
            view.setVisible(False)
            self.loss_column.addWidget(view)
            self.loss_column.setSizes([4, 1])
        else:
            raise KeyError(name)
        self._views[name] = view
        return view

    def map_view(self):
        """The view of parameter space on show: the contour, or the 1D curve."""
        return self.main2d.currentWidget()

    def plots(self) -> list[QtWidgets.QWidget]:
        """The plots on show (map, 3D, loss, data)."""
        out = [self.map_view(), self.surface3d, self.loss]
        out += [self.built_view(n) for n in ("distance", "data", "model_data")]
        return [w for w in out if w is not None and w.isVisibleTo(self)]

    def _clicked(self, start) -> None:
        if self.landscape.active:  # a point of the plane: the model's whole θ
            if self.landscape.plane is None:
                return
            start = self.landscape.theta(*start)
        if self.on_map_click is not None:
            self.on_map_click(start)

    def _moved(self, run_id, start) -> None:
        if self.landscape.active:
            if self.landscape.plane is None:
                return
            start = self.landscape.theta(*start)
        if self.on_start_moved is not None:
            self.on_start_moved(run_id, start)

    # -- scene -> views ------------------------------------------------------------------
    def show_lesson(self) -> None:
        self.lesson.set_lesson(self.scene.title, self.scene.explanation)

    def on_surface_changed(self, name: str) -> None:
        surface = get_surface(name)
        self.show_lesson()
        model = surface.dim > 2
        self.landscape.clear()
        if self.plane_bar is not None or model:
            self._plane_bar().setVisible(model)
        two_d = surface.dim == 2 or model
        main = self.view("contour" if two_d else "curve")
        self.main2d.setCurrentWidget(main)
        self.surface3d.setVisible(two_d)
        if model:  # drawn when its slice is ready
            self.landscape.request()
        else:
            grid = sample(surface, 200 if surface.dim == 2 else 400)
            main.set_surface(surface, grid)
            if two_d:
                self.surface3d.set_surface(surface, grid)
        if self._loss is not None:
            self._loss.set_surface(surface)
        kind = "model_data" if model else "data"
        for name in ("data", "model_data"):
            wanted = surface.is_data and name == kind
            data = self.view(name) if wanted else self.built_view(name)
            if data is None:
                continue
            data.setVisible(wanted)
            data.set_surface(surface)
            sizes = self.bottom.sizes()
            if wanted and sizes[-1] < sum(sizes) // 4:  # just built: share the row
                self.bottom.setSizes([sum(sizes) // 2, sum(sizes) - sum(sizes) // 2])
        distance = self.view("distance") if model else self.built_view("distance")
        if distance is not None:
            distance.setVisible(model)
        self.sync_runs()

    def _plane_bar(self):
        if self.plane_bar is None:
            from gdsim.qt.panels.plane_bar import PlaneBar

            self.plane_bar = PlaneBar(self.scene, self.landscape)
            self.layout().insertWidget(1, self.plane_bar)
        return self.plane_bar

    def on_slice_ready(self) -> None:
        """A model's new plane: the map and 3D views draw its slice and the paths on it."""
        ls = self.landscape
        self.view("contour").set_surface(ls.surface, ls.grid)
        self.surface3d.set_surface(ls.surface, ls.grid)
        self.sync_runs()

    def on_reset(self) -> None:
        """Everything may have changed (a lesson or session loaded): read it all."""
        self._remember_first_view()
        self.on_surface_changed(self.scene.surface)
        self.on_view_changed("*")

    def sync_runs(self) -> None:
        for v in self.views:
            v.sync_runs()
        self.redraw()

    def redraw(self, *_args) -> None:
        cursor = self.scene.cursor
        for v in self.views:
            if v.isVisibleTo(self):
                v.redraw(cursor)

    def on_trajectory_changed(self, _run_id: int) -> None:
        self.landscape.path_arrived()
        self._refresh_loss()
        self.redraw()

    def _refresh_loss(self) -> None:
        """The loss view's curves and axes again, if it is built (when it is built later
        it reads the scene then)."""
        if self._loss is not None:
            self._loss.refresh()

    def on_selection_changed(self, _run_id) -> None:
        """The curvature lens and the flow follow the selected run."""
        view = self.scene.view
        if view.get("show_curvature") or view.get("show_flow"):
            if view.get("show_curvature"):
                self._refresh_loss()
            self.redraw()

    def on_view_changed(self, key: str = "*") -> None:
        """A view flag changed (``key``; "*" for all, after a load): only a new range or
        camera moves the views, so a toggle leaves a rotated 3D view where it is."""
        if key in ("*", "log_loss", "show_legend", "show_curvature", "show_lr"):
            self._refresh_loss()
        show_minima = self.scene.view.get("show_minima", True)
        for name in ("contour", "curve"):
            view = self.built_view(name)
            if view is not None:
                view.show_minima(show_minima)
                if key in ("*", "ranges"):
                    view.apply_ranges()
        if key in ("*", "camera"):
            self.surface3d.apply_camera()
        self.surface3d.show_minima(show_minima)
        self.redraw()

    def _remember_first_view(self) -> None:
        """The map's range and the 3D camera the lesson or session opened with."""
        view = self.scene.view
        first = {k: copy.deepcopy(view.get(k)) for k in ("ranges", "camera")}
        self._first_view = (self.scene.surface, first)

    def reset_view(self) -> None:
        """The map's range and the 3D camera as the lesson or session opened, the loss
        plot fitted to its curves again (undoes a zoom, a pan or a turn)."""
        surface, first = self._first_view
        first = copy.deepcopy(first)
        if surface != self.scene.surface:  # another surface since: the whole of it
            first["ranges"] = None
        self.scene.view.update(first)
        self.map_view().apply_ranges()
        self.surface3d.apply_camera()
        self._refresh_loss()

    def restyle(self) -> None:
        self.lesson.restyle()
        for view in self.views:
            view.restyle()
