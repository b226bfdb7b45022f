"""Sessions written, read back and refused (no Qt)."""

import json

import pytest

from gdsim.core.schedules import Schedule
from gdsim.core.simulation import RunConfig
from gdsim.io.session import SessionError, read_session, save_session
from gdsim.model import Scene


def a_scene() -> Scene:
    s = Scene(surface="rosenbrock", title="Race", explanation="Three optimizers.")
    s.add_run(
        RunConfig(
            "rosenbrock",
            "adam",
            {"lr": 0.02, "betas": (0.8, 0.99)},
            (-1.5, 2.0),
            max_steps=300,
            grad_tol=1e-6,
            schedule=Schedule("cosine", t_max=300),
        ),
        name="adam",
    )
    s.add_run(
        RunConfig(
            "rosenbrock", "momentum", {"lr": 1e-3}, (-1.0, 2.5), clip_norm=5.0, noise=0.1, seed=3
        ),
        color="#CC79A7",
    )
    s.update_run(s.runs[1].id, visible=False)
    s.set_cursor(42)
    s.set_speed(33.0)
    s.set_view("log_loss", True)
    s.set_view("camera", {"distance": 4.0, "elevation": 20.0, "azimuth": 10.0})
    s.set_view("ranges", [-2.0, 2.0, -1.0, 3.0])
    s.select(s.runs[0].id)
    return s


def test_save_then_open_round_trips_every_field(tmp_path):
    s = a_scene()
    path = tmp_path / "race.gdsim.json"
    save_session(path, s)
    back = read_session(path)
    assert back.to_dict() == s.to_dict()
    assert [r.config for r in back.runs] == [r.config for r in s.runs]
    assert back.runs[1].color == "#CC79A7" and not back.runs[1].visible
    assert back.cursor == 42 and back.view["camera"]["azimuth"] == 10.0
    assert back.selected == back.runs[0].id


def test_truncated_file_is_refused_and_nothing_changes(tmp_path):
    path = tmp_path / "s.gdsim.json"
    save_session(path, a_scene())
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    with pytest.raises(SessionError) as e:
        read_session(path)
    assert "damaged or incomplete" in str(e.value) and "\n" not in str(e.value)
    assert path.read_text() == text[: len(text) // 2]


def test_newer_version_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "new.gdsim.json"
    save_session(path, a_scene())
    doc = json.loads(path.read_text())
    doc["version"] = 7
    path.write_text(json.dumps(doc))
    with pytest.raises(SessionError) as e:
        read_session(path)
    assert "newer gdsim" in str(e.value) and "version 7" in str(e.value)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"format": "something-else", "version": 1}', "not a gdsim session"),
        ("[1, 2]", "not a gdsim session"),
        (
            '{"format": "gdsim-session", "version": 1, "scene": {"surface": "nope"}}',
            "unknown surface",
        ),
        (
            '{"format": "gdsim-session", "version": 1, "scene": {"surface": "bowl", "runs": '
            '[{"config": {"optimizer": "adam", "hyper": {"lr": -1}}}]}}',
            "lr must be in (0, ∞)",
        ),
    ],
)
def test_wrong_content_is_refused(tmp_path, content, reason):
    path = tmp_path / "x.gdsim.json"
    path.write_text(content)
    with pytest.raises(SessionError) as e:
        read_session(path)
    assert reason in str(e.value)


def test_saving_replaces_the_file_atomically(tmp_path, monkeypatch):
    path = tmp_path / "s.gdsim.json"
    save_session(path, a_scene())
    before = path.read_text()

    import gdsim.io.atomic as atomic

    def boom(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", boom)
    with pytest.raises(OSError):
        save_session(path, Scene(surface="bowl"))
    assert path.read_text() == before  # the previous file is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.gdsim.json"]  # no temp left


@pytest.mark.parametrize(
    ("scene_patch", "reason"),
    [
        ({"speed": 0}, None),  # clamped, not refused
        ({"speed": float("nan")}, "speed must be a finite number"),
        ({"cursor": 1e999}, "cursor must be a finite number"),
        ({"view": {"camera": [1, 2]}}, "camera must be a mapping"),
        ({"view": {"camera": {"distance": "far"}}}, "camera distance must be a number"),
        ({"view": {"ranges": [1, 0, 0, 1]}}, "xmin < xmax"),
        ({"runs": [{"color": "blue", "config": {"optimizer": "gd"}}]}, "#RRGGBB"),
        (
            {"runs": [{"config": {"optimizer": "gd", "hyper": {"lr": "0.1"}}}]},
            "lr must be a number",
        ),
    ],
)
def test_hostile_values_in_a_session_are_refused_or_clamped(tmp_path, scene_patch, reason):
    doc = {
        "format": "gdsim-session",
        "version": 1,
        "scene": {"surface": "bowl", "runs": [{"config": {"optimizer": "gd"}}], **scene_patch},
    }
    path = tmp_path / "h.gdsim.json"
    path.write_text(json.dumps(doc))
    if reason is None:
        assert read_session(path).speed == 0.5
        return
    with pytest.raises(SessionError) as e:
        read_session(path)
    assert reason in str(e.value)


def test_a_typed_formula_is_saved_and_reopened(tmp_path):
    s = Scene(surface="formula:sin(x)*cos(y) + 0.1*(x^2 + y^2)")
    s.add_run()
    s.add_run(RunConfig(s.surface, "adam", {"lr": 0.2}, (1.0, -2.0)))
    path = tmp_path / "mine.gdsim.json"
    save_session(path, s)
    assert json.loads(path.read_text())["scene"]["surface"] == s.surface
    back = read_session(path)
    assert back.surface == s.surface and back.to_dict() == s.to_dict()


def test_a_session_with_a_hostile_formula_is_refused_with_the_reason(tmp_path):
    s = Scene(surface="formula:x^2 + y^2")
    s.add_run()
    path = tmp_path / "bad.gdsim.json"
    save_session(path, s)
    doc = json.loads(path.read_text())
    doc["scene"]["surface"] = "formula:__import__('os').getcwd()"
    path.write_text(json.dumps(doc))
    with pytest.raises(SessionError, match="cannot be part of a formula"):
        read_session(path)


def test_every_new_optimizer_and_schedule_survives_a_session(tmp_path):
    """Pairs, choices, whole numbers and every schedule's parameters come back as they
    went, and the runs they make are the same to the bit."""
    import numpy as np

    from gdsim.core.simulation import simulate

    runs = [
        ("rprop", {"etas": (0.4, 1.3)}, Schedule("multistep", milestones=(10, 20))),
        ("lbfgs", {"line_search_fn": "strong_wolfe", "max_iter": 5}, Schedule("plateau")),
        (
            "adafactor",
            {"eps": (1e-30, 1e-3)},
            Schedule("onecycle", max_lr=0.01, total_steps=100, cycle_momentum=False),
        ),
        ("newton", {"damping": 0.5}, Schedule("cosine-restarts", t_0=10, t_mult=2)),
        ("nadam", {"decoupled_weight_decay": True}, Schedule("cyclic", base_lr=1e-3, max_lr=0.01)),
        ("asgd", {"t0": 5.0}, Schedule("warmup-cosine", warmup_steps=5, t_max=95)),
    ]
    scene = Scene(surface="rosenbrock")
    for name, hyper, schedule in runs:
        scene.add_run(RunConfig("rosenbrock", name, hyper, (-1.5, 2.0), schedule=schedule))
    path = tmp_path / "new.gdsim.json"
    save_session(path, scene)
    again = read_session(path)
    for a, b in zip(scene.runs, again.runs, strict=True):
        assert b.config.hyper == a.config.hyper and b.config.schedule == a.config.schedule
        np.testing.assert_array_equal(simulate(a.config).position, simulate(b.config).position)
