"""What every scene needs besides mobjects: which Run to show, labels, captions and typeset formulas."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from manim import MathTex, VGroup, VMobject, logger

from ..errors import RiemannNNError
from ..interpolate import DEFAULT_METHOD
from ..run import Run
from .theme import Theme, as_one_path, label

DEFAULT_PRESET = "seed-c2-sigmoid"
SCHEME_NAMES = {"c0": "C0 ordinary", "c1": "C1 residual", "c2": "C2 second-order"}


def scene_run(default_preset: str = DEFAULT_PRESET, *, geometry: dict | None = None,
              widths: tuple[int, ...] = (2,)) -> Run:
    """The Run a scene shows: ``$RIEMANN_NN_RUN`` (a Run file), else ``$RIEMANN_NN_PRESET``, else the default
    preset, trained and cached under ``media/runs/`` on first use.

    ``geometry`` overrides fields of the preset's geometry section (e.g. ``{"sites_per_side": 20}``); the
    changed configuration is cached under its own key. A Run file is shown as it is. ``widths``: the network
    widths the scene can draw (the plane scenes: 2; ``scenes/space.py``: 3).
    A bad file, an unknown preset or a run of another width ends the render with one clear line (``SystemExit``).
    """
    from ..cache import load_or_train
    from ..presets import get_preset
    from ..run import load_run

    try:
        run_file = os.environ.get("RIEMANN_NN_RUN")
        if run_file:
            run = load_run(Path(run_file))
        else:
            config = get_preset(os.environ.get("RIEMANN_NN_PRESET") or default_preset)
            run = load_or_train(config.replace(geometry=geometry) if geometry else config)
        run.require_width(*widths, what="this scene",
                          instead="scenes/space.py shows width 3" if 3 not in widths else "")
        return run
    except RiemannNNError as error:
        raise SystemExit(f"riemann-nn: {error}") from None


def scene_path_method(run: Run) -> str:
    """The layer path: ``$RIEMANN_NN_PATH`` (straight, spline, staged) or the scheme's default."""
    return os.environ.get("RIEMANN_NN_PATH") or DEFAULT_METHOD[run.scheme]


_WARNED: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _WARNED:
        _WARNED.add(message)
        logger.warning(message)


def has_latex() -> bool:
    """Whether ``MathTex`` can work here (a ``latex`` and a ``dvisvgm`` on the PATH)."""
    return shutil.which("latex") is not None and shutil.which("dvisvgm") is not None


def formula(tex: str, plain: str, theme: Theme, *, color: str | None = None, font_size: float = 34) -> VMobject:
    """``MathTex`` of ``tex`` where LaTeX is installed, else ``plain`` as text (with a warning saying why)."""
    if has_latex():
        return as_one_path(MathTex(tex, font_size=font_size), color=color or theme.text)
    _warn_once("riemann-nn: no LaTeX (latex and dvisvgm) found; formulas are drawn as plain text")
    return label(plain, theme, font_size=font_size * 0.7, color=color)


def run_title(run: Run, theme: Theme, *, max_width: float = 3.9) -> VGroup:
    """Preset name over "scheme . activation . depth . dt . accuracy", left-aligned, at most ``max_width`` wide."""
    m = run.meta["model"]
    title = label(run.name, theme, font_size=32, bold=True)
    details = label(f"{SCHEME_NAMES[m['scheme']]}  \u00b7  {m['activation']}", theme, font_size=20, color=theme.muted)
    more = label(f"{m['depth']} layers of width 2  \u00b7  dt {m['dt']:g}", theme, font_size=20, color=theme.muted)
    accuracy = label(f"train accuracy {100 * run.meta['training']['accuracy']:.1f}%", theme, font_size=20,
                     color=theme.muted)
    block = VGroup(title, details, more, accuracy).arrange(direction=[0, -1, 0], aligned_edge=[-1, 0, 0], buff=0.12)
    if block.width > max_width:  # long preset or file names must not run off the frame
        block.scale_to_fit_width(max_width)
    return block


def caption(text: str, theme: Theme, *, font_size: float = 24) -> VMobject:
    """A beat's caption: short lines, explicit line breaks, the theme's text colour."""
    return label(text, theme, font_size=font_size)
