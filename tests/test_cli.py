"""The command line as a user types it: output, exit status, bad input."""

import json
import subprocess
import sys

import pytest

from gdsim.cli import main


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_run_prints_the_seed_table(capsys):
    code, out, err = run_cli(
        capsys,
        "run",
        "--surface",
        "parabola",
        "--optimizer",
        "gd",
        "--lr",
        "0.1",
        "--start",
        "5",
        "--steps",
        "25",
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "step,x,loss,g_x"
    assert len(lines) == 27  # header + rows 0..25
    assert lines[1] == "0,5.0,25.0,10.0"
    step, x, _loss, _g = lines[-1].split(",")
    assert step == "25" and round(float(x), 4) == 0.0189
    assert float(x) == 5 * 0.8**25 or abs(float(x) - 5 * 0.8**25) < 1e-15
    assert repr(float(x)) == x  # full float64 precision
    assert err.strip() == "parabola: stopped at max steps (25)"


def test_run_accepts_a_negative_first_coordinate(capsys):
    code, out, _ = run_cli(
        capsys,
        "run",
        "--surface",
        "rosenbrock",
        "--optimizer",
        "adam",
        "--start",
        "-1.5,2",
        "--steps",
        "2",
    )
    assert code == 0
    assert out.splitlines()[0] == "step,x,y,loss,g_x,g_y"
    assert out.splitlines()[1].startswith("0,-1.5,2.0,12.5,")


def test_divergence_goes_to_stderr_with_its_step(capsys):
    code, out, err = run_cli(
        capsys,
        "run",
        "--surface",
        "shifted-parabola",
        "--lr",
        "1.1",
        "--start",
        "10",
        "--steps",
        "100",
    )
    assert code == 0
    assert err.startswith("shifted-parabola: diverged at step ")
    assert "nan" not in out.lower() and "inf" not in out.lower()


def test_house_prices_and_json_output(capsys, tmp_path):
    out_file = tmp_path / "t.json"
    code, out, _err = run_cli(
        capsys,
        "run",
        "--surface",
        "house-prices",
        "--lr",
        "5e-5",
        "--start",
        "1",
        "--steps",
        "60",
        "--format",
        "json",
        "--out",
        str(out_file),
    )
    assert code == 0 and out == ""
    doc = json.loads(out_file.read_text())
    assert doc["params"] == ["m"] and doc["config"]["optimizer"] == "gd"
    assert round(doc["position"][-1][0], 4) == 2.7805
    assert len(doc["loss"]) == 61


@pytest.mark.parametrize(
    "argv",
    [
        ["--surface", "nope"],
        ["--surface", "bowl", "--optimizer", "nope"],
        ["--surface", "bowl", "--lr", "0"],
        ["--surface", "bowl", "--lr", "-0.1"],
        ["--surface", "bowl", "--optimizer", "momentum", "--momentum", "1"],
        ["--surface", "bowl", "--optimizer", "adam", "--betas", "0.9,1.5"],
        ["--surface", "house-prices", "--batch-size", "0"],
        ["--surface", "house-prices", "--batch-size", "6"],
        ["--surface", "bowl", "--start", "1"],
        ["--surface", "parabola", "--start", "1,2"],
        [
            "--surface",
            "bowl",
            "--optimizer",
            "sgd",
            "--momentum",
            "0.9",
            "--nesterov",
            "--dampening",
            "0.5",
        ],
        ["--surface", "bowl", "--steps", "ten"],
        ["--surface", "bowl", "--start", "a,b"],
        ["--surface", "bowl", "--gamma", "0.9"],
        ["--surface", "bowl", "--schedule", "cosine", "--step-size", "3"],
        ["--surface", "bowl", "--schedule", "step", "--gamma", "2"],
        ["--formula", "x^2 + 3y"],
        ["--formula", "__import__('os')"],
        ["--formula", "x^2", "--surface", "bowl"],
        ["--formula", "x^2", "--start", "1,2"],
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(capsys, tmp_path, argv):
    target = tmp_path / "out.csv"
    code, out, err = run_cli(capsys, "run", *argv, "--out", str(target))
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and err.strip()
    assert not target.exists()


def test_list_surfaces_and_optimizers(capsys):
    code, out, _ = run_cli(capsys, "list", "surfaces")
    names = [line.split("\t")[0] for line in out.splitlines()]
    assert code == 0 and "rosenbrock" in names and "house-prices" in names
    assert all(len(line.split("\t")) == 2 for line in out.splitlines())
    code, out, _ = run_cli(capsys, "list", "optimizers")
    assert [line.split("\t")[0] for line in out.splitlines()] == [
        "gd",
        "sgd",
        "momentum",
        "nesterov",
        "adagrad",
        "rmsprop",
        "adam",
        "adamw",
        "nadam",
        "radam",
        "adamax",
        "adadelta",
        "rprop",
        "asgd",
        "lion",
        "lbfgs",
        "adafactor",
        "newton",
        "linesearch",
    ]


def test_run_and_list_do_not_import_qt(tmp_path):
    csv = str(tmp_path / "b.csv")
    code = (
        "import sys, io, contextlib\n"
        "from gdsim.cli import main\n"
        "quiet = contextlib.redirect_stdout(io.StringIO())\n"
        "with quiet, contextlib.redirect_stderr(io.StringIO()):\n"
        "    main(['run', '--surface', 'bowl', '--steps', '3'])\n"
        "    main(['list', 'surfaces']); main(['list', 'optimizers'])\n"
        f"    main(['basin', '--surface', 'bowl', '--grid', '5', '--out', {csv!r}])\n"
        "qt = ('PySide6', 'pyqtgraph', 'shiboken6')\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in qt]\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_python_dash_m_and_version():
    out = subprocess.run(
        [sys.executable, "-m", "gdsim", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0 and out.stdout.startswith("gdsim ")


def test_run_a_typed_formula(capsys):
    code, out, err = run_cli(
        capsys, "run", "--formula", "x^2 + 3*y^2", "--lr", "0.1", "--start", "2,1", "--steps", "2"
    )
    assert code == 0
    x, y, rows = 2.0, 1.0, ["step,x,y,loss,g_x,g_y"]
    for k in range(3):  # plain gradient descent by hand, f = x² + 3y², ∇f = (2x, 6y)
        gx, gy = 2 * x, 6 * y
        rows.append(",".join(map(repr, (x, y, x**2 + 3 * y**2, gx, gy))).join([f"{k},", ""]))
        x, y = x + -0.1 * gx, y + -0.1 * gy
    assert out.splitlines() == rows
    assert err.strip() == "formula:x^2 + 3*y^2: stopped at max steps (2)"


def test_a_refused_formula_names_the_column(capsys):
    code, out, err = run_cli(capsys, "run", "--formula", "x^2 + 3y")
    assert code == 2 and out == ""
    assert "column 7" in err and "write a product with *" in err


def test_a_formula_may_begin_with_a_minus_sign(capsys):
    code, out, _ = run_cli(capsys, "run", "--formula", "-x^2 - y^2", "--steps", "1")
    assert code == 0 and out.splitlines()[1].startswith("0,-4.0,3.5,-28.25,")


def test_basin_and_sweep_write_csv(capsys, tmp_path):
    out = tmp_path / "basin.csv"
    code, _, err = run_cli(
        capsys, "basin", "--surface", "himmelblau", "--lr", "0.01", "--grid", "30",
        "--steps", "300", "--out", str(out),
    )  # fmt: skip
    assert (
        code == 0
        and err.strip() == f"himmelblau: 4 basins, 0 still moving, 0 diverged; wrote {out}"
    )
    rows = out.read_text().splitlines()
    assert rows[0] == "x0,y0,x_end,y_end,basin,stop_step" and len(rows) == 901
    assert rows[1].startswith("-5.0,-5.0,") and "minimum (-3.78, -3.28)" in rows[1]
    out = tmp_path / "sweep.csv"
    code, _, err = run_cli(
        capsys, "sweep", "--surface", "parabola", "--start", "5", "--steps", "100",
        "--lr-min", "0.01", "--lr-max", "2", "--count", "40", "--out", str(out),
    )  # fmt: skip
    assert code == 0 and "diverged" in err
    rows = [r.split(",") for r in out.read_text().splitlines()[1:]]
    assert len(rows) == 40
    assert all(r[3] != "diverged" for r in rows if float(r[0]) < 0.99)
    assert all(r[3] == "diverged" for r in rows if float(r[0]) > 1.2)


@pytest.mark.parametrize(
    "argv",
    [
        ["basin", "--surface", "parabola", "--out", "x.csv"],
        ["basin", "--surface", "bowl", "--start", "1,1", "--out", "x.csv"],
        ["basin", "--surface", "bowl", "--grid", "1", "--out", "x.csv"],
        ["basin", "--surface", "bowl", "--out", "x.gif"],
        ["sweep", "--surface", "bowl", "--lr-min", "1", "--lr-max", "0.1", "--out", "x.csv"],
        ["sweep", "--formula", "x^2 + 3y", "--out", "x.csv"],
    ],
)
def test_bad_analysis_input_is_one_line_and_writes_nothing(capsys, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def _no_display_env():
    import os

    return {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}


def test_without_a_display_the_window_says_so_and_exports_still_write_numbers(tmp_path):
    env = _no_display_env()
    smoke = subprocess.run(
        [sys.executable, "-m", "gdsim", "--smoke-test"], capture_output=True, text=True, env=env
    )
    assert smoke.returncode == 1
    assert smoke.stderr.strip() == (
        "gdsim: no display to draw on: run it on a desktop, or under xvfb-run -a"
    )
    out = tmp_path / "runs.csv"
    code = (
        "import sys\n"
        "from gdsim.cli import main\n"
        f"rc = main(['export', '--preset', 'ravine', '--out', {str(out)!r}])\n"
        "print(rc, [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.stdout.splitlines()[-1] == "0 []"
    rows = out.read_text().splitlines()
    assert (
        rows[0] == "run,step,x,y,loss,g_x,g_y" and rows[1] == "vanilla,0,-9.0,3.0,18.81,-0.18,12.0"
    )
    assert len(rows) == 1 + 2 * 151


def test_run_takes_the_surfaces_own_alpha_by_default(capsys):
    code, out, _ = run_cli(capsys, "run", "--surface", "parabola", "--start", "5", "--steps", "1")
    assert code == 0 and out.splitlines()[2].startswith("1,4.0,")  # α = 0.1: 5 − 0.1·10


def test_run_explain_prints_the_step_written_out(capsys):
    adam = ["run", "--surface", "ravine", "--optimizer", "adam", "--lr", "0.1"]
    code, out, err = run_cli(capsys, *adam, "--explain", "2")
    assert code == 0 and out.startswith("step 2 of adam on ravine\nθ₂ ")
    assert "m₃ = β₁·m₂ + (1 − β₁)·g" in out and "Δθ = θ₃ − θ₂" in out
    traj = json.loads(run_cli(capsys, *adam, "--format", "json")[1])
    code, out, _ = run_cli(capsys, *adam, "--explain", "2", "--format", "json")
    d = json.loads(out)
    # the trajectory's own numbers: θ₂, g₂, θ₃ as the trajectory JSON has them
    assert d["params"] == traj["position"][2] and d["grad"] == traj["grad"][2]
    assert d["params_next"] == traj["position"][3] and d["lr"] == traj["lr"][2]
    assert d["state"]["step"] == 3 and set(d["state"]) == {"step", "exp_avg", "exp_avg_sq"}
    code, _, err = run_cli(capsys, "run", "--surface", "bowl", "--steps", "5", "--explain", "9")
    assert code == 2 and "--explain: step must be in 0..4" in err


@pytest.mark.parametrize("ask", ["--help", "-h", "--he"])
def test_help_lists_the_commands_and_the_window_options_parse_without_them(capsys, ask):
    with pytest.raises(SystemExit) as done:
        main([ask])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "gdsim FILE.gdsim.json opens the window" in out
    for command in ("run", "basin", "sweep", "list", "export", "bench"):
        assert f"    {command}  " in out  # each with its one-line help
    # the window's own options, parsed with no sub-command named: a clear one-liner
    code, out, err = run_cli(capsys, "--projector", "--fullscreen")
    assert code == 2 and out == ""
    assert err.strip() == "gdsim: argument --fullscreen: not allowed with argument --projector"
    code, _, err = run_cli(capsys, "--colour")
    assert code == 2 and err.strip() == "gdsim: unrecognized arguments: --colour"
