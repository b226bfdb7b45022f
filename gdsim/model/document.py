"""A scene as a document (lessons, sessions): its format and version, and reading one
with every field checked — a run's hyperparameters against the optimizer's declared
ones (:mod:`gdsim.core.hyper`), its configuration by the core, colours, the view."""

from __future__ import annotations

import copy
import math
import re
from typing import Any

from gdsim.core.optimizers import OptimizerError, checked_hyper
from gdsim.core.simulation import ConfigError, RunConfig
from gdsim.core.surfaces import get_surface
from gdsim.model.run import PALETTE, Run

__all__ = ["DEFAULT_VIEW", "SCENE_FORMAT", "SCENE_VERSION", "SceneError", "scene_fields"]

SCENE_FORMAT = "gdsim-scene"
SCENE_VERSION = 1

DEFAULT_VIEW: dict[str, Any] = {
    "log_loss": False,
    "show_gradient": True,
    "show_velocity": True,
    "show_minima": True,
    "show_legend": True,
    "camera": {"distance": 3.4, "elevation": 42.0, "azimuth": -65.0},
    "ranges": None,  # the 2D view's (xmin, xmax, ymin, ymax); None = the surface's domain
}


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


def _view(doc) -> dict:
    view = copy.deepcopy(DEFAULT_VIEW)
    if doc is None:
        return view
    if not isinstance(doc, dict):
        raise SceneError("view must be a mapping")
    for key in ("log_loss", "show_gradient", "show_velocity", "show_minima", "show_legend"):
        if key in doc:
            view[key] = bool(doc[key])
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
    return view


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
        surface = str(doc["surface"])
        get_surface(surface)
        runs = []
        for i, rd in enumerate(doc.get("runs", [])):
            cfg_doc = dict(rd["config"])
            cfg_doc["hyper"] = _hyper(cfg_doc.get("optimizer", "gd"), cfg_doc.get("hyper") or {})
            cfg = RunConfig.from_dict({**cfg_doc, "surface": surface})
            cfg.validate()
            color = rd.get("color") or PALETTE[i % len(PALETTE)]
            if not isinstance(color, str) or not _COLOR.match(color):
                raise SceneError(f"run colour must look like #RRGGBB, got {color!r}")
            name = str(rd.get("name", "") or "")
            own = bool(rd.get("own_name", False)) and bool(name)
            runs.append(Run(i, cfg, color, name, bool(rd.get("visible", True)), own))
        view = _view(doc.get("view"))
        speed = min(max(_number(doc.get("speed", 20.0), "speed"), 0.5), 1000.0)
        cursor = int(min(max(_number(doc.get("cursor", 0), "cursor"), 0), 10**9))
        sel = doc.get("selected")
        fields = dict(
            surface=surface,
            runs=runs,
            selected=runs[sel].id
            if isinstance(sel, int) and 0 <= sel < len(runs)
            else (runs[0].id if runs else None),
            cursor=cursor,
            speed=speed,
            playing=bool(doc.get("playing", False)),
            title=str(doc.get("title", "")),
            explanation=str(doc.get("explanation", "")),
            view=view,
        )
    except SceneError:
        raise
    except KeyError as e:
        raise SceneError(f"missing field {e.args[0]!r}") from None
    except ConfigError as e:
        raise SceneError(str(e)) from None
    except (TypeError, ValueError, OverflowError) as e:
        raise SceneError(f"bad value: {e}") from None
    return fields
