"""The scene model (no Qt): runs without a name get labels that tell them apart."""

from gdsim.model import Scene
from gdsim.presets import load_preset, scene_document


def test_unnamed_runs_are_numbered_by_optimizer_and_follow_it():
    scene = Scene.from_dict(scene_document(load_preset("ravine")))  # "vanilla", "momentum"
    added = [scene.add_run() for _ in range(3)]
    assert [scene.label(r.id) for r in added] == ["gd", "gd 2", "gd 3"]
    first = scene.runs[0]
    dup = scene.duplicate_run(first.id, "adam")
    assert scene.label(dup.id) == "adam"
    assert scene.label(scene.duplicate_run(first.id, "adam").id) == "adam 2"
    # a label follows the optimizer; runs are counted in list order
    scene.update_run(added[1].id, optimizer="adam", hyper={"lr": 0.1})
    assert scene.label(added[1].id) == "adam"
    assert scene.label(dup.id) == "adam 2"
    assert scene.label(added[2].id) == "gd 2"
    # a name given by a lesson or a session is shown as it is
    assert scene.label(scene.add_run(name="marble").id) == "marble"
    assert scene.label(first.id) == "vanilla"


def test_labels_never_repeat_a_named_run():
    scene = Scene.from_dict(scene_document(load_preset("ravine")))  # "vanilla", "momentum"
    dup = scene.duplicate_run(scene.runs[0].id, "momentum")
    assert scene.label(dup.id) == "momentum 2"
    scene.add_run(name="gd 2")
    a, b = scene.add_run(), scene.add_run()
    assert (scene.label(a.id), scene.label(b.id)) == ("gd", "gd 3")
    labels = scene.labels()
    assert len(set(labels.values())) == len(labels)
