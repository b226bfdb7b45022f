"""Each hyperparameter is declared once (gdsim/core/hyper.py); validation, the command
line, session checks and ``gdsim list optimizers --long`` all follow the declaration."""

import subprocess
import sys

import pytest

from gdsim.core.hyper import HyperError
from gdsim.core.optimizers import OPTIMIZERS, OptimizerError, all_params, validate_hyper


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_declared_range_is_what_validation_enforces(name):
    spec = OPTIMIZERS[name]
    assert validate_hyper(name, {})  # the defaults are valid
    for h in spec.params:
        if h.kind != "float":
            continue
        for bad, end in ((h.lo, h.lo_open), (h.hi, h.hi_open)):
            if bad is None:
                continue
            value = bad if end else bad + (-1 if bad == h.lo else 1) * 1e-9 * max(1, abs(bad))
            with pytest.raises(OptimizerError, match=f"{h.name} must be in"):
                validate_hyper(name, {h.name: value})
        with pytest.raises(OptimizerError, match="must be a number"):
            validate_hyper(name, {h.name: "0.5"})  # a file's "0.5" is not a number


def test_a_pair_is_a_comma_list_on_the_command_line_and_a_list_in_a_file():
    assert validate_hyper("adam", {"betas": "0.8,0.99"})["betas"] == (0.8, 0.99)
    assert validate_hyper("adam", {"betas": [0.8, 0.99]})["betas"] == (0.8, 0.99)
    with pytest.raises(OptimizerError, match=r"betas must be two numbers in \[0, 1\)"):
        validate_hyper("adam", {"betas": [0.8]})


def test_the_command_line_has_a_flag_for_every_declared_hyperparameter():
    from gdsim.cli import build_parser

    parser = build_parser()
    run = parser._subparsers._group_actions[0].choices["run"]
    flags = {opt for action in run._actions for opt in action.option_strings}
    for h in all_params().values():
        assert h.flag in flags, h.name
    assert "--initial-accumulator-value" in flags and "--initial-accumulator" in flags


def test_list_optimizers_long_gives_every_hyperparameter_with_default_and_range():
    out = subprocess.run(
        [sys.executable, "-m", "gdsim", "list", "optimizers", "--long"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name, spec in OPTIMIZERS.items():
        assert f"{name}\t{spec.description}" in out
    assert "  --betas\tdefault 0.9,0.999\ttwo numbers in [0, 1)\t" in out
    assert "  --lr\tdefault 0.01\t(0, ∞)\t" in out  # adagrad's and rmsprop's default


def test_hyper_errors_are_one_line_value_errors():
    with pytest.raises(HyperError) as e:
        all_params()["momentum"].check(1.0)
    assert str(e.value) == "momentum must be in [0, 1), got 1.0"
    assert isinstance(e.value, ValueError)
