"""Damaged and malicious session files: each is refused with one line, quickly, and no
file is read beyond its limit; names no file can hold are repaired (no Qt)."""

import copy
import json
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdsim.core.limits import MAX_RUNS, MAX_SCENE_STEPS
from gdsim.io.session import MAX_BYTES, SessionError, read_session, save_session, session_document
from gdsim.model import Scene
from gdsim.presets import load_preset, scene_document
from tests import timeouts


def good_document() -> dict:
    return session_document(Scene.from_dict(scene_document(load_preset("ravine"))))


def no_hang(seconds: float = 3.0):
    return timeouts.no_hang(seconds, "reading")


def refusal(path) -> str:
    with no_hang(), pytest.raises(SessionError) as e:
        read_session(path)
    message = str(e.value)
    assert message.isprintable() and "\n" not in message
    return message


def run_field(**fields):
    def patch(doc):
        doc["scene"]["runs"][0]["config"].update(fields)

    return patch


def copies(n, steps):
    def patch(doc):
        first = doc["scene"]["runs"][0]
        doc["scene"]["runs"] = [copy.deepcopy(first) for _ in range(n)]
        for r in doc["scene"]["runs"]:
            r["config"]["max_steps"] = steps

    return patch


@pytest.mark.parametrize(
    ("patch", "says"),
    [
        (run_field(schedule={"kind": "constant", "t_max": {}}), "run 1: bad schedule: t_max"),
        (run_field(schedule={"kind": "step", "gamma": ""}), "run 1: bad schedule: gamma"),
        (run_field(schedule=[1]), "a schedule is a mapping"),
        (run_field(seed=True), "seed must be a non-negative integer"),
        (run_field(start=["1", 2]), "start must be a list of numbers"),
        (run_field(hyper={"lr": "0.1"}), "lr must be a number"),
        (run_field(hyper=[1, 2]), "hyper must be a mapping"),
        (run_field(max_steps=5.0), "steps must be a whole number"),
        (lambda d: d["scene"]["runs"][0].update(visible="no"), "visible must be true or false"),
        (lambda d: d["scene"]["runs"][0].update(name={"a": 1}), "name must be text"),
        (lambda d: d["scene"].update(title=["x"]), "title must be text"),
        (lambda d: d["scene"].update(title="x" * 100_000), "longer than 200 characters"),
        (lambda d: d["scene"].update(playing="false"), "playing must be true or false"),
        (lambda d: d["scene"].update(selected="x"), "selected must be a run's index"),
        (lambda d: d["scene"].update(runs={"a": 1}), "runs must be a list"),
        (lambda d: d["scene"].update(surface=3), "surface must be a name"),
        (lambda d: d["scene"]["view"].update(show_legend=1), "view.show_legend must be true"),
        (copies(20, 1_000_000), "20 000 000 steps in all; gdsim records at most 4 000 000"),
        (copies(MAX_RUNS + 1, 10), f"at most {MAX_RUNS} runs"),
    ],
)
def test_fields_of_the_wrong_type_or_size_are_refused_with_the_run_and_the_field(
    tmp_path, patch, says
):
    doc = good_document()
    patch(doc)
    path = tmp_path / "s.gdsim.json"
    path.write_text(json.dumps(doc))
    before = path.read_bytes()
    assert says in refusal(path)
    assert path.read_bytes() == before


def test_the_totals_are_those_the_window_keeps():
    from gdsim.core.simulation import ConfigError, RunConfig

    scene = Scene(surface="bowl")
    for steps in (1_000_000, 1_000_000, 1_000_000, 900_000, 99_990):
        scene.add_run(RunConfig("bowl", max_steps=steps))
    with pytest.raises(ConfigError, match="at most 4 000 000"):
        scene.add_run(RunConfig("bowl", max_steps=11))
    last = scene.runs[-1].id
    scene.update_run(last, max_steps=100_000)  # exactly the limit
    with pytest.raises(ConfigError, match="record 4 000 001 steps in all"):
        scene.update_run(last, max_steps=100_001)
    assert len(scene.runs) == 5 and scene.run(last).config.max_steps == 100_000
    assert sum(r.config.max_steps for r in scene.runs) == MAX_SCENE_STEPS


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[" * 1000 + "]" * 1000, "nested too deeply"),
        ('{"format": "gdsim-session", "scene": ' + '{"a": ' * 100 + "1" + "}" * 101, "deeper"),
        (None, "more than 30 digits"),  # (a 4 400-digit max_steps, below)
        ("", "damaged or incomplete"),
    ],
)
def test_json_that_python_cannot_read_safely_is_refused(tmp_path, text, says):
    if text is None:
        text = json.dumps(good_document()).replace('"max_steps": 150', '"max_steps": ' + "9" * 4400)
    path = tmp_path / "s.gdsim.json"
    path.write_text(text)
    assert says in refusal(path)


def test_only_a_regular_file_of_bounded_size_is_read(tmp_path):
    fifo = tmp_path / "fifo.gdsim.json"
    os.mkfifo(fifo)  # no writer: opening it the usual way would wait for ever
    assert "not a regular file" in refusal(fifo)
    for device in ("/dev/zero", "/dev/urandom"):
        link = tmp_path / (os.path.basename(device) + ".gdsim.json")
        link.symlink_to(device)  # read, it would never end
        assert "not a regular file" in refusal(link)
    assert "not a regular file" in refusal(tmp_path)
    big = tmp_path / "big.gdsim.json"
    with open(big, "wb") as fh:
        fh.truncate(MAX_BYTES + 1)  # sparse: nothing is written
    assert "larger than 50 MB" in refusal(big)
    good = tmp_path / "good.gdsim.json"
    good.write_text(json.dumps(good_document()))
    link = tmp_path / "link.gdsim.json"
    link.symlink_to(good)  # a symlink to a session is followed
    assert read_session(link).surface == "ravine"


def test_a_name_no_file_can_hold_is_repaired_and_saves(tmp_path):
    text = json.dumps(good_document()).replace('"vanilla"', '"van\\ud800illa"')
    path = tmp_path / "s.gdsim.json"
    path.write_text(text)
    scene = read_session(path)
    assert scene.runs[0].name == "van\ufffdilla"
    save_session(tmp_path / "again.gdsim.json", scene)  # encodable now
    assert read_session(tmp_path / "again.gdsim.json").runs[0].name == "van\ufffdilla"


def test_gdsim_export_refuses_a_damaged_session_in_one_line(tmp_path):
    path = tmp_path / "s.gdsim.json"
    path.write_text("[" * 1000 + "]" * 1000)
    out = tmp_path / "out.json"
    proc = subprocess.run(
        [sys.executable, "-m", "gdsim", "export", "--session", str(path), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and not out.exists()
    assert proc.stderr.strip().count("\n") == 0 and "nested too deeply" in proc.stderr


# -- fuzzing: a good session with any of its values replaced by any JSON value ----------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**40), 10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=8,
)


def leaves(doc, path=()):
    """Every place in the document: (path to it)."""
    yield path
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from leaves(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from leaves(v, (*path, i))


GOOD = good_document()
PLACES = [p for p in leaves(GOOD) if p]


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.tuples(st.sampled_from(PLACES), json_values), min_size=1, max_size=3))
def test_any_damaged_value_is_refused_in_one_line_or_the_scene_saves_again(tmp_path, edits):
    doc = copy.deepcopy(GOOD)
    for place, value in edits:
        target = doc
        try:
            for key in place[:-1]:
                target = target[key]
            target[place[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed that place
    path = tmp_path / "fuzz.gdsim.json"
    path.write_text(json.dumps(doc, allow_nan=True))
    try:
        with no_hang():
            scene = read_session(path)
    except SessionError as e:
        assert str(e).isprintable() and "\n" not in str(e)
        return
    save_session(tmp_path / "again.gdsim.json", scene)  # what was accepted can be kept
    assert read_session(tmp_path / "again.gdsim.json").to_dict() == scene.to_dict()


def test_gdsim_file_refuses_a_pipe_or_a_device_in_one_line(tmp_path):
    fifo = tmp_path / "class.gdsim.json"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.gdsim.json"
    zero.symlink_to("/dev/zero")
    for path in (fifo, zero):
        proc = subprocess.run(
            [sys.executable, "-m", "gdsim", str(path)], capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1
        assert "not a regular file" in proc.stderr and "QThread" not in proc.stderr
