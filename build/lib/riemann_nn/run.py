"""The Run: one self-describing ``.npz`` file (DESIGN.md, "The Run file").

Saved atomically (a temporary file renamed into place) and loaded with ``allow_pickle=False``; loading
checks the schema, the version, every key's shape and dtype, and says precisely what is wrong.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from .errors import RunFileError

SCHEMA = "riemann-nn/run"
VERSION = 1

FLOAT_KEYS = ("x", "grid", "sites", "jacobian", "metric", "ellipse", "weight", "bias",
              "head_weight", "head_bias", "loss", "accuracy")


@dataclass(frozen=True)
class Run:
    """Everything exported about one trained network. Shapes: L layers, N points, R grid lines of S samples,
    M glyph sites, I training iterations."""

    meta: dict
    x: np.ndarray  # (L+1, N, 2) data in every layer's coordinates
    y: np.ndarray  # (N,) int labels 0/1
    grid: np.ndarray  # (L+1, R, S, 2) coordinate lines of the input, mapped through the layers
    sites: np.ndarray  # (L+1, M, 2) glyph sites in every layer
    jacobian: np.ndarray  # (L+1, M, 2, 2) chart Jacobians J_l
    metric: np.ndarray  # (L+1, M, 2, 2) g_l in layer-l coordinates
    ellipse: np.ndarray  # (L+1, M, 3) major, minor, angle
    weight: np.ndarray  # (L, 2, 2)
    bias: np.ndarray  # (L, 2)
    head_weight: np.ndarray  # (2,)
    head_bias: np.ndarray  # ()
    loss: np.ndarray  # (I,)
    accuracy: np.ndarray  # (I,)
    degenerate: np.ndarray  # (L+1, M) bool: the layer-l chart collapsed at this site
    clipped: np.ndarray  # (L+1, M) bool: the glyph's axes were clipped to max_axis
    # Optional keys (files of older builds lack them): the decision boundary logit = 0, traced in the input
    # and mapped through every layer, as packed polylines (riemann_nn.level_sets.pack).
    boundary: np.ndarray | None = None  # (L+1, P, 2)
    boundary_offsets: np.ndarray | None = None  # (K+1,) int: polyline k is boundary[:, o[k]:o[k+1]]
    # (L+1, M) bool: the metric glyph is unbounded there (the chart collapsed or g_l has a kernel). Files of
    # older builds lack it; it is then derived from the Jacobians (``metric.unbounded_glyphs``).
    unbounded: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.unbounded is None:
            from .metric import unbounded_glyphs

            object.__setattr__(self, "unbounded", unbounded_glyphs(np.asarray(self.jacobian, float)))

    @property
    def depth(self) -> int:
        return int(self.weight.shape[0])

    @property
    def scheme(self) -> str:
        return self.meta["model"]["scheme"]

    @property
    def activation(self) -> str:
        return self.meta["model"]["activation"]

    @property
    def dt(self) -> float:
        return float(self.meta["model"]["dt"])

    @property
    def name(self) -> str:
        return self.meta.get("name", "run")

    def boundary_polylines(self, layer: int) -> list[np.ndarray]:
        """The decision boundary's components in layer ``layer``'s coordinates (empty for older files)."""
        if self.boundary is None:
            return []
        from .level_sets import unpack

        return unpack(self.boundary[layer], self.boundary_offsets)

    def logits(self, last_layer_points: np.ndarray) -> np.ndarray:
        """The head's logits of points (..., 2) in last-layer coordinates."""
        return last_layer_points @ self.head_weight + self.head_bias


def _expected_shapes(run_arrays: dict) -> dict[str, tuple]:
    """Shapes every key must have, derived from ``weight`` (L), ``y`` (N), ``grid`` (R, S), ``sites`` (M), ``loss`` (I)."""
    depth = run_arrays["weight"].shape[0]
    n = run_arrays["y"].shape[0]
    _, r, s, _ = run_arrays["grid"].shape
    m = run_arrays["sites"].shape[1]
    i = run_arrays["loss"].shape[0]
    return {
        "x": (depth + 1, n, 2), "y": (n,), "grid": (depth + 1, r, s, 2), "sites": (depth + 1, m, 2),
        "jacobian": (depth + 1, m, 2, 2), "metric": (depth + 1, m, 2, 2), "ellipse": (depth + 1, m, 3),
        "weight": (depth, 2, 2), "bias": (depth, 2), "head_weight": (2,), "head_bias": (),
        "loss": (i,), "accuracy": (i,), "degenerate": (depth + 1, m), "clipped": (depth + 1, m),
    }


_RANKS = {"weight": 3, "y": 1, "grid": 4, "sites": 3, "loss": 1}
OPTIONAL_KEYS = ("boundary", "boundary_offsets")
DERIVED_KEYS = ("unbounded",)  # stored, but derivable when a file lacks them
ARRAY_KEYS = tuple(f.name for f in fields(Run) if f.name not in ("meta", *OPTIONAL_KEYS, *DERIVED_KEYS))


def validate(arrays: dict, meta: dict, *, source: str = "run") -> None:
    """Raise ``RunFileError`` naming the first key whose presence, shape, dtype or values are wrong."""
    if meta.get("schema") != SCHEMA:
        raise RunFileError(f"{source}: not a riemann-nn Run file (schema {meta.get('schema')!r})")
    if meta.get("version") != VERSION:
        raise RunFileError(f"{source}: Run file version {meta.get('version')!r}; this riemann-nn reads version {VERSION}")
    for section, keys in {"model": ("scheme", "activation", "depth", "dt"), "ellipse": ("convention", "scale", "max_axis")}.items():
        if not isinstance(meta.get(section), dict):
            raise RunFileError(f"{source}: meta.{section} must be a JSON object")
        for key in keys:
            if key not in meta[section]:
                raise RunFileError(f"{source}: meta is missing {section}.{key}")
    missing = [key for key in ARRAY_KEYS if key not in arrays]
    if missing:
        raise RunFileError(f"{source}: missing key(s) {', '.join(missing)}")
    for key, rank in _RANKS.items():
        if arrays[key].ndim != rank:
            raise RunFileError(f"{source}: key {key!r} has {arrays[key].ndim} dimensions, expected {rank}")
    for key, shape in _expected_shapes(arrays).items():
        if arrays[key].shape != shape:
            raise RunFileError(f"{source}: key {key!r} has shape {arrays[key].shape}, expected {shape}")
    for key in FLOAT_KEYS:
        if arrays[key].dtype.kind != "f":
            raise RunFileError(f"{source}: key {key!r} has dtype {arrays[key].dtype}, expected a float dtype")
        if not np.isfinite(arrays[key]).all():
            raise RunFileError(f"{source}: key {key!r} holds NaN or infinite values")
    if arrays["y"].dtype.kind not in "iu" or not np.isin(arrays["y"], (0, 1)).all():
        raise RunFileError(f"{source}: key 'y' must hold integer labels 0 and 1")
    for key in ("degenerate", "clipped", *(k for k in DERIVED_KEYS if k in arrays)):
        if arrays[key].shape != arrays["degenerate"].shape:
            raise RunFileError(f"{source}: key {key!r} has shape {arrays[key].shape}, expected {arrays['degenerate'].shape}")
        if arrays[key].dtype != bool:
            raise RunFileError(f"{source}: key {key!r} has dtype {arrays[key].dtype}, expected bool")
    if meta["model"]["depth"] != arrays["weight"].shape[0]:
        raise RunFileError(f"{source}: meta says depth {meta['model']['depth']} but 'weight' holds {arrays['weight'].shape[0]} layers")
    _validate_boundary(arrays, source)


def _validate_boundary(arrays: dict, source: str) -> None:
    present = [key for key in OPTIONAL_KEYS if arrays.get(key) is not None]
    if not present:
        return
    if len(present) != len(OPTIONAL_KEYS):
        raise RunFileError(f"{source}: 'boundary' and 'boundary_offsets' come together; only {present[0]!r} is there")
    boundary, offsets = arrays["boundary"], arrays["boundary_offsets"]
    depth = arrays["weight"].shape[0]
    if boundary.ndim != 3 or boundary.shape[0] != depth + 1 or boundary.shape[2] != 2:
        raise RunFileError(f"{source}: key 'boundary' has shape {boundary.shape}, expected ({depth + 1}, P, 2)")
    if boundary.dtype.kind != "f" or not np.isfinite(boundary).all():
        raise RunFileError(f"{source}: key 'boundary' must hold finite floats")
    if (offsets.ndim != 1 or offsets.dtype.kind not in "iu" or len(offsets) < 1 or offsets[0] != 0
            or offsets[-1] != boundary.shape[1] or (np.diff(offsets) < 0).any()):
        raise RunFileError(f"{source}: key 'boundary_offsets' must rise from 0 to {boundary.shape[1]}")


def save_run(run: Run, path: str | Path) -> Path:
    """Write ``run`` to ``path`` (.npz) atomically: a reader sees the old file or the new one, never half."""
    path = Path(path)
    arrays = {key: np.asarray(getattr(run, key)) for key in ARRAY_KEYS}
    arrays.update({key: np.asarray(getattr(run, key)) for key in OPTIONAL_KEYS + DERIVED_KEYS
                   if getattr(run, key) is not None})
    validate(arrays, run.meta, source=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False)
    try:
        with handle:
            np.savez_compressed(handle, meta=np.array(json.dumps(run.meta, sort_keys=True)), **arrays)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return path


def load_run(path: str | Path) -> Run:
    """Read and validate a Run file. Raises ``RunFileError`` saying what is wrong with it."""
    path = Path(path)
    if not path.is_file():
        raise RunFileError(f"{path}: no such Run file")
    with path.open("rb") as handle:
        if handle.read(4) != b"PK\x03\x04":  # every .npz is a zip archive
            raise RunFileError(f"{path}: not a .npz Run file (no zip header)")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}  # read everything now: truncation shows here
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError, zipfile.LargeZipFile) as error:
        raise RunFileError(f"{path}: not a readable .npz Run file ({type(error).__name__}: {error})") from None
    if "meta" not in arrays:
        raise RunFileError(f"{path}: missing key 'meta'; not a riemann-nn Run file")
    try:
        meta = json.loads(str(arrays.pop("meta")[()]))
    except (json.JSONDecodeError, IndexError, TypeError) as error:
        raise RunFileError(f"{path}: 'meta' is not valid JSON ({error})") from None
    if not isinstance(meta, dict):
        raise RunFileError(f"{path}: 'meta' must be a JSON object")
    validate(arrays, meta, source=str(path))
    return Run(meta=meta, **{key: arrays[key] for key in ARRAY_KEYS + OPTIONAL_KEYS + DERIVED_KEYS if key in arrays})
