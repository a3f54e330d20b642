"""Wall time of the default video, ``manim -ql scenes/transform.py``, without and with the cached Run.

    .venv/bin/python benchmarks/bench_render.py

    .venv/bin/python benchmarks/bench_render.py --preset seed-spirals

Runs manim as a subprocess from the repository root, with ``RIEMANN_NN_PRESET`` set to the scene's own
default preset (``default_preset`` of the scene class in scenes/transform.py) unless ``--preset`` says
otherwise, twice:
1. with no cached Run: the one cache file of that preset (``cached_run_path(get_preset(name))``, under
   media/runs/) is deleted first, so the scene trains it again and re-caches it; nothing else under media/
   is touched;
2. with the Run cached (the file the first render wrote).
Each render writes its video to a fresh temporary ``--media_dir``, so media/videos is left alone and manim's
own partial-movie cache is cold both times: the difference between the two is the training.

Prints, never asserts. Targets: first render under 60 s, cached under 45 s, video 30-60 s long.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, footer, header, verdict

SCENE = "scenes/transform.py"
FIRST_TARGET_S, CACHED_TARGET_S = 60.0, 45.0
DURATION_TARGET_S = (30.0, 60.0)


def scene_default_preset() -> str:
    """``default_preset`` of the Scene class in scenes/transform.py (the package's default if it has none)."""
    from manim import Scene

    from riemann_nn.render.story import DEFAULT_PRESET

    spec = importlib.util.spec_from_file_location("bench_render_scene", ROOT / SCENE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    scenes = [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Scene) and value.__module__ == module.__name__
    ]
    return getattr(scenes[0], "default_preset", DEFAULT_PRESET) if len(scenes) == 1 else DEFAULT_PRESET


def render(media_dir: Path, preset: str) -> tuple[float, Path]:
    """Render the default scene at low quality into ``media_dir``: wall seconds and the video's path."""
    manim = Path(sys.executable).with_name("manim")
    env = {key: value for key, value in os.environ.items() if not key.startswith("RIEMANN_NN_")}
    env["RIEMANN_NN_PRESET"] = preset
    command = [str(manim), "-ql", "--media_dir", str(media_dir), "--progress_bar", "none", SCENE]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    videos = sorted(media_dir.rglob("*.mp4"))
    if done.returncode != 0 or not videos:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-25:])
        raise SystemExit(f"bench_render: `{' '.join(command)}` failed (exit {done.returncode}):\n{tail}")
    return seconds, max(videos, key=lambda path: path.stat().st_size)


def video_facts(path: Path) -> tuple[float, int, str]:
    """Duration in seconds (from the frame count and rate), frame count and 'WxH @ fps' of an MP4."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = stream.frames or sum(1 for _ in container.demux(stream) if _.size)
        rate = stream.average_rate or stream.guessed_rate
        return frames / float(rate), frames, f"{stream.width}x{stream.height} @ {float(rate):g} fps"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", help="the preset to render (default: the scene's default_preset)")
    args = parser.parse_args()
    from riemann_nn.cache import cached_run_path
    from riemann_nn.presets import get_preset

    header("bench_render: manim -ql scenes/transform.py")
    preset = args.preset or scene_default_preset()
    source = "--preset" if args.preset else "the scene's default_preset"
    cache_file = ROOT / cached_run_path(get_preset(preset))
    print(f"preset {preset} ({source}); its cached Run: {cache_file.relative_to(ROOT)}")
    if cache_file.exists():
        cache_file.unlink()
        print("deleted it (only that file) so the first render trains the network")

    rows = []
    with tempfile.TemporaryDirectory(prefix="riemann-nn-bench-") as tmp:
        for label, target in (("first (no cached Run)", FIRST_TARGET_S), ("cached Run", CACHED_TARGET_S)):
            seconds, video = render(Path(tmp) / label.split()[0], preset)
            rows.append((label, seconds, target))
            print(f"{label:<22} {seconds:>7.1f} s   target < {target:g} s   {verdict(seconds, target)}")
        duration, frames, shape = video_facts(video)
    low, high = DURATION_TARGET_S
    ok = "ok" if low <= duration <= high else "OUT OF RANGE"
    print(f"{'video duration':<22} {duration:>7.1f} s   target {low:g}-{high:g} s   {ok}   ({frames} frames, {shape})")
    print(f"training share of the first render: {rows[0][1] - rows[1][1]:.1f} s")
    print(f"cached Run re-written: {'yes' if cache_file.exists() else 'NO'}")
    footer()


if __name__ == "__main__":
    main()
