"""Round steps: the tick spacing of an axis and the spacing of the input grid, chosen so the two register.

Ticks step through 1, 2, 5 times a power of ten; grid lines through 1, 2.5, 5 times a power of ten. Every tick
step at least as large as a grid step is then a whole multiple of it (5/2.5, 10/2.5, 20/2.5, 10/5, 20/5, ...),
so on the input plane every tick mark has a grid line through it.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["GRID_MANTISSAS", "TICK_MANTISSAS", "grid_step", "multiples_within", "nice_step", "tick_step_over"]

TICK_MANTISSAS = (1.0, 2.0, 5.0)
GRID_MANTISSAS = (1.0, 2.5, 5.0)


def _series(mantissas: tuple[float, ...], power: int) -> list[float]:
    """The series' values from ``10**power`` up to ``10**(power + 2)``: one decade each side of a raw value."""
    return [m * 10.0**p for p in (power, power + 1) for m in mantissas] + [10.0 ** (power + 2)]


def nice_step(span: float, *, target: int = 5) -> float:
    """A 1-2-5 tick step giving about ``target`` ticks over ``span``: the smallest one at least ``span/target``."""
    raw = span / target
    return next(v for v in _series(TICK_MANTISSAS, math.floor(math.log10(raw))) if v >= raw * (1 - 1e-12))


def grid_step(span: float, *, lines: int) -> float:
    """A 1-2.5-5 grid step giving about ``lines`` lines over ``span``: the one nearest ``span/(lines-1)`` on a
    log scale."""
    raw = span / max(lines - 1, 1)
    candidates = _series(GRID_MANTISSAS, math.floor(math.log10(raw)) - 1)
    return min(candidates, key=lambda v: abs(math.log(v / raw)))


def tick_step_over(step: float, unit: float) -> float:
    """The tick ``step`` made to register with grid lines ``unit`` apart: unchanged when it is at least
    ``unit`` (then already a multiple), else the smallest 1-2-5 step at least ``unit`` (a coarser axis whose
    every tick still has a grid line through it)."""
    return step if step >= unit * (1 - 1e-9) else nice_step(unit, target=1)


def multiples_within(low: float, high: float, step: float) -> np.ndarray:
    """The multiples of ``step`` that cover ``[low, high]``: from the last at or below ``low`` to the first at
    or above ``high`` (K,), computed as integers times ``step`` so that 0 is exactly 0."""
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)
    return step * np.arange(first, last + 1, dtype=float)
