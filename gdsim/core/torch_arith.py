"""torch's CPU arithmetic in numpy, where it differs from plain float64 expressions:
``add_(x, alpha=a)`` and ``lerp_`` contract ``y + a·x`` into one fused multiply-add
(rounded once), and a tensor's ``dot`` and ``norm`` sum in their own order.  numpy has
no fused multiply-add, so :func:`_axpy` computes the correctly rounded ``y + a·x``
exactly (Boldo and Melquiond's emulation with rounding to odd); the vector optimizers
(:mod:`gdsim.core.lbfgs`, :mod:`gdsim.core.vector_optimizers`) use these to follow
torch.optim.LBFGS and Adafactor to the last bit, and the exported numpy script carries
their source."""

from __future__ import annotations

import math
import struct
from fractions import Fraction

import numpy as np

_SPLIT = 134217729.0  # 2**27 + 1: Veltkamp's splitting constant for float64
_SAFE = 2.0**450  # inside these magnitudes the emulated fused multiply-add is exact


def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split(a):
    c = _SPLIT * a
    hi = c - (c - a)
    return hi, a - hi


def _axpy(alpha: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``y + alpha·x`` rounded once, as torch's ``y.add_(x, alpha=alpha)`` computes it on
    the CPU (a fused multiply-add).

    The exact product is ``uh + ul`` (Dekker), ``th + tl`` the exact sum ``y + uh``;
    adding ``tl + ul`` rounded to odd and then ``th`` rounds the exact result once to
    nearest (Boldo and Melquiond, IEEE Trans. Computers 57(4), 2008).  Magnitudes beyond
    2^±450, where splitting could overflow or an error term underflow, are computed with
    exact fractions.
    """
    alpha = float(alpha)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.size <= _FEW and x.shape == y.shape and x.ndim == 1:  # Python floats: ~10× faster
        return np.array([_fma(alpha, a, b) for a, b in zip(x.tolist(), y.tolist(), strict=True)])
    with np.errstate(all="ignore"):
        uh = alpha * x
        ah, al = _split(alpha)
        xh, xl = _split(x)
        ul = ((ah * xh - uh) + ah * xl + al * xh) + al * xl
        th, tl = _two_sum(y, uh)
        v, e = _two_sum(tl, ul)
        even = (v.view(np.int64) & 1) == 0
        v = np.where((e != 0) & even, np.nextafter(v, np.copysign(np.inf, e)), v)
        out = th + v
        odd = ~(_in_safe_range(x) & (np.abs(y) <= _SAFE * _SAFE) & np.isfinite(out))
        if not _in_safe_range(np.array(alpha)):
            odd |= x != 0
        for i in np.flatnonzero(odd):
            out[i] = _exact_axpy(alpha, float(x[i]), float(y[i]))
    return out


#: vectors this short are computed in Python floats (numpy's per-call cost dominates)
_FEW = 4


def _fma(a: float, x: float, y: float) -> float:
    """``y + a·x`` rounded once, for one coordinate: :func:`_axpy`'s arithmetic."""
    if not (
        (a == 0.0 or 1 / _SAFE <= abs(a) <= _SAFE)
        and (x == 0.0 or 1 / _SAFE <= abs(x) <= _SAFE)
        and abs(y) <= _SAFE * _SAFE
    ):
        return _exact_axpy(a, x, y)
    uh = a * x
    c = _SPLIT * a
    ah = c - (c - a)
    al = a - ah
    c = _SPLIT * x
    xh = c - (c - x)
    xl = x - xh
    ul = ((ah * xh - uh) + ah * xl + al * xh) + al * xl
    th = y + uh
    bb = th - y
    tl = (y - (th - bb)) + (uh - bb)
    v = tl + ul
    bb = v - tl
    e = (tl - (v - bb)) + (ul - bb)
    if e != 0.0 and not int.from_bytes(struct.pack("<d", v), "little") & 1:
        v = math.nextafter(v, math.inf if e > 0 else -math.inf)
    out = th + v
    return out if math.isfinite(out) else _exact_axpy(a, x, y)


def _in_safe_range(a: np.ndarray) -> np.ndarray:
    m = np.abs(a)
    return (m == 0) | ((m >= 1 / _SAFE) & (m <= _SAFE))


def _exact_axpy(a: float, x: float, y: float) -> float:
    try:
        return float(Fraction(a) * Fraction(x) + Fraction(y))
    except (OverflowError, ValueError):  # an infinite or NaN operand, or an overflow
        return a * x + y


def _dot(a: np.ndarray, b: np.ndarray) -> np.float64:
    """torch's ``a.dot(b)`` (for one or two coordinates exactly: a₀b₀ + a₁b₁), a numpy
    scalar as torch's is a tensor: dividing by zero gives inf, not an exception."""
    return np.add.reduce(a * b)


def _norm(a: np.ndarray) -> float:
    """torch's ``a.norm(2)`` (for up to three coordinates exactly: the square root of
    fused multiply-adds of the squares in order)."""
    if a.size > 3:
        return float(np.linalg.norm(a))
    acc = np.zeros(1)
    for v in a:
        acc = _axpy(float(v), np.array([v]), acc)
    return math.sqrt(float(acc[0]))


def _lerp(start: np.ndarray, end: np.ndarray, weight: float) -> np.ndarray:
    """torch's ``start.lerp_(end, weight)``: its formula switches at weight 0.5."""
    if abs(weight) < 0.5:
        return _axpy(weight, end - start, start)
    return _axpy(1.0 - weight, start - end, end)


def _max_abs(a: np.ndarray) -> float:
    return float(np.max(np.abs(a)))
