"""Lessons and scenes stored as JSON data files in this package."""

from gdsim.presets.loader import Preset, PresetError, list_presets, load_preset, scene_document

__all__ = ["Preset", "PresetError", "list_presets", "load_preset", "scene_document"]
