"""The layout report finds what a teacher would see cut: it must fail where the window
is too small for its texts (so that its silence at every classroom size means
something)."""

from PySide6 import QtCore, QtWidgets

from gdsim.qt.layout_report import cut_texts, layout_report


def test_a_squeezed_window_reports_its_cut_texts(make_window, qtbot):
    w = make_window("rosenbrock-race", size=(1400, 900))
    assert cut_texts(w) == []
    w.controls_scroll.setMinimumWidth(120)  # a dock too narrow for its panel
    w.resizeDocks([w.controls_dock], [120], QtCore.Qt.Horizontal)
    w.controls.setMinimumWidth(300)  # the panel cannot shrink with it: it is clipped
    qtbot.wait(100)
    cut = cut_texts(w)
    assert any(c.startswith("combo box: ") or c.startswith("label: ") for c in cut), cut
    w.controls.setMinimumWidth(0)


def test_a_toolbar_action_behind_its_extension_is_reported(make_window, qtbot):
    w = make_window("ravine", size=(1400, 900))
    tb = w.playback_toolbar
    for i in range(30):
        tb.addAction(f"extra {i}")
    qtbot.wait(50)
    assert any("behind the toolbar's »" in c for c in cut_texts(w))


def test_a_clipped_label_and_an_axis_label_too_long_are_reported(make_window, qtbot):
    w = make_window("ravine", size=(1400, 900))
    label = QtWidgets.QLabel("a label far too long for the room it has been given here")
    w.statusBar().addPermanentWidget(label)
    label.setFixedWidth(40)
    w.loss.plot.setLabel("left", "a label much longer than the loss axis can ever hold " * 3)
    qtbot.wait(50)
    cut = cut_texts(w)
    assert any(c.startswith("label: a label far too long") for c in cut), cut
    assert any(c.startswith("plot: left axis: a label much longer") for c in cut), cut


def test_the_report_lists_every_part(make_window):
    w = make_window("ravine", size=(1400, 900))
    r = layout_report(w)
    for part in ("map", "surface3d", "loss", "timeline", "legend", "controls", "runs",
                 "lesson_text", "toolbar"):  # fmt: skip
        assert part in r["parts"], part
        assert r["parts"][part]["visible"], part
    assert r["mode"] in ("normal", "maximized") and r["dpr"] >= 1.0
    assert r["surface"] == {"name": "ravine", "dim": 2}


def test_a_legend_sample_over_its_text_is_reported(make_window, qtbot):
    """A marker larger than the sample's cell in the legend's layout paints over the
    run's name (projector mode on a 4K panel did, before the cell grew with it)."""
    w = make_window("ravine", size=(1400, 900))
    assert not any("under its sample" in c for c in cut_texts(w))
    legend = w.view_area.map_view().legend.item
    sample, _label = legend.items[0]
    sample.setFixedWidth(4)  # the cell shrinks; the drawn square stays 20 px
    legend.layout.invalidate()
    legend.updateSize()
    qtbot.wait(50)
    cut = cut_texts(w)
    assert any(c.startswith("plot: legend: ") and "under its sample" in c for c in cut), cut
