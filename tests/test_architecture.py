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
