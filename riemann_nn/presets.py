"""Named configurations of whole runs (``riemann-nn presets`` lists them)."""

from __future__ import annotations

from .config import DatasetConfig, ModelConfig, RunConfig, TrainConfig
from .errors import ConfigError

_SPIRALS = DatasetConfig("spirals", n=1000, noise=0.2, seed=0)
_RINGS = DatasetConfig("rings", n=1000, noise=0.02, seed=0)
_SEED_MODEL = ModelConfig("c1", "tanh", depth=10, dt=1.0, init_gain=1e-3)
_SEED_TRAINING = TrainConfig(iterations=200, lr=0.005, weight_decay=0.05, seed=0)

# Depth as time (scenes/depth.py): seed-spirals' residual tanh net and training at depths 2 to 128, each with
# dt = FLOW_TIME / depth, so that every net is Euler's method for a flow over the same time (seed-spirals itself
# is depth 10, dt 1).
FLOW_TIME = 10.0
DEPTH_SWEEP = (2, 4, 8, 16, 32, 64, 128)
FILM_CHECKPOINTS = 40  # scenes/training.py: snapshots of seed-spirals' 200 iterations

PRESETS: dict[str, RunConfig] = {
    preset.name: preset
    for preset in [
        RunConfig(
            name="seed-spirals",
            dataset=_SPIRALS,
            model=_SEED_MODEL,
            training=_SEED_TRAINING,
            description="the published reference: a 10-layer residual tanh net untangles two spirals",
        ),
        RunConfig(
            name="seed-spirals-film",
            dataset=_SPIRALS,
            model=_SEED_MODEL,
            training=TrainConfig(iterations=200, lr=0.005, weight_decay=0.05, seed=0, checkpoints=FILM_CHECKPOINTS),
            description="seed-spirals with 40 snapshots of its training (scenes/training.py)",
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
        # Issue 14 (scenes/topology.py, scenes/space.py): a disc inside a ring. Width 2 with invertible steps cannot
        # pull the disc out (each step is a homeomorphism of the plane, and so is the chain); large steps fold the
        # plane; width 3, with the same invertible steps, lifts the disc out of the ring.
        RunConfig(
            name="rings-flow",
            dataset=_RINGS,
            model=ModelConfig("c1", "tanh", depth=16, dt=0.25, init_gain=1e-3, step_lipschitz=0.25),
            training=TrainConfig(iterations=800, lr=0.02, weight_decay=0.0, seed=0),
            description="width 2, small invertible steps (||W_l|| <= 1): the disc cannot leave the ring",
        ),
        RunConfig(
            name="rings-fold",
            dataset=_RINGS,
            model=ModelConfig("c1", "tanh", depth=8, dt=1.0, init_gain=1e-3),
            training=TrainConfig(iterations=400, lr=0.02, weight_decay=0.0, seed=0),
            description="width 2, large steps: separates the rings by folding the plane",
        ),
        RunConfig(
            name="rings-w3-c1",
            dataset=_RINGS,
            model=ModelConfig("c1", "tanh", depth=16, dt=0.25, init_gain=1e-3, width=3, step_lipschitz=0.25),
            training=TrainConfig(iterations=800, lr=0.02, weight_decay=0.0, seed=0),
            description="width 3, the same invertible steps: the disc is lifted out of the ring",
        ),
        RunConfig(
            name="rings-w3-c0",
            dataset=_RINGS,
            model=ModelConfig("c0", "tanh", depth=4, dt=1.0, init_gain=1.0, width=3),
            training=TrainConfig(iterations=600, lr=0.02, weight_decay=0.0, seed=0),
            description="width 3, an ordinary (C0) tanh net",
        ),
        RunConfig(
            name="rings-w3-c2",
            dataset=_RINGS,
            model=ModelConfig("c2", "tanh", depth=8, dt=0.5, init_gain=1e-3, width=3),
            training=TrainConfig(iterations=600, lr=0.02, weight_decay=0.0, seed=0),
            description="width 3, a second-order (C2) tanh net",
        ),
        *(
            RunConfig(
                name=f"depth-{depth}",
                dataset=_SPIRALS,
                model=ModelConfig("c1", "tanh", depth=depth, dt=FLOW_TIME / depth, init_gain=1e-3),
                training=_SEED_TRAINING,
                description=f"depth as time: {depth} residual steps of dt {FLOW_TIME / depth:g} (scenes/depth.py)",
            )
            for depth in DEPTH_SWEEP
        ),
    ]
}


def get_preset(name: str) -> RunConfig:
    """The preset called ``name``; ``ConfigError`` listing the valid names otherwise."""
    if not isinstance(name, str) or name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
    return PRESETS[name]
