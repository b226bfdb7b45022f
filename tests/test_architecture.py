"""gdsim.core, gdsim.io, gdsim.model and gdsim.presets never import Qt (napari's rule),
checked two ways."""

import ast
import pathlib
import subprocess
import sys

import gdsim

ROOT = pathlib.Path(gdsim.__file__).parent
QT = ("PySide6", "pyqtgraph", "shiboken6", "PyQt5", "PyQt6", "OpenGL", "superqt", "gdsim.qt")


def _imports(path: pathlib.Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_no_qt_import_in_core_or_io_sources():
    offenders = []
    for pkg in ("core", "io", "presets", "model"):
        for path in (ROOT / pkg).rglob("*.py"):
            for mod in _imports(path):
                if mod.startswith(QT):
                    offenders.append(f"{path.relative_to(ROOT)} imports {mod}")
    assert offenders == []


def test_importing_every_core_module_loads_no_qt():
    mods = [
        f"gdsim.{pkg}.{p.stem}" if p.stem != "__init__" else f"gdsim.{pkg}"
        for pkg in ("core", "io", "presets", "model")
        for p in (ROOT / pkg).glob("*.py")
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {mods!r}: importlib.import_module(m)\n"
        f"print([m for m in sys.modules if m.startswith({QT!r})])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- the layers and no circles -------------------------------------------------------------
LAYERS = {"core": 0, "presets": 0, "model": 1, "io": 2, "qt": 3}


def _module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _graph() -> dict[str, set[str]]:
    """gdsim's modules and the gdsim modules each imports (at its top or in a
    function: a circle through a deferred import is still a circle)."""
    modules = {_module_name(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        out = set()
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for t in targets:
                if t in modules and t != name and not modules[t].name == "__init__.py":
                    out.add(t)
        graph[name] = out
    return graph


def _layer(module: str):
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def test_each_layer_imports_only_the_layers_below_it():
    """core ← model ← io ← qt: the model knows nothing of files or Qt, files nothing of Qt."""
    offenders = []
    for module, imports in _graph().items():
        mine = _layer(module)
        if mine is None:
            continue  # the command line and the bench sit on top of everything
        for target in imports:
            theirs = _layer(target)
            if theirs is None or theirs > mine:
                offenders.append(f"{module} imports {target}")
    assert offenders == []


def test_views_never_import_the_window_that_holds_them():
    offenders = [
        f"{m} imports {t}"
        for m, imports in _graph().items()
        if m.startswith(("gdsim.qt.views", "gdsim.qt.panels"))
        for t in imports
        if t in ("gdsim.qt.main_window", "gdsim.qt.view_area", "gdsim.qt.documents")
    ]
    assert offenders == []


def test_no_module_imports_itself_through_others():
    graph = _graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(node, stack):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" → ".join([*stack[stack.index(nxt) :], nxt]))
            elif state.get(nxt) is None:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if state.get(node) is None:
            visit(node, [])
    assert cycles == []
