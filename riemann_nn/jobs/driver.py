"""Manim's own ``render`` command, run in this process with two hooks; the entry point of every render process.

    python -m riemann_nn.jobs.driver REPORT.json render -ql -n 10,19 --media_dir DIR scene.py

1. A play that Manim skips (before ``-n a``) is not drawn. Manim still draws every skipped play twice
   (its static mobjects in ``save_static_frame_data``, and one frame in ``play_internal``, or the frozen
   frame of a wait; only ``add_frame`` checks the skip flag): frames nobody sees, so a chunk that starts late
   in a scene would pay two full-size frames per earlier play. Not drawing them is safe because every frame
   that is written starts from a reset camera or a fresh static image (``update_frame``).
2. Every play is recorded (its run time, whether it is a frozen wait, the frames Manim writes for it), with
   the seconds from the start of this process to its first play (imports and the scene's set-up) and to the
   first frame written, so the parent can balance chunks by frames (``--format none -n 1000000000`` makes a
   cheap counting pass: nothing drawn, nothing written) and measure the start-up cost of a chunk.

The report is a JSON file written when Manim returns (also after an error, for what was played).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()


def frames_of_play(run_time: float, frozen: bool, frame_rate: float) -> int:
    """The frames Manim writes for one play: ``int(run_time / dt)`` for a frozen wait
    (``CairoRenderer.freeze_current_frame``), else one per step of ``np.arange(0, run_time, dt)``
    (``Scene.get_time_progression``); a wait with a stop condition may end sooner."""
    import numpy as np

    step = 1 / frame_rate
    return int(run_time / step) if frozen else len(np.arange(0, run_time, step))


def install_hooks(report: dict) -> None:
    """Patch Manim's Cairo renderer: skipped plays are not drawn; plays and the first frame are recorded."""
    from manim import config
    from manim.renderer.cairo_renderer import CairoRenderer

    play, update_frame, add_frame = CairoRenderer.play, CairoRenderer.update_frame, CairoRenderer.add_frame

    def recording_play(self, scene, *args, **kwargs):
        if report["first_play_seconds"] is None:  # the scene's set-up (loading the run, building mobjects) ends
            report["first_play_seconds"] = time.perf_counter() - STARTED
        play(self, scene, *args, **kwargs)
        frozen = bool(scene.is_current_animation_frozen_frame())
        report["plays"].append(
            {
                "run_time": float(scene.duration),
                "frozen": frozen,
                "frames": frames_of_play(scene.duration, frozen, config.frame_rate),
            }
        )

    def update_frame_unless_skipped(self, scene, *args, **kwargs):
        if not self.skip_animations:
            update_frame(self, scene, *args, **kwargs)

    def timed_add_frame(self, frame, num_frames=1):
        if not self.skip_animations:
            if report["first_frame_seconds"] is None:
                report["first_frame_seconds"] = time.perf_counter() - STARTED
            report["frames_written"] += num_frames
        add_frame(self, frame, num_frames)

    CairoRenderer.play = recording_play  # type: ignore[method-assign]
    CairoRenderer.update_frame = update_frame_unless_skipped  # type: ignore[method-assign]
    CairoRenderer.add_frame = timed_add_frame  # type: ignore[method-assign]


def main(argv: list[str]) -> int:
    report_path, manim_args = Path(argv[0]), argv[1:]
    report = {
        "plays": [],
        "frames_written": 0,
        "import_seconds": None,
        "first_play_seconds": None,
        "first_frame_seconds": None,
        "frame_rate": None,
        "seconds": None,
        "pid": os.getpid(),
    }
    import manim.__main__
    from manim import config

    install_hooks(report)
    report["import_seconds"] = time.perf_counter() - STARTED
    code = 0
    try:
        manim.__main__.main(args=manim_args, prog_name="manim")  # click ends it with SystemExit
    except SystemExit as exit_:
        if isinstance(exit_.code, str):  # a scene's one-line error (``scene_run``): say it, as Python would
            print(exit_.code, file=sys.stderr)
        code = exit_.code if isinstance(exit_.code, int) else 0 if exit_.code is None else 1
    except KeyboardInterrupt:  # Ctrl-C reaches every process of the terminal: the parent says it, once
        code = 130
    finally:
        report["frame_rate"] = float(config.frame_rate)
        report["seconds"] = time.perf_counter() - STARTED
        report_path.write_text(json.dumps(report))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
