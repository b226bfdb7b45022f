"""A scene as a document (lessons, sessions): its format and version, and reading one
with every field checked — a run's hyperparameters against the optimizer's declared
ones (:mod:`gdsim.core.hyper`), its configuration by the core, colours, the view."""

from __future__ import annotations

import copy
import math
import re
from typing import Any

from gdsim.core.formula import FormulaError
from gdsim.core.limits import scene_work_error
from gdsim.core.optimizers import OptimizerError, checked_hyper
from gdsim.core.simulation import ConfigError, RunConfig
from gdsim.core.slice_surface import plane_spec_error
from gdsim.core.surfaces import get_surface
from gdsim.model.run import PALETTE, Run

__all__ = [
    "DEFAULT_VIEW",
    "SCENE_FORMAT",
    "SCENE_VERSION",
    "VIEW_FLAGS",
    "SceneError",
    "scene_fields",
]

SCENE_FORMAT = "gdsim-scene"
SCENE_VERSION = 1

DEFAULT_VIEW: dict[str, Any] = {
    "log_loss": False,
    "show_gradient": True,
    "show_velocity": True,
    "show_minima": True,
    "show_legend": True,
    "show_curvature": False,  # the curvature lens (key C)
    "show_flow": False,  # the gradient flow (key F)
    "show_lr": False,  # the learning rate α(k) on the loss plot's right axis (key A)
    "show_cloud": False,  # the mini-batch gradient cloud at the marble (key N: noise)
    # from 58° up a narrow valley's floor shows (at 42° the ravine's near slope hid it:
    # the marbles, drawn over everything, floated below their trails)
    "camera": {"distance": 3.7, "elevation": 58.0, "azimuth": -65.0},
    "ranges": None,  # the 2D view's (xmin, xmax, ymin, ymax); None = the surface's domain
    "plane": "pca",  # a model's slice plane: pca, random or params:I,J (slice_surface)
}


#: the view's switches (what the View menu's check boxes set)
VIEW_FLAGS = tuple(k for k, v in DEFAULT_VIEW.items() if isinstance(v, bool))


class SceneError(ValueError):
    """A scene document that cannot be read (one-line message)."""


_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SceneError(f"{what} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise SceneError(f"{what} must be a finite number, got {value!r}")
    return v


def _flag(value, what: str) -> bool:
    if not isinstance(value, bool):
        raise SceneError(f"{what} must be true or false, got {value!r}")
    return value


#: the longest title, run name and explanation a document may carry (characters)
MAX_TEXT = {"title": 200, "name": 200, "explanation": 20_000}


def _text(value, what: str) -> str:
    """A string of the document, with any character that no file can hold (a lone
    surrogate such as ``\\ud800``, which JSON allows) repaired to U+FFFD."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SceneError(f"{what} must be text, got {type(value).__name__}")
    if len(value) > MAX_TEXT[what]:
        raise SceneError(f"{what} is longer than {MAX_TEXT[what]} characters")
    return _SURROGATE.sub("\ufffd", value)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _hyper(optimizer, hyper) -> dict:
    """A run's hyperparameters as the optimizer declares them (core/hyper.py)."""
    if not isinstance(hyper, dict):
        raise SceneError("a run's hyper must be a mapping of names to numbers")
    if not isinstance(optimizer, str):
        raise SceneError(f"a run's optimizer must be a name, got {optimizer!r}")
    try:
        return checked_hyper(optimizer, hyper)
    except OptimizerError as e:
        raise SceneError(str(e)) from None


def _steps(value) -> int:
    """A run's step count as the totals read it (a wrong one is refused later)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _view(doc) -> dict:
    view = copy.deepcopy(DEFAULT_VIEW)
    if doc is None:
        return view
    if not isinstance(doc, dict):
        raise SceneError("view must be a mapping")
    for key in VIEW_FLAGS:
        if key in doc:
            view[key] = _flag(doc[key], f"view.{key}")
    cam = doc.get("camera")
    if cam is not None:
        if not isinstance(cam, dict):
            raise SceneError("view.camera must be a mapping")
        view["camera"] = {
            k: _number(cam.get(k, DEFAULT_VIEW["camera"][k]), f"camera {k}")
            for k in ("distance", "elevation", "azimuth")
        }
        if view["camera"]["distance"] <= 0:
            raise SceneError("camera distance must be > 0")
    ranges = doc.get("ranges")
    if ranges is not None:
        if not isinstance(ranges, (list, tuple)) or len(ranges) != 4:
            raise SceneError("view.ranges must be four numbers: xmin, xmax, ymin, ymax")
        r = [_number(v, "view range") for v in ranges]
        if not (r[0] < r[1] and r[2] < r[3]):
            raise SceneError("view.ranges must have xmin < xmax and ymin < ymax")
        view["ranges"] = r
    plane = doc.get("plane")
    if plane is not None:
        if not isinstance(plane, str) or plane_spec_error(plane, 1 << 30):
            raise SceneError(f"view.plane must be pca, random or params:I,J, got {plane!r}")
        view["plane"] = plane
    return view


def _run(i: int, rd: dict, surface: str) -> Run:
    cfg_doc = dict(rd["config"])
    cfg_doc["hyper"] = _hyper(cfg_doc.get("optimizer", "gd"), cfg_doc.get("hyper") or {})
    cfg = RunConfig.from_dict({**cfg_doc, "surface": surface})
    cfg.validate()
    color = rd.get("color") or PALETTE[i % len(PALETTE)]
    if not isinstance(color, str) or not _COLOR.match(color):
        raise SceneError(f"colour must look like #RRGGBB, got {color!r}")
    name = _text(rd.get("name"), "name").strip()
    own = _flag(rd.get("own_name", False), "own_name") and bool(name)
    return Run(i, cfg, color, name, _flag(rd.get("visible", True), "visible"), own)


def scene_fields(doc) -> dict:
    """The fields of a Scene read from its document (``Scene.from_dict``); SceneError
    with the reason when it cannot be read."""
    if not isinstance(doc, dict):
        raise SceneError("not a scene document")
    fmt = doc.get("format", SCENE_FORMAT)
    if fmt != SCENE_FORMAT:
        raise SceneError(f"not a gdsim scene (format {fmt!r})")
    version = doc.get("version", SCENE_VERSION)
    if not isinstance(version, int) or version > SCENE_VERSION:
        raise SceneError(
            f"written by a newer gdsim (scene version {version}; this one reads up to "
            f"{SCENE_VERSION})"
        )
    try:
        surface = doc["surface"]
        if not isinstance(surface, str):
            raise SceneError(f"surface must be a name, got {surface!r}")
        get_surface(surface)  # an unknown name: its KeyError is said below
        runs = []
        run_docs = doc.get("runs", [])
        if not isinstance(run_docs, list) or not all(isinstance(r, dict) for r in run_docs):
            raise SceneError("runs must be a list of runs")
        if not all(isinstance(r.get("config"), dict) for r in run_docs):
            raise SceneError("each run needs its config, a mapping")
        too_much = scene_work_error(
            len(run_docs), sum(_steps(r["config"].get("max_steps", 100)) for r in run_docs)
        )
        if too_much:
            raise SceneError(too_much)
        for i, rd in enumerate(run_docs):
            try:
                runs.append(_run(i, rd, surface))
            except (SceneError, ConfigError) as e:
                raise SceneError(f"run {i + 1}: {e}") from None
        view = _view(doc.get("view"))
        speed = min(max(_number(doc.get("speed", 20.0), "speed"), 0.5), 1000.0)
        cursor = int(min(max(_number(doc.get("cursor", 0), "cursor"), 0), 10**9))
        sel = doc.get("selected")
        if sel is not None and not (isinstance(sel, int) and not isinstance(sel, bool)):
            raise SceneError(f"selected must be a run's index or null, got {sel!r}")
        fields = dict(
            surface=surface,
            runs=runs,
            selected=runs[sel].id
            if isinstance(sel, int) and 0 <= sel < len(runs)
            else (runs[0].id if runs else None),
            cursor=cursor,
            speed=speed,
            playing=_flag(doc.get("playing", False), "playing"),
            title=_text(doc.get("title"), "title"),
            explanation=_text(doc.get("explanation"), "explanation"),
            view=view,
        )
    except SceneError:
        raise
    except KeyError as e:  # a missing field, or get_surface's "unknown surface …"
        what = str(e.args[0])
        raise SceneError(what if " " in what else f"missing field {what!r}") from None
    except FormulaError as e:
        raise SceneError(f"formula: {e}") from None
    except ConfigError as e:
        raise SceneError(str(e)) from None
    except (TypeError, ValueError, OverflowError) as e:
        raise SceneError(f"bad value: {e}") from None
    return fields
