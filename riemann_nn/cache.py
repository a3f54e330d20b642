"""Runs kept on disk, keyed by everything that determines them: train once, then load."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ._version import __version__
from .config import RunConfig
from .export import EXPORT_GENERATION, build_run, file_digest
from .run import VERSION, Run, load_run, save_run

DEFAULT_CACHE = Path("media") / "runs"


def cache_key(config: RunConfig) -> str:
    """A short digest of everything that determines the Run (a CSV's content included)."""
    payload = {"config": config.to_dict(), "run_version": VERSION, "riemann_nn": __version__,
               "export": EXPORT_GENERATION}
    if config.dataset.csv is not None:
        payload["csv_sha256"] = file_digest(config.dataset.csv)
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:12]


def cached_run_path(config: RunConfig, *, cache_dir: str | Path = DEFAULT_CACHE) -> Path:
    """Where the cached Run of ``config`` lives (or will)."""
    return Path(cache_dir) / f"{config.name}-{cache_key(config)}.npz"


def load_or_train(config: RunConfig, *, cache_dir: str | Path = DEFAULT_CACHE, progress: bool = True) -> Run:
    """The cached Run of ``config`` if there is one, else train it now and cache it."""
    path = cached_run_path(config, cache_dir=cache_dir)
    if path.is_file():
        return load_run(path)
    run = build_run(config, progress=progress)
    save_run(run, path)
    return run
