"""Read the preset scenes shipped as ``*.json`` beside this module (no Qt)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["Preset", "PresetError", "list_presets", "load_preset", "scene_document"]


class PresetError(ValueError):
    pass


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    explanation: str
    scene: dict  # a scene document (gdsim.model.Scene.from_dict reads it)


@cache
def _all() -> dict[str, Preset]:
    out = {}
    for entry in sorted(resources.files(__package__).iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        doc = json.loads(entry.read_text(encoding="utf-8"))
        name = entry.name[: -len(".json")]
        out[name] = Preset(name, doc["title"], doc.get("explanation", ""), doc["scene"])
    return dict(sorted(out.items(), key=lambda kv: kv[1].scene.get("order", 100)))


def list_presets() -> list[Preset]:
    return list(_all().values())


def scene_document(preset: Preset) -> dict:
    """The preset's scene document with its title and explanation filled in."""
    return {**preset.scene, "title": preset.title, "explanation": preset.explanation}


def load_preset(name: str) -> Preset:
    presets = _all()
    if name not in presets:
        raise PresetError(f"unknown preset {name!r}; choose one of: {', '.join(presets)}")
    return presets[name]
