"""One marble on the map: a run's configuration, its colour and marker, its name and
whether it is shown; and a snapshot of the scene's runs (what an edit changes)."""

from __future__ import annotations

from dataclasses import dataclass

from gdsim.core.simulation import RunConfig

__all__ = ["MARKERS", "PALETTE", "Run", "Snapshot", "marker_of"]

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
