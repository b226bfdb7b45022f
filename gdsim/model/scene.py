"""The scene model: a surface, runs (configuration, colour, visibility), the cursor and
the view state.  The window subscribes to its signals; sessions, lessons and the
command line read and write it as data (``to_dict`` / ``from_dict``).

A signal fires only when a value really changes.  Trajectories are not part of the
scene: they are derived from it (by the simulation worker).

The signals are psygnal's, declared by hand rather than by ``@evented``: the runs are a
list of immutable Runs, and subscribers want "run 3 added / removed / changed (and whether
its configuration did)" rather than "the list changed"; every change goes through a method
that also groups it into one undoable edit.
"""

from __future__ import annotations

import copy
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from psygnal import Signal

from gdsim.core.limits import scene_work_error
from gdsim.core.optimizers import starting_lr
from gdsim.core.simulation import ConfigError, RunConfig
from gdsim.core.surfaces import get_surface
from gdsim.model.document import DEFAULT_VIEW, SCENE_FORMAT, SCENE_VERSION, SceneError, scene_fields
from gdsim.model.labels import edit_words, labels
from gdsim.model.run import MARKERS, PALETTE, Run, Snapshot, marker_of

__all__ = ["MARKERS", "PALETTE", "Run", "Scene", "SceneError", "Snapshot"]


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
    #: everything may have changed (a lesson or session loaded, an undo to another
    #: surface): one event instead of one per field, and subscribers read it all again
    reset = Signal()
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
        self._labels = None  # (the runs, their labels) last worked out
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
        signals for what differs (``reset`` when the surface differs); runs keep their
        ids."""
        if snap.surface != self.surface:  # everything changes: one event
            self.surface = snap.surface
            self.title, self.explanation = snap.title, snap.explanation
            if snap.view is not None:
                self.view = copy.deepcopy(snap.view)
            self.runs = list(snap.runs)
            self._bump_ids()
            ids = {r.id for r in self.runs}
            self.selected = snap.selected if snap.selected in ids else None
            self.cursor = 0
            self.reset.emit()
            return
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
                hyper = {**r.config.hyper, "lr": starting_lr(r.config.optimizer, surface)}
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
        _check_work([*(r.config for r in self.runs), config])
        with self.editing("Add run"):
            run = Run(self._new_id(), config, color or self.next_color(), name)
            self.runs.append(run)
            self.run_added.emit(run)
            if select:
                self.select(run.id)
        return run

    def labels(self) -> dict[int, str]:
        """What each run is called on screen and in exports (see model/labels.py),
        worked out again only when a run changed (runs are frozen: the same objects in
        the same order are the same runs)."""
        known = self._labels
        if (
            known is None
            or len(known[0]) != len(self.runs)
            or any(a is not b for a, b in zip(known[0], self.runs, strict=False))
        ):
            known = self._labels = (tuple(self.runs), labels(self.runs))
        return dict(known[1])

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
            _check_work([cfg if r.id == run_id else r.config for r in self.runs])
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
            what = edit_words(changes, look, diff, cfg)
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
        return cls(**scene_fields(doc))

    def load(self, other: Scene, label: str = "Open") -> None:
        """Take over everything from ``other`` (signals stay connected) and fire one
        event, ``reset``: every subscriber reads the whole scene again; one edit."""
        with self.editing(label, with_view=True):
            ids = {r.id: self._new_id() for r in other.runs}
            self.runs = [replace(r, id=ids[r.id]) for r in other.runs]
            self.selected = ids.get(other.selected)
            self.surface = other.surface
            self.title, self.explanation = other.title, other.explanation
            self.view = copy.deepcopy(other.view)
            self.speed = other.speed
            self.cursor = other.cursor
            self.playing = other.playing
            self.reset.emit()


def _check_work(configs) -> None:
    """ConfigError when runs with these configurations would be more than a scene holds."""
    too_much = scene_work_error(len(configs), sum(c.max_steps for c in configs))
    if too_much:
        raise ConfigError(too_much)


def _spread(surface, i: int) -> tuple[float, ...]:
    """The default start, nudged for the i-th run so that marbles do not overlap."""
    base = list(surface.default_start)
    if i == 0 or surface.dim > 2:  # a model's runs all start from its seeded initialisation
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
