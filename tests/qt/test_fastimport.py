"""pyqtgraph imported through gdsim.qt: the same Qt objects, fewer of them created, and
PySide6's per-import source check answered as PySide6 answers it. Each test runs in a
fresh interpreter, since imports happen once per process."""

import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("PySide6")


def _run(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    return out.stdout.strip()


def test_pyqtgraph_mirrors_serve_every_pyside_name_as_the_same_object():
    out = _run(
        """
        import gdsim.qt
        import PySide6.QtCore, PySide6.QtGui, PySide6.QtWidgets
        import pyqtgraph.Qt as pgqt
        from gdsim.qt.fastimport import LazyMirror
        wrong = []
        for name in ("QtCore", "QtGui", "QtWidgets"):
            src, mirror = getattr(PySide6, name), getattr(pgqt, name)
            assert isinstance(mirror, LazyMirror), type(mirror)
            names = dir(src)
            assert len(names) > 150 and set(names) <= set(dir(mirror))
            names = [n for n in names if not n.startswith("__") and "." not in n]
            wrong += [n for n in names if getattr(mirror, n) is not getattr(src, n)]
        # pyqtgraph's own additions to its mirrors are there, and PySide6 is left as it was
        from PySide6.QtOpenGLWidgets import QOpenGLWidget
        assert pgqt.QtWidgets.QOpenGLWidget is QOpenGLWidget
        assert pgqt.QtGui.QFileSystemModel is PySide6.QtWidgets.QFileSystemModel
        assert len(dir(PySide6.QtCore)) > 250 and "QCborValue" in dir(PySide6.QtCore)
        assert pgqt.QtCore.__version__ == PySide6.QtCore.__version__
        print(wrong)
        """
    )
    assert out == "[]"


def test_importing_pyqtgraph_creates_few_of_pysides_enums():
    out = _run(
        """
        import enum, gc
        def pyside_enums():
            return sum(1 for o in gc.get_objects()
                       if isinstance(o, enum.EnumType) and str(o.__module__).startswith("PySide6"))
        import gdsim.qt, pyqtgraph
        after_import = pyside_enums()
        import PySide6.QtCore, PySide6.QtGui, PySide6.QtWidgets
        for m in (PySide6.QtCore, PySide6.QtGui, PySide6.QtWidgets):
            for n in dir(m):
                getattr(m, n)
        print(after_import, pyside_enums())
        """
    )
    after_import, all_enums = map(int, out.split())
    assert all_enums > 500
    assert after_import < all_enums / 2


def test_quick_source_check_answers_as_pysides_own():
    out = _run(
        """
        import sys
        import gdsim.qt, gdsim.qt.main_window
        feature = sys.modules["shibokensupport.feature"]
        quick = feature._mod_uses_pyside
        own = quick.__wrapped__
        mods = list(sys.modules.values())
        differ = [m.__name__ for m in mods if quick(m) != own(m)]
        users = sorted(m.__name__ for m in mods if quick(m))
        print(len(mods), differ, "gdsim.qt.main_window" in users, "numpy" in users)
        """
    )
    count, rest = out.split(" ", 1)
    assert int(count) > 300
    assert rest == "[] True False"


def test_mirrors_behave_as_modules_for_star_imports_and_find_spec():
    out = _run(
        """
        import importlib.util, os
        import gdsim.qt
        import pyqtgraph.Qt as pgqt
        names = {}
        exec("from pyqtgraph.Qt.QtWidgets import *", names)
        spec = importlib.util.find_spec("pyqtgraph.Qt.QtCore")
        print("QFileDialog" in names, "QOpenGLWidget" in names,
              os.path.isfile(spec.origin), spec.origin == pgqt.QtCore.__file__)
        """
    )
    assert out == "True True True True"


def test_pyqtgraph_asked_for_another_binding_is_left_alone():
    env = {**os.environ, "PYQTGRAPH_QT_LIB": "PyQt6"}
    out = subprocess.run(
        [sys.executable, "-c", "from gdsim.qt import fastimport; print(fastimport.prepare())"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert out.stdout.strip() == "False"
