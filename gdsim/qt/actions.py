"""Every command of the window, defined once: its text, keys, tooltip and menu.

``ACTIONS`` is the table; ``build_actions(window)`` makes one QAction per row (the
slot is a dotted path from the window, e.g. ``controller.toggle_play``), puts it in
its menu, and Help → Keyboard shortcuts lists the same rows.  Keys marked
``presenter`` act on the simulation whatever has focus, except while a text field is
being typed in (see :mod:`gdsim.qt.presenter_keys`).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.qt import icons


@dataclass(frozen=True)
class ActionSpec:
    name: str
    text: str
    slot: str  # dotted path from the window; a checkable action's slot takes the state
    keys: tuple[str, ...] = ()
    tip: str = ""
    menu: str = ""  # "" = no menu (a key only)
    checkable: bool = False
    presenter: bool = False
    icon: str | None = None


def _k(*keys) -> tuple:
    return tuple(keys)


S = QtGui.QKeySequence.StandardKey
ACTIONS: tuple[ActionSpec, ...] = (
    # File
    ActionSpec("open", "&Open session…", "documents.open_dialog", _k(S.Open), menu="File"),
    ActionSpec("save", "&Save", "documents.save", _k(S.Save), menu="File"),
    ActionSpec("save_as", "Save &as…", "documents.save_as", _k(S.SaveAs), menu="File"),
    ActionSpec(
        "export",
        "&Export…",
        "export_dialog",
        _k("Ctrl+E"),
        "Export a picture, an animation or the trajectories",
        menu="File",
        icon="save",
    ),
    ActionSpec(
        "copy_view",
        "&Copy view",
        "copy_view",
        _k("Ctrl+Shift+C"),
        "Copy the map (or curve) view to the clipboard",
        menu="File",
    ),
    ActionSpec("quit", "&Quit", "close", _k(S.Quit), menu="File"),
    # Edit
    ActionSpec("undo", "&Undo", "documents.undo_stack.undo", _k(S.Undo), menu="Edit"),
    ActionSpec(
        "redo", "&Redo", "documents.undo_stack.redo", _k("Ctrl+Shift+Z", "Ctrl+Y"), menu="Edit"
    ),
    # View
    ActionSpec(
        "log_loss",
        "Log loss",
        "set_view_flag.log_loss",
        _k("L"),
        "Loss axis on a log scale",
        "View",
        True,
        True,
        "log",
    ),
    ActionSpec(
        "gradient",
        "−∇f arrows",
        "set_view_flag.show_gradient",
        _k("G"),
        "Show −∇f (black) and the mini-batch −g (dashed)",
        "View",
        True,
        True,
        "gradient",
    ),
    ActionSpec(
        "velocity",
        "Step arrows",
        "set_view_flag.show_velocity",
        _k("V"),
        "Show the step each optimizer takes next",
        "View",
        True,
        True,
        "step",
    ),
    ActionSpec(
        "legend",
        "Legend",
        "set_view_flag.show_legend",
        _k("K"),
        "Each run's colour, marker, name and status on the plots",
        "View",
        True,
        True,
        "legend",
    ),
    ActionSpec(
        "minima",
        "Known minima",
        "set_view_flag.show_minima",
        _k("M"),
        "Mark the known minima and saddles",
        "View",
        True,
        True,
    ),
    ActionSpec(
        "curvature",
        "Curvature lens",
        "set_view_flag.show_curvature",
        _k("C"),
        "The Hessian's eigen-axes and eigenvalues at the selected marble, and λmax over "
        "the steps against the stability edge 2/α in the loss plot",
        "View",
        True,
        True,
    ),
    ActionSpec(
        "flow",
        "Gradient flow",
        "set_view_flag.show_flow",
        _k("F"),
        "The continuous path dθ/dt = −∇f from the selected run's start (dashed grey), "
        "with a ring where it is at the run's time Σα",
        "View",
        True,
        True,
    ),
    ActionSpec(
        "learning_rate",
        "Learning rate α(k)",
        "set_view_flag.show_lr",
        _k("A"),
        "Each run's learning rate at each step (its schedule) on the loss plot's right axis",
        "View",
        True,
        True,
    ),
    ActionSpec(
        "gradient_cloud",
        "Batch gradient cloud",
        "set_view_flag.show_cloud",
        _k("N"),
        "Data surfaces: where the step of each of 200 random mini-batches of the selected "
        "run's size B would point (dots), the full-batch gradient's (diamond, the −∇f "
        "arrow's tip) and the cloud's 1-σ ellipse; a larger B draws a tighter cloud",
        "View",
        True,
        True,
    ),
    ActionSpec(
        "reset_view",
        "Reset zoom and camera",
        "view_area.reset_view",
        _k("0"),
        "The map, the loss plot and the 3D view as the lesson or session opened, after "
        "zooming, panning or turning them",
        "View",
        presenter=True,
    ),
    ActionSpec(
        "lesson_text",
        "Lesson text",
        "presentation.show_lesson_text",
        _k("T"),
        "Show the lesson's explanation, or fold it to its title",
        "View",
        True,
        True,
    ),
    ActionSpec(
        "panels",
        "Panels",
        "presentation.show_panels",
        _k("Ctrl+P"),
        "Show or hide the side panels",
        "View",
        True,
    ),
    ActionSpec(
        "full_screen",
        "Full screen",
        "presentation.set_full_screen",
        _k("F11"),
        "Fill the screen with the window",
        "View",
        True,
        True,
    ),
    ActionSpec(
        "projector",
        "Projector mode",
        "presentation.set_projector",
        _k("F5"),
        "Full screen, panels hidden, text and marks sized for the back row",
        "View",
        True,
        True,
    ),
    ActionSpec(
        "blank",
        "Blank the screen",
        "presentation.blank",
        _k("B", "."),
        "A black screen while you talk; B, . or Escape brings the window back",
        "View",
        presenter=True,
    ),
    ActionSpec(
        "leave",
        "Leave projector mode or full screen",
        "presentation.leave",
        _k("Escape"),
        presenter=True,
    ),
    ActionSpec(
        "dark",
        "Dark theme",
        "presentation.set_dark",
        _k("Ctrl+Shift+D"),
        "High-contrast dark colours (remembered)",
        "View",
        True,
    ),
    # Playback
    ActionSpec(
        "play",
        "Play",
        "controller.toggle_play",
        _k("Space"),
        "Play / pause",
        "Playback",
        presenter=True,
        icon="play",
    ),
    ActionSpec(
        "back",
        "Step back",
        "controller.step_back",
        _k("Left", "PgUp"),
        "One step back (a presentation remote's back button)",
        "Playback",
        presenter=True,
        icon="back",
    ),
    ActionSpec(
        "forward",
        "Step",
        "controller.step_forward",
        _k("Right", "PgDown"),
        "One step forward (a presentation remote's next button)",
        "Playback",
        presenter=True,
        icon="forward",
    ),
    ActionSpec(
        "home", "First step", "go_first", _k("Home"), "Go to step 0", "Playback", presenter=True
    ),
    ActionSpec(
        "end", "Last step", "go_last", _k("End"), "Go to the last step", "Playback", presenter=True
    ),
    ActionSpec(
        "reset",
        "Reset",
        "controller.reset",
        _k("R"),
        "Back to step 0 and pause",
        "Playback",
        presenter=True,
        icon="reset",
    ),
    ActionSpec(
        "faster",
        "Faster",
        "faster",
        _k("+", "="),
        "Faster playback",
        "Playback",
        presenter=True,
    ),
    ActionSpec(
        "slower", "Slower", "slower", _k("-"), "Slower playback", "Playback", presenter=True
    ),
    # Runs
    ActionSpec(
        "add_run",
        "Add run",
        "add_run",
        _k("Ctrl+N"),
        "Add a run at the surface's default start (or click the map)",
        "Runs",
    ),
    ActionSpec("rename_run", "Rename selected run", "runs_panel.rename", _k("F2"), menu="Runs"),
    ActionSpec(
        "remove_run",
        "Remove selected run",
        "runs_panel.remove",
        _k("Delete"),
        "Remove the selected run (Ctrl+Z brings it back)",
        "Runs",
    ),
    # Analyses
    ActionSpec(
        "basin",
        "&Basin map…",
        "analyses_basin",
        _k("Ctrl+B"),
        "Run the selected run's optimizer from every start of a grid",
        "Analyses",
    ),
    ActionSpec(
        "sweep",
        "Learning-rate &sweep…",
        "analyses_sweep",
        _k("Ctrl+Shift+L"),
        "Repeat the selected run at many learning rates",
        "Analyses",
    ),
    # Help
    ActionSpec(
        "shortcuts",
        "&Keyboard shortcuts",
        "show_shortcuts",
        _k(S.HelpContents),
        "Every key of gdsim",
        "Help",
    ),
    ActionSpec("about", "&About gdsim", "show_about", (), "Version and licence", "Help"),
)

MENUS = ("File", "Edit", "View", "Playback", "Runs", "Analyses", "Help")


def key_text(spec: ActionSpec) -> str:
    """The action's keys as the platform writes them ("Space, PgDown")."""
    seqs = []
    for k in spec.keys:
        seq = QtGui.QKeySequence(k)
        seqs.append(seq.toString(QtGui.QKeySequence.NativeText))
    return ", ".join(s for s in seqs if s)


def _resolve(window, path: str):
    """The callable at ``path``: attributes from the window; ``set_view_flag.KEY`` is
    the scene's view flag KEY."""
    head, _, rest = path.partition(".")
    if head == "set_view_flag":
        return lambda on, k=rest: window.scene.set_view(k, bool(on))
    obj = window
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def build_actions(window) -> dict[str, QtGui.QAction]:
    """One QAction per row of ACTIONS, added to the window (its keys work in every
    child widget) and to its menu; returns them by name."""
    menus = {name: window.menuBar().addMenu("&" + name) for name in MENUS}
    window.menus = menus
    out: dict[str, QtGui.QAction] = {}
    for spec in ACTIONS:
        act = QtGui.QAction(spec.text, window)
        if spec.keys:
            act.setShortcuts([QtGui.QKeySequence(k) for k in spec.keys])
            act.setShortcutContext(QtCore.Qt.WindowShortcut)
        tip = spec.tip or spec.text.replace("&", "").rstrip("…")
        act.setToolTip(f"{tip} ({key_text(spec)})" if spec.keys else tip)
        act.setStatusTip(tip)
        act.setCheckable(spec.checkable)
        if spec.icon:
            act.setIcon(icons.icon(spec.icon))
            act.icon_name = spec.icon  # drawn again in the theme's ink (dark theme)
            # a menu shows a checkable action's icon in place of its tick, and Fusion
            # marks "on" by a faint frame round it: the menus show the tick instead
            act.setIconVisibleInMenu(not spec.checkable)
        act.triggered.connect(_slot(window, spec))
        window.addAction(act)
        if spec.menu:
            menus[spec.menu].addAction(act)
        out[spec.name] = act
    return out


def _slot(window, spec: ActionSpec):
    """A slot that finds its target when triggered (the parts it names may be built
    after the actions); a checkable action passes its new state."""

    def slot(checked=False):
        target = _resolve(window, spec.slot)
        return target(bool(checked)) if spec.checkable else target()

    return slot


def presenter_keys() -> list[QtGui.QKeySequence]:
    return [QtGui.QKeySequence(k) for spec in ACTIONS if spec.presenter for k in spec.keys]


def shortcut_rows() -> list[tuple[str, str, str]]:
    """(keys, command, what it does) for every action with a key, menu by menu."""
    rows = []
    for spec in ACTIONS:
        if spec.keys:
            rows.append((key_text(spec), spec.text.replace("&", "").rstrip("…"), spec.tip))
    return rows


def add_menu_extras(window) -> None:
    """The parts of the menus that are not single commands: recent sessions, lessons,
    code export; separators."""
    from gdsim.presets import list_presets

    fm = window.menus["File"]
    acts = fm.actions()
    window.recent_menu = QtWidgets.QMenu("Open &recent", fm)
    fm.insertMenu(acts[1], window.recent_menu)
    fm.insertSeparator(window.actions_by_name["export"])
    code = QtWidgets.QMenu("Export selected run as &code", fm)
    code.setToolTipsVisible(True)
    numpy_act = code.addAction("Plain Python + numpy…", lambda: window.export_code("numpy"))
    numpy_act.setToolTip("A script that prints gdsim's trajectory of the run, bit for bit")
    torch_act = code.addAction("PyTorch (torch.optim)…", lambda: window.export_code("torch"))
    torch_act.setToolTip("The same run handed to torch.optim; agrees to rounding")
    quit_act = window.actions_by_name["quit"]
    fm.insertMenu(quit_act, code)
    fm.insertSeparator(quit_act)
    lessons = QtWidgets.QMenu("Open &lesson", fm)
    for p in list_presets():
        lessons.addAction(p.title, lambda name=p.name: window.documents.open_preset(name))
    fm.insertMenu(quit_act, lessons)
    fm.insertSeparator(quit_act)
    vm = window.menus["View"]
    vm.insertSeparator(window.actions_by_name["lesson_text"])
    vm.insertSeparator(window.actions_by_name["dark"])
