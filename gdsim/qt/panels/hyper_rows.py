"""A control for one declared parameter (:class:`gdsim.core.hyper.Hyper`): an optimizer's
hyperparameter (the run editor) or a schedule's parameter (the schedule box) is shown by
the same widget for the same kind, read and set the same way.

- bool: a check box; choice: a combo box; ints: a line field ("30,80");
- int: a spin box (torch's None, "the same as …", is its lowest value, shown "none");
- pair: two spin boxes side by side (torch's ``betas``, ``etas``);
- float: a typed field for any magnitude (``field``: eps, lr) or a spin box.
"""

from __future__ import annotations

from PySide6 import QtWidgets

from gdsim.qt.panels.parts import combo
from gdsim.qt.panels.widgets import NumberField, ispin, spin

__all__ = ["make_control", "set_value", "spin_range", "value_of"]


def spin_range(h) -> tuple[float, float]:
    """A spin box's range for a declared range (an open end a step inside)."""
    tick = 10.0**-h.decimals
    lo = -1e6 if h.lo is None else h.lo + (tick if h.lo_open else 0.0)
    hi = 1e6 if h.hi is None else h.hi - (tick if h.hi_open else 0.0)
    return lo, hi


def make_control(h, tip: str, changed, refuse) -> tuple[str, QtWidgets.QWidget]:
    """``(label, widget)`` for ``h``: ``changed()`` is called when the user changes it,
    ``refuse(message)`` when a typed number is refused."""
    label = h.title
    if h.kind == "bool":
        w = QtWidgets.QCheckBox(h.title)
        w.toggled.connect(lambda _v: changed())
        label = ""
    elif h.kind == "choice":
        w = combo()
        w.addItems(list(h.choices))
        w.currentIndexChanged.connect(lambda _i: changed())
    elif h.kind == "ints":
        w = QtWidgets.QLineEdit()
        w.editingFinished.connect(changed)
    elif h.kind == "int":
        optional = h.default is None
        w = ispin(int(h.lo) - (1 if optional else 0), int(h.hi), tip)
        if optional:
            w.setSpecialValueText("none")
        w.valueChanged.connect(lambda _v: changed())
    elif h.kind == "pair":
        w = QtWidgets.QWidget()
        row = QtWidgets.QHBoxLayout(w)
        row.setContentsMargins(0, 0, 0, 0)
        for _ in range(2):
            b = spin(*spin_range(h), h.step, h.decimals, tip)
            b.valueChanged.connect(lambda _v: changed())
            row.addWidget(b)
    elif h.field:  # any magnitude: a typed number, checked against the range
        hi = 1e12 if h.hi is None else h.hi
        w = NumberField(h.title, h.lo if h.lo is not None else -1e12, hi, h.lo_open)
        w.valueChanged.connect(lambda _v: changed())
        w.refused.connect(refuse)
    else:
        w = spin(*spin_range(h), h.step, h.decimals, tip)
        w.valueChanged.connect(lambda _v: changed())
    w.setToolTip(tip)
    return label, w


def _pair(w) -> list:
    return w.findChildren(QtWidgets.QDoubleSpinBox)


def value_of(h, w):
    """What the control shows, as the declaration takes it (``h.check`` checks it)."""
    if h.kind == "bool":
        return w.isChecked()
    if h.kind == "choice":
        return w.currentText()
    if h.kind == "ints":
        return w.text()
    if h.kind == "int":
        return None if h.default is None and w.value() == w.minimum() else int(w.value())
    if h.kind == "pair":
        return tuple(float(b.value()) for b in _pair(w))
    return float(w.value())


def set_value(h, w, v) -> None:
    """The control shows ``v`` (the caller blocks signals where it must)."""
    if h.kind == "bool":
        w.setChecked(bool(v))
    elif h.kind == "choice":
        w.setCurrentText(v)
    elif h.kind == "ints":
        w.setText(",".join(map(str, v)))
    elif h.kind == "int":
        w.setValue(w.minimum() if v is None else int(v))
    elif h.kind == "pair":
        for b, val in zip(_pair(w), v, strict=True):
            b.setValue(val)
    else:
        w.setValue(float(v))
