"""The scene model (no Qt): labels that stay true, edits that can be undone."""

from gdsim.model import Scene
from gdsim.model.scene import MARKERS, PALETTE
from gdsim.presets import load_preset, scene_document


def lesson(name: str) -> Scene:
    return Scene.from_dict(scene_document(load_preset(name)))


def test_unnamed_runs_are_told_apart_by_their_settings():
    scene = lesson("ravine")  # "vanilla", "momentum"
    added = [scene.add_run() for _ in range(3)]  # same settings, other starts
    assert [scene.label(r.id) for r in added] == ["gd", "gd 2", "gd 3"]
    scene.update_run(added[1].id, hyper={"lr": 0.02})
    # (the lesson's "vanilla" is gd at α = 0.45, the ravine's own α, as the added runs)
    assert [scene.label(r.id) for r in added] == ["gd α=0.45", "gd α=0.02", "gd α=0.45 (2)"]
    first = scene.runs[0]
    dup = scene.duplicate_run(first.id, "adam")
    assert scene.label(dup.id) == "adam"
    # a label follows the optimizer
    scene.update_run(added[2].id, optimizer="adam", hyper={"lr": 0.1})
    assert scene.label(added[2].id) == "adam α=0.1"
    assert scene.label(dup.id) == "adam α=0.45"


def test_a_lesson_name_goes_when_the_settings_it_describes_change():
    scene = lesson("line-fit")  # "full batch", "mini-batch 32"
    mini = scene.runs[1]
    assert scene.label(mini.id) == "mini-batch 32"
    scene.update_run(mini.id, batch_size=1)
    assert scene.label(mini.id) == "gd B=1"
    assert scene.label(scene.runs[0].id) == "full batch"  # unchanged, still true
    scene.update_run(scene.runs[0].id, visible=False)  # the look is not a setting
    assert scene.label(scene.runs[0].id) == "full batch"
    # the user's own name stays whatever changes
    scene.update_run(mini.id, name="my run")
    scene.update_run(mini.id, batch_size=8)
    assert scene.label(mini.id) == "my run"
    assert scene.to_dict()["runs"][1]["own_name"] is True
    again = Scene.from_dict(scene.to_dict())
    again.update_run(again.runs[1].id, batch_size=4)
    assert again.label(again.runs[1].id) == "my run"


def test_labels_never_repeat_a_named_run():
    scene = lesson("ravine")  # "vanilla", "momentum"
    dup = scene.duplicate_run(scene.runs[0].id, "momentum")
    assert scene.label(dup.id) == "momentum 2"  # "momentum" is the lesson's run's name
    labels = scene.labels()
    assert len(set(labels.values())) == len(labels)
    scene.add_run(name="gd 2")
    a, b = scene.add_run(), scene.add_run()
    labels = scene.labels()
    assert len(set(labels.values())) == len(labels)
    assert (labels[a.id], labels[b.id]) == ("gd", "gd 3")


def test_each_colour_has_its_marker():
    scene = lesson("rosenbrock-race")
    markers = scene.markers()
    assert [markers[r.id] for r in scene.runs] == list(MARKERS[:4])
    assert [r.color for r in scene.runs] == list(PALETTE[:4])


def test_every_edit_is_one_undoable_change():
    scene = lesson("ravine")
    edits = []
    scene.edited.connect(lambda label, key, before, after: edits.append((label, before, after)))
    first = scene.runs[0]
    scene.set_hyper(first.id, lr=0.3)
    scene.add_run()
    scene.duplicate_run(first.id, "adam")
    scene.remove_run(first.id)
    scene.set_cursor(5)  # not an edit
    scene.set_view("log_loss", True)  # not an edit
    labels = [e[0] for e in edits]
    assert labels == ["α of vanilla", "Add run", "Duplicate as adam", "Remove gd α=0.3"]
    # undoing them in reverse order brings the lesson back exactly
    for _label, before, _after in reversed(edits):
        scene.restore(before)
    assert scene.snapshot().same_content(lesson_snapshot := edits[0][1])
    assert [r.id for r in scene.runs] == [r.id for r in lesson_snapshot.runs]
    assert scene.label(first.id) == "vanilla"  # the name came back with the settings
    # and redoing them replays them
    for _label, _before, after in edits:
        scene.restore(after)
    assert scene.snapshot().same_content(edits[-1][2])
    assert first.id not in [r.id for r in scene.runs]


def test_changing_the_surface_and_loading_a_lesson_are_one_edit_each():
    scene = lesson("ravine")
    edits = []
    scene.edited.connect(lambda *e: edits.append(e))
    start = scene.snapshot()
    scene.set_surface("bowl")
    assert len(edits) == 1 and scene.title == ""
    scene.load(lesson("marbles"), label="Open marbles")
    assert len(edits) == 2 and edits[1][0] == "Open marbles"
    assert scene.surface == "himmelblau" and len(scene.runs) == 6
    _label, _key, before, after = edits[1]
    assert scene.snapshot(with_view=True) == after
    scene.restore(before)  # before the lesson: the bowl
    assert scene.surface == "bowl" and len(scene.runs) == 2
    scene.restore(start)
    assert scene.surface == "ravine" and scene.title.startswith("Vanilla")
    ids = [r.id for r in scene.runs]
    new = scene.add_run()
    assert new.id not in ids  # ids are never reused


def test_drag_of_one_hyperparameter_has_one_merge_key():
    scene = lesson("ravine")
    keys = []
    scene.edited.connect(lambda _label, key, *_: keys.append(key))
    rid = scene.runs[0].id
    for lr in (0.3, 0.31, 0.32):
        scene.set_hyper(rid, lr=lr)
    scene.update_run(rid, start=(1.0, 1.0))
    assert keys[0] == keys[1] == keys[2] != keys[3]


def test_loading_fires_one_reset_and_no_event_per_field():
    scene = lesson("ravine")
    fired = []
    for name in (
        "surface_changed",
        "run_added",
        "run_removed",
        "run_changed",
        "selection_changed",
        "cursor_changed",
        "view_changed",
        "text_changed",
        "reset",
    ):
        getattr(scene, name).connect(lambda *_a, n=name: fired.append(n))
    other = lesson("marbles")
    other.cursor, other.speed = 12, 40.0
    scene.load(other)
    assert fired == ["reset"]
    assert scene.surface == "himmelblau" and scene.cursor == 12 and scene.speed == 40.0
    assert [r.config for r in scene.runs] == [r.config for r in other.runs]
    assert scene.selected_run.config == other.selected_run.config
    fired.clear()
    scene.restore(lesson("saddle").snapshot())
    assert fired == ["reset"] and scene.surface == "saddle"
