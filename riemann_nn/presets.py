"""Named, frozen configurations of a whole run: data, network, training and the exported geometry."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from .activations import ACTIVATIONS, SCHEMES
from .data import DATASETS
from .errors import ConfigError
from .geometry import CONVENTIONS


@dataclass(frozen=True)
class ModelConfig:
    """A width-2 network: ``depth`` layers of ``scheme`` with ``activation`` and step ``dt``.

    ``init_gain`` is the Xavier-normal gain of every linear map, the head included.
    """

    scheme: str = "c1"
    activation: str = "tanh"
    depth: int = 10
    dt: float = 1.0
    init_gain: float = 1e-3

    def __post_init__(self) -> None:
        if self.scheme not in SCHEMES:
            raise ConfigError(f"unknown scheme {self.scheme!r}; choose one of: {', '.join(SCHEMES)}")
        if self.activation not in ACTIVATIONS:
            raise ConfigError(f"unknown activation {self.activation!r}; choose one of: {', '.join(ACTIVATIONS)}")
        if not (isinstance(self.depth, int) and self.depth >= 1):
            raise ConfigError(f"depth must be a positive integer, got {self.depth!r}")
        if not self.dt > 0:
            raise ConfigError(f"dt must be positive, got {self.dt!r}")
        if not self.init_gain > 0:
            raise ConfigError(f"init_gain must be positive, got {self.init_gain!r}")


@dataclass(frozen=True)
class TrainConfig:
    """Full-batch AdamW: ``iterations`` steps at learning rate ``lr``; ``seed`` fixes the initial weights."""

    iterations: int = 200
    lr: float = 0.005
    weight_decay: float = 0.05
    seed: int = 0

    def __post_init__(self) -> None:
        if not (isinstance(self.iterations, int) and self.iterations >= 1):
            raise ConfigError(f"iterations must be a positive integer, got {self.iterations!r}")
        if not self.lr > 0:
            raise ConfigError(f"lr must be positive, got {self.lr!r}")
        if not self.weight_decay >= 0:
            raise ConfigError(f"weight_decay must be non-negative, got {self.weight_decay!r}")


@dataclass(frozen=True)
class DatasetConfig:
    """A generated dataset (``name``, ``n`` points, ``noise``, ``seed``) or, with ``csv`` set, a CSV file."""

    name: str = "spirals"
    n: int = 1000
    noise: float = 0.2
    seed: int = 0
    csv: str | None = None

    def __post_init__(self) -> None:
        if self.csv is None and self.name not in DATASETS:
            raise ConfigError(f"unknown dataset {self.name!r}; choose one of: {', '.join(DATASETS)}")


@dataclass(frozen=True)
class GeometryConfig:
    """What is exported besides the data: glyph sites, grid lines and the glyph convention.

    ``glyph_size`` sets the glyph scale ``s`` so that the median input glyph's major semi-axis is that
    fraction of the site spacing; ``max_axis`` clips semi-axes to that fraction of each layer's data extent.
    """

    sites_per_side: int = 15
    grid_lines: int = 15
    grid_samples: int = 61
    padding: float = 0.08
    convention: str = "indicatrix"
    glyph_size: float = 0.32
    max_axis: float = 0.08

    def __post_init__(self) -> None:
        if self.convention not in CONVENTIONS:
            raise ConfigError(f"unknown ellipse convention {self.convention!r}; choose one of: {', '.join(CONVENTIONS)}")
        if self.sites_per_side < 1 or self.grid_lines < 2 or self.grid_samples < 2:
            raise ConfigError("need at least 1 site per side, 2 grid lines and 2 samples per grid line")


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines a Run file."""

    name: str = "custom"
    dataset: DatasetConfig = field(default_factory=DatasetConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    training: TrainConfig = field(default_factory=TrainConfig)
    geometry: GeometryConfig = field(default_factory=GeometryConfig)
    description: str = ""

    def replace(self, **sections) -> "RunConfig":
        """A copy with some fields of some sections changed: ``replace(model={"depth": 4}, name="x")``."""
        changes = {}
        for key, value in sections.items():
            current = getattr(self, key)
            changes[key] = dataclasses.replace(current, **value) if isinstance(value, dict) else value
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


_SPIRALS = DatasetConfig("spirals", n=1000, noise=0.2, seed=0)

PRESETS: dict[str, RunConfig] = {
    preset.name: preset
    for preset in [
        RunConfig(
            name="seed-spirals",
            dataset=_SPIRALS,
            model=ModelConfig("c1", "tanh", depth=10, dt=1.0, init_gain=1e-3),
            training=TrainConfig(iterations=200, lr=0.005, weight_decay=0.05, seed=0),
            description="the published reference: a 10-layer residual tanh net untangles two spirals",
        ),
        RunConfig(
            name="seed-c2-sigmoid",
            dataset=_SPIRALS,
            model=ModelConfig("c2", "sigmoid", depth=10, dt=1.0, init_gain=1e-3),
            training=TrainConfig(iterations=600, lr=0.005, weight_decay=0.05, seed=0),
            description="a second-order (C2) sigmoid net on the same spirals",
        ),
        RunConfig(
            name="circles-c1-tanh",
            dataset=DatasetConfig("circles", n=600, noise=0.05, seed=0),
            model=ModelConfig("c1", "tanh", depth=8, dt=1.0, init_gain=1e-3),
            training=TrainConfig(iterations=400, lr=0.02, weight_decay=0.0, seed=0),
            description="a residual net lifts the inner circle out of the outer one",
        ),
        RunConfig(
            name="moons-c1-tanh",
            dataset=DatasetConfig("moons", n=600, noise=0.08, seed=0),
            model=ModelConfig("c1", "tanh", depth=6, dt=1.0, init_gain=1e-3),
            training=TrainConfig(iterations=800, lr=0.02, weight_decay=0.0, seed=0),
            description="two moons pulled apart by a 6-layer residual net",
        ),
        RunConfig(
            name="xor-c2-tanh",
            dataset=DatasetConfig("xor", n=600, noise=0.25, seed=0),
            model=ModelConfig("c2", "tanh", depth=8, dt=0.5, init_gain=1e-3),
            training=TrainConfig(iterations=500, lr=0.02, weight_decay=0.0, seed=0),
            description="a second-order net folds the XOR square",
        ),
        RunConfig(
            name="moons-c0-tanh",
            dataset=DatasetConfig("moons", n=600, noise=0.08, seed=0),
            model=ModelConfig("c0", "tanh", depth=4, dt=1.0, init_gain=1.0),
            training=TrainConfig(iterations=600, lr=0.02, weight_decay=0.0, seed=0),
            description="an ordinary (C0) tanh net: every layer jumps",
        ),
        # scenes/compare.py: the same moons through C0, C1 and C2 tanh nets of the same depth. c0 needs gain 1
        # (at 1e-3 its layers map everything near one point); c2 takes dt 0.5 so its layers stay a flow.
        RunConfig(
            name="compare-c0",
            dataset=DatasetConfig("moons", n=500, noise=0.08, seed=0),
            model=ModelConfig("c0", "tanh", depth=8, dt=1.0, init_gain=1.0),
            training=TrainConfig(iterations=400, lr=0.02, weight_decay=0.0, seed=0),
            description="compare: an ordinary (C0) net, 8 layers",
        ),
        RunConfig(
            name="compare-c1",
            dataset=DatasetConfig("moons", n=500, noise=0.08, seed=0),
            model=ModelConfig("c1", "tanh", depth=8, dt=1.0, init_gain=1e-3),
            training=TrainConfig(iterations=500, lr=0.02, weight_decay=0.0, seed=0),
            description="compare: a residual (C1) net, 8 layers",
        ),
        RunConfig(
            name="compare-c2",
            dataset=DatasetConfig("moons", n=500, noise=0.08, seed=0),
            model=ModelConfig("c2", "tanh", depth=8, dt=0.5, init_gain=1e-3),
            training=TrainConfig(iterations=500, lr=0.02, weight_decay=0.0, seed=0),
            description="compare: a second-order (C2) net, 8 layers",
        ),
    ]
}


def get_preset(name: str) -> RunConfig:
    """The preset called ``name``; ``ConfigError`` listing the valid names otherwise."""
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
    return PRESETS[name]
