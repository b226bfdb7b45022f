"""Plot axes whose log-scale tick labels keep to one notation: plain numbers while
every label is short (0.001 to 1000), otherwise all powers of ten (10², 10⁰, 10⁻³).
pyqtgraph's own labels switch by length, so one axis read "10¹, 1, 0.1, 10⁻⁵"."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

PLAIN = 3  # decades either side of 1 written as plain numbers
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten(exponent: float) -> str:
    """10ᵉ, or m·10ᵉ between powers (a minor tick)."""
    whole = round(exponent)
    if abs(exponent - whole) < 1e-6:
        return "10" + str(whole).translate(_SUPERSCRIPT)
    low = math.floor(exponent)
    return f"{10 ** (exponent - low):.2g}·10" + str(low).translate(_SUPERSCRIPT)


def log_tick_labels(exponents, span=None) -> list[str]:
    """The labels of ticks at 10**exponent, all in one notation: plain if the whole
    ``span`` (the axis' exponents, low and high; else the ticks') is within PLAIN."""
    e = np.asarray(exponents, dtype=float)
    if not len(e):
        return []
    ends = np.asarray(span if span is not None else e, dtype=float)
    if np.all(np.abs(ends) <= PLAIN + 1e-6):
        return [f"{10.0**x:.4g}" for x in e.tolist()]
    return [power_of_ten(x) for x in e.tolist()]


class Axis(pg.AxisItem):
    """pyqtgraph asks for the major and the minor ticks' labels apart: the notation
    follows the axis' whole range, the same for both."""

    def logTickStrings(self, values, scale, spacing):
        shift = math.log10(scale)
        span = [v + shift for v in self.range]
        return log_tick_labels(np.asarray(values, dtype=float) + shift, span)


def axes() -> dict[str, Axis]:
    """A PlotItem's shown axes (``axisItems=``: pyqtgraph shows every axis given)."""
    return {side: Axis(side) for side in ("left", "bottom")}
