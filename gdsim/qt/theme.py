"""Look and feel: pyqtgraph options, fonts sized for a projector, colour helpers."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.qt.style import apply_style

BASE_POINT_SIZE = 11
MARBLE_SIZE = 18
TRAIL_WIDTH = 3.0
CONTOUR_MAP = "viridis"

# Projector mode: text and marks sized for the back row of a classroom.
PROJECTOR_FONT_SCALE = 1.5
PROJECTOR_LINE_SCALE = 1.6
FONT_SCALE = 1.0  # text in the plots and the window
LINE_SCALE = 1.0  # trails, curves and marbles
ARROW_WIDTH = 3.0  # −∇f and step arrows, pixels (see arrow_width)
PROJECTOR_ARROW_SCALE = 2.2  # arrows' length and width in projector mode
#: the screen (logical pixels) projector mode's sizes are made for; on a larger one (a 4K
#: panel at 100 %) text and marks are as much larger again, so that the back row sees
#: them as on a 1080p panel
PROJECTOR_SCREEN = (1920, 1080)
SCREEN_SCALE = 1.0  # that further scale (1 out of projector mode)
TOOLBAR_ICON = 28  # the toolbar's icons, pixels


# Light (default) or dark: the colours of everything that is not data. The maps keep
# their colours; what is drawn on them (arrows, marble rims) reads on both.
DARK = False
_LIGHT = {
    "background": "#ffffff",
    "ink": "#000000",
    "soft": "#787878",
    "cursor": "#505050",
    "points": (90, 90, 90, 120),
    "floor": (0, 0, 0, 40),
    "gl_background": (255, 255, 255),
}
_DARK = {
    "background": "#121212",
    "ink": "#f0f0f0",
    "soft": "#a8a8a8",
    "cursor": "#c8c8c8",
    "points": (200, 200, 200, 110),
    "floor": (255, 255, 255, 50),
    "gl_background": (18, 18, 18),
}


def colors() -> dict:
    """The current theme's colours: background, ink (text, axes), soft (reference curves),
    cursor, data points, the 3D floor grid and the 3D background."""
    return _DARK if DARK else _LIGHT


def error_style(bold: bool = False) -> str:
    """The style sheet of a label saying what is wrong: red that reads on the theme."""
    weight = " font-weight: bold;" if bold else ""
    return f"color: {'#ff8a80' if DARK else '#b2182b'};{weight}"


REFUSED_FIELD = "QLineEdit { background: #fde0dd; color: #000000; }"  # both themes


def set_dark(on: bool) -> None:
    """Light or dark; the application's palette follows (``apply_palette``) and the
    views ``restyle()``."""
    global DARK
    DARK = bool(on)


def apply_palette(app) -> None:
    """The Qt style and palette of the panels, menus and dialogs for the theme and
    projector mode (style.py): Fusion's own palette for light, a high-contrast dark one
    for dark."""
    apply_style(app, DARK, FONT_SCALE)
    if not DARK:
        app.setPalette(app.style().standardPalette())
        return
    p = QtGui.QPalette()
    role = QtGui.QPalette.ColorRole
    for r, c in (
        (role.Window, "#1e1e1e"),
        (role.WindowText, "#f0f0f0"),
        (role.Base, "#121212"),
        (role.AlternateBase, "#262626"),
        (role.Text, "#f0f0f0"),
        (role.Button, "#2a2a2a"),
        (role.ButtonText, "#f0f0f0"),
        (role.Highlight, "#3d8ed8"),
        (role.HighlightedText, "#ffffff"),
        (role.ToolTipBase, "#2a2a2a"),
        (role.ToolTipText, "#f0f0f0"),
        (role.PlaceholderText, "#9a9a9a"),
        (role.Link, "#6cb4ff"),
        (role.Mid, "#3a3a3a"),
        (role.Dark, "#101010"),
    ):
        p.setColor(r, QtGui.QColor(c))
    for r in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(QtGui.QPalette.Disabled, r, QtGui.QColor("#7a7a7a"))
    app.setPalette(p)


def set_title(plot: pg.PlotItem, text: str, shorter: tuple[str, ...] = (), last: str = "") -> None:
    """A plot's title at the current size, in the theme's ink; when it is wider than the
    plot, the first of ``shorter`` that fits, else the shortest one on two lines, else
    ``last`` (a name: "Beale") if it fits, else (only then) cut short with '…'
    (``fit_title`` again after a resize)."""
    plot.full_title = text
    plot.title_choices = (text, *shorter)
    plot.title_last = last
    fit_title(plot)


def _two_lines(text: str) -> tuple[str, str] | None:
    """``text`` broken in two at the space nearest its middle (before an operator if
    there is one)."""
    depth, outside = 0, []  # spaces outside every parenthesis
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == " " and depth == 0:
            outside.append(i)
    spaces = outside or [i for i, ch in enumerate(text) if ch == " "]
    if not spaces:
        return None
    ops = [i for i in spaces if i + 1 < len(text) and text[i + 1] in "+−-=·*/"]
    cut = min(ops or spaces, key=lambda i: abs(i - len(text) / 2))
    return text[:cut], text[cut + 1 :]


def fit_title(plot: pg.PlotItem) -> None:
    choices = getattr(plot, "title_choices", None) or (getattr(plot, "full_title", ""),)
    if not choices[0]:
        return
    font = QtGui.QFont()
    font.setPointSizeF(round(font_pt(BASE_POINT_SIZE + 1)))  # the size title_size() asks
    metrics = QtGui.QFontMetricsF(font)
    widget = plot.getViewWidget()
    # the title's cell is as wide as the data area: the widget (the plot's layout may
    # lag behind it) less the y axis
    full = widget.width() if widget is not None else plot.geometry().width()
    width = full - max(plot.getAxis("left").width(), 40.0) - 16
    html = choices[0]
    if width > 0:
        fitting = [c for c in choices if metrics.horizontalAdvance(c) <= width]
        if fitting:
            html = fitting[0]
        else:
            lines = _two_lines(choices[-1])
            last = getattr(plot, "title_last", "")
            if lines and max(metrics.horizontalAdvance(x) for x in lines) <= width:
                html = "<br>".join(lines)
            elif last and metrics.horizontalAdvance(last) <= width:
                html = last
            else:
                html = metrics.elidedText(choices[-1], QtCore.Qt.ElideRight, max(width, 24))
    _free_title_width(plot.titleLabel)
    plot.setTitle(html, size=title_size(), color=colors()["ink"])
    # pyqtgraph's title row is 30 px high: two lines, or projector text on a 4K
    # panel, were cut at the top
    item = plot.titleLabel.item  # (its box has the text document's margin around it)
    glyphs = item.boundingRect().height() - 2 * item.document().documentMargin()
    height = max(30, math.ceil(glyphs) + 2)
    if height > 30:  # (setTitle has just made it 30)
        plot.titleLabel.setMaximumHeight(height)
        plot.layout.setRowFixedHeight(0, height)


def _free_title_width(label) -> None:
    """pyqtgraph makes a label at least as wide as its text (``updateMin``), so a long
    title would make the whole plot wider than its widget; the title is fitted to the
    plot instead (``fit_title``), so its minimum width is let go each time it is set."""
    if getattr(label, "_free_width", False):
        return
    own = label.updateMin

    def update_min():
        own()
        label.setMinimumWidth(1)
        _w, h = label._sizeHint[QtCore.Qt.SizeHint.MinimumSize]
        label._sizeHint[QtCore.Qt.SizeHint.MinimumSize] = (1, h)
        label.updateGeometry()

    label.updateMin = update_min
    label._free_width = True


def style_colors(plot: pg.PlotItem) -> None:
    """A plot's background, axes and title in the theme's colours."""
    c = colors()
    widget = plot.getViewWidget()
    if widget is not None:
        widget.setBackground(c["background"])
    for name in ("left", "bottom"):
        color_axis(plot.getAxis(name))
    if plot.titleLabel.text:
        fit_title(plot)


def set_projector(on: bool, screen: tuple[float, float] = PROJECTOR_SCREEN) -> None:
    """Scale text and marks for a projector whose screen is ``screen`` (width, height)
    logical pixels (or back); views then ``restyle()``."""
    global FONT_SCALE, LINE_SCALE, SCREEN_SCALE
    larger = min(screen[0] / PROJECTOR_SCREEN[0], screen[1] / PROJECTOR_SCREEN[1])
    SCREEN_SCALE = min(max(larger, 1.0), 3.0) if on else 1.0
    FONT_SCALE = PROJECTOR_FONT_SCALE * SCREEN_SCALE if on else 1.0
    LINE_SCALE = PROJECTOR_LINE_SCALE * SCREEN_SCALE if on else 1.0


def arrow_scale() -> float:
    """How much longer the arrows are drawn, on the map's scale (projector mode: 2.2×)."""
    return PROJECTOR_ARROW_SCALE if LINE_SCALE != 1.0 else 1.0


def screen_px(base: float) -> float:
    """A size of ``base`` pixels that stays the same in projector mode on 1080p and
    grows with a larger screen there (SCREEN_SCALE)."""
    return base * SCREEN_SCALE


def arrow_width(base: float = ARROW_WIDTH) -> float:
    """An arrow's pen width (or another of its sizes in pixels), ``base`` at 1080p out
    of projector mode: 2.2× in projector mode, more on a taller screen."""
    return screen_px(base * arrow_scale())


def font_pt(base: float = BASE_POINT_SIZE) -> float:
    return base * FONT_SCALE


def title_size() -> str:
    """The size of a plot's title, for pyqtgraph's ``setTitle(size=...)``."""
    return f"{round(font_pt(BASE_POINT_SIZE + 1))}pt"


def toolbar_icon_size() -> QtCore.QSize:
    """The toolbar's icons: 28 px, larger in projector mode on a taller screen."""
    side = round(screen_px(TOOLBAR_ICON))
    return QtCore.QSize(side, side)


def trail_width() -> float:
    return TRAIL_WIDTH * LINE_SCALE


def marble_size() -> float:
    return MARBLE_SIZE * LINE_SCALE


def configure_pyqtgraph() -> None:
    c = colors()
    pg.setConfigOptions(
        antialias=True,
        background=c["background"],
        foreground=c["ink"],
        imageAxisOrder="row-major",
    )


def apply_app_font(app, scale: float = 1.0) -> None:
    font = app.font()
    font.setPointSizeF(BASE_POINT_SIZE * scale)
    app.setFont(font)


def qcolor(hex_color: str, alpha: int = 255) -> QtGui.QColor:
    c = QtGui.QColor(hex_color)
    c.setAlpha(alpha)
    return c


def rgba(hex_color: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    c = QtGui.QColor(hex_color)
    return (c.redF(), c.greenF(), c.blueF(), alpha)


def style_axis(ax: pg.AxisItem) -> None:
    """An axis at the theme's sizes and in its colours."""
    font = QtGui.QFont()
    font.setPointSizeF(font_pt())
    ax.setTickFont(font)
    ax.setStyle(tickTextOffset=6)
    # plain tick numbers ("1e+06" when large): pyqtgraph's SI prefixes would also
    # re-typeset the axis label at every range change.  No range where a prefix may be
    # chosen, first: turning them off works out a prefix once more, and with a label
    # shown over 0…0.69 (a model's loss) every restyle made its numbers read 0…690
    ax.setSIPrefixEnableRanges(())
    ax.enableAutoSIPrefix(False)
    # axes repaint from a pixmap while only the data inside the plot changes
    ax.setCacheMode(QtWidgets.QGraphicsItem.DeviceCoordinateCache)
    ax.label.setFont(font)  # the axis title ("x", "loss f") follows the same size
    ax.setZValue(-0.5)  # under the data: grid lines crossed the marbles (pyqtgraph: 0.5)
    color_axis(ax)


def color_axis(ax: pg.AxisItem) -> None:
    c = colors()
    ax.setPen(pg.mkPen(c["ink"], width=screen_px(1)))  # (its ticks and grid: 2 px on 4K)
    ax.setTextPen(c["ink"])


def style_plot(plot: pg.PlotItem, title: str = "") -> None:
    for name in ("left", "bottom"):  # the top and right axes are hidden
        style_axis(plot.getAxis(name))
    style_colors(plot)
    if title:
        set_title(plot, title)
