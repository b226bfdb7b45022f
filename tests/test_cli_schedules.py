"""The schedules on the command line: ``--schedule KIND`` and one option per schedule
parameter (gdsim.core.schedules), switches as ``true|false``."""

import json

import pytest

from gdsim.cli import main
from gdsim.core.schedules import SPECS, Schedule


def run_json(capsys, *argv):
    code = main(["run", "--surface", "bowl", "--format", "json", *argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def test_multistep_from_the_command_line(capsys):
    doc = run_json(
        capsys, "--steps", "5", "--schedule", "multistep", "--milestones", "2,4", "--gamma", "0.1"
    )
    assert doc["config"]["schedule"] == {"kind": "multistep", "milestones": [2, 4], "gamma": 0.1}
    assert doc["lr"] == Schedule("multistep", milestones=(2, 4), gamma=0.1).lrs(0.1, 6)
    assert doc["lr"][:3] == [0.1, 0.1, 0.1 * 0.1]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ("cosine --t-max 4 --eta-min 0.01", Schedule("cosine", t_max=4, eta_min=0.01)),
        ("cosine-restarts --t-0 3 --t-mult 2", Schedule("cosine-restarts", t_0=3, t_mult=2)),
        (
            "onecycle --max-lr 0.2 --total-steps 10 --three-phase true --cycle-momentum false "
            "--anneal-strategy linear",
            Schedule(
                "onecycle",
                max_lr=0.2,
                total_steps=10,
                three_phase=True,
                cycle_momentum=False,
                anneal_strategy="linear",
            ),
        ),
        (
            "cyclic --base-lr 0.01 --max-lr 0.1 --step-size-up 3 --step-size-down 2 "
            "--mode exp_range --gamma 0.9",
            Schedule(
                "cyclic",
                base_lr=0.01,
                max_lr=0.1,
                step_size_up=3,
                step_size_down=2,
                mode="exp_range",
                gamma=0.9,
            ),
        ),
        (
            "warmup-cosine --warmup-steps 3 --start-factor 0.1 --t-max 7",
            Schedule("warmup-cosine", warmup_steps=3, start_factor=0.1, t_max=7),
        ),
        (
            "linear --end-factor 0.5 --total-iters 4",
            Schedule("linear", end_factor=0.5, total_iters=4),
        ),
        ("polynomial --power 2 --total-iters 4", Schedule("polynomial", power=2.0, total_iters=4)),
        ("exponential --gamma 0.9", Schedule("exponential", gamma=0.9)),
        ("step --step-size 2", Schedule("step", step_size=2)),
    ],
)
def test_each_schedule_reaches_the_run(capsys, argv, expected):
    doc = run_json(capsys, "--steps", "10", "--schedule", *argv.split())
    assert Schedule.from_dict(doc["config"]["schedule"]) == expected
    assert doc["lr"] == expected.lrs(0.1, 11)


def test_plateau_flags_are_accepted_and_eps_is_plateau_eps():
    from gdsim.cli import build_parser

    a = build_parser().parse_args(
        ["run", "--surface", "bowl", "--schedule", "plateau", "--mode", "max", "--factor", "0.5",
         "--patience", "3", "--threshold", "0.01", "--threshold-mode", "abs", "--cooldown", "2",
         "--min-lr", "1e-4", "--plateau-eps", "1e-6", "--eps", "1e-3"]
    )  # fmt: skip
    from gdsim.commands import _run_config

    a.optimizer = "adam"
    cfg = _run_config(a)
    assert cfg.schedule == Schedule(
        "plateau", mode="max", factor=0.5, patience=3, threshold=0.01, threshold_mode="abs",
        cooldown=2, min_lr=1e-4, eps=1e-6,
    )  # fmt: skip
    assert cfg.hyper["eps"] == 1e-3  # --eps stays the optimizer's


def test_every_parameter_has_its_flag():
    from gdsim.cli import build_parser

    text = build_parser()._subparsers._group_actions[0].choices["run"].format_help()
    for spec in SPECS.values():
        assert spec.kind in text
        for h in spec.params:
            assert (h.flag if h.name != "eps" else "--plateau-eps") in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--schedule", "step", "--t-0", "3"],
            "gdsim run: --t-0 does not apply to --schedule step",
        ),
        (["--t-max", "3"], "gdsim run: --t-max does not apply to --schedule constant"),
        (["--schedule", "cosine", "--plateau-eps", "1"], "--plateau-eps does not apply"),
        (["--schedule", "weird"], "invalid choice: 'weird'"),
        (["--schedule", "multistep", "--milestones", "3,x"], "milestones must be whole numbers"),
        (["--schedule", "multistep", "--milestones", "-3"], "milestones must be whole numbers"),
        (["--schedule", "step", "--gamma", "2"], "gamma must be in (0, 1], got 2.0"),
        (["--schedule", "step", "--gamma", "nan"], "gamma must be a finite number"),
        (["--schedule", "step", "--step-size", "0"], "step_size must be a whole number in [1, "),
        (["--schedule", "step", "--step-size", "2.5"], "invalid int value: '2.5'"),
        (["--schedule", "onecycle", "--three-phase", "yes"], "invalid choice: 'yes'"),
        (["--schedule", "cyclic", "--mode", "min"], "mode must be one of: triangular"),
        (["--schedule", "plateau", "--mode", "triangular"], "mode must be one of: min, max"),
    ],
)
def test_bad_schedule_input_is_one_line_exit_2(capsys, tmp_path, argv, message):
    target = tmp_path / "out.csv"
    code = main(["run", "--surface", "bowl", "--steps", "5", *argv, "--out", str(target)])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and not target.exists()
    assert len(err.strip().splitlines()) == 1 and message in err
