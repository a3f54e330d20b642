"""The narrow network (width 2 or 3) as arithmetic: step rules and activations, for numpy and torch alike.

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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

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


# The slopes below are written so that they keep full *relative* precision where a unit saturates: the
# textbook forms 1 - tanh(z)^2 and s(z)(1 - s(z)) cancel to exactly 0 beyond |z| ~ 19 (and torch's autograd
# uses them), which would make a chart look collapsed, and its metric unbounded, where it is merely flat.


def _sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))  # never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _sigmoid_slope(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return e / (1.0 + e) ** 2  # s(z) s(-z)


def _tanh_slope(z: np.ndarray) -> np.ndarray:
    e = np.exp(-2.0 * np.abs(z))
    return 4.0 * e / (1.0 + e) ** 2  # 1 / cosh(z)^2


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
    "tanh": Activation(np.tanh, _tanh_slope, _torch("tanh")),
    "sigmoid": Activation(_sigmoid, _sigmoid_slope, _torch("sigmoid")),
    "relu": Activation(lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float), _torch("relu")),
    "softplus": Activation(_softplus, _sigmoid, _torch_softplus),
    "identity": Activation(lambda z: np.asarray(z, float), lambda z: np.ones_like(z, dtype=float), lambda z: z),
}


# Lipschitz constants of the activations (the largest slope): a c1 step's residual x -> dt act(W x + b) is at
# most dt * LIPSCHITZ[act] * ||W||_2 Lipschitz, and the step is invertible when that is below 1.
LIPSCHITZ: dict[str, float] = {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0, "softplus": 1.0, "identity": 1.0}


def lift(x0: Array, width: int) -> Array:
    """Input points (..., 2) as points of the first layer's space (..., width): ``(x, y)`` followed by zeros, so a
    width-3 network sees the input plane as the plane ``z = 0`` of 3-space. Width 2 returns ``x0`` itself.
    numpy in -> numpy out, torch in -> torch out."""
    if width == 2:
        return x0
    if isinstance(x0, np.ndarray) or not hasattr(x0, "detach"):
        x0 = np.asarray(x0, float)
        return np.concatenate([x0, np.zeros((*x0.shape[:-1], width - 2))], axis=-1)  # (..., width)
    import torch

    return torch.nn.functional.pad(x0, (0, width - 2))  # (..., width)


def residual_lipschitz(weight: np.ndarray, *, activation: str, dt: float) -> np.ndarray:
    """Upper bounds ``dt Lip(act) ||W_l||_2`` (L,) of the Lipschitz constants of c1 residuals ``x -> dt f_l(x)``
    for weights (L, d, d). Where a bound is below 1 the step ``x -> x + dt f_l(x)`` is a homeomorphism of R^d
    (a contraction's fixed point gives its inverse); at or above 1 it may fold."""
    norms = np.linalg.norm(np.asarray(weight, float), ord=2, axis=(-2, -1))  # (L,) largest singular values
    return dt * LIPSCHITZ[check_choice(activation, ACTIVATION_NAMES, "activation")] * norms


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
    """Every layer's coordinates: ``x0`` (..., d) -> (L+1, ..., d), layer 0 being ``x0`` itself (``d`` the width;
    give width-3 networks lifted inputs, ``lift(points, 3)``).

    ``weight`` (L, d, d) and ``bias`` (L, d) hold the layers ``f_l(x) = act(W_l x + b_l)``. Give numpy arrays
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

    return torch.stack(cast("list[torch.Tensor]", layers))  # (L+1, ..., 2)


def chart_jacobians(
    weight: np.ndarray, bias: np.ndarray, sites: np.ndarray, *, scheme: str, activation: str, dt: float
) -> np.ndarray:
    """Exact chart Jacobians ``J_l = d x_l / d x_0`` at ``sites`` (M, d) for every layer: (L+1, M, d, d), ``d`` the
    width (2; or 3 with sites already lifted by ``lift``, whose restriction to the input plane is ``J[..., :2]``).

    ``J[l, m, i, j] = d x_l^i / d x_0^j`` (``J_0 = I``), by forward-mode differentiation written out: every step
    rule is linear in its arguments, so tangents follow the very same rule, with ``d f_l = diag(act'(z_l)) W_l
    J_{l-1}``. The slopes keep full relative precision where units saturate (torch's autograd loses it there).
    """
    rule = step_rule(scheme)
    entry = ACTIVATIONS[check_choice(activation, ACTIVATION_NAMES, "activation")]
    x = np.asarray(sites, float)  # (M, d)
    width = x.shape[-1]
    jac = np.broadcast_to(np.eye(width), (*x.shape[:-1], width, width)).copy()  # (M, d, d)
    previous_x, previous_jac = x, jac  # c2 starts at rest: x_{-1} = x_0, so J_{-1} = J_0
    jacobians = [jac]
    for w, b in zip(weight, bias):  # (d, d), (d,)
        z = x @ w.T + b  # (M, d)
        df = entry.derivative(z)[..., :, None] * np.einsum("ij,mjk->mik", w, jac)  # (M, d, d)
        x, previous_x = rule(x, previous_x, entry.numpy(z), dt), x
        jac, previous_jac = rule(jac, previous_jac, df, dt), jac
        jacobians.append(jac)
    return np.stack(jacobians)  # (L+1, M, d, d)
