"""Networks of the other schemes on a run's own data, for side-by-side comparisons (``scenes/compare.py``):
the same points and labels, the same depth, a C0, C1 or C2 tanh network trained the way the compare presets
are, on standardised data (so any units train), and cached by the data's digest."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from .cache import load_or_build
from .config import SCHEMES, GeometryConfig, ModelConfig, TrainConfig, check_choice
from .run import Run

# As the compare presets: c0 needs gain 1 (with 1e-3 every layer maps near one point), c1/c2 start near the
# identity; 400 full-batch steps at lr 0.02. (A c2 net on spirals needs more, as seed-c2-sigmoid's 600.)
COMPANION_TRAINING = TrainConfig(iterations=400, lr=0.02, weight_decay=0.0, seed=0)
COMPANION_GAIN = {"c0": 1.0, "c1": 1e-3, "c2": 1e-3}


def companion_run(run: Run, scheme: str, *, cache_dir: str | Path | None = None) -> Run:
    """A ``scheme`` tanh network of ``run``'s depth trained on ``run``'s points and labels (layer 0 of
    ``x``, ``y``), with the same glyph sites and grid; trained once and cached."""
    from .export import run_from_arrays

    check_choice(scheme, SCHEMES, "scheme")
    geometry = run.meta["geometry"]
    config = GeometryConfig(
        sites_per_side=geometry["sites_per_side"],
        grid_lines=geometry["grid_lines"],
        grid_samples=geometry["grid_samples"],
        padding=geometry.get("padding", 0.08),
        convention=run.meta["ellipse"]["convention"],
    )
    model = ModelConfig(scheme, "tanh", depth=run.depth, dt=1.0, init_gain=COMPANION_GAIN[scheme])
    data = hashlib.sha256(np.ascontiguousarray(run.x[0]).tobytes() + np.asarray(run.y, np.int64).tobytes())
    name = f"{run.name}+{scheme}"[:120]
    payload = {
        "data": data.hexdigest(),
        "model": model.__dict__,
        "training": COMPANION_TRAINING.__dict__,
        "geometry": config.__dict__,
        "classes": list(run.class_names),
    }

    def build() -> Run:
        return run_from_arrays(
            run.x[0],
            run.y,
            model=model,
            training=COMPANION_TRAINING,
            geometry=config,
            standardize=True,
            name=name,
            classes=run.class_names,
            progress=False,
            description=f"a {scheme} tanh network on the data of {run.name}",
        )

    return load_or_build(name, payload, build, cache_dir=cache_dir)
