"""The scene model: a surface, runs (configuration, colour, visibility), the cursor and
the view state.  The window subscribes to its signals; sessions, lessons and the
command line read and write it as data (``to_dict`` / ``from_dict``).

A signal fires only when a value really changes.  Trajectories are not part of the
scene: they are derived from it (by the simulation worker).
"""

from __future__ import annotations

import copy
import math
import re
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from psygnal import Signal

from gdsim.core.optimizers import OptimizerError, checked_hyper, validate_hyper
from gdsim.core.simulation import ConfigError, RunConfig
from gdsim.core.surfaces import get_surface

__all__ = ["MARKERS", "PALETTE", "Run", "Scene", "SceneError", "Snapshot"]

SCENE_FORMAT = "gdsim-scene"
SCENE_VERSION = 1

#: Okabe–Ito colours (safe for the common colour-vision deficiencies), blue and gold first
#: as in the classic "vanilla vs momentum" picture; vermillion, which a washed-out
#: projector makes hard to tell from gold, comes late.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange / gold
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#000000",  # black
    "#F0E442",  # yellow
)
#: Each colour's marker shape (pyqtgraph symbol names), so that runs differ by more
#: than colour: circle, square, triangle, diamond, pentagon, hexagon, star, triangle down.
MARKERS = ("o", "s", "t1", "d", "p", "h", "star", "t")

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


@dataclass(frozen=True)
class Run:
    """One marble: its configuration plus how it is drawn.

    ``name`` is what the run is called; a name that a lesson gave (it describes the
    run's settings: "α = 0.1", "mini-batch 32") is dropped when the configuration
    changes, so that it never goes stale; the user's own name (``own_name``) stays.
    """

    id: int
    config: RunConfig
    color: str
    name: str = ""
    visible: bool = True
    own_name: bool = False

    def to_dict(self) -> dict:
        d = self.config.to_dict()
        d.pop("surface")
        out = {"name": self.name, "color": self.color, "visible": self.visible, "config": d}
        if self.own_name and self.name:
            out["own_name"] = True
        return out


@dataclass(frozen=True)
class Snapshot:
    """What an edit changes (for undo): the surface, the lesson text, the runs and the
    selection; the view flags too when a whole scene was loaded."""

    surface: str
    title: str
    explanation: str
    runs: tuple[Run, ...]
    selected: int | None
    view: dict | None = None

    def same_content(self, other: Snapshot) -> bool:
        return (self.surface, self.title, self.explanation, self.runs) == (
            other.surface,
            other.title,
            other.explanation,
            other.runs,
        )


def marker_of(color: str, index: int) -> str:
    """A run's marker: its colour's in the palette, else by its place in the list."""
    try:
        return MARKERS[PALETTE.index(color.upper()) % len(MARKERS)]
    except ValueError:
        return MARKERS[index % len(MARKERS)]


@dataclass
class Scene:
    """What the window shows.  Each field has its change event (psygnal signals, emitted
    only when the value really changes); subscribers read the new value from the scene."""

    # events (class attributes, not fields: psygnal makes one instance per scene)
    surface_changed = Signal(str)
    run_added = Signal(object)  # the Run
    run_removed = Signal(int)  # its id
    run_changed = Signal(object, bool)  # the Run, whether its configuration changed
    selection_changed = Signal(object)  # the run id or None
    cursor_changed = Signal(int)
    playing_changed = Signal(bool)
    speed_changed = Signal(float)
    view_changed = Signal(str)  # the view flag's key ("*": all of them)
    text_changed = Signal()  # the lesson's title or explanation
    #: (label, merge key, before, after): an edit that can be undone (Snapshots)
    edited = Signal(str, object, object, object)

    surface: str = "ravine"
    runs: list[Run] = field(default_factory=list)
    selected: int | None = None
    cursor: int = 0
    speed: float = 20.0  # steps per second
    playing: bool = False
    title: str = ""
    explanation: str = ""
    view: dict = field(default_factory=lambda: copy.deepcopy(DEFAULT_VIEW))

    def __post_init__(self):
        self._edit_depth = 0
        self._next_id = max((r.id for r in self.runs), default=-1) + 1

    # -- queries ---------------------------------------------------------------------------
    def run(self, run_id: int) -> Run:
        for r in self.runs:
            if r.id == run_id:
                return r
        raise KeyError(run_id)

    @property
    def selected_run(self) -> Run | None:
        return None if self.selected is None else self.run(self.selected)

    def next_color(self) -> str:
        used = {r.color for r in self.runs}
        for c in PALETTE:
            if c not in used:
                return c
        return PALETTE[len(self.runs) % len(PALETTE)]

    # -- edits (each one can be undone: see ``edited``) ------------------------------------
    @contextmanager
    def editing(self, label: str, merge_key=None, with_view: bool = False):
        """Group the changes made inside into one edit: when the scene's content changed,
        ``edited(label, merge_key, before, after)`` fires once at the end (nested edits
        belong to the outermost one)."""
        self._edit_depth += 1
        before = self.snapshot(with_view) if self._edit_depth == 1 else None
        try:
            yield
        finally:
            self._edit_depth -= 1
            if before is not None:
                after = self.snapshot(with_view)
                if not after.same_content(before) or (with_view and after.view != before.view):
                    self.edited.emit(label, merge_key, before, after)

    def snapshot(self, with_view: bool = False) -> Snapshot:
        return Snapshot(
            self.surface,
            self.title,
            self.explanation,
            tuple(self.runs),
            self.selected,
            copy.deepcopy(self.view) if with_view else None,
        )

    def restore(self, snap: Snapshot) -> None:
        """Make the scene's content that of ``snap`` (undo / redo), firing the usual
        signals for what differs; runs keep their ids."""
        if snap.surface != self.surface:
            for r in list(self.runs):
                self.runs.remove(r)
                self.run_removed.emit(r.id)
            self.selected = None
            self.surface = snap.surface
            self.title, self.explanation = snap.title, snap.explanation
            if snap.view is not None:
                self.view = copy.deepcopy(snap.view)
            self.surface_changed.emit(self.surface)
            for r in snap.runs:
                self.runs.append(r)
                self.run_added.emit(r)
        else:
            self.title, self.explanation = snap.title, snap.explanation
            wanted = {r.id: r for r in snap.runs}
            for r in list(self.runs):
                if r.id not in wanted:
                    self.runs.remove(r)
                    self.run_removed.emit(r.id)
            have = {r.id: r for r in self.runs}
            self.runs = list(snap.runs)
            for r in snap.runs:
                old = have.get(r.id)
                if old is None:
                    self.run_added.emit(r)
                elif old != r:
                    self.run_changed.emit(r, old.config != r.config)
            if snap.view is not None and snap.view != self.view:
                self.view = copy.deepcopy(snap.view)
                self.view_changed.emit("*")
        self._bump_ids()
        self.select(snap.selected if snap.selected in {r.id for r in self.runs} else None)
        self.text_changed.emit()

    def _bump_ids(self) -> None:
        """Run ids are never reused, also after a restore brought old runs back."""
        top = max((r.id for r in self.runs), default=-1)
        if top >= self._next_id:
            self._next_id = top + 1

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def set_surface(self, name: str) -> None:
        """Change the surface; every run keeps its optimizer but restarts from the new
        surface's default start (spread a little so the marbles do not overlap) with its
        default learning rate. The lesson's title and explanation, written for the old
        surface, are dropped, as are run names that described the old settings."""
        if name == self.surface:
            return
        surface = get_surface(name)
        with self.editing(f"Surface: {surface.title}"):
            self.surface = name
            self.title = self.explanation = ""
            for i, r in enumerate(self.runs):
                start = _spread(surface, i)
                hyper = {**r.config.hyper, "lr": surface.default_lr}
                cfg = replace(
                    r.config, surface=name, start=start, batch_size=None, noise=0.0, hyper=hyper
                )
                self._replace(self._renamed(replace(r, config=cfg), r), emit=False)
            self.cursor = 0
            self.surface_changed.emit(name)
            self.text_changed.emit()

    def add_run(
        self,
        config: RunConfig | None = None,
        color: str | None = None,
        name: str = "",
        select: bool = True,
    ) -> Run:
        surface = get_surface(self.surface)
        if config is None:
            config = RunConfig(
                self.surface, "gd", {"lr": surface.default_lr}, _spread(surface, len(self.runs))
            )
        config = replace(config, surface=self.surface)
        config.validate(surface)
        with self.editing("Add run"):
            run = Run(self._new_id(), config, color or self.next_color(), name)
            self.runs.append(run)
            self.run_added.emit(run)
            if select:
                self.select(run.id)
        return run

    def labels(self) -> dict[int, str]:
        """What each run is called on screen and in exports: its name; else its
        optimizer, followed by the settings that tell it apart from the other runs of
        that optimizer ("gd α=0.1", "gd B=32"), numbered when nothing does ("gd 2"),
        never repeating a named run's name. A label follows the run's settings."""
        taken = {r.name for r in self.runs if r.name}
        groups: dict[str, list[Run]] = {}  # all runs of an optimizer, named ones too
        for r in self.runs:
            groups.setdefault(r.config.optimizer, []).append(r)
        described: dict[int, str] = {}
        for opt, runs in groups.items():
            parts = [[] for _ in runs]
            for feature in _FEATURES:
                texts = [feature(r.config) for r in runs]
                if len(set(texts)) > 1:
                    for i, t in enumerate(texts):
                        if t:
                            parts[i].append(t)
            for r, p in zip(runs, parts, strict=True):
                if not r.name:
                    described[r.id] = f"{opt} {', '.join(p)}" if p else opt
        count: dict[str, int] = {}
        out: dict[int, str] = {}
        for r in self.runs:
            if r.name:
                out[r.id] = r.name
                continue
            base = described[r.id]
            n = count.get(base, 0) + 1
            while (label := base if n == 1 else f"{base} {n}") in taken:
                n += 1
            count[base] = n
            taken.add(label)
            out[r.id] = label
        return out

    def label(self, run_id: int) -> str:
        return self.labels()[run_id]

    def markers(self) -> dict[int, str]:
        """Each run's marker shape (pyqtgraph symbol name), from its colour."""
        return {r.id: marker_of(r.color, i) for i, r in enumerate(self.runs)}

    def duplicate_run(self, run_id: int, optimizer: str, hyper: dict | None = None) -> Run:
        """Same start, another optimizer ("duplicate with another optimizer")."""
        src = self.run(run_id)
        lr = src.config.lr
        cfg = replace(src.config, optimizer=optimizer, hyper=dict(hyper or {"lr": lr}))
        with self.editing(f"Duplicate as {optimizer}"):
            return self.add_run(cfg)

    def remove_run(self, run_id: int) -> None:
        self.run(run_id)
        with self.editing(f"Remove {self.label(run_id)}"):
            self.runs = [r for r in self.runs if r.id != run_id]
            self.run_removed.emit(run_id)
            if self.selected == run_id:
                self.select(self.runs[-1].id if self.runs else None)

    def update_run(self, run_id: int, **changes) -> Run:
        """Change a run's config fields (``lr=`` etc. go into hyper) or its look
        (``color``, ``name``, ``visible``).  Raises ConfigError and changes nothing when
        the new configuration is invalid.  A name given with ``name=`` is the user's
        own; a lesson's name is dropped when the configuration changes."""
        run = self.run(run_id)
        look = {k: changes.pop(k) for k in ("color", "name", "visible") if k in changes}
        if "name" in look:
            look["name"] = str(look["name"]).strip()
            look["own_name"] = bool(look["name"])
        cfg = run.config
        if changes:
            cfg = replace(cfg, **changes)
            cfg.validate()
        new = self._renamed(replace(run, config=cfg, **look), run)
        if new != run:
            key = ("run", run_id, tuple(sorted(changes)), tuple(sorted(look)))
            diff: tuple = ()
            if "hyper" in changes:  # which hyperparameters: α and β drags merge apart
                diff = tuple(
                    sorted(
                        k
                        for k in {*cfg.hyper, *run.config.hyper}
                        if cfg.hyper.get(k) != run.config.hyper.get(k)
                    )
                )
                key = (*key, diff)
            what = _edit_words(changes, look, diff, cfg)
            with self.editing(f"{what} of {self.label(run_id)}", merge_key=key):
                self._replace(new, emit=True, config_changed=cfg != run.config)
        return new

    @staticmethod
    def _renamed(new: Run, old: Run) -> Run:
        """``new`` without its lesson-given name if its configuration changed."""
        if new.config != old.config and new.name and not new.own_name:
            return replace(new, name="")
        return new

    def set_hyper(self, run_id: int, **hyper) -> Run:
        run = self.run(run_id)
        h = {**run.config.hyper, **hyper}
        return self.update_run(run_id, hyper=h)

    def _replace(self, new: Run, emit: bool, config_changed: bool = True) -> None:
        self.runs = [new if r.id == new.id else r for r in self.runs]
        if emit:
            self.run_changed.emit(new, config_changed)

    def select(self, run_id: int | None) -> None:
        if run_id != self.selected:
            self.selected = run_id
            self.selection_changed.emit(run_id)

    def set_cursor(self, step: int) -> None:
        step = max(0, int(step))
        if step != self.cursor:
            self.cursor = step
            self.cursor_changed.emit(step)

    def set_playing(self, playing: bool) -> None:
        if playing != self.playing:
            self.playing = playing
            self.playing_changed.emit(playing)

    def set_speed(self, speed: float) -> None:
        speed = float(min(max(speed, 0.5), 1000.0))
        if speed != self.speed:
            self.speed = speed
            self.speed_changed.emit(speed)

    def set_view(self, key: str, value) -> None:
        if self.view.get(key) != value:
            self.view[key] = value
            self.view_changed.emit(key)

    # -- data ------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "format": SCENE_FORMAT,
            "version": SCENE_VERSION,
            "title": self.title,
            "explanation": self.explanation,
            "surface": self.surface,
            "runs": [r.to_dict() for r in self.runs],
            "selected": None if self.selected is None else self._index(self.selected),
            "cursor": self.cursor,
            "speed": self.speed,
            "playing": self.playing,
            "view": copy.deepcopy(self.view),
        }

    def _index(self, run_id: int) -> int:
        return [r.id for r in self.runs].index(run_id)

    @classmethod
    def from_dict(cls, doc: dict) -> Scene:
        """A scene from its document; SceneError with the reason when it cannot be read."""
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
                cfg_doc["hyper"] = _hyper(
                    cfg_doc.get("optimizer", "gd"), cfg_doc.get("hyper") or {}
                )
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
            scene = cls(
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
        return scene

    def load(self, other: Scene, label: str = "Open") -> None:
        """Take over everything from ``other`` (signals stay connected): fires
        surface_changed, then run_added for each run, and the rest; one edit."""
        with self.editing(label, with_view=True):
            for r in list(self.runs):
                self.runs.remove(r)
                self.run_removed.emit(r.id)
            self.selected = None
            self.title, self.explanation = other.title, other.explanation
            self.view = copy.deepcopy(other.view)
            changed = self.surface != other.surface
            self.surface = other.surface
            if changed:
                self.surface_changed.emit(self.surface)
            ids = {}
            for r in other.runs:
                run = replace(r, id=self._new_id())
                ids[r.id] = run.id
                self.runs.append(run)
                self.run_added.emit(run)
            if other.selected is not None:
                self.select(ids[other.selected])
            self.set_speed(other.speed)
            self.cursor = -1
            self.set_cursor(other.cursor)
            self.view_changed.emit("*")
            self.text_changed.emit()
            self.set_playing(other.playing)


_FIELD_WORDS = {
    "start": "Move the start",
    "batch_size": "Batch size",
    "noise": "Noise σ",
    "seed": "Seed",
    "schedule": "Schedule",
    "clip_norm": "Clipping",
    "max_steps": "Max steps",
    "grad_tol": "Stop rule",
    "loss_tol": "Stop rule",
    "visible": "Show or hide",
    "color": "Colour",
    "name": "Rename",
}
_HYPER_WORDS = {"lr": "α", "momentum": "β", "betas": "β1, β2"}


def _edit_words(changes: dict, look: dict, hyper_diff: tuple, cfg) -> str:
    """What an edit of a run did, for the undo menu ("α of gd", "Optimizer adam of gd")."""
    if "optimizer" in changes:
        return f"Optimizer {cfg.optimizer}"
    if hyper_diff:
        return ", ".join(_HYPER_WORDS.get(k, k.replace("_", " ")) for k in hyper_diff)
    for name in (*changes, *look):
        if name in _FIELD_WORDS:
            return _FIELD_WORDS[name]
    return "Change"


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def _feature_lr(cfg: RunConfig) -> str:
    return f"α={_fmt(cfg.lr)}"


def _feature_momentum(cfg: RunConfig) -> str:
    h = validate_hyper(cfg.optimizer, cfg.hyper)
    if "betas" in h:
        return f"β=({_fmt(h['betas'][0])}, {_fmt(h['betas'][1])})"
    return f"β={_fmt(h['momentum'])}" if h.get("momentum") is not None else ""


def _feature_batch(cfg: RunConfig) -> str:
    return "full batch" if cfg.batch_size is None else f"B={cfg.batch_size}"


def _feature_noise(cfg: RunConfig) -> str:
    return f"σ={_fmt(cfg.noise)}" if cfg.noise else ""


def _feature_clip(cfg: RunConfig) -> str:
    return f"clip {_fmt(cfg.clip_norm)}" if cfg.clip_norm is not None else ""


def _feature_schedule(cfg: RunConfig) -> str:
    return "" if cfg.schedule.kind == "constant" else cfg.schedule.kind


#: the settings that a label may name to tell runs of one optimizer apart, in order
_FEATURES = (
    _feature_lr,
    _feature_momentum,
    _feature_batch,
    _feature_noise,
    _feature_clip,
    _feature_schedule,
)


def _spread(surface, i: int) -> tuple[float, ...]:
    """The default start, nudged for the i-th run so that marbles do not overlap."""
    base = list(surface.default_start)
    if i == 0:
        return tuple(base)
    offsets = [(0.06, -0.06), (-0.06, 0.06), (0.06, 0.06), (-0.06, -0.06)]
    ox, oy = offsets[(i - 1) % 4]
    k = 1 + (i - 1) // 4
    out = []
    for d, (lo, hi) in enumerate(surface.domain):
        o = (ox if d == 0 else oy) * k * (hi - lo)
        v = min(max(base[d] + o, lo + 0.02 * (hi - lo)), hi - 0.02 * (hi - lo))
        out.append(v)
    return tuple(out)
