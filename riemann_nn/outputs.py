"""Writing files without ever destroying one: the place is checked before any work, the file is written atomically.

``check_output`` refuses, before a command trains or renders anything, every output that would destroy or fail:
a directory, a FIFO, a device or socket, one of the command's own inputs (also through a link), a file without
any write permission, a missing or unwritable folder, too little free space. ``atomic_write`` then writes a
temporary file beside the target and renames it into place, so a reader sees the old file or the new one and an
interrupted write (an exception, Ctrl-C, or SIGTERM turned into an exception by the CLI) leaves no ``.tmp``.
New files get the mode the user's umask gives (``0o666 & ~umask``), like any file a shell command creates.
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from .errors import OutputError

PathLike = str | os.PathLike


def check_output(
    path: PathLike, *, inputs: Iterable[PathLike | None] = (), needed_bytes: int = 0, create_parent: bool = False
) -> Path:
    """The file that writing ``path`` will replace or create (symbolic links followed), once it is sure that
    writing it destroys nothing it should not and will not fail for want of a folder, permission or space.

    ``inputs`` are the files the command reads (never overwritten, also not through another name or link);
    ``needed_bytes`` is the free space the file needs; ``create_parent`` allows a missing folder (it will be
    made). Raises ``OutputError`` saying what is wrong; touches nothing.
    """
    if not isinstance(path, (str, os.PathLike)) or not str(path):
        raise OutputError(f"an output must be a file path, got {path!r}")
    target = Path(os.path.realpath(path))
    try:
        status = target.stat()
    except FileNotFoundError:
        status = None
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
    if status is not None:
        if stat.S_ISDIR(status.st_mode):
            raise OutputError(f"cannot write {path}: it is a directory; give a file name")
        if not stat.S_ISREG(status.st_mode):
            raise OutputError(
                f"cannot write {path}: it is a {_kind(status.st_mode)}, not a regular file; "
                "riemann-nn only replaces regular files"
            )
        for source in inputs:
            if source is not None and _same_file(status, source):
                raise OutputError(f"cannot write {path}: it is the input {source}; choose another output name")
        if not status.st_mode & 0o222 or not os.access(target, os.W_OK):
            raise OutputError(f"cannot write {path}: the file is read-only; riemann-nn does not replace it")
    folder = _existing_folder(target.parent, path, create_parent=create_parent)
    if not os.access(folder, os.W_OK | os.X_OK) or not folder.stat().st_mode & 0o222:
        raise OutputError(f"cannot write {path}: the folder {folder} is not writable")
    if needed_bytes > 0:
        free = shutil.disk_usage(folder).free
        if free < needed_bytes:
            raise OutputError(
                f"cannot write {path}: it needs about {_size(needed_bytes)} and {folder} has {_size(free)} free"
            )
    return target


def atomic_write(path: PathLike, write: Callable[[BinaryIO], None], *, inputs: Iterable[PathLike | None] = ()) -> Path:
    """Write ``path`` through ``write(handle)`` atomically (a temporary file in the same folder, renamed into
    place); missing folders are made. The place is checked again (``check_output``) first: it may have changed
    since the command started. On any exception, also KeyboardInterrupt, the temporary file is removed and the
    previous file is untouched. Returns the path written (links followed)."""
    target = check_output(path, inputs=inputs, create_parent=True)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
    # The name is fixed before the file exists, so cleanup knows it whenever an interruption arrives.
    temporary = target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp"
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())  # the data is on disk before the name points at it
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target


def _existing_folder(folder: Path, path: PathLike, *, create_parent: bool) -> Path:
    """``folder`` if it is a directory; with ``create_parent``, its nearest existing ancestor (which must be one)."""
    if not folder.exists():
        if not create_parent:
            raise OutputError(f"cannot write {path}: the folder {folder} does not exist")
        while not folder.exists():
            folder = folder.parent
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: {folder} is not a folder")
    return folder


def _same_file(status: os.stat_result, other: PathLike) -> bool:
    try:
        theirs = os.stat(other)
    except (OSError, ValueError):
        return False
    return (status.st_dev, status.st_ino) == (theirs.st_dev, theirs.st_ino)


_KINDS = {
    stat.S_ISFIFO: "FIFO (named pipe)",
    stat.S_ISCHR: "character device",
    stat.S_ISBLK: "block device",
    stat.S_ISSOCK: "socket",
}


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS.items() if test(mode)), "special file")


def _size(count: int) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count} bytes"
