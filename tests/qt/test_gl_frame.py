"""The 3D view's frames copied to the window in part (gl_damage.py): the same pixels as
a frame copied whole, and whole whenever the window does not hold the frame before."""

import numpy as np
import pytest

from gdsim.qt.views import frame_code, gl_damage


def test_points_are_projected_as_opengl_does():
    mvp = np.diag([0.5, 0.25, 1.0, 1.0])  # x/2, y/4, no perspective
    px = gl_damage.to_window(mvp, np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.3]]), (200, 100))
    assert px.tolist() == [[100.0, 50.0], [150.0, 25.0]]
    behind = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, -1, 0]], float)
    assert gl_damage.to_window(behind, np.array([[0.0, 0.0, 1.0]]), (10, 10)) is None
    in_front = gl_damage.to_window(behind, np.array([[0.5, 0.0, -2.0]]), (10, 10))
    assert in_front.tolist() == [[6.25, 5.0]]  # divided by w = 2


def test_boxes_are_clipped_to_the_window_and_say_when_nothing_shows():
    size = (100, 80)
    assert gl_damage.box(np.array([[10.2, 20.7], [30.0, 5.0]]), 2.0, size) == (8, 3, 32, 23)
    assert gl_damage.box(np.array([[-50.0, 10.0], [150.0, 90.0]]), 1.0, size) == (0, 9, 100, 80)
    assert gl_damage.box(np.array([[-50.0, -50.0]]), 3.0, size) is False
    assert gl_damage.box(np.zeros((0, 2)), 3.0, size) is False
    assert gl_damage.box(np.array([[np.nan, 1.0]]), 3.0, size) is None
    assert gl_damage.box(None, 3.0, size) is None
    assert gl_damage.squares(np.array([[50.0, 40.0], [-90.0, 0.0]]), 10, size) == [(44, 34, 56, 46)]
    many = np.full((gl_damage.MAX_RECTS + 1, 2), 50.0)
    assert gl_damage.squares(many, 10, size) is None  # (the whole window)


def test_near_rectangles_are_copied_as_one_and_far_ones_apart():
    old, new = (100, 100, 120, 120), (104, 101, 124, 121)  # a marble's step
    far = (900, 600, 920, 620)
    assert sorted(gl_damage.merged([old, far, new])) == [(100, 100, 124, 121), far]
    assert gl_damage.worth_it([old, far], (1700, 1200))
    assert not gl_damage.worth_it([(0, 0, 1200, 1000)], (1700, 1200))
    assert not gl_damage.worth_it([(i, i, i + 2, i + 2) for i in range(20)], (400, 300))
    many = [(i * 30, 0, i * 30 + 20, 20) for i in range(gl_damage.MAX_RECTS + 1)]
    assert gl_damage.merged(many) is None  # (64 marbles: the whole window)
    assert len(gl_damage.merged(many[:-1])) == 1  # (close together: one)
    assert not gl_damage.worth_it(None, (400, 300))


@pytest.mark.parametrize(
    "base", [((255, 255, 255),) * 2, ((0, 0, 0),) * 2, ((38, 120, 201), (40, 90, 255))]
)
def test_the_corner_code_reads_back_and_barely_changes_the_frame(base):
    seen = set()
    code = 0
    for _ in range(frame_code.CODES):
        code = frame_code.next_code(code)
        seen.add(code)
        pixels = frame_code.code_colours(code, base)
        assert frame_code.read_code(np.array(pixels)) == code
        assert np.abs(np.array(pixels) - np.array(base)).max() <= 3
    assert 0 not in seen and frame_code.CODES - 1 not in seen  # (black or white: a new buffer)
    assert len(seen) == frame_code.CODES - 2


def _frames(w, qtbot):
    from tests.qt.test_export import image_array

    gl = w.surface3d.gl

    def frame(whole: bool = False):
        """A new frame, as the window shows it; ``whole``: copied whole."""
        if whole:
            gl._sprites = None  # (the squares of the frame before unknown)
        frames = gl.frames
        gl.update()
        qtbot.waitUntil(lambda: gl.frames > frames)
        shown = image_array(gl.grabFramebuffer()).astype(int)
        assert frame_code.read_code(shown[-1, :2]) == gl._code  # (bottom left: the code)
        shown[-1, :2] = 0  # each frame's own
        return shown

    return gl, frame


@pytest.mark.parametrize("preset", ["marbles", "ravine"])
def test_frames_copied_in_part_are_the_frames_copied_whole(make_window, qtbot, preset):
    """Steps, jumps back and ahead: each frame copies only the marbles' squares and the
    trail's changed box, and shows exactly what a frame copied whole shows."""
    w = make_window(preset)
    gl, frame = _frames(w, qtbot)
    w.scene.set_cursor(1)
    frame(whole=True)
    frame()
    before = gl.partial_frames
    for k in (2, 3, 4, 30, 31, 8, 60, 59, 12, 80, 0, 5):
        w.scene.set_cursor(k)
        part = frame()
        assert gl.partial_frames > before, k  # the window held the frame before: in part
        before = gl.partial_frames
        whole = frame(whole=True)
        assert gl.partial_frames == before
        assert np.array_equal(part, whole), (k, int((part != whole).any(axis=2).sum()))
        frame()  # (a frame in part over the whole one)
    w.surface3d.marbles.setVisible(False)  # the trail's ends in view: back by a step or two
    for k in (40, 38, 39, 36, 25):
        w.scene.set_cursor(k)
        part = frame()
        assert gl.partial_frames > before, k
        before = gl.partial_frames
        gl.invalidate_background()  # the framebuffer too drawn again from nothing
        assert np.array_equal(part, frame()), k
        frame()
    w.surface3d.marbles.setVisible(True)
    several = []
    for k in range(20, 40):  # several frames in part in a row, then one copied whole
        w.scene.set_cursor(k)
        several.append(frame())
    assert np.array_equal(several[-1], frame(whole=True))
    assert not np.array_equal(several[0], several[-1])  # (the marbles moved)


def test_a_window_that_lost_the_frame_before_gets_it_whole(make_window, qtbot):
    """Anything else in the window's buffer (a GPU's older buffer, a resize): the corner
    code differs and the frame is copied whole."""
    from OpenGL import GL

    from tests.qt.test_drawing import mask_of

    w = make_window("marbles")
    gl, frame = _frames(w, qtbot)
    w.scene.set_cursor(10)
    frame()
    frame()
    missed = gl._missed
    gl.makeCurrent()
    GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, gl.defaultFramebufferObject())
    GL.glClearColor(1.0, 0.0, 0.0, 1.0)  # red everywhere, the corner code too
    GL.glClear(GL.GL_COLOR_BUFFER_BIT)
    gl.doneCurrent()
    w.scene.set_cursor(11)
    shown = frame()
    assert gl._missed == missed + 1  # (then frames in part again, over the whole one)
    assert mask_of(shown, "#ff0000", tol=30).sum() == 0  # no red left
    assert np.array_equal(shown, frame(whole=True))
