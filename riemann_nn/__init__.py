"""riemann-nn: deep width-2 networks as chains of coordinate systems, with their pulled-back metrics.

The public surface is a handful of verbs; everything else is internal.
"""

from .data import load_csv, make_dataset
from .errors import RiemannNNError
from .pipeline import __version__, build_run, load_or_train
from .presets import PRESETS, RunConfig, get_preset
from .run import Run, load_run, save_run

__all__ = [
    "PRESETS", "Run", "RunConfig", "RiemannNNError", "__version__", "build_run", "get_preset",
    "load_csv", "load_or_train", "load_run", "make_dataset", "save_run",
]
