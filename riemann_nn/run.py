"""The Run: one self-describing ``.npz`` file (DESIGN.md, "The Run file").

Saved atomically (``outputs.atomic_write``) and loaded with ``allow_pickle=False``. Loading trusts nothing in
the file: the zip directory and every ``.npy`` header are read first, and declared sizes are checked against
the file's own size before anything is decompressed (a small file never makes us allocate gigabytes, a zip
bomb is refused); members we do not know are never read. Then every key's shape and dtype, the arrays against
each other, and every ``meta`` field the code reads (types, ranges, nesting) are validated. Every problem is a
``RunFileError`` that says precisely what is wrong.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from .checkpoints import RUN_KEYS as CHECKPOINT_KEYS
from .checkpoints import Checkpoints
from .config import ACTIVATIONS, CONVENTIONS, MAX_SEED, SCHEMES, WIDTHS, check_name
from .errors import ConfigError, RunFileError
from .outputs import atomic_write

SCHEMA = "riemann-nn/run"
# 2: networks of width 3 (coordinates, Jacobians and metrics of 3-space, meta.model.width); a version-1 file is
# a width-2 run and reads as before.
VERSION = 2
READABLE_VERSIONS = (1, 2)

# The scheme of a Run made from a user's network that is not of the built-in form ``act(W x + b)`` stepped by
# c0/c1/c2 (other activations, other layers, callables): its file holds the coordinates, Jacobians, metric and
# boundary exported when it was made, but no ``weight``/``bias``, so nothing that needs the network itself can be
# recomputed from it.
CUSTOM_SCHEME = "custom"
RUN_SCHEMES = (*SCHEMES, CUSTOM_SCHEME)
NETWORK_KEYS = ("weight", "bias")  # the built-in layers' parameters: in every Run but a custom one
MAX_TITLE_LENGTH = 200
MAX_CLASS_NAME_LENGTH = 60

FLOAT_KEYS = (
    "x",
    "grid",
    "sites",
    "jacobian",
    "metric",
    "ellipse",
    "weight",
    "bias",
    "head_weight",
    "head_bias",
    "loss",
    "accuracy",
)

# What a file may claim before we read it. Any file may expand to SMALL_FILE_BUDGET bytes; beyond that, its
# members may declare at most MAX_EXPANSION times the file's size (float data compresses about 1.1x; even a
# net of dead ReLUs, all zeros past layer 0, stays far below 100x, while a zip bomb is ~1000x).
SMALL_FILE_BUDGET = 64 * 2**20
MAX_EXPANSION = 100
MAX_META_CHARACTERS = 1_000_000
MAX_META_DEPTH = 8  # meta.config.dataset.csv is 3 deep


@dataclass(frozen=True)
class Run:
    """Everything exported about one trained network. Shapes: L layers, N points, R grid lines of S samples,
    M glyph sites, I training iterations, d the width (2, or 3: the input (x, y) enters as (x, y, 0), so layer 0
    holds the input plane z = 0 of 3-space; every array then lives in 3-space, and the glyphs are those of the
    input plane's metric, ``metric.plane_ellipses``)."""

    meta: dict
    x: np.ndarray  # (L+1, N, d) data in every layer's coordinates
    y: np.ndarray  # (N,) int labels 0/1
    grid: np.ndarray  # (L+1, R, S, d) coordinate lines of the input, mapped through the layers
    sites: np.ndarray  # (L+1, M, d) glyph sites in every layer
    jacobian: np.ndarray  # (L+1, M, d, d) chart Jacobians J_l (of the input plane: jacobian[..., :2])
    metric: np.ndarray  # (L+1, M, d, d) g_l in layer-l coordinates (the input plane's: metric[0, :, :2, :2])
    ellipse: np.ndarray  # (L+1, M, 3) major, minor, angle (width 3: in the input plane; metric.plane_ellipses)
    weight: np.ndarray | None  # (L, d, d); None for a custom network (scheme "custom")
    bias: np.ndarray | None  # (L, d); None for a custom network
    head_weight: np.ndarray  # (d,)
    head_bias: np.ndarray  # ()
    loss: np.ndarray  # (I,)
    accuracy: np.ndarray  # (I,)
    degenerate: np.ndarray  # (L+1, M) bool: the layer-l chart (of the input plane) collapsed at this site
    clipped: np.ndarray  # (L+1, M) bool: the glyph's axes were clipped to max_axis
    # Optional keys (files of older builds lack them): the decision boundary logit = 0, traced in the input
    # and mapped through every layer, as packed polylines (riemann_nn.level_sets.pack).
    boundary: np.ndarray | None = None  # (L+1, P, d)
    boundary_offsets: np.ndarray | None = None  # (K+1,) int: polyline k is boundary[:, o[k]:o[k+1]]
    # (L+1, M) bool: the metric glyph is unbounded there (the chart collapsed or g_l has a kernel). Files of
    # older builds lack it; it is then derived from the Jacobians (``metric.unbounded_glyphs``).
    unbounded: np.ndarray | None = None
    # Optional: K parameter snapshots through training (TrainConfig.checkpoints; checkpoints.py recomputes
    # coordinates, metrics and the boundary from them). All seven or none.
    checkpoint_iteration: np.ndarray | None = None  # (K,) int, rising from 0 to meta.training.iterations
    checkpoint_weight: np.ndarray | None = None  # (K, L, 2, 2)
    checkpoint_bias: np.ndarray | None = None  # (K, L, 2)
    checkpoint_head_weight: np.ndarray | None = None  # (K, 2)
    checkpoint_head_bias: np.ndarray | None = None  # (K,)
    checkpoint_loss: np.ndarray | None = None  # (K,)
    checkpoint_accuracy: np.ndarray | None = None  # (K,)

    def __post_init__(self) -> None:
        if self.unbounded is None:
            from .metric import unbounded_glyphs

            object.__setattr__(self, "unbounded", unbounded_glyphs(np.asarray(self.jacobian, float)))

    @property
    def depth(self) -> int:
        return int(self.x.shape[0]) - 1

    @property
    def width(self) -> int:
        """Neurons per layer: 2, or 3 (coordinates in 3-space)."""
        return int(self.x.shape[-1])

    @property
    def scheme(self) -> str:
        return self.meta["model"]["scheme"]

    @property
    def activation(self) -> str:
        """The built-in activation's name; ``custom`` for a custom network (whose layers may differ)."""
        return self.meta["model"].get("activation", CUSTOM_SCHEME)

    @property
    def dt(self) -> float:
        return float(self.meta["model"]["dt"])

    @property
    def name(self) -> str:
        return self.meta.get("name", "run")

    @property
    def is_custom(self) -> bool:
        """Whether the network is a user's own that the file cannot recompute (no ``weight``/``bias``)."""
        return self.scheme == CUSTOM_SCHEME

    @property
    def title(self) -> str:
        """The title to show: ``meta.display.title`` (``--title``), else the run's name."""
        return self.meta.get("display", {}).get("title") or self.name

    @property
    def class_names(self) -> tuple[str, str]:
        """What to call class 0 and class 1 on screen: ``meta.display.classes`` (``--classes``), else the
        user's own labels (``meta.labels.values``: ``benign``, or ``class -1`` for numbers), else
        ``class 0`` and ``class 1``."""
        names = self.meta.get("display", {}).get("classes")
        if names:
            return names[0], names[1]
        values = self.meta.get("labels", {}).get("values", [0, 1])
        shown = [_label_name(value) for value in values]
        if not all(shown) or shown[0] == shown[1]:  # labels that read alike (or as nothing) on screen
            return "class 0", "class 1"
        return shown[0], shown[1]

    def with_words(self, *, title: str | None = None, classes=None) -> Run:
        """A copy showing ``title`` and the class names ``classes`` (two strings, or one "a,b" string) on
        screen; None keeps what the run has. ``ConfigError`` for names that cannot be shown."""
        display = dict(self.meta.get("display", {}))
        if title is not None:
            display["title"] = check_title(title)
        if classes is not None:
            display["classes"] = list(check_class_names(classes))
        meta = {**self.meta, "display": display} if display else self.meta
        return dataclasses.replace(self, meta=meta)

    def network_parameters(self, purpose: str) -> tuple[np.ndarray, np.ndarray]:
        """``weight`` (L, 2, 2) and ``bias`` (L, 2), which ``purpose`` needs; a one-line ``ConfigError`` for a
        custom network, whose file does not hold the network."""
        if self.weight is None or self.bias is None:
            raise ConfigError(
                f"{purpose} needs the network itself, and {self.name} is a custom network (scheme "
                "'custom'): its file holds what was exported when it was made, not the network; "
                "compute it in Python from your module"
            )
        return self.weight, self.bias

    @property
    def checkpoints(self) -> Checkpoints | None:
        """The training snapshots, or None for a run trained without checkpoints."""
        return None if self.checkpoint_iteration is None else Checkpoints.of_run(self)

    def boundary_polylines(self, layer: int) -> list[np.ndarray]:
        """The decision boundary's components in layer ``layer``'s coordinates (empty for older files)."""
        if self.boundary is None or self.boundary_offsets is None:  # validation keeps the two together
            return []
        from .level_sets import unpack

        return unpack(self.boundary[layer], self.boundary_offsets)

    def require_width(self, *widths: int, what: str, instead: str = "") -> None:
        """``ConfigError`` in one line when ``what`` cannot show networks of this run's width (``widths`` it can);
        ``instead`` says what can."""
        if self.width not in widths:
            shown = " or ".join(map(str, widths))
            hint = f" ({instead})" if instead else ""
            raise ConfigError(f"{what} shows width-{shown} networks; {self.name} has width {self.width}{hint}")

    def logits(self, last_layer_points: np.ndarray) -> np.ndarray:
        """The head's logits of points (..., d) in last-layer coordinates."""
        return last_layer_points @ self.head_weight + self.head_bias


def _expected_shapes(run_arrays: dict, width: int) -> dict[str, tuple]:
    """Shapes every key must have, derived from ``x`` (L+1), ``y`` (N), ``grid`` (R, S), ``sites`` (M),
    ``loss`` (I) and the ``width`` (d)."""
    depth = run_arrays["x"].shape[0] - 1
    n = run_arrays["y"].shape[0]
    _, r, s, _ = run_arrays["grid"].shape
    m = run_arrays["sites"].shape[1]
    i = run_arrays["loss"].shape[0]
    d = width
    return {
        "x": (depth + 1, n, d),
        "y": (n,),
        "grid": (depth + 1, r, s, d),
        "sites": (depth + 1, m, d),
        "jacobian": (depth + 1, m, d, d),
        "metric": (depth + 1, m, d, d),
        "ellipse": (depth + 1, m, 3),
        "head_weight": (d,),
        "head_bias": (),
        "loss": (i,),
        "accuracy": (i,),
        "degenerate": (depth + 1, m),
        "clipped": (depth + 1, m),
        **{key: shape for key, shape in (("weight", (depth, d, d)), ("bias", (depth, d))) if key in run_arrays},
    }


_RANKS = {"x": 3, "y": 1, "grid": 4, "sites": 3, "loss": 1}
OPTIONAL_KEYS = ("boundary", "boundary_offsets")
DERIVED_KEYS = ("unbounded",)  # stored, but derivable when a file lacks them
ARRAY_KEYS = tuple(
    f.name for f in fields(Run) if f.name not in ("meta", *OPTIONAL_KEYS, *DERIVED_KEYS, *CHECKPOINT_KEYS)
)


_KINDS = {
    **{key: "f" for key in (*FLOAT_KEYS, "boundary")},
    "y": "iu",
    "boundary_offsets": "iu",
    "degenerate": "b",
    "clipped": "b",
    "unbounded": "b",
    "meta": "U",
    **{key: "f" for key in CHECKPOINT_KEYS},
    "checkpoint_iteration": "iu",
}
_KIND_NAMES = {"f": "a float dtype", "iu": "an integer dtype", "b": "bool", "U": "a string"}


def validate(arrays: dict, meta: dict, *, source: str = "run") -> None:
    """Raise ``RunFileError`` naming the first key or meta field whose presence, type, shape, dtype or values
    are wrong, or that disagrees with the others."""
    if not isinstance(meta, dict):
        raise RunFileError(f"{source}: 'meta' must be a JSON object")
    if meta.get("schema") != SCHEMA:
        raise RunFileError(f"{source}: not a riemann-nn Run file (schema {_short(meta.get('schema'))})")
    version = meta.get("version")
    if isinstance(version, bool) or version not in READABLE_VERSIONS:
        raise RunFileError(
            f"{source}: Run file version {_short(version)}; this riemann-nn reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))}"
        )
    _check_json(meta, "meta", source, depth=0)
    exempt = _network_keys_exempt(arrays, meta, source)
    missing = [key for key in ARRAY_KEYS if key not in arrays and key not in exempt]
    if missing:
        raise RunFileError(f"{source}: missing key(s) {', '.join(missing)}")
    for key, array in arrays.items():
        if not isinstance(array, np.ndarray):
            raise RunFileError(f"{source}: key {key!r} must be a numpy array, got {type(array).__name__}")
    for key, rank in _RANKS.items():
        if arrays[key].ndim != rank:
            raise RunFileError(f"{source}: key {key!r} has {arrays[key].ndim} dimensions, expected {rank}")
    width = _validate_width(arrays, meta, source)
    for key, shape in _expected_shapes(arrays, width).items():
        if arrays[key].shape != shape:
            raise RunFileError(f"{source}: key {key!r} has shape {arrays[key].shape}, expected {shape}")
    for key in (key for key in FLOAT_KEYS if key in arrays):  # weight and bias are not in a custom run
        if arrays[key].dtype.kind != "f":
            raise RunFileError(f"{source}: key {key!r} has dtype {arrays[key].dtype}, expected a float dtype")
        if not np.isfinite(arrays[key]).all():
            raise RunFileError(f"{source}: key {key!r} holds NaN or infinite values")
    if arrays["y"].dtype.kind not in "iu" or not np.isin(arrays["y"], (0, 1)).all():
        raise RunFileError(f"{source}: key 'y' must hold integer labels 0 and 1")
    if np.unique(arrays["y"]).size != 2:  # as data.check_points: at least two points, of both classes
        raise RunFileError(
            f"{source}: key 'y' must hold points of both classes 0 and 1, at least one of each; it "
            f"holds {arrays['y'].size} points, {int(arrays['y'].sum())} of class 1"
        )
    if (arrays["ellipse"][..., :2] < 0).any():
        raise RunFileError(f"{source}: key 'ellipse' holds a negative semi-axis")
    for key in ("degenerate", "clipped", *(k for k in DERIVED_KEYS if k in arrays)):
        if arrays[key].shape != arrays["degenerate"].shape:
            raise RunFileError(
                f"{source}: key {key!r} has shape {arrays[key].shape}, expected {arrays['degenerate'].shape}"
            )
        if arrays[key].dtype != bool:
            raise RunFileError(f"{source}: key {key!r} has dtype {arrays[key].dtype}, expected bool")
    if ((arrays["accuracy"] < 0) | (arrays["accuracy"] > 1)).any() or (arrays["loss"] < 0).any():
        raise RunFileError(f"{source}: the training history must hold losses >= 0 and accuracies in [0, 1]")
    _validate_boundary(arrays, source)
    _validate_meta(meta, arrays, source)
    _validate_input_plane(arrays, source)
    _validate_checkpoints(arrays, meta, source)


def _network_keys_exempt(arrays: dict, meta: dict, source: str) -> tuple[str, ...]:
    """The keys a file need not hold: ``weight`` and ``bias`` for a custom network, which must not hold them
    either (its numbers do not come from them)."""
    model = meta.get("model")
    if not (isinstance(model, dict) and model.get("scheme") == CUSTOM_SCHEME):
        return ()
    extra = [key for key in NETWORK_KEYS if key in arrays]
    if extra:
        raise RunFileError(f"{source}: a custom network's Run holds no {' or '.join(map(repr, extra))}")
    return NETWORK_KEYS


def _validate_boundary(arrays: dict, source: str) -> None:
    present = [key for key in OPTIONAL_KEYS if arrays.get(key) is not None]
    if not present:
        return
    if len(present) != len(OPTIONAL_KEYS):
        raise RunFileError(f"{source}: 'boundary' and 'boundary_offsets' come together; only {present[0]!r} is there")
    boundary, offsets = arrays["boundary"], arrays["boundary_offsets"]
    depth = arrays["x"].shape[0] - 1
    width = arrays["x"].shape[-1]
    if boundary.ndim != 3 or boundary.shape[0] != depth + 1 or boundary.shape[2] != width:
        raise RunFileError(f"{source}: key 'boundary' has shape {boundary.shape}, expected ({depth + 1}, P, {width})")
    if boundary.dtype.kind != "f" or not np.isfinite(boundary).all():
        raise RunFileError(f"{source}: key 'boundary' must hold finite floats")
    if (
        offsets.ndim != 1
        or offsets.dtype.kind not in "iu"
        or len(offsets) < 1
        or offsets[0] != 0
        or offsets[-1] != boundary.shape[1]
        or (np.diff(offsets) < 0).any()
    ):
        raise RunFileError(f"{source}: key 'boundary_offsets' must rise from 0 to {boundary.shape[1]}")


def _validate_width(arrays: dict, meta: dict, source: str) -> int:
    """The width of the run's layers, read off ``weight`` (L, d, d): 2, or 3 from version 2 on; it must agree with
    ``meta.model.width`` where that is given. A custom network's Run has no ``weight``: ``x`` (L+1, N, d) says."""
    if "weight" not in arrays:
        width = arrays["x"].shape[-1]
        if width not in WIDTHS:
            raise RunFileError(f"{source}: key 'x' has shape {arrays['x'].shape}, expected (L+1, N, 2) or (L+1, N, 3)")
        shape = arrays["x"].shape
    else:
        shape = arrays["weight"].shape
        if len(shape) != 3:
            raise RunFileError(f"{source}: key 'weight' has {len(shape)} dimensions, expected 3")
        width = shape[-1]
        if shape[-2] != width or width not in WIDTHS:
            raise RunFileError(f"{source}: key 'weight' has shape {shape}, expected (L, 2, 2) or (L, 3, 3)")
    if width != 2 and meta["version"] < 2:
        raise RunFileError(f"{source}: a version-1 Run file holds a width-2 network, but 'weight' has shape {shape}")
    model = meta.get("model")
    declared = model.get("width", 2) if isinstance(model, dict) else 2
    if declared != width:
        raise RunFileError(
            f"{source}: meta.model.width is {_short(declared)} but 'weight' holds layers of width {width}"
        )
    return width


def _validate_input_plane(arrays: dict, source: str) -> None:
    """A width-3 network sees its input as the plane z = 0: layer 0 of every point array must lie in it."""
    if arrays["x"].shape[-1] == 2:
        return
    for key in ("x", "grid", "sites", "boundary"):
        if arrays.get(key) is not None and (arrays[key][0][..., 2:] != 0).any():
            raise RunFileError(f"{source}: key {key!r} at layer 0 leaves the input plane z = 0 of a width-3 network")


def _validate_checkpoints(arrays: dict, meta: dict, source: str) -> None:
    """The training snapshots: all seven keys or none; K >= 2 of them at strictly rising iterations from 0 to
    meta.training.iterations; each parameter array shaped as the net's, finite; the last equal to the final
    parameters; losses >= 0 and accuracies in [0, 1]."""
    present = [key for key in CHECKPOINT_KEYS if arrays.get(key) is not None]
    if not present:
        return
    if len(present) != len(CHECKPOINT_KEYS):
        missing = [key for key in CHECKPOINT_KEYS if key not in present]
        raise RunFileError(f"{source}: the checkpoint keys come together; {', '.join(missing)} missing")
    iteration = arrays["checkpoint_iteration"]
    if iteration.ndim != 1 or iteration.dtype.kind not in "iu" or len(iteration) < 2:
        raise RunFileError(f"{source}: key 'checkpoint_iteration' must hold at least 2 integer iterations")
    final = meta["training"]["iterations"]
    if iteration[0] != 0 or iteration[-1] != final or (np.diff(iteration) <= 0).any():
        raise RunFileError(
            f"{source}: key 'checkpoint_iteration' must rise strictly from 0 to {final} (meta.training.iterations)"
        )
    count = len(iteration)
    parameters = ("weight", "bias", "head_weight", "head_bias")
    shapes = {
        **{f"checkpoint_{name}": (count, *arrays[name].shape) for name in parameters},
        "checkpoint_loss": (count,),
        "checkpoint_accuracy": (count,),
    }
    for key, shape in shapes.items():
        if arrays[key].shape != shape:
            raise RunFileError(f"{source}: key {key!r} has shape {arrays[key].shape}, expected {shape}")
        if arrays[key].dtype.kind != "f" or not np.isfinite(arrays[key]).all():
            raise RunFileError(f"{source}: key {key!r} must hold finite floats")
    for name in parameters:
        if not np.array_equal(arrays[f"checkpoint_{name}"][-1], arrays[name]):
            raise RunFileError(
                f"{source}: the last checkpoint's {name.replace('_', ' ')} differs from the final {name!r}"
            )
    losses, accuracies = arrays["checkpoint_loss"], arrays["checkpoint_accuracy"]
    if (losses < 0).any() or ((accuracies < 0) | (accuracies > 1)).any():
        raise RunFileError(f"{source}: the checkpoints must hold losses >= 0 and accuracies in [0, 1]")


# ---- meta: every section and field the code reads --------------------------------------------------------

Check = Callable[[Any], bool]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_integer(low: int, high: int = MAX_SEED) -> Check:
    return lambda value: isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _is_choice(choices: tuple[str, ...]) -> Check:
    return lambda value: isinstance(value, str) and value in choices


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _is_positive(value: Any) -> bool:
    return _is_number(value) and value > 0


def _is_non_negative(value: Any) -> bool:
    return _is_number(value) and value >= 0


def _is_fraction(value: Any) -> bool:
    return _is_number(value) and 0 <= value <= 1


def _is_point(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value)


def _is_box(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(_is_point(v) for v in value)
        and value[0][0] < value[1][0]
        and value[0][1] < value[1][1]
    )


def _is_positive_list(value: Any) -> bool:
    return isinstance(value, list) and all(_is_positive(v) for v in value)


def _is_non_negative_list(value: Any) -> bool:
    return isinstance(value, list) and all(_is_non_negative(v) for v in value)


def _is_line(limit: int) -> Check:
    """Text of 1 to ``limit`` characters without control characters (line breaks allowed)."""
    return lambda value: (
        isinstance(value, str)
        and 0 < len(value) <= limit
        and value.strip() != ""
        and not any((ord(c) < 32 and c != "\n") or ord(c) == 127 for c in value)
    )


def _is_class_names(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(_is_line(MAX_CLASS_NAME_LENGTH)(v) for v in value)
        and "\n" not in "".join(value)
        and value[0] != value[1]
    )


def _is_label_pair(value: Any) -> bool:
    """The user's labels of class 0 and class 1: two different numbers, strings or booleans."""
    return (
        isinstance(value, list)
        and len(value) == 2
        and value[0] != value[1]
        and all(isinstance(v, (str, bool)) or _is_number(v) for v in value)
    )


def _is_count_pair(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(_is_integer(1)(v) for v in value)


def _is_text_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _built_in(meta: dict) -> bool:
    """The network is of the built-in form (fields about its activation and step are required)."""
    return meta["model"].get("scheme") != CUSTOM_SCHEME


def _trained_here(meta: dict) -> bool:
    """The network was trained by riemann-nn (an imported one has no iterations, so no seed)."""
    return meta["training"].get("iterations") != 0


Required = bool | Callable[[dict], bool]  # a field required always, never, or when the meta says so

# section -> field -> (check, what it must be, required)
META_FIELDS: dict[str, dict[str, tuple[Check, str, Required]]] = {
    "model": {
        "scheme": (_is_choice(RUN_SCHEMES), f"one of {', '.join(RUN_SCHEMES)}", True),
        "activation": (_is_choice(ACTIVATIONS), f"one of {', '.join(ACTIVATIONS)}", _built_in),
        "depth": (_is_integer(1), "a positive integer", True),
        "dt": (_is_positive, "a finite positive number", _built_in),
        "init_gain": (_is_positive, "a finite positive number", False),
        "width": (_is_integer(2, 3), "2 or 3", False),
        "residual_lipschitz": (_is_non_negative_list, "a list of finite numbers >= 0, one per layer", False),
        "step_lipschitz": (lambda value: _is_positive(value) and value < 1, "a number above 0 and below 1", False),
        # a user's network (run_from_module, riemann-nn import): where it came from and its layers in words
        "source": (_is_text, "a string", False),
        "layers": (_is_text_list, "a list of strings", False),
    },
    "dataset": {
        "source": (_is_text, "a string", False),
        "name": (_is_text, "a string", False),
        "path": (_is_text, "a string", False),
        "sha256": (_is_text, "a string", False),
        "n": (_is_integer(0), "a non-negative integer", False),
        "noise": (_is_non_negative, "a finite number >= 0", False),
        "seed": (_is_integer(0), f"an integer from 0 to {MAX_SEED}", False),
    },
    "training": {
        "accuracy": (_is_fraction, "a number from 0 to 1", True),
        "loss": (_is_non_negative, "a finite number >= 0", True),
        "iterations": (_is_integer(0), "a non-negative integer (0: trained elsewhere)", True),
        "seed": (_is_integer(0), f"an integer from 0 to {MAX_SEED}", _trained_here),
        "lr": (_is_positive, "a finite positive number", False),
        "weight_decay": (_is_non_negative, "a finite number >= 0", False),
        "optimizer": (_is_text, "a string", False),
        "objective": (_is_text, "a string", False),
    },
    "ellipse": {
        "convention": (_is_choice(CONVENTIONS), f"one of {', '.join(CONVENTIONS)}", True),
        "scale": (_is_positive, "a finite positive number", True),
        "max_axis": (_is_positive_list, "a list of finite positive numbers, one per layer", True),
        "max_axis_fraction": (_is_positive, "a finite positive number", False),
        "glyph_size": (_is_positive, "a finite positive number", False),
    },
    "geometry": {
        "bounds": (_is_box, "[[xmin, ymin], [xmax, ymax]] with finite numbers, min < max", True),
        "sites_per_side": (_is_integer(1), "a positive integer", True),
        "grid_lines": (_is_integer(2), "an integer >= 2", True),
        "grid_samples": (_is_integer(2), "an integer >= 2", True),
        "grid_step": (_is_positive, "a finite positive number", False),
        "grid_counts": (_is_count_pair, "[vertical, horizontal]: two positive integers", False),
        "padding": (_is_non_negative, "a finite number >= 0", False),
    },
    # present when the network was trained on standardised data (standardize.py)
    "standardize": {
        "mean": (_is_point, "[x, y] with finite numbers", True),
        "scale": (_is_positive, "a finite positive number", True),
    },
    # present when the data's labels were not 0 and 1: the user's labels of class 0 and class 1
    "labels": {
        "values": (_is_label_pair, "two different labels (numbers, strings or booleans)", True),
    },
    # the user's words on screen (--title, --classes)
    "display": {
        "title": (_is_line(MAX_TITLE_LENGTH), f"text of 1 to {MAX_TITLE_LENGTH} characters", False),
        "classes": (_is_class_names, f"two different one-line names of 1 to {MAX_CLASS_NAME_LENGTH} characters", False),
    },
}
OPTIONAL_SECTIONS = ("standardize", "labels", "display")
TOP_FIELDS: dict[str, tuple[Check, str]] = {
    "description": (_is_text, "a string"),
    "riemann_nn_version": (_is_text, "a string"),
    "config": (lambda value: isinstance(value, dict), "a JSON object"),
}


def _validate_meta(meta: dict, arrays: dict, source: str) -> None:
    """Every meta field the code reads, and its agreement with the arrays (depth, sites, grid, history)."""
    if "name" in meta:
        try:
            check_name(meta["name"], "meta.name")
        except ConfigError as error:
            raise RunFileError(f"{source}: {error}") from None
    for key, (check, wanted) in TOP_FIELDS.items():
        if key in meta and not check(meta[key]):
            raise RunFileError(f"{source}: meta.{key} must be {wanted}, got {_short(meta[key])}")
    for section, spec in META_FIELDS.items():
        if section not in meta and section in OPTIONAL_SECTIONS:
            continue
        if not isinstance(meta.get(section), dict):
            raise RunFileError(f"{source}: meta.{section} must be a JSON object")
        for key, (check, wanted, required) in spec.items():
            if key not in meta[section]:
                if required is True or (callable(required) and required(meta)):
                    raise RunFileError(f"{source}: meta is missing {section}.{key}")
                continue
            if not check(meta[section][key]):
                raise RunFileError(f"{source}: meta.{section}.{key} must be {wanted}, got {_short(meta[section][key])}")
    depth, (_, lines, samples, _) = arrays["x"].shape[0] - 1, arrays["grid"].shape
    model, training, ellipse, geometry = meta["model"], meta["training"], meta["ellipse"], meta["geometry"]
    sites, history = arrays["sites"].shape[1], len(arrays["loss"])
    # Files before grid_counts drew grid_lines lines each way.
    grid_counts = geometry.get("grid_counts", [geometry["grid_lines"]] * 2)
    agreements = [
        (model["depth"] == depth, f"meta says depth {model['depth']} but 'x' holds {depth} layers"),
        (
            len(model.get("residual_lipschitz", [0] * depth)) == depth,
            f"meta.model.residual_lipschitz holds {len(model.get('residual_lipschitz', []))} bounds, expected one "
            f"per layer ({depth})",
        ),
        (
            training["iterations"] == history,
            f"meta says {training['iterations']} iterations but the history holds {history}",
        ),
        (
            len(ellipse["max_axis"]) == depth + 1,
            f"meta.ellipse.max_axis holds {len(ellipse['max_axis'])} lengths, expected one per layer ({depth + 1})",
        ),
        (
            geometry["sites_per_side"] ** 2 == sites,
            f"meta.geometry.sites_per_side {geometry['sites_per_side']} does not give the {sites} sites",
        ),
        (
            (sum(grid_counts), geometry["grid_samples"]) == (lines, samples),
            f"meta.geometry says {' + '.join(map(str, grid_counts))} lines of {geometry['grid_samples']} samples "
            f"but 'grid' holds {lines} lines of {samples}",
        ),
    ]
    for agrees, message in agreements:
        if not agrees:
            raise RunFileError(f"{source}: {message}")


def check_title(title: Any) -> str:
    """``title`` if a scene can show it (``meta.display.title``); ``ConfigError`` otherwise."""
    if not _is_line(MAX_TITLE_LENGTH)(title):
        raise ConfigError(
            f"a title must be text of 1 to {MAX_TITLE_LENGTH} characters without control characters "
            f"(line breaks allowed), got {title!r:.80}"
        )
    return title


def check_class_names(classes: Any) -> tuple[str, str]:
    """Two class names, as a sequence or one ``"name 0,name 1"`` string, stripped; ``ConfigError`` unless they
    are two different one-line names of 1 to ``MAX_CLASS_NAME_LENGTH`` characters."""
    names = classes.split(",") if isinstance(classes, str) else classes
    if isinstance(names, Sequence) and not isinstance(names, str):
        names = [name.strip() if isinstance(name, str) else name for name in names]
    if not (isinstance(names, list | tuple) and _is_class_names(list(names))):
        raise ConfigError(
            f"class names must be two different names of 1 to {MAX_CLASS_NAME_LENGTH} characters "
            f'("benign,malignant"), got {classes!r:.80}'
        )
    return names[0], names[1]


def _label_text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _label_name(value: Any) -> str:
    """A label as a legend shows it: a string on one line of at most ``MAX_CLASS_NAME_LENGTH`` characters (control
    characters dropped, runs of white space as one space, a longer one cut with an ellipsis), a number as
    ``class -1``. A label is the user's data, so anything may be in it; a class name (``--classes``) is checked."""
    text = value if isinstance(value, str) else f"class {_label_text(value)}"
    text = " ".join("".join(c for c in text if c.isspace() or (ord(c) >= 32 and ord(c) != 127)).split())
    return text if len(text) <= MAX_CLASS_NAME_LENGTH else text[: MAX_CLASS_NAME_LENGTH - 1] + "\u2026"


def _check_json(value: Any, where: str, source: str, *, depth: int) -> None:
    """Plain JSON (objects with string keys, lists, strings, finite numbers, booleans, null), nested at most
    ``MAX_META_DEPTH`` deep: what ``--json`` can print and every JSON reader can parse."""
    if depth > MAX_META_DEPTH:
        raise RunFileError(f"{source}: {where} is nested more than {MAX_META_DEPTH} levels deep")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise RunFileError(f"{source}: {where} has a key that is not a string ({_short(key)})")
            _check_json(item, f"{where}.{key}", source, depth=depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, where, source, depth=depth + 1)
    elif isinstance(value, float) and not math.isfinite(value):
        raise RunFileError(f"{source}: {where} is {value}; a Run file holds finite numbers only")
    elif value is not None and not isinstance(value, (str, int, float, bool)):
        raise RunFileError(f"{source}: {where} holds a {type(value).__name__}, which JSON cannot store")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---- writing and reading ----------------------------------------------------------------------------------


def save_run(run: Run, path: str | os.PathLike) -> Path:
    """Write ``run`` to ``path`` (.npz) atomically: a reader sees the old file or the new one, never half.

    Missing folders are made; ``path`` may not be a directory, a special file or read-only (``OutputError``).
    The Run is validated first (``RunFileError``), so nothing invalid is ever written.
    """
    if not isinstance(run, Run):
        raise ConfigError(f"save_run needs a Run, got {type(run).__name__}")
    if not isinstance(path, (str, os.PathLike)):
        raise ConfigError(f"save_run needs a file path, got {type(path).__name__}")
    arrays = {
        key: np.asarray(getattr(run, key))
        for key in ARRAY_KEYS + OPTIONAL_KEYS + DERIVED_KEYS + CHECKPOINT_KEYS
        if getattr(run, key) is not None
    }  # weight and bias are None in a custom network's Run
    validate(arrays, run.meta, source=str(path))
    members: dict[str, Any] = {"meta": np.array(json.dumps(run.meta, sort_keys=True, allow_nan=False)), **arrays}
    atomic_write(path, lambda handle: np.savez_compressed(handle, **members))
    return Path(path)


def load_run(path: str | os.PathLike) -> Run:
    """Read and validate a Run file. Raises ``RunFileError`` saying what is wrong with it."""
    if not isinstance(path, (str, os.PathLike)):
        raise ConfigError(f"load_run needs a file path, got {type(path).__name__}")
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise RunFileError(f"{path}: no such Run file") from None
    if not path.is_file():
        raise RunFileError(f"{path}: not a regular file, so not a Run file")
    try:
        with path.open("rb") as handle:
            if handle.read(4) != b"PK\x03\x04":  # every .npz is a zip archive
                raise RunFileError(f"{path}: not a .npz Run file (no zip header)")
            with zipfile.ZipFile(handle) as archive:
                arrays = _read_members(archive, size, str(path))
    except RunFileError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        OSError,
        ValueError,
        KeyError,
        RuntimeError,
        NotImplementedError,
    ) as error:  # RuntimeError: encrypted; NotImplementedError: compression
        raise RunFileError(f"{path}: not a readable .npz Run file ({type(error).__name__}: {error})") from None
    meta = _parse_meta(arrays.pop("meta"), str(path))
    validate(arrays, meta, source=str(path))
    fields_of_run: dict[str, Any] = {**{key: None for key in NETWORK_KEYS}, **arrays}  # no network: a custom run
    return Run(meta=meta, **fields_of_run)


def _read_members(archive: zipfile.ZipFile, size: int, source: str) -> dict[str, np.ndarray]:
    """The known members of the archive as arrays, after checking every size they declare."""
    wanted = {f"{key}.npy": key for key in ("meta", *ARRAY_KEYS, *OPTIONAL_KEYS, *DERIVED_KEYS, *CHECKPOINT_KEYS)}
    chosen: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        key = wanted.get(info.filename)
        if key is None:
            continue  # a member we do not know is never read
        if key in chosen:
            raise RunFileError(f"{source}: the archive holds {info.filename} twice")
        chosen[key] = info
    if "meta" not in chosen:
        raise RunFileError(f"{source}: missing key 'meta'; not a riemann-nn Run file")
    declared = sum(info.file_size for info in chosen.values())
    if declared > max(SMALL_FILE_BUDGET, MAX_EXPANSION * size):
        raise RunFileError(
            f"{source}: its members claim {declared:,} bytes once decompressed, far more than a "
            f"Run file of {size:,} bytes holds; refused (a zip bomb?)"
        )
    headers = {key: _member_header(archive, info, key, source) for key, info in chosen.items()}
    arrays = {}
    for key, info in chosen.items():
        with archive.open(info) as handle:
            arrays[key] = np.lib.format.read_array(handle, allow_pickle=False)
        if arrays[key].shape != headers[key]:
            raise RunFileError(f"{source}: member {key!r} changed its shape while being read")
    return arrays


def _member_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str, source: str) -> tuple:
    """The shape a member's ``.npy`` header declares, once its dtype is known to fit ``key`` and its size to
    match the member's (decompressing the header alone)."""
    with archive.open(info) as handle:
        version = np.lib.format.read_magic(handle)
        if version not in ((1, 0), (2, 0)):
            raise RunFileError(f"{source}: member {key!r} is a .npy file of version {version}, not 1.0 or 2.0")
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = read_header(handle)
        header_size = handle.tell()
    if dtype.hasobject:
        raise RunFileError(
            f"{source}: not a readable .npz Run file (member {key!r} holds pickled Python objects, "
            "which are never loaded)"
        )
    if dtype.fields is not None or dtype.subdtype is not None or dtype.kind not in _KINDS[key]:
        raise RunFileError(f"{source}: key {key!r} has dtype {dtype}, expected {_KIND_NAMES[_KINDS[key]]}")
    data_size = math.prod(shape) * dtype.itemsize
    if header_size + data_size != info.file_size:
        raise RunFileError(
            f"{source}: member {key!r} declares shape {shape} of {dtype} ({data_size:,} bytes) but "
            f"holds {info.file_size - header_size:,} bytes"
        )
    if key == "meta" and (shape != () or data_size > 4 * MAX_META_CHARACTERS):
        raise RunFileError(f"{source}: 'meta' must be one JSON string of at most {MAX_META_CHARACTERS:,} characters")
    return shape


def _parse_meta(array: np.ndarray, source: str) -> dict:
    """The JSON object in ``meta``: strict JSON (no NaN or Infinity, no overflowing numbers)."""

    def finite(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(f"number {text} overflows")
        return value

    def refuse(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    try:
        meta = json.loads(str(array[()]), parse_float=finite, parse_constant=refuse)
    except RecursionError:
        raise RunFileError(f"{source}: 'meta' is nested thousands of levels deep; not a Run file's") from None
    except ValueError as error:
        raise RunFileError(f"{source}: 'meta' is not valid JSON ({str(error)[:80]})") from None
    if not isinstance(meta, dict):
        raise RunFileError(f"{source}: 'meta' must be a JSON object")
    return meta
