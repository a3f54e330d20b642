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


def assert_matches_control(
    image: np.ndarray, name: str, *, mean_tolerance: float = 1.5, pixel_fraction: float = 0.01
) -> None:
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


ROOT = Path(__file__).resolve().parent.parent
TINY = {"pixel_width": 128, "pixel_height": 72, "frame_rate": 5}


def load_scene_module(name: str):
    """The module of the scene NAME (``riemann_nn/scenes/NAME.py``), loaded afresh from its file."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"scene_{name}", ROOT / "riemann_nn" / "scenes" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def decode(path: Path) -> np.ndarray:
    """Every frame of a video: (T, height, width, 3) uint8."""
    import av

    with av.open(str(path)) as container:
        return np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])


def render_scene(scene_class, media_dir: Path, **settings):
    """Render a scene in-process at 128x72, 5 fps (unless ``settings`` say otherwise) into ``media_dir``:
    (the scene, its movie's path, its duration in seconds)."""
    from manim import tempconfig

    config = {
        **TINY,
        "media_dir": str(media_dir),
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "WARNING",
        **settings,
    }
    with tempconfig(config):
        scene = scene_class()
        scene.render()
        return scene, Path(scene.renderer.file_writer.movie_file_path), scene.renderer.time


def render_tiny(scene_class, media_dir: Path, **settings) -> tuple[np.ndarray, float]:
    """Render a scene in-process at 128x72, 5 fps into ``media_dir``; return its decoded frames and its
    duration, having checked that the MP4 holds exactly the frames the scene played."""
    _, movie, duration = render_scene(scene_class, media_dir, **settings)
    frames = decode(movie)  # (T, 72, 128, 3)
    assert frames.shape[1:] == (TINY["pixel_height"], TINY["pixel_width"], 3)
    assert len(frames) == round(duration * TINY["frame_rate"])
    return frames, duration


def read_cues(path: Path) -> list[tuple[float, float, str]]:
    """The cues of a WebVTT file: (start, end, text) in seconds, text lines joined by spaces."""
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    assert blocks[0].startswith("WEBVTT")
    cues = []
    for block in blocks[1:]:
        lines = block.strip().splitlines()
        if not lines:
            continue
        start, end = (_seconds(stamp) for stamp in lines[1].split(" --> "))
        cues.append((start, end, " ".join(lines[2:])))
    return cues


def _seconds(stamp: str) -> float:
    hours, minutes, seconds = stamp.split(":")
    return 3600 * int(hours) + 60 * int(minutes) + float(seconds)


def lit_fraction(frames: np.ndarray, background: np.ndarray | None = None) -> np.ndarray:
    """Per frame, the fraction of pixels clearly unlike the background (the first frame's corner): (T,)."""
    background = frames[0, 0, 0] if background is None else background
    return (np.abs(frames.astype(int) - background.astype(int)).max(axis=-1) > 40).mean(axis=(-2, -1))


def mean_change(frames: np.ndarray) -> np.ndarray:
    """Mean absolute change between consecutive frames: (T-1,)."""
    return np.abs(np.diff(frames.astype(int), axis=0)).mean(axis=(1, 2, 3))


def smallest_letter_pixels(mobject, *, pixel_height: int = 480) -> float:
    """The height in pixels, on a frame ``pixel_height`` tall, of the smallest letter of a typeset mobject (its
    ``label`` or ``formula`` paths): every outline not inside another's box is a glyph; letters are the glyphs at
    least 0.7 times as tall as the median glyph (punctuation, bars and dots are not)."""
    from manim import config

    boxes = []
    for part in mobject.family_members_with_points():
        for path in part.get_subpaths():
            boxes.append(np.concatenate([path[:, :2].min(axis=0), path[:, :2].max(axis=0)]))
    boxes = np.array(boxes)  # (B, 4): x0, y0, x1, y1
    inside = (
        (boxes[:, None, 0] >= boxes[None, :, 0] - 1e-9)
        & (boxes[:, None, 1] >= boxes[None, :, 1] - 1e-9)
        & (boxes[:, None, 2] <= boxes[None, :, 2] + 1e-9)
        & (boxes[:, None, 3] <= boxes[None, :, 3] + 1e-9)
    )
    np.fill_diagonal(inside, False)
    glyphs = boxes[~inside.any(axis=1)]
    heights = glyphs[:, 3] - glyphs[:, 1]
    letters = heights[heights >= 0.7 * np.median(heights)]
    return float(letters.min() * pixel_height / config.frame_height)


def fade_to(animation, alpha: float):
    """Step a fade (``FadeIn``/``FadeOut`` of a mobject with updaters) to ``alpha`` as a scene does each frame:
    the animation's other mobjects (the faded copy it interpolates from or towards) are updated, then it
    interpolates. Returns the animated mobject."""
    animation.begin()
    animation.update_mobjects(0.1)
    animation.interpolate(alpha)
    return animation.mobject
