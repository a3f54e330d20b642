"""Your own network in riemann-nn, from training to a video: a short walk-through (the tests run it).

    python examples/own_model.py                      # writes into ./own-model/
    python examples/own_model.py --output-dir talk --no-video

1. Train a small PyTorch network of your own: a chain of ``Linear(2, 2)`` + activation layers and a head.
2. ``riemann_nn.run_from_module`` reads it as width-2 layers and exports its Run: every layer's coordinates,
   the chart Jacobians, the pulled-back metric and its glyphs, the decision boundary.
3. Look inside: how far each layer moves the data, where the input metric is largest, how it agrees with
   the module itself.
4. Save the Run, draw a still of every layer and render a short video of it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from torch import nn

import riemann_nn as rn


def train_my_network(x: np.ndarray, labels: np.ndarray, *, steps: int = 300) -> nn.Module:
    """Any training loop of yours: here four tanh layers of width 2 and a two-logit head, full batch Adam."""
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(2, 2),
        nn.Tanh(),
        nn.Linear(2, 2),
        nn.Tanh(),
        nn.Linear(2, 2),
        nn.Tanh(),
        nn.Linear(2, 2),
        nn.Tanh(),
        nn.Linear(2, 2),
    )
    inputs = torch.tensor(x, dtype=torch.float32)
    targets = torch.tensor(labels == "upper", dtype=torch.long)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(steps):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(inputs), targets).backward()
        optimizer.step()
    return model


def main(output_dir: Path, *, video: bool = True, fps: int | None = None) -> rn.Run:
    output_dir.mkdir(parents=True, exist_ok=True)

    # 1. Data with labels of your own (any two values) and a network trained on it.
    x, y = rn.make_dataset("moons", n=400, noise=0.1, seed=0)
    labels = np.where(y == 1, "lower", "upper")
    model = train_my_network(x, labels)

    # 2. The Run. Two logits: their difference, class 1 ("upper", the one the second logit stands for) minus
    #    class 0, is the logit; positive= says which label that is.
    run = rn.run_from_module(model, x, labels, positive="upper", title="Two moons, my own network")
    print(f"read {run.depth} layers: {run.scheme} {run.activation} ({'; '.join(run.meta['model']['layers'])})")
    print(f"classes {run.class_names}, accuracy {run.meta['training']['accuracy']:.3f} on these points")

    # 3. Inside: the mean distance a point moves in each layer, and the largest stretch of the input metric.
    steps = np.linalg.norm(np.diff(run.x, axis=0), axis=-1).mean(axis=1)  # (L,)
    print("mean step per layer:", " ".join(f"{step:.2f}" for step in steps))
    largest = np.linalg.eigvalsh(run.metric[0])[:, -1]  # (M,) the input metric's larger eigenvalue per site
    site = int(np.argmax(largest))
    print(
        f"the network is most sensitive near {run.sites[0, site].round(2)}: a step there grows "
        f"{np.sqrt(largest[site]):.1f}-fold on its way to the last layer"
    )
    with torch.no_grad():  # the Run's last layer and head agree with the module itself
        logits = model.double()(torch.as_tensor(x)).numpy()  # (N, 2)
    difference = np.abs(run.logits(run.x[-1]) - (logits[:, 1] - logits[:, 0])).max()
    print(f"largest logit difference from the module: {difference:.1e}")

    # 4. Save, draw, render.
    path = rn.save_run(run, output_dir / "mine.npz")
    from riemann_nn.render.sheet import save_sheet

    save_sheet(run, output_dir / "mine-sheet.png", width=1200)
    print(f"wrote {path} and {output_dir / 'mine-sheet.png'}")
    if video:
        args = ("--fps", str(fps)) if fps else ()
        print(f"wrote {rn.make_video(run, output_dir / 'mine.mp4', manim_args=args)}")
    return run


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output-dir", type=Path, default=Path("own-model"))
    parser.add_argument("--no-video", action="store_true", help="skip the video (the slow part)")
    arguments = parser.parse_args()
    main(arguments.output_dir, video=not arguments.no_video)
