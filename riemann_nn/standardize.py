"""Train on standardised data, export in the data's own coordinates (``--standardize``).

A width-2 net cannot fit coordinates of size 1e6 or 1e-6 with the usual learning rates: tanh saturates, the
gradients vanish or blow up. So the net is trained on ``z = (x - mean) / scale``, with one scale for both axes
(an isotropic scaling keeps angles: glyphs keep their shapes), and then rewritten as the *same map* acting on the
original coordinates, ``x_l = scale z_l + mean`` wherever layer ``l`` holds data coordinates:

- ``c0``: ``x_1 = act(W_1 z + b_1) = act(W_1' x + b_1')`` with ``W_1' = W_1 / s``, ``b_1' = b_1 - W_1' mean``. Only
  the first layer changes: the later layers' coordinates are activations, not data, and the head is unchanged.
- ``c1``: ``x_l = x_{l-1} + (s dt) act(W' x_{l-1} + b')`` with ``W' = W / s``, ``b' = b - W' mean`` in every layer:
  the step becomes ``dt' = s dt``.
- ``c2``: the same ``W'``, ``b'``, and ``dt'^2 = s dt^2``.
- head (c1, c2): ``logit = w . z_L + c = (w / s) . x_L + (c - w . mean / s)``.

The Run then holds one network of DESIGN.md's form on the user's coordinates: its weights, ``dt``, coordinates,
Jacobians, metrics and glyphs are all computed from the rewritten parameters, so every exported number is
recomputed from the file as for any other Run, and the plots show the user's units. ``meta.standardize`` records
the mean and the scale, ``meta.config.model.dt`` the step the net was trained with, ``meta.model.dt`` the step
of the network in the file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .errors import ConfigError

Parameters = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]  # weight, bias, head w, head c, dt


@dataclass(frozen=True)
class Standardization:
    """``z = (x - mean) / scale``: ``mean`` (2,), ``scale`` the root mean square of the centred coordinates."""

    mean: np.ndarray  # (2,)
    scale: float

    @classmethod
    def of(cls, x: np.ndarray) -> Standardization:
        """The standardisation of points ``x`` (N, 2) that are not all at one place."""
        mean = x.mean(axis=0)  # (2,)
        centred = x - mean  # (N, 2)
        largest = float(np.abs(centred).max())
        if not largest > 0:
            raise ConfigError("cannot standardise points that all lie at one place")
        # Divide first, so that neither squaring tiny coordinates underflows nor squaring huge ones overflows.
        scale = largest * float(np.sqrt(np.mean((centred / largest) ** 2)))
        return cls(mean=mean, scale=scale)

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Points (..., 2) in standardised coordinates."""
        return (x - self.mean) / self.scale

    def to_data_units(
        self,
        weight: np.ndarray,
        bias: np.ndarray,
        head_weight: np.ndarray,
        head_bias: np.ndarray,
        *,
        scheme: str,
        dt: float,
    ) -> Parameters:
        """The parameters (L, d, d), (L, d), (d,), (), and dt of the same network acting on data coordinates."""
        if scheme not in FOLDS:
            raise ConfigError(f"--standardize is not available for scheme {scheme!r}; it is for {', '.join(FOLDS)}")
        return FOLDS[scheme](self, weight, bias, head_weight, head_bias, dt)

    def meta(self) -> dict:
        return {"mean": [float(v) for v in self.mean], "scale": float(self.scale)}


def _lifted_mean(standard: Standardization, weight: np.ndarray) -> np.ndarray:
    """The mean as a point of the first layer's space (d,): a width-3 net sees ``(x, y, 0)``, so the shift
    ``x = s z + mean`` holds in 3-space with the mean's third coordinate 0."""
    return np.concatenate([standard.mean, np.zeros(weight.shape[-1] - 2)])


def _fold_first_layer(standard: Standardization, weight, bias, head_weight, head_bias, dt) -> Parameters:
    weight, bias = weight.copy(), bias.copy()  # (L, d, d), (L, d)
    weight[0] = weight[0] / standard.scale
    bias[0] = bias[0] - weight[0] @ _lifted_mean(standard, weight)
    return weight, bias, head_weight.copy(), np.array(head_bias, copy=True), dt


def _fold_every_layer(power: float) -> Callable[..., Parameters]:
    """Conjugating by ``x = s z + mean`` scales the step ``dt`` by ``s ** power``."""

    def fold(standard: Standardization, weight, bias, head_weight, head_bias, dt) -> Parameters:
        s, mean = standard.scale, _lifted_mean(standard, weight)  # (d,)
        folded = weight / s  # (L, d, d)
        shifted = bias - folded @ mean  # (L, d)
        head = head_weight / s  # (d,)
        return folded, shifted, head, np.array(head_bias - head @ mean), dt * s**power

    return fold


FOLDS: dict[str, Callable[..., Parameters]] = {
    "c0": _fold_first_layer,
    "c1": _fold_every_layer(1.0),
    "c2": _fold_every_layer(0.5),
}
