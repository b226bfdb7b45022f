"""Loss surfaces: value, exact gradient, domain, known critical points, description.

Every surface is written once over an array namespace ``xp`` so that the same
expression runs on numpy arrays of many points (``xp=numpy``) and on plain Python
floats for the fast single-run path (``xp=math``).  Formulas of the standard test
functions follow the SFU Virtual Library of Simulation Experiments.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = ["SURFACES", "CriticalPoint", "Surface", "get_surface", "surface_names"]


@dataclass(frozen=True)
class CriticalPoint:
    """A known critical point: ``kind`` is 'global', 'local', 'saddle' or 'degenerate'."""

    position: tuple[float, ...]
    value: float
    kind: str = "global"


@dataclass(frozen=True)
class Surface:
    """An analytic loss surface of one or two parameters.

    ``fg(*coords, xp=math)`` returns the value and then one gradient component per
    parameter; with ``xp=numpy`` it works on arrays of many points at once.
    """

    name: str
    title: str
    formula: str
    params: tuple[str, ...]
    fg: Callable
    domain: tuple[tuple[float, float], ...]
    critical_points: tuple[CriticalPoint, ...]
    description: str
    hess: Callable | None = None
    log_levels: bool = False
    default_start: tuple[float, ...] = ()
    default_lr: float = 0.1
    is_data: bool = False
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def dim(self) -> int:
        return len(self.params)

    @property
    def minima(self) -> tuple[CriticalPoint, ...]:
        return tuple(c for c in self.critical_points if c.kind in ("global", "local"))

    # -- vectorised helpers over arrays of shape (..., dim) ---------------------------
    def f(self, *coords, xp=math):
        return self.fg(*coords, xp=xp)[0]

    def grad(self, *coords, xp=math):
        return self.fg(*coords, xp=xp)[1:]

    def evaluate(self, points) -> tuple[np.ndarray, np.ndarray]:
        """(f, ∇f) at ``points`` of shape (..., dim): shapes (...) and (..., dim)."""
        p = np.asarray(points, dtype=float)
        with np.errstate(all="ignore"):
            out = self.fg(*np.moveaxis(p, -1, 0), xp=np)
        shape = p.shape[:-1]
        value = np.array(np.broadcast_to(out[0], shape), dtype=float)
        grad = np.stack([np.broadcast_to(c, shape) for c in out[1:]], axis=-1).astype(float)
        return value, grad

    def value(self, points) -> np.ndarray:
        """f at ``points`` of shape (..., dim)."""
        return self.evaluate(points)[0]

    def gradient(self, points) -> np.ndarray:
        """∇f at ``points`` of shape (..., dim); returns the same shape."""
        return self.evaluate(points)[1]

    def hessian(self, point) -> np.ndarray:
        """The Hessian at one point: exact where given, else central differences of ∇f."""
        p = np.asarray(point, dtype=float)
        if self.hess is not None:
            return np.asarray(self.hess(*p), dtype=float).reshape(self.dim, self.dim)
        h = 1e-5 * np.maximum(1.0, np.abs(p))
        rows = []
        for i in range(self.dim):
            e = np.zeros(self.dim)
            e[i] = h[i]
            rows.append((self.gradient(p + e) - self.gradient(p - e)) / (2 * h[i]))
        hm = np.array(rows)
        return 0.5 * (hm + hm.T)

    def domain_center(self) -> np.ndarray:
        return np.array([(a + b) / 2 for a, b in self.domain])

    def domain_half_width(self) -> np.ndarray:
        return np.array([(b - a) / 2 for a, b in self.domain])


# --------------------------------------------------------------------------------------
# Each surface is one function ``fg(*coords, xp)`` returning (f, ∂f/∂x[, ∂f/∂y]), so that
# value and gradient share their sub-expressions (the single-run loop calls it once per step).

# 1D


def _parabola(x, xp=math):
    return x * x, 2.0 * x


def _shifted(x, xp=math):
    return x * x + 5.0 * x + 6.0, 2.0 * x + 5.0


# Quadratics and saddles

_RAVINE_A = 0.01  # f = a x² + b y²: Hessian diag(2a, 2b) = (0.02, 4), condition number 200
_RAVINE_B = 2.0


def _bowl(x, y, xp=math):
    return x * x + y * y, 2.0 * x, 2.0 * y


def _ravine(x, y, xp=math):
    return _RAVINE_A * x * x + _RAVINE_B * y * y, 2.0 * _RAVINE_A * x, 2.0 * _RAVINE_B * y


def _saddle(x, y, xp=math):
    return x * x - y * y, 2.0 * x, -2.0 * y


def _monkey(x, y, xp=math):
    return x * x * x - 3.0 * x * y * y, 3.0 * x * x - 3.0 * y * y, -6.0 * x * y


# two-wells: (x² − 1)² + 0.4 x + y²  (tilted double well; the deep well is at x < 0)
_TW_TILT = 0.4


def _two_wells(x, y, xp=math):
    u = x * x - 1.0
    return u * u + _TW_TILT * x + y * y, 4.0 * x * u + _TW_TILT, 2.0 * y


def _two_wells_points() -> tuple[CriticalPoint, ...]:
    roots = np.sort(np.roots([4.0, 0.0, -4.0, _TW_TILT]).real)  # 4x³ − 4x + tilt = 0
    kinds = ("global", "saddle", "local")
    return tuple(
        CriticalPoint((float(r), 0.0), float(_two_wells(float(r), 0.0)[0]), k)
        for r, k in zip(roots, kinds, strict=True)
    )


# plateau: 1 − exp(−((x − 2)² + y²)/2): nearly flat far from the valley at (2, 0)
def _plateau(x, y, xp=math):
    dx = x - 2.0
    e = xp.exp(-0.5 * (dx * dx + y * y))
    return 1.0 - e, dx * e, y * e


# Standard test functions (SFU Virtual Library of Simulation Experiments)


def _rosenbrock(x, y, xp=math):
    t = y - x * x
    u = 1.0 - x
    return 100.0 * t * t + u * u, -400.0 * x * t - 2.0 * u, 200.0 * t


def _rosen_h(x, y):
    return [[1200.0 * x * x - 400.0 * y + 2.0, -400.0 * x], [-400.0 * x, 200.0]]


def _himmelblau(x, y, xp=math):
    a = x * x + y - 11.0
    b = x + y * y - 7.0
    return a * a + b * b, 4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b


def _beale(x, y, xp=math):
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


def _booth(x, y, xp=math):
    a = x + 2.0 * y - 7.0
    b = 2.0 * x + y - 5.0
    return a * a + b * b, 2.0 * a + 4.0 * b, 4.0 * a + 2.0 * b


_TWO_PI = 2.0 * math.pi


def _rastrigin(x, y, xp=math):
    ax = _TWO_PI * x
    ay = _TWO_PI * y
    return (
        20.0 + x * x - 10.0 * xp.cos(ax) + y * y - 10.0 * xp.cos(ay),
        2.0 * x + 20.0 * math.pi * xp.sin(ax),
        2.0 * y + 20.0 * math.pi * xp.sin(ay),
    )


def _ackley(x, y, xp=math):
    r = xp.sqrt(0.5 * (x * x + y * y))
    ax = _TWO_PI * x
    ay = _TWO_PI * y
    e1 = xp.exp(-0.2 * r)
    e2 = xp.exp(0.5 * (xp.cos(ax) + xp.cos(ay)))
    # d/dx of −20 exp(−0.2 r) is 2 exp(−0.2 r) x / r; at r = 0 use 0 (a subgradient that
    # makes the global minimum stationary)
    if xp is math:
        k = 2.0 * e1 / r if r > 0.0 else 0.0
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.where(r > 0.0, 2.0 * e1 / r, 0.0)
    return (
        -20.0 * e1 - e2 + 20.0 + math.e,
        k * x + math.pi * e2 * xp.sin(ax),
        k * y + math.pi * e2 * xp.sin(ay),
    )


def _camel(x, y, xp=math):
    x2 = x * x
    y2 = y * y
    return (
        (4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (-4.0 + 4.0 * y2) * y2,
        8.0 * x - 8.4 * x2 * x + 2.0 * x2 * x2 * x + y,
        x - 8.0 * y + 16.0 * y2 * y,
    )


def _goldstein_price(x, y, xp=math):
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


def _styblinski_tang(x, y, xp=math):
    x2 = x * x
    y2 = y * y
    return (
        0.5 * (x2 * x2 - 16.0 * x2 + 5.0 * x + y2 * y2 - 16.0 * y2 + 5.0 * y),
        0.5 * (4.0 * x2 * x - 32.0 * x + 5.0),
        0.5 * (4.0 * y2 * y - 32.0 * y + 5.0),
    )


# --------------------------------------------------------------------------------------
# Registry

_ST_X = -2.9035340276126953  # root of 4x³ − 32x + 5 = 0 (Styblinski–Tang minimiser)

_CAMEL_MIN = (0.08984201368301331, -0.7126564032704135)

_HIMMELBLAU_MINIMA = (
    (3.0, 2.0),
    (-2.805118086952745, 3.131312518250573),
    (-3.779310253377747, -3.283185991286170),
    (3.584428340330492, -1.848126526964404),
)


def _make_registry() -> dict[str, Surface]:
    S = Surface
    CP = CriticalPoint
    surfaces = [
        S(
            "parabola",
            "Parabola",
            "f(x) = x²",
            ("x",),
            _parabola,
            ((-6.0, 6.0),),
            (CP((0.0,), 0.0),),
            "The friendliest loss there is: one variable, one minimum at x = 0, slope f'(x) = 2x. "
            "Plain gradient descent multiplies x by (1 − 2α) at every step, so it creeps down for "
            "α < 0.5, zig-zags towards 0 for 0.5 < α < 1, bounces for ever at α = 1 and flies "
            "off above.",
            hess=lambda x: [[2.0]],
            default_start=(5.0,),
            default_lr=0.1,
        ),
        S(
            "shifted-parabola",
            "Shifted parabola",
            "f(x) = x² + 5x + 6",
            ("x",),
            _shifted,
            ((-15.0, 11.0),),
            (CP((-2.5,), -0.25),),
            "A parabola whose bottom is not at zero: the minimum sits at x = −2.5 where f = −0.25. "
            "From x = 10, a learning rate of 0.1 gets there quickly, 0.001 hardly moves and 1.1 "
            "overshoots further at every step until the run diverges.",
            hess=lambda x: [[2.0]],
            default_start=(10.0,),
            default_lr=0.1,
        ),
        S(
            "bowl",
            "Round bowl",
            "f(x, y) = x² + y²",
            ("x", "y"),
            _bowl,
            ((-4.0, 4.0), (-4.0, 4.0)),
            (CP((0.0, 0.0), 0.0),),
            "An isotropic bowl: the same curvature in every direction, so −∇f points straight at "
            "the minimum and gradient descent walks a straight line to the origin.",
            hess=lambda x, y: [[2.0, 0.0], [0.0, 2.0]],
            default_start=(-3.0, 2.5),
            default_lr=0.1,
        ),
        S(
            "ravine",
            "Narrow ravine",
            "f(x, y) = 0.01x² + 2y²",
            ("x", "y"),
            _ravine,
            ((-10.0, 10.0), (-5.0, 5.0)),
            (CP((0.0, 0.0), 0.0),),
            "A long, thin valley: the curvature across it (4) is 200 times the curvature along "
            "it (0.02). Plain gradient descent spends its steps bouncing from wall to wall and "
            "then crawls along the floor; momentum averages the bounces away and picks up speed "
            "along the valley.",
            hess=lambda x, y: [[2 * _RAVINE_A, 0.0], [0.0, 2 * _RAVINE_B]],
            log_levels=True,
            default_start=(-9.0, 3.0),
            default_lr=0.45,
        ),
        S(
            "saddle",
            "Saddle",
            "f(x, y) = x² − y²",
            ("x", "y"),
            _saddle,
            ((-3.0, 3.0), (-3.0, 3.0)),
            (CP((0.0, 0.0), 0.0, "saddle"),),
            "Downhill in y, uphill in x: the origin is flat but is no minimum. A marble started "
            "exactly on the x axis rolls into the saddle and stops; the smallest offset in y "
            "grows at every step and carries it away (the loss has no lower bound).",
            hess=lambda x, y: [[2.0, 0.0], [0.0, -2.0]],
            default_start=(-2.5, 0.01),
            default_lr=0.1,
        ),
        S(
            "monkey-saddle",
            "Monkey saddle",
            "f(x, y) = x³ − 3xy²",
            ("x", "y"),
            _monkey,
            ((-2.0, 2.0), (-2.0, 2.0)),
            (CP((0.0, 0.0), 0.0, "degenerate"),),
            "Three valleys and three ridges meet at the origin, where the gradient and the "
            "Hessian both vanish: a degenerate critical point that second-order tests cannot "
            "classify.",
            default_start=(1.5, 0.3),
            default_lr=0.05,
        ),
        S(
            "two-wells",
            "Two wells",
            "f(x, y) = (x² − 1)² + 0.4x + y²",
            ("x", "y"),
            _two_wells,
            ((-2.0, 2.0), (-1.5, 1.5)),
            _two_wells_points(),
            "A tilted double well: a deep global minimum on the left and a shallow local one on "
            "the right, separated by a saddle. Gradient descent only feels the local slope, so "
            "where you drop the marble decides which well it ends in.",
            default_start=(1.6, 1.0),
            default_lr=0.05,
        ),
        S(
            "plateau",
            "Plateau",
            "f(x, y) = 1 − exp(−((x − 2)² + y²)/2)",
            ("x", "y"),
            _plateau,
            ((-6.0, 5.0), (-4.0, 4.0)),
            (CP((2.0, 0.0), 0.0),),
            "A wide, almost flat table with a single valley at (2, 0). Far from the valley the "
            "gradient is tiny, so plain gradient descent crawls for hundreds of steps; momentum "
            "builds up speed and Adam, which rescales each step, crosses quickly.",
            default_start=(-3.5, 1.0),
            default_lr=0.5,
        ),
        S(
            "rosenbrock",
            "Rosenbrock",
            "f(x, y) = 100(y − x²)² + (1 − x)²",
            ("x", "y"),
            _rosenbrock,
            ((-2.0, 2.0), (-1.0, 3.0)),
            (CP((1.0, 1.0), 0.0),),
            "Rosenbrock's banana valley: finding the curved valley floor is easy, following it to "
            "the minimum at (1, 1) is hard. The classic race track for optimizers.",
            hess=_rosen_h,
            log_levels=True,
            default_start=(-1.5, 2.0),
            default_lr=1e-3,
        ),
        S(
            "himmelblau",
            "Himmelblau",
            "f(x, y) = (x² + y − 11)² + (x + y² − 7)²",
            ("x", "y"),
            _himmelblau,
            ((-5.0, 5.0), (-5.0, 5.0)),
            tuple(CP(p, 0.0) for p in _HIMMELBLAU_MINIMA),
            "Four minima, all with f = 0, one in each quadrant; which one a run reaches depends "
            "only on where it starts.",
            log_levels=True,
            default_start=(-0.5, -0.5),
            default_lr=0.01,
        ),
        S(
            "beale",
            "Beale",
            "f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
            ("x", "y"),
            _beale,
            ((-4.5, 4.5), (-4.5, 4.5)),
            (CP((3.0, 0.5), 0.0),),
            "Sharp ridges and flat corners; the global minimum at (3, 0.5) lies in a narrow, "
            "curved valley.",
            log_levels=True,
            default_start=(-1.0, 1.5),
            default_lr=1e-3,
        ),
        S(
            "booth",
            "Booth",
            "f(x, y) = (x + 2y − 7)² + (2x + y − 5)²",
            ("x", "y"),
            _booth,
            ((-10.0, 10.0), (-10.0, 10.0)),
            (CP((1.0, 3.0), 0.0),),
            "A tilted, elongated quadratic bowl with its minimum at (1, 3).",
            hess=lambda x, y: [[10.0, 8.0], [8.0, 10.0]],
            log_levels=True,
            default_start=(-8.0, -6.0),
            default_lr=0.05,
        ),
        S(
            "rastrigin",
            "Rastrigin",
            "f(x, y) = 20 + Σ [xᵢ² − 10 cos(2πxᵢ)]",
            ("x", "y"),
            _rastrigin,
            ((-5.12, 5.12), (-5.12, 5.12)),
            (CP((0.0, 0.0), 0.0),),
            "A bowl covered in a regular grid of local minima: gradient descent stops in the "
            "first dimple it falls into; the global minimum is at the origin.",
            default_start=(3.2, 2.1),
            default_lr=1e-3,
        ),
        S(
            "ackley",
            "Ackley",
            "f(x, y) = −20 exp(−0.2 √(½(x² + y²))) − exp(½(cos 2πx + cos 2πy)) + 20 + e",
            ("x", "y"),
            _ackley,
            ((-5.0, 5.0), (-5.0, 5.0)),
            (CP((0.0, 0.0), 0.0),),
            "A nearly flat, egg-crate outer region around one deep funnel at the origin.",
            default_start=(3.3, -2.6),
            default_lr=1e-2,
        ),
        S(
            "six-hump-camel",
            "Six-hump camel",
            "f(x, y) = (4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y²",
            ("x", "y"),
            _camel,
            ((-3.0, 3.0), (-2.0, 2.0)),
            (
                CP(_CAMEL_MIN, _camel(*_CAMEL_MIN)[0]),
                CP((-_CAMEL_MIN[0], -_CAMEL_MIN[1]), _camel(-_CAMEL_MIN[0], -_CAMEL_MIN[1])[0]),
            ),
            "Six local minima, two of them global (f ≈ −1.0316) at (±0.0898, ∓0.7127).",
            default_start=(-1.5, 1.2),
            default_lr=0.01,
        ),
        S(
            "goldstein-price",
            "Goldstein–Price",
            "f(x, y) = [1 + (x + y + 1)²(19 − 14x + 3x² − 14y + 6xy + 3y²)]"
            " · [30 + (2x − 3y)²(18 − 32x + 12x² + 48y − 36xy + 27y²)]",
            ("x", "y"),
            _goldstein_price,
            ((-2.0, 2.0), (-2.0, 2.0)),
            (CP((0.0, -1.0), 3.0),),
            "Values span six orders of magnitude; several local minima surround the global one "
            "at (0, −1) where f = 3.",
            log_levels=True,
            default_start=(-0.6, 0.4),
            default_lr=1e-5,
        ),
        S(
            "styblinski-tang",
            "Styblinski–Tang",
            "f(x, y) = ½ Σ (xᵢ⁴ − 16xᵢ² + 5xᵢ)",
            ("x", "y"),
            _styblinski_tang,
            ((-5.0, 5.0), (-5.0, 5.0)),
            (CP((_ST_X, _ST_X), _styblinski_tang(_ST_X, _ST_X)[0]),),
            "Four wells of different depth; the deepest is at (−2.9035, −2.9035) with f ≈ −78.332.",
            default_start=(0.3, 4.5),
            default_lr=0.01,
        ),
    ]
    return {s.name: s for s in surfaces}


SURFACES: dict[str, Surface] = _make_registry()


def surface_names() -> list[str]:
    from gdsim.core.datasets import DATA_SURFACES

    return list(SURFACES) + list(DATA_SURFACES)


def surface_title(name: str) -> str:
    """A surface's title, without building a data-driven surface's data."""
    from gdsim.core.datasets import DATA_TITLES

    if name.startswith("formula:"):
        return "Your formula"
    return SURFACES[name].title if name in SURFACES else DATA_TITLES[name]


def get_surface(name: str):
    """The surface called ``name``: analytic, data-driven, or ``formula:<text>`` (see
    :mod:`gdsim.core.formula`). KeyError with the valid names; a refused formula raises
    ``FormulaError``, a ValueError that says which column is wrong."""
    from gdsim.core.datasets import DATA_SURFACES

    if name in SURFACES:
        return SURFACES[name]
    if name in DATA_SURFACES:
        return DATA_SURFACES[name]()
    if name.startswith("formula:"):
        from gdsim.core.formula import formula_surface

        return formula_surface(name[len("formula:") :])
    raise KeyError(f"unknown surface {name!r}; choose one of: {', '.join(surface_names())}")
