"""Private working folders and the atomic move of finished files into place.

Every render works in a hidden folder created next to its destination (so the final ``os.replace`` is a
rename on one file system, atomic), and only a finished video ever replaces the previous one: a render that
fails or is interrupted leaves the previous video untouched and removes its folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from ..errors import RenderError


@contextlib.contextmanager
def private_folder(destination: Path) -> Iterator[Path]:
    """A fresh hidden folder beside ``destination``, removed (with all it holds) on the way out."""
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=f".{destination.stem}.", suffix=".render", dir=destination.parent))
    except OSError as error:
        raise RenderError(f"cannot write beside {destination}: {error.strerror or error}") from None
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def publish(video: Path, subtitles: dict[str, Path], destination: Path) -> tuple[Path, list[Path]]:
    """Move a finished ``video`` and its ``subtitles`` ({".vtt": path, ...}) to ``destination`` and
    ``destination.with_suffix(suffix)``: each move is one atomic rename. The subtitles go first, so a
    published video never sits beside subtitles older than itself."""
    placed = []
    try:
        for suffix, path in sorted(subtitles.items()):
            target = destination.with_suffix(suffix)
            os.replace(path, target)
            placed.append(target)
        os.replace(video, destination)
    except OSError as error:  # the place changed since it was checked (jobs.job.check_outputs)
        raise RenderError(
            f"cannot move the finished video into place: {error.strerror or error} "
            f"({error.filename2 or error.filename})"
        ) from None
    return destination, placed


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM ends the render like Ctrl-C (``KeyboardInterrupt``): child processes are
    stopped and private folders removed instead of being left behind. Only the main thread can do this."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
