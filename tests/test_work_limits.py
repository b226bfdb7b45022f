"""Work is bounded or visible: too much is refused at once with the limit in the message;
long work shows its progress on stderr and stops on Ctrl+C (exit 130, no output)."""

import signal
import subprocess
import sys
import time

import pytest

from gdsim.core.analyses import basin_map, lr_sweep
from gdsim.core.limits import MAX_BASIN_STEPS, MAX_SWEEP_STEPS
from gdsim.core.simulation import ConfigError, RunConfig

GDSIM = (sys.executable, "-m", "gdsim")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["basin", "--surface", "himmelblau", "--grid", "1000", "--steps", "1000000"],
            "1 000 000 runs × 1 000 000 steps = 1 000 000 000 000 run-steps; "
            "the limit is 2 000 000 000",
        ),
        (
            ["sweep", "--surface", "bowl", "--count", "1000", "--steps", "1000000"],
            "1 000 runs × 1 000 000 steps = 1 000 000 000 run-steps; the limit is 50 000 000",
        ),
    ],
)
def test_too_much_work_is_refused_at_once_with_the_limit(tmp_path, args, says):
    out = tmp_path / "out.csv"
    t0 = time.monotonic()
    proc = subprocess.run(
        [*GDSIM, *args, "--out", str(out)], capture_output=True, text=True, timeout=60
    )
    assert time.monotonic() - t0 < 20  # (a hang, not a speed: it used to run for days)
    assert proc.returncode == 2 and says in proc.stderr and proc.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_the_window_s_analyses_have_the_same_limits():
    cfg = RunConfig("himmelblau", "gd", {"lr": 0.01}, max_steps=MAX_BASIN_STEPS // 250_000 + 1)
    with pytest.raises(ConfigError, match="the limit is 2 000 000 000"):
        basin_map(cfg, n=500)
    cfg = RunConfig("bowl", "gd", {"lr": 0.01}, max_steps=MAX_SWEEP_STEPS // 100 + 1)
    with pytest.raises(ConfigError, match="the limit is 50 000 000"):
        lr_sweep(cfg, 1e-3, 1.0, 100)


def _as_from_a_terminal() -> None:
    """Ctrl+C reaches a command started from a terminal.  A shell without job control
    starts a background job (``make test &``, some CI runners) with SIGINT ignored, which
    its children inherit and Python then keeps: reset it, as a terminal's shell would."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _signal_state(pid: int) -> str:
    """The signals a process blocks, ignores and catches, as /proc tells them."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return " ".join(
                line.strip() for line in f if line.startswith(("SigBlk", "SigIgn", "SigCgt"))
            )
    except OSError as e:
        return str(e)


def test_long_work_shows_progress_and_ctrl_c_stops_it_with_no_output(tmp_path):
    out = tmp_path / "map.png"
    args = ["basin", "--surface", "himmelblau", "--grid", "1000", "--steps", "1500"]
    proc = subprocess.Popen(
        [*GDSIM, *args, "--out", str(out)],
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_as_from_a_terminal,
    )
    first = proc.stderr.readline()  # after a quiet second, then every 10 %
    assert first.startswith("gdsim basin: ") and first.rstrip().endswith("% (Ctrl+C stops)")
    proc.send_signal(signal.SIGINT)
    try:
        rest = proc.communicate(timeout=30)[1]
    except subprocess.TimeoutExpired:
        state = _signal_state(proc.pid)
        proc.kill()
        raise AssertionError(f"Ctrl+C did not stop gdsim basin: {state}") from None
    assert proc.returncode == 130
    assert "Traceback" not in rest
    assert list(tmp_path.iterdir()) == []  # no map, no temporary file
