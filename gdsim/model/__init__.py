"""The scene: what the window shows, as plain data with change events (no Qt)."""

from gdsim.model.scene import PALETTE, Run, Scene, SceneError

__all__ = ["PALETTE", "Run", "Scene", "SceneError"]
