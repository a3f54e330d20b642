"""Where riemann-nn keeps things: inside its repository (``media/``, as the README shows) or, installed and run
from anywhere, in the user's cache folder, so that a command writes nothing into the current directory but
the output it was asked for.

- ``repository_root()``: the source checkout the package runs from (``pip install -e .`` or ``PYTHONPATH``),
  None for an installed package;
- ``media_root()``: ``<repository>/media`` when the current directory is inside that checkout, else
  ``user_cache_dir()/media``;
- ``user_cache_dir()``: ``$XDG_CACHE_HOME/riemann-nn`` (``~/.cache/riemann-nn``), ``~/Library/Caches/riemann-nn``
  on macOS, ``%LOCALAPPDATA%\\riemann-nn\\Cache`` on Windows.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
APP = "riemann-nn"


def repository_root() -> Path | None:
    """The checkout holding this package, when it runs from one (a ``pyproject.toml`` naming riemann-nn and a
    ``scenes/`` folder beside the package), else None."""
    root = PACKAGE.parent
    project = root / "pyproject.toml"
    try:
        named = project.is_file() and f'name = "{APP}"' in project.read_text(encoding="utf-8")
    except OSError:
        return None
    return root if named and (root / "scenes").is_dir() else None


def inside_repository() -> bool:
    """Whether the current directory is in the checkout this package runs from."""
    root = repository_root()
    if root is None:
        return False
    try:
        Path.cwd().resolve().relative_to(root)
    except (ValueError, OSError):
        return False
    return True


def user_cache_dir() -> Path:
    """The user's cache folder of riemann-nn (not created here)."""
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / APP / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / APP
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / APP


def media_root() -> Path:
    """``media/`` of the repository when working inside it, else the user's cache folder's ``media``."""
    root = repository_root()
    return root / "media" if root is not None and inside_repository() else user_cache_dir() / "media"


def default_output_folder(kind: str) -> Path:
    """Where an output goes when no ``-o`` is given: ``media/<kind>`` inside the repository (runs, videos,
    images), the current directory anywhere else (the output is what the user asked for); relative to the
    current directory, as a user would write it."""
    if not inside_repository():
        return Path(".")
    return Path(os.path.relpath(media_root() / kind))
