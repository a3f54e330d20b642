"""Training as a sequence of parameter snapshots, and the network at any moment of it, in numpy.

``TrainConfig.checkpoints = K`` keeps K snapshots at log-spaced iterations (``checkpoint_iterations``): the
first steps change a net most, so they are sampled densely; the initial (iteration 0) and the final parameters
are always kept. A Run stores the snapshots' parameters only (keys ``checkpoint_*``, see ``run.py``); everything
else is recomputed here, vectorised, with the same step rules as everywhere (``network.py``):

    checkpoints = Checkpoints.of_run(run)
    state = checkpoints.at(2.5)                 # halfway from checkpoint 2 to 3, parameters interpolated
    state.layers(run.x[0])                      # (L+1, N, 2) every layer's coordinates at that moment
    state.metrics(run.sites[0])                 # (L+1, M, 2, 2) g_l at the input sites
    vertices, offsets = state.boundary(bounds)  # the decision boundary in the input

Parameters at a fractional position ``k + f`` are ``(1 - f) P_k + f P_{k+1}``: the motion between snapshots is
smooth, and exact at every snapshot. Under ``--standardize`` the Run's snapshots are already rewritten into the
data's units (the rewriting is linear in the parameters, so interpolating commutes with it).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import level_sets, metric
from .errors import ConfigError
from .network import chart_jacobians, lift, propagate

# Run keys of the snapshots, in the order of ``Checkpoints``' array fields (a Run file's key is "checkpoint_" +
# the field's name).
ARRAY_FIELDS = ("iteration", "weight", "bias", "head_weight", "head_bias", "loss", "accuracy")
RUN_KEYS = tuple(f"checkpoint_{name}" for name in ARRAY_FIELDS)


def checkpoint_iterations(iterations: int, count: int) -> np.ndarray:
    """``count`` distinct iterations from 0 to ``iterations`` (both kept), spaced evenly in log(1 + i): (K,) int.

    Rounding can put neighbours of the dense early end on one integer; they are pushed apart to consecutive
    integers, which keeps the sequence strictly rising and still ending at ``iterations``. Needs
    ``2 <= count <= iterations + 1`` (``TrainConfig`` checks it).
    """
    if not 2 <= count <= iterations + 1:
        raise ConfigError(f"checkpoints must be from 2 to iterations + 1 ({iterations + 1}), got {count}")
    index = np.arange(count)  # (K,)
    raw = np.rint(np.geomspace(1.0, iterations + 1.0, count)).astype(np.int64) - 1  # (K,) non-decreasing
    raw[0], raw[-1] = 0, iterations
    rising = np.maximum.accumulate(raw - index) + index  # strictly rising, at or above raw
    return np.minimum(rising, iterations - (count - 1 - index))  # ...and leaving room for the later ones


@dataclass(frozen=True)
class TrainingState:
    """The network at one moment of training: its parameters and architecture, recomputing everything in numpy.

    ``iteration`` is fractional between checkpoints (the iterations of the two snapshots, interpolated).
    """

    iteration: float
    weight: np.ndarray  # (L, 2, 2)
    bias: np.ndarray  # (L, 2)
    head_weight: np.ndarray  # (2,)
    head_bias: float
    scheme: str
    activation: str
    dt: float

    def _network(self) -> dict[str, Any]:
        return {"scheme": self.scheme, "activation": self.activation, "dt": self.dt}

    def _lifted(self, x0: np.ndarray) -> np.ndarray:
        """Input points (..., 2), or points already in the first layer's space (..., d), as (..., d): a width-3
        net sees (x, y) as (x, y, 0) (``network.lift``)."""
        points = np.asarray(x0, float)
        width = self.weight.shape[-1]
        return lift(points, width) if points.shape[-1] != width else points

    def layers(self, x0: np.ndarray) -> np.ndarray:
        """Coordinates of input points (..., 2) in every layer: (L+1, ..., 2)."""
        return propagate(self.weight, self.bias, self._lifted(x0), **self._network())

    def logits(self, x0: np.ndarray) -> np.ndarray:
        """The head's logits of input points (..., 2): (...)."""
        return self.layers(x0)[-1] @ self.head_weight + self.head_bias

    def accuracy(self, x0: np.ndarray, y: np.ndarray) -> float:
        """The fraction of points (N, 2) with labels (N,) that the net classifies right (class 1: logit > 0)."""
        return float(np.mean((self.logits(x0) > 0) == (np.asarray(y) == 1)))

    def jacobians(self, sites: np.ndarray) -> np.ndarray:
        """Exact chart Jacobians ``J_l`` at input sites (M, 2): (L+1, M, 2, 2)."""
        return chart_jacobians(self.weight, self.bias, self._lifted(sites), **self._network())

    def metrics(self, sites: np.ndarray) -> np.ndarray:
        """``g_l = M_l^T M_l`` with ``M_l = J_L J_l^{-1}``, in layer-l coordinates, at input sites (M, 2):
        (L+1, M, 2, 2)."""
        return metric.metric_of_factor(metric.layer_to_last(self.jacobians(sites)))

    def input_metric(self, sites: np.ndarray) -> np.ndarray:
        """``g_0 = J_L^T J_L`` at input sites (M, 2): (M, 2, 2)."""
        last = metric.in_plane(self.jacobians(sites)[-1])  # (M, d, 2): J_L P, the input plane's chart
        return np.einsum("mki,mkj->mij", last, last)

    def volume(self, sites: np.ndarray) -> np.ndarray:
        """The volume element ``sqrt(det g_0) = |det J_L|`` at input sites (M, 2): how much a small area there
        grows on its way to the last layer, (M,)."""
        last = self.jacobians(sites)[-1]  # (M, d, d)
        if last.shape[-1] != 2:  # width 3: the area element of the input plane's metric
            return np.sqrt(np.maximum(np.linalg.det(self.input_metric(sites)), 0.0))
        return np.abs(np.linalg.det(last))

    def boundary(self, bounds: np.ndarray, *, resolution: int = 241) -> tuple[np.ndarray, np.ndarray]:
        """The decision boundary ``logit = 0`` in the input box ``bounds`` [[xmin, ymin], [xmax, ymax]], as
        packed polylines: vertices (P, 2) and offsets (C+1,) (``level_sets.pack``). Newton steps use the exact
        gradient ``J_L^T w``."""

        def value_and_gradient(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            last = metric.in_plane(self.jacobians(points)[-1])  # (P, d, 2)
            return self.logits(points), np.einsum("pij,i->pj", last, self.head_weight)

        return level_sets.trace_curve(self.logits, value_and_gradient, np.asarray(bounds, float), resolution=resolution)


@dataclass(frozen=True)
class Checkpoints:
    """K parameter snapshots of one training, with the architecture they belong to.

    ``loss[k]`` and ``accuracy[k]`` are those of the parameters at ``iteration[k]`` (measured as the training
    history measures them, before the step from that iteration).
    """

    iteration: np.ndarray  # (K,) int, strictly rising from 0 to the number of iterations
    weight: np.ndarray  # (K, L, 2, 2)
    bias: np.ndarray  # (K, L, 2)
    head_weight: np.ndarray  # (K, 2)
    head_bias: np.ndarray  # (K,)
    loss: np.ndarray  # (K,)
    accuracy: np.ndarray  # (K,)
    scheme: str
    activation: str
    dt: float

    @classmethod
    def of_run(cls, run: Any) -> Checkpoints:
        """The snapshots a Run stores; ``ConfigError`` saying how to get them when it stores none."""
        arrays: dict[str, Any] = {name: getattr(run, key, None) for name, key in zip(ARRAY_FIELDS, RUN_KEYS)}
        if any(value is None for value in arrays.values()):
            raise ConfigError(
                f"run {run.name!r} holds no training checkpoints; train it with --checkpoints K "
                "(e.g. riemann-nn train --preset NAME --checkpoints 24)"
            )
        return cls(**arrays, scheme=run.scheme, activation=run.activation, dt=run.dt)

    def __len__(self) -> int:
        return len(self.iteration)

    def run_arrays(self) -> dict[str, np.ndarray]:
        """The snapshots as a Run stores them: ``{"checkpoint_iteration": (K,), ...}``."""
        return {key: np.asarray(getattr(self, name)) for name, key in zip(ARRAY_FIELDS, RUN_KEYS)}

    def replace(self, **changes: Any) -> Checkpoints:
        return dataclasses.replace(self, **changes)

    def at(self, position: float) -> TrainingState:
        """The network at ``position`` in ``[0, K-1]``: checkpoint ``k`` at ``k``, parameters and iteration
        interpolated linearly between neighbouring checkpoints in between."""
        last = len(self) - 1
        if not (isinstance(position, (int, float, np.number)) and 0 <= position <= last):
            raise ConfigError(f"a checkpoint position must be a number from 0 to {last}, got {position!r}")
        k = min(int(position), last - 1) if last > 0 else 0
        f = float(position) - k

        def blend(values: np.ndarray) -> np.ndarray:
            return values[k] if f == 0 else (1 - f) * values[k] + f * values[k + 1]

        return TrainingState(
            iteration=float(blend(self.iteration.astype(float))),
            weight=blend(self.weight),
            bias=blend(self.bias),
            head_weight=blend(self.head_weight),
            head_bias=float(blend(self.head_bias)),
            scheme=self.scheme,
            activation=self.activation,
            dt=self.dt,
        )

    def position(self, iteration: float) -> float:
        """The position in ``[0, K-1]`` of a (fractional) iteration, the inverse of ``at(...).iteration``."""
        return float(np.interp(iteration, self.iteration, np.arange(len(self), dtype=float)))
