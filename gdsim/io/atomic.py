"""Writing an output file without ever destroying what is there by mistake.

A regular file (or a new one) is written atomically: into a temporary file beside it,
then ``os.replace`` — a crash, a kill or a full disk never leaves half a file and never
destroys the previous one.  A symlink is followed (the file it points to is replaced,
the link stays).  A character device or a FIFO (``/dev/stdout``, ``/dev/null``, a pipe
that a program reads) is written to directly: replacing it would swap the device node
for a regular file.  Anything else (a folder, a block device, a socket) is refused, as
is writing onto a file being read (``gdsim export --session S --out S``).

``check_target`` says all of that before any work is done, so a command refuses an
unwritable target before it computes or renders; ``writing`` gives a temporary path to
write to and puts it in place; ``write_atomic`` writes text or bytes.  Temporary files
that an interrupted write left behind (a kill, a power cut) are removed by the next
write to the same target.  Every failure is an ``OutputError``: "cannot write PATH:
reason".
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["OutputError", "Target", "check_target", "write_atomic", "writing"]

_TAG = ".gdsim-"  # temporary files: .NAME.gdsim-PID-RANDOM.tmp[.EXT]


class OutputError(OSError):
    """An output that cannot be written; ``str()`` is "cannot write PATH: reason"."""

    def __init__(self, path, reason: str):
        super().__init__(f"cannot write {os.fspath(path)}: {reason}")
        self.path = self.filename = os.fspath(path)
        self.reason = self.strerror = reason

    def __str__(self) -> str:
        return self.args[0]


@dataclass(frozen=True)
class Target:
    path: str  # as given
    real: str  # symlinks followed
    direct: bool  # a device or FIFO: written to, never replaced
    fd: int | None = None  # /dev/stdout and the like: this process's own open file


def check_target(path: str | os.PathLike, reading: Iterable[str | os.PathLike] = ()) -> Target:
    """Where ``path`` would be written, after checking that it can be: OutputError
    otherwise.  ``reading``: files the command reads, which it must not overwrite."""
    name = os.fspath(path)
    if not name:
        raise OutputError(name, "no file name")
    fd = _own_descriptor(name)
    if fd is not None:  # /dev/stdout, /dev/fd/3: written to as the shell opened it
        return Target(name, name, direct=True, fd=fd)
    real = os.path.realpath(name)
    for source in reading:
        if source and _same_file(real, os.fspath(source)):
            raise OutputError(name, "it is the file being read; choose another name")
    try:
        info = os.stat(real)
    except FileNotFoundError:
        info = None
    except OSError as e:
        raise OutputError(name, _reason(e)) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise OutputError(name, "it is a folder")
    if info is not None and stat.S_ISFIFO(info.st_mode):
        # (not opened to test it: a reader would take the close for the end of the data)
        return Target(name, real, direct=True)
    if info is not None and stat.S_ISCHR(info.st_mode):
        _open_direct(name, real).close()
        return Target(name, real, direct=True)
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise OutputError(name, "it is not a regular file, a device or a pipe")
    folder = os.path.dirname(real) or "."
    if not os.path.isdir(folder):
        raise OutputError(name, f"there is no folder {folder}")
    _remove_stale(real)
    try:  # the real test: can a file be made there (a read-only disk, /proc, rights)?
        fd, probe = tempfile.mkstemp(prefix=_prefix(real), suffix=".tmp", dir=folder)
    except OSError as e:
        raise OutputError(name, _reason(e)) from None
    os.close(fd)
    os.unlink(probe)
    return Target(name, real, direct=False)


@contextmanager
def writing(
    path: str | os.PathLike, reading: Iterable[str | os.PathLike] = (), suffix: str = ""
) -> Iterator[str]:
    """A temporary path to write the whole output to (``suffix``: the extension a writer
    goes by, e.g. ".png"); put in place when the block ends normally, removed when it
    raises (Ctrl+C included): no partial output is ever left."""
    target = check_target(path, reading)
    folder = None if target.direct else os.path.dirname(target.real) or "."
    try:
        fd, tmp = tempfile.mkstemp(prefix=_prefix(target.real), suffix=".tmp" + suffix, dir=folder)
    except OSError as e:
        raise OutputError(target.path, _reason(e)) from None
    os.close(fd)
    try:
        yield tmp
        _put_in_place(target, tmp)
    except OSError as e:
        if isinstance(e, OutputError):
            raise
        raise OutputError(target.path, _reason(e)) from None
    finally:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass


def write_atomic(
    path: str | os.PathLike, data: str | bytes, reading: Iterable[str | os.PathLike] = ()
) -> None:
    """Write text (UTF-8) or bytes to ``path`` as described above."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with writing(path, reading) as tmp, open(tmp, "wb") as fh:
        fh.write(raw)


def _put_in_place(target: Target, tmp: str) -> None:
    if target.fd is not None:
        with open(os.dup(target.fd), "wb") as out, open(tmp, "rb") as src:
            shutil.copyfileobj(src, out)
        return
    if target.direct:
        with _open_direct(target.path, target.real) as out, open(tmp, "rb") as src:
            shutil.copyfileobj(src, out)
        return
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file (mkstemp makes it 0600)
    os.replace(tmp, target.real)


def _open_direct(name: str, real: str):
    """A device or FIFO opened for writing; O_NONBLOCK only to open, so that a pipe
    that no program reads fails at once instead of waiting for ever."""
    try:
        fd = os.open(real, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as e:
        if e.errno == errno.ENXIO:
            raise OutputError(name, "it is a pipe that no program reads") from None
        raise OutputError(name, _reason(e)) from None
    os.set_blocking(fd, True)
    return open(fd, "wb")


_DESCRIPTOR = re.compile(r"^/(?:proc/(?:self|thread-self|(\d+))/fd|dev/fd)/(\d+)$")


def _own_descriptor(name: str) -> int | None:
    """The file descriptor of this process that ``name`` names through its symlinks
    (/dev/stdout → /proc/self/fd/1), or None.  Opening such a path anew would truncate
    a file the shell opened for appending, or fail for a pipe."""
    path = os.path.abspath(name)
    for _ in range(8):
        m = _DESCRIPTOR.match(path)
        if m and (m.group(1) is None or int(m.group(1)) == os.getpid()):
            return int(m.group(2))
        if m or not os.path.islink(path):
            return None
        try:
            path = os.path.join(os.path.dirname(path), os.readlink(path))
        except OSError:
            return None
        path = os.path.normpath(path)
    return None


def _prefix(real: str) -> str:
    return f".{os.path.basename(real)}{_TAG}{os.getpid()}-"


def _remove_stale(real: str) -> None:
    """Temporary files of an earlier, interrupted write to ``real`` by a process that
    no longer runs."""
    folder = Path(os.path.dirname(real) or ".")
    try:
        leftovers = list(folder.glob(f".{_glob_escape(os.path.basename(real))}{_TAG}*-*.tmp*"))
    except OSError:
        return
    for tmp in leftovers:
        pid = tmp.name[len(os.path.basename(real)) + 1 + len(_TAG) :].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            try:
                tmp.unlink()
            except OSError:
                pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _glob_escape(name: str) -> str:
    import glob

    return glob.escape(name)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _reason(e: OSError) -> str:
    return e.strerror or str(e) or type(e).__name__
