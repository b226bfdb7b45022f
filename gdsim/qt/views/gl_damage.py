"""What a frame of the 3D view changes on the window, in its pixels (numpy only).

The 3D view draws each frame into a cached framebuffer and copies that to the window.
With software OpenGL that copy is dear: a framebuffer and the window's buffer differ in
orientation, so Mesa copies with a shader, ~5 ms a frame for a 1700×1200 view (3840×2160
screen), where the whole frame's other work is ~3 ms.  Where the window's buffer still
holds the frame drawn last (Mesa's software rasteriser on X11 keeps it), a frame needs
to copy only what changed: each marble's square, where it was and where it is, and the
box around the trail's vertices drawn or taken away.  Whether the buffer holds the frame
drawn last is never assumed (frame_code.py).

Rectangles are (x0, y0, x1, y1) in the window's device pixels, origin bottom left (as
OpenGL counts them), x1 and y1 excluded.  ``None`` stands for the whole window.
"""

from __future__ import annotations

import numpy as np

Rect = tuple[int, int, int, int]

PROJECTED_LIMIT = 100_000  # more changed vertices than this: the whole window
BLIT_COST_PIXELS = 20_000  # a copy's fixed cost, in pixels copied (software OpenGL)
MAX_RECTS = 24  # more rectangles than this: the whole window (and no time spent joining)


def to_window(mvp: np.ndarray, points: np.ndarray, size: tuple[int, int]) -> np.ndarray | None:
    """(n, 2) window pixels of (n, 3) points under the 4×4 ``mvp`` (row-major, as
    OpenGL multiplies column vectors); None if one is behind the camera (a line to it
    is clipped in ways its ends do not bound)."""
    pts = np.asarray(points, dtype=float).reshape(-1, 3)
    clip = pts @ mvp[:, :3].T + mvp[:, 3]
    w = clip[:, 3]
    if not np.all(w > 1e-12):
        return None
    ndc = clip[:, :2] / w[:, None]
    return (ndc + 1.0) * 0.5 * np.asarray(size, dtype=float)


def box(pixels: np.ndarray | None, margin: float, size: tuple[int, int]) -> Rect | bool | None:
    """The rectangle covering ``pixels`` (n, 2) grown by ``margin``, clipped to the
    window: False when nothing of it is on the window, None (the whole window) when
    the pixels are unknown or not finite."""
    if pixels is None or not np.all(np.isfinite(pixels)):
        return None
    if not len(pixels):
        return False
    lo = np.floor(pixels.min(axis=0) - margin)
    hi = np.ceil(pixels.max(axis=0) + margin)
    x0, y0 = max(int(lo[0]), 0), max(int(lo[1]), 0)
    x1, y1 = min(int(hi[0]), size[0]), min(int(hi[1]), size[1])
    if x0 >= x1 or y0 >= y1:
        return False
    return (x0, y0, x1, y1)


def squares(pixels: np.ndarray | None, sides, size: tuple[int, int]) -> list[Rect] | None:
    """The on-window squares of point sprites ``sides`` pixels across (a number or one
    per point), with a pixel to spare for smoothing; None if the points are unknown or
    more than MAX_RECTS (the whole window: not worth joining)."""
    if pixels is None or len(pixels) > MAX_RECTS or not np.all(np.isfinite(pixels)):
        return None
    half = np.broadcast_to(np.asarray(sides, dtype=float), (len(pixels),))[:, None] / 2.0 + 1.0
    lo = np.maximum(np.floor(pixels - half), 0).astype(int)
    hi = np.minimum(np.ceil(pixels + half), size).astype(int)
    keep = (lo < hi).all(axis=1)
    return [tuple(r) for r in np.concatenate([lo, hi], axis=1)[keep].tolist()]


def area(r: Rect) -> int:
    return (r[2] - r[0]) * (r[3] - r[1])


def union(a: Rect, b: Rect) -> Rect:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def merged(rects: list[Rect]) -> list[Rect] | None:
    """``rects`` with any two joined while one copy of their union costs no more than
    two copies (each copy's fixed cost counted in pixels): a marble's old and new
    squares on a step become one.  None (copy the whole window) beyond MAX_RECTS: 64
    marbles' squares are not worth joining."""
    if len(rects) > MAX_RECTS:
        return None
    out: list[Rect] = []
    for rect in rects:  # each joins the first it pays to join, which may then join more
        while True:
            for i, other in enumerate(out):
                u = union(rect, other)
                if area(u) <= area(rect) + area(other) + BLIT_COST_PIXELS:
                    rect = u
                    del out[i]
                    break
            else:
                break
        out.append(rect)
    return out


def worth_it(rects: list[Rect] | None, size: tuple[int, int]) -> bool:
    """True when copying ``rects`` costs less than half a copy of the whole window."""
    if rects is None:
        return False
    cost = sum(area(r) + BLIT_COST_PIXELS for r in rects)
    return cost < 0.5 * size[0] * size[1]
