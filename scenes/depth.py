"""Depth as time: residual networks of 2 to 64 layers.

    manim -pql scenes/depth.py

The scene DepthAsTime ships with the package, in riemann_nn/scenes/depth.py, so that
``riemann-nn render --scene depth`` finds it wherever riemann-nn is installed; this thin file lets Manim render
it from the repository, and the environment variables of that file apply.
"""

from riemann_nn.scenes.depth import DepthAsTime as PackagedScene


class DepthAsTime(PackagedScene):
    """Manim renders the scene classes a file defines: here the package's, unchanged."""
