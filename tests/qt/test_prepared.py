"""Work done once per long trajectory runs in a background thread: the window keeps
painting while a million-step run is laid out, and draws it when it is ready."""

import threading
import time

import numpy as np

from gdsim.core.simulation import RunConfig
from gdsim.qt.views.prepared import Prepared
from tests.qt.conftest import needs_display, wait_trajectories


def test_the_work_runs_in_another_thread_and_its_result_arrives_in_the_gui_thread(qtbot):
    prepared = Prepared()
    where = []
    tag = (object(),)

    def work():
        where.append(threading.current_thread())
        return 42

    with qtbot.waitSignal(prepared.ready, timeout=5000):
        assert prepared.get("run", tag, work) is None  # not yet
        assert prepared.pending()
    assert where and where[0] is not threading.main_thread()
    assert prepared.get("run", tag, work) == 42 and not prepared.pending()
    assert len(where) == 1  # asked again: known, not computed again
    prepared.close()


def test_a_result_made_from_older_inputs_is_not_given(qtbot):
    prepared = Prepared()
    old, new = (object(),), (object(),)
    gate = threading.Event()

    def slow():
        gate.wait(5)
        return "old"

    assert prepared.get("run", old, slow) is None
    with qtbot.waitSignal(prepared.ready, timeout=5000):
        assert prepared.get("run", new, lambda: "new") is None  # the run changed meanwhile
        gate.set()
    qtbot.wait(50)
    assert prepared.get("run", new, lambda: "again") == "new"
    assert prepared.get("run", old, lambda: "old again") is None  # stale: asked anew
    prepared.close()


def test_a_failing_work_raises_once_in_the_gui_thread_and_is_not_asked_again(qtbot):
    prepared = Prepared()
    calls = []

    def broken():
        calls.append(1)
        raise ValueError("no trail here")

    tag = (object(),)
    with qtbot.captureExceptions() as raised:
        assert prepared.get("run", tag, broken) is None
        qtbot.waitUntil(lambda: not prepared.pending(), timeout=5000)
        qtbot.wait(20)
    assert len(raised) == 1 and isinstance(raised[0][1], ValueError)
    assert prepared.get("run", tag, broken) is None and not prepared.pending()
    assert len(calls) == 1
    prepared.close()


@needs_display()
def test_the_3d_view_lays_a_long_trail_in_the_background_and_then_draws_it(
    make_window, qtbot, tmp_path
):
    from gdsim.model import Scene
    from gdsim.qt.views import surface3d
    from gdsim.qt.views.surface3d import INLINE_STEPS, lay_trail

    steps = 3 * INLINE_STEPS
    scene = Scene(surface="himmelblau")
    scene.add_run(RunConfig("himmelblau", "gd", {"lr": 0.001}, (-4.0, 4.0), max_steps=steps))
    w = make_window(scene=scene, wait=False)
    wait_trajectories(qtbot, w, timeout=30_000)
    view = w.surface3d
    qtbot.waitUntil(lambda: view.gl is not None, timeout=10_000)
    run = w.scene.runs[0]
    traj = w.controller.trajectories[run.id]
    assert len(traj) == steps + 1
    callers = []
    real = surface3d.lay_trail

    def spy(*args):  # and slow: an export must wait for it
        callers.append(threading.current_thread())
        time.sleep(0.5)
        return real(*args)

    surface3d.lay_trail = spy
    try:
        view._prepared.clear()
        w.scene.set_cursor(steps)
        view.redraw(steps)  # asks for the trail: laid in the background meanwhile
        marble = view.marbles.pos.copy()
        assert view.laying() and not len(view.drawn_trail(run.id))
        from gdsim.qt.export import export

        export(w, "3d", str(tmp_path / "3d.png"))  # an export waits for the trail
        assert not view.laying() and len(view.drawn_trail(run.id))
    finally:
        surface3d.lay_trail = real
    assert callers and all(t is not threading.main_thread() for t in callers)
    # the marble was at the run's last point before the trail was ready, and the trail
    # drawn is the one laid in the GUI thread would be
    pts, pairs, _ends = lay_trail(view.surface, view.grid, traj)
    np.testing.assert_allclose(marble[0], pts[-1], atol=1e-6)
    np.testing.assert_allclose(view.drawn_trail(run.id), pairs, atol=1e-5)
