"""The activations in plain numpy, with their derivatives.

The torch versions used for training live in ``model.py``; these serve everything below the Run file
(interpolation, rendering), which must not import torch.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

Array = np.ndarray


def _sigmoid(z: Array) -> Array:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free form of 1 / (1 + exp(-z))


def _softplus(z: Array) -> Array:
    return np.logaddexp(0.0, z)  # log(1 + exp(z)) without overflow


ACTIVATIONS: dict[str, tuple[Callable[[Array], Array], Callable[[Array], Array]]] = {
    # name: (activation, derivative)
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1.0 - _sigmoid(z))),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
    "softplus": (_softplus, _sigmoid),
    "identity": (lambda z: np.asarray(z, float), lambda z: np.ones_like(z, dtype=float)),
}

SCHEMES = ("c0", "c1", "c2")


def activation(name: str) -> Callable[[Array], Array]:
    """The numpy activation called ``name``; ``ValueError`` listing the valid names otherwise."""
    return _lookup(name)[0]


def activation_derivative(name: str) -> Callable[[Array], Array]:
    """The derivative of the numpy activation called ``name``."""
    return _lookup(name)[1]


def _lookup(name: str):
    if name not in ACTIVATIONS:
        from .errors import ConfigError

        raise ConfigError(f"unknown activation {name!r}; choose one of: {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name]


def propagate_numpy(weight: Array, bias: Array, x0: Array, *, scheme: str, activation_name: str, dt: float) -> Array:
    """Every layer's coordinates of ``x0`` (..., 2) through the network: returns (L+1, ..., 2).

    The plain-numpy twin of ``model.propagate`` (DESIGN.md's three schemes, ``x_{-1} = x_0`` for c2).
    """
    act = activation(activation_name)
    layers = [np.asarray(x0, float)]
    previous = layers[0]
    for w, b in zip(weight, bias):  # (2, 2), (2,)
        current = layers[-1]
        f = act(current @ w.T + b)  # (..., 2)
        if scheme == "c0":
            nxt = f
        elif scheme == "c1":
            nxt = current + dt * f
        elif scheme == "c2":
            nxt = 2 * current - previous + dt**2 * f
        else:
            from .errors import ConfigError

            raise ConfigError(f"unknown scheme {scheme!r}; choose one of: {', '.join(SCHEMES)}")
        previous = current
        layers.append(nxt)
    return np.stack(layers)  # (L+1, ..., 2)
