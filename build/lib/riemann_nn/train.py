"""Full-batch, deterministic training of a width-2 network (AdamW, BCE with logits)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .errors import TrainingError
from .model import Width2Net, single_thread
from .config import ModelConfig, TrainConfig


@dataclass(frozen=True)
class TrainResult:
    """A trained network and its history; ``loss[i]``/``accuracy[i]`` are measured before step ``i``."""

    model: Width2Net
    loss: np.ndarray  # (iterations,)
    accuracy: np.ndarray  # (iterations,)
    final_loss: float
    final_accuracy: float


def train(
    x: np.ndarray,
    y: np.ndarray,
    *,
    model_config: ModelConfig,
    train_config: TrainConfig,
    progress: bool = True,
) -> TrainResult:
    """Train a fresh network on ``x`` (N, 2) with labels ``y`` (N,) in {0, 1}.

    The same configurations and data give bit-identical weights. Raises ``TrainingError`` when the loss
    stops being finite.
    """
    inputs = torch.as_tensor(np.asarray(x, np.float64))  # (N, 2)
    targets = torch.as_tensor(np.asarray(y, np.float64))  # (N,)
    model = Width2Net(model_config, seed=train_config.seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=train_config.lr, weight_decay=train_config.weight_decay)
    losses = np.empty(train_config.iterations)
    accuracies = np.empty(train_config.iterations)

    with single_thread(), _progress_bar(train_config.iterations, enabled=progress) as advance:
        for step in range(train_config.iterations):
            optimizer.zero_grad()
            logits = model(inputs)  # (N,)
            loss = F.binary_cross_entropy_with_logits(logits, targets)
            if not torch.isfinite(loss):
                raise TrainingError(
                    f"the loss became {loss.item()} at iteration {step}; try a smaller learning rate or dt"
                )
            loss.backward()
            optimizer.step()
            losses[step] = loss.item()
            accuracies[step] = ((logits > 0) == (targets > 0.5)).double().mean().item()
            advance(losses[step], accuracies[step])

    with torch.no_grad():
        logits = model(inputs)
        final_loss = F.binary_cross_entropy_with_logits(logits, targets).item()
        final_accuracy = ((logits > 0) == (targets > 0.5)).double().mean().item()
    if not math.isfinite(final_loss):
        raise TrainingError("the loss became non-finite after the last step; try a smaller learning rate or dt")
    return TrainResult(model, losses, accuracies, final_loss, final_accuracy)


class _progress_bar:
    """A rich progress bar showing loss and accuracy; a no-op when disabled (tests, quiet runs)."""

    def __init__(self, total: int, *, enabled: bool):
        self.total, self.enabled = total, enabled

    def __enter__(self):
        if not self.enabled:
            return lambda loss, accuracy: None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("training"), BarColumn(), MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]:.4f}  acc {task.fields[acc]:.3f}"), TimeElapsedColumn(),
            transient=False,
        )
        self.progress.__enter__()
        task = self.progress.add_task("train", total=self.total, loss=math.nan, acc=math.nan)
        return lambda loss, accuracy: self.progress.update(task, advance=1, loss=loss, acc=accuracy)

    def __exit__(self, *exc):
        if self.enabled:
            self.progress.__exit__(*exc)
        return False
