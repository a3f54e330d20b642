"""Rendering helpers shared by the render tests: a tiny camera and stored control frames."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image

CONTROL_DIR = Path(__file__).parent / "control"
UPDATE = os.environ.get("RIEMANN_NN_UPDATE_CONTROLS") == "1"


def capture(mobjects, *, width: int = 320, height: int = 180, background: str = "#10141B") -> np.ndarray:
    """Rasterise mobjects with Manim's Cairo camera at a small size: (height, width, 3) uint8."""
    from manim import tempconfig
    from manim.camera.camera import Camera

    with tempconfig({"pixel_width": width, "pixel_height": height, "background_color": background}):
        camera = Camera()
        camera.capture_mobjects(list(mobjects))
        return np.asarray(camera.get_image().convert("RGB"))


def assert_matches_control(image: np.ndarray, name: str, *, mean_tolerance: float = 1.5,
                           pixel_fraction: float = 0.01) -> None:
    """Compare with ``tests/control/NAME.png``: mean absolute difference under ``mean_tolerance`` (0-255) and
    fewer than ``pixel_fraction`` of pixels off by more than 48. ``RIEMANN_NN_UPDATE_CONTROLS=1`` rewrites
    the control (look at it before committing)."""
    path = CONTROL_DIR / f"{name}.png"
    if UPDATE:
        CONTROL_DIR.mkdir(exist_ok=True)
        Image.fromarray(image).save(path)
    assert path.is_file(), f"no control frame {path}; render it with RIEMANN_NN_UPDATE_CONTROLS=1 and look at it"
    control = np.asarray(Image.open(path).convert("RGB"))
    assert control.shape == image.shape
    difference = np.abs(control.astype(int) - image.astype(int))
    assert difference.mean() <= mean_tolerance, f"{name}: mean difference {difference.mean():.2f}"
    assert (difference.max(axis=-1) > 48).mean() <= pixel_fraction, f"{name}: too many changed pixels"
