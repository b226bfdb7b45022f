"""The scene model (no Qt): runs added by the user get names that tell them apart."""

from gdsim.model import Scene
from gdsim.presets import load_preset, scene_document


def test_new_runs_are_numbered_when_their_optimizer_name_is_taken():
    scene = Scene.from_dict(scene_document(load_preset("ravine")))  # "vanilla", "momentum"
    labels = [scene.add_run().label for _ in range(3)]
    assert labels == ["gd", "gd 2", "gd 3"]
    first = scene.runs[0]
    assert scene.duplicate_run(first.id, "adam").label == "adam"
    assert scene.duplicate_run(first.id, "adam").label == "adam 2"
    # a name given by the caller (a lesson, a session) is kept as it is
    assert scene.add_run(name="marble").label == "marble"
