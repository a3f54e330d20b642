"""Core speed: training every preset, and the geometry of 1000 sites through 20 layers.

    .venv/bin/python benchmarks/bench_core.py

Prints, never asserts. Targets: geometry (chart Jacobians + pullback metrics + ellipses) for 1000 sites
x 20 layers under 1 s, best of 3.
"""

from __future__ import annotations

import time

import numpy as np
from _common import best_of, footer, header, verdict

GEOMETRY_TARGET_S = 1.0
SITES, DEPTH, WEIGHT_SCALE = 1000, 20, 0.5
NETWORKS = (("c1", "tanh"), ("c2", "sigmoid"))


def bench_presets() -> None:
    start = time.perf_counter()
    import torch

    import riemann_nn.train  # noqa: F401  (torch: paid once per process, not by the first preset)

    print(f"importing torch and riemann_nn: {time.perf_counter() - start:.2f} s")
    from riemann_nn import PRESETS, build_run

    threads = torch.get_num_threads()
    start = time.perf_counter()
    first = next(iter(PRESETS.values()))
    build_run(first.replace(training={"iterations": 5}), progress=False)
    print(
        f"warm-up (torch's lazy set-up, untimed below): a 5-iteration {first.name}: {time.perf_counter() - start:.2f} s"
    )
    print(
        f"\nTraining each preset: build_run(preset, progress=False), one run each (data + training + geometry "
        f"+ layers),\nwith torch's default {threads} intra-op threads and again with 1 thread (the tensors are "
        "N x 2: threads only add synchronisation,\nwhich gets very costly when other processes hold the cores)"
    )
    print(
        f"{'preset':<18} {'scheme':<6} {'act':<8} {'L':>3} {'N':>5} {'iters':>6} {'seconds':>8} "
        f"{'ms/iter':>8} {'1 thread':>9} {'ms/iter':>8} {'accuracy':>9}"
    )
    totals = [0.0, 0.0]
    for name, config in PRESETS.items():
        seconds = []
        for n_threads in (threads, 1):
            torch.set_num_threads(n_threads)
            start = time.perf_counter()
            run = build_run(config, progress=False)
            seconds.append(time.perf_counter() - start)
        torch.set_num_threads(threads)
        totals = [a + b for a, b in zip(totals, seconds)]
        m, iterations = config.model, config.training.iterations
        per_iteration = [1000 * s / iterations for s in seconds]
        print(
            f"{name:<18} {m.scheme:<6} {m.activation:<8} {m.depth:>3} {len(run.y):>5} {iterations:>6} "
            f"{seconds[0]:>8.2f} {per_iteration[0]:>8.2f} {seconds[1]:>9.2f} {per_iteration[1]:>8.2f} "
            f"{run.meta['training']['accuracy']:>9.3f}"
        )
    print(f"{'all presets':<18} {'':<6} {'':<8} {'':>3} {'':>5} {'':>6} {totals[0]:>8.2f} {'':>8} {totals[1]:>9.2f}")


def bench_geometry() -> None:
    from riemann_nn import metric
    from riemann_nn.network import chart_jacobians

    rng = np.random.default_rng(0)
    weight = rng.normal(scale=WEIGHT_SCALE, size=(DEPTH, 2, 2))  # (L, 2, 2)
    bias = rng.normal(scale=WEIGHT_SCALE, size=(DEPTH, 2))  # (L, 2)
    sites = rng.uniform(-1.0, 1.0, size=(SITES, 2))  # (M, 2)

    print(
        f"\nGeometry: {SITES} sites x {DEPTH} layers, random weights (scale {WEIGHT_SCALE}); "
        f"best of 3 (seconds); target under {GEOMETRY_TARGET_S:g} s"
    )
    print(f"{'network':<12} {'jacobians':>10} {'metrics':>9} {'ellipses':>9} {'total':>8} {'first call':>11}  verdict")
    for scheme, activation in NETWORKS:
        parts: dict = {}

        # Each closure binds this network's names (the defaults), not the loop's last ones.
        def jacobians(parts=parts, scheme=scheme, activation=activation):
            parts["jacobian"] = chart_jacobians(
                weight, bias, sites, scheme=scheme, activation=activation, dt=1.0
            )  # (L+1, M, 2, 2)

        def metrics(parts=parts):
            parts["metric"] = metric.pullback_metrics(parts["jacobian"])  # (L+1, M, 2, 2)

        def ellipses(parts=parts):
            metric.ellipses(parts["metric"], scale=0.1, max_axis=1.0)

        def everything():
            jacobians(), metrics(), ellipses()

        # The first call pays torch.func's one-off set-up; the best of 3 is the steady cost.
        first, _ = best_of(1, everything)
        best_total, _ = best_of(3, everything)
        best_j, _ = best_of(3, jacobians)
        best_m, _ = best_of(3, metrics)
        best_e, _ = best_of(3, ellipses)
        print(
            f"{scheme + ' ' + activation:<12} {best_j:>10.3f} {best_m:>9.3f} {best_e:>9.3f} {best_total:>8.3f} "
            f"{first:>11.3f}  {verdict(best_total, GEOMETRY_TARGET_S)} (target < {GEOMETRY_TARGET_S:g} s)"
        )


def main() -> None:
    header("bench_core: training and geometry")
    bench_presets()
    bench_geometry()
    footer()


if __name__ == "__main__":
    main()
