"""Measure the depth sweep (presets depth-2 ... depth-128) and print the README's table in Markdown.

    python scripts/depth_sweep.py          # trains the presets on first use (cached under media/runs/)

Mean step: the mean over layers and data points of |x_{l+1} - x_l|. Metric change: the median over the glyph
sites of |g_0 - g_0'|_F / |g_0'|_F between a net and the next shallower one. The last line measures the same
change between two initial seeds at one depth: the part of the differences that training, not depth, makes.
"""

from __future__ import annotations

import warnings

from riemann_nn.cache import load_or_train
from riemann_nn.presets import DEPTH_SWEEP, FLOW_TIME, get_preset
from riemann_nn.sweep import metric_change, sweep_rows

SEED_DEPTH = 64


def main() -> None:
    warnings.simplefilter("ignore")  # low-accuracy warnings of the shallowest nets are part of the story
    runs = [load_or_train(get_preset(f"depth-{depth}"), progress=False) for depth in DEPTH_SWEEP]
    print(f"c1 tanh nets on seed-spirals' data and training, dt = {FLOW_TIME:g} / depth\n")
    print("| depth | dt | accuracy | mean step | mean step x depth | g_0 change from the previous depth |")
    print("|---:|---:|---:|---:|---:|---:|")
    for row in sweep_rows(runs):
        change = "" if row.metric_change is None else f"{100 * row.metric_change:.1f} %"
        print(
            f"| {row.depth} | {row.dt:g} | {row.accuracy:.3f} | {row.mean_step:.3f} | "
            f"{row.mean_step * row.depth:.2f} | {change} |"
        )
    base = get_preset(f"depth-{SEED_DEPTH}")
    other = load_or_train(base.replace(training={"seed": 1}, name=f"{base.name}+seed1"), progress=False)
    same_depth = runs[DEPTH_SWEEP.index(SEED_DEPTH)]
    print(
        f"\ng_0 change between initial seeds 0 and 1 at depth {SEED_DEPTH}: "
        f"{100 * metric_change(other, same_depth):.1f} %"
    )


if __name__ == "__main__":
    main()
