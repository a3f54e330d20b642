"""Shortest paths under the pulled-back metric (needs the network's weights).

    manim -pql scenes/geodesics.py

The scene Geodesics ships with the package, in riemann_nn/scenes/geodesics.py, so that
``riemann-nn render --scene geodesics`` finds it wherever riemann-nn is installed; this thin file lets Manim render
it from the repository, and the environment variables of that file apply.
"""

from riemann_nn.scenes.geodesics import Geodesics as PackagedScene


class Geodesics(PackagedScene):
    """Manim renders the scene classes a file defines: here the package's, unchanged."""
