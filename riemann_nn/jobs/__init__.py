"""Render jobs: one video in one process or in chunks on every core, many videos in a batch, on this machine
or on a Dask cluster; every render in a private folder, its result moved into place atomically.

Manim runs only in child processes (``riemann_nn.jobs.driver``); importing this package imports neither
manim nor torch.
"""

from .job import QUALITY_FOLDERS, RenderJob, default_output, job_from_options, resolve_scene_file
from .render import RenderResult, make_video, plan_chunks, render_video

__all__ = [
    "QUALITY_FOLDERS",
    "RenderJob",
    "RenderResult",
    "default_output",
    "job_from_options",
    "make_video",
    "plan_chunks",
    "render_video",
    "resolve_scene_file",
]
