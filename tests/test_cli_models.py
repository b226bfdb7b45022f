"""``gdsim data`` and ``gdsim landscape`` as a user types them: files read back."""

import csv
import io
import subprocess
import sys

import numpy as np
import pytest

from gdsim.cli import main
from gdsim.core.model_catalogue import get_model


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def read_csv(path):
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_data_writes_the_rows_the_model_trains_on(capsys, tmp_path):
    out = tmp_path / "log.csv"
    code, _, err = run_cli(capsys, "data", "--surface", "logistic-2d", "--out", str(out))
    assert code == 0 and "wrote" in err
    rows = read_csv(out)
    assert list(rows[0]) == ["x1", "x2", "class", "heldout"]
    model = get_model("logistic-2d")
    assert len(rows) == len(model.y)
    train = [r for r in rows if r["heldout"] == "0"]
    assert len(train) == model.n_samples
    # the training loss is the mean BCE over the heldout = 0 rows, at the model's start
    X = np.array([[float(r["x1"]), float(r["x2"])] for r in train])
    y = np.array([int(r["class"]) for r in train])
    w1, w2, b = model.default_start
    z = X @ np.array([w1, w2]) + b
    bce = np.mean(np.logaddexp(0.0, z) - z * y)
    assert bce == pytest.approx(model.loss(model.default_start), rel=1e-12)


def test_data_of_iris_names_its_standardised_features(capsys, tmp_path):
    out = tmp_path / "iris.csv"
    assert run_cli(capsys, "data", "--surface", "iris-mlp", "--out", str(out))[0] == 0
    rows = read_csv(out)
    assert next(iter(rows[0])) == "sepal_length_cm_standardised"
    assert {r["species"] for r in rows} == {"0", "1", "2"} and len(rows) == 150


def test_data_refuses_a_surface_that_is_not_a_model(capsys, tmp_path):
    out = tmp_path / "x.csv"
    code, _, err = run_cli(capsys, "data", "--surface", "rosenbrock", "--out", str(out))
    assert code == 2 and "rosenbrock is not a model" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_landscape_csv_holds_the_grid_and_the_path(capsys, tmp_path):
    out = tmp_path / "slice.csv"
    argv = ["landscape", "--surface", "logistic-2d", "--optimizer", "adam", "--lr", "0.1"]
    code, _, err = run_cli(
        capsys, *argv, "--steps", "50", "--grid", "11", "--plane", "params:0,1", "--out", str(out)
    )
    assert code == 0 and "at most" in err
    rows = read_csv(out)
    grid = [r for r in rows if r["part"] == "grid"]
    path = [r for r in rows if r["part"] == "path"]
    assert len(grid) == 121 and len(path) == 51
    model = get_model("logistic-2d")
    # params:0,1 — a and b are w1 and w2, the bias held at the run's last value
    from gdsim.core.simulation import RunConfig, simulate

    traj = simulate(RunConfig("logistic-2d", "adam", {"lr": 0.1}, max_steps=50))
    bias = traj.position[-1, 2]
    for r in grid[::17]:
        theta = (float(r["a"]), float(r["b"]), bias)
        assert float(r["loss"]) == pytest.approx(model.loss(np.array(theta)), rel=1e-12)
    for k in (0, 25, 50):
        r = path[k]
        assert (float(r["a"]), float(r["b"])) == pytest.approx(
            tuple(traj.position[k, :2]), abs=1e-12
        )
        assert float(r["distance"]) == pytest.approx(abs(traj.position[k, 2] - bias), abs=1e-12)
        assert float(r["loss"]) == traj.loss[k]


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--plane", "params:0,0"], "two different parameters"),
        (["--plane", "tilted"], "pca, random or params:I,J"),
        (["--grid", "2"], "--grid must be between 5 and 401"),
    ],
)
def test_landscape_bad_input_is_one_line(capsys, tmp_path, extra, message):
    out = tmp_path / "x.csv"
    code, _, err = run_cli(capsys, "landscape", "--surface", "mlp-moons", *extra, "--out", str(out))
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_landscape_png_is_drawn_off_screen_with_the_path(tmp_path):
    """A separate process without a display: the window's contour view, off screen."""
    out = tmp_path / "moons.png"
    argv = ["landscape", "--surface", "mlp-moons", "--optimizer", "adam", "--lr", "0.05"]
    env = {k: v for k, v in __import__("os").environ.items() if k != "DISPLAY"}
    done = subprocess.run(
        [sys.executable, "-m", "gdsim", *argv, "--steps", "120", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    import imageio.v3 as iio

    img = iio.imread(out)
    assert img.shape[0] >= 1200 and img.shape[1] >= 1600
    # the run's colour (Okabe–Ito blue, #0072B2) is drawn: its path on the plane
    rgb = img[..., :3].astype(int)
    blue = np.abs(rgb - (0, 114, 178)).sum(axis=2) < 30
    assert blue.sum() > 500
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) > 1000  # the map's shades
