"""Width-2 networks in torch, for training: the module with its parameters and initialisation.

The arithmetic of a layer lives in ``network.py`` and is shared with numpy.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import Tensor, nn

from .config import ModelConfig
from .network import propagate


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
