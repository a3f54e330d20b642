"""Narrow networks (width 2 or 3) in torch, for training: the module with its parameters and initialisation.

The arithmetic of a layer lives in ``network.py`` and is shared with numpy.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import Tensor, nn

from .config import ModelConfig
from .network import LIPSCHITZ, lift, propagate


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


class Width2Net(nn.Module):
    """A deep network with ``config.width`` neurons per layer (two by default, or three: inputs ``(x, y)`` enter
    as ``(x, y, 0)``) and a linear head ``logit = w . x_L + c``."""

    def __init__(self, config: ModelConfig, *, seed: int = 0, dtype: torch.dtype = torch.float64):
        super().__init__()
        self.config = config
        width = config.width
        generator = torch.Generator().manual_seed(seed)
        weight = torch.empty(config.depth, width, width, dtype=dtype)  # (L, d, d)
        for w in weight:
            nn.init.xavier_normal_(w, gain=config.init_gain, generator=generator)
        head = torch.empty(1, width, dtype=dtype)  # (1, d): a d -> 1 linear map for Xavier's fan-in/fan-out
        nn.init.xavier_normal_(head, gain=config.init_gain, generator=generator)
        self.weight = nn.Parameter(weight)
        self.bias = nn.Parameter(torch.zeros(config.depth, width, dtype=dtype))  # (L, d)
        self.head_weight = nn.Parameter(head[0].clone())  # (d,)
        self.head_bias = nn.Parameter(torch.zeros((), dtype=dtype))  # ()

    def layer_weights(self) -> Tensor:
        """The weights ``W_l`` (L, d, d) the layers use: the parameters themselves, or with ``step_lipschitz`` set,
        each scaled down just enough that ``dt Lip(act) ||W_l||_2 <= step_lipschitz`` (exact spectral
        normalisation: the largest singular value of a 2x2 or 3x3 matrix costs nothing)."""
        c = self.config
        if c.step_lipschitz is None:
            return self.weight
        bound = c.dt * LIPSCHITZ[c.activation] * torch.linalg.matrix_norm(self.weight, ord=2)  # (L,)
        return self.weight / torch.clamp(bound / c.step_lipschitz, min=1.0)[:, None, None]  # (L, d, d)

    def layers(self, x0: Tensor) -> Tensor:
        """Coordinates of ``x0`` (N, 2) in every layer: (L+1, N, d), layer 0 being ``x0`` lifted to width d."""
        c = self.config
        return propagate(
            self.layer_weights(), self.bias, lift(x0, c.width), scheme=c.scheme, activation=c.activation, dt=c.dt
        )

    def head(self, x_last: Tensor) -> Tensor:
        """Logits (N,) of last-layer coordinates (N, d)."""
        return x_last @ self.head_weight + self.head_bias

    def forward(self, x0: Tensor) -> Tensor:
        """Logits (N,) of input points (N, 2); class 1 where the logit is positive."""
        return self.head(self.layers(x0)[-1])
