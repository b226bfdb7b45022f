"""Whether the window's buffer still holds the frame the 3D view drew last.

After a swap, OpenGL leaves the window's back buffer undefined: Mesa's software
rasteriser on X11 keeps the frame drawn last, a GPU's swap chain hands back an older
one.  Each frame writes a code into the low bits of the colours of the window's two
bottom-left pixels (at most 3 levels of 255 off the frame's own colours there); the next
frame reads it back before drawing, and copies only what changed (gl_damage.py) when
it is the code written last.
"""

from __future__ import annotations

import numpy as np

BITS = 2  # of each colour channel of the two corner pixels: 12 bits in all
CODES = 1 << (6 * BITS)
CHECKS = 30  # frames in a row whose window never held the frame before: stop reading


def code_colours(code: int, base) -> list[tuple[int, int, int]]:
    """The two corner pixels' 8-bit colours carrying ``code``: ``base`` (the frame's own
    two colours there) with their channels' low bits replaced."""
    mask = (1 << BITS) - 1
    bits = [(code >> (BITS * k)) & mask for k in range(6)]
    return [
        tuple((int(c) & ~mask) | b for c, b in zip(base[p], bits[3 * p : 3 * p + 3], strict=True))
        for p in range(2)
    ]


def read_code(pixels: np.ndarray) -> int:
    """The code in two corner pixels' (2, 3) 8-bit colours (``code_colours`` reversed)."""
    mask = (1 << BITS) - 1
    flat = (np.asarray(pixels, dtype=int).reshape(-1)[:6]) & mask
    return int(sum(int(b) << (BITS * k) for k, b in enumerate(flat)))


def next_code(code: int) -> int:
    """The code after ``code``: never 0 or all ones (a fresh buffer may be all black
    or all white)."""
    return code % (CODES - 2) + 1
