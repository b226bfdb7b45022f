"""Every export format written headless and checked as a file a user would open."""

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6 import QtGui, QtWidgets

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
    w = make_window("ravine")
    w.copy_view()
    img = QtWidgets.QApplication.clipboard().image()
    assert (img.width(), img.height()) == (w.contour.width(), w.contour.height())


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
