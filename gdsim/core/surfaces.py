"""The catalogue of surfaces: the built-in analytic ones with their domains, minima and
descriptions, the data-driven ones (:mod:`gdsim.core.datasets`) and typed formulas
(:mod:`gdsim.core.formula`), found by name with ``get_surface``.  What a surface is:
:mod:`gdsim.core.surface`; the functions themselves: :mod:`gdsim.core.functions`.
"""

from __future__ import annotations

from gdsim.core import functions as fn
from gdsim.core.surface import CriticalPoint, Surface

__all__ = ["SURFACES", "CriticalPoint", "Surface", "get_surface", "surface_names"]

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
            fn.parabola,
            ((-6.0, 6.0),),
            (CP((0.0,), 0.0),),
            "The friendliest loss there is: one variable, one minimum at x = 0, slope f'(x) = 2x. "
            "Plain gradient descent multiplies x by (1 − 2α) at every step, so it creeps down for "
            "α < 0.5, zig-zags towards 0 for 0.5 < α < 1, bounces for ever at α = 1 and flies "
            "off above.",
            default_start=(5.0,),
            default_lr=0.1,
            hess=fn.parabola_hessian,
        ),
        S(
            "shifted-parabola",
            "Shifted parabola",
            "f(x) = x² + 5x + 6",
            ("x",),
            fn.shifted_parabola,
            ((-15.0, 11.0),),
            (CP((-2.5,), -0.25),),
            "A parabola whose bottom is not at zero: the minimum sits at x = −2.5 where f = −0.25. "
            "From x = 10, a learning rate of 0.1 gets there quickly, 0.001 hardly moves and 1.1 "
            "overshoots further at every step until the run diverges.",
            default_start=(10.0,),
            default_lr=0.1,
            hess=fn.parabola_hessian,
        ),
        S(
            "bowl",
            "Round bowl",
            "f(x, y) = x² + y²",
            ("x", "y"),
            fn.bowl,
            ((-4.0, 4.0), (-4.0, 4.0)),
            (CP((0.0, 0.0), 0.0),),
            "An isotropic bowl: the same curvature in every direction, so −∇f points straight at "
            "the minimum and gradient descent walks a straight line to the origin.",
            default_start=(-3.0, 2.5),
            default_lr=0.1,
            hess=fn.bowl_hessian,
        ),
        S(
            "ravine",
            "Narrow ravine",
            "f(x, y) = 0.01x² + 2y²",
            ("x", "y"),
            fn.ravine,
            ((-10.0, 10.0), (-5.0, 5.0)),
            (CP((0.0, 0.0), 0.0),),
            "A long, thin valley: the curvature across it (4) is 200 times the curvature along "
            "it (0.02). Plain gradient descent spends its steps bouncing from wall to wall and "
            "then crawls along the floor; momentum averages the bounces away and picks up speed "
            "along the valley.",
            log_levels=True,
            default_start=(-9.0, 3.0),
            default_lr=0.45,
            hess=fn.ravine_hessian,
        ),
        S(
            "saddle",
            "Saddle",
            "f(x, y) = x² − y²",
            ("x", "y"),
            fn.saddle,
            ((-3.0, 3.0), (-3.0, 3.0)),
            (CP((0.0, 0.0), 0.0, "saddle"),),
            "Downhill in y, uphill in x: the origin is flat but is no minimum. A marble started "
            "exactly on the x axis rolls into the saddle and stops; the smallest offset in y "
            "grows at every step and carries it away (the loss has no lower bound).",
            default_start=(-2.5, 0.01),
            default_lr=0.1,
            hess=fn.saddle_hessian,
        ),
        S(
            "monkey-saddle",
            "Monkey saddle",
            "f(x, y) = x³ − 3xy²",
            ("x", "y"),
            fn.monkey_saddle,
            ((-2.0, 2.0), (-2.0, 2.0)),
            (CP((0.0, 0.0), 0.0, "degenerate"),),
            "Three valleys and three ridges meet at the origin, where the gradient and the "
            "Hessian both vanish: a degenerate critical point that second-order tests cannot "
            "classify.",
            default_start=(1.5, 0.3),
            default_lr=0.05,
            hess=fn.monkey_saddle_hessian,
        ),
        S(
            "two-wells",
            "Two wells",
            "f(x, y) = (x² − 1)² + 0.4x + y²",
            ("x", "y"),
            fn.two_wells,
            ((-2.0, 2.0), (-1.5, 1.5)),
            fn.two_wells_points(),
            "A tilted double well: a deep global minimum on the left and a shallow local one on "
            "the right, separated by a saddle. Gradient descent only feels the local slope, so "
            "where you drop the marble decides which well it ends in.",
            default_start=(1.6, 1.0),
            default_lr=0.05,
            hess=fn.two_wells_hessian,
        ),
        S(
            "plateau",
            "Plateau",
            "f(x, y) = 1 − exp(−((x − 2)² + y²)/2)",
            ("x", "y"),
            fn.plateau,
            ((-6.0, 5.0), (-4.0, 4.0)),
            (CP((2.0, 0.0), 0.0),),
            "A wide, almost flat table with a single valley at (2, 0). Far from the valley the "
            "gradient is tiny, so plain gradient descent crawls for hundreds of steps; momentum "
            "builds up speed and Adam, which rescales each step, crosses quickly.",
            default_start=(-3.5, 1.0),
            default_lr=0.5,
            hess=fn.plateau_hessian,
        ),
        S(
            "rosenbrock",
            "Rosenbrock",
            "f(x, y) = 100(y − x²)² + (1 − x)²",
            ("x", "y"),
            fn.rosenbrock,
            ((-2.0, 2.0), (-1.0, 3.0)),
            (CP((1.0, 1.0), 0.0),),
            "Rosenbrock's banana valley: finding the curved valley floor is easy, following it to "
            "the minimum at (1, 1) is hard. The classic race track for optimizers.",
            log_levels=True,
            default_start=(-1.5, 2.0),
            default_lr=1e-3,
            hess=fn.rosenbrock_hessian,
        ),
        S(
            "himmelblau",
            "Himmelblau",
            "f(x, y) = (x² + y − 11)² + (x + y² − 7)²",
            ("x", "y"),
            fn.himmelblau,
            ((-5.0, 5.0), (-5.0, 5.0)),
            tuple(CP(p, 0.0) for p in _HIMMELBLAU_MINIMA),
            "Four minima, all with f = 0, one in each quadrant; which one a run reaches depends "
            "only on where it starts.",
            log_levels=True,
            default_start=(-0.5, -0.5),
            default_lr=0.01,
            hess=fn.himmelblau_hessian,
        ),
        S(
            "beale",
            "Beale",
            "f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
            ("x", "y"),
            fn.beale,
            ((-4.5, 4.5), (-4.5, 4.5)),
            (CP((3.0, 0.5), 0.0),),
            "Sharp ridges and flat corners; the global minimum at (3, 0.5) lies in a narrow, "
            "curved valley.",
            log_levels=True,
            default_start=(-1.0, 1.5),
            default_lr=1e-3,
            hess=fn.beale_hessian,
        ),
        S(
            "booth",
            "Booth",
            "f(x, y) = (x + 2y − 7)² + (2x + y − 5)²",
            ("x", "y"),
            fn.booth,
            ((-10.0, 10.0), (-10.0, 10.0)),
            (CP((1.0, 3.0), 0.0),),
            "A tilted, elongated quadratic bowl with its minimum at (1, 3).",
            log_levels=True,
            default_start=(-8.0, -6.0),
            default_lr=0.05,
            hess=fn.booth_hessian,
        ),
        S(
            "rastrigin",
            "Rastrigin",
            "f(x, y) = 20 + Σ [xᵢ² − 10 cos(2πxᵢ)]",
            ("x", "y"),
            fn.rastrigin,
            ((-5.12, 5.12), (-5.12, 5.12)),
            (CP((0.0, 0.0), 0.0),),
            "A bowl covered in a regular grid of local minima: gradient descent stops in the "
            "first dimple it falls into; the global minimum is at the origin.",
            default_start=(3.2, 2.1),
            default_lr=1e-3,
            hess=fn.rastrigin_hessian,
        ),
        S(
            "ackley",
            "Ackley",
            "f(x, y) = −20 exp(−0.2 √(½(x² + y²))) − exp(½(cos 2πx + cos 2πy)) + 20 + e",
            ("x", "y"),
            fn.ackley,
            ((-5.0, 5.0), (-5.0, 5.0)),
            (CP((0.0, 0.0), 0.0),),
            "A nearly flat, egg-crate outer region around one deep funnel at the origin.",
            default_start=(3.3, -2.6),
            default_lr=1e-2,
            hess=fn.ackley_hessian,
        ),
        S(
            "six-hump-camel",
            "Six-hump camel",
            "f(x, y) = (4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y²",
            ("x", "y"),
            fn.six_hump_camel,
            ((-3.0, 3.0), (-2.0, 2.0)),
            (
                CP(_CAMEL_MIN, fn.six_hump_camel(*_CAMEL_MIN)[0]),
                CP(
                    (-_CAMEL_MIN[0], -_CAMEL_MIN[1]),
                    fn.six_hump_camel(-_CAMEL_MIN[0], -_CAMEL_MIN[1])[0],
                ),
            ),
            "Six local minima, two of them global (f ≈ −1.0316) at (±0.0898, ∓0.7127).",
            default_start=(-1.5, 1.2),
            default_lr=0.01,
            hess=fn.six_hump_camel_hessian,
        ),
        S(
            "goldstein-price",
            "Goldstein–Price",
            "f(x, y) = [1 + (x + y + 1)²(19 − 14x + 3x² − 14y + 6xy + 3y²)]"
            " · [30 + (2x − 3y)²(18 − 32x + 12x² + 48y − 36xy + 27y²)]",
            ("x", "y"),
            fn.goldstein_price,
            ((-2.0, 2.0), (-2.0, 2.0)),
            (CP((0.0, -1.0), 3.0),),
            "Values span six orders of magnitude; several local minima surround the global one "
            "at (0, −1) where f = 3.",
            log_levels=True,
            default_start=(-0.6, 0.4),
            default_lr=1e-5,
            hess=fn.goldstein_price_hessian,
        ),
        S(
            "styblinski-tang",
            "Styblinski–Tang",
            "f(x, y) = ½ Σ (xᵢ⁴ − 16xᵢ² + 5xᵢ)",
            ("x", "y"),
            fn.styblinski_tang,
            ((-5.0, 5.0), (-5.0, 5.0)),
            (CP((_ST_X, _ST_X), fn.styblinski_tang(_ST_X, _ST_X)[0]),),
            "Four wells of different depth; the deepest is at (−2.9035, −2.9035) with f ≈ −78.332.",
            default_start=(0.3, 4.5),
            default_lr=0.01,
            hess=fn.styblinski_tang_hessian,
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
    from gdsim.core.model_surface import model_surface, model_surface_names

    if isinstance(name, str) and name in model_surface_names():  # (built on first use)
        return model_surface(name)
    names = [*surface_names(), *model_surface_names()]
    raise KeyError(f"unknown surface {name!r}; choose one of: {', '.join(names)}")
