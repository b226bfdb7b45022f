"""Sessions: the whole scene as a versioned JSON file (``.gdsim.json``), no Qt.

Written atomically (a temp file, then ``os.replace``), so a crash or a full disk never
leaves half a file and never destroys the previous one.  Reading refuses, with the
reason, a file that is damaged or was written by a newer gdsim.
"""

from __future__ import annotations

import json
import os
import stat

from gdsim import __version__
from gdsim.io.atomic import write_atomic
from gdsim.model import Scene, SceneError

SESSION_FORMAT = "gdsim-session"
SESSION_VERSION = 1
SUFFIX = ".gdsim.json"


class SessionError(ValueError):
    """A session file that cannot be opened (one-line reason)."""


#: a session is a few kilobytes; a file far larger is not one (or is an attack)
MAX_BYTES = 50 * 1024 * 1024
#: the deepest nesting a session has is 5 (scene, runs, run, config, hyper / schedule)
MAX_DEPTH = 16
#: digits of a whole number (Python refuses more than 4 300; no field needs 20)
MAX_DIGITS = 30


def _read_limited(name: str) -> str:
    """The text of a regular file of at most MAX_BYTES: never a FIFO (which would block),
    a device or a symlink to one (``/dev/zero`` would be read until memory runs out)."""
    try:
        # O_NONBLOCK: opening a FIFO does not wait for a writer (it is refused below)
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        raise SessionError(f"cannot read {name}: {e.strerror}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise SessionError(f"{name} is not a regular file (a device, a pipe or a folder)")
    with os.fdopen(fd, "rb") as fh:
        if info.st_size > MAX_BYTES:
            raise SessionError(f"{name} is not a gdsim session (larger than {MAX_BYTES >> 20} MB)")
        try:
            data = fh.read(MAX_BYTES + 1)
        except OSError as e:
            raise SessionError(f"cannot read {name}: {e.strerror}") from None
    if len(data) > MAX_BYTES:  # it grew while being read
        raise SessionError(f"{name} is not a gdsim session (larger than {MAX_BYTES >> 20} MB)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise SessionError(f"{name} is not a gdsim session (not text)") from None


def _whole_number(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise SessionError(f"a number has more than {MAX_DIGITS} digits")
    return int(text)


def _depth(doc) -> int:
    """How deeply ``doc`` nests, without recursion."""
    deepest, todo = 0, [(doc, 1)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                break
            values = item.values() if isinstance(item, dict) else item
            todo.extend((v, depth + 1) for v in values)
    return deepest


def _parse(text: str, name: str):
    try:
        doc = json.loads(text, parse_int=_whole_number)
    except SessionError as e:
        raise SessionError(f"{name} is not a gdsim session ({e})") from None
    except json.JSONDecodeError as e:
        raise SessionError(
            f"{name} is damaged or incomplete (JSON error at line {e.lineno}, column {e.colno})"
        ) from None
    except RecursionError:
        raise SessionError(f"{name} is not a gdsim session (nested too deeply)") from None
    except ValueError as e:  # e.g. a number json cannot convert
        raise SessionError(f"{name} is not a gdsim session ({e})") from None
    if _depth(doc) > MAX_DEPTH:
        raise SessionError(f"{name} is not a gdsim session (nested deeper than {MAX_DEPTH})")
    return doc


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
    doc = _parse(_read_limited(name), name)
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
