"""How the window presents itself: light or dark, projector mode, full screen, the side
panels, the lesson text folded or not, a blanked screen, and a toolbar that fits.

Projector mode is full screen with the panels hidden, the lesson text folded, text
1.5× and marks 1.6× as large; leaving it puts everything back as it was.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.qt import theme


class BlankScreen(QtWidgets.QWidget):
    """A black window over the whole screen (a presenter's "B"); B, ., Escape, a click
    or Space bring the window back."""

    closed = QtCore.Signal()
    KEYS = (QtCore.Qt.Key_B, QtCore.Qt.Key_Period, QtCore.Qt.Key_Escape, QtCore.Qt.Key_Space)

    def __init__(self, screen: QtGui.QScreen):
        super().__init__(None, QtCore.Qt.Window | QtCore.Qt.FramelessWindowHint)
        self.setWindowTitle("gdsim — blank")
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(QtGui.QPalette.Window, QtGui.QColor("black"))
        self.setPalette(pal)
        self.setCursor(QtCore.Qt.BlankCursor)
        self.setGeometry(screen.geometry())

    def keyPressEvent(self, event) -> None:
        if event.key() in self.KEYS:
            self.close()
        else:
            event.accept()  # nothing else happens while the screen is blank

    def mousePressEvent(self, _event) -> None:
        self.close()

    def closeEvent(self, event) -> None:
        super().closeEvent(event)
        self.closed.emit()


class Presentation(QtCore.QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self._before_projector: tuple[bool, bool] | None = None  # (full screen, panels)
        self.blank_screen: BlankScreen | None = None
        self._compact: bool | None = None
        self._following_screen = False
        window.view_area.lesson.fold_toggled.connect(self._on_lesson_folded)
        self.lesson_folded = QtCore.QSettings().value("lesson_folded", False, type=bool)
        window.view_area.lesson.set_folded(self.lesson_folded)
        for name, on in (
            ("panels", True),
            ("lesson_text", not self.lesson_folded),
            ("full_screen", False),
            ("projector", False),
            ("dark", theme.DARK),
        ):
            self._check(name, on)

    @property
    def projecting(self) -> bool:
        return self._before_projector is not None

    def _act(self, name: str) -> QtGui.QAction:
        return self.window.actions_by_name[name]

    def _check(self, name: str, on: bool) -> None:
        act = self._act(name)
        with QtCore.QSignalBlocker(act):
            act.setChecked(bool(on))

    # -- lesson text ---------------------------------------------------------------------
    def show_lesson_text(self, on: bool) -> None:
        self.window.view_area.lesson.set_folded(not on)
        self._on_lesson_folded(not on)

    def _on_lesson_folded(self, folded: bool) -> None:
        self._check("lesson_text", not folded)
        if not self.projecting:  # the normal window's choice is remembered
            self.lesson_folded = folded
            QtCore.QSettings().setValue("lesson_folded", bool(folded))

    # -- panels and full screen ----------------------------------------------------------
    def show_panels(self, on: bool) -> None:
        for dock in self.window.docks():
            dock.setVisible(on)
        if on and self.projecting:  # (their text grew while they were hidden)
            self.window._size_docks(split=True)
        self._check("panels", on)

    def set_full_screen(self, on: bool) -> None:
        """Full screen, or back to the window as it was (maximised if it was)."""
        w = self.window
        if on and not w.isFullScreen():
            self._was_maximized = w.isMaximized()
            w.showFullScreen()
        elif not on and w.isFullScreen():
            if getattr(self, "_was_maximized", False):
                w.showMaximized()
            else:
                w.showNormal()
        self._check("full_screen", on)

    def set_projector(self, on: bool) -> None:
        """Projector mode on or off (off puts the window back as it was)."""
        if on == self.projecting:
            self._check("projector", on)
            return
        if on:
            self._before_projector = (self.window.isFullScreen(), self._act("panels").isChecked())
            full, panels = True, False
        else:
            full, panels = self._before_projector
            self._before_projector = None
        self._scale_for_screen(on)
        self._follow_screen()
        self.window.view_area.lesson.set_folded(True if on else self.lesson_folded)
        self._check("lesson_text", not self.window.view_area.lesson.folded)
        self.set_full_screen(full)
        self.show_panels(panels)
        self._check("projector", on)
        self.fit_toolbar()

    def _scale_for_screen(self, on: bool) -> None:
        """Text, marks and icons for projector mode on the window's screen (or back)."""
        screen = self.window.screen() or QtGui.QGuiApplication.primaryScreen()
        theme.set_projector(on, (screen.geometry().width(), screen.geometry().height()))
        self.window.playback_toolbar.setIconSize(theme.toolbar_icon_size())
        app = QtWidgets.QApplication.instance()
        theme.apply_app_font(app, theme.FONT_SCALE)
        # the style once the widgets have the new type (Qt posts the font to them): a new
        # style makes every widget measure itself again, and a combo box keeps the
        # minimum size it measured then (leaving projector mode on 4K, the controls
        # stayed as wide and their combos as tall as at 3 × the text)
        QtCore.QCoreApplication.sendPostedEvents()
        theme.apply_palette(app)
        self.window.view_area.restyle()

    def _follow_screen(self) -> None:
        """Projecting, a window moved to another screen (the projector's, from the
        laptop's) takes that screen's sizes."""
        handle = self.window.windowHandle()
        if handle is not None and not self._following_screen:
            handle.screenChanged.connect(self._on_screen_changed)
            self._following_screen = True

    def _on_screen_changed(self, _screen) -> None:
        if self.projecting:
            self._scale_for_screen(True)
            self.fit_toolbar()

    def leave(self) -> None:
        """Escape: out of projector mode, else out of full screen."""
        if self.projecting:
            self.set_projector(False)
        elif self.window.isFullScreen():
            self.set_full_screen(False)

    # -- blank screen --------------------------------------------------------------------
    def blank(self) -> None:
        if self.blank_screen is not None:
            self.blank_screen.close()
            return
        screen = self.window.screen() or QtGui.QGuiApplication.primaryScreen()
        self.blank_screen = BlankScreen(screen)
        self.blank_screen.closed.connect(self._unblanked)
        self.blank_screen.showFullScreen()
        self.blank_screen.raise_()
        self.blank_screen.activateWindow()

    def _unblanked(self) -> None:
        self.blank_screen = None
        self.window.activateWindow()
        self.window.focus_views()

    # -- theme ---------------------------------------------------------------------------
    def set_dark(self, on: bool) -> None:
        """Dark or light colours for the window and every view; remembered for next time."""
        from gdsim.qt import icons

        theme.set_dark(on)
        theme.apply_palette(QtWidgets.QApplication.instance())
        theme.configure_pyqtgraph()  # for views built later
        self.window.view_area.restyle()
        if self.window.analysis_dialog is not None:
            self.window.analysis_dialog.restyle()
        for act in self.window.actions_by_name.values():
            name = getattr(act, "icon_name", None)
            if name:
                act.setIcon(icons.icon(name))
        self.window.sync_play_icon()
        self._check("dark", on)
        self.fit_toolbar()
        QtCore.QSettings().setValue("dark", bool(on))

    # -- toolbar -------------------------------------------------------------------------
    def fit_toolbar(self) -> None:
        """Text beside the toggles' icons when the toolbar has the room, icons only
        (and no speed label) when the window is narrow, so that nothing hides behind »."""
        tb = self.window.playback_toolbar
        available = self.window.width() - 8
        for compact in (False, True):
            self._set_compact(compact)
            if self._needed_width(tb) <= available:
                break

    @staticmethod
    def _needed_width(tb) -> int:
        """The toolbar's width with every action shown (its own size hint stops at
        the room it has, the rest going behind the » button)."""
        spacing = tb.style().pixelMetric(QtWidgets.QStyle.PM_ToolBarItemSpacing, None, tb)
        width = tb.style().pixelMetric(QtWidgets.QStyle.PM_ToolBarHandleExtent, None, tb) + 16
        for act in tb.actions():
            if act.isSeparator():
                width += tb.style().pixelMetric(
                    QtWidgets.QStyle.PM_ToolBarSeparatorExtent, None, tb
                )
                continue
            widget = tb.widgetForAction(act)
            if widget is not None and act.isVisible():
                width += widget.sizeHint().width() + spacing
        return width

    def _set_compact(self, compact: bool) -> None:
        w = self.window
        tb = w.playback_toolbar
        style = QtCore.Qt.ToolButtonIconOnly if compact else QtCore.Qt.ToolButtonTextBesideIcon
        for name in w.TOOLBAR_TOGGLES:
            button = tb.widgetForAction(w.actions_by_name[name])
            if button is not None:
                button.setToolButtonStyle(style)
        w.speed_label_action.setVisible(not compact)
        w.step_label.setVisible(not compact)
        self._compact = compact
        tb.updateGeometry()
        tb.adjustSize()
