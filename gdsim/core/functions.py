"""The built-in analytic surfaces as functions ``fg(*coords, xp)`` returning
(f, ∂f/∂x[, ∂f/∂y]) so that value and gradient share their sub-expressions (a run calls
it once per step).  Over ``xp=numpy`` they take arrays of many points; the default
works on Python floats with numpy's rounding (:mod:`gdsim.core.scalar_math`).  The
standard test functions follow the SFU Virtual Library of Simulation Experiments.

Beside each function, its exact Hessian ``*_hessian(*coords)`` over numpy arrays:
the entries on and above the diagonal, (∂²f/∂x²,) or (∂²f/∂x², ∂²f/∂x∂y, ∂²f/∂y²),
constants where the surface is a quadratic (tests check each against sympy).
"""

from __future__ import annotations

import math

import numpy as np

from gdsim.core import scalar_math
from gdsim.core.surface import CriticalPoint

# 1D


def parabola(x, xp=scalar_math):
    return x * x, 2.0 * x


def parabola_hessian(x):
    return (2.0,)


def shifted_parabola(x, xp=scalar_math):
    return x * x + 5.0 * x + 6.0, 2.0 * x + 5.0


# Quadratics and saddles

RAVINE_A = 0.01  # f = a x² + b y²: Hessian diag(2a, 2b) = (0.02, 4), condition number 200
RAVINE_B = 2.0


def bowl(x, y, xp=scalar_math):
    return x * x + y * y, 2.0 * x, 2.0 * y


def bowl_hessian(x, y):
    return 2.0, 0.0, 2.0


def ravine(x, y, xp=scalar_math):
    return RAVINE_A * x * x + RAVINE_B * y * y, 2.0 * RAVINE_A * x, 2.0 * RAVINE_B * y


def ravine_hessian(x, y):
    return 2.0 * RAVINE_A, 0.0, 2.0 * RAVINE_B


def saddle(x, y, xp=scalar_math):
    return x * x - y * y, 2.0 * x, -2.0 * y


def saddle_hessian(x, y):
    return 2.0, 0.0, -2.0


def monkey_saddle(x, y, xp=scalar_math):
    return x * x * x - 3.0 * x * y * y, 3.0 * x * x - 3.0 * y * y, -6.0 * x * y


def monkey_saddle_hessian(x, y):
    return 6.0 * x, -6.0 * y, -6.0 * x


# two-wells: (x² − 1)² + 0.4 x + y²  (tilted double well; the deep well is at x < 0)
TW_TILT = 0.4


def two_wells(x, y, xp=scalar_math):
    u = x * x - 1.0
    return u * u + TW_TILT * x + y * y, 4.0 * x * u + TW_TILT, 2.0 * y


def two_wells_hessian(x, y):
    return 12.0 * x * x - 4.0, 0.0, 2.0


def two_wells_points() -> tuple[CriticalPoint, ...]:
    roots = np.sort(np.roots([4.0, 0.0, -4.0, TW_TILT]).real)  # 4x³ − 4x + tilt = 0
    kinds = ("global", "saddle", "local")
    return tuple(
        CriticalPoint((float(r), 0.0), float(two_wells(float(r), 0.0)[0]), k)
        for r, k in zip(roots, kinds, strict=True)
    )


# plateau: 1 − exp(−((x − 2)² + y²)/2): nearly flat far from the valley at (2, 0)
def plateau(x, y, xp=scalar_math):
    dx = x - 2.0
    e = xp.exp(-0.5 * (dx * dx + y * y))
    return 1.0 - e, dx * e, y * e


def plateau_hessian(x, y):
    dx = x - 2.0
    e = np.exp(-0.5 * (dx * dx + y * y))
    return e * (1.0 - dx * dx), -dx * y * e, e * (1.0 - y * y)


# Standard test functions (SFU Virtual Library of Simulation Experiments)


def rosenbrock(x, y, xp=scalar_math):
    t = y - x * x
    u = 1.0 - x
    return 100.0 * t * t + u * u, -400.0 * x * t - 2.0 * u, 200.0 * t


def rosenbrock_hessian(x, y):
    return 1200.0 * x * x - 400.0 * y + 2.0, -400.0 * x, 200.0


def himmelblau(x, y, xp=scalar_math):
    a = x * x + y - 11.0
    b = x + y * y - 7.0
    return a * a + b * b, 4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b


def himmelblau_hessian(x, y):
    a = x * x + y - 11.0
    b = x + y * y - 7.0
    return 4.0 * a + 8.0 * x * x + 2.0, 4.0 * (x + y), 2.0 + 4.0 * b + 8.0 * y * y


def beale(x, y, xp=scalar_math):
    y2 = y * y
    y3 = y2 * y
    a = 1.5 - x + x * y
    b = 2.25 - x + x * y2
    c = 2.625 - x + x * y3
    return (
        a * a + b * b + c * c,
        2.0 * a * (y - 1.0) + 2.0 * b * (y2 - 1.0) + 2.0 * c * (y3 - 1.0),
        2.0 * a * x + 4.0 * b * x * y + 6.0 * c * x * y2,
    )


def beale_hessian(x, y):
    y2 = y * y
    y3 = y2 * y
    a = 1.5 - x + x * y
    b = 2.25 - x + x * y2
    c = 2.625 - x + x * y3
    ax, bx, cx = y - 1.0, y2 - 1.0, y3 - 1.0  # ∂a/∂x …
    ay, by, cy = x, 2.0 * x * y, 3.0 * x * y2  # ∂a/∂y …
    return (
        2.0 * (ax * ax + bx * bx + cx * cx),
        2.0 * (ax * ay + a + bx * by + 2.0 * y * b + cx * cy + 3.0 * y2 * c),
        2.0 * (ay * ay + by * by + 2.0 * x * b + cy * cy + 6.0 * x * y * c),
    )


def booth(x, y, xp=scalar_math):
    a = x + 2.0 * y - 7.0
    b = 2.0 * x + y - 5.0
    return a * a + b * b, 2.0 * a + 4.0 * b, 4.0 * a + 2.0 * b


def booth_hessian(x, y):
    return 10.0, 8.0, 10.0


TWO_PI = 2.0 * math.pi


def rastrigin(x, y, xp=scalar_math):
    ax = TWO_PI * x
    ay = TWO_PI * y
    return (
        20.0 + x * x - 10.0 * xp.cos(ax) + y * y - 10.0 * xp.cos(ay),
        2.0 * x + 20.0 * math.pi * xp.sin(ax),
        2.0 * y + 20.0 * math.pi * xp.sin(ay),
    )


def rastrigin_hessian(x, y):
    k = 40.0 * math.pi * math.pi
    return 2.0 + k * np.cos(TWO_PI * x), 0.0, 2.0 + k * np.cos(TWO_PI * y)


def ackley(x, y, xp=scalar_math):
    r = xp.sqrt(0.5 * (x * x + y * y))
    ax = TWO_PI * x
    ay = TWO_PI * y
    e1 = xp.exp(-0.2 * r)
    e2 = xp.exp(0.5 * (xp.cos(ax) + xp.cos(ay)))
    # d/dx of −20 exp(−0.2 r) is 2 exp(−0.2 r) x / r; at r = 0 use 0 (a subgradient that
    # makes the global minimum stationary)
    if xp is not np:
        k = 2.0 * e1 / r if r > 0.0 else 0.0
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.where(r > 0.0, 2.0 * e1 / r, 0.0)
    return (
        -20.0 * e1 - e2 + 20.0 + math.e,
        k * x + math.pi * e2 * xp.sin(ax),
        k * y + math.pi * e2 * xp.sin(ay),
    )


def ackley_hessian(x, y):
    """Not defined at the origin (the tip of a cone): NaN there."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    r = np.sqrt(0.5 * (x * x + y * y))
    e1 = np.exp(-0.2 * r)
    sx, sy = np.sin(TWO_PI * x), np.sin(TWO_PI * y)
    e2 = np.exp(0.5 * (np.cos(TWO_PI * x) + np.cos(TWO_PI * y)))
    pi2 = math.pi * math.pi
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where(r > 0.0, 2.0 * e1 / r, np.nan)  # −20 exp(−0.2 r): ∂/∂x = k x
        j = np.where(r > 0.0, e1 * (0.2 * r + 1.0) / (r * r * r), np.nan)  # ∂k/∂x = −j x
    return (
        k - j * x * x + pi2 * e2 * (2.0 * np.cos(TWO_PI * x) - sx * sx),
        -j * x * y - pi2 * e2 * sx * sy,
        k - j * y * y + pi2 * e2 * (2.0 * np.cos(TWO_PI * y) - sy * sy),
    )


def six_hump_camel(x, y, xp=scalar_math):
    x2 = x * x
    y2 = y * y
    return (
        (4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (-4.0 + 4.0 * y2) * y2,
        8.0 * x - 8.4 * x2 * x + 2.0 * x2 * x2 * x + y,
        x - 8.0 * y + 16.0 * y2 * y,
    )


def six_hump_camel_hessian(x, y):
    x2 = x * x
    return 8.0 - 25.2 * x2 + 10.0 * x2 * x2, 1.0, -8.0 + 48.0 * y * y


def goldstein_price(x, y, xp=scalar_math):
    s = x + y + 1.0
    a = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
    t = 2.0 * x - 3.0 * y
    b = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
    p = 1.0 + s * s * a
    q = 30.0 + t * t * b
    pxy = 2.0 * s * a + s * s * (-14.0 + 6.0 * x + 6.0 * y)  # ∂p/∂x = ∂p/∂y
    qx = 4.0 * t * b + t * t * (-32.0 + 24.0 * x - 36.0 * y)
    qy = -6.0 * t * b + t * t * (48.0 - 36.0 * x + 54.0 * y)
    return p * q, pxy * q + p * qx, pxy * q + p * qy


def goldstein_price_hessian(x, y):
    s = x + y + 1.0
    a = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
    ax = -14.0 + 6.0 * x + 6.0 * y  # ∂a/∂x = ∂a/∂y
    t = 2.0 * x - 3.0 * y
    b = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
    bx = -32.0 + 24.0 * x - 36.0 * y
    by = 48.0 - 36.0 * x + 54.0 * y
    p = 1.0 + s * s * a
    q = 30.0 + t * t * b
    p1 = 2.0 * s * a + s * s * ax  # ∂p/∂x = ∂p/∂y
    p2 = 2.0 * a + 4.0 * s * ax + 6.0 * s * s  # every second derivative of p
    qx = 4.0 * t * b + t * t * bx
    qy = -6.0 * t * b + t * t * by
    qxx = 8.0 * b + 8.0 * t * bx + 24.0 * t * t
    qxy = -12.0 * b + 4.0 * t * by - 6.0 * t * bx - 36.0 * t * t
    qyy = 18.0 * b - 12.0 * t * by + 54.0 * t * t
    return (
        p2 * q + 2.0 * p1 * qx + p * qxx,
        p2 * q + p1 * qy + p1 * qx + p * qxy,
        p2 * q + 2.0 * p1 * qy + p * qyy,
    )


def styblinski_tang(x, y, xp=scalar_math):
    x2 = x * x
    y2 = y * y
    return (
        0.5 * (x2 * x2 - 16.0 * x2 + 5.0 * x + y2 * y2 - 16.0 * y2 + 5.0 * y),
        0.5 * (4.0 * x2 * x - 32.0 * x + 5.0),
        0.5 * (4.0 * y2 * y - 32.0 * y + 5.0),
    )


def styblinski_tang_hessian(x, y):
    return 6.0 * x * x - 16.0, 0.0, 6.0 * y * y - 16.0
