"""The width-2 network as arithmetic: step rules and activations, for numpy arrays and torch tensors alike.

A layer is ``f_l(x) = act(W_l x + b_l)``; a *scheme* says how ``f_l`` updates the coordinates (DESIGN.md):

- ``c0``: ``x_l = f_l(x_{l-1})``
- ``c1``: ``x_l = x_{l-1} + dt f_l(x_{l-1})``
- ``c2``: ``x_l = 2 x_{l-1} - x_{l-2} + dt^2 f_l(x_{l-1})``, with ``x_{-1} := x_0``

Each rule is written once, with arithmetic operators only, so the same function steps numpy arrays (rendering,
recomputation from a Run file) and torch tensors (training, exact Jacobians by ``torch.func``). A new scheme is
one entry of ``STEP_RULES`` (and its name in ``config.SCHEMES``). This module never imports torch: torch callers
pass tensors, and the torch twin of each activation is looked up by name only when a tensor arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .config import ACTIVATIONS as ACTIVATION_NAMES
from .config import SCHEMES, check_choice

Array = Any  # a numpy array or a torch tensor: the step rules use operators that both support

StepRule = Callable[[Array, Array, Array, float], Array]  # (x_{l-1}, x_{l-2}, f_l(x_{l-1}), dt) -> x_l

STEP_RULES: dict[str, StepRule] = {
    "c0": lambda current, previous, f, dt: f,
    "c1": lambda current, previous, f, dt: current + dt * f,
    "c2": lambda current, previous, f, dt: 2 * current - previous + dt**2 * f,
}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free form of 1 / (1 + exp(-z))


def _softplus(z: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, z)  # log(1 + exp(z)) without overflow; torch uses the same formula


def _torch_softplus(z):  # log(1 + exp(z)) exactly as numpy computes it (F.softplus switches to z above 20)
    import torch

    return torch.logaddexp(torch.zeros_like(z), z)


@dataclass(frozen=True)
class Activation:
    """An elementwise activation: its numpy form, its numpy derivative and its torch form."""

    numpy: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray]
    torch: Callable[[Any], Any]


def _torch(name: str) -> Callable[[Any], Any]:
    """``torch.<name>``, imported when first called so that numpy users never load torch."""
    def call(z):
        import torch

        return getattr(torch, name)(z)

    return call


ACTIVATIONS: dict[str, Activation] = {
    "tanh": Activation(np.tanh, lambda z: 1.0 - np.tanh(z) ** 2, _torch("tanh")),
    "sigmoid": Activation(_sigmoid, lambda z: _sigmoid(z) * (1.0 - _sigmoid(z)), _torch("sigmoid")),
    "relu": Activation(lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float), _torch("relu")),
    "softplus": Activation(_softplus, _sigmoid, _torch_softplus),
    "identity": Activation(lambda z: np.asarray(z, float), lambda z: np.ones_like(z, dtype=float), lambda z: z),
}


def activation(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """The numpy activation called ``name``; ``ConfigError`` listing the valid names otherwise."""
    return ACTIVATIONS[check_choice(name, ACTIVATION_NAMES, "activation")].numpy


def activation_derivative(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """The derivative of the numpy activation called ``name``."""
    return ACTIVATIONS[check_choice(name, ACTIVATION_NAMES, "activation")].derivative


def step_rule(scheme: str) -> StepRule:
    """The update of ``scheme``; ``ConfigError`` listing the valid schemes otherwise."""
    return STEP_RULES[check_choice(scheme, SCHEMES, "scheme")]


def propagate(weight: Array, bias: Array, x0: Array, *, scheme: str, activation: str, dt: float) -> Array:
    """Every layer's coordinates: ``x0`` (..., 2) -> (L+1, ..., 2), layer 0 being ``x0`` itself.

    ``weight`` (L, 2, 2) and ``bias`` (L, 2) hold the layers ``f_l(x) = act(W_l x + b_l)``. Give numpy arrays
    for a numpy result, torch tensors for a torch result (pure, so ``torch.func`` can differentiate it).
    """
    rule = step_rule(scheme)
    entry = ACTIVATIONS[check_choice(activation, ACTIVATION_NAMES, "activation")]
    is_numpy = isinstance(x0, np.ndarray) or not hasattr(x0, "detach")
    act = entry.numpy if is_numpy else entry.torch
    first = np.asarray(x0, float) if is_numpy else x0
    layers = [first]
    previous = first  # x_{-1} := x_0 for c2: the flow starts at rest
    for w, b in zip(weight, bias):  # (2, 2), (2,)
        current = layers[-1]
        layers.append(rule(current, previous, act(current @ w.T + b), dt))  # (..., 2)
        previous = current
    if is_numpy:
        return np.stack(layers)  # (L+1, ..., 2)
    import torch

    return torch.stack(layers)  # (L+1, ..., 2)
