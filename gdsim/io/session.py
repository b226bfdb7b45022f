"""Sessions: the whole scene as a versioned JSON file (``.gdsim.json``), no Qt.

Written atomically (a temp file, then ``os.replace``), so a crash or a full disk never
leaves half a file and never destroys the previous one.  Reading refuses, with the
reason, a file that is damaged or was written by a newer gdsim.
"""

from __future__ import annotations

import json
import os

from gdsim import __version__
from gdsim.io.atomic import write_atomic
from gdsim.model import Scene, SceneError

SESSION_FORMAT = "gdsim-session"
SESSION_VERSION = 1
SUFFIX = ".gdsim.json"


class SessionError(ValueError):
    """A session file that cannot be opened (one-line reason)."""


def session_document(scene: Scene) -> dict:
    return {
        "format": SESSION_FORMAT,
        "version": SESSION_VERSION,
        "saved_by": f"gdsim {__version__}",
        "scene": scene.to_dict(),
    }


def save_session(path: str | os.PathLike, scene: Scene) -> None:
    text = json.dumps(session_document(scene), indent=1, ensure_ascii=False) + "\n"
    write_atomic(path, text)


def read_session(path: str | os.PathLike) -> Scene:
    """The scene saved in ``path``; SessionError says why when it cannot be read."""
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as e:
        raise SessionError(f"cannot read {name}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise SessionError(f"{name} is not a gdsim session (not text)") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise SessionError(
            f"{name} is damaged or incomplete (JSON error at line {e.lineno}, column {e.colno})"
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != SESSION_FORMAT:
        raise SessionError(f"{name} is not a gdsim session")
    version = doc.get("version")
    if not isinstance(version, int):
        raise SessionError(f"{name} has no valid format version")
    if version > SESSION_VERSION:
        raise SessionError(
            f"{name} was written by a newer gdsim (session version {version}; "
            f"this gdsim {__version__} reads up to version {SESSION_VERSION})"
        )
    try:
        return Scene.from_dict(doc.get("scene"))
    except SceneError as e:
        raise SessionError(f"{name}: {e}") from None
