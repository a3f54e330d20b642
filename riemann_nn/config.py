"""Frozen, validated configurations of a run: data, network, training and the exported geometry.

This module is the catalogue of choices (scheme, activation, dataset and ellipse-convention names) and imports
nothing of the package but its errors, so the CLI can list and check options without loading numpy or torch.
The registries that implement the choices (``network.STEP_RULES``, ``network.ACTIVATIONS``, ``data.DATASETS``)
are keyed by exactly these names; a test keeps the two in step.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigError

SCHEMES = ("c0", "c1", "c2")
ACTIVATIONS = ("tanh", "sigmoid", "relu", "softplus", "identity")
DATASETS = ("spirals", "circles", "moons", "xor", "gaussians", "rings")
CONVENTIONS = ("indicatrix", "stretch")

MAX_DEPTH = 1000
MAX_POINTS = 1_000_000
MAX_ITERATIONS = 10_000_000
MAX_SEED = 2**63 - 1
MAX_CHECKPOINTS = 1000  # parameter snapshots of one training; a film needs tens, a figure a handful
# Input coordinates beyond this are refused: squares and products of coordinates and of their inverse scales
# (metrics, norms, glyph axes) must stay far from float64's overflow at 1.8e308 and underflow below 1e-308.
MAX_COORDINATE = 1e100
MAX_NAME_LENGTH = 120


WIDTHS = (2, 3)
# A residual x -> dt f(x) with Lipschitz constant below 1 makes x -> x + dt f(x) invertible (Behrmann et al.,
# "Invertible Residual Networks", 2019); bounds this close to 1 would let a step squeeze by 1000x.
STEP_LIPSCHITZ_LIMIT = 0.999


def check_width(value: Any) -> int:
    """``value`` if it is a supported width (2 or 3); ``ConfigError`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or value not in WIDTHS:
        raise ConfigError(f"width must be 2 or 3 (neurons per layer), got {value!r}")
    return value


def check_choice(value: Any, choices: tuple[str, ...], what: str) -> str:
    """``value`` if it is one of ``choices``; ``ConfigError`` listing them otherwise."""
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(f"unknown {what} {value!r}; choose one of: {', '.join(choices)}")
    return value


def check_int(value: Any, what: str, *, low: int, high: int) -> int:
    """``value`` if it is an integer (not a bool) in ``[low, high]``; ``ConfigError`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{what} must be an integer from {low} to {high}, got {value!r}")
    return value


def check_float(
    value: Any, what: str, *, low: float = -math.inf, high: float = math.inf, low_open: bool = False
) -> float:
    """``value`` as a float if it is a finite real number in the range; ``ConfigError`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{what} must be a finite number, got {value!r}")
    if value < low or value > high or (low_open and value == low):
        bound = f"above {low:g}" if low_open else f"at least {low:g}"
        limit = f" and at most {high:g}" if high < math.inf else ""
        raise ConfigError(f"{what} must be {bound}{limit}, got {value!r}")
    return float(value)


def check_name(value: Any, what: str = "a run's name") -> str:
    """``value`` if it can be a file name on every system: 1 to 120 characters, no path separator, no control
    character, not starting with a dot or a dash; ``ConfigError`` otherwise."""
    if (
        not isinstance(value, str)
        or not 0 < len(value) <= MAX_NAME_LENGTH
        or value[0] in ".-"
        or any(c in "/\\" or ord(c) < 32 or ord(c) == 127 for c in value)
    ):
        raise ConfigError(
            f"{what} must be a file name (1 to {MAX_NAME_LENGTH} characters, no '/' or control "
            f"characters, not starting with '.' or '-'), got {value!r:.80}"
        )
    return value


@dataclass(frozen=True)
class ModelConfig:
    """A narrow network: ``depth`` layers of ``width`` neurons, ``scheme`` with ``activation`` and step ``dt``.

    ``init_gain`` is the Xavier-normal gain of every linear map, the head included. ``width`` is 2 (the plane)
    or 3: the input point ``(x, y)`` then enters as ``(x, y, 0)``, the plane ``z = 0`` of 3-space, and every
    layer is a point of 3-space (``network.lift``). ``step_lipschitz`` (c1 only; between 0 and 1) keeps every
    step invertible by spectral normalisation: each ``W_l`` is scaled down so that
    ``dt Lip(act) ||W_l||_2 <= step_lipschitz``, which makes every step ``x -> x + dt f_l(x)`` a homeomorphism
    (``model.Width2Net.layer_weights``).
    """

    scheme: str = "c1"
    activation: str = "tanh"
    depth: int = 10
    dt: float = 1.0
    init_gain: float = 1e-3
    width: int = 2
    step_lipschitz: float | None = None

    def __post_init__(self) -> None:
        check_choice(self.scheme, SCHEMES, "scheme")
        check_choice(self.activation, ACTIVATIONS, "activation")
        check_int(self.depth, "depth", low=1, high=MAX_DEPTH)
        check_float(self.dt, "dt", low=0.0, low_open=True)
        check_float(self.init_gain, "init_gain", low=0.0, low_open=True)
        check_width(self.width)
        if self.step_lipschitz is not None:
            check_float(self.step_lipschitz, "step_lipschitz", low=0.0, high=STEP_LIPSCHITZ_LIMIT, low_open=True)
            if self.scheme != "c1":
                raise ConfigError(f"step_lipschitz bounds the residual of c1 steps; this network is {self.scheme}")


@dataclass(frozen=True)
class TrainConfig:
    """Full-batch AdamW: ``iterations`` steps at learning rate ``lr``; ``seed`` fixes the initial weights.

    ``checkpoints`` > 0 keeps that many parameter snapshots at log-spaced iterations, the initial (iteration 0)
    and the final parameters (iteration ``iterations``) always among them; 0 keeps none.
    """

    iterations: int = 200
    lr: float = 0.005
    weight_decay: float = 0.05
    seed: int = 0
    checkpoints: int = 0

    def __post_init__(self) -> None:
        check_int(self.iterations, "iterations", low=1, high=MAX_ITERATIONS)
        check_float(self.lr, "lr", low=0.0, low_open=True)
        check_float(self.weight_decay, "weight_decay", low=0.0)
        check_int(self.seed, "seed", low=0, high=MAX_SEED)
        check_int(self.checkpoints, "checkpoints", low=0, high=MAX_CHECKPOINTS)
        if self.checkpoints == 1 or self.checkpoints > self.iterations + 1:
            raise ConfigError(
                f"checkpoints must be 0 (none) or from 2 (the initial and the final parameters) to "
                f"iterations + 1 ({min(self.iterations + 1, MAX_CHECKPOINTS)}), got {self.checkpoints}"
            )


@dataclass(frozen=True)
class DatasetConfig:
    """A generated dataset (``name``, ``n`` points, ``noise``, ``seed``) or, with ``csv`` set, a CSV file.

    ``standardize`` trains on the points shifted to zero mean and scaled to unit size; the Run still shows and
    measures everything in the data's own coordinates (``standardize.py`` says how).
    """

    name: str = "spirals"
    n: int = 1000
    noise: float = 0.2
    seed: int = 0
    csv: str | None = None
    standardize: bool = False

    def __post_init__(self) -> None:
        if self.csv is None:
            check_choice(self.name, DATASETS, "dataset")
        elif not isinstance(self.csv, str) or not self.csv:
            raise ConfigError(f"csv must be a file path, got {self.csv!r}")
        check_int(self.n, "n", low=2, high=MAX_POINTS)
        check_float(self.noise, "noise", low=0.0)
        check_int(self.seed, "data seed", low=0, high=MAX_SEED)
        if not isinstance(self.standardize, bool):
            raise ConfigError(f"standardize must be True or False, got {self.standardize!r}")


@dataclass(frozen=True)
class GeometryConfig:
    """What is exported besides the data: glyph sites, grid lines and the glyph convention.

    ``glyph_size`` sets the glyph scale ``s`` so that the median input glyph's major semi-axis is that
    fraction of the site spacing; ``min_circle`` and ``max_circle`` bound ``s``, the radius of the last layer's
    circles, as fractions of the last layer's data extent (below ~1 % a circle is a dot on screen);
    ``max_axis`` clips semi-axes to that fraction of each layer's data extent.
    """

    sites_per_side: int = 15
    grid_lines: int = 15
    grid_samples: int = 61
    padding: float = 0.08
    convention: str = "indicatrix"
    glyph_size: float = 0.32
    min_circle: float = 0.011
    max_circle: float = 0.05
    max_axis: float = 0.08

    def __post_init__(self) -> None:
        check_choice(self.convention, CONVENTIONS, "ellipse convention")
        check_int(self.sites_per_side, "sites_per_side", low=1, high=200)
        check_int(self.grid_lines, "grid_lines", low=2, high=500)
        check_int(self.grid_samples, "grid_samples", low=2, high=5000)
        check_float(self.padding, "padding", low=0.0, high=10.0)
        check_float(self.glyph_size, "glyph_size", low=0.0, low_open=True)
        check_float(self.min_circle, "min_circle", low=0.0, low_open=True)
        check_float(self.max_circle, "max_circle", low=self.min_circle)
        check_float(self.max_axis, "max_axis", low=0.0, low_open=True)


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines a Run file."""

    name: str = "custom"
    dataset: DatasetConfig = field(default_factory=DatasetConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    training: TrainConfig = field(default_factory=TrainConfig)
    geometry: GeometryConfig = field(default_factory=GeometryConfig)
    description: str = ""

    def __post_init__(self) -> None:
        check_name(self.name)
        if not isinstance(self.description, str):
            raise ConfigError(f"description must be a string, got {type(self.description).__name__}")
        for section, kind in (
            ("dataset", DatasetConfig),
            ("model", ModelConfig),
            ("training", TrainConfig),
            ("geometry", GeometryConfig),
        ):
            if not isinstance(getattr(self, section), kind):
                raise ConfigError(f"{section} must be a {kind.__name__}, got {type(getattr(self, section)).__name__}")

    def replace(self, **sections: Any) -> RunConfig:
        """A copy with some fields of some sections changed: ``replace(model={"depth": 4}, name="x")``."""
        changes = {}
        for key, value in sections.items():
            if key not in {f.name for f in dataclasses.fields(self)}:
                raise ConfigError(f"a RunConfig has no section {key!r}")
            current = getattr(self, key)
            if isinstance(value, dict):
                unknown = set(value) - {f.name for f in dataclasses.fields(current)}
                if unknown:
                    raise ConfigError(f"{key} has no field(s) {', '.join(sorted(unknown))}")
                value = dataclasses.replace(current, **value)
            changes[key] = value
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
