"""Runs kept on disk, keyed by everything that determines them: train once, then load."""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path

from ._version import __version__
from .config import RunConfig
from .errors import ConfigError, RiemannNNWarning, RunFileError
from .export import EXPORT_GENERATION, build_run, file_digest
from .outputs import check_output
from .places import media_root
from .run import VERSION, Run, load_run, save_run

DEFAULT_CACHE = Path("media") / "runs"  # under a render worker's workspace (jobs.executors)


def default_cache_dir() -> Path:
    """Where cached runs live: ``$RIEMANN_NN_CACHE`` if set, else ``media/runs`` of the repository when working
    inside it, else ``runs`` in the user's cache folder (``places.media_root``): never the current directory."""
    return Path(os.environ.get("RIEMANN_NN_CACHE") or media_root() / "runs")


def cache_key(config: RunConfig) -> str:
    """A short digest of everything that determines the Run (a CSV's content included)."""
    payload = {
        "config": config.to_dict(),
        "run_version": VERSION,
        "riemann_nn": __version__,
        "export": EXPORT_GENERATION,
    }
    if config.dataset.csv is not None:
        payload["csv_sha256"] = file_digest(config.dataset.csv)
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:12]


def cached_run_path(config: RunConfig, *, cache_dir: str | Path | None = None) -> Path:
    """Where the cached Run of ``config`` lives (or will), in ``cache_dir`` or else ``default_cache_dir()``."""
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return folder / f"{config.name}-{cache_key(config)}.npz"


def load_or_train(config: RunConfig, *, cache_dir: str | Path | None = None, progress: bool = True) -> Run:
    """The cached Run of ``config`` (in ``cache_dir``, else ``default_cache_dir()``) if there is one, else train
    it now and cache it. A cached file that does not load (corrupt, truncated) is trained again, with one
    ``RiemannNNWarning``."""
    if not isinstance(config, RunConfig):
        raise ConfigError(f"load_or_train needs a RunConfig, got {type(config).__name__}")
    path = cached_run_path(config, cache_dir=cache_dir)
    if path.is_file():
        try:
            return load_run(path)
        except RunFileError as error:  # a damaged cache entry is no reason to stop: make it again
            warnings.warn(f"cached run {error}; training it again", RiemannNNWarning, stacklevel=2)
    check_output(path, create_parent=True)  # a cache that cannot be written fails before training, not after
    run = build_run(config, progress=progress)
    save_run(run, path)
    return run


def load_or_build(name: str, payload: dict, build, *, cache_dir: str | Path | None = None) -> Run:
    """The cached Run ``<name>-<key>.npz`` (``key`` a digest of ``payload``, the version and the export
    generation), else ``build()`` it now and cache it; a damaged cached file is built again with one
    ``RiemannNNWarning``. For runs no ``RunConfig`` describes (made from arrays, from another run's data)."""
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    stamp = {"payload": payload, "run_version": VERSION, "riemann_nn": __version__, "export": EXPORT_GENERATION}
    key = hashlib.sha256(json.dumps(stamp, sort_keys=True).encode()).hexdigest()[:12]
    path = folder / f"{name}-{key}.npz"
    if path.is_file():
        try:
            return load_run(path)
        except RunFileError as error:
            warnings.warn(f"cached run {error}; building it again", RiemannNNWarning, stacklevel=2)
    check_output(path, create_parent=True)
    run = build()
    save_run(run, path)
    return run
