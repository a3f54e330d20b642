"""Building blocks for your own PyTorch networks that ``run_from_module`` reads as residual (c1) and
second-order (c2) layers, so their Runs keep ``weight``/``bias`` and every number is recomputed from the file:

    import torch.nn as nn
    from riemann_nn import Residual, SecondOrder

    c1 = nn.Sequential(*[Residual(nn.Sequential(nn.Linear(2, 2), nn.Tanh()), dt=0.5) for _ in range(8)],
                       nn.Linear(2, 1))
    c2 = nn.Sequential(SecondOrder([nn.Sequential(nn.Linear(2, 2), nn.Sigmoid()) for _ in range(8)], dt=0.5),
                       nn.Linear(2, 1))

Both can be scripted (``torch.jit.script``) and exported (``torch.export``); ``dt`` is a buffer, so it travels
with the module into either file.
"""

# No ``from __future__ import annotations``: TorchScript reads these classes' annotations as objects.
from collections.abc import Iterable

import torch
from torch import Tensor, nn


class Residual(nn.Module):
    """One residual (c1) layer: ``x + dt * block(x)``, with ``block`` a map R^2 -> R^2 (typically
    ``nn.Sequential(nn.Linear(2, 2), nn.Tanh())``)."""

    dt: Tensor

    def __init__(self, block: nn.Module, dt: float = 1.0):
        super().__init__()
        self.block = block
        self.register_buffer("dt", torch.tensor(float(dt)))

    def forward(self, x: Tensor) -> Tensor:  # (N, 2) -> (N, 2)
        return x + self.dt * self.block(x)


class SecondOrder(nn.Module):
    """Second-order (c2) layers: ``x_l = 2 x_{l-1} - x_{l-2} + dt^2 * blocks[l](x_{l-1})``, starting at rest
    (``x_{-1} = x_0``); one layer per block."""

    dt: Tensor

    def __init__(self, blocks: Iterable[nn.Module], dt: float = 1.0):
        super().__init__()
        self.blocks = nn.ModuleList(blocks)
        self.register_buffer("dt", torch.tensor(float(dt)))

    def forward(self, x: Tensor) -> Tensor:  # (N, 2) -> (N, 2)
        previous = x
        for block in self.blocks:
            x, previous = 2 * x - previous + self.dt**2 * block(x), x
        return x
