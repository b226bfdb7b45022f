"""Output targets: a regular file is replaced atomically, a device or a pipe is written
to and never replaced, a symlink is followed, the file being read is never overwritten,
and an unwritable target is refused before any work with "cannot write PATH: reason"."""

import os
import stat
import subprocess
import sys
import time

import pytest

from gdsim.io.atomic import OutputError, check_target, write_atomic, writing
from gdsim.model import Scene

GDSIM = (sys.executable, "-m", "gdsim")


def gdsim(*args, **kw):
    return subprocess.run([*GDSIM, *args], capture_output=True, text=True, timeout=120, **kw)


def test_a_regular_file_is_replaced_and_a_symlink_followed(tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "real.csv"]


def test_a_device_is_written_to_and_never_replaced():
    with pytest.raises(OutputError, match=r"^cannot write /dev/full: No space left on device$"):
        write_atomic("/dev/full", "x" * 10)
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)  # still the device
    write_atomic("/dev/null", "gone")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_pipe_is_written_to_when_a_program_reads_it(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="a pipe that no program reads"):
        write_atomic(fifo, "nobody reads this")
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    time.sleep(0.3)  # cat is waiting in open() for a writer
    write_atomic(fifo, "step,x\n0,1.0\n")
    got = [reader.communicate(timeout=5)[0]]
    assert got == [b"step,x\n0,1.0\n"] and stat.S_ISFIFO(os.stat(fifo).st_mode)


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("/proc/x.csv", "No such file or directory"),
        ("/nonexistent-folder/x.csv", "there is no folder /nonexistent-folder"),
        (".", "it is a folder"),
        ("", "no file name"),
    ],
)
def test_an_unwritable_target_is_refused_with_the_reason(target, reason):
    with pytest.raises(OutputError) as e:
        check_target(target)
    assert str(e.value) == f"cannot write {target}: {reason}"


def test_the_file_being_read_is_never_the_output(tmp_path):
    session = tmp_path / "S.gdsim.json"
    session.write_text("{}")
    other = tmp_path / "other.json"
    other.symlink_to(session)
    for out in (session, other):
        with pytest.raises(OutputError, match="it is the file being read"):
            check_target(out, reading=[session])
    assert session.read_text() == "{}"


def test_an_interrupted_write_leaves_nothing_and_a_killed_ones_leftovers_go(tmp_path):
    out = tmp_path / "map.csv"
    with pytest.raises(KeyboardInterrupt), writing(out) as tmp:  # Ctrl+C while writing
        with open(tmp, "w") as fh:
            fh.write("half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    # a process killed mid-write left its temporary file (its pid is in the name)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    left = tmp_path / f".map.csv.gdsim-{dead.pid}-abc123.tmp"
    left.write_bytes(b"x" * 1000)
    alive = tmp_path / f".map.csv.gdsim-{os.getppid()}-def456.tmp"  # a running writer's
    alive.write_bytes(b"y")
    write_atomic(out, "done")
    assert sorted(p.name for p in tmp_path.iterdir()) == [alive.name, "map.csv"]


def test_the_command_line_refuses_before_any_work_and_exits_1(tmp_path):
    from gdsim.io.session import save_session
    from gdsim.presets import load_preset, scene_document

    session = tmp_path / "S.gdsim.json"
    save_session(session, Scene.from_dict(scene_document(load_preset("ravine"))))
    before = session.read_bytes()
    cases = [
        (["export", "--session", str(session), "--out", str(session)], "it is the file being read"),
        (["run", "--surface", "bowl", "--out", "/dev/full"], "No space left on device"),
        (["basin", "--surface", "himmelblau", "--out", "/proc/x.png"], "No such file"),
        (["export", "--preset", "ravine", "--out", "/proc/x.gif"], "No such file"),
        (["export", "--preset", "ravine", "--out", "/proc/x.png"], "No such file"),
        (["sweep", "--surface", "bowl", "--out", "/nonexistent/s.csv"], "there is no folder"),
    ]
    for args, reason in cases:
        proc = gdsim(*args)
        out = args[-1]
        assert proc.returncode == 1, (args, proc.stderr)
        assert proc.stderr.startswith(f"gdsim {args[0]}: cannot write {out}: {reason}")
        assert proc.stderr.count("\n") == 1, proc.stderr
    assert session.read_bytes() == before
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_dev_stdout_gets_the_text_and_stays_what_it_is(tmp_path):
    proc = gdsim("run", "--surface", "bowl", "--steps", "2", "--out", "/dev/stdout")
    assert proc.returncode == 0 and proc.stdout.startswith("step,x,y,loss")
    assert os.path.islink("/dev/stdout")


def test_dev_stdout_appended_by_the_shell_keeps_what_was_there(tmp_path):
    log = tmp_path / "log.txt"
    log.write_text("first line\n")
    with open(log, "a") as fh:  # gdsim run --out /dev/stdout >> log.txt
        proc = subprocess.run(
            [*GDSIM, "run", "--surface", "bowl", "--steps", "1", "--out", "/dev/stdout"],
            stdout=fh,
            stderr=subprocess.PIPE,
            timeout=60,
        )
    assert proc.returncode == 0
    assert log.read_text().splitlines()[:2] == ["first line", "step,x,y,loss,g_x,g_y"]
