"""The metric field alone, pulled back layer by layer.

    manim -pql scenes/pullback.py

The scene MetricField ships with the package, in riemann_nn/scenes/pullback.py, so that
``riemann-nn render --scene pullback`` finds it wherever riemann-nn is installed; this thin file lets Manim render
it from the repository, and the environment variables of that file apply.
"""

from riemann_nn.scenes.pullback import MetricField as PackagedScene


class MetricField(PackagedScene):
    """Manim renders the scene classes a file defines: here the package's, unchanged."""
