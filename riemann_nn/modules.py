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
import math
from collections.abc import Iterable
from numbers import Real

import torch
from torch import Tensor, nn

from .errors import ConfigError


def _step_size(dt, owner: str) -> float:
    """``dt`` as a float if it is a finite positive number; ``ConfigError`` otherwise (here, not at the first
    forward pass or export, far from the line that made the module)."""
    if isinstance(dt, Tensor) and dt.numel() == 1:
        dt = dt.item()
    value = float(dt) if isinstance(dt, Real) and not isinstance(dt, bool) else math.nan
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(f"{owner} needs a step dt, a finite positive number; got {dt!r:.60}")
    return value


def _block(block, owner: str) -> nn.Module:
    if not isinstance(block, nn.Module):
        raise ConfigError(
            f"{owner} needs torch modules mapping points (N, 2) to (N, 2), got a {type(block).__name__}"
            "; for other callables use riemann_nn.run_from_callables"
        )
    return block


class Residual(nn.Module):
    """One residual (c1) layer: ``x + dt * block(x)``, with ``block`` a map R^2 -> R^2 (typically
    ``nn.Sequential(nn.Linear(2, 2), nn.Tanh())``)."""

    dt: Tensor

    def __init__(self, block: nn.Module, dt: float = 1.0):
        super().__init__()
        self.block = _block(block, "Residual")
        self.register_buffer("dt", torch.tensor(_step_size(dt, "Residual")))

    def forward(self, x: Tensor) -> Tensor:  # (N, 2) -> (N, 2)
        return x + self.dt * self.block(x)


class SecondOrder(nn.Module):
    """Second-order (c2) layers: ``x_l = 2 x_{l-1} - x_{l-2} + dt^2 * blocks[l](x_{l-1})``, starting at rest
    (``x_{-1} = x_0``); one layer per block."""

    dt: Tensor

    def __init__(self, blocks: Iterable[nn.Module], dt: float = 1.0):
        super().__init__()
        if isinstance(blocks, nn.Module) and not isinstance(blocks, (nn.Sequential, nn.ModuleList)):
            raise ConfigError(f"SecondOrder needs a list of blocks, one per layer, got one {type(blocks).__name__}")
        try:
            listed = list(blocks)
        except TypeError:
            raise ConfigError(
                f"SecondOrder needs a list of blocks, one per layer, got {type(blocks).__name__}"
            ) from None
        if not listed:
            raise ConfigError("SecondOrder needs at least one block (one per layer)")
        self.blocks = nn.ModuleList([_block(block, "SecondOrder") for block in listed])
        self.register_buffer("dt", torch.tensor(_step_size(dt, "SecondOrder")))

    def forward(self, x: Tensor) -> Tensor:  # (N, 2) -> (N, 2)
        previous = x
        for block in self.blocks:
            x, previous = 2 * x - previous + self.dt**2 * block(x), x
        return x
