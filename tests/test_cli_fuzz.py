"""Any command line: accepted (exit 0, the output written), or one line on stderr with
exit 1 (an unwritable output) or 2 (bad input) — never a traceback, a hang or another
file touched."""

import contextlib
import io

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from gdsim.cli import main
from tests import timeouts

#: bounded in-range values beside hostile ones: accepted work stays short here
VALUES = {
    "--surface": ["bowl", "rosenbrock", "himmelblau", "linear-regression", "nope", ""],
    "--formula": ["x^2+y^2", "log(x)+y^2", "x+sin(exp(exp(20.0)))", "x\n+1", "__import__"],
    "--optimizer": ["gd", "adam", "rmsprop", "sgd", "nesterov", "lbfgs", ""],
    "--lr": ["0.01", "0", "-1", "1e300", "nan", "inf", "abc"],
    "--momentum": ["0.9", "1", "-0.5", "x"],
    "--betas": ["0.9,0.999", "0.9", "1,1", "a,b", "0.9,0.999,0.1"],
    "--eps": ["1e-8", "0", "-1"],
    "--steps": ["0", "5", "100", "-1", "1000001", "10000000000", "1e3", "x"],
    "--start": ["1,2", "1", "1,2,3", "nan,1", "-1.5,2", "a"],
    "--batch-size": ["1", "8", "0", "100000", "x"],
    "--noise": ["0", "0.1", "-1", "inf"],
    "--seed": ["0", "7", "-3", "99999999999999999999999"],
    "--tol": ["1e-6", "0", "-1"],
    "--loss-tol": ["1e-9", "nan"],
    "--clip": ["1", "0", "-2"],
    "--schedule": ["constant", "step", "exponential", "cosine", "weird"],
    "--gamma": ["0.5", "0", "2", "x"],
    "--step-size": ["10", "0", "x"],
    "--t-max": ["50", "0", "-4"],
    "--grid": ["2", "20", "0", "1001", "1000000"],
    "--count": ["2", "5", "1", "100000"],
    "--lr-min": ["1e-4", "0", "1"],
    "--lr-max": ["1", "1e-9", "inf"],
    "--format": ["csv", "json", "xml"],
}


def no_hang(seconds: float):
    return timeouts.no_hang(seconds, "running")


def command_lines():
    options = st.lists(
        st.sampled_from(sorted(VALUES)).flatmap(
            lambda flag: st.tuples(st.just(flag), st.sampled_from(VALUES[flag]))
        ),
        max_size=3,
    )
    where = st.sampled_from(
        [("--surface", "himmelblau"), ("--surface", "linear-regression"), ("--formula", "x^2+y")]
    )
    outs = st.sampled_from(["out.csv", "out.csv", "out.json", "/dev/full", "/proc/x.csv", "."])
    return st.tuples(
        st.sampled_from(["run", "basin", "sweep"]), st.tuples(where).map(list), options, outs
    )


@settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(command_lines())
def test_any_command_line_is_accepted_or_refused_in_one_line(tmp_path, monkeypatch, line):
    command, where, options, out = line
    monkeypatch.chdir(tmp_path)
    keep = tmp_path / "keep.txt"
    keep.write_text("untouched")
    argv = [command, *(part for pair in where + options for part in pair), "--out", out]
    err = io.StringIO()
    with no_hang(20), contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    message = err.getvalue()
    event(f"exit {code}")
    assert "Traceback" not in message
    assert keep.read_text() == "untouched"
    if code == 0:
        assert (tmp_path / out).is_file() or out == "/dev/full"
    else:
        assert code in (1, 2), (argv, code, message)
        said = [ln for ln in message.splitlines() if not ln.endswith("(Ctrl+C stops)")]
        assert len(said) == 1 and said[0].strip(), (argv, message)
        made = {p.name for p in tmp_path.iterdir()} - {"keep.txt"}
        assert not made or made <= {"out.csv", "out.json"}, made  # (from an earlier example)
