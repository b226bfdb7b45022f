"""Importing PySide6 and pyqtgraph without paying for the parts gdsim never uses.

pyqtgraph keeps its own mirror of ``QtCore``, ``QtGui`` and ``QtWidgets`` and fills it
at import time by reading every name of the three PySide6 modules. PySide6 creates its
classes, and their Python enums, only when a name is first read, so that loop creates
all ~750 classes and ~650 enums: about 230 ms of the ~0.8 s a pyqtgraph window takes
to appear, for a window that uses a fraction of them.

``prepare()`` gives pyqtgraph mirrors that read a name from PySide6 the first time it
is asked for, and keep it: pyqtgraph and gdsim see the same objects as before, and
only the classes a window touches are ever created. It runs before pyqtgraph is
imported (``gdsim.qt`` calls it); if pyqtgraph was already imported, or is asked to
use PyQt, it does nothing.
Checked against pyqtgraph 0.14, the release pyproject.toml pins.
"""

from __future__ import annotations

import importlib
import sys
import types

MODULES = ("QtCore", "QtGui", "QtWidgets")
# pyqtgraph reads these dunders of its mirrors; the others belong to the mirror.
_FORWARDED_DUNDERS = frozenset({"__version__", "__version_info__"})


class LazyMirror(types.ModuleType):
    """A module that reads each name from ``source`` on first use and keeps it.

    ``spec`` is where pyqtgraph's own (empty) mirror module lives, so that the import
    system and ``importlib.util.find_spec`` find this one as they would find it."""

    def __init__(self, spec, source: types.ModuleType):
        super().__init__(spec.name, source.__doc__)
        self.__dict__["_source"] = source
        self.__spec__ = spec
        self.__package__ = spec.name
        self.__loader__ = spec.loader
        if spec.origin is not None:
            self.__file__ = spec.origin
        if spec.submodule_search_locations is not None:
            self.__path__ = list(spec.submodule_search_locations)

    def __getattr__(self, attr: str):
        source = self.__dict__["_source"]
        if attr == "__all__":  # ``from pyqtgraph.Qt.QtCore import *`` gets every name
            return [n for n in dir(self) if not n.startswith("_") and "." not in n]
        if attr.startswith("__") and attr not in _FORWARDED_DUNDERS:
            raise AttributeError(attr)
        value = getattr(source, attr)
        self.__dict__[attr] = value
        return value

    def __dir__(self):
        own = set(self.__dict__) - {"_source"}
        return sorted(set(dir(self.__dict__["_source"])) | own)


def _mirror_specs():
    """Where pyqtgraph keeps its mirrors, found without importing pyqtgraph."""
    from importlib.machinery import ModuleSpec
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("pyqtgraph")
    roots = list(spec.submodule_search_locations or []) if spec else []
    specs = []
    for name in MODULES:
        folder = Path(roots[0], "Qt", name) if roots else None
        origin = str(folder / "__init__.py") if folder is not None else None
        mirror = ModuleSpec(f"pyqtgraph.Qt.{name}", None, origin=origin, is_package=True)
        if folder is not None:
            mirror.submodule_search_locations = [str(folder)]
            mirror.has_location = True
        specs.append(mirror)
    return specs


def _other_binding_asked() -> bool:
    """pyqtgraph would take PyQt: its mirrors must then be filled from PyQt, as usual."""
    import os

    asked = os.environ.get("PYQTGRAPH_QT_LIB")
    return (asked is not None and asked != "PySide6") or any(
        lib in sys.modules for lib in ("PyQt6", "PyQt5")
    )


def _source_mentions_pyside(module: types.ModuleType, fallback) -> bool:
    """PySide6's question about ``module`` (does its source say "PySide6"?), answered
    by reading the file once. PySide6 asks it after every import, with
    ``inspect.getsource``, which looks the module up among all loaded modules each
    time and keeps every source in ``linecache``: ~45 ms for gdsim's ~500 modules."""
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return fallback(module)
    try:
        with open(path, "rb") as f:
            return b"PySide6" in f.read()
    except OSError:
        return fallback(module)


def quicken_feature_check() -> bool:
    """Replace PySide6's per-import source check by ``_source_mentions_pyside``. True
    if PySide6 has that check (6.10 does) and it is now the quick one."""
    feature = sys.modules.get("shibokensupport.feature")
    check = getattr(feature, "_mod_uses_pyside", None)
    if check is None:
        return False
    if getattr(check, "__wrapped__", None) is None:

        def quick(module, _fallback=check):
            return _source_mentions_pyside(module, _fallback)

        quick.__wrapped__ = check
        feature._mod_uses_pyside = quick
    return True


def prepare() -> bool:
    """Install lazy mirrors for pyqtgraph and import it. True if the mirrors are used."""
    if any(m.partition(".")[0] == "pyqtgraph" for m in sys.modules) or _other_binding_asked():
        return False
    importlib.import_module("PySide6.QtCore")
    quicken_feature_check()
    sources = [importlib.import_module(f"PySide6.{name}") for name in MODULES]
    mirrors = [LazyMirror(spec, src) for spec, src in zip(_mirror_specs(), sources, strict=True)]
    for mirror in mirrors:
        sys.modules[mirror.__name__] = mirror
    # pyqtgraph copies ``dir(PySide6.QtX)`` into its mirrors: while it imports, that
    # list is empty, and the mirrors answer each name when it is asked for. (PySide6's
    # modules list their names with a ``__dir__`` of their own, put back afterwards.)
    # If the import fails, the mirrors stay, so that a second attempt behaves as the
    # first would have.
    own_dirs = [src.__dict__.get("__dir__") for src in sources]
    for src in sources:
        src.__dir__ = list
    try:
        importlib.import_module("pyqtgraph.Qt")
    finally:
        for src, own in zip(sources, own_dirs, strict=True):
            if own is None:
                del src.__dir__
            else:
                src.__dir__ = own
    qt = sys.modules["pyqtgraph.Qt"]
    return all(getattr(qt, name) is m for name, m in zip(MODULES, mirrors, strict=True))
