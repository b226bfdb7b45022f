"""Axis tick labels as the plots draw them."""

import re

import pytest
from PySide6 import QtGui

from gdsim.qt.views.log_axis import log_tick_labels

POWER = re.compile(r"^(\d(\.\d)?·)?10⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+$")


def test_log_labels_keep_to_one_notation():
    assert log_tick_labels([-3, -2, -1, 0, 1, 2, 3]) == [
        "0.001", "0.01", "0.1", "1", "10", "100", "1000",
    ]  # fmt: skip
    assert log_tick_labels([-5, -4, -2, 0, 1, 2]) == ["10⁻⁵", "10⁻⁴", "10⁻²", "10⁰", "10¹", "10²"]
    assert log_tick_labels([-5.0, -5 + 0.30103]) == ["10⁻⁵", "2·10⁻⁵"]  # a minor tick
    assert log_tick_labels([0.30103, 1.0]) == ["2", "10"]
    assert log_tick_labels([-2, 0], span=(-4.5, 0.5)) == ["10⁻²", "10⁰"]  # the axis' range
    assert log_tick_labels([]) == []


def drawn_tick_texts(axis) -> list[str]:
    """The tick labels the axis paints now."""
    img = QtGui.QImage(axis.boundingRect().size().toSize(), QtGui.QImage.Format_ARGB32)
    painter = QtGui.QPainter(img)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _rect, _flags, text in specs[2]]


@pytest.mark.parametrize("preset", ["three-rates", "stability-edge", "edge-of-stability"])
def test_a_log_loss_axis_reads_in_one_notation(make_window, qtbot, preset):
    """Lessons whose loss falls through many decades: the log axis does not mix "10²"
    with "1" and "0.01" (pyqtgraph picks the shorter of the two for each label)."""
    w = make_window(preset)
    w.scene.set_view("log_loss", True)
    w.actions_by_name["end"].trigger()
    qtbot.wait(100)
    texts = drawn_tick_texts(w.loss.plot.getAxis("left"))
    assert len(texts) >= 3, texts
    plain = [t for t in texts if not POWER.match(t)]
    assert plain == [] or len(plain) == len(texts), texts
