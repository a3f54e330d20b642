"""riemann-nn: deep width-2 networks as chains of coordinate systems, with their pulled-back metrics.

The public surface is a handful of verbs and the configuration classes; everything else is internal::

    import riemann_nn as rn
    run = rn.load_or_train(rn.get_preset("seed-spirals"))   # train once, cached under media/runs/
    run.x[3]                # the data in layer 3's coordinates, (N, 2)
    rn.save_run(run, "spirals.npz")
    mine = rn.run_from_module(my_trained_sequential, x, y)   # your own torch network on your data
    yours = rn.run_from_arrays(x, y, standardize=True)      # train on arrays in memory, labels of any two values
    rn.make_video(mine, "talk/mine.mp4")                     # riemann-nn render, from Python

Verbs that train or differentiate (and so load torch) are imported on first use, so that reading and
rendering Run files starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .config import DatasetConfig, GeometryConfig, ModelConfig, RunConfig, TrainConfig
from .data import load_csv, make_dataset
from .errors import ConfigError, DataError, RiemannNNError, RunFileError, TrainingError
from .presets import PRESETS, get_preset
from .run import Run, load_run, save_run

if TYPE_CHECKING:
    from .cache import load_or_train
    from .export import build_run, run_from_arrays
    from .geodesic import shortest_path
    from .jobs import make_video
    from .modules import Residual, SecondOrder
    from .user_model import run_from_callables, run_from_module

_LAZY = {
    "build_run": "export",
    "load_or_train": "cache",
    "shortest_path": "geodesic",
    "run_from_arrays": "export",
    "run_from_module": "user_model",
    "run_from_callables": "user_model",
    "Residual": "modules",
    "SecondOrder": "modules",
    "make_video": "jobs",
}

__all__ = [
    "PRESETS",
    "ConfigError",
    "DataError",
    "DatasetConfig",
    "GeometryConfig",
    "ModelConfig",
    "Residual",
    "RiemannNNError",
    "Run",
    "RunConfig",
    "RunFileError",
    "SecondOrder",
    "TrainConfig",
    "TrainingError",
    "__version__",
    "build_run",
    "get_preset",
    "load_csv",
    "load_or_train",
    "load_run",
    "make_dataset",
    "make_video",
    "run_from_arrays",
    "run_from_callables",
    "run_from_module",
    "save_run",
    "shortest_path",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'riemann_nn' has no attribute {name!r}")
