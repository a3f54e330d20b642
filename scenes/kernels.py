"""The directions the logit cannot see, and collapsed charts.

    manim -pql scenes/kernels.py

The scene LogitKernels ships with the package, in riemann_nn/scenes/kernels.py, so that
``riemann-nn render --scene kernels`` finds it wherever riemann-nn is installed; this thin file lets Manim render
it from the repository, and the environment variables of that file apply.
"""

from riemann_nn.scenes.kernels import LogitKernels as PackagedScene


class LogitKernels(PackagedScene):
    """Manim renders the scene classes a file defines: here the package's, unchanged."""
