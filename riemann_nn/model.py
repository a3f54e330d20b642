"""Width-2 networks of any depth: schemes c0 / c1 / c2 (DESIGN.md), a linear head to one logit."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .activations import SCHEMES
from .errors import ConfigError
from .presets import ModelConfig  # re-exported: the configuration lives with the other presets

TORCH_ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "softplus": F.softplus,  # beta 1
    "identity": lambda z: z,
}


@contextmanager
def single_thread() -> Iterator[None]:
    """Run torch on one thread inside the block. Tensors here are N x 2: extra threads only synchronise, and
    cost 10-30x when other processes hold the cores. Results are bit-identical either way."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def propagate(weight: Tensor, bias: Tensor, x0: Tensor, *, scheme: str, activation: str, dt: float) -> Tensor:
    """Every layer's coordinates: ``x0`` (..., 2) -> (L+1, ..., 2), layer 0 being ``x0`` itself.

    ``weight`` (L, 2, 2) and ``bias`` (L, 2) hold the layers ``f_l(x) = act(W_l x + b_l)``. Pure, so
    ``torch.func`` can differentiate it.
    """
    if scheme not in SCHEMES:
        raise ConfigError(f"unknown scheme {scheme!r}; choose one of: {', '.join(SCHEMES)}")
    if activation not in TORCH_ACTIVATIONS:
        raise ConfigError(f"unknown activation {activation!r}; choose one of: {', '.join(TORCH_ACTIVATIONS)}")
    act = TORCH_ACTIVATIONS[activation]
    layers = [x0]
    previous = x0  # x_{-1} := x_0 for c2: the flow starts at rest
    for w, b in zip(weight, bias):  # (2, 2), (2,)
        current = layers[-1]
        f = act(current @ w.T + b)  # (..., 2)
        if scheme == "c0":
            nxt = f
        elif scheme == "c1":
            nxt = current + dt * f
        else:  # c2
            nxt = 2 * current - previous + dt**2 * f
        previous = current
        layers.append(nxt)
    return torch.stack(layers)  # (L+1, ..., 2)


class Width2Net(nn.Module):
    """A deep network with two neurons per layer and a linear head ``logit = w . x_L + c``."""

    def __init__(self, config: ModelConfig, *, seed: int = 0, dtype: torch.dtype = torch.float64):
        super().__init__()
        self.config = config
        generator = torch.Generator().manual_seed(seed)
        weight = torch.empty(config.depth, 2, 2, dtype=dtype)  # (L, 2, 2)
        for w in weight:
            nn.init.xavier_normal_(w, gain=config.init_gain, generator=generator)
        head = torch.empty(1, 2, dtype=dtype)  # (1, 2): a 2 -> 1 linear map for Xavier's fan-in/fan-out
        nn.init.xavier_normal_(head, gain=config.init_gain, generator=generator)
        self.weight = nn.Parameter(weight)
        self.bias = nn.Parameter(torch.zeros(config.depth, 2, dtype=dtype))  # (L, 2)
        self.head_weight = nn.Parameter(head[0].clone())  # (2,)
        self.head_bias = nn.Parameter(torch.zeros((), dtype=dtype))  # ()

    def layers(self, x0: Tensor) -> Tensor:
        """Coordinates of ``x0`` (N, 2) in every layer: (L+1, N, 2)."""
        c = self.config
        return propagate(self.weight, self.bias, x0, scheme=c.scheme, activation=c.activation, dt=c.dt)

    def head(self, x_last: Tensor) -> Tensor:
        """Logits (N,) of last-layer coordinates (N, 2)."""
        return x_last @ self.head_weight + self.head_bias

    def forward(self, x0: Tensor) -> Tensor:
        """Logits (N,) of input points (N, 2); class 1 where the logit is positive."""
        return self.head(self.layers(x0)[-1])
