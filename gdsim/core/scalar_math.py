"""exp, cos, … of one Python float, computed by numpy's own routines.

A run is advanced one at a time on Python floats (fast) or many at once on numpy arrays
(basin maps, sweeps).  Python's ``math`` and numpy's vectorised ufuncs round some
results differently in the last bit (``math.exp`` and ``numpy.exp`` disagree on about
one argument in a thousand here), and a chaotic run turns one bit into a different
path.  So a surface evaluated for one run calls these: numpy's ufunc on the float, whose
result is the one an array of many points gets, element for element (checked in
tests/core/test_surfaces.py), returned as a Python float so that the arithmetic around
it stays fast.  Arithmetic itself (+ − × ÷) is IEEE-exact in both.
"""

from __future__ import annotations

import numpy as np

__all__ = ["cos", "exp", "log", "sin", "sqrt"]

_exp, _log, _cos, _sin, _sqrt = np.exp, np.log, np.cos, np.sin, np.sqrt


def exp(v: float) -> float:
    return float(_exp(v))


def log(v: float) -> float:
    return float(_log(v))


def cos(v: float) -> float:
    return float(_cos(v))


def sin(v: float) -> float:
    return float(_sin(v))


def sqrt(v: float) -> float:
    return float(_sqrt(v))
