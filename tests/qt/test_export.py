"""Every export format written headless and checked as a file a user would open."""

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.qt import export as ex


def png_size(path):
    img = QtGui.QImage(str(path))
    assert not img.isNull()
    return img.width(), img.height()


@pytest.mark.parametrize("scale", [1, 2, 3])
def test_png_of_a_view_is_scale_times_its_size(make_window, tmp_path, scale):
    w = make_window("ravine")
    out = tmp_path / "c.png"
    ex.export(w, "contour", str(out), scale=scale)
    assert png_size(out) == (w.contour.width() * scale, w.contour.height() * scale)


def test_window_png_contains_the_3d_views_pixels(make_window, tmp_path):
    w = make_window("marbles")
    out = tmp_path / "w.png"
    ex.export(w, "window", str(out))
    img = QtGui.QImage(str(out))
    assert (img.width(), img.height()) == (w.width(), w.height())
    top_left = w.surface3d.mapTo(w, w.surface3d.rect().topLeft())
    region = img.copy(top_left.x(), top_left.y(), w.surface3d.width(), w.surface3d.height())
    from gdsim.qt.smoke import image_is_drawn

    assert image_is_drawn(region)  # not a blank hole where the GL view is
    three_d = tmp_path / "3d.png"
    ex.export(w, "3d", str(three_d), scale=2)
    assert png_size(three_d) == (2 * w.surface3d.width(), 2 * w.surface3d.height())


def test_a_window_picture_taken_before_the_window_painted_has_its_loss_plot(qtbot, tmp_path):
    from gdsim.qt.app import initial_scene
    from gdsim.qt.main_window import MainWindow
    from gdsim.qt.smoke import image_is_drawn

    w = MainWindow(initial_scene("ravine"), restore_layout=False)
    qtbot.addWidget(w)
    w.resize(1400, 900)  # never shown, so never painted (as a script may export)
    qtbot.waitUntil(lambda: not w.controller.pending())
    assert w.view_area.built_view("loss") is None
    out = tmp_path / "w.png"
    ex.export(w, "window", str(out))
    loss = w.view_area.built_view("loss")
    assert loss is not None and loss.width() > 300 and loss.height() > 150
    img = QtGui.QImage(str(out))
    top_left = loss.mapTo(w, QtCore.QPoint(0, 0))
    assert image_is_drawn(img.copy(top_left.x(), top_left.y(), loss.width(), loss.height()))
    w.close()


def test_svg_of_the_2d_views_parses_and_has_paths(make_window, tmp_path):
    w = make_window("ravine")
    for view in ("contour", "loss"):
        out = tmp_path / f"{view}.svg"
        ex.export(w, view, str(out))
        root = ET.parse(out).getroot()
        paths = [e for e in root.iter() if e.tag.endswith("path") or e.tag.endswith("polyline")]
        assert len(paths) > 10, view
    with pytest.raises(ex.ExportError):
        ex.export(w, "3d", str(tmp_path / "x.svg"))


def image_array(img: QtGui.QImage) -> np.ndarray:
    """The picture's (h, w, 3) colours, copied: a view of the converted image's bytes
    outlives the image (the allocator then writes over its first bytes)."""
    img = img.convertToFormat(QtGui.QImage.Format_RGB888)
    arr = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes())
    rows = arr.reshape(img.height(), img.bytesPerLine())[:, : img.width() * 3]
    return rows.reshape(img.height(), img.width(), 3).copy()


def thumbnail(img: QtGui.QImage, width: int = 160) -> np.ndarray:
    """The picture at thumbnail size (the same size for both pictures compared)."""
    small = img.scaled(
        width, round(width * img.height() / img.width()), mode=QtCore.Qt.SmoothTransformation
    )
    return image_array(small).astype(float)


def mean_difference(a: QtGui.QImage, b: QtGui.QImage) -> float:
    """Mean absolute pixel difference of two pictures at thumbnail size, 0..1."""
    ta, tb = thumbnail(a), thumbnail(b.scaled(a.size()))
    return float(np.abs(ta - tb).mean() / 255.0)


@pytest.mark.skipif(shutil.which("rsvg-convert") is None, reason="needs librsvg2-bin")
@pytest.mark.parametrize("preset", ["ravine", "rosenbrock-race", "line-fit"])
def test_svg_is_drawn_by_other_renderers_as_the_png_shows_it(make_window, tmp_path, preset):
    """rsvg-convert (librsvg, what GNOME and many tools use) and Qt's own SVG renderer
    draw the SVG export of each 2D view like the PNG export of the same view."""
    from PySide6 import QtSvg

    w = make_window(preset)
    views = ["contour", "loss"] + (["data"] if preset == "line-fit" else [])
    for view in views:
        png, svg = tmp_path / f"{view}.png", tmp_path / f"{view}.svg"
        ex.export(w, view, str(png), step=30)
        ex.export(w, view, str(svg), step=30)
        reference = QtGui.QImage(str(png))
        rendered = tmp_path / f"{view}-rsvg.png"
        subprocess.run(["rsvg-convert", "-o", str(rendered), str(svg)], check=True)
        by_rsvg = QtGui.QImage(str(rendered))
        assert (by_rsvg.width(), by_rsvg.height()) == (reference.width(), reference.height())
        assert mean_difference(reference, by_rsvg) < 0.06, (preset, view, "rsvg")
        qt_img = QtGui.QImage(reference.size(), QtGui.QImage.Format_ARGB32)
        qt_img.fill(QtGui.QColor("white"))
        painter = QtGui.QPainter(qt_img)
        QtSvg.QSvgRenderer(str(svg)).render(painter)
        painter.end()
        assert mean_difference(reference, qt_img) < 0.06, (preset, view, "QSvgRenderer")


def test_svg_is_refused_before_anything_is_drawn_for_the_window_and_3d(make_window, tmp_path):
    w = make_window("ravine")
    for view in ("window", "3d"):
        with pytest.raises(ex.ExportError, match="SVG is drawn for the 2D plots only"):
            ex.export(w, view, str(tmp_path / "x.svg"))
    assert not list(tmp_path.iterdir())


def test_the_export_dialog_offers_svg_only_for_the_2d_plots(make_window):
    from gdsim.qt.export_dialog import KINDS, ExportDialog

    w = make_window("ravine")
    dialog = ExportDialog(w)
    views = lambda: [dialog.view.itemData(i) for i in range(dialog.view.count())]  # noqa: E731
    assert views() == ["window", "contour", "3d", "loss"]  # PNG; no data view on the ravine
    assert dialog.view.itemText(1) == "map"
    dialog.kind.setCurrentIndex(list(KINDS.values()).index("svg"))
    assert views() == ["contour", "loss"] and dialog.view.currentData() == "contour"
    dialog.close()
    w.open_preset("three-rates")  # one parameter: the map is the curve, and no 3D view
    dialog = ExportDialog(w)
    assert views() == ["window", "contour", "loss"] and dialog.view.itemText(1) == "map (curve)"
    dialog.close()


def test_gif_has_one_frame_per_step_all_the_same_size(make_window, tmp_path):
    import imageio.v3 as iio

    w = make_window("ravine")
    out = tmp_path / "a.gif"
    ex.export(w, "contour", str(out), step=12, fps=8)
    frames = iio.imread(out, index=None)
    assert frames.shape[0] == 13
    assert len({f.shape for f in frames}) == 1


# imageio's ffmpeg reader leaves its pipes to the garbage collector
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_mp4_is_readable(make_window, tmp_path):
    import imageio.v2 as imageio

    w = make_window("ravine")
    out = tmp_path / "a.mp4"
    ex.export(w, "window", str(out), step=9, fps=5)
    reader = imageio.get_reader(str(out), format="FFMPEG")
    n = reader.count_frames()
    first = reader.get_data(0)
    reader.close()
    assert n == 10
    assert first.shape[0] == w.height() // 2 * 2 and first.shape[1] == w.width() // 2 * 2


def test_cancelling_an_animation_leaves_no_file(make_window, tmp_path):
    w = make_window("ravine")
    out = tmp_path / "a.gif"
    ex.export(w, "contour", str(out), step=20, progress=lambda done, total: done < 3)
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_csv_and_json_hold_every_run(make_window, tmp_path):
    w = make_window("ravine")
    csv = tmp_path / "t.csv"
    js = tmp_path / "t.json"
    ex.export(w, "window", str(csv))
    ex.export(w, "window", str(js))
    lines = csv.read_text().splitlines()
    assert lines[0] == "run,step,x,y,loss,g_x,g_y"
    doc = json.loads(js.read_text())
    for run, rec in zip(w.scene.runs, doc["runs"], strict=True):
        traj = w.controller.trajectories[run.id]
        np.testing.assert_array_equal(np.array(rec["position"]), traj.position)
        assert rec["config"]["optimizer"] == run.config.optimizer
        rows = [ln for ln in lines[1:] if ln.startswith(rec["name"] + ",")]
        assert len(rows) == len(traj)
        assert float(rows[-1].split(",")[2]) == traj.position[-1, 0]


def test_copy_to_clipboard(make_window):
    """Copy view: the map as a picture, and this step's arithmetic as text (whether the
    This step tab is in front or not)."""
    w = make_window("ravine")
    w.scene.select(w.scene.runs[0].id)
    w.scene.set_cursor(3)
    w.copy_view()
    clip = QtWidgets.QApplication.clipboard()
    img = clip.image()
    assert (img.width(), img.height()) == (w.contour.width(), w.contour.height())
    text = clip.text()
    traj = w.controller.trajectories[w.scene.runs[0].id]
    assert text.startswith("vanilla (gd): step 3 → 4")
    assert repr(float(traj.position[4, 0])) in text  # θ₄ with every digit


def test_export_command_writes_a_window_picture_with_the_3d_view(tmp_path):
    out = tmp_path / "w.png"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "gdsim",
            "export",
            "--preset",
            "ravine",
            "--view",
            "window",
            "--out",
            str(out),
            "--step",
            "30",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert png_size(out)[0] > 1000
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "gdsim",
            "export",
            "--preset",
            "parabola-table",
            "--view",
            "3d",
            "--out",
            str(tmp_path / "x.png"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "no 3D view" in bad.stderr
    assert not (tmp_path / "x.png").exists()


def test_export_selected_run_as_code_from_the_window(make_window, tmp_path):
    w = make_window("ravine")
    w.scene.select(w.scene.runs[1].id)
    path = tmp_path / "momentum.py"
    assert w.export_code("numpy", str(path))
    res = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=60)
    traj = w.controller.trajectories[w.scene.runs[1].id]
    rows = res.stdout.splitlines()
    assert len(rows) == len(traj) + 1
    assert float(rows[-1].split(",")[1]) == traj.position[-1, 0]
    assert w.export_code("torch", str(tmp_path / "t.py"))
    assert "torch.optim.SGD([p], lr=0.45, momentum=0.9" in (tmp_path / "t.py").read_text()


def test_the_pyqtgraph_reference_of_the_bench_draws_the_same_runs(make_window, qtbot):
    """gdsim bench gui's idiomatic pyqtgraph window: the same trails, marbles and loss
    curves at each step, from items built once."""
    from gdsim.qt.bench_refs import PyqtgraphReference

    w = make_window("ravine")
    trajs = [w.controller.trajectories[r.id] for r in w.scene.runs]
    ref = PyqtgraphReference(w.contour.surface, trajs, [r.color for r in w.scene.runs])
    qtbot.addWidget(ref)
    ref.show_step(12)
    for traj, trail, curve in zip(trajs, ref.trails, ref.curves, strict=True):
        xs, ys = trail.getData()
        assert np.array_equal(xs, traj.position[:13, 0]) and np.array_equal(
            ys, traj.position[:13, 1]
        )
        assert len(curve.getData()[1]) == 13
    ref.close()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--size", "12x4"], "--size must be between 320x240 and 8192x8192"),
        (["--size", "wide"], "--size must be WIDTHxHEIGHT"),
        (["--runs", "65"], "--runs must be in 1..64"),
        (["--steps", "5"], "--steps must be in 10..1 000 000"),
        (["--runs", "64", "--steps", "1000000"], "at most 4 000 000"),
        (["--surface", "mlp-moon"], "unknown surface 'mlp-moon'; choose one of"),
    ],
)
def test_bench_gui_refuses_a_case_it_cannot_measure_in_one_line(args, says):
    res = subprocess.run(
        [sys.executable, "-m", "gdsim", "bench", "gui", *args], capture_output=True, text=True
    )
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and says in res.stderr


def test_the_bench_case_on_a_model_puts_its_runs_on_the_model_s_pca_slice(qtbot):
    from gdsim.qt.bench_gui import Case, _case_window

    case = Case(1024, 768, 3, 20, "mlp-moons")
    assert case.to_dict() == {"size": "1024x768", "runs": 3, "steps": 20, "surface": "mlp-moons"}
    _app, scene, window = _case_window(case)
    try:
        assert scene.surface == "mlp-moons" and scene.view["plane"] == "pca"
        assert [r.config.max_steps for r in scene.runs] == [20, 20, 20]
        assert len(scene.runs) == 3 and scene.runs[2].config.lr != scene.runs[1].config.lr
        assert all(len(r.config.start) == 105 for r in scene.runs)
    finally:
        window.close()
        window.controller.shutdown()
        window.dispose()


def test_a_3d_picture_draws_the_trails_as_solid_as_the_screen(make_window, qtbot):
    """The 3D view exported shows each trail as the window does: a solid line, not
    dots with the surface between them (each segment's faint smooth edge wrote depth
    and hid the next segment's start)."""
    from tests.qt.test_drawing import mask_of

    w = make_window("ravine")
    w.scene.set_cursor(w.controller.last_step())
    gl = w.surface3d.gl
    qtbot.wait(300)
    screen = image_array(gl.grabFramebuffer()).astype(int)
    h, wd = screen.shape[:2]
    picture = w.surface3d.render_array(wd, h)[..., [2, 1, 0]].astype(int)
    for run in w.scene.runs:
        on_screen, drawn = mask_of(screen, run.color), mask_of(picture, run.color)
        missing = (on_screen & ~drawn).sum() / max(on_screen.sum(), 1)
        assert missing < 0.05, (run.color, missing)
