"""``gdsim --smoke-test --report FILE.json``: where the window's parts are on the screen
and which texts do not fit, for checks of the layout at every classroom screen size.

Every visible text of the window is measured against the room it has: labels (wrapped
ones by their height), buttons, check boxes, group-box, dock and tab titles, combo
boxes, spin boxes, list headers and rows, the menu bar, the toolbar (an action pushed
behind its » counts), the status bar, and in the plots their titles, axis labels and
legends (a sample drawn over its text too).  A text is "cut" when it is elided,
clipped, covered, or hidden for lack of room.
"""

from __future__ import annotations

import re

from PySide6 import QtCore, QtGui, QtWidgets

SLACK = 1  # pixels of rounding


def _global_rect(widget: QtWidgets.QWidget) -> list[int]:
    p = widget.mapToGlobal(QtCore.QPoint(0, 0))
    return [p.x(), p.y(), widget.width(), widget.height()]


def _item_global_rect(item, view) -> list[int]:
    rect = view.mapFromScene(item.sceneBoundingRect()).boundingRect()
    p = view.mapToGlobal(rect.topLeft())
    return [p.x(), p.y(), rect.width(), rect.height()]


def _plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html or "").replace("&nbsp;", " ").strip()


def _region(widget: QtWidgets.QWidget) -> QtGui.QRegion:
    """Where the widget can be seen (a scroll area: its viewport, which covers it)."""
    region = widget.visibleRegion()
    if region.isEmpty() and isinstance(widget, QtWidgets.QAbstractScrollArea):
        region = widget.viewport().visibleRegion()
    return region


def _shown(widget: QtWidgets.QWidget) -> bool:
    """Visible, and not scrolled out of sight inside a scroll area."""
    return widget.isVisible() and not _region(widget).isEmpty()


def _h_clipped(widget: QtWidgets.QWidget) -> bool:
    """Part of the widget's width is clipped away by the parents (a scroll area, the
    window's edge)."""
    region = widget.visibleRegion().boundingRect()
    return region.width() < widget.width() - SLACK and not _covered_by_sibling(widget)


def _covered_by_sibling(widget) -> bool:
    parent = widget.parentWidget()
    return isinstance(parent, QtWidgets.QStackedWidget)


def _text_width(metrics: QtGui.QFontMetrics, text: str) -> int:
    return max((metrics.horizontalAdvance(line) for line in text.split("\n")), default=0)


def _label(w: QtWidgets.QLabel) -> str | None:
    text = w.text()
    if not text or (w.pixmap() is not None and not w.pixmap().isNull()):
        return None
    plain = _plain(text) if w.textFormat() == QtCore.Qt.RichText or "<" in text else text
    room = w.contentsRect().width() - 2 * w.margin() - max(w.indent(), 0)
    m = w.fontMetrics()
    if w.wordWrap():
        longest_word = max((m.horizontalAdvance(word) for word in plain.split()), default=0)
        if longest_word > room + SLACK:
            return plain
        if w.heightForWidth(w.width()) > w.height() + SLACK:
            return plain
    elif _text_width(m, plain) > room + SLACK:
        return plain
    return plain if _h_clipped(w) else None


def _button(w: QtWidgets.QAbstractButton) -> str | None:
    text = w.text().replace("&", "")
    if not text:
        return None
    if isinstance(w, QtWidgets.QToolButton) and w.toolButtonStyle() == QtCore.Qt.ToolButtonIconOnly:
        if not w.icon().isNull() or w.defaultAction() is not None:
            return None
    if w.sizeHint().width() > w.width() + SLACK or _h_clipped(w):
        return text
    return None


def _combo(w: QtWidgets.QComboBox) -> str | None:
    text = w.currentText()
    if not text:
        return None
    opt = QtWidgets.QStyleOptionComboBox()
    w.initStyleOption(opt)
    field = w.style().subControlRect(
        QtWidgets.QStyle.CC_ComboBox, opt, QtWidgets.QStyle.SC_ComboBoxEditField, w
    )
    room = field.width() - (
        w.iconSize().width() + 4 if not w.itemIcon(w.currentIndex()).isNull() else 0
    )
    if w.fontMetrics().horizontalAdvance(text) > room + SLACK or _h_clipped(w):
        return text
    return None


def _spin(w: QtWidgets.QAbstractSpinBox) -> str | None:
    edit = w.findChild(QtWidgets.QLineEdit)
    text = edit.text() if edit is not None else w.text()
    if not text or edit is None:
        return None
    room = edit.contentsRect().width() - 4
    if edit.fontMetrics().horizontalAdvance(text) > room + SLACK or _h_clipped(w):
        return text
    return None


def _line_edit(w: QtWidgets.QLineEdit) -> str | None:
    if isinstance(w.parentWidget(), QtWidgets.QAbstractSpinBox) or w.hasFocus():
        return None  # a spin box's own; or being typed in, where text scrolls as it should
    text = w.text()
    if text and (w.fontMetrics().horizontalAdvance(text) > w.contentsRect().width() - 6):
        return text
    return None


def _group(w: QtWidgets.QGroupBox) -> str | None:
    title = w.title().replace("&", "")
    if title and w.fontMetrics().horizontalAdvance(title) + 16 > w.width() + SLACK:
        return title
    return None


def _dock(w: QtWidgets.QDockWidget) -> str | None:
    title = w.windowTitle()
    if w.isFloating() or not title or w.titleBarWidget() is not None:
        return None
    if w.fontMetrics().horizontalAdvance(title) + 48 > w.width() + SLACK:
        return title
    return None


def _tabs(w: QtWidgets.QTabBar) -> list[str]:
    out = []
    for i in range(w.count()):
        text = w.tabText(i).replace("&", "")
        needed = (
            w.fontMetrics().horizontalAdvance(text)
            + 2 * w.style().pixelMetric(QtWidgets.QStyle.PM_TabBarTabHSpace, None, w) // 2
        )
        if text and w.tabRect(i).width() < needed - SLACK:
            out.append(text)
    return out


def _header(w: QtWidgets.QHeaderView) -> list[str]:
    out = []
    model = w.model()
    if model is None:
        return out
    for i in range(w.count()):
        if w.isSectionHidden(i) or w.sectionViewportPosition(i) > w.viewport().width():
            continue  # scrolled out of view, not cut
        text = str(model.headerData(i, w.orientation()) or "")
        if text and w.fontMetrics().horizontalAdvance(text) + 10 > w.sectionSize(i) + SLACK:
            out.append(text)
    return out


def _tree(w: QtWidgets.QTreeWidget) -> list[str]:
    out = []
    m = w.fontMetrics()
    for i in range(w.topLevelItemCount()):
        item = w.topLevelItem(i)
        for col in range(w.columnCount()):
            text = item.text(col)
            if not text:
                continue
            room = w.columnWidth(col) - 8
            if col == 0:
                room -= w.iconSize().width() + 28  # the tick box and the icon
            words = text.split()
            if w.wordWrap():
                if max(m.horizontalAdvance(word) for word in words) > room + SLACK:
                    out.append(text.replace("\n", " "))
            elif _text_width(m, text) > room + SLACK:
                out.append(text.replace("\n", " "))
    return out


def _menubar(w: QtWidgets.QMenuBar) -> list[str]:
    out = []
    for act in w.actions():
        if act.isVisible() and act.text():
            geo = w.actionGeometry(act)
            if geo.isEmpty() or geo.right() > w.width():
                out.append(act.text().replace("&", ""))
    return out


def _toolbar(w: QtWidgets.QToolBar) -> list[str]:
    out = []
    for act in w.actions():
        if act.isSeparator() or not act.isVisible():
            continue
        widget = w.widgetForAction(act)
        if widget is None or not widget.isVisible() or widget.geometry().right() > w.width():
            name = act.text().replace("&", "") or (
                widget.__class__.__name__ if widget is not None else "?"
            )
            out.append(f"{name} (behind the toolbar's »)")
    return out


def _statusbar(w: QtWidgets.QStatusBar) -> list[str]:
    msg = w.currentMessage()
    if msg and w.fontMetrics().horizontalAdvance(msg) + 12 > w.width():
        return [msg]
    return []


def _plot_texts(view) -> list[str]:
    """A pyqtgraph plot's title, axis labels and legend against their room."""
    out = []
    plot = getattr(view, "plot", None)
    if plot is None:
        return out
    title = plot.titleLabel
    if title.isVisible() and title.text:
        full = getattr(plot, "full_title", "") or title.text
        shown = _plain(title.text)
        if ("…" in shown and "…" not in full) or (
            title.item.boundingRect().width() > view.width() + SLACK
        ):
            out.append(f"title: {_plain(full)}")
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        if not axis.isVisible() or not axis.label.isVisible():
            continue
        text = _plain(axis.labelString())
        if not text:
            continue
        length = axis.label.boundingRect().width()  # along the axis, rotated or not
        room = axis.geometry().height() if name == "left" else axis.geometry().width()
        if length > room + SLACK:
            out.append(f"{name} axis: {text}")
    legend = getattr(view, "legend", None)
    if legend is not None and legend.is_shown():
        box = legend.item.sceneBoundingRect()
        inside = QtCore.QRectF(view.sceneRect()).adjusted(-SLACK, -SLACK, SLACK, SLACK)
        for sample, label in legend.item.items:  # every entry inside the legend and plot
            rect = label.sceneBoundingRect()
            text_w = label.item.boundingRect().width()
            if (
                not inside.contains(rect)
                or not box.adjusted(-SLACK, -SLACK, SLACK, SLACK).contains(rect)
                or text_w > rect.width() + 2
            ):
                out.append(f"legend: {label.text}")
            elif _overlap(sample, label.item) > SLACK:
                out.append(f"legend: {label.text} (under its sample)")
    return out


def _overlap(sample, text) -> float:
    """How far a legend's sample (its colour and marker) reaches over its text, px."""
    if not sample.isVisible():
        return 0.0
    common = sample.sceneBoundingRect() & text.sceneBoundingRect()
    return min(common.width(), common.height()) if not common.isEmpty() else 0.0


def cut_texts(window: QtWidgets.QMainWindow) -> list[str]:
    """Every visible text of the window that is elided, clipped or hidden for lack of
    room, as "kind: text"."""
    import pyqtgraph as pg

    out: list[str] = []

    def add(kind: str, texts) -> None:
        if texts is None:
            return
        for t in [texts] if isinstance(texts, str) else texts:
            out.append(f"{kind}: {t}")

    for w in window.findChildren(QtWidgets.QWidget):
        if not _shown(w) or w.window() is not window:
            continue
        if isinstance(w, QtWidgets.QLabel):
            add("label", _label(w))
        elif isinstance(w, QtWidgets.QAbstractButton):
            add("button", _button(w))
        elif isinstance(w, QtWidgets.QComboBox):
            add("combo box", _combo(w))
        elif isinstance(w, QtWidgets.QAbstractSpinBox):
            add("number field", _spin(w))
        elif isinstance(w, QtWidgets.QLineEdit):
            add("text field", _line_edit(w))
        elif isinstance(w, QtWidgets.QGroupBox):
            add("group", _group(w))
        elif isinstance(w, QtWidgets.QDockWidget):
            add("panel title", _dock(w))
        elif isinstance(w, QtWidgets.QTabBar):
            add("tab", _tabs(w))
        elif isinstance(w, QtWidgets.QHeaderView):
            add("column", _header(w))
        elif isinstance(w, QtWidgets.QMenuBar):
            add("menu", _menubar(w))
        elif isinstance(w, QtWidgets.QToolBar):
            add("toolbar", _toolbar(w))
        elif isinstance(w, QtWidgets.QStatusBar):
            add("status bar", _statusbar(w))
        elif isinstance(w, pg.PlotWidget):
            add("plot", _plot_texts(w))
        elif isinstance(w, QtWidgets.QTreeWidget):
            add("list", _tree(w))
    return out


def _mode(window) -> str:
    if window.presentation.projecting:
        return "projector"
    if window.isFullScreen():
        return "fullscreen"
    if window.isMaximized():
        return "maximized"
    return "normal"


def layout_report(window) -> dict:
    """Screen, window and parts (rectangles in screen coordinates, logical pixels)."""
    screen = window.screen() or QtGui.QGuiApplication.primaryScreen()
    avail = screen.availableGeometry()
    area = window.view_area
    frame = window.frameGeometry()
    parts: dict[str, QtWidgets.QWidget | None] = {
        "map": area.map_view(),
        "surface3d": area.surface3d,
        "loss": area.loss,
        "data": area.built_view("data"),
        "timeline": area.timeline,
        "controls": window.controls_dock,
        "runs": window.runs_dock,
        "steps": window.steps_dock,
        "this_step": window.this_step_dock,
        "lesson_text": area.lesson,
        "toolbar": window.playback_toolbar,
        "menubar": window.menuBar(),
        "statusbar": window.statusBar(),
    }
    out = {}
    for name, widget in parts.items():
        if widget is None:
            out[name] = {"rect": [0, 0, 0, 0], "visible": False}
            continue
        out[name] = {"rect": _global_rect(widget), "visible": bool(_shown(widget))}
    view = area.map_view()
    legend = getattr(view, "legend", None)
    if legend is not None:
        out["legend"] = {
            "rect": _item_global_rect(legend.item, view),
            "visible": bool(legend.is_shown() and _shown(view)),
            "lines": legend.texts(),
        }
    loss_legend = area.loss.legend
    out["loss_legend"] = {
        "rect": _item_global_rect(loss_legend.item, area.loss),
        "visible": bool(loss_legend.is_shown() and _shown(area.loss)),
        "lines": loss_legend.texts(),
    }
    surface = getattr(view, "surface", None)
    return {
        "surface": {
            "name": getattr(surface, "name", ""),
            "dim": int(getattr(surface, "dim", 0)),
        },
        "screen": [avail.width(), avail.height()],
        "screen_origin": [avail.x(), avail.y()],
        "dpr": float(screen.devicePixelRatio()),
        "mode": _mode(window),
        "window": [frame.x(), frame.y(), frame.width(), frame.height()],
        "parts": out,
        "plots": [n for n in ("map", "surface3d", "loss", "data") if out[n]["visible"]],
        "cut_text": cut_texts(window),
    }
