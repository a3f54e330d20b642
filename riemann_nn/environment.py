"""The environment variables a scene reads, checked at once: one clear error instead of a traceback in Manim.

``RIEMANN_NN_RUN`` (a Run file), ``RIEMANN_NN_PRESET`` (a preset name), ``RIEMANN_NN_PATH`` (straight, spline
or staged) and ``RIEMANN_NN_THEME`` (dark or light). ``check_environment`` is called by ``riemann-nn render``
before Manim starts; a scene that Manim runs directly reads them itself, and its base (``render.story.Subtitled``)
ends it with the same error in one line.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from .config import check_choice
from .errors import ConfigError, RiemannNNError
from .interpolate import METHODS
from .presets import get_preset
from .run import load_run

T = TypeVar("T")

THEME_NAMES = ("dark", "light")  # render.theme.THEMES has exactly these (a test keeps them in step)


@dataclass(frozen=True)
class SceneEnvironment:
    """What the environment asks a scene for (None: not set, the scene's default)."""

    run: str | None  # a Run file that loads
    preset: str | None  # a preset's name (ignored by the scenes when ``run`` is set)
    path: str | None  # a layer path that fits the scheme of the run shown
    theme: str | None
    scheme: str | None  # the scheme of the run the scene will show, when known


def check_environment(
    environ: Mapping[str, str] | None = None, *, default_preset: str | None = None
) -> SceneEnvironment:
    """Check ``RIEMANN_NN_RUN``, ``_PRESET``, ``_PATH`` and ``_THEME`` in ``environ`` (default ``os.environ``).

    Empty values count as unset, except ``RIEMANN_NN_THEME``, which the themes read as given. The run shown is
    ``RIEMANN_NN_RUN``, else ``RIEMANN_NN_PRESET``, else ``default_preset`` (the scene's own); ``staged`` paths
    replay c0 layers, so ``RIEMANN_NN_PATH=staged`` needs a c0 run, and a known one. Loads the Run file (fully
    validated) but trains nothing. Raises ``ConfigError`` (or ``RunFileError``) naming the variable.
    """
    environ = os.environ if environ is None else environ
    theme = environ.get("RIEMANN_NN_THEME")
    run_file = environ.get("RIEMANN_NN_RUN") or None
    preset = environ.get("RIEMANN_NN_PRESET") or None
    path = environ.get("RIEMANN_NN_PATH") or None
    if theme is not None:
        _checked("RIEMANN_NN_THEME", lambda: check_choice(theme, THEME_NAMES, "theme"))
    if path is not None:
        _checked("RIEMANN_NN_PATH", lambda: check_choice(path, METHODS, "layer path"))
    if preset is not None:
        _checked("RIEMANN_NN_PRESET", lambda: get_preset(preset))
    shown = preset or default_preset
    if run_file is not None:
        scheme: str | None = _checked("RIEMANN_NN_RUN", lambda: load_run(run_file)).scheme
    else:
        scheme = get_preset(shown).model.scheme if shown else None
    if path == "staged" and scheme != "c0":
        shown = f"this run is {scheme}" if scheme else "name a c0 run (RIEMANN_NN_RUN or RIEMANN_NN_PRESET)"
        raise ConfigError(
            f"RIEMANN_NN_PATH=staged replays c0 layers (linear map, shift, activation); {shown}, "
            "or use straight or spline"
        )
    return SceneEnvironment(run=run_file, preset=preset, path=path, theme=theme, scheme=scheme)


def _checked(variable: str, check: Callable[[], T]) -> T:
    """``check()``, its error prefixed with the variable it is about."""
    try:
        return check()
    except RiemannNNError as error:
        raise type(error)(f"{variable}: {error}") from None
